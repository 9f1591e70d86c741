"""The addon as a Python distribution: ``pip install ./setup/xero_connector``.

It installs as ``odoo.addons.xero_connector`` (Odoo 19 finds addons on the
``odoo.addons`` namespace) and requires Odoo 19 and the addon's external Python
dependencies, both read from the manifest.
"""

import ast
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
NAME = "xero_connector"
ADDON = HERE / "odoo" / "addons" / NAME
MANIFEST = ast.literal_eval((ADDON / "__manifest__.py").read_text())
SERIES = ".".join(MANIFEST["version"].split(".")[:2])


def packages():
    return sorted(
        ".".join(("odoo", "addons", NAME, *init.parent.relative_to(ADDON).parts))
        for init in ADDON.rglob("__init__.py")
    )


def data_files():
    return sorted(
        str(path.relative_to(ADDON))
        for path in ADDON.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    )


setup(
    name=f"odoo-addon-{NAME}",
    version=MANIFEST["version"],
    description=MANIFEST["summary"],
    long_description=(ADDON / "README.rst").read_text(),
    long_description_content_type="text/x-rst",
    author=MANIFEST["author"],
    license_expression="LGPL-3.0-or-later",
    python_requires=">=3.10",
    install_requires=[
        f"odoo=={SERIES}.*",
        *MANIFEST.get("external_dependencies", {}).get("python", []),
    ],
    packages=packages(),
    package_data={f"odoo.addons.{NAME}": data_files()},
    classifiers=[
        "Framework :: Odoo",
        f"Framework :: Odoo :: {SERIES}",
        "Programming Language :: Python :: 3",
    ],
    zip_safe=False,
)
