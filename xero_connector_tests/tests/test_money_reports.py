"""Money in the CRM (issue 25): lifetime value by lead source, the most profitable
customers, the cash-flow forecast and its backtest, the monthly goal and receivables
beside the pipeline — each figure against values computed by hand from one fixed data
set planted in Xero (the sandbox) and read back by the poll."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .test_invoice_payments import PaymentCase
from .test_payment_alerts import SELLER, XERO_USER
from .test_subscriptions import SubscriptionCase

ACCOUNTANT = "Accountant"


class MoneyCase(PaymentCase):
    """Kauri Tools (USD) and five customers of Sam's team, "Money desk":

    - Acme: won from the web (campaign Spring, cost 300.00); A1 115.00 (100.00 + 15 %
      tax) paid 10 days late; A2 230.00 credited 23.00, paid 100.00, 107.00 overdue.
    - Birch: won by referral; B1 NZD 320.00 at 1.6 (200.00) paid on its due date; a
      credit note of NZD 80.00 refunded (50.00).
    - Cedar: no opportunity, no source; an Odoo order of 4 x 50.00 (cost 30.00), 230.00
      with tax, paid today.
    - Dune: source Fair on its first order; D1 and D2 100.00 each paid 20 days late; D3
      300.00 open; an opportunity of 1,000.00 at 40 % closing in 14 days, 30 days' terms.
    - Elm: no history; E1 50.00 open, E2 80.00 open, promised for day 40.
    """

    def setUp(self):
        super().setUp()
        self.today = fields.Date.context_today(self.env.user)
        self.seller = new_test_user(
            self.env, "xero_money_seller", groups=f"{SELLER},{XERO_USER}", name="Sam Seller"
        )
        self.team = self.env["crm.team"].create(
            {
                "name": "Money desk",
                "invoiced_target": 1000.0,
                "crm_team_member_ids": [Command.create({"user_id": self.seller.id})],
            }
        )
        utm = self.env["utm.source"]
        self.web, self.referral, self.fair = (
            utm.create({"name": name}) for name in ("Web (test)", "Referral (test)", "Fair (test)")
        )
        self.email = self.env["utm.medium"].create({"name": "Email (test)"})
        self.spring = self.env["utm.campaign"].create({"name": "Spring (test)", "xero_cost": 300})
        names = ("Acme", "Birch", "Cedar", "Dune", "Elm")
        self.acme, self.birch, self.cedar, self.dune, self.elm = (
            self.env["res.partner"].create(
                {"name": f"{name} (money)", "customer_rank": 1, "user_id": self.seller.id}
            )
            for name in names
        )
        self.run_until_settled()  # the customers and the products are in Xero

    # ------------------------------------------------------------------ the data set

    def day(self, offset):
        return self.today + timedelta(days=offset)

    def accountant_made(self, kind, partner, offset, amount, tax="NONE", **values):
        """An approved invoice or credit note (``kind``) the accountant made in Xero
        (not from Odoo), dated ``offset`` days from today, of one line."""
        line = {"Quantity": 1, "UnitAmount": amount, "AccountCode": "200", "TaxType": tax}
        with self.sandbox.lock:
            return self.books.save_document(
                kind,
                {
                    "Type": "ACCREC" if kind == "invoice" else "ACCRECCREDIT",
                    "Contact": {"ContactID": self.link_of(partner).xero_id},
                    "Date": self.day(offset).isoformat(),
                    "Status": "AUTHORISED",
                    "LineItems": [line | {"Description": f"Work ({kind})"}],
                    **values,
                },
                ACCOUNTANT,
            )

    def planted_invoice(self, partner, offset, due, amount, tax="NONE", **values):
        return self.accountant_made(
            "invoice", partner, offset, amount, tax, DueDate=self.day(due).isoformat(), **values
        )

    def credit_note(self, partner, amount, offset, **values):
        return self.accountant_made("credit", partner, offset, amount, **values)

    def paid(self, document, amount, offset):
        """The accountant records a payment of the invoice, or a refund of the credit."""
        key, id_key = ("CreditNote", "CreditNoteID")
        if "InvoiceID" in document:
            key, id_key = ("Invoice", "InvoiceID")
        with self.sandbox.lock:
            return self.books.create_payment(
                {
                    key: {id_key: document[id_key]},
                    "Account": {"Code": "090"},
                    "Date": self.day(offset).isoformat(),
                    "Amount": amount,
                },
                ACCOUNTANT,
            )

    def won(self, partner, source, offset, medium=None, campaign=None):
        lead = self.env["crm.lead"].create(
            {
                "name": f"Deal of {partner.name}",
                "type": "opportunity",
                "partner_id": partner.id,
                "user_id": self.seller.id,
                "team_id": self.team.id,
                "source_id": source.id,
                "medium_id": medium and medium.id,
                "campaign_id": campaign and campaign.id,
            }
        )
        lead.action_set_won()
        self.created_on(lead, offset)
        return lead

    def created_on(self, record, offset):
        record.flush_recordset()
        self.env.cr.execute(
            f"UPDATE {record._table} SET create_date = %s WHERE id = %s",
            (self.day(offset), record.id),
        )
        record.invalidate_recordset(["create_date"])

    def plant(self):
        """The data set of the class's docstring, read back from Xero by the poll."""
        self.won(self.acme, self.web, -300, medium=self.email, campaign=self.spring)
        a1 = self.planted_invoice(self.acme, -240, -210, 100.0, tax="OUTPUT2")
        self.paid(a1, 115.0, -200)
        self.a2 = self.planted_invoice(self.acme, -100, -70, 200.0, tax="OUTPUT2")
        credit = self.credit_note(self.acme, 23.0, -65)
        with self.sandbox.lock:
            self.books.allocate_credit(
                credit,
                {"Amount": 23.0, "Invoice": {"InvoiceID": self.a2["InvoiceID"]}},
                ACCOUNTANT,
            )
        self.paid(self.a2, 100.0, -60)

        self.won(self.birch, self.referral, -150)
        nzd = {"CurrencyCode": "NZD", "CurrencyRate": 1.6}
        b1 = self.planted_invoice(self.birch, -120, -90, 320.0, **nzd)
        self.paid(b1, 320.0, -90)
        refund = self.credit_note(self.birch, 80.0, -30, **nzd)
        self.paid(refund, 80.0, -20)

        product = self.product("MONEY-CST", "Costed kit", 50.0)
        product.standard_price = 30.0
        order = self.order([(product, 4)], partner=self.cedar, user_id=self.seller.id)
        order.team_id = self.team
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.paid(document, 230.0, 0)

        self.order(
            [(product, 1)],
            partner=self.dune,
            source_id=self.fair.id,
            team_id=self.team.id,
            user_id=self.seller.id,
        )
        self.created_on(self.dune, -200)
        d1 = self.planted_invoice(self.dune, -150, -120, 100.0)
        self.paid(d1, 100.0, -100)
        d2 = self.planted_invoice(self.dune, -120, -90, 100.0)
        self.paid(d2, 100.0, -70)
        self.planted_invoice(self.dune, -20, 10, 300.0)
        self.dune.property_payment_term_id = self.env.ref("account.account_payment_term_30days")
        self.deal = self.env["crm.lead"].create(
            {
                "name": "Dune extension",
                "type": "opportunity",
                "partner_id": self.dune.id,
                "user_id": self.seller.id,
                "team_id": self.team.id,
                "expected_revenue": 1000.0,
                "probability": 40.0,
                "date_deadline": self.day(14),
            }
        )
        self.env["crm.lead"].create(  # no expected closing date: not forecast
            {
                "name": "Dune someday",
                "type": "opportunity",
                "partner_id": self.dune.id,
                "team_id": self.team.id,
                "expected_revenue": 500.0,
                "probability": 10.0,
            }
        )
        self.planted_invoice(self.elm, -10, 5, 50.0)
        self.planted_invoice(self.elm, -5, 25, 80.0, ExpectedPaymentDate=self.day(40).isoformat())
        self.read_back()
        self.read_back()  # the invoices whose payments the poll saw, read whole

    def value_of(self, partner):
        return self.env["xero.customer.value"].search([("partner_id", "=", partner.id)])


