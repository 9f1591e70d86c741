"""Fixtures for tests that talk to the Xero sandbox through xero-python, and the
``odoo_case`` mark on the Odoo test cases (setup/test runs those with Odoo's runner).

pytest reads this file before pytest-odoo has given Odoo its addons path: the
test helpers are imported when a fixture runs, under their Odoo name, so that
``tests/__init__.py`` can import every test module as Odoo's runner needs.
"""

import pytest

from odoo.tests.common import BaseCase


def _client():
    # the Odoo name, as the test modules import it: a relative import would load the
    # helpers (and every test module) a second time under another name
    # pylint: disable=odoo-addons-relative-import
    from odoo.addons.xero_connector_tests.tests import sandbox_client  # noqa: PLC0415

    return sandbox_client


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark the Odoo test cases, before ``-m`` selects: ``-m "not odoo_case"`` leaves
    the plain pytest tests."""
    for item in items:
        cls = getattr(item, "cls", None)
        if isinstance(cls, type) and issubclass(cls, BaseCase):
            item.add_marker(pytest.mark.odoo_case)


@pytest.fixture
def sandbox():
    """A fresh sandbox on a free port; every JSON answer is checked against Xero's OpenAPI file."""
    client = _client()
    sandbox = client.checked_sandbox(retry_schedule=(0.2, 0.4, 0.6))
    with client.token_urls(sandbox):
        yield sandbox
    sandbox.stop()
    assert sandbox.problems == [], "answers that break Xero's OpenAPI file:\n" + "\n".join(
        sandbox.problems
    )


@pytest.fixture
def xero(sandbox):
    """xero-python connected to the first organisation (Kauri Tools Ltd, NZD, GST 15%)."""
    return _client().Xero(sandbox)


@pytest.fixture
def xero_uk(sandbox):
    """xero-python connected to the second organisation (Thames Ledger Ltd, GBP, VAT 20%)."""
    return _client().Xero(sandbox, tenant=1)
