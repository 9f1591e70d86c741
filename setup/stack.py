#!/usr/bin/env python3
"""Bring up what xero_connector runs on, then run the demo or the test suite.

``setup/demo`` and ``setup/test`` call this file. It only uses the standard
library, because it runs before anything is installed. Every step first looks
for what is already there (a running PostgreSQL, an Odoo 19, the virtual
environment and Odoo of an earlier run in the cache) and installs only what is
missing. A step that cannot be done stops the run with one sentence saying what
to provide instead.

The cache lives outside the checkout (``$XERO_CONNECTOR_CACHE``, by default
``~/.cache/xero_connector``) so that every clone of the project reuses it.
"""

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = ROOT / "setup"
RUN_DIR = ROOT / ".run"
CACHE = Path(
    os.environ.get("XERO_CONNECTOR_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xero_connector"
)
LOG = CACHE / "logs" / "setup.log"

ODOO_SERIES = (19, 0)
PYTHONS = ("3.13", "3.12", "3.11", "3.10")
# Debian's odoo-19 lives in the suite sid only. The web client's fonts and
# JavaScript libraries are symlinks into the Debian packages below; Odoo 19
# links to the bookworm builds (Font Awesome 4.7 file names), except Montserrat,
# which only sid carries.
ODOO_PACKAGE = ("odoo-19", "sid")
ASSET_PACKAGES = (
    ("fonts-font-awesome", "bookworm"),
    ("fonts-roboto-unhinted", "bookworm"),
    ("fonts-ocr-b", "bookworm"),
    ("fonts-inconsolata", "bookworm"),
    ("fonts-glyphicons-halflings", "bookworm"),
    ("libjs-jquery", "bookworm"),
    ("libjs-jquery-form", "bookworm"),
    ("libjs-underscore", "bookworm"),
    ("fonts-montserrat", "sid"),
)
# Debian removed this file from Odoo's source; every backend bundle then logs an
# error. It only powers the video-call background blur, so an empty file is fine.
MISSING_ASSET = "odoo/addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")
DEMO_APPS = "contacts,crm,sale_management,xero_connector"
# the currency of Odoo's demo company (US), and so of the demo's Xero organisation
DEMO_CURRENCY = "USD"
TEST_MODULES = "xero_connector,xero_connector_tests"
# what Odoo's own test runner runs in the test database (as OCA's CI and runbot do):
# the addon's test cases and the tests of the Odoo apps it builds on, which must
# stay green with the addon installed
ODOO_TESTED = ("xero_connector_tests", "crm", "sale_crm", "sale_management", "sale", "contacts")
# Odoo's runner logs this line for the database once every test has run
ODOO_REPORT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
# a line of Odoo's detailed test report: "\tmodule.Class.method: 1.23s 45 queries"
STATS_LINE = re.compile(r"^\t(?P<name>[\w.]+): (?P<seconds>[\d.]+)s \d+ queries$")
# pytest's closing line, e.g. "=== 3 failed, 120 passed, 2 skipped in 95.20s (0:01:35) ==="
PYTEST_REPORT = re.compile(r"^=+ (?P<counts>.*\d+ \w+.*) in [\d.]+s\b.*=+$")


class Stop(Exception):
    """A step that cannot be done; the message says what the user should provide."""


# ---------------------------------------------------------------- small helpers


def say(message):
    print(f"[setup] {message}", flush=True)


def log_command(cmd):
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("a", encoding="utf-8") as log:
        log.write(f"\n$ {shlex.join(str(c) for c in cmd)}\n")


def run(cmd, *, check=True, quiet=True, env=None, cwd=None):
    """Run a command; its output goes to the log file unless ``quiet`` is off."""
    log_command(cmd)
    if quiet:
        with LOG.open("a", encoding="utf-8") as log:
            result = subprocess.run(
                [str(c) for c in cmd],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                check=False,
            )
    else:
        result = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, check=False)
    if check and result.returncode:
        raise Stop(
            f"'{shlex.join(str(c) for c in cmd[:3])} …' failed (exit {result.returncode}); "
            f"its output is at the end of {LOG}"
        )
    return result.returncode


def output(cmd, env=None):
    try:
        return subprocess.run(
            [str(c) for c in cmd], capture_output=True, text=True, env=env, check=False
        )
    except OSError:
        return None


def sha256(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode())
    return digest.hexdigest()


