"""Burn and runway (issue 25): Xero's Executive Summary read once a day, a month a row,
against a ledger planted in the sandbox and figured by hand; the calls it costs; a
consent without reports; who sees it; the daily cron for each organisation."""

from datetime import timedelta

import requests
from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.xero_connector.const import SCOPES

from .common import XeroSandboxMixin

REPORT = "get_report_executive_summary"
# the cached rows, in the report's order
ROWS = (
    "cash_received",
    "cash_spent",
    "cash_surplus",
    "bank_balance",
    "income",
    "direct_costs",
    "gross_profit",
    "other_income",
    "expenses",
    "net_profit",
)
RECONNECT = "Reconnect to Xero to allow reports"


class BurnCase(XeroSandboxMixin):
    def setUp(self):
        super().setUp()
        self.summaries = self.env["xero.executive.summary"]
        self.cron = self.env.ref("xero_connector.ir_cron_xero_executive_summary")

    def connect(self, scopes=SCOPES, tenant=0, connection=None):
        """Connected after a consent to ``scopes`` (by default, what Connect asks for)."""
        tenant_id = self.sandbox.tenant(tenant).tenant_id
        connection = (connection or self.connection).sudo()
        wizard = self.env["xero.connect"].create({"connection_id": connection.id})
        connection._xero_store_tokens(self.sandbox.connect([tenant_id], scopes=scopes))
        if wizard._xero_offer_tenants():
            wizard._xero_use(wizard.tenant_ids.filtered(lambda t: t.xero_tenant_id == tenant_id))
        return connection

    def report_calls(self, connection=None):
        """The Executive Summary calls in the addon's sync log."""
        return self.env["xero.sync.log"].search_count(
            [
                ("connection_id", "=", (connection or self.connection).id),
                ("operation", "=", REPORT),
            ]
        )

    def months_of(self, connection=None):
        return {
            summary.month: summary
            for summary in self.summaries.search(
                [("connection_id", "=", (connection or self.connection).id)]
            )
        }

    def run_cron(self):
        result = self.cron.method_direct_trigger()
        if isinstance(result, dict) and result.get("type") == "ir.actions.client":
            self.fail(f"the cron failed: {result['params']}")
        self.env.invalidate_all()


class LedgerCase(BurnCase):
    """Kauri Tools with its seeded documents gone, and a ledger of five months planted
    as the accountant would enter it (through the sandbox's admin routes)."""

    def setUp(self):
        super().setUp()
        self.books = self.sandbox.tenant(0).books
        with self.sandbox.lock:
            for store in (
                self.books.invoices,
                self.books.credit_notes,
                self.books.payments,
                self.books.bank_transactions,
                self.books.overpayments,
                self.books.prepayments,
                self.books.repeating_invoices,
            ):
                store.clear()
        self.tenant_id = self.sandbox.tenant(0).tenant_id
        self.contact_id = next(
            c["ContactID"] for c in self.books.contacts.values() if c["Name"] == "Ridgeway Builders"
        )
        self.bills = 0

    def month(self, back):
        """The first day of the month ``back`` months before today's."""
        return self.today.replace(day=1) - relativedelta(months=back)

    def admin(self, path, body):
        answer = requests.post(
            f"{self.sandbox.urls['admin']}/tenants/{self.tenant_id}/{path}", json=body, timeout=30
        )
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()

    def line(self, amount, code):
        return {"Description": "Work", "Quantity": 1, "UnitAmount": amount, "AccountCode": code}

    def document(self, kind, day, amount, code):
        """An approved sale (ACCREC) or bill (ACCPAY) of one line, taxed at the
        account's rate (15 % GST on 200, 310 and 429)."""
        body = {
            "Type": kind,
            "Contact": {"ContactID": self.contact_id},
            "Status": "AUTHORISED",
            "Date": day.isoformat(),
            "DueDate": (day + timedelta(days=20)).isoformat(),
            "LineItems": [self.line(amount, code)],
        }
        if kind == "ACCPAY":
            self.bills += 1
            body["InvoiceNumber"] = f"BURN-{self.bills}"
        return self.admin("invoices", body)["InvoiceID"]

    def pay(self, invoice_id, amount, day):
        self.admin(
            "payments", {"invoice_id": invoice_id, "amount": amount, "date": day.isoformat()}
        )

    def bank(self, kind, day, amount, code):
        """Money received (RECEIVE) or spent (SPEND) through the bank account 090."""
        self.admin(
            "bank-transactions",
            {
                "Type": kind,
                "Contact": {"ContactID": self.contact_id},
                "BankAccount": {"Code": "090"},
                "Date": day.isoformat(),
                "LineItems": [self.line(amount, code)],
            },
        )

    def plant_ledger(self):
        """Five months, by hand (tax 15 % on sales 200, costs 310 and expenses 429):

        - M-4: the owner puts 5,000.00 in (interest income 270, no tax): the bank only;
        - M-3: a sale of 1,000 (1,150) paid; a bill of 400 (460) paid; spent 200 (230);
        - M-2: a sale of 500 (575) paid next month; a bill of 800 (920) paid; spent 300 (345);
        - M-1: that sale paid (575); a bill of 600 (690) paid; spent 1,000 (1,150); a sale
          of 200 (230) unpaid;
        - M (today's month): a sale of 300 (345), 100 of it paid; spent 50 (57.50).
        """
        self.bank("RECEIVE", self.month(4), 5000, "270")
        m3, m2, m1, m0 = (self.month(n) for n in (3, 2, 1, 0))
        self.pay(self.document("ACCREC", m3, 1000, "200"), 1150, m3)
        self.pay(self.document("ACCPAY", m3, 400, "310"), 460, m3)
        self.bank("SPEND", m3, 200, "429")
        late_sale = self.document("ACCREC", m2, 500, "200")
        self.pay(self.document("ACCPAY", m2, 800, "310"), 920, m2)
        self.bank("SPEND", m2, 300, "429")
        self.pay(late_sale, 575, m1)
        self.pay(self.document("ACCPAY", m1, 600, "310"), 690, m1)
        self.bank("SPEND", m1, 1000, "429")
        self.document("ACCREC", m1, 200, "200")
        self.pay(self.document("ACCREC", m0, 300, "200"), 100, m0)
        self.bank("SPEND", m0, 50, "429")

    def assertRows(self, summary, *expected):
        self.assertEqual(
            [summary[name] for name in ROWS], list(expected), summary._xero_month_label()
        )


