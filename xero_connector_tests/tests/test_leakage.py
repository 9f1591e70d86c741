"""Revenue leakage (issue 24): won deals without an order, orders not invoiced in Xero,
invoices changed, voided or credited in Xero behind the order's back; one activity per
case for the salesperson, closed when the case is gone; revenue at risk on the Overview
and on the sales team's dashboard."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import html2plaintext

from .test_invoice_payments import PaymentCase
from .test_payment_alerts import SELLER, XERO_MANAGER, XERO_USER


class LeakageCase(PaymentCase):
    """Sam sells for the Builders' desk; a case is a case after 7 days."""

    def setUp(self):
        super().setUp()
        self.seller = new_test_user(
            self.env, "xero_leak_seller", groups=f"{SELLER},{XERO_USER}", name="Sam Seller"
        )
        self.team = self.env["crm.team"].create({"name": "Builders' desk"})
        self.connection.sudo().leakage_days = 7
        self.cases = self.env["xero.leakage.case"].sudo()
        self.kind = self.env.ref("xero_connector.mail_activity_type_xero_leakage")
        self.won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        self.run_until_settled()  # the products are items in Xero

    def sold(self, *lines, days=10, **values):
        """An order confirmed ``days`` ago by Sam."""
        values = {"user_id": self.seller.id, "team_id": self.team.id, **values}
        order = self.order(list(lines) or [(self.drill, 2)], **values)
        order.date_order = fields.Datetime.now() - timedelta(days=days)
        return order

    def invoiced_sold(self):
        order = self.sold()
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        return order, document

    def won_deal(self, revenue, days=10):
        lead = self.env["crm.lead"].create(
            {
                "name": "Workshop fit-out",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "user_id": self.seller.id,
                "team_id": self.team.id,
                "expected_revenue": revenue,
            }
        )
        lead.stage_id = self.won
        lead.date_closed = fields.Datetime.now() - timedelta(days=days)
        return lead

    def check(self):
        return self.cases._xero_check(self.connection)

    def activities(self, record, active=True):
        return (
            self.env["mail.activity"]
            .with_context(active_test=active)
            .search(
                [
                    ("res_model", "=", record._name),
                    ("res_id", "=", record.id),
                    ("activity_type_id", "=", self.kind.id),
                ]
            )
        )

    def accountant_changes_price(self, document, price):
        """The accountant edits the first line's price of the invoice in Xero."""
        lines = [dict(line) for line in document["LineItems"]]
        lines[0]["UnitAmount"] = price
        for key in ("LineAmount", "TaxAmount"):
            lines[0].pop(key, None)
        with self.sandbox.lock:
            self.books.save_document(
                "invoice", {"InvoiceID": document["InvoiceID"], "LineItems": lines}, "Accountant"
            )
        self.read_back()


