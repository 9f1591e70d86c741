"""A 1440 px screen (a 14" laptop): the Overview's figures, a confirmed order's line
columns and the tax map's headings fit (issue 22, point 8)."""

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from ..sandbox.limits import Limits
from .test_products import ProductCase


@tagged("post_install", "-at_install")
class TestLayoutAt1440(ProductCase, HttpCase):
    browser_size = "1440x900"
    # a large plan: the Overview's budget reads "22 / 50k"
    sandbox_options = {**ProductCase.sandbox_options, "limits": Limits(per_day=50000)}

    def setUp(self):
        super().setUp()
        # discounts shown on order lines (Odoo's Discounts setting)
        self.env.ref("base.group_user").implied_ids |= self.env.ref(
            "sale.group_discount_per_so_line"
        )

    def test_the_overview_figures_stay_on_one_line(self):
        self.connection.sudo().day_limit = 50000
        self.customers(1, prefix="Layout Bad Mail", email="no-at-sign")
        self.run_queue()
        self.customers(3, prefix="Layout Waiting")
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_dashboard",
            "xero_connector_tests.layout_overview_figures_on_one_line",
            login="admin",
        )

    def confirmed_order(self, product, quantity, description):
        """A confirmed order of ``quantity`` ``product`` at 12.5 % off, described at
        length, and 3 panel saws at 10 % off."""
        saw = self.product("LAY-SAW", "Panel saw", 45.5)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Ridgeway Builders Ltd"}).id,
                "order_line": [
                    Command.create({"product_id": item.id, "product_uom_qty": qty, "discount": off})
                    for item, qty, off in ((product, quantity, 12.5), (saw, 3, 10.0))
                ],
            }
        )
        order.order_line[0].name = description
        order.action_confirm()
        return order

    def test_a_confirmed_orders_discount_and_amount_stay_in_view(self):
        self.poll()  # Xero's stock of its tracked items
        drill = self.env["product.product"].search([("default_code", "=", "TOOL-DRL")])
        self.assertTrue(drill.xero_tracked)
        order = self.confirmed_order(
            drill, 999, "Cordless drill 18 V, two batteries, charger and case"
        )
        self.assertEqual(order.state, "sale")
        self.assertIn("available in Xero", order.order_line[0].xero_stock_warning)
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "xero_connector_tests.layout_order_lines_in_view",
            login="admin",
        )

    def test_a_confirmed_subscriptions_recurring_discount_and_amount_stay_in_view(self):
        plan = self.product("LAY-SUP", "Support plan", 100.0)
        plan.product_tmpl_id.xero_recurring = True
        order = self.confirmed_order(
            plan, 12, "Support plan: phone, e-mail and on-site visits, 8 to 6"
        )
        self.assertTrue(order.xero_recurring)
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "xero_connector_tests.layout_subscription_lines_in_view",
            login="admin",
        )

    def test_the_tax_map_headings_are_not_cut_off(self):
        self.sale_tax("Export 0%", 0)
        self.sale_tax("GST 15% included", 15, price_include_override="tax_included")
        # the menu's action proposes a row for every sales tax
        self.start_tour(
            "/odoo/action-xero_connector.action_server_xero_tax_map",
            "xero_connector_tests.layout_tax_map_headings_whole",
            login="admin",
        )
