"""The translation template, ``xero_connector/i18n/xero_connector.pot``, holds every
term Odoo's exporter finds in the addon, and only those: field labels, helps and
selection values, views, menus, actions and data records, ``_()``, ``env._()`` and
``_lt()`` strings in the code."""

import importlib.util
from pathlib import Path

import polib

from odoo.modules import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

MODULE = "xero_connector"
REWRITE = (
    "Rewrite the file: setup/test does it, or, with a database where xero_connector is "
    "installed and up to date, python3 setup/pot.py -c <its Odoo configuration>; then "
    "commit it."
)
SHOWN = 30


def listing(terms, origins=None):
    """One term a line, with where it comes from, at most SHOWN of them."""
    lines = [f"  {term!r}" + (f"  ({origins[term]})" if origins else "") for term in sorted(terms)]
    more = len(lines) - SHOWN
    return "\n".join(lines[:SHOWN] + ([f"  … and {more} more"] if more > 0 else []))


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # what `odoo i18n export` would write now, read the way it reads it
        reader = TranslationModuleReader(cls.env.cr, modules=[MODULE])
        cls.origins, cls.kinds = {}, set()
        for _module, kind, name, res_id, source, _value, _comments in reader:
            where = name if kind == "code" else f"{kind}:{name}:{res_id}"
            cls.origins.setdefault(source, where)
            cls.kinds.add(kind)
        cls.path = Path(get_module_path(MODULE), "i18n", f"{MODULE}.pot")
        cls.template = polib.pofile(str(cls.path)) if cls.path.is_file() else None

    def committed_terms(self):
        self.assertIsNotNone(self.template, f"{self.path} is missing. {REWRITE}")
        return {entry.msgid for entry in self.template if entry.msgid}

    def test_every_user_facing_term_is_in_the_template(self):
        # records (fields, selections, menus), views and code: the exporter saw all three
        self.assertLessEqual({"model", "model_terms", "code"}, self.kinds)
        missing = self.origins.keys() - self.committed_terms()
        if missing:
            self.fail(
                f"{len(missing)} term(s) of {MODULE} missing from {self.path.name}:\n"
                f"{listing(missing, self.origins)}\n{REWRITE}"
            )

    def test_the_template_holds_no_term_the_addon_dropped(self):
        stale = self.committed_terms() - self.origins.keys()
        if stale:
            self.fail(
                f"{len(stale)} term(s) in {self.path.name} that {MODULE} no longer has:\n"
                f"{listing(stale)}\n{REWRITE}"
            )

    def test_the_template_changes_only_with_its_terms(self):
        """setup/pot.py leaves out the dates Odoo's exporter stamps on each export."""
        self.committed_terms()
        dated = {"POT-Creation-Date", "PO-Revision-Date"} & self.template.metadata.keys()
        if dated:
            self.fail(f"{self.path.name} carries {', '.join(sorted(dated))}. {REWRITE}")
        self.assertEqual(self.template.metadata["Content-Type"], "text/plain; charset=UTF-8")


# ---------------------------------------------------------------- setup/pot.py (plain pytest)

POT_SCRIPT = Path(__file__).resolve().parents[2] / "setup" / "pot.py"
DATED_EXPORT = """\
msgid ""
msgstr ""
"Project-Id-Version: Odoo Server 19.0\\n"
"POT-Creation-Date: {stamp}\\n"
"PO-Revision-Date: {stamp}\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Resync"
msgstr ""
"""


def fake_odoo(script, stamp):
    """A "python" that writes what `odoo i18n export -o FILE` writes, stamped ``stamp``."""
    body = DATED_EXPORT.format(stamp=stamp)
    script.write_text(
        f"#!/bin/sh\nwhile [ $# -gt 1 ]; do [ $1 = -o ] && out=$2; shift; done\n"
        f"cat > $out <<'END'\n{body}END\n"
    )
    script.chmod(0o755)
    return script


def test_pot_script_leaves_out_the_dates_and_rewrites_only_changed_terms(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("xero_setup_pot", POT_SCRIPT)
    pot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pot)
    monkeypatch.setattr(pot, "ROOT", tmp_path)
    monkeypatch.setattr(pot, "POT", tmp_path / "i18n" / "xero_connector.pot")
    first = fake_odoo(tmp_path / "python-today", "2026-12-01 10:00+0000")
    later = fake_odoo(tmp_path / "python-next-year", "2027-12-01 10:00+0000")

    assert pot.update(first, "odoo.conf", check=True)[0] == 1
    assert not pot.POT.exists()
    assert pot.update(first, "odoo.conf")[1].endswith("rewritten with the current terms: commit it")
    written = pot.POT.read_text()
    assert "Date" not in written and 'msgid "Resync"' in written
    # another day, the same terms: nothing to commit
    assert pot.update(later, "odoo.conf", "db", check=True) == (
        0,
        "i18n/xero_connector.pot is up to date",
    )
    assert pot.POT.read_text() == written
