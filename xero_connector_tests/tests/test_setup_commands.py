"""The set-up commands stop with one clear sentence when they cannot go on."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "setup" / "stack.py"
# the interpreter behind the virtual environment: it does not import Odoo
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def stack(tmp_path, *args, path=None, **env):
    environ = {
        "HOME": str(tmp_path),
        "XERO_CONNECTOR_CACHE": str(tmp_path / "cache"),
        "PATH": path or os.environ["PATH"],
        **env,
    }
    result = subprocess.run(
        [BASE_PYTHON, str(STACK), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.returncode, result.stdout, result.stderr


def assert_one_clear_sentence(stderr, *words):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_odoo_path_without_odoo_19_is_refused(tmp_path):
    code, _out, err = stack(tmp_path, "env", ODOO_PATH=str(tmp_path))
    assert code == 2
    assert_one_clear_sentence(err, f"ODOO_PATH={tmp_path}", "does not hold Odoo 19")


def test_no_odoo_and_no_debian_archive_asks_for_odoo_path(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(BASE_PYTHON)
    code, _out, err = stack(tmp_path, "env", path=str(bin_dir))
    assert code == 2
    assert_one_clear_sentence(err, "set ODOO_PATH")
    assert not (tmp_path / "cache" / "venv").exists()


def test_demo_on_a_busy_port_says_so(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _out, err = stack(tmp_path, "demo", "--port", str(port))
    assert code == 2
    assert_one_clear_sentence(err, f"Port {port} is already in use", "--port")
