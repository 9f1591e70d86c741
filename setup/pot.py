#!/usr/bin/env python3
"""Write the addon's translation template, ``xero_connector/i18n/xero_connector.pot``.

    python3 setup/pot.py -c .run/demo-xero_demo.conf   rewrite it from that database
    python3 setup/pot.py -c CONFIG -d DB --check        fail when it is out of date

The terms come from Odoo's own exporter (``odoo i18n export``), run on a database
where the addon is installed and up to date with this checkout: field labels,
helps and selection values, views, menus, actions and the other data records
are read from the database, ``_()``, ``env._()`` and ``_lt()`` strings from the
code. ``setup/test`` runs it on its fresh test database. The creation and
revision dates are left out of the header, as OCA's templates do, so the file
changes only when a term does.

Odoo runs with ``--python``: by default the set-up commands' virtual
environment (``setup/stack.py env`` prints it). This file only uses the standard
library.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "xero_connector"
POT = ROOT / MODULE / "i18n" / f"{MODULE}.pot"
# the same cache as setup/stack.py's
CACHE = Path(
    os.environ.get("XERO_CONNECTOR_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xero_connector"
)
# header lines that change at every export
VOLATILE = re.compile(r'^"(?:POT-Creation|PO-Revision)-Date: [^"]*"\n', re.MULTILINE)


class ExportError(Exception):
    """Odoo's exporter did not write the template; the message says why."""


def export(python, config, database=None):
    """The template as Odoo's exporter writes it, without its dates."""
    with tempfile.TemporaryDirectory(prefix="xero-pot-") as folder:
        target = Path(folder) / f"{MODULE}.pot"
        command = [str(python), "-m", "odoo", "i18n", "export", "-c", str(config)]
        if database:
            command += ["-d", database]
        command += ["-o", str(target), MODULE]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode or not target.is_file() or not target.stat().st_size:
            # its last lines say why, before the sentence that closes the output
            tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
            print(*tail, sep="\n", file=sys.stderr, flush=True)
            where = database or f"the database of {config}"
            raise ExportError(
                f"Odoo's exporter wrote no template (exit {result.returncode}): is {MODULE} "
                f"installed in {where}?"
            )
        return VOLATILE.sub("", target.read_text(encoding="utf-8"))


def update(python, config, database=None, check=False):
    """Compare the fresh export with the file; rewrite it unless ``check``.

    Returns (exit code, one sentence saying what was found or done).
    """
    fresh = export(python, config, database)
    current = POT.read_text(encoding="utf-8") if POT.is_file() else None
    name = POT.relative_to(ROOT)
    if fresh == current:
        return 0, f"{name} is up to date"
    if check:
        again = f"python3 setup/pot.py -c {config}" + (f" -d {database}" if database else "")
        return 1, f"{name} is out of date: run {again} to rewrite it"
    POT.parent.mkdir(exist_ok=True)
    POT.write_text(fresh, encoding="utf-8")
    return 0, f"{name} rewritten with the current terms: commit it"


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="setup/pot.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "-c", "--config", required=True, help="Odoo configuration file of the database"
    )
    parser.add_argument("-d", "--database", help="the database, if not the configuration's")
    parser.add_argument(
        "--python",
        default=CACHE / "venv" / "bin" / "python",
        help="the Python that runs Odoo 19 (default: the set-up commands' virtual environment)",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when the file is out of date"
    )
    args = parser.parse_args(argv)
    try:
        code, message = update(args.python, args.config, args.database, check=args.check)
    except ExportError as error:
        print(f"[pot] {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"[pot] Odoo could not run with {args.python} ({error}): pass --python.",
            file=sys.stderr,
        )
        return 2
    print(f"[pot] {message}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
