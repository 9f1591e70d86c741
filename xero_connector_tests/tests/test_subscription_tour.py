"""A salesperson sells a subscription, in headless Chromium (issue 23): the quotation's
line marked Recurring, billed every month from a few days ahead, confirmed; once Xero
(the sandbox, its clock moved past that date) generated the first invoice and Odoo read
it, the order offers its pay link."""

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .test_payment_alerts import SELLER, XERO_MANAGER, XERO_USER
from .test_subscriptions import SubscriptionCase


@tagged("post_install", "-at_install")
class TestSubscriptionTour(SubscriptionCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.seller = new_test_user(
            self.env, "xero_subscription_seller", groups=SELLER, name="Sue Seller"
        )
        # a service sold once or every month: the salesperson says which on the line
        self.care = self.product("SUB-WEB", "Website care", 80.0)
        self.run_until_settled()  # an item in Xero

    def test_salesperson_sells_a_subscription_and_sees_its_first_xero_invoice(self):
        self.assertFalse(self.seller.has_group(XERO_USER) or self.seller.has_group(XERO_MANAGER))
        self.start_tour(
            "/odoo/sales", "xero_connector_tests.xero_subscription_quote", login=self.seller.login
        )
        order = self.env["sale.order"].search([("user_id", "=", self.seller.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id, self.customer)
        [line] = order.order_line
        self.assertEqual((line.product_id, line.xero_recurring), (self.care, True))
        self.assertEqual((order.xero_recurring_interval, order.xero_recurring_unit), (1, "month"))
        start = order.xero_recurring_start
        # a few days ahead (the browser's today may be a day off Odoo's, by the timezone)
        self.assertTrue(4 <= (start - fields.Date.today()).days <= 6, start)
        subscription = order.sudo().xero_subscription_id
        self.assertEqual(subscription.state, "running")

        # the queue sends the repeating invoice; its first invoice is still to come
        self.run_until_settled()
        [template] = self.books.repeating_invoices.values()
        self.assertEqual(template["Status"], "AUTHORISED")
        schedule = template["Schedule"]
        self.assertEqual((schedule["Period"], schedule["Unit"]), (1, "MONTHLY"))
        self.assertEqual(schedule["StartDate"], start)
        self.assertEqual(self.generated(), [])

        # the day after the first invoice's date: Xero generates it, Odoo reads it
        self.sandbox.clock.set(datetime.combine(start + timedelta(days=1), time(12)))
        self.sandbox.run_schedules()
        self.poll()
        self.run_until_settled()

        self.start_tour(
            "/odoo/sales",
            "xero_connector_tests.xero_subscription_first_invoice",
            login=self.seller.login,
        )
        self.assertEqual(len(self.books.repeating_invoices), 1, "one template in Xero")
        self.assertEqual(subscription.state, "running")
        self.assertEqual(order.xero_next_invoice_date, start + relativedelta(months=1))
        [document] = self.generated(template)
        self.assertEqual(document["Date"], start)
        [invoice] = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.subscription_id, subscription)
        self.assertEqual(invoice.number, document["InvoiceNumber"])
        self.assertEqual(invoice.status, "AUTHORISED")
        self.assertTrue(order.xero_online_url)
