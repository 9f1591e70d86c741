"""Overdue Xero invoices: the salesperson's activity (once), its escalation to the team
leader, the warning when quoting an overdue customer, and the credit hold (issue 13)."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import html2plaintext

from .test_invoices import InvoiceCase

DAY = 24 * 3600
SELLER = "sales_team.group_sale_salesman"
XERO_USER = "xero_connector.group_xero_user"
XERO_MANAGER = "xero_connector.group_xero_manager"


class OverdueCase(InvoiceCase):
    """A salesperson of a team led by someone else, selling to Ridgeway Builders."""

    def setUp(self):
        super().setUp()
        self.seller = new_test_user(
            self.env, "xero_overdue_seller", groups=f"{SELLER},{XERO_USER}", name="Sam Seller"
        )
        self.leader = new_test_user(
            self.env, "xero_overdue_leader", groups=SELLER, name="Lee Leader"
        )
        self.team = self.env["crm.team"].create(
            {"name": "Builders' desk", "user_id": self.leader.id}
        )
        self.customer.name = "Ridgeway Builders"
        self.kind = self.env.ref("xero_connector.mail_activity_type_xero_overdue")
        self.alert_cron = self.env.ref("xero_connector.ir_cron_xero_overdue_alerts")

    def invoiced_order(self):
        """An order of one drill (228.85 with tax) invoiced in Xero, due today."""
        order = self.order([(self.drill, 1)], user_id=self.seller.id, team_id=self.team.id)
        order.action_xero_invoice()
        self.run_until_settled()
        return order

    def due(self, order, days_ago):
        """The accountant moves the due date of the order's invoice in Xero; Odoo reads it."""
        [document] = self.invoiced(order)
        due = fields.Date.context_today(order) - timedelta(days=days_ago)
        with self.sandbox.lock:
            self.books.save_document(
                "invoice",
                {"InvoiceID": document["InvoiceID"], "DueDate": due.isoformat()},
                "Accountant",
            )
        self.poll()
        return document

    def days_pass(self, days):
        """Xero's clock moves on (the sandbox's demo): Odoo sees it at the next poll."""
        self.sandbox.clock.advance(days * DAY)
        self.poll()

    def alerts(self, order, user=None):
        """The overdue activities of the order, open or done (oldest first)."""
        domain = [
            ("res_model", "=", "sale.order"),
            ("res_id", "=", order.id),
            ("activity_type_id", "=", self.kind.id),
        ]
        if user:
            domain.append(("user_id", "=", user.id))
        return self.env["mail.activity"].with_context(active_test=False).search(domain, order="id")

    def run_alerts(self):
        self.run_cron(self.alert_cron)

    def number(self, order):
        return order.sudo().xero_invoice_ids.number


