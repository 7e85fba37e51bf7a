"""The private Odoo 18.0 of ``./dev``: when the python3 that runs ``./dev``
cannot import Odoo 18.0, a virtualenv in ``.dev/venv`` with Odoo 18.0 from
``ODOO_SOURCE`` and its Python requirements, then ``./dev`` runs again with
that virtualenv's python.

Standard library only: it runs on the bare python3 that started ``./dev``,
before anything is installed. What it installed is written in a stamp file,
so that a second run checks the stamp and starts at once.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
import zipfile

# The Odoo a machine without Odoo gets: the official source archive of the
# 18.0 branch at this commit. Changed on purpose, after ./dev test passed on
# the new commit, so that a user's first run and CI install the same Odoo
# (the head of the branch: git ls-remote https://github.com/odoo/odoo 18.0).
# An archive that is not Odoo 18.0 stops the set-up (check_tree).
ODOO_COMMIT = "037282219fafd63a8b5e6dcd153fca0b5b80ecc2"
ODOO_ARCHIVE = f"https://github.com/odoo/odoo/archive/{ODOO_COMMIT}.tar.gz"
# The branch a git ODOO_SOURCE is fetched at, when it names no "#ref".
ODOO_BRANCH = "18.0"

# Odoo's requirements.txt pins, for Python 3.11 and older, the versions of
# Debian 12 / Ubuntu 22.04, several of which PyPI has only as sources to
# compile (cbor2, psycopg2...); its pins for Python 3.12 are those of Ubuntu
# 24.04, chosen "mostly to have a wheel package", and their wheels also exist
# for 3.10 and 3.11. So the markers are read as if Python were at least 3.12.
PINS_AS_OF_PYTHON = (3, 12)
# psycopg2 has no wheel on PyPI; psycopg2-binary is the same module, built.
# python-ldap (Odoo's LDAP login only) needs OpenLDAP's headers and a
# compiler: installed when a wheel exists, else skipped with a note.
RENAMED = {"psycopg2": "psycopg2-binary"}
OPTIONAL = {"python-ldap"}
# What ./dev needs beyond Odoo's requirements: Odoo drives Chromium through
# websocket-client for the browser tours; the French demo company gets
# account_peppol from Odoo, which needs phonenumbers.
EXTRA = ["websocket-client", "phonenumbers"]

PROGRESS = re.compile(r"\d+% \(")

# Bumped when what is installed changes, so that old virtualenvs are redone.
STAMP_VERSION = 1


class Bootstrap:
    def __init__(self, repo):
        self.repo = repo
        self.dev = os.path.join(repo, ".dev")
        self.venv = os.path.join(self.dev, "venv")
        self.python = os.path.join(self.venv, "bin", "python")
        self.stamp_path = os.path.join(self.venv, "dev-stamp.json")

    # -- the decision ------------------------------------------------------

    def ensure(self, argv):
        """Return when this python imports Odoo 18.0; otherwise set up (or
        reuse) .dev/venv and run ``./dev`` again with it (never returns)."""
        if self.in_venv():
            self.install()
            return
        version = importable_odoo()
        if version == (18, 0):
            return  # an Odoo of this machine: used as it is
        why = (
            f"Odoo {version[0]}.{version[1]} is what {sys.executable} imports"
            if version
            else f"{sys.executable} cannot import Odoo"
        )
        if not os.path.exists(self.stamp_path):
            say(f"{why}: ./dev sets up Odoo 18.0 in {self.venv} (a few minutes, once).")
        if not os.path.exists(self.python):
            self.create_venv()
        os.execv(self.python, [self.python, os.path.join(self.repo, "dev"), *argv])

    def in_venv(self):
        return os.path.realpath(sys.prefix) == os.path.realpath(self.venv)

    # -- the virtualenv ----------------------------------------------------

    def create_venv(self):
        if sys.version_info < (3, 10):  # noqa: UP036  (the python3 that starts ./dev may be older)
            die(
                f"Odoo 18.0 needs Python 3.10 to 3.12; {sys.executable} is {sys.version.split()[0]}.\n"
                "    Run ./dev with a newer python, e.g. python3.12 ./dev run"
            )
        if sys.version_info >= (3, 13):
            say(
                f"Python {sys.version.split()[0]}: Odoo 18.0 supports 3.10 to 3.12; some of its "
                "pinned requirements may have no wheel for it and need compiling."
            )
        os.makedirs(self.dev, exist_ok=True)
        # Without the system's site-packages: an Odoo of another version there
        # must not be the one imported.
        run_step(f"creating the virtualenv {self.venv}", [sys.executable, "-m", "venv", self.venv])
        if not os.path.exists(self.python):
            die(f"{sys.executable} -m venv made no {self.python} (Debian: apt-get install python3-venv).")

    def install(self):
        """Install Odoo and its requirements in this virtualenv unless the
        stamp says they are there already."""
        source = self.source()
        stamp = self.read_stamp()
        if stamp.get("version") == STAMP_VERSION and stamp.get("source") == source:
            tree = stamp["tree"]
            if os.path.isdir(tree) and stamp.get("requirements") == file_digest(requirements_file(tree)):
                if importable_odoo() == (18, 0):
                    return
        started = time.time()
        say(f"Installing Odoo 18.0 and its Python requirements in {self.venv}")
        tree = self.obtain_tree(source)
        check_tree(tree, source)
        pip = [self.python, "-m", "pip", "--disable-pip-version-check"]
        selected, optional = select_requirements(requirements_file(tree))
        listing = os.path.join(self.venv, "odoo-requirements.txt")
        with open(listing, "w") as out:
            out.write("# Odoo's requirements.txt as ./dev installs them (tools/dev_bootstrap.py)\n")
            out.write("\n".join([*selected, *EXTRA]) + "\n")
        run_step(
            f"installing Odoo's Python requirements ({len(selected)} pins, listed in {listing})",
            [*pip, "install", "--progress-bar", "off", "--prefer-binary", "-r", listing],
        )
        for requirement in optional:
            # Quietly: pip's "no matching distribution" is the expected answer.
            wheel = subprocess.run(
                [*pip, "install", "--progress-bar", "off", "--only-binary", ":all:", requirement],
                capture_output=True,
                check=False,
            )
            if wheel.returncode:
                say(f"{requirement} skipped: no wheel for this Python (only Odoo's LDAP login needs it).")
            else:
                say(f"{requirement} installed (Odoo's LDAP login).")
        install_tree(tree, self.python)
        version = importable_odoo(fresh=True)
        if version != (18, 0):
            die(f"After installing {tree}, {self.python} imports Odoo {version}, not 18.0.")
        self.write_stamp(
            {
                "version": STAMP_VERSION,
                "source": source,
                "tree": tree,
                "requirements": file_digest(requirements_file(tree)),
                "python": sys.version.split()[0],
            }
        )
        say(f"Odoo 18.0 is installed in {self.venv} ({time.time() - started:.0f} s); next runs reuse it.")
        # Again, so that this python reads the new .pth file.
        os.execv(self.python, [self.python, *sys.argv])

    def read_stamp(self):
        try:
            with open(self.stamp_path) as stamp:
                return json.load(stamp)
        except (OSError, ValueError):
            return {}

    def write_stamp(self, values):
        with open(self.stamp_path, "w") as stamp:
            json.dump(values, stamp, indent=2)

    # -- where Odoo comes from -----------------------------------------------

    def source(self):
        """ODOO_SOURCE, or the source of the first run when it is unset (an
        offline machine keeps its local Odoo), or the pinned archive."""
        source = os.environ.get("ODOO_SOURCE", "").strip()
        if source:
            if os.path.exists(os.path.expanduser(source)):
                return os.path.abspath(os.path.expanduser(source))
            return source
        previous = self.read_stamp().get("source")
        if previous and not previous.startswith("https://github.com/odoo/odoo/archive/"):
            return previous
        return ODOO_ARCHIVE

    def obtain_tree(self, source):
        """The Odoo source tree for ``source``: a local tree is used where it
        is; an archive (URL or file) or a git repository is unpacked or
        cloned once under .dev/odoo/."""
        if os.path.isdir(source) and os.path.isfile(os.path.join(source, "odoo", "release.py")):
            return source
        name = source.split("#")[0].rstrip("/").removesuffix("/.git").removesuffix(".git")
        key = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.basename(name))[-40:].lstrip(".") or "odoo"
        target = os.path.join(self.dev, "odoo", f"{key}-{hashlib.sha256(source.encode()).hexdigest()[:10]}")
        if os.path.isfile(os.path.join(target, "odoo", "release.py")):
            say(f"Odoo source: {target} (from {source}, unpacked before)")
            return target
        os.makedirs(os.path.dirname(target), exist_ok=True)
        work = tempfile.mkdtemp(prefix="unpacking-", dir=os.path.dirname(target))
        try:
            if is_git(source):
                url, _, ref = source.removeprefix("git+").partition("#")
                fetch_git(url, ref or ODOO_BRANCH, work)
                tree = work
            else:
                archive = source
                if not os.path.isfile(source):
                    archive = os.path.join(work, "download")
                    download(source, archive)
                tree = unpack(archive, os.path.join(work, "tree"))
            shutil.rmtree(target, ignore_errors=True)
            os.rename(tree, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return target


def install_tree(tree, python):
    """Odoo importable from ``tree`` where it is, as pip's editable install
    in "compat" mode does it, without writing into the tree (which pip's
    build does: an odoo.egg-info beside setup.py) and in no time.

    A .pth file puts the tree on sys.path as a plain path entry. That is the
    mode that keeps addon wheels from hiding Odoo: setuptools' default
    editable mode is an import hook consulted after the path entries, so the
    odoo/addons/ folder that OCA's addon wheels install into site-packages
    would make "odoo" a namespace package there and hide the tree. And a
    minimal "odoo" 18.0 distribution (its dist-info metadata) is recorded,
    so that addon wheels that require odoo install in this virtualenv
    without pip looking for Odoo on PyPI."""
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    say(f"Installing Odoo from {tree} (in place: {purelib}/odoo.pth)")
    with open(os.path.join(purelib, "odoo.pth"), "w") as pth:
        pth.write(tree + "\n")
    with open(os.path.join(tree, "odoo", "release.py")) as release:
        version = re.search(r"^version_info = \((\d+), (\d+),", release.read(), re.MULTILINE)
    dist_info = os.path.join(purelib, f"odoo-{version[1]}.{version[2]}.dist-info")
    for old in os.listdir(purelib):
        if old.startswith("odoo-") and old.endswith((".dist-info", ".egg-info")):
            shutil.rmtree(os.path.join(purelib, old), ignore_errors=True)
    os.makedirs(dist_info)
    files = {
        "METADATA": f"Metadata-Version: 2.1\nName: odoo\nVersion: {version[1]}.{version[2]}\n"
        f"Summary: Odoo Server, from {tree} (installed by ./dev)\n",
        "INSTALLER": "dev\n",
        "direct_url.json": json.dumps({"url": "file://" + tree, "dir_info": {"editable": True}}) + "\n",
    }
    files["RECORD"] = "".join(f"{os.path.basename(dist_info)}/{name},,\n" for name in [*files, "RECORD"])
    files["RECORD"] += "odoo.pth,,\n"
    for name, text in files.items():
        with open(os.path.join(dist_info, name), "w") as out:
            out.write(text)


def is_git(source):
    if source.startswith(("git+", "git@", "git://", "ssh://")) or source.split("#")[0].endswith(".git"):
        return True
    # A local repository (e.g. a bare mirror) that is not a source tree.
    return os.path.isdir(source) and os.path.exists(os.path.join(source, "HEAD"))


def fetch_git(url, ref, target):
    os.makedirs(target, exist_ok=True)
    run_step(f"initialising {target}", ["git", "init", "-q", target])
    run_step(
        f"fetching {ref} of {url} (one commit, no history)",
        ["git", "-C", target, "fetch", "--progress", "--depth", "1", url, ref],
    )
    run_step(f"checking out {ref}", ["git", "-C", target, "checkout", "-q", "FETCH_HEAD"])


def download(url, target):
    say(f"Downloading {url}")
    started = last = time.time()
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if time.time() - last >= 3:
                    last = time.time()
                    of = f" of {total >> 20} MB" if total else ""
                    say(f"    {done >> 20} MB{of} ({done / (last - started) / (1 << 20):.1f} MB/s)")
    except OSError as exc:
        die(
            f"Could not download {url} ({exc}).\n"
            "    Offline, or behind a mirror? Set ODOO_SOURCE to a local Odoo 18.0 tree, a local\n"
            "    archive of it, or a git URL (README.rst, Prerequisites)."
        )
    say(f"    {done >> 20} MB downloaded in {time.time() - started:.0f} s")


def unpack(archive, target):
    """Unpack a .tar(.gz/.bz2/.xz) or .zip archive of an Odoo tree into
    ``target``; return the folder that holds odoo/release.py."""
    say(f"Unpacking {archive}")
    started = last = time.time()
    count = 0
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.infolist():
                zipped.extract(member, target)
                count += 1
                if time.time() - last >= 3:
                    last = time.time()
                    say(f"    {count} files")
    else:
        try:
            tarred = tarfile.open(archive)
        except tarfile.TarError as exc:
            die(f"{archive} is neither a tar nor a zip archive ({exc}).")
        with tarred:
            for member in tarred:
                if hasattr(tarfile, "data_filter"):
                    tarred.extract(member, target, filter="data")
                else:
                    tarred.extract(member, target)  # Python < 3.11.4: no filter
                count += 1
                if time.time() - last >= 3:
                    last = time.time()
                    say(f"    {count} files")
    say(f"    {count} files unpacked in {time.time() - started:.0f} s")
    for folder in [target] + [os.path.join(target, name) for name in sorted(os.listdir(target))]:
        if os.path.isfile(os.path.join(folder, "odoo", "release.py")):
            return folder
    die(f"{archive} holds no Odoo source tree (no odoo/release.py at its top or one folder down).")


def check_tree(tree, source):
    release = os.path.join(tree, "odoo", "release.py")
    try:
        with open(release) as text:
            found = re.search(r"^version_info = \((\d+), (\d+),", text.read(), re.MULTILINE)
    except OSError:
        found = None
    if not found:
        die(f"{source}: {tree} is not an Odoo source tree (no odoo/release.py).")
    if (int(found[1]), int(found[2])) != (18, 0):
        die(f"{source} is Odoo {found[1]}.{found[2]}: this addon needs Odoo 18.0.")
    if not os.path.isfile(requirements_file(tree)):
        die(f"{tree} has no requirements.txt: it is not a full Odoo source tree.")


def requirements_file(tree):
    return os.path.join(tree, "requirements.txt")


def select_requirements(path):
    """Odoo's pins whose markers hold for this platform, Python read as at
    least 3.12 (PINS_AS_OF_PYTHON); returns (required, optional)."""
    try:
        from packaging.markers import Marker, default_environment
    except ImportError:  # pip vendors it; this runs in the virtualenv
        from pip._vendor.packaging.markers import Marker, default_environment

    environment = default_environment()
    if sys.version_info[:2] < PINS_AS_OF_PYTHON:
        as_of = ".".join(map(str, PINS_AS_OF_PYTHON))
        environment.update(python_version=as_of, python_full_version=f"{as_of}.0")
    required, optional = [], []
    with open(path) as lines:
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            requirement, _, marker = line.partition(";")
            if marker.strip() and not Marker(marker.strip()).evaluate(environment):
                continue
            requirement = requirement.strip().replace(" ", "")
            name = re.match(r"[A-Za-z0-9._-]+", requirement)[0]
            if name.lower() in RENAMED:
                requirement = RENAMED[name.lower()] + requirement[len(name) :]
            (optional if name.lower() in OPTIONAL else required).append(requirement)
    return required, optional


def importable_odoo(fresh=False):
    """(major, minor) of the Odoo this python imports, or None. ``fresh``
    asks a new interpreter (after an install in this one)."""
    if fresh:
        probe = subprocess.run(
            [sys.executable, "-c", "import odoo.release as r; print(*r.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        return tuple(int(x) for x in probe.stdout.split()) if probe.returncode == 0 else None
    try:
        import odoo.release
    except ImportError:
        return None
    return tuple(odoo.release.version_info[:2])


def file_digest(path):
    with open(path, "rb") as data:
        return hashlib.sha256(data.read()).hexdigest()


def run_step(what, command, check=True):
    """Run a set-up command and echo its output, indented; when it says
    nothing for 5 s, say that it still runs. False (or exit) on failure."""
    say(what[0].upper() + what[1:])
    started = time.time()
    last = [started]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)

    def echo():
        shown = 0
        for line in proc.stdout:
            last[0] = time.time()
            # git's progress ("Receiving objects:  42% (...)"): one line in 3 s
            if PROGRESS.search(line) and "done" not in line:
                if last[0] - shown < 3:
                    continue
                shown = last[0]
            if line.strip():
                print(f"    {line.rstrip()}", flush=True)

    reader = threading.Thread(target=echo, daemon=True)
    reader.start()
    while proc.poll() is None:
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            if time.time() - last[0] >= 5:
                last[0] = time.time()
                say(f"    ... still running ({time.time() - started:.0f} s)")
    reader.join()
    if proc.returncode and check:
        die(f"Failed ({proc.returncode}): {what}\n    {' '.join(command)}")
    return proc.returncode == 0


def say(message):
    print(f"[./dev] {message}", flush=True)


def die(message):
    print(f"\n*** {message}", file=sys.stderr, flush=True)
    sys.exit(2)
