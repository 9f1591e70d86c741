# Odoo's test runner (setup/test, OCA's CI, runbot) loads the modules imported
# here: every module holding Odoo test cases. The plain pytest modules (the Xero
# sandbox's tests, the tests that commit from threads or processes, the set-up
# commands' and the packaging's tests) are not imported; setup/test runs them with
# pytest, whose fixtures are in ../conftest.py.
from . import (
    test_access,
    test_adopt_not_edit,
    test_company_isolation,
    test_connection_access,
    test_connection_client,
    test_connection_oauth,
    test_contact_finance,
    test_contact_golive,
    test_contact_scope,
    test_contacts,
    test_findability,
    test_golive_ui,
    test_invoice_payments,
    test_invoice_totals,
    test_invoices,
    test_layout,
    test_live_forms,
    test_order_payments,
    test_overview,
    test_payment_alerts,
    test_plain_words,
    test_products,
    test_queue_resilience,
    test_screenshots,
    test_sync_access,
    test_sync_faults,
    test_sync_inbound,
    test_sync_queue,
    test_translations,
    test_ui,
    test_webhook_bodies,
    test_xero_money,
)
