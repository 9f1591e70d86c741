from decimal import Decimal

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import XeroSyncCase
from .test_invoices import InvoiceCase
from .test_products import ProductCase


@tagged("post_install", "-at_install")
class TestXeroSettingsTour(HttpCase):
    """What users click, in headless Chromium."""

    def test_administrator_finds_xero_block_in_settings(self):
        self.start_tour("/odoo", "xero_connector_tests.admin_finds_xero_settings", login="admin")

    def test_salesperson_sees_no_xero_menu(self):
        new_test_user(self.env, "xero_tour_rep", groups="sales_team.group_sale_salesman")
        self.start_tour(
            "/odoo", "xero_connector_tests.rep_sees_no_xero_menu", login="xero_tour_rep"
        )


@tagged("post_install", "-at_install")
class TestXeroQueueTours(XeroSyncCase, HttpCase):
    """Managers at the queue and people on a customer, in headless Chromium."""

    def test_manager_retries_a_failed_job_and_resyncs_the_customer(self):
        partner = self.customers(1, prefix="Tour Bad Mail", email="tour-without-at")
        self.run_queue()
        self.assertEqual(self.jobs.search([("res_id", "=", partner.id)]).state, "error")
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_dashboard",
            "xero_connector_tests.manager_retries_a_failed_job",
            login="admin",
        )
        partner.invalidate_recordset()
        self.assertEqual(partner.email, "tour.fixed@example.com")
        self.run_queue()
        self.assertEqual(self.link_of(partner).state, "synced")
        [contact] = self.contacts_named(partner.name)
        self.assertEqual(contact["EmailAddress"], "tour.fixed@example.com")

    def test_sync_now_shows_what_it_did_and_the_log_reads_in_plain_words(self):
        self.run_cron(self.poll_cron)
        self.sandbox.clock.advance(5)
        self.run_cron(self.poll_cron)
        self.run_queue()
        partner = self.customers(1, prefix="Tour Sync Now")
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_dashboard",
            "xero_connector_tests.manager_syncs_now_and_reads_the_log",
            login="admin",
        )
        self.assertEqual(self.link_of(partner).state, "synced")

    def test_a_xero_user_sees_the_status_and_a_salesperson_does_not(self):
        partner = self.customers(1, prefix="Tour Synced")
        self.run_queue()
        new_test_user(
            self.env,
            "xero_tour_user",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        new_test_user(self.env, "xero_tour_seller", groups="sales_team.group_sale_salesman")
        url = f"/odoo/contacts/{partner.id}"
        self.start_tour(
            url, "xero_connector_tests.xero_user_sees_the_status", login="xero_tour_user"
        )
        self.start_tour(
            url, "xero_connector_tests.salesperson_sees_no_xero_status", login="xero_tour_seller"
        )


@tagged("post_install", "-at_install")
class TestXeroProductTours(ProductCase, HttpCase):
    """A manager at the tax map and a salesperson at a quotation, in headless Chromium."""

    def test_manager_reviews_the_tax_map_and_fixes_an_unmapped_tax(self):
        exempt = self.sale_tax("Exempt sales", 0)
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_dashboard",
            "xero_connector_tests.manager_fixes_an_unmapped_tax",
            login="admin",
        )
        row = self.maps.search([("tax_key", "=", str(exempt.id))])
        self.assertEqual(row.xero_tax_rate_id, self.rate("ZERORATED"))
        self.assertEqual(row.state, "mapped")

    def test_salesperson_sees_that_xero_has_too_little_stock(self):
        self.poll()
        drill = self.env["product.product"].search([("default_code", "=", "TOOL-DRL")])
        self.assertTrue(drill.xero_tracked)
        seller = new_test_user(self.env, "xero_tour_stock", groups="sales_team.group_sale_salesman")
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Drill Buyer"}).id,
                "user_id": seller.id,
                "order_line": [Command.create({"product_id": drill.id, "product_uom_qty": 1})],
            }
        )
        self.start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}",
            "xero_connector_tests.salesperson_sees_the_stock_warning",
            login="xero_tour_stock",
        )
        self.assertEqual(order.order_line.product_uom_qty, 999)
        self.assertIn("Not enough stock in Xero", order.xero_stock_warning)


@tagged("post_install", "-at_install")
class TestXeroInvoiceTours(InvoiceCase, HttpCase):
    """A salesperson confirming an order and a manager fixing its tax, in headless
    Chromium."""

    def test_salesperson_confirms_and_sees_the_invoice_with_its_pay_link(self):
        self.connection.sudo().invoice_trigger = "confirm"
        seller = new_test_user(
            self.env,
            "xero_tour_invoicer",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        order = self.order([(self.drill, 2)], confirm=False, user_id=seller.id)
        url = f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}"
        self.start_tour(
            url, "xero_connector_tests.salesperson_confirms_an_order", login="xero_tour_invoicer"
        )
        self.assertEqual(order.state, "sale")
        self.run_until_settled()  # the queue's cron, woken by the confirmation
        [document] = self.invoiced(order)
        self.assertEqual(self.total(document), Decimal(str(order.amount_total)))
        self.start_tour(
            url,
            "xero_connector_tests.salesperson_sees_the_xero_invoice",
            login="xero_tour_invoicer",
        )

    def test_salesperson_sees_the_order_go_from_sent_to_paid(self):
        self.connection.sudo().invoice_email = "xero"
        hooks = self.sandbox.app.webhooks
        self.connection.sudo().webhook_key = hooks.key
        seller = new_test_user(
            self.env,
            "xero_tour_paid",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        order = self.order([(self.drill, 2)], user_id=seller.id)
        order.action_xero_invoice()
        self.run_until_settled()
        url = f"/odoo/action-sale.action_orders/{order.id}"
        self.start_tour(
            url, "xero_connector_tests.salesperson_sees_the_order_sent", login="xero_tour_paid"
        )
        # the accountant records the customer's payment in Xero; its webhook reaches Odoo
        [document] = self.invoiced(order)
        self.env.flush_all()
        with self.allow_requests(all_requests=True):  # Xero carries no test cookie
            with self.sandbox.lock:
                hooks.configure(url=f"{self.base_url()}/xero/webhook", status="ok")
                self.books.create_payment(
                    {
                        "Invoice": {"InvoiceID": document["InvoiceID"]},
                        "Account": {"Code": "090"},
                        "Date": self.books.today().isoformat(),
                        "Amount": document["Total"],
                        "Reference": "Bank deposit",
                    },
                    "Accountant",
                )
            self.assertTrue(hooks.flush(timeout=10))
        self.assertTrue(all(entry["ok"] for entry in hooks.log), hooks.log)
        self.run_until_settled()
        self.assertEqual(order.xero_payment_status, "paid")
        self.start_tour(
            url, "xero_connector_tests.salesperson_sees_the_order_paid", login="xero_tour_paid"
        )

    def test_manager_fixes_an_unmapped_tax_from_the_order(self):
        export = self.sale_tax("Export 0%", 0)
        order = self.order([(self.drill, 1, 199.0, 0.0, export)])
        order.action_xero_invoice()
        self.run_until_settled()
        url = f"/odoo/action-sale.action_orders/{order.id}"
        self.start_tour(url, "xero_connector_tests.manager_reads_why_it_failed", login="admin")
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_dashboard",
            "xero_connector_tests.manager_maps_the_export_tax",
            login="admin",
        )
        self.start_tour(url, "xero_connector_tests.manager_resyncs_the_invoice", login="admin")
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(document["LineItems"][0]["TaxType"], "ZERORATED")
        self.assertFalse(order.xero_invoice_problem)
