# Odoo's test runner (setup/test, OCA's CI, runbot) loads the modules imported
# here: every module holding Odoo test cases. The plain pytest modules (the Xero
# sandbox's tests, the tests that commit from threads, the set-up commands' and
# the packaging's tests) are not imported; setup/test runs them with pytest.
#
# pytest imports this folder once more, as xero_connector_tests.tests, to read
# conftest.py before pytest-odoo has given Odoo its addons path; the test modules
# then import under their Odoo name only (odoo.addons.xero_connector_tests.tests).
if __name__.startswith("odoo.addons."):
    from . import (
        test_access,
        test_connection_access,
        test_connection_client,
        test_connection_oauth,
        test_contact_finance,
        test_contact_golive,
        test_contact_scope,
        test_contacts,
        test_sync_access,
        test_sync_faults,
        test_sync_inbound,
        test_sync_queue,
        test_ui,
    )