@tagged("post_install", "-at_install")
class TestLeakageCases(LeakageCase, TransactionCase):
    def test_each_kind_of_case_is_found_once_with_its_amount_salesperson_and_age(self):
        lead = self.won_deal(1200.0)
        self.won_deal(900.0, days=3)  # won 3 days ago: not yet a case
        not_invoiced = self.sold(days=12)
        self.sold(days=3)  # confirmed 3 days ago: not yet a case
        delivered = self.sold(
            (self.product("LK-SVC", "Site survey", 80.0, invoice_policy="delivery"), 2)
        )
        changed, changed_doc = self.invoiced_sold()
        voided, voided_doc = self.invoiced_sold()
        credited, credited_doc = self.invoiced_sold()

        self.assertEqual(delivered.invoice_status, "no", "nothing delivered: nothing owed")
        delivered.order_line.qty_delivered = 1  # one survey done, not invoiced
        self.accountant_changes_price(changed_doc, 150.0)
        with self.sandbox.lock:
            self.books.save_document(
                "invoice", {"InvoiceID": voided_doc["InvoiceID"], "Status": "VOIDED"}, "Accountant"
            )
        self.credit(credited_doc, 50.0)
        self.read_back()

        calls = len(self.sandbox.calls)
        cases = self.check()
        self.cases.web_read_group([("state", "=", "open")], ["kind"], ["amount:sum"])
        self.assertEqual(len(self.sandbox.calls), calls, "the check and the report call no one")
        got = sorted(
            (c.kind, (c.order_id or c.lead_id).display_name, c.amount, c.user_id.login)
            for c in cases
        )
        login = self.seller.login
        # the drill costs 199.00 before its 15 % tax: 2 drills are 398.00 untaxed
        expected = sorted(
            [
                ("won_no_order", lead.display_name, 1200.0, login),
                ("not_invoiced", not_invoiced.name, 398.0, login),
                ("not_invoiced", delivered.name, 80.0, login),
                # Xero's total: 2 x 150.00 + 15 % = 345.00, Odoo sent 457.70
                ("mismatch", changed.name, 112.7, login),
                ("voided", voided.name, 398.0, login),
                ("credit", credited.name, 50.0, login),
            ]
        )
        self.assertEqual(got, expected)
        by_kind = {c.kind: c for c in cases if c.order_id != delivered}
        self.assertEqual(by_kind["won_no_order"].age, 10)
        self.assertEqual(by_kind["not_invoiced"].age, 12)
        self.assertIn("457.70", by_kind["mismatch"].detail)
        self.assertIn("345.00", by_kind["mismatch"].detail)
        self.assertIn(voided_doc["InvoiceNumber"], by_kind["voided"].detail)
        self.assertTrue(by_kind["credit"].credit_number)
        self.assertIn(by_kind["credit"].credit_number, by_kind["credit"].detail)
        self.assertEqual(by_kind["not_invoiced"].fix, "Create the invoice in Xero.")

        # a second check finds the same cases: nothing new, no second activity
        activities = self.env["mail.activity"].search([("activity_type_id", "=", self.kind.id)])
        self.assertEqual(len(activities), 6)
        self.assertEqual(activities.user_id, self.seller)
        self.assertEqual(self.check(), cases)
        self.assertEqual(len(self.cases.search([])), 6)
        self.assertEqual(
            self.env["mail.activity"].search([("activity_type_id", "=", self.kind.id)]),
            activities,
        )
        [on_lead] = self.activities(lead)
        self.assertEqual(on_lead.summary, "Revenue at risk: Won, no confirmed order")
        self.assertIn("1,200.00", html2plaintext(on_lead.note))

    def test_an_order_edited_after_its_invoice_no_longer_matches_it(self):
        order, document = self.invoiced_sold()
        self.pay(document)  # paid: Xero's invoice stays as it was sent
        self.read_back()
        order.order_line.price_unit = 209.0
        self.run_until_settled()
        [case] = self.check().filtered(lambda c: c.kind == "mismatch")
        self.assertEqual(case.order_id, order)
        self.assertEqual(case.amount, 20.0, "2 drills at 10.00 more")
        self.assertIn("no longer match", case.detail)

    def test_the_activity_is_raised_once_and_done_when_the_invoice_is_made(self):
        order = self.sold()
        [case] = self.check()
        [activity] = self.activities(order)
        self.assertEqual(case.activity_id, activity)
        self.assertEqual(activity.user_id, self.seller)
        self.check()
        self.assertEqual(self.activities(order), activity, "never twice for the same case")

        case.with_user(self.seller).action_fix()  # Create the invoice
        self.assertEqual(case.state, "solved")
        self.assertEqual(case.solved_on, self.connection._xero_today())
        self.assertFalse(self.activities(order), "its activity is done")
        self.assertTrue(self.activities(order, active=False))
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(str(document["Total"]), "457.70")
        self.assertFalse(self.check())

    def test_a_voided_invoice_invoiced_again_closes_its_case(self):
        order, document = self.invoiced_sold()
        with self.sandbox.lock:
            self.books.save_document(
                "invoice", {"InvoiceID": document["InvoiceID"], "Status": "VOIDED"}, "Accountant"
            )
        self.read_back()
        [case] = self.check()
        self.assertEqual(case.kind, "voided")
        self.assertEqual(case.fix, "Create the invoice in Xero again.")
        case.action_fix()
        self.run_until_settled()
        self.assertEqual(case.state, "solved")
        live = [d for d in self.invoiced(order) if d["Status"] == "AUTHORISED"]
        self.assertEqual(len(live), 1)

    def test_an_invoice_that_never_reached_xero_is_a_case_until_resynced(self):
        order = self.sold()
        order.action_xero_invoice()  # made in Odoo; the queue has not sent it
        [invoice] = order.sudo().xero_invoice_ids
        self.env.cr.execute(
            "UPDATE xero_order_invoice SET create_date = create_date - interval '9 days' "
            "WHERE id = %s",
            [invoice.id],
        )
        self.env.invalidate_all()
        [case] = self.check()
        self.assertEqual(
            (case.kind, case.order_invoice_id, case.amount), ("not_invoiced", invoice, 398.0)
        )
        self.assertTrue(case.unsent)
        self.assertIn("never reached Xero", case.detail)
        case.action_fix()  # Resync
        self.run_until_settled()
        self.assertEqual(len(self.invoiced(order)), 1)
        self.assertFalse(self.check())
        self.assertEqual(case.state, "solved")

    def test_a_case_that_comes_back_is_told_again(self):
        order = self.sold()
        [case] = self.check()
        order.action_xero_invoice()
        self.run_until_settled()
        self.check()
        self.assertEqual(case.state, "solved")
        [document] = self.invoiced(order)
        with self.sandbox.lock:
            self.books.save_document(
                "invoice", {"InvoiceID": document["InvoiceID"], "Status": "VOIDED"}, "Accountant"
            )
        self.read_back()
        [voided] = self.check()
        self.assertNotEqual(voided, case, "another case: the invoice was voided")
        self.assertEqual(len(self.activities(order)), 1)

    def test_revenue_at_risk_on_the_overview_and_the_team_dashboard(self):
        self.sold()
        self.sold(days=20)
        other = self.env["crm.team"].create({"name": "Counter"})
        self.sold(team_id=other.id)
        self.won_deal(500.0)
        self.check()
        connection = self.connection.with_user(self.env.user)
        self.assertEqual(connection.dashboard_at_risk, 398.0 * 3 + 500.0)
        self.assertEqual(connection.dashboard_at_risk_count, 4)
        self.assertEqual((self.team.xero_at_risk, self.team.xero_at_risk_count), (1296.0, 3))
        self.assertEqual((other.xero_at_risk, other.xero_at_risk_count), (398.0, 1))
        action = self.team.action_xero_open_leakage()
        self.assertEqual(self.env["xero.leakage.case"].search_count(action["domain"]), 3)

    def test_the_daily_cron_checks_every_organisation(self):
        order = self.sold()
        self.env.ref("xero_connector.ir_cron_xero_check_leakage").method_direct_trigger()
        [case] = self.cases.search([])
        self.assertEqual(case.order_id, order)


