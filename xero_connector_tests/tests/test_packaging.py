"""The addon installs with pip from setup/, as integrators deploy OCA-style addons."""

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "setup" / "xero_connector"


def pip(*args):
    result = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--no-build-isolation", str(PROJECT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_wheel_holds_the_whole_addon(tmp_path):
    pip("wheel", "--no-deps", "--wheel-dir", str(tmp_path))
    (wheel,) = tmp_path.glob("odoo_addon_xero_connector-19.0.1.0.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    addon = ROOT / "xero_connector"
    expected = {
        f"odoo/addons/xero_connector/{path.relative_to(addon)}"
        for path in addon.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected - names == set()
    assert set(metadata.get_all("Requires-Dist")) == {"odoo==19.0.*", "xero-python<16,>=15.2"}


def test_pip_resolves_it_against_the_installed_odoo_19():
    out = pip("install", "--dry-run", "--no-index")
    assert "Would install odoo-addon-xero_connector-19.0.1.0.0" in out