@tagged("post_install", "-at_install")
class TestMoneyReports(MoneyCase, TransactionCase):
    def test_lifetime_value_per_customer_and_by_source(self):
        self.plant()
        calls = len(self.sandbox.calls)
        rows = {
            row.partner_id: row
            for row in self.env["xero.customer.value"].search(
                [
                    (
                        "partner_id",
                        "in",
                        (self.acme | self.birch | self.cedar | self.dune | self.elm).ids,
                    )
                ]
            )
        }
        got = {
            partner.name: (
                row.paid,
                row.refunded,
                row.credited,
                row.receivable,
                row.revenue,
                row.cost,
                row.margin,
                row.source_id.name or "unknown",
                row.first_payment and (row.first_payment - self.today).days,
                row.days_to_pay,
            )
            for partner, row in rows.items()
        }
        self.assertEqual(
            got,
            {
                # 115.00 + 100.00; revenue 100.00 + 100.00 x 200/230
                "Acme (money)": (
                    215.0,
                    0.0,
                    23.0,
                    107.0,
                    186.96,
                    0.0,
                    186.96,
                    "Web (test)",
                    -200,
                    100.0,
                ),
                # NZD 320.00 at 1.6, less NZD 80.00 refunded
                "Birch (money)": (
                    150.0,
                    50.0,
                    0.0,
                    0.0,
                    150.0,
                    0.0,
                    150.0,
                    "Referral (test)",
                    -90,
                    60.0,
                ),
                # 4 x 50.00 + 15 %; 4 x 30.00 of cost
                "Cedar (money)": (230.0, 0.0, 0.0, 0.0, 200.0, 120.0, 80.0, "unknown", 0, 0.0),
                "Dune (money)": (
                    200.0,
                    0.0,
                    0.0,
                    300.0,
                    200.0,
                    0.0,
                    200.0,
                    "Fair (test)",
                    -100,
                    100.0,
                ),
                "Elm (money)": (0.0, 0.0, 0.0, 130.0, 0.0, 0.0, 0.0, "unknown", False, 0.0),
            },
        )
        acme = rows[self.acme]
        self.assertEqual((acme.medium_id, acme.campaign_id), (self.email, self.spring))
        self.assertEqual((acme.user_id, rows[self.cedar].team_id), (self.seller, self.team))
        # the most profitable first; each one's share of the company's revenue and margin
        # (the organisation's own customers count too)
        everyone = self.env["xero.customer.value"].search([])
        revenue, margin = sum(everyone.mapped("revenue")), sum(everyone.mapped("margin"))
        for partner, row in rows.items():
            self.assertAlmostEqual(row.revenue_share, 100 * row.revenue / revenue, 2, partner.name)
            self.assertAlmostEqual(row.margin_share, 100 * row.margin / margin, 2, partner.name)
        ranked = sorted(rows.items(), key=lambda item: item[1].margin_rank)
        self.assertEqual(
            [partner for partner, _row in ranked],
            [self.dune, self.acme, self.birch, self.cedar, self.elm],  # 200, 186.96, 150, 80, 0
        )
        self.assertEqual(everyone.sorted("margin_rank")[:1].margin, max(everyone.mapped("margin")))

        by_source = {
            (row.source_id.name or "unknown"): (
                row.customer_count,
                row.paid,
                row.average_paid,
                row.median_paid,
                row.days_to_pay,
                row.cost,
                row.cost_per_customer,
                round(row.return_percent, 2),
            )
            for row in self.env["xero.source.value"].search([])
        }
        self.assertEqual(
            by_source["Web (test)"], (1, 215.0, 215.0, 215.0, 100.0, 300.0, 300.0, -28.33)
        )
        self.assertEqual(
            by_source["Referral (test)"], (1, 150.0, 150.0, 150.0, 60.0, 0.0, 0.0, 0.0)
        )
        self.assertEqual(by_source["Fair (test)"], (1, 200.0, 200.0, 200.0, 100.0, 0.0, 0.0, 0.0))
        # the pivot by source, as the report opens
        groups = self.env["xero.customer.value"].formatted_read_group(
            [("partner_id", "in", [p.id for p in rows])], ["source_id"], ["paid:sum", "__count"]
        )
        self.assertEqual(
            {
                (g["source_id"] and g["source_id"][1]) or "unknown": (g["__count"], g["paid:sum"])
                for g in groups
            },
            {
                "Web (test)": (1, 215.0),
                "Referral (test)": (1, 150.0),
                "Fair (test)": (1, 200.0),
                "unknown": (2, 230.0),
            },
        )
        self.assertEqual(len(self.sandbox.calls), calls, "the reports call no one")

    def test_forecast_by_lateness_promise_pipeline_and_its_backtest(self):
        self.plant()
        rows = self.env["xero.cash.forecast"].search([("partner_id", "!=", False)])
        got = sorted(
            (row.kind, row.partner_id.name, (row.date - self.today).days, row.amount, row.days_late)
            for row in rows
            if row.partner_id in (self.acme | self.birch | self.cedar | self.dune | self.elm)
        )
        self.assertEqual(
            got,
            [
                # A2: due 70 days ago + Acme's 10 days late: past, so this week
                ("invoice", "Acme (money)", 0, 107.0, 10),
                # D3: due in 10 days + Dune's 20
                ("invoice", "Dune (money)", 30, 300.0, 20),
                # E1: due in 5 days + the company's 9.2 days late, rounded (A1 10, B1 0,
                # D1 and D2 20, and the organisation's own INV-0002, paid 4 days early)
                ("invoice", "Elm (money)", 14, 50.0, 9),
                # E2: promised for day 40
                ("invoice", "Elm (money)", 40, 80.0, 9),
                # closing in 14 days + 30 days' terms + 20 days late; 1,000.00 x 40 %
                ("pipeline", "Dune (money)", 64, 400.0, 20),
            ],
        )
        weeks = self.env["xero.cash.forecast"].formatted_read_group(
            [("partner_id", "in", (self.acme | self.dune | self.elm).ids)],
            ["kind"],
            ["amount:sum"],
        )
        self.assertEqual(
            {g["kind"]: g["amount:sum"] for g in weeks}, {"invoice": 537.0, "pipeline": 400.0}
        )
        # a quarter ago (day -91): B1 200.00 due -90 (+15, the average then) -> week 2,
        # D2 100.00 due -90 (+20) -> week 3, A2 230.00 due -70 (+10) -> week 4; received
        # 200.00 in week 0, 100.00 in week 2, 100.00 in week 4 (the credit is no money)
        backtest = self.env["xero.cash.forecast"]._xero_backtest(self.env.company, self.today)
        self.assertEqual(
            backtest,
            {"as_of": self.day(-91), "expected": 530.0, "received": 400.0, "error": 132.5},
        )

    def test_receivables_beside_the_pipeline_and_the_monthly_goal(self):
        self.plant()
        money = self.env["xero.sales.money"].search(
            [("team_id", "=", self.team.id), ("user_id", "=", self.seller.id)]
        )
        self.assertEqual(
            (
                money.receivable,
                money.overdue,
                money.paid_month,
                money.pipeline,
                money.pipeline_weighted,
            ),
            # A2 107.00 (overdue), D3 300.00, E1 50.00, E2 80.00; Cedar's 230.00 today
            (537.0, 107.0, 230.0, 1000.0, 400.0),
        )
        team = self.team
        month_end = self.today + relativedelta(day=31)
        # untaxed, by month end: A2 today (107.00 x 200/230), E1 on day 14, D3 on day 30
        expected = round(107.0 * 200 / 230, 2)
        expected += sum(
            amount
            for day, amount in ((14, 50.0), (30, 300.0), (40, 80.0))
            if self.day(day) <= month_end
        )
        self.assertEqual(
            (team.xero_receivable, team.xero_overdue, team.xero_paid_month, team.xero_pipeline),
            (537.0, 107.0, 230.0, 1500.0),  # Dune someday's 500.00 too (not Sam's)
        )
        self.assertAlmostEqual(team.xero_goal_expected, expected, places=2)
        self.assertAlmostEqual(team.xero_goal_forecast, 200.0 + expected, places=2)
        self.assertEqual(team.xero_goal_percent, round((200.0 + expected) / 10))
        action = team.action_xero_open_receivables()
        self.assertEqual(action["domain"], [("team_id", "=", team.id)])

    def test_only_xero_users_see_the_money(self):
        self.plant()
        outsider = new_test_user(self.env, "xero_money_outsider", groups=SELLER)
        for model in (
            "xero.customer.value",
            "xero.source.value",
            "xero.cash.forecast",
            "xero.sales.money",
        ):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(outsider).search([])
        with self.assertRaises(AccessError):
            _ = self.team.with_user(outsider).xero_receivable
        self.assertEqual(
            self.env["xero.customer.value"]
            .with_user(self.seller)
            .search_count([("partner_id", "=", self.acme.id)]),
            1,
        )