@tagged("post_install", "-at_install")
class TestOverdueAlerts(OverdueCase, TransactionCase):
    def test_the_salesperson_is_told_once_and_the_payment_closes_the_activity(self):
        order = self.invoiced_order()
        self.run_alerts()
        self.assertFalse(self.alerts(order), "due today: not overdue yet")

        self.due(order, days_ago=1)  # read by the poll: the alert is raised at once
        [activity] = self.alerts(order)
        self.assertEqual(activity.user_id, self.seller)
        self.assertTrue(activity.active)
        number = self.number(order)
        self.assertTrue(number)
        amount = order.currency_id.format(228.85)
        self.assertEqual(activity.summary, f"{number}: {amount} due, 1 day overdue in Xero")
        self.assertIn("Ridgeway Builders has not paid", str(activity.note))
        invoice = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.overdue_activity_id, activity)
        self.assertEqual(order.xero_payment_status, "overdue")

        # the cron and more polls add nothing
        self.run_alerts()
        self.poll()
        self.run_alerts()
        self.assertEqual(len(self.alerts(order)), 1)

        # paid in Xero: read by the poll, the activity is done by itself
        [document] = self.invoiced(order)
        self.pay(document)
        self.assertFalse(activity.active, "marked done")
        self.assertEqual(activity.feedback, "Paid in Xero")
        done = order.message_ids.filtered(lambda m: m.mail_activity_type_id == self.kind)
        self.assertIn("Paid in Xero", done[0].body)
        self.run_alerts()
        self.assertEqual(len(self.alerts(order)), 1, "never raised again")

    def test_a_voided_invoice_closes_its_activity(self):
        order = self.invoiced_order()
        document = self.due(order, days_ago=2)
        [activity] = self.alerts(order)
        self.assertIn("2 days overdue", activity.summary)
        with self.sandbox.lock:
            self.books.save_document(
                "invoice", {"InvoiceID": document["InvoiceID"], "Status": "VOIDED"}, "Accountant"
            )
        self.poll()
        self.assertFalse(activity.active)
        self.assertEqual(activity.feedback, "Voided in Xero")

    def test_moving_xero_clock_past_the_due_date_raises_the_alert(self):
        order = self.invoiced_order()
        self.days_pass(3)
        connection = self.connection.sudo()
        today = fields.Date.context_today(order)
        self.assertGreaterEqual(connection._xero_today(), today + timedelta(days=3))
        # the figures follow Xero's clock too
        order.invalidate_recordset()
        self.customer.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "overdue")
        self.assertEqual(self.customer.xero_amount_overdue, 228.85)
        self.assertIn(self.customer, self.env["res.partner"].search([("xero_overdue", "=", True)]))
        self.run_alerts()
        [activity] = self.alerts(order)
        self.assertEqual(activity.user_id, self.seller)
        self.assertIn("3 days overdue in Xero", activity.summary)

    def test_escalated_once_to_the_team_leader_after_the_days_set(self):
        self.connection.sudo().overdue_escalation_days = 5
        order = self.invoiced_order()
        self.days_pass(3)
        self.run_alerts()
        self.assertEqual(len(self.alerts(order)), 1)
        self.assertFalse(self.alerts(order, self.leader), "3 days: not escalated yet")

        self.days_pass(3)
        self.run_alerts()
        self.run_alerts()
        [escalated] = self.alerts(order, self.leader)
        self.assertTrue(escalated.summary.startswith(f"Escalated: {self.number(order)}: "))
        self.assertIn("6 days overdue in Xero", escalated.summary)
        self.assertIn("Sam Seller", str(escalated.note))
        self.assertEqual(len(self.alerts(order)), 2, "the salesperson's alert is not repeated")

        [document] = self.invoiced(order)
        self.pay(document)
        self.assertFalse(self.alerts(order).filtered("active"), "both done by the payment")

    def test_no_leader_or_the_salesperson_leading_is_said_in_the_chatter(self):
        self.connection.sudo().overdue_escalation_days = 2
        self.team.user_id = self.seller
        order = self.invoiced_order()
        self.due(order, days_ago=4)
        self.run_alerts()
        self.assertEqual(self.alerts(order).user_id, self.seller, "one activity, no second")
        note = order.message_ids.filtered(lambda m: "not escalated" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("the salesperson leads the sales team Builders' desk", note.body)
        self.run_alerts()
        note = order.message_ids.filtered(lambda m: "not escalated" in (m.body or ""))
        self.assertEqual(len(note), 1, "said once")

    def test_alerts_switched_off_raise_nothing(self):
        self.connection.sudo().overdue_alerts = False
        order = self.invoiced_order()
        self.due(order, days_ago=3)
        self.run_alerts()
        self.assertFalse(self.alerts(order))
        self.assertEqual(order.xero_payment_status, "overdue")


@tagged("post_install", "-at_install")
class TestOverdueWarningAndCreditHold(OverdueCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.overdue = self.invoiced_order()
        self.due(self.overdue, days_ago=10)
        self.plain_seller = new_test_user(
            self.env, "xero_overdue_plain_seller", groups=SELLER, name="Pat Plain"
        )
        self.manager = new_test_user(
            self.env,
            "xero_overdue_manager",
            groups=f"sales_team.group_sale_salesman_all_leads,{XERO_MANAGER}",
            name="Mona Manager",
        )
        self.amount = self.env.company.currency_id.format(228.85)

    def warning(self, model, user):
        """The warning a user gets choosing Ridgeway Builders on a new record of ``model``."""
        result = (
            self.env[model]
            .with_user(user)
            .onchange({"partner_id": self.customer.id}, ["partner_id"], {"partner_id": {}})
        )
        return result.get("warning")

    def test_quoting_or_an_opportunity_for_an_overdue_customer_warns(self):
        [invoice] = self.overdue.sudo().xero_invoice_ids
        for model in ("sale.order", "crm.lead"):
            warning = self.warning(model, self.seller)
            self.assertEqual(warning["title"], "Overdue in Xero")
            self.assertEqual(warning["type"], "notification", "no dialog to close")
            # which invoice, how late, and what to do
            self.assertIn(
                f"Ridgeway Builders owes {self.amount} overdue in Xero: {invoice.number}, 10 "
                f"days late ({self.amount}).",
                warning["message"],
            )
            self.assertIn("Ask them to pay before you promise more", warning["message"])
            # a salesperson without the Xero group is warned too, without Xero's amounts
            plain = self.warning(model, self.plain_seller)["message"]
            self.assertIn(
                f"Ridgeway Builders has overdue invoices in Xero: {invoice.number}, 10 days late.",
                plain,
            )
            self.assertNotIn("228.85", plain)
        # the company lets salespeople see Xero's figures: the amounts are in theirs
        self.connection.sudo().share_figures = True
        self.assertIn(self.amount, self.warning("sale.order", self.plain_seller)["message"])
        # a contact of the customer: the company's figure
        contact = self.env["res.partner"].create(
            {"name": "Rita", "parent_id": self.customer.id, "type": "contact"}
        )
        message = contact.with_user(self.seller)._xero_overdue_warning()
        self.assertIn(f"Ridgeway Builders owes {self.amount} overdue in Xero", message)
        # the quotation keeps saying it, to whoever opens it
        quote = self.order([(self.saw, 1)], confirm=False, user_id=self.plain_seller.id)
        self.assertIn(invoice.number, quote.with_user(self.plain_seller).xero_overdue_warning)
        quote.action_confirm()
        self.assertFalse(quote.xero_overdue_warning, "said while quoting only")

    def test_the_credit_hold_stops_confirming_until_a_xero_manager_approves(self):
        self.connection.sudo().write({"credit_hold": True, "credit_hold_threshold": 100.0})
        quote = self.order([(self.saw, 1)], confirm=False, user_id=self.seller.id)
        with self.assertRaises(UserError) as caught:
            quote.with_user(self.seller).action_confirm()
        message = str(caught.exception)
        self.assertIn(
            f"Ridgeway Builders owes {self.amount} overdue in Xero, above the credit hold of "
            f"{self.env.company.currency_id.format(100.0)}.",
            message,
        )
        self.assertIn("A Xero manager can approve this order (button Approve despite", message)
        self.assertEqual(quote.state, "draft")
        self.assertIn("owes", quote.with_user(self.seller).xero_credit_hold)

        # a salesperson without Xero access is told what to do, without the figure
        with self.assertRaises(UserError) as caught:
            quote.with_user(self.plain_seller).action_confirm()
        self.assertNotIn("228.85", str(caught.exception))
        self.assertIn("Approve despite overdue", str(caught.exception))

        # only a Xero manager approves
        for user in (self.seller, self.plain_seller):
            with self.assertRaises(AccessError):
                quote.with_user(user).action_xero_approve_credit_hold()
        self.assertFalse(quote.xero_credit_hold_approved_by)

        quote.with_user(self.manager).action_xero_approve_credit_hold()
        self.assertEqual(quote.xero_credit_hold_approved_by, self.manager)
        self.assertTrue(quote.xero_credit_hold_approved_on)
        logged = quote.message_ids[0]
        self.assertIn("Approved despite overdue invoices in Xero by Mona Manager", logged.body)
        self.assertEqual(logged.message_type, "notification", "logged, nobody notified")
        self.assertFalse(quote.with_user(self.seller).xero_credit_hold)

        quote.with_user(self.seller).action_confirm()
        self.assertEqual(quote.state, "sale")
        copy = quote.copy()
        self.assertFalse(copy.xero_credit_hold_approved_by, "a copy is approved anew")

    def test_below_the_threshold_or_without_the_hold_orders_confirm(self):
        quote = self.order([(self.saw, 1)], confirm=False, user_id=self.seller.id)
        self.assertFalse(quote.with_user(self.seller).xero_credit_hold, "the hold is off")
        self.connection.sudo().write({"credit_hold": True, "credit_hold_threshold": 500.0})
        quote.with_user(self.seller).action_confirm()
        self.assertEqual(quote.state, "sale")

    def test_an_order_confirmed_online_is_confirmed_and_says_so(self):
        self.connection.sudo().write({"credit_hold": True, "credit_hold_threshold": 0.0})
        quote = self.order([(self.saw, 1)], confirm=False, user_id=self.seller.id)
        quote.with_user(self.env.ref("base.public_user")).sudo().action_confirm()
        self.assertEqual(quote.state, "sale")
        self.assertTrue(
            quote.message_ids.filtered(
                lambda m: "Confirmed online despite the credit hold" in (m.body or "")
            )
        )


class PlainSellerCase(OverdueCase):
    """A salesperson without the Xero group selling to an overdue customer: Xero's
    statuses and invoice numbers are theirs; Xero's amounts are not, unless the company
    says so (Settings > Xero: Salespeople see Xero's figures)."""

    def setUp(self):
        super().setUp()
        self.plain_seller = new_test_user(
            self.env, "xero_figures_plain_seller", groups=SELLER, name="Pat Plain"
        )
        self.connection.sudo().payment_activity = "first"

    def plain_order(self):
        order = self.order([(self.drill, 1)], user_id=self.plain_seller.id, team_id=self.team.id)
        order.action_xero_invoice()
        self.run_until_settled()
        return order

    def said(self, order):
        """What the order's chatter and activities say, in plain text."""
        order.invalidate_recordset()
        activities = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search([("res_model", "=", "sale.order"), ("res_id", "=", order.id)])
        )
        texts = order.message_ids.mapped("body") + activities.mapped("note")
        texts += activities.mapped("summary")
        return " ".join(html2plaintext(text or "") for text in texts)


@tagged("post_install", "-at_install")
class TestFiguresForSalespeople(PlainSellerCase, TransactionCase):
    def test_notes_and_activities_carry_no_xero_amount_unless_the_company_says_so(self):
        order = self.plain_order()
        document = self.due(order, days_ago=3)
        self.run_alerts()
        self.pay(document, 100)
        said = self.said(order)
        number = self.number(order)
        # the order's own total is theirs; Xero's paid, due and overdue amounts are not
        self.assertIn(f"Xero invoice {number} created: {self.amount(228.85)}", said)
        self.assertIn(f"{number}: 3 days overdue in Xero", said)
        self.assertIn(f"Part payment received in Xero for {number}", said)
        self.assertIn(f"{order.name} has a first payment in Xero", said)
        for amount in (100.0, 128.85):
            self.assertNotIn(self.amount(amount), said)
        # the company shares Xero's figures: the next notes carry them
        self.connection.sudo().share_figures = True
        self.pay(document, 128.85)
        said = self.said(order)
        self.assertIn(f"{self.amount(128.85)} received in Xero for {number}", said)

    def test_the_company_shares_xero_s_figures_from_the_xero_settings(self):
        self.assertFalse(self.connection.share_figures, "off unless the company says so")
        self.env["res.config.settings"].create({"xero_share_figures": True}).execute()
        self.assertTrue(self.connection.share_figures)

    def test_a_xero_user_s_overdue_activity_carries_the_amount(self):
        order = self.invoiced_order()  # sold by a member of the Xero group
        self.due(order, days_ago=3)
        self.run_alerts()
        self.assertIn(self.amount(228.85), self.alerts(order).summary)

    def amount(self, value):
        return self.env.company.currency_id.format(value)


@tagged("post_install", "-at_install")
class TestSalespersonViewTour(PlainSellerCase, HttpCase):
    def test_a_salesperson_without_the_xero_group_sees_statuses_not_xero_figures(self):
        overdue = self.plain_order()
        document = self.due(overdue, days_ago=3)
        self.run_alerts()
        self.pay(document, 100)
        quote = self.order(
            [(self.saw, 1)], confirm=False, user_id=self.plain_seller.id, team_id=self.team.id
        )
        self.start_tour(
            f"/odoo/sales/{overdue.id}",
            "xero_connector_tests.plain_seller_sees_no_xero_figures",
            login="xero_figures_plain_seller",
        )
        self.start_tour(
            f"/odoo/sales/{quote.id}",
            "xero_connector_tests.plain_seller_is_warned_when_quoting",
            login="xero_figures_plain_seller",
        )
