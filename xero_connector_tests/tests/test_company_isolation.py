"""Companies never see or spend each other's Xero: every model of the addon holds its
company and a record rule on it, and pausing, resuming and Sync now touch one
organisation only."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .test_order_payments import OrderPaymentCase


def xero_models(env):
    """Every model the addon defines (not those it extends), from the registry: a model
    added later is checked without anyone listing it here."""
    return sorted(
        name
        for name, model in env.registry.items()
        if model._original_module == "xero_connector" and not model._abstract
    )


@tagged("post_install", "-at_install")
class TestCompanyIsolation(OrderPaymentCase, TransactionCase):
    """Kauri Tools (company A) runs every flow of the addon; a system administrator and
    Xero manager of another company reads none of it."""

    def make_everything(self):
        """A record of every model of the addon in company A."""
        self.run_until_settled()  # the products are items in Xero
        self.connection.sudo().payment_account_id = self.bank
        order, document = self.invoiced_order()
        with self.sandbox.lock:  # money paid back to the customer: a refund, read by the poll
            overpaid = self.books.record_overpayment(
                document["Contact"]["ContactID"], 20, "Accountant"
            )
            self.books.create_payment(
                {
                    "Overpayment": {"OverpaymentID": overpaid["OverpaymentID"]},
                    "Account": {"Code": "090"},
                    "Date": self.books.today().isoformat(),
                    "Amount": 20,
                },
                "Accountant",
            )
        self.pay(document, 100)  # Xero's payment of the invoice, on the mirror
        self.record_on_order(order, amount=50)  # a payment taken in Odoo, sent to Xero
        self.run_until_settled()
        order._action_cancel()  # part-paid: credited in Xero
        self.run_until_settled()
        # a subscription: a repeating invoice in Xero
        plan = self.product("ISO-SUB", "Hosting plan", 30.0)
        plan.product_tmpl_id.xero_recurring = True
        self.order([(plan, 1)])
        self.run_until_settled()
        self.env["xero.subscription.report"].create({})
        # revenue leakage: a won deal without an order, a case of the daily check
        self.env["crm.lead"].create(
            {
                "name": "Isolated deal",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "stage_id": self.env["crm.stage"].search([("is_won", "=", True)], limit=1).id,
                "date_closed": fields.Datetime.now() - timedelta(days=30),
                "expected_revenue": 100.0,
            }
        )
        self.env["xero.leakage.case"].sudo()._xero_check(self.connection)
        self.env["xero.product.test.invoice"].create({"product_id": plan.id})
        # the health check of the organisation, with its findings (webhooks not set up)
        self.env["xero.health.check"]._xero_run(self.connection)
        # burn and runway: a month of the organisation's Executive Summary, as read
        self.env["xero.executive.summary"]._xero_keep(
            self.connection, {fields.Date.today().replace(day=1): {"cash_spent": 100}}
        )
        # a customer whose email two Xero contacts share waits in the review list
        with self.sandbox.lock:
            for name in ("Twin One", "Twin Two"):
                self.books.save_contact(
                    {"Name": name, "EmailAddress": "twin@example.com"},
                    "Accountant",
                    create_only=True,
                )
        self.customers(1, prefix="Twin", email="twin@example.com")
        self.run_queue()
        self.connection.action_open_tax_matrix()
        for wizard in ("xero.contact.golive", "xero.product.golive"):
            self.env[wizard].create({"connection_id": self.connection.id})

    def test_every_model_holds_its_company_and_a_rule_on_it(self):
        rules = self.env["ir.rule"].sudo().search([("global", "=", True)])
        problems = []
        for name in xero_models(self.env):
            field = self.env[name]._fields.get("company_id")
            if not field or field.comodel_name != "res.company":
                problems.append(f"{name}: no company field")
            mine = rules.filtered(lambda r, name=name: r.model_id.model == name)
            if not any("company_ids" in (rule.domain_force or "") for rule in mine):
                problems.append(f"{name}: no record rule on the company")
        self.assertEqual(problems, [])
        self.assertIn("xero.order.invoice.line", xero_models(self.env))

    def test_another_company_reads_nothing_of_this_one(self):
        self.make_everything()
        company = self.env.company
        other = self.env["res.company"].create({"name": "Other Ltd"})
        outsider = new_test_user(
            self.env,
            "xero_outsider",
            groups="base.group_system,xero_connector.group_xero_manager,"
            "sales_team.group_sale_manager",
            company_id=other.id,
            company_ids=[other.id],
        )
        empty, seen = [], []
        for name in xero_models(self.env):
            model = self.env[name].with_context(active_test=False)
            ours = model.sudo().search([("company_id", "=", company.id)])
            if not ours:
                empty.append(name)
                continue
            theirs = model.with_user(outsider)
            if theirs.search([("id", "in", ours.ids)]):
                seen.append(name)
            with self.assertRaises(AccessError, msg=name):
                theirs.browse(ours[0].id).read(["id"])
        self.assertEqual(empty, [], "the flow above makes a record of every model")
        self.assertEqual(seen, [], "models another company reads")


@tagged("post_install", "-at_install")
class TestOneOrganisationAtATime(OrderPaymentCase, TransactionCase):
    """Two companies, each connected to its own organisation of the sandbox: one
    manager's pause, resume and Sync now leave the other company's work alone."""

    def setUp(self):
        super().setUp()
        self.second = self.env["res.company"].create({"name": "Second Ltd"})
        self.their_connection = self.second._xero_connection().sudo()
        self.their_connection.write(
            {
                "mode": "sandbox",
                "sandbox_url": self.sandbox.base_url,
                "client_id": self.sandbox.app.client_id,
                "client_secret": self.sandbox.app.client_secret,
                "sync_contacts": True,
            }
        )
        tenant_id = self.sandbox.tenant(1).tenant_id
        wizard = self.env["xero.connect"].create({"connection_id": self.their_connection.id})
        self.their_connection._xero_store_tokens(self.sandbox.connect([tenant_id]))
        if wizard._xero_offer_tenants():
            wizard._xero_use(wizard.tenant_ids.filtered(lambda t: t.xero_tenant_id == tenant_id))
        self.their_tenant, self.our_tenant = tenant_id, self.sandbox.tenant(0).tenant_id
        self.run_until_settled()

    def customer_of(self, company, name):
        """A customer of one company only: it syncs with that company's organisation."""
        return self.env["res.partner"].create(
            {"name": name, "customer_rank": 1, "company_id": company.id}
        )

    def ours_and_theirs(self):
        return (
            self.customer_of(self.env.company, "Ours Ltd"),
            self.customer_of(self.second, "Theirs Ltd"),
        )

    def calls_to(self, tenant):
        return [c for c in self.api_calls() if c["tenant"] == tenant]

    def test_pausing_one_organisation_leaves_the_other_going(self):
        self.connection.action_xero_pause()
        ours, theirs = self.ours_and_theirs()
        before = len(self.calls_to(self.our_tenant))
        self.run_queue()
        self.run_cron(self.poll_cron)
        self.assertEqual(len(self.calls_to(self.our_tenant)), before, "paused: no call at all")
        self.assertEqual(self.jobs.search([("res_id", "=", ours.id)]).state, "pending")
        self.assertEqual(
            self.jobs.search([("res_id", "=", theirs.id)]).state, "done", "the other goes on"
        )
        self.assertEqual(self.their_connection.state, "connected")
        self.connection.action_xero_resume()
        self.run_queue()
        self.assertEqual(self.link_of(ours).state, "synced", "what was queued went on resume")

    def test_sync_now_reads_and_sends_for_its_own_organisation_only(self):
        ours, theirs = self.ours_and_theirs()
        their_calls = len(self.calls_to(self.their_tenant))
        their_budget = self.their_connection.budget_ids.day_used
        self.connection.action_xero_sync_now()
        self.assertEqual(self.link_of(ours).state, "synced")
        self.assertEqual(self.jobs.search([("res_id", "=", theirs.id)]).state, "pending")
        self.assertEqual(len(self.calls_to(self.their_tenant)), their_calls)
        self.assertEqual(self.their_connection.budget_ids.day_used, their_budget)

    def test_a_paused_organisation_says_so_on_sync_now(self):
        self.connection.action_xero_pause()
        with self.assertRaisesRegex(Exception, "is paused"):
            self.connection.action_xero_sync_now()