@tagged("post_install", "-at_install")
class TestForecastSubscriptions(SubscriptionCase, TransactionCase):
    def test_the_invoices_a_subscription_will_generate_are_expected_at_their_due_date(self):
        order = self.subscribe(lines=[(self.plan, 2)])  # 200.00 + 15 % a month
        subscription = order.xero_subscription_id
        template = subscription.template_id
        self.assertEqual(
            (template.due_type, template.due_days, template.unit),
            ("DAYSAFTERINVOICEDATE", 0, "month"),
        )
        rows = self.env["xero.cash.forecast"].search([("kind", "=", "subscription")])
        # Xero's next invoice and the two after it fall in the 13 weeks; each due on its
        # date (0 days after), plus the company's usual lateness: the organisation's
        # INV-0002, paid 4 days early, is the only invoice paid in full so far
        self.assertEqual(
            [(row.date, row.amount, row.amount_untaxed, row.subscription_id) for row in rows],
            [
                (
                    template.next_date + relativedelta(months=month, days=-4),
                    230.0,
                    200.0,
                    subscription,
                )
                for month in range(3)
            ],
        )
        self.assertEqual(rows.mapped("days_late"), [-4, -4, -4])


@tagged("post_install", "-at_install")
class TestMoneyTour(MoneyCase, HttpCase):
    def test_a_sales_manager_opens_lifetime_value_and_the_forecast_and_drills_into_a_customer(
        self,
    ):
        manager = new_test_user(
            self.env,
            "xero_money_boss",
            groups=f"sales_team.group_sale_manager,{XERO_USER}",
            name="Bea Boss",
        )
        self.plant()
        calls = len(self.sandbox.calls)
        self.start_tour("/odoo/crm", "xero_connector_tests.xero_money_reports", login=manager.login)
        self.assertEqual(len(self.sandbox.calls), calls, "the reports call no one")
