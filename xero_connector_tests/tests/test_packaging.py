"""The addon installs with pip from setup/, as integrators deploy OCA-style addons, and
describes itself on the Apps screen."""

import ast
import importlib.util
import re
import struct
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from odoo.tools import html_sanitize

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "setup" / "xero_connector"
DESCRIPTION = ROOT / "xero_connector" / "static" / "description"


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


def readme_tool():
    spec = importlib.util.spec_from_file_location("xero_setup_readme", ROOT / "setup" / "readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_apps_screen_shows_the_readme_and_the_screenshots():
    """index.html is what setup/readme.py writes from readme/ and the screenshots, it
    shows each screenshot (each taken at 1440x900, under 300 KB) and nothing missing,
    the manifest lists them, and Odoo's sanitizer keeps them and the inline styles."""
    tool = readme_tool()
    index = (DESCRIPTION / "index.html").read_text()
    assert index == tool.render_html(ROOT / "xero_connector"), "run python3 setup/readme.py"
    shown = re.findall(r'<img src="([^"]+)"', index)
    assert shown == [f"{name}.png" for name in tool.SCREENSHOTS]
    for name in shown:
        data = (DESCRIPTION / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (
            1440,
            900,
        ), name
        assert len(data) < 300_000, f"{name} is {len(data)} bytes"
    manifest = ast.literal_eval((ROOT / "xero_connector" / "__manifest__.py").read_text())
    assert manifest["images"] == [f"static/description/{name}" for name in shown]
    local = re.findall(r'(?:src|href)="(?!https?://)([^"]+)"', index)
    assert all((DESCRIPTION / path).is_file() for path in local), local
    for text in ("Configuration", "Usage", "Known issues / Roadmap", "Contributors"):
        assert f">{text}</h2>" in index or f">{text}</h3>" in index, text
    kept = html_sanitize(index)
    assert re.findall(r'<img src="([^"]+)"', kept) == shown
    assert 'style="' in kept and "<h1" in kept