@tagged("post_install", "-at_install")
class TestExecutiveSummary(LedgerCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.connect()
        self.today = self.connection._xero_today()
        self.plant_ledger()

    def test_the_months_are_xeros_rows_and_burn_and_runway_follow_by_hand(self):
        calls = self.summaries._xero_refresh(self.connection, today=self.today)
        self.assertEqual(calls, 2, "today (this month and the last), then the two before")
        self.assertEqual(self.report_calls(), 2)
        self.assertEqual(len(self.sandbox.calls_to("/Reports/ExecutiveSummary")), 2)
        months = self.months_of()
        self.assertEqual(set(months), {self.month(n) for n in range(4)})
        # received, spent, surplus, bank; income, direct costs, gross, other, expenses, net
        # M-3: 1,150 in; 460 + 230 out; the bank 5,000 + 460
        self.assertRows(months[self.month(3)], 1150, 690, 460, 5460, 1000, 400, 600, 0, 200, 400)
        # M-2: nothing in; 920 + 345 out
        self.assertRows(months[self.month(2)], 0, 1265, -1265, 4195, 500, 800, -300, 0, 300, -600)
        # M-1: 575 in; 690 + 1,150 out; the unpaid sale counts as income
        self.assertRows(
            months[self.month(1)], 575, 1840, -1265, 2930, 200, 600, -400, 0, 1000, -1400
        )
        # M: 100 in; 57.50 out
        self.assertRows(months[self.month(0)], 100, 57.5, 42.5, 2972.5, 300, 0, 300, 0, 50, 250)
        nzd = self.env.ref("base.NZD")
        self.assertEqual(set(self.summaries.search([]).currency_id), {nzd}, "the base currency")
        self.assertEqual(self.connection.company_id, months[self.month(0)].company_id)

        connection = self.connection
        connection.invalidate_recordset()
        # burn: (690 - 1,150 + 1,265 - 0 + 1,840 - 575) / 3 = 2,070 / 3
        self.assertEqual(connection.burn_amount, 690.0)
        # runway: this month's closing balance / burn = 2,972.50 / 690 = 4.31 months
        self.assertEqual(connection.burn_runway, 4.3)
        self.assertFalse(connection.burn_cash_positive)
        self.assertEqual(connection.burn_currency_id, nzd)
        self.assertEqual(connection.burn_month, self.month(0))
        self.assertEqual(
            (connection.burn_income, connection.burn_gross_profit, connection.burn_net_profit),
            (300.0, 300.0, 250.0),
        )
        self.assertEqual(connection.burn_bank_balance, 2972.5)
        self.assertFalse(connection.burn_notice)
        self.assertFalse(connection.burn_needs_consent)

    def test_a_day_later_one_call_rereads_this_month_and_the_last_only(self):
        self.summaries._xero_refresh(self.connection, today=self.today)
        months = self.months_of()
        final_reads = {n: months[self.month(n)].read_at for n in (2, 3)}
        # the accountant enters two expenses late: 100 (115) dated last month and 50
        # (57.50) dated three months ago
        self.bank("SPEND", self.month(1), 100, "429")
        self.bank("SPEND", self.month(3), 50, "429")
        calls = self.summaries._xero_refresh(self.connection, today=self.today)
        self.assertEqual(calls, 1, "the same day: today's call only")
        self.assertEqual(self.report_calls(), 3)
        months = self.months_of()
        # M-1 read again: 1,840 + 115 out; the bank 2,930 - 115 - 57.50; expenses 1,100
        self.assertRows(
            months[self.month(1)], 575, 1955, -1380, 2757.5, 200, 600, -400, 0, 1100, -1500
        )
        # M read again: its closing balance 2,972.50 - 172.50
        self.assertRows(months[self.month(0)], 100, 57.5, 42.5, 2800, 300, 0, 300, 0, 50, 250)
        # M-3 and M-2 are final: kept as first read
        self.assertRows(months[self.month(3)], 1150, 690, 460, 5460, 1000, 400, 600, 0, 200, 400)
        self.assertEqual(months[self.month(3)].period, "final")
        self.assertEqual(months[self.month(1)].period, "previous")
        self.assertEqual(months[self.month(0)].period, "current")
        for back, read_at in final_reads.items():
            self.assertEqual(months[self.month(back)].read_at, read_at)
        connection = self.connection
        connection.invalidate_recordset()
        # burn: (690 - 1,150 + 1,265 + 1,955 - 575) / 3 = 2,185 / 3 = 728.33
        self.assertEqual(connection.burn_amount, 728.33)
        # runway: 2,800 / 728.33 = 3.84 months
        self.assertEqual(connection.burn_runway, 3.8)

        self.assertEqual(
            self.summaries._xero_refresh(self.connection, today=self.today + timedelta(days=1)),
            1,
            "the next day: one call",
        )
        self.assertEqual(self.report_calls(), 4)

    def test_a_manager_refreshes_from_the_overview(self):
        action = self.connection.action_xero_refresh_summary()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("(2 calls)", action["params"]["message"])
        self.assertEqual(len(self.months_of()), 4)
        action = self.connection.action_xero_refresh_summary()
        self.assertIn("(1 calls)", action["params"]["message"])
        listed = self.connection.action_xero_open_summaries()
        self.assertEqual(listed["res_model"], "xero.executive.summary")
        self.assertEqual(self.summaries.search(listed["domain"]), self.summaries.search([]))

    def test_cash_positive_has_no_runway(self):
        # a large sale paid last month: more came in than went out over the three months
        self.pay(self.document("ACCREC", self.month(1), 10000, "200"), 11500, self.month(1))
        self.summaries._xero_refresh(self.connection, today=self.today)
        connection = self.connection
        connection.invalidate_recordset()
        self.assertEqual(connection.burn_amount, 0.0)
        self.assertTrue(connection.burn_cash_positive)
        self.assertEqual(connection.burn_runway, 0.0)


@tagged("post_install", "-at_install")
class TestReportsNotAllowed(BurnCase, TransactionCase):
    """A connection authorised before the addon read reports: a message on the Overview,
    nothing read, nothing raised, the rest of the sync as before."""

    def setUp(self):
        super().setUp()
        self.connect_sandbox()  # the consent of earlier versions: no reports scope

    def test_the_overview_asks_to_reconnect_and_nothing_is_read(self):
        self.assertEqual(self.summaries._xero_refresh(self.connection), 0)
        self.run_cron()
        self.assertEqual(self.report_calls(), 0)
        self.assertFalse(self.sandbox.calls_to("/Reports/ExecutiveSummary"))
        self.assertFalse(self.months_of())
        connection = self.connection
        self.assertEqual(connection.state, "connected")
        self.assertTrue(connection.burn_needs_consent)
        self.assertIn(RECONNECT, connection.burn_notice)
        self.assertFalse(connection.burn_month)
        action = connection.action_xero_refresh_summary()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(RECONNECT, action["params"]["message"])
        # the rest of the sync goes on
        self.assertTrue(connection._xero_call("get_organisations").organisations)
        # reconnecting with what Connect asks for now allows reports
        self.connect()
        connection.invalidate_recordset()
        self.assertFalse(connection.burn_needs_consent)
        self.assertEqual(self.summaries._xero_refresh(connection), 2)
        self.assertEqual(len(self.months_of()), 4)

    def test_xero_refusing_the_report_leaves_the_connection_alone(self):
        # the token says reports are allowed, Xero refuses them (its user may not see
        # reports, say): the refusal is kept for the Overview, the sync goes on
        self.connection.sudo().token_scope += f" {SCOPES[-1]}"
        self.run_cron()
        connection = self.connection
        self.assertEqual(connection.state, "connected")
        self.assertIn("AuthorizationUnsuccessful", connection.burn_error)
        self.assertFalse(self.months_of())
        self.assertEqual(self.report_calls(), 1)
        # the renewed token tells the scope is missing: reconnect
        self.assertIn(RECONNECT, connection.burn_notice)
        self.assertTrue(connection._xero_call("get_organisations").organisations)


@tagged("post_install", "-at_install")
class TestBurnAccess(BurnCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.connect()
        self.summaries._xero_refresh(self.connection)
        self.xero_user = new_test_user(
            self.env,
            "burn_xero_user",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        self.manager = new_test_user(
            self.env,
            "burn_xero_manager",
            groups="sales_team.group_sale_manager,xero_connector.group_xero_manager",
        )

    def test_managers_read_burn_and_runway_xero_users_do_not(self):
        burn_fields = ["burn_amount", "burn_runway", "burn_income", "burn_net_profit"]
        connection = self.connection.with_user(self.manager)
        self.assertEqual(len(connection.read(burn_fields)), 1)
        self.assertEqual(len(self.summaries.with_user(self.manager).search([])), 4)
        kanban = connection.get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn("burn_amount", kanban)
        self.assertIn("action_xero_refresh_summary", kanban)

        theirs = self.connection.with_user(self.xero_user)
        self.assertTrue(theirs.read(["state"]), "they see the connection")
        with self.assertRaises(AccessError):
            theirs.read(["burn_amount"])
        with self.assertRaises(AccessError):
            self.summaries.with_user(self.xero_user).search([])
        with self.assertRaises(AccessError):
            theirs.action_xero_refresh_summary()
        kanban = theirs.get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        self.assertNotIn("burn_amount", kanban)
        self.assertNotIn("action_xero_refresh_summary", kanban)


@tagged("post_install", "-at_install")
class TestBurnCron(BurnCase, TransactionCase):
    def test_the_cron_reads_each_connected_organisation_once_a_day(self):
        self.connect()
        second = self.env["res.company"].create({"name": "Burn Second Ltd"})
        theirs = second._xero_connection().sudo()
        theirs.write(
            {
                "mode": "sandbox",
                "sandbox_url": self.sandbox.base_url,
                "client_id": self.sandbox.app.client_id,
                "client_secret": self.sandbox.app.client_secret,
            }
        )
        self.connect(tenant=1, connection=theirs)
        self.run_cron()
        for connection, currency in ((self.connection, "NZD"), (theirs, "GBP")):
            today = connection._xero_today()
            months = self.months_of(connection)
            wanted = {today.replace(day=1) - relativedelta(months=n) for n in range(4)}
            self.assertEqual(set(months), wanted, connection.name)
            self.assertEqual(self.report_calls(connection), 2, connection.name)
            self.assertEqual({s.currency_id.name for s in months.values()}, {currency})
            self.assertEqual(months[today.replace(day=1)].company_id, connection.company_id)
        tenants = {call["tenant"] for call in self.sandbox.calls_to("/Reports/ExecutiveSummary")}
        self.assertEqual(tenants, {self.sandbox.tenant(0).tenant_id, theirs.tenant_id})
        # run again the same day: each organisation was read today
        self.run_cron()
        self.assertEqual(self.report_calls(self.connection) + self.report_calls(theirs), 4)
