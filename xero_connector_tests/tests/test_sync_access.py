"""Who sees and runs the sync: sales people, Xero users, Xero managers, other companies."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import XeroSyncCase


@tagged("post_install", "-at_install")
class TestSyncAccess(XeroSyncCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.seller = new_test_user(
            self.env, "xero_seller", groups="sales_team.group_sale_salesman"
        )
        self.xero_user = new_test_user(
            self.env,
            "xero_rep",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        self.manager = new_test_user(
            self.env,
            "xero_manager",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_manager",
        )
        self.partner = self.customers(1, prefix="Access", email="bad-address")
        self.run_queue()

    def test_a_salesperson_changes_customers_but_sees_nothing_of_xero(self):
        partner = self.partner.with_user(self.seller)
        partner.write({"email": "fixed@example.com"})  # still queued: nothing lost
        self.assertTrue(self.jobs.search([("res_id", "=", partner.id), ("state", "=", "pending")]))
        for model in ("xero.sync.job", "xero.sync.log", "xero.link", "xero.connection.budget"):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.seller).search([])
        with self.assertRaises(AccessError):
            partner.read(["xero_sync_state"])
        with self.assertRaises(AccessError):
            partner.action_xero_resync()

    def test_a_xero_user_sees_the_status_and_resyncs_but_not_the_queue(self):
        partner = self.partner.with_user(self.xero_user)
        self.assertEqual(partner.xero_sync_state, "error")
        self.assertIn("email address", partner.xero_last_error)
        self.assertEqual(len(self.env["xero.link"].with_user(self.xero_user).search([])), 1)
        with self.assertRaises(AccessError):
            self.env["xero.sync.job"].with_user(self.xero_user).search([])
        partner.with_context(xero_inbound=True).sudo().email = "ok@example.com"
        partner.action_xero_resync()
        self.run_queue()
        self.assertEqual(self.partner.xero_sync_state, "synced")

    def test_a_xero_manager_retries_and_cancels_but_never_sees_the_webhook_key(self):
        jobs = self.env["xero.sync.job"].with_user(self.manager)
        failed = jobs.search([("state", "=", "error")])
        self.assertEqual(failed.res_id, self.partner.id)
        self.assertTrue(self.env["xero.sync.log"].with_user(self.manager).search([]))
        failed.action_retry()
        self.assertEqual(failed.state, "pending")
        failed.action_cancel()
        self.assertEqual(failed.state, "cancelled")
        self.connection.sudo().webhook_key = "secret"
        with self.assertRaises(AccessError):
            self.connection.with_user(self.manager).read(["webhook_key"])
        with self.assertRaises(AccessError):
            jobs.browse(failed.id).with_user(self.xero_user).action_retry()

    def test_companies_see_only_their_own_queue_log_and_links(self):
        other = self.env["res.company"].create({"name": "Other Ltd"})
        manager = new_test_user(
            self.env,
            "xero_other_manager",
            groups="xero_connector.group_xero_manager",
            company_id=other.id,
            company_ids=[other.id],
        )
        for model in ("xero.sync.job", "xero.sync.log", "xero.link"):
            self.assertTrue(self.env[model].search([]), model)
            self.assertFalse(self.env[model].with_user(manager).search([]), model)

    def test_a_salesperson_cannot_search_on_what_xero_says(self):
        """Searching is reading: the searches the addon computes refuse who may not read
        the field, as a stored field's would."""
        partners, products = (
            self.env["res.partner"].with_user(self.seller),
            self.env["product.product"].with_user(self.seller),
        )
        for model, domain in (
            (partners, [("xero_overdue", "=", True)]),
            (partners, [("xero_contact_id", "!=", False)]),
            (partners, [("xero_in_scope", "=", True)]),
            (partners, [("xero_sync_state", "=", "error")]),
            (products, [("xero_sync_state", "=", "error")]),
        ):
            with self.assertRaises(AccessError, msg=domain):
                model.search(domain)
        # Xero users search as before
        found = (
            self.env["res.partner"]
            .with_user(self.xero_user)
            .search([("xero_sync_state", "=", "error")])
        )
        self.assertEqual(found, self.partner)
        self.env["res.partner"].with_user(self.xero_user).search([("xero_overdue", "=", True)])

    def test_stock_value_in_xero_is_for_xero_users_only(self):
        self.env["xero.item"].create(
            {
                "connection_id": self.connection.id,
                "xero_id": "f0f0f0f0-0000-4000-8000-000000000001",
                "code": "VAL-1",
                "tracked": True,
                "quantity_on_hand": 4,
                "total_cost_pool": 1234.5,
            }
        )
        items = self.env["xero.item"].with_user(self.seller)
        self.assertEqual(items.search([("code", "=", "VAL-1")]).quantity_on_hand, 4)
        with self.assertRaises(AccessError):
            items.search_read([("code", "=", "VAL-1")], ["total_cost_pool"])
        rows = (
            self.env["xero.item"]
            .with_user(self.xero_user)
            .search_read([("code", "=", "VAL-1")], ["total_cost_pool"])
        )
        self.assertEqual(rows[0]["total_cost_pool"], 1234.5)
