"""The addon's source and the databases: templates built once, clones per run.

Template ``iwa_bench_tpl_<bench>_<kind>_<key>``: ``python3 -m odoo -i <modules>
--without-demo=all --stop-after-init``, then the benchmark's ``cmd_prepare``;
``<key>`` hashes Odoo's version, the modules and their versions, the addon's
source fingerprint and the data options; the comment ``READY`` marks it built.
Runs measure clones (``createdb -T``, filestore copied). Only ``iwa_bench_*``
databases are ever dropped."""

import atexit
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from importlib import metadata

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(BENCH_DIR)
ADDON = "invoice_workflow_audit"
PREFIX = "iwa_bench_"
READY = "iwa_bench template ready"
# Left out of the fingerprint: what the server does not run.
SKIP_DIRS = {"tests", "i18n", "static", "readme", "__pycache__"}
SKIP_SUFFIXES = (".pyc", ".po", ".pot", ".md", ".rst")
PACKAGES = {"contract": "odoo-addon-contract", "auditlog": "odoo-addon-auditlog"}


def die(message):
    print(f"\n*** {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def git(*args):
    run = subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, check=False)
    return run.stdout.strip() if run.returncode == 0 else None


def fingerprint(root):
    """A hash of the addon's server-side files under ``root``."""
    digest = hashlib.sha256()
    base = os.path.join(root, ADDON)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(name for name in dirnames if name not in SKIP_DIRS)
        for filename in sorted(filenames):
            if not filename.endswith(SKIP_SUFFIXES):
                path = os.path.join(dirpath, filename)
                digest.update(os.path.relpath(path, base).encode() + b"\0")
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    return digest.hexdigest()[:12]


class Source:
    """The addon as measured: a copy of the working tree taken when the run
    starts, or ``git archive`` of ``--addon-ref``; deleted at exit."""

    def __init__(self, ref=None):
        self.root = tempfile.mkdtemp(prefix="iwa_bench_src_")
        atexit.register(shutil.rmtree, self.root, ignore_errors=True)
        head = git("rev-parse", "--short", "HEAD") or "unknown"
        if ref:
            commit = git("rev-parse", "--verify", "--short", f"{ref}^{{commit}}")
            if not commit:
                die(f"--addon-ref {ref}: no such commit in {REPO}")
            tar = subprocess.run(
                ["git", "-C", REPO, "archive", commit, ADDON], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", self.root], input=tar.stdout, check=True)
            where = f"commit {commit} (--addon-ref {ref}, git archive)"
        else:
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(os.path.join(REPO, ADDON), os.path.join(self.root, ADDON), ignore=ignore)
            dirty = " + uncommitted changes" if git("status", "--porcelain", "--", ADDON) else ""
            where = f"working tree of commit {head}{dirty}, copied at the start of the run"
        self.fingerprint = fingerprint(self.root)
        self.describe = f"{where}; fingerprint {self.fingerprint}"
        self.head = head


def addons_path(root):
    """The addon's root, then Odoo's addons and the odoo.addons namespace
    (where pip installs OCA contract and auditlog)."""
    import odoo

    import odoo.addons

    paths = [root, *odoo.addons.__path__]
    extra = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
    if os.path.isdir(extra):
        paths.append(extra)
    return ",".join(dict.fromkeys(paths))


def module_version(module):
    try:
        return metadata.version(PACKAGES[module]) if module in PACKAGES else None
    except metadata.PackageNotFoundError:
        return None


def _sql(statement, params=None, dbname="postgres"):
    import psycopg2

    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(statement, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def check_name(name):
    if not name.startswith(PREFIX) or not name.replace("_", "").isalnum():
        die(f"Refusing to touch database {name!r}: benchmark databases are named {PREFIX}*")


def filestore(name):
    from odoo.tools import config

    return config.filestore(name)


def key_dir(name):
    """Where the addon keeps the database's signing key, outside the database."""
    from odoo.tools import config

    return os.path.join(config["data_dir"], ADDON, name)


def drop(name):
    check_name(name)
    _sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(filestore(name), ignore_errors=True)
    shutil.rmtree(key_dir(name), ignore_errors=True)


def install(name, modules, root):
    check_name(name)
    log_path = os.path.join(tempfile.gettempdir(), f"{name}.install.log")
    print(f"  {name}: installing {','.join(modules)} (log {log_path})", flush=True)
    command = [sys.executable, "-m", "odoo", "-d", name, f"--addons-path={addons_path(root)}"]
    command += ["-i", ",".join(modules), "--without-demo=all", "--stop-after-init", "--no-http"]
    with open(log_path, "w") as log:
        run = subprocess.run([*command, "--max-cron-threads=0", "--log-level=warn"], stdout=log, stderr=log)
    if run.returncode:
        die(f"Installing {modules} in {name} failed (exit {run.returncode}); see {log_path}")


def _digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:10]


def _template(stem, key, rebuild, build):
    """Template ``stem<digest of key>``: reused when marked READY; else the
    other templates of ``stem`` dropped, ``build(name)``, marked READY."""
    name = stem + _digest(key)
    check_name(name)
    comment = _sql("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
    if comment and comment[0][0] == READY and not rebuild:
        print(f"  {name}: template reused", flush=True)
        return name
    for (old,) in _sql(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", [stem.replace("_", r"\_") + "%"]
    ):
        print(f"  {old}: dropping the outdated template", flush=True)
        drop(old)
    started = time.perf_counter()
    build(name)
    _sql(f"COMMENT ON DATABASE \"{name}\" IS '{READY}'")
    print(f"  {name}: template built in {time.perf_counter() - started:.0f} s", flush=True)
    return name


def template(bench, kind, modules, data_key, source, prepare, rebuild=False):
    """A ready template of ``kind``: a clone of the base template of its
    modules (installed once), filled by ``prepare(name)``; ``rebuild``:
    build the benchmark's template again (not the base)."""
    import odoo.release

    key = {"odoo": odoo.release.version, "modules": modules}
    key["versions"] = {module: module_version(module) for module in modules if module in PACKAGES}
    if ADDON in modules:
        key["addon"] = source.fingerprint

    def build(name):
        install_base = partial(install, modules=modules, root=source.root)
        clone(_template(f"{PREFIX}tpl_base_{_digest(modules)[:6]}_", key, False, install_base), name)
        prepare(name)

    return _template(f"{PREFIX}tpl_{bench}_{kind}_", {**key, "data": data_key}, rebuild, build)


def clone(source_db, name):
    """A fresh copy of ``source_db`` and its filestore."""
    drop(name)
    for attempt in range(20):  # the template's last session may still be closing
        run = subprocess.run(
            ["createdb", "-T", source_db, "-S", "FILE_COPY", name], capture_output=True, text=True
        )
        if not run.returncode:
            break
        if attempt == 19:
            die(f"createdb -T {source_db} {name} failed: {run.stderr.strip()}")
        time.sleep(1)
    if os.path.isdir(filestore(source_db)):
        shutil.copytree(filestore(source_db), filestore(name))
    # The history's signing key goes with its database (sealing needs it).
    if os.path.isdir(key_dir(source_db)):
        shutil.copytree(key_dir(source_db), key_dir(name))
    return name
