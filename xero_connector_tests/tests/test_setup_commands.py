"""The set-up commands stop with one clear sentence when they cannot go on, and
setup/test runs every test and fails, saying where, when one fails."""

import ast
import importlib
import importlib.util
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from odoo.tests.common import BaseCase

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


# ---------------------------------------------------------------- setup/test's parts

TESTS = Path(__file__).resolve().parent
PACKAGE = "odoo.addons.xero_connector_tests.tests"


@pytest.fixture
def stack_module(tmp_path, monkeypatch):
    """setup/stack.py as a module (standard library only), its files in tmp_path."""
    spec = importlib.util.spec_from_file_location("xero_setup_stack", STACK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(module, "LOG", tmp_path / "setup.log")
    monkeypatch.setattr(module, "RUN_DIR", tmp_path / "run")
    return module


def fake_runner(output, code):
    """A command that prints what a test runner would and exits with its code."""
    return [sys.executable, "-c", f"import sys; print({output!r}); sys.exit({code})"]


ODOO_LINE = (
    "2026-12-01 10:00:00,000 42 {level} db odoo.tests.result: {report} when loading database"
)


def test_odoo_runner_sees_every_module_with_odoo_test_cases():
    """Odoo's runner only loads what tests/__init__.py imports; the rest runs with pytest."""
    tree = ast.parse((TESTS / "__init__.py").read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module
        for alias in node.names
    }
    with_cases = set()
    for path in sorted(TESTS.glob("test_*.py")):
        try:
            module = importlib.import_module(f"{PACKAGE}.{path.stem}")
        except pytest.skip.Exception:  # a pytest module that skips itself as a whole
            continue
        cases = [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, BaseCase)
        ]
        if any(case.__module__ == module.__name__ for case in cases):
            with_cases.add(path.stem)
    assert "test_ui" in with_cases
    assert imported == with_cases


def test_each_test_database_has_its_configuration_and_http_port(stack_module, tmp_path):
    odoo_path = tmp_path / "odoo"
    configs = [stack_module.write_test_config(odoo_path, db)[0] for db in ("suite_a", "suite_b")]
    assert len(set(configs)) == 2
    options = [dict(re.findall(r"^(\w+) = (.*)$", c.read_text(), re.MULTILINE)) for c in configs]
    assert [o["db_name"] for o in options] == ["suite_a", "suite_b"]
    ports = {int(o["http_port"]) for o in options}
    assert len(ports) == 2 and 8069 not in ports
    assert all(stack_module.free_port(port) for port in ports)


def test_each_demo_database_has_its_configuration(stack_module, tmp_path):
    """A second demo (another database, another port) leaves the first's configuration."""
    odoo_path = tmp_path / "odoo"
    first = stack_module.write_demo_config(odoo_path, "xero_demo", 8069)[0]
    before = first.read_text()
    second = stack_module.write_demo_config(odoo_path, "other demo/2", 8080)[0]
    assert first == tmp_path / "run" / "demo-xero_demo.conf"
    assert second == tmp_path / "run" / "demo-other_demo_2.conf"
    assert first.read_text() == before
    options = [
        dict(re.findall(r"^(\w+) = (.*)$", c.read_text(), re.MULTILINE)) for c in (first, second)
    ]
    assert [o["db_name"] for o in options] == ["xero_demo", "other demo/2"]
    assert [o["http_port"] for o in options] == ["8069", "8080"]
    assert re.fullmatch(options[0]["dbfilter"], "xero_demo")
    assert re.fullmatch(options[1]["dbfilter"], "other demo/2")
    assert not re.fullmatch(options[1]["dbfilter"], "xero_demo")


def test_failed_odoo_tests_fail_the_run_and_say_so(stack_module, capsys):
    stack = stack_module
    report = "1 failed, 2 error(s) of 40 tests"
    odoo = stack.odoo_tests_phase(fake_runner(ODOO_LINE.format(level="ERROR", report=report), 1))
    assert (odoo.ok, odoo.summary) == (False, "40 tests, 1 failed, 2 error(s), exit 1")
    pytest_ok = stack.pytest_phase(fake_runner("==== 12 passed, 1 skipped in 3.10s ====", 0))
    assert (pytest_ok.ok, pytest_ok.passed, pytest_ok.skipped) == (True, 12, 1)
    capsys.readouterr()

    assert stack.conclude([odoo, pytest_ok]) == 1
    out, err = capsys.readouterr()
    assert out.strip().splitlines()[-1] == "total: 49 passed, 3 failed, 1 skipped"
    assert_one_clear_sentence(err, "The test run failed: Odoo's test runner (40 tests, 1 failed")
    assert "pytest" not in err


def test_odoo_runner_counts_only_with_its_report_and_some_tests(stack_module):
    stack = stack_module
    passed = ODOO_LINE.format(level="INFO", report="0 failed, 0 error(s) of 40 tests")
    assert stack.odoo_tests_phase(fake_runner(passed, 0)).ok
    none = ODOO_LINE.format(level="WARNING", report="0 failed, 0 error(s) of 0 tests")
    assert stack.odoo_tests_phase(fake_runner(none, 0)).summary == "ran no test"
    crashed = stack.odoo_tests_phase(fake_runner("Failed to initialize database", 255))
    assert (crashed.ok, crashed.summary) == (False, "ended without its test report (exit 255)")
    failed = stack.pytest_phase(fake_runner("=== 1 failed, 3 passed in 0.50s ===", 1))
    assert (failed.ok, failed.failed, failed.passed) == (False, 1, 3)


def test_odoo_runs_from_a_script_it_can_run_again_for_its_websocket(stack_module):
    """With --workers, Odoo starts its websocket (gevent) process by running its own
    script again: "python -m odoo" cannot be run that way, the launcher can."""
    command = stack_module.odoo_cmd(sys.executable, "odoo.conf", "--workers=2")
    launcher = command[1]
    assert command[:2] == [sys.executable, launcher] and "-m" not in command
    again = subprocess.run(
        [sys.executable, str(launcher), "gevent", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "Odoo Server 19.0" in again.stdout