@tagged("post_install", "-at_install")
class TestLeakageAccess(LeakageCase, TransactionCase):
    def test_amounts_for_the_xero_group_only(self):
        plain = new_test_user(self.env, "xero_leak_plain", groups=SELLER, name="Pat Plain")
        order = self.sold(user_id=plain.id)
        [case] = self.check()
        with self.assertRaises(AccessError):
            self.env["xero.leakage.case"].with_user(plain).search([]).read(["amount"])
        with self.assertRaises(AccessError):
            self.connection.with_user(plain).read(["dashboard_at_risk"])
        # Pat is told what is wrong and how to fix it, not Xero's figures
        [activity] = self.activities(order)
        note = html2plaintext(activity.note)
        self.assertIn("not (fully) invoiced", note)
        self.assertNotIn("398.00", note)
        # a Xero user reads the case and its amount
        seen = self.env["xero.leakage.case"].with_user(self.seller).search([])
        self.assertEqual(seen, case)
        self.assertEqual(seen.amount, 398.0)

    def test_check_now_is_for_managers(self):
        self.sold()
        with self.assertRaises(AccessError):
            self.env["xero.leakage.case"].with_user(self.seller).action_xero_check_now()
        manager = new_test_user(
            self.env, "xero_leak_manager", groups=f"{SELLER},{XERO_MANAGER}", name="Max Manager"
        )
        self.env["xero.leakage.case"].with_user(manager).action_xero_check_now()
        self.assertEqual(len(self.cases.search([])), 1)


@tagged("post_install", "-at_install")
class TestLeakageTour(LeakageCase, HttpCase):
    def test_a_sales_manager_creates_the_missing_invoice_from_the_report(self):
        manager = new_test_user(
            self.env,
            "xero_leak_boss",
            groups=f"sales_team.group_sale_manager,{XERO_USER}",
            name="Bea Boss",
        )
        order = self.sold()
        self.check()
        self.start_tour(
            "/odoo/sales", "xero_connector_tests.xero_leakage_report", login=manager.login
        )
        self.assertEqual(len(order.sudo().xero_invoice_ids), 1, "the invoice was made")
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(str(document["Total"]), "457.70")
        [case] = self.cases.search([])
        self.assertEqual(case.state, "solved")