def root_prefix():
    """The command prefix that runs as root, or None when we cannot become root."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and output(["sudo", "-n", "true"]).returncode == 0:
        return ["sudo", "-n"]
    return None


def free_port(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def unused_port():
    """A port of 127.0.0.1 that nothing listens on, as the system hands them out."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_teed(cmd, *, cwd=None, env=None, shown=None):
    """Run a command with its output on the terminal (the lines ``shown`` accepts, when
    given); returns (exit code, all output lines)."""
    log_command(cmd)
    say(f"$ {shlex.join(str(c) for c in cmd)}")
    process = subprocess.Popen(
        [str(c) for c in cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        cwd=cwd,
        env=env,
    )
    lines = []
    with process.stdout:
        for line in process.stdout:
            if shown is None or shown(line):
                sys.stdout.write(line)
                sys.stdout.flush()
            lines.append(line.rstrip("\n"))
    return process.wait(), lines


# ---------------------------------------------------------------- system packages


def apt_install(packages, why):
    """Install Debian packages, or stop saying who needs them."""
    hint = f"install {' '.join(packages)} ({why}) and run this command again"
    if not shutil.which("apt-get"):
        raise Stop(f"This machine has no apt-get: {hint}.")
    prefix = root_prefix()
    if prefix is None:
        raise Stop(f"Installing packages needs root: {hint}, e.g. with sudo apt-get install.")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    say(f"installing {', '.join(packages)} with apt ({why})")
    if run(install, check=False, env=env):
        run([*prefix, "apt-get", "update", "-q"], check=False, env=env)
        if run(install, check=False, env=env):
            raise Stop(f"apt-get could not install the packages: {hint}; details in {LOG}.")


def installed_deb(package):
    result = output(["dpkg-query", "-W", "-f=${Status}", package])
    return bool(result) and result.returncode == 0 and "install ok installed" in result.stdout


# ---------------------------------------------------------------- python


def python_version_of(executable):
    result = output([executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    return result.stdout.strip() if result and result.returncode == 0 else None


def find_python():
    candidates = [sys.executable, *(shutil.which(f"python{v}") for v in PYTHONS)]
    for candidate in filter(None, candidates):
        if python_version_of(candidate) in PYTHONS:
            return candidate
    raise Stop(
        "Odoo 19 needs Python 3.10 to 3.13 and none was found: install one of them "
        "(with its venv module) and run this command again."
    )


# ---------------------------------------------------------------- odoo


def is_odoo19_path(path):
    release = Path(path) / "odoo" / "release.py"
    if not release.is_file():
        return False
    match = re.search(r"version_info\s*=\s*\((\d+),\s*(\d+)", release.read_text())
    return bool(match) and (int(match[1]), int(match[2])) == ODOO_SERIES


def odoo_from_env():
    path = os.environ.get("ODOO_PATH")
    if not path:
        return None
    if not is_odoo19_path(path):
        raise Stop(
            f"ODOO_PATH={path} does not hold Odoo 19 (no odoo/release.py of version 19.0): "
            "point it to the folder that contains Odoo 19's 'odoo' package."
        )
    return Path(path).resolve()


def odoo_importable(python):
    """An Odoo 19 that the chosen Python already imports (e.g. installed by hand)."""
    code = (
        "import odoo.release, pathlib, sys;"
        "assert odoo.release.version_info[:2] == (19, 0);"
        "print(pathlib.Path(list(odoo.__path__)[0]).parent)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = output([python, "-c", code], env=env)
    if result and result.returncode == 0:
        path = Path(result.stdout.strip())
        if is_odoo19_path(path) and not str(path).startswith(str(CACHE)):
            return path
    return None


def cached_odoo():
    for prefix in sorted(CACHE.glob("odoo-19_*"), reverse=True):
        if (prefix / ".complete").is_file():
            return prefix / "usr/lib/python3/dist-packages"
    return None


def debian_archive():
    """The Debian archive this machine's apt already uses (never a hard-coded host)."""
    if not (shutil.which("apt-get") and shutil.which("dpkg-deb") and KEYRING.is_file()):
        return None
    result = output(["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE) $(SITE)"])
    if not result or result.returncode:
        return None
    codename = ""
    os_release = Path("/etc/os-release")
    if os_release.is_file():
        fields = dict(
            line.split("=", 1) for line in os_release.read_text().splitlines() if "=" in line
        )
        if fields.get("ID", "").strip('"') != "debian":
            return None
        codename = fields.get("VERSION_CODENAME", "").strip('"')
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == codename and "security" not in parts[0]:
            return parts[0]
    return None


def download_odoo():
    """Fetch Debian's odoo-19 and the web assets it links to, unpack them into the cache."""
    archive = debian_archive()
    if not archive:
        raise Stop(
            "Odoo 19 is not installed and this machine has no Debian archive to fetch "
            "Debian's odoo-19 from: set ODOO_PATH to a folder holding Odoo 19's 'odoo' package."
        )
    apt_dir = CACHE / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "debs"):
        (apt_dir / sub).mkdir(parents=True, exist_ok=True)
    sources = apt_dir / "sources.list"
    suites = sorted({suite for _name, suite in (ODOO_PACKAGE, *ASSET_PACKAGES)})
    sources.write_text(
        "".join(f"deb [signed-by={KEYRING}] {archive} {suite} main\n" for suite in suites)
    )
    apt = [
        "apt-get",
        "-q",
        f"-o=Dir::Etc::SourceList={sources}",
        "-o=Dir::Etc::SourceParts=/dev/null",
        f"-o=Dir::State::Lists={apt_dir / 'lists'}",
        f"-o=Dir::Cache={apt_dir / 'cache'}",
        "-o=APT::Sandbox::User=root" if os.geteuid() == 0 else "-o=Debug::NoLocking=1",
    ]
    say(f"downloading Debian's {ODOO_PACKAGE[0]} (about 125 MB) from {archive}")
    if run([*apt, "update"], check=False):
        raise Stop(
            f"Could not read the Debian archive {archive} (no network?): "
            "set ODOO_PATH to a folder holding Odoo 19's 'odoo' package, or retry online."
        )
    debs = apt_dir / "debs"
    for old in debs.glob("*.deb"):
        old.unlink()
    wanted = [f"{name}/{suite}" for name, suite in (ODOO_PACKAGE, *ASSET_PACKAGES)]
    if run([*apt, "download", *wanted], check=False, cwd=debs):
        raise Stop(f"apt-get could not download {', '.join(wanted)}; details in {LOG}.")
    odoo_deb = next(debs.glob(f"{ODOO_PACKAGE[0]}_*.deb"))
    version = output(["dpkg-deb", "-f", odoo_deb, "Version"]).stdout.strip()
    final = CACHE / f"odoo-19_{version.replace(':', '_')}"
    staging = Path(tempfile.mkdtemp(prefix="odoo-unpack-", dir=CACHE))
    say(f"unpacking {odoo_deb.name} and {len(ASSET_PACKAGES)} asset packages")
    for deb in sorted(debs.glob("*.deb")):
        run(["dpkg-deb", "-x", deb, staging])
    site = staging / "usr/lib/python3/dist-packages"
    placeholder = site / MISSING_ASSET
    placeholder.parent.mkdir(parents=True, exist_ok=True)
    placeholder.touch()
    broken = [p for p in (site / "odoo/addons").rglob("*") if p.is_symlink() and not p.exists()]
    if broken:
        raise Stop(
            f"{len(broken)} web asset links of Odoo stay unresolved (e.g. {broken[0]}): "
            "set ODOO_PATH to an Odoo 19 source checkout instead."
        )
    (staging / ".complete").write_text(version)
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    return final / "usr/lib/python3/dist-packages"


def find_odoo(python):
    path = odoo_from_env() or odoo_importable(python) or cached_odoo() or download_odoo()
    say(f"Odoo 19 from {path}")
    return path


def addons_paths(odoo_path):
    """Odoo's addons folders and this checkout.

    A source checkout keeps most addons in ``addons/``; Debian's package keeps them
    all in ``odoo/addons/`` and ships a stray ``addons/`` of Python files only
    (no views, no static files), which must stay off the path.
    """
    found = [odoo_path / "odoo" / "addons"]
    if (odoo_path / "addons" / "web" / "static").is_dir():
        found.insert(0, odoo_path / "addons")
    return [*map(str, found), str(ROOT)]


# ---------------------------------------------------------------- virtualenv


def ensure_build_tools(python):
    """psycopg2 compiles against libpq: it needs pg_config, a C compiler and Python.h."""
    missing = []
    if not shutil.which("pg_config"):
        missing.append("libpq-dev")
    if not (shutil.which("cc") or shutil.which("gcc")):
        missing.append("gcc")
    include = output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"])
    if not (Path(include.stdout.strip()) / "Python.h").is_file():
        if not python.startswith("/usr/bin/"):
            raise Stop(
                f"{python} has no C headers (Python.h) to build psycopg2: install its "
                "development files, or put a Python 3.10-3.13 with them first on PATH."
            )
        missing.append(f"python{python_version_of(python)}-dev")
    if missing:
        apt_install(missing, "building psycopg2, Odoo's PostgreSQL driver")


def ensure_venv(python, odoo_path):
    venv = CACHE / "venv"
    vpython = venv / "bin" / "python"
    requirements = [SETUP / "odoo-requirements.txt", ROOT / "requirements.txt"]
    stamp = sha256(python_version_of(python), odoo_path, *(r.read_bytes() for r in requirements))
    if vpython.exists() and python_version_of(vpython) != python_version_of(python):
        shutil.rmtree(venv)
    if not vpython.exists():
        say(f"creating the virtual environment {venv}")
        if run([python, "-m", "venv", venv], check=False):
            raise Stop(
                f"'{python} -m venv' failed: install Python's venv module "
                "(on Debian: apt-get install python3-venv) and run this command again."
            )
    site = Path(
        output(
            [vpython, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    (site / "odoo-19.pth").write_text(f"{odoo_path}\n")
    stamp_file = venv / ".requirements-stamp"
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return vpython
    ensure_build_tools(python)
    say("installing Odoo's and the project's Python packages into the virtual environment")
    args = [vpython, "-m", "pip", "install", "-q", "--upgrade", "pip", "setuptools", "wheel"]
    files = [arg for requirement in requirements for arg in ("-r", requirement)]
    if run(args, check=False) or run([vpython, "-m", "pip", "install", "-q", *files], check=False):
        raise Stop(
            f"pip could not install the Python packages (see the end of {LOG}): check that "
            "the package index configured for pip is reachable, then run this command again."
        )
    stamp_file.write_text(stamp)
    return vpython


# ---------------------------------------------------------------- postgresql


def pg_probe(vpython):
    """Connect to the server as libpq's defaults say; returns (ok, error text)."""
    code = (
        "import psycopg2, sys\n"
        "try:\n"
        "    psycopg2.connect(dbname='postgres', connect_timeout=5).close()\n"
        "except psycopg2.Error as e:\n"
        "    print(str(e).strip()); sys.exit(1)\n"
    )
    result = output([vpython, "-c", code])
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def start_clusters():
    prefix = root_prefix()
    if prefix is None:
        raise Stop(
            "PostgreSQL is installed but not running, and starting it needs root: start it "
            "(e.g. sudo pg_ctlcluster <version> main start) and run this command again."
        )
    listing = output(["pg_lsclusters", "--no-header"])
    clusters = [line.split() for line in listing.stdout.splitlines() if line.strip()]
    if not clusters:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        if not versions:
            raise Stop("PostgreSQL's server is not installed: install it and run this again.")
        version = versions[-1].parent.parent.name
        say(f"creating the PostgreSQL {version} cluster 'main'")
        run([*prefix, "pg_createcluster", version, "main"])
        clusters = [[version, "main", "", "down"]]
    for version, name, *_rest in clusters:
        say(f"starting PostgreSQL {version}/{name}")
        run(
            [*prefix, "pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],
            check=False,
        )


def create_role():
    user = os.environ.get("PGUSER") or os.environ.get("USER") or output(["id", "-un"]).stdout
    user = user.strip()
    prefix = root_prefix()
    if prefix is None or not shutil.which("psql"):
        raise Stop(
            f"PostgreSQL has no role '{user}': create it (sudo -u postgres createuser -d {user}) "
            "and run this command again."
        )
    say(f"creating the PostgreSQL role '{user}'")
    as_postgres = ["runuser", "-u", "postgres", "--"] if not prefix else [*prefix, "-u", "postgres"]
    sql = f'CREATE ROLE "{user}" LOGIN CREATEDB'
    run([*as_postgres, "psql", "-q", "-d", "postgres", "-c", sql])


def ensure_postgres(vpython):
    ok, error = pg_probe(vpython)
    if ok:
        return
    local = not os.environ.get("PGHOST") or os.environ["PGHOST"].startswith("/")
    if "does not exist" in error and "role" in error and local:
        create_role()
    elif local:
        if not shutil.which("pg_lsclusters") and not list(Path("/usr/lib/postgresql").glob("*")):
            apt_install(["postgresql"], "the database server")
        start_clusters()
        for _ in range(30):
            ok, error = pg_probe(vpython)
            if ok or "role" in error:
                break
            time.sleep(1)
        if not ok and "role" in error and "does not exist" in error:
            create_role()
    ok, error = pg_probe(vpython)
    if not ok:
        raise Stop(
            f"Cannot connect to PostgreSQL ({error.splitlines()[0] if error else 'no answer'}): "
            "start a server this user can log into, or set PGHOST/PGPORT/PGUSER/PGPASSWORD."
        )
    say("PostgreSQL is ready")


def drop_database(vpython, name, data_dir):
    code = (
        "import psycopg2, sys\n"
        "c = psycopg2.connect(dbname='postgres'); c.autocommit = True\n"
        "c.cursor().execute('DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)' % sys.argv[1])\n"
    )
    run([vpython, "-c", code, name])
    shutil.rmtree(Path(data_dir) / "filestore" / name, ignore_errors=True)


def database_ready(vpython, name):
    """True when the database exists and holds an installed xero_connector."""
    code = (
        "import psycopg2, sys\n"
        "try:\n"
        "    c = psycopg2.connect(dbname=sys.argv[1])\n"
        "except psycopg2.OperationalError:\n"
        "    sys.exit(1)\n"
        "cr = c.cursor()\n"
        "cr.execute(\"SELECT 1 FROM pg_tables WHERE tablename = 'ir_module_module'\")\n"
        "if not cr.fetchone(): sys.exit(1)\n"
        "cr.execute(\"SELECT state FROM ir_module_module WHERE name = 'xero_connector'\")\n"
        "row = cr.fetchone()\n"
        "sys.exit(0 if row and row[0] == 'installed' else 1)\n"
    )
    return output([vpython, "-c", code, name]).returncode == 0


# ---------------------------------------------------------------- browser & linters


def ensure_browser():
    for name in BROWSERS:
        if shutil.which(name):
            return shutil.which(name)
    apt_install(["chromium"], "the browser tests run in headless Chromium")
    found = next(filter(None, map(shutil.which, BROWSERS)), None)
    if not found:
        raise Stop("Chromium is still not on PATH: install Chromium and run this again.")
    return found


def ensure_node():
    if shutil.which("node") and shutil.which("npm"):
        return
    apt_install(["nodejs", "npm"], "pre-commit runs prettier for XML")


# ---------------------------------------------------------------- odoo config


def write_config(name, odoo_path, **options):
    data_dir = CACHE / "data"
    values = {
        "addons_path": ",".join(addons_paths(odoo_path)),
        "data_dir": str(data_dir),
        "http_interface": "127.0.0.1",
        "proxy_mode": "False",
        **{k: str(v) for k, v in options.items()},
    }
    RUN_DIR.mkdir(exist_ok=True)
    path = RUN_DIR / f"{name}.conf"
    path.write_text("[options]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
    return path, data_dir


# Odoo's command line as its own launcher runs it: with --workers, Odoo starts its
# websocket (gevent) process by running the same script again, which "python -m odoo"
# cannot do (its __main__ is not a script)
LAUNCHER = "import odoo.cli\n\nif __name__ == '__main__':\n    odoo.cli.main()\n"


def odoo_launcher():
    """The launcher script in the run folder (written once)."""
    RUN_DIR.mkdir(exist_ok=True)
    path = RUN_DIR / "odoo"
    if not path.is_file() or path.read_text() != LAUNCHER:
        path.write_text(LAUNCHER)
    return path


def odoo_cmd(vpython, config, *args):
    return [vpython, odoo_launcher(), *args, "-c", config]


def prepare(with_browser=False):
    """Everything both commands need; returns (venv python, odoo path)."""
    if platform.system() != "Linux":
        raise Stop(
            f"{platform.system()} is not supported by these set-up commands: use a Debian or "
            "Ubuntu machine, or run Odoo 19 yourself with this folder on its addons path."
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    python = find_python()
    odoo_path = find_odoo(python)
    vpython = ensure_venv(python, odoo_path)
    ensure_postgres(vpython)
    if with_browser:
        say(f"browser for tours: {ensure_browser()}")
    return vpython, odoo_path


# ---------------------------------------------------------------- commands


def test_database_name():
    return os.environ.get("XERO_TEST_DB") or "xero_connector_test"


@dataclasses.dataclass
class Phase:
    """One part of a test run: whether it passed, its one-line summary, the tests it counted."""

    name: str
    ok: bool
    summary: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0


def timed_quietly(name, step, *args):
    """``timed``, with the step's output held until it ends (it runs beside another)."""
    held = []
    started = time.monotonic()
    phase = step(*args, held=held)
    phase.name, phase.seconds = name, time.monotonic() - started
    sys.stdout.write("".join(f"{line}\n" for line in held))
    say(f"{phase.name}: {phase.summary} ({phase.seconds:.0f}s)")
    return phase


def timed(name, step, *args):
    """Run one part of the test run and say how it went, in one line."""
    say(f"{name} …")
    started = time.monotonic()
    phase = step(*args)
    phase.name, phase.seconds = name, time.monotonic() - started
    say(f"{phase.name}: {phase.summary} ({phase.seconds:.0f}s)")
    return phase


def command_test(pytest_args):
    """Without arguments, the whole suite: Odoo's test runner, pytest and pre-commit.

    With arguments, only pytest runs with them: pytest-odoo runs any test, the
    Odoo test cases too (e.g. ``setup/test -k tour``).
    """
    vpython, odoo_path = prepare(with_browser=True)
    ensure_node()
    db = test_database_name()
    config, data_dir = write_test_config(odoo_path, db)
    phases = [timed("test database", create_test_database, vpython, config, db, data_dir)]
    pytest = [
        vpython,
        "-m",
        "pytest",
        f"--odoo-config={config}",
        f"--odoo-database={db}",
        "--odoo-log-level=warn",
        "--odoo-http",
    ]
    if pytest_args:
        phases.append(timed("pytest", pytest_phase, [*pytest, *pytest_args]))
    else:
        tests = odoo_test_command(vpython, config, db)
        phases.append(timed("Odoo's test runner", odoo_tests_phase, tests))
        phases.append(timed("translation template", pot_phase, vpython, config, db))
        # the Odoo test cases just ran: pytest runs the plain pytest modules, and
        # pre-commit (which needs no database) beside it, its output shown after
        plain = [*pytest, "-m", "not odoo_case", "--durations=10"]
        checks = {}
        beside = threading.Thread(
            target=lambda: checks.update(
                phase=timed_quietly("pre-commit", precommit_phase, vpython)
            )
        )
        beside.start()
        phases.append(timed("pytest (plain modules)", pytest_phase, plain))
        beside.join()
        phases.append(checks["phase"])
    return conclude(phases)


def config_name(kind, db):
    """The name of a database's configuration file: ``.run/<kind>-<db>.conf``."""
    return f"{kind}-" + re.sub(r"[^\w.-]", "_", db)


def write_test_config(odoo_path, db):
    """One configuration per test database, with an HTTP port of its own for the test
    server (HttpCase, tours): several suites can run at once on one machine."""
    return write_config(
        config_name("test", db),
        odoo_path,
        db_name=db,
        max_cron_threads=0,
        log_level="warn",
        http_port=unused_port(),
    )


def create_test_database(vpython, config, db, data_dir):
    drop_database(vpython, db, data_dir)
    install = odoo_cmd(vpython, config, "-d", db, "-i", TEST_MODULES, "--stop-after-init")
    if run(install, check=False, quiet=False):
        raise Stop(f"Installing {TEST_MODULES} into {db} failed: see the errors above.")
    return Phase("test database", True, f"{db} created with {TEST_MODULES}")


def odoo_test_command(vpython, config, db):
    """Odoo's own runner, as OCA's CI and runbot use it, on the installed database.

    Without -i/-u, each module's at_install tests run while the registry loads,
    then the post_install tests. Odoo's report line needs odoo.tests.result at INFO;
    at INFO, odoo.service.server says when the post_install tests start and end; at
    DEBUG, odoo.tests.stats reports each test class's time (the slowest are shown).
    """
    tags = ",".join(f"/{name}" for name in ODOO_TESTED)
    return odoo_cmd(
        vpython,
        config,
        "-d",
        db,
        "--test-enable",
        f"--test-tags={tags}",
        "--stop-after-init",
        "--log-handler=odoo.tests.result:INFO",
        "--log-handler=odoo.service.server:INFO",
        "--log-handler=odoo.tests.stats:DEBUG",
    )


def odoo_tests_phase(command):
    """Odoo's exit code and its report line must both say that every test passed."""
    name = "Odoo's test runner"
    code, lines = run_teed(command, shown=lambda line: not STATS_LINE.match(line))
    say_slowest(
        (float(m["seconds"]), m["name"])
        for m in map(STATS_LINE.match, lines)
        if m and m["name"].count(".") == 2  # module.file.Class
    )
    reports = [match for match in map(ODOO_REPORT.search, lines) if match]
    if not reports:
        return Phase(name, False, f"ended without its test report (exit {code})")
    failed, errors, ran = map(int, reports[-1].groups())
    summary = f"{ran} tests, {failed} failed, {errors} error(s)"
    if not ran:
        summary = "ran no test"
    elif code:
        summary += f", exit {code}"
    ok = not (code or failed or errors) and ran > 0
    return Phase(name, ok, summary, passed=ran - failed - errors, failed=failed + errors)


def say_slowest(timings, count=10):
    """The ``count`` slowest of (seconds, test class), slowest first."""
    slowest = sorted(timings, reverse=True)[:count]
    if slowest:
        say("slowest test classes: " + ", ".join(f"{name} {sec:.0f}s" for sec, name in slowest))


def pot_phase(vpython, config, db):
    """Rewrite the addon's .pot from the fresh database (setup/pot.py).

    It runs after Odoo's runner, whose translation test fails when a term is
    missing from the committed file: the next run passes once this one is committed.
    """
    command = [vpython, SETUP / "pot.py", "--python", vpython, "-c", config, "-d", db]
    code, lines = run_teed(command, cwd=ROOT)
    summary = lines[-1].removeprefix("[pot] ") if lines else f"exit {code}"
    return Phase("translation template", code == 0, summary)


def pytest_phase(command):
    code, lines = run_teed(command, cwd=ROOT)
    closing = next((m for m in map(PYTEST_REPORT.match, reversed(lines)) if m), None)
    if not closing:
        summary = "ran no test" if code == 5 else f"ended without its test report (exit {code})"
        return Phase("pytest", False, summary)
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", closing["counts"])}
    failed = sum(counts.get(word, 0) for word in ("failed", "error", "errors"))
    return Phase(
        "pytest",
        code == 0,
        closing["counts"],
        passed=counts.get("passed", 0),
        failed=failed,
        skipped=counts.get("skipped", 0),
    )


def precommit_phase(vpython, held=None):
    """pre-commit on every file; its output goes to ``held`` when given, not shown."""
    if not (ROOT / ".git").exists():
        return Phase("pre-commit", True, "skipped: not a git checkout")
    precommit = [vpython, "-m", "pre_commit", "run", "--all-files", "--show-diff-on-failure"]
    if held is None:
        code, _lines = run_teed(precommit, cwd=ROOT)
    else:
        code, lines = run_teed(precommit, cwd=ROOT, shown=lambda _line: False)
        held.extend(lines)
    return Phase("pre-commit", code == 0, "clean" if code == 0 else "found problems, shown above")


def conclude(phases):
    """One line per part, the tests counted by both runners, and the exit code."""
    print(flush=True)
    for phase in phases:
        verdict = "ok" if phase.ok else "FAILED"
        say(f"{verdict:6} {phase.name}: {phase.summary} ({phase.seconds:.0f}s)")
    passed, failed = sum(p.passed for p in phases), sum(p.failed for p in phases)
    skipped = sum(p.skipped for p in phases)
    total = f"total: {passed} passed, {failed} failed"
    print(total + (f", {skipped} skipped" if skipped else ""), flush=True)
    broken = [phase for phase in phases if not phase.ok]
    if not broken:
        return 0
    parts = "; ".join(f"{phase.name} ({phase.summary})" for phase in broken)
    print(f"[setup] The test run failed: {parts}.", file=sys.stderr, flush=True)
    return 1


def command_demo(args):
    for port in (args.port, args.sandbox_port):
        if not free_port(port):
            raise Stop(
                f"Port {port} is already in use: stop what runs there or pass "
                "--port/--sandbox-port."
            )
    vpython, odoo_path = prepare()
    config, data_dir = write_demo_config(odoo_path, args.db, args.port)
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    sandbox_state = Path(data_dir) / f"sandbox-{args.db}.state"
    if args.reset:
        say(f"dropping the demo database {args.db} and its sandbox state")
        drop_database(vpython, args.db, data_dir)
        sandbox_state.unlink(missing_ok=True)
    prepare_demo_database(vpython, config, args.db, data_dir)
    odoo_url = f"http://127.0.0.1:{args.port}"
    sandbox = start_sandbox(vpython, args.sandbox_port, sandbox_state, odoo_url)
    try:
        plant_demo_cash(args.sandbox_port)
        connect_demo_company(vpython, config, args.db, args.sandbox_port)
        serve = odoo_cmd(vpython, config, "-d", args.db, f"--http-port={args.port}")
        say(f"starting Odoo on 127.0.0.1:{args.port}")
        return serve_until_stopped(
            serve, odoo_url, on_ready=lambda: verify_webhook(args.sandbox_port)
        )
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


def write_demo_config(odoo_path, db, port):
    """One configuration per demo database (``.run/demo-<db>.conf``), serving only that
    database on its port: demos of other databases run beside it on other ports."""
    return write_config(
        config_name("demo", db),
        odoo_path,
        db_name=db,
        dbfilter=f"^{re.escape(db)}$",
        http_port=port,
    )


def prepare_demo_database(vpython, config, db, data_dir):
    if database_ready(vpython, db):
        say(f"updating xero_connector in the existing demo database {db}")
        step = odoo_cmd(vpython, config, "-d", db, "-u", "xero_connector", "--stop-after-init")
    else:
        drop_database(vpython, db, data_dir)
        say(f"creating the demo database {db} with demo data ({DEMO_APPS})")
        step = odoo_cmd(
            vpython, config, "-d", db, "-i", DEMO_APPS, "--with-demo", "--stop-after-init"
        )
    if run(step, check=False, quiet=False):
        raise Stop(f"Preparing the demo database {db} failed: see the errors above.")


# run in "odoo shell": the demo company stays connected to the sandbox
DEMO_CONNECTION = """
from datetime import timedelta

from odoo import fields
from odoo.addons.xero_connector.exceptions import XeroError
connection = env.company._xero_connection()
try:
    assert connection.state == "connected" and connection.sandbox_url == URL
    connection._xero_call("get_organisations")
except (AssertionError, XeroError):
    connection.sandbox_url = URL
    connection.action_xero_use_sandbox()
# the demo shows the sync at work: the first start goes live with contacts (demo
# customers to the sandbox, the sandbox's customers with their invoices to Odoo)
if not env["xero.link"].search_count([("connection_id", "=", connection.id)]):
    env["xero.contact.golive"].create({"connection_id": connection.id}).action_go_live()
    env["xero.contact.golive"]._cron_xero_golive()
connection.sync_contacts = True
# products: the accounts, the no-tax rate and the tax map of the organisation (NZ GST), then
# go live with products (demo products to the sandbox, its items, tracked ones with their
# stock, to Odoo), so that a first invoice works out of the box
if not connection.sync_products:
    accounts = env["xero.account"].search([("connection_id", "=", connection.id)])
    rates = env["xero.tax.rate"].search([("connection_id", "=", connection.id)])
    code = lambda c: accounts.filtered(lambda a: a.code == c)[:1].id
    rate = lambda t: rates.filtered(lambda r: r.xero_key == t)[:1]
    connection.write({
        "sales_account_id": code("200"),
        "purchase_account_id": code("310"),
        "inventory_account_id": code("630"),
        "cogs_account_id": code("310"),
        "no_tax_rate_id": rate("NONE").id,
        "low_stock_threshold": 5,
    })
    maps = env["xero.tax.map"]._xero_propose_all(connection).values()
    for row in maps:
        if not row.xero_tax_rate_id and row.odoo_rate == 0 and row.state == "missing":
            row.xero_tax_rate_id = rate("ZERORATED")
    env["xero.tax.map"].browse([row.id for row in maps]).action_confirm()
    # Xero needs an item code: the demo products without an internal reference get one
    for product in env["product.product"].search([("default_code", "=", False)]):
        product.default_code = f"DEMO-{product.id}"
    env["xero.product.golive"].create({"connection_id": connection.id}).action_go_live()
    env["xero.product.golive"]._cron_xero_golive()
# invoices: an order confirmed, or an opportunity moved to Won (its orders, or its expected
# revenue), is invoiced in Xero at once
if not connection.sync_invoices:
    rounding = env["xero.account"].search(
        [("connection_id", "=", connection.id), ("code", "=", "860")], limit=1
    )
    # an opportunity won without an order is invoiced from its expected revenue
    deal = env["product.product"].create({
        "name": "Won deal",
        "default_code": "DEMO-DEAL",
        "type": "service",
        "invoice_policy": "order",
    })
    connection.write({
        "sync_invoices": True,
        "invoice_trigger": "both",
        "invoice_stage_id": env["crm.stage"].search([("is_won", "=", True)], limit=1).id,
        "invoice_without_order": "revenue",
        "invoice_revenue_product_id": deal.id,
        "invoice_status": "AUTHORISED",
        "rounding_account_id": rounding.id,
    })
    # the demo has no Inventory app to deliver with: its products invoice what is ordered
    env["product.template"].search([("invoice_policy", "=", "delivery")]).invoice_policy = "order"
# getting paid: a payment recorded in the sandbox reaches the order within seconds (its
# webhook); the salesperson is asked to start fulfilment once the order is paid; an invoice
# overdue (move the sandbox's clock) gets an activity, escalated to the team leader after a
# week; the poll, which notices the sandbox's clock, runs every minute
if connection.payment_activity == "none":
    connection.write({"payment_activity": "paid", "overdue_escalation_days": 7})
    env.ref("xero_connector.ir_cron_xero_poll").write(
        {"interval_number": 1, "interval_type": "minutes"}
    )
# subscriptions: two monthly ones billed by Xero's repeating invoices (see the sandbox's
# page); moving the sandbox's clock a month brings their next invoices into Odoo (the
# hosting's first, due in 30 days), and the support plan's first invoice, due within a
# week, goes unpaid into a follow-up activity
if not env["xero.subscription"].search_count([("connection_id", "=", connection.id)]):
    monthly = lambda name, code, price: env["product.product"].create({
        "name": name,
        "default_code": code,
        "type": "service",
        "invoice_policy": "order",
        "list_price": price,
        "xero_recurring": True,
    })
    support = monthly("Support plan", "DEMO-SUPPORT", 49.0)
    hosting = monthly("Managed hosting", "DEMO-HOSTING", 120.0)
    admin = env.ref("base.user_admin")
    today = fields.Date.context_today(admin)
    orders = env["sale.order"].create([
        {
            "partner_id": env.ref("base.res_partner_2").id,
            "user_id": admin.id,
            "order_line": [(0, 0, {"product_id": support.id, "product_uom_qty": 1})],
            "xero_recurring_due_days": 7,
        },
        {
            "partner_id": env.ref("base.res_partner_12").id,
            "user_id": admin.id,
            "order_line": [(0, 0, {"product_id": hosting.id, "product_uom_qty": 2})],
            "xero_recurring_start": today + timedelta(days=20),
            "xero_recurring_due_days": 30,
        },
    ])
    orders.action_confirm()
# revenue leakage (Sales > Reporting > Revenue leakage): one case of each kind, as the
# daily check finds them: a deal won 9 days ago without an order, an order confirmed 12 days
# ago never invoiced, and three invoiced orders the accountant then changed, voided and
# credited in Xero (the sandbox's accountant screens)
if not env["xero.leakage.case"].search_count([("connection_id", "=", connection.id)]):
    import requests
    admin = env.ref("base.user_admin")
    ago = lambda days: fields.Datetime.now() - timedelta(days=days)
    # a service: an item Xero does not track (selling it never runs out of stock)
    product = env["product.product"].create({
        "name": "Design consultation",
        "default_code": "DEMO-DESIGN",
        "type": "service",
        "invoice_policy": "order",
        "list_price": 95.0,
    })
    env.cr.commit()
    env["xero.sync.job"]._xero_process_queue(seconds=60)
    trigger = connection.invoice_trigger
    connection.invoice_trigger = "manual"
    def sold(partner, days):
        order = env["sale.order"].create({
            "partner_id": env.ref(partner).id,
            "user_id": admin.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 2})],
        })
        order.action_confirm()
        order.date_order = ago(days)
        return order
    sold("base.res_partner_4", 12)
    lead = env["crm.lead"].create({
        "name": "Showroom refit",
        "type": "opportunity",
        "partner_id": env.ref("base.res_partner_3").id,
        "user_id": admin.id,
        "expected_revenue": 4800,
    })
    lead.stage_id = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    lead.date_closed = ago(9)
    changed, voided, credited = (
        sold(partner, 10)
        for partner in ("base.res_partner_10", "base.res_partner_1", "base.res_partner_18")
    )
    (changed | voided | credited).action_xero_invoice()
    env.cr.commit()
    env["xero.sync.job"]._xero_process_queue(seconds=120)
    links = env["xero.order.invoice"]._xero_links(
        connection, ids=(changed | voided | credited).xero_invoice_ids.ids
    )
    xero_id = lambda order: links[order.xero_invoice_ids[:1].id].xero_id
    tenant = f"{URL}/admin/tenants/{connection.tenant_id}/invoices"
    seen = {i["InvoiceID"]: i for i in requests.get(tenant, timeout=10).json()}
    lines = [dict(line) for line in seen[xero_id(changed)]["LineItems"]]
    lines[0]["UnitAmount"] = round(float(lines[0]["UnitAmount"]) * 0.9, 2)
    for key in ("LineAmount", "TaxAmount"):
        lines[0].pop(key, None)
    requests.post(f"{tenant}/{xero_id(changed)}", json={"LineItems": lines}, timeout=10)
    requests.post(f"{tenant}/{xero_id(voided)}/void", json={}, timeout=10)
    requests.post(
        f"{tenant}/{xero_id(credited)}/credit",
        json={"amount": "40.00", "description": "Goodwill: late delivery"},
        timeout=10,
    )
    connection.invoice_trigger = trigger
    env.cr.commit()
    env.ref("xero_connector.ir_cron_xero_poll").method_direct_trigger()
    env["xero.sync.job"]._xero_process_queue(seconds=120)
    env["xero.leakage.case"]._xero_check(connection)
# the monthly health check (Xero > Health checks, the Overview's card): a first check, with
# a customer entered twice (the same name with "Ltd", the same e-mail) among its findings
if not env["xero.health.check"].search_count([("connection_id", "=", connection.id)]):
    twin = env.ref("base.res_partner_2")
    env["res.partner"].create({
        "name": f"{twin.name} Ltd",
        "email": twin.email,
        "is_company": True,
        "customer_rank": 1,
    })
    env["xero.health.check"]._xero_run(connection)
# money in the CRM (CRM > Reporting > Money from Xero): customers won over a year ago from
# several sources (a trade show with its cost), six months of their invoices entered by the
# accountant in Xero, each customer paying on time, a little late or very late (the last
# ones still open); the pipeline is the CRM's own opportunities
if not env["utm.campaign"].search_count([("name", "=", "Spring trade show")]):
    import requests
    admin = env.ref("base.user_admin")
    today = fields.Date.context_today(admin)
    show = env["utm.campaign"].create({"name": "Spring trade show", "xero_cost": 2500})
    fair = env["utm.source"].create({"name": "Trade show"})
    web, mail, referral = (
        env.ref(f"utm.utm_source_{name}") for name in ("search_engine", "newsletter", "referral")
    )
    # (customer, source, campaign, days late, monthly amount); one came with no source
    won = [
        ("base.res_partner_1", fair, show, 0, 1200.0),
        ("base.res_partner_3", fair, show, 45, 900.0),
        ("base.res_partner_4", web, None, 7, 650.0),
        ("base.res_partner_10", web, None, 28, 480.0),
        ("base.res_partner_12", mail, None, 3, 300.0),
        ("base.res_partner_18", referral, None, 60, 1500.0),
        ("base.res_partner_2", None, None, 12, 250.0),
    ]
    trigger = connection.invoice_trigger
    connection.invoice_trigger = "manual"  # these deals were invoiced long ago
    stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    tenant = f"{URL}/admin/tenants/{connection.tenant_id}"
    for index, (xml_id, source, campaign, late, amount) in enumerate(won):
        partner = env.ref(xml_id)
        if source:
            lead = env["crm.lead"].create({
                "name": f"First deal with {partner.name}",
                "type": "opportunity",
                "partner_id": partner.id,
                "user_id": admin.id,
                "source_id": source.id,
                "campaign_id": campaign and campaign.id,
                "expected_revenue": amount * 6,
            })
            closed = fields.Datetime.now() - timedelta(days=400)
            lead.write({"stage_id": stage.id, "date_closed": closed})
            env.cr.execute(
                "UPDATE crm_lead SET create_date = %s WHERE id = %s",
                (fields.Datetime.now() - timedelta(days=430 + 10 * index), lead.id),
            )
        contact = env["xero.link"].search([
            ("connection_id", "=", connection.id),
            ("res_model", "=", "res.partner"),
            ("res_id", "=", partner.commercial_partner_id.id),
        ]).xero_id
        for month in range(6):
            day = today - timedelta(days=180 - 30 * month)
            due = day + timedelta(days=30)
            invoice = requests.post(f"{tenant}/invoices", timeout=10, json={
                "Type": "ACCREC",
                "Contact": {"ContactID": contact},
                "Date": day.isoformat(),
                "DueDate": due.isoformat(),
                "Status": "AUTHORISED",
                "Reference": "Monthly service",
                "LineItems": [{
                    "Description": "Design and fit-out services",
                    "Quantity": 1,
                    "UnitAmount": amount,
                    "AccountCode": "200",
                    "TaxType": "OUTPUT2",
                }],
            }).json()
            paid_on = due + timedelta(days=late)
            if paid_on < today:
                requests.post(f"{tenant}/payments", timeout=10, json={
                    "invoice_id": invoice["InvoiceID"], "date": paid_on.isoformat(),
                })
    connection.invoice_trigger = trigger
    env.cr.commit()
    env.ref("xero_connector.ir_cron_xero_poll").method_direct_trigger()
    env["xero.sync.job"]._xero_process_queue(seconds=120)
env.ref("xero_connector.ir_cron_xero_poll")._trigger()
env.cr.commit()
print("XERO-DEMO", connection.state, connection.tenant_name)
"""


def connect_demo_company(vpython, config, db, port):
    script = DEMO_CONNECTION.replace("URL", repr(f"http://127.0.0.1:{port}"))
    command = [vpython, "-m", "odoo", "shell", "-c", config, "-d", db, "--no-http"]
    log_command(command)
    result = subprocess.run(
        [str(c) for c in command], input=script, capture_output=True, text=True, check=False
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("XERO-DEMO")), "")
    if result.returncode or " connected " not in f"{line} ":
        with LOG.open("a", encoding="utf-8") as log:
            log.write(result.stdout + result.stderr)
        raise Stop(f"Could not connect the demo company to the Xero sandbox; details in {LOG}.")
    say(f"the demo company is connected to the sandbox organisation {line.split(' ', 2)[2]}")


def plant_demo_cash(port):
    """Burn and runway on the Overview: the sandbox's first organisation gets, once, the
    owner's funds four months ago, then each month a supplier's bill paid, wages paid and
    card sales received (bank transactions), as its accountant would enter them."""
    admin = f"http://127.0.0.1:{port}/admin"

    def call(path, body=None):
        request = urllib.request.Request(
            f"{admin}/{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    state = call("state")
    books = f"tenants/{state['describe']['tenants'][0]['tenant_id']}"
    if any(
        (t.get("Reference") or "").startswith("Demo") for t in call(f"{books}/bank-transactions")
    ):
        return
    supplier = {
        "ContactID": next(
            c["ContactID"] for c in call(f"{books}/contacts") if c["Name"] == "Hamilton Timber Co"
        )
    }
    # the first day of this month (the sandbox's clock) and of the months before it
    months = [dt.date.fromisoformat(state["clock"][:10]).replace(day=1)]
    for _month in range(4):
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))

    def bank(kind, day, amount, code, reference):
        line = {"Description": reference, "Quantity": 1, "UnitAmount": amount, "AccountCode": code}
        call(
            f"{books}/bank-transactions",
            {
                "Type": kind,
                "Contact": supplier,
                "BankAccount": {"Code": "090"},
                "Date": day.isoformat(),
                "Reference": reference,
                "LineItems": [line],
            },
        )

    bank("RECEIVE", months[0], 60000, "270", "Demo: the owner's funds")
    for number, (day, scale) in enumerate(zip(months[1:], (1.0, 1.15, 0.9, 0.5), strict=True), 1):
        bill = call(
            f"{books}/invoices",
            {
                "Type": "ACCPAY",
                "Contact": supplier,
                "Status": "AUTHORISED",
                "InvoiceNumber": f"HT-DEMO-{number}",
                "Date": day.isoformat(),
                "DueDate": day.isoformat(),
                "LineItems": [
                    {
                        "Description": "Timber",
                        "Quantity": 1,
                        "UnitAmount": round(2400 * scale, 2),
                        "AccountCode": "310",
                    }
                ],
            },
        )
        call(f"{books}/payments", {"invoice_id": bill["InvoiceID"], "date": day.isoformat()})
        bank("SPEND", day, round(9000 * scale, 2), "429", "Demo: wages")
        bank("RECEIVE", day, round(2500 * scale, 2), "200", "Demo: card sales")
    say("the sandbox's organisation has a few months of bills, wages and sales (burn, runway)")


def start_sandbox(python, port, state_file, odoo_url):
    """The Xero sandbox beside Odoo; prints its JSON line (URLs, credentials, organisations).

    Its webhook posts to Odoo's /xero/webhook once Odoo has passed the intent-to-receive
    check (``verify_webhook``)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [
        python,
        "-m",
        "xero_connector_tests.sandbox",
        "--port",
        port,
        "--state-file",
        state_file,
        # the organisation keeps its books in the currency of Odoo's demo company
        "--base-currency",
        DEMO_CURRENCY,
        "--webhook-url",
        f"{odoo_url}/xero/webhook",
    ]
    process = subprocess.Popen(
        [str(c) for c in command],
        stdout=subprocess.PIPE,
        env=env,
        start_new_session=True,
        text=True,
    )
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        raise Stop(f"The Xero sandbox did not start on port {port} (see its message above).")
    say(f"Xero sandbox on 127.0.0.1:{port} (accountant's page: http://127.0.0.1:{port}/)")
    print(line.strip(), flush=True)
    return process


def verify_webhook(port):
    """Have the sandbox check Odoo's webhook (intent to receive) so that it delivers."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/webhook/intent", data=b"{}", method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            result = json.loads(answer.read())
    except (OSError, ValueError) as error:
        say(f"the sandbox could not check Odoo's webhook ({error}); changes come by polling")
        return
    if result.get("ok"):
        say("Odoo's webhook passed the sandbox's intent-to-receive check")
    else:
        say("Odoo's webhook failed the intent-to-receive check; changes come by polling")


def serve_until_stopped(command, base_url, on_ready=None):
    """Run a server in its own process group, say when it answers, forward stop signals."""
    process = subprocess.Popen([str(c) for c in command], start_new_session=True)

    def forward(signum, _frame):
        process.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    deadline = time.monotonic() + 180
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/web/login", timeout=5) as answer:
                if answer.status == 200:
                    say(f"Odoo is ready: {base_url}/odoo (admin / admin; Ctrl+C stops it)")
                    if on_ready:
                        on_ready()
                    break
        except OSError:
            time.sleep(1)
    return process.wait()


def command_benchmark(args):
    """Run one capability's benchmark (xero_connector_tests/benchmarks/<name>.py).

    Benchmarks that need Odoo get a database of their own with the addon installed.
    """
    folder = ROOT / "xero_connector_tests" / "benchmarks"
    names = sorted(p.stem for p in folder.glob("[a-z]*.py"))
    if args.name not in names:
        raise Stop(f"Unknown benchmark {args.name!r}: choose one of {', '.join(names)}.")
    vpython, odoo_path = prepare()
    options = list(args.options)
    if "NEEDS_ODOO = True" in (folder / f"{args.name}.py").read_text():
        db = "xero_connector_bench"
        config, _data_dir = write_config("bench", odoo_path, db_name=db, max_cron_threads=0)
        if database_ready(vpython, db):
            say(f"updating xero_connector in the benchmark database {db}")
            step = odoo_cmd(vpython, config, "-d", db, "-u", "xero_connector", "--stop-after-init")
        else:
            say(f"creating the benchmark database {db}")
            step = odoo_cmd(vpython, config, "-d", db, "-i", "xero_connector", "--stop-after-init")
        if run(step, check=False):
            raise Stop(f"Installing xero_connector into {db} failed; details in {LOG}.")
        options += ["--odoo-config", str(config), "--db", db]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    module = f"xero_connector_tests.benchmarks.{args.name}"
    return run([vpython, "-m", module, *options], check=False, quiet=False, env=env, cwd=ROOT)


def command_env(_args):
    vpython, odoo_path = prepare()
    info = {"python": str(vpython), "odoo": str(odoo_path), "cache": str(CACHE)}
    print(json.dumps(info))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="setup/stack.py")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "test", add_help=False, help="run the whole suite in a fresh database; args go to pytest"
    )
    demo = sub.add_parser("demo", help="serve Odoo with demo data and the addon")
    demo.add_argument("--port", type=int, default=8069)
    demo.add_argument("--db", default="xero_demo")
    demo.add_argument("--reset", action="store_true", help="recreate the demo database")
    demo.add_argument("--sandbox-port", type=int, default=8070, help="port of the Xero sandbox")
    benchmark = sub.add_parser("benchmark", help="print one capability's performance figures")
    benchmark.add_argument("name")
    benchmark.add_argument("options", nargs="*")
    sub.add_parser("env", help="set up, then print the interpreter and Odoo paths")
    # everything after "test" belongs to pytest, and after "benchmark NAME" to the
    # benchmark, options included
    args, pytest_args = parser.parse_known_args(argv)
    if args.command == "benchmark":
        args.options += pytest_args
    elif pytest_args and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(pytest_args)}")
    try:
        if args.command == "test":
            return command_test(pytest_args)
        if args.command == "demo":
            return command_demo(args)
        if args.command == "benchmark":
            return command_benchmark(args)
        return command_env(args)
    except Stop as stop:
        print(f"[setup] {stop}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - one sentence instead of a traceback
        print(
            f"[setup] Unexpected failure: {error!r}; details in {LOG}. Please report it.",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
