"""The monthly health check (issue 24): what needs a person, found with Odoo's own tables
and one call to Xero, kept per organisation and month, e-mailed to the Xero managers,
each finding opening where it is fixed."""

from datetime import timedelta
from decimal import Decimal

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .test_invoices import InvoiceCase

MANAGER = "xero_connector.group_xero_manager"


class HealthCase(InvoiceCase):
    """Kauri Tools, its products in Xero, webhooks set up: a healthy organisation."""

    def setUp(self):
        super().setUp()
        self.connection.sudo().webhook_key = "health-check-webhook-key"
        self.checks = self.env["xero.health.check"]
        self.run_until_settled()  # the products are items in Xero

    def check(self):
        return self.checks._xero_run(self.connection)

    def found(self, check, kind):
        return check.finding_ids.filtered(lambda finding: finding.kind == kind)

    def kinds(self, check):
        return sorted(check.finding_ids.mapped("kind"))

    def opened(self, finding):
        """The records the finding's button lists."""
        action = finding.action_open()
        return (
            self.env[action["res_model"]].with_context(active_test=False).search(action["domain"])
        )


@tagged("post_install", "-at_install")
class TestHealthFindings(HealthCase, TransactionCase):
    def test_each_finding_is_found_once_and_opens_where_it_is_fixed(self):
        self.assertEqual(self.kinds(self.check()), [], "a healthy organisation: nothing found")

        # planted: a customer Odoo refuses to send (a failed job)
        [refused] = self.customers(1, prefix="Health Refused", email="not-an-email")
        # two customers that look like one (same tax ID and phone, different names)
        harbour, quayside = self.env["res.partner"].create(
            [
                {
                    "name": name,
                    "customer_rank": 1,
                    "vat": vat,
                    "phone": phone,
                    "email": email,
                }
                for name, vat, phone, email in (
                    ("Harbour Supplies", "NZ 123-456-789", "+64 21 555 0101", "a@harbour.example"),
                    ("Quayside Trading", "NZ123456789", "021 555 0101", "b@quayside.example"),
                )
            ]
        )
        # a customer whose push a manager cancelled: in the scope, not in Xero
        [lost] = self.customers(1, prefix="Health Lost")
        self.jobs.search(
            [("res_model", "=", "res.partner"), ("res_id", "=", lost.id)]
        ).action_cancel()
        # a customer linked, then changed by an import that Odoo did not send
        [steady] = self.customers(1, prefix="Health Steady", email="steady@example.com")
        self.run_until_settled()
        self.assertEqual(self.link_of(steady).state, "synced")
        self.env.cr.execute(
            "UPDATE res_partner SET email = 'steady@elsewhere.example' WHERE id = %s", [steady.id]
        )
        steady.invalidate_recordset()
        # two contacts of the organisation sharing an e-mail, as Odoo's copy has them
        with self.sandbox.lock:
            for name in ("Health Twin One", "Health Twin Two"):
                self.books.save_contact(
                    {"Name": name, "EmailAddress": "twins@example.com"},
                    "Accountant",
                    create_only=True,
                )
        self.env["xero.contact"]._xero_refresh(self.connection.sudo())
        # Odoo last renewed Xero's authorisation 50 days ago (of its 60), and the
        # webhook key is gone
        connection = self.connection.sudo()
        connection.write(
            {
                "token_expires_at": fields.Datetime.now() - timedelta(days=50),
                "webhook_key": False,
            }
        )

        calls = len(self.sandbox.calls)
        check = self.check()
        self.assertEqual(len(self.sandbox.calls), calls, "no invoice to compare: no call at all")
        self.assertEqual(
            self.kinds(check),
            sorted(
                [
                    "failed",
                    "duplicate_odoo",
                    "duplicate_xero",
                    "unlinked",
                    "drift",
                    "token",
                    "webhook",
                ]
            ),
        )
        self.assertEqual(check.finding_count, 7)

        [failed] = self.found(check, "failed")
        self.assertEqual((failed.count, failed.reason), (1, "Caught before sending"))
        self.assertEqual(failed.age_days, 0)
        self.assertEqual(self.opened(failed).res_id, refused.id)

        [twins] = self.found(check, "duplicate_odoo")
        self.assertEqual(twins.count, 2)
        self.assertEqual(twins.reason, "same tax ID, same phone")
        self.assertIn("Harbour Supplies, Quayside Trading", twins.name)
        wizard_action = twins.action_open()
        self.assertEqual(wizard_action["res_model"], "base.partner.merge.automatic.wizard")
        wizard = (
            self.env[wizard_action["res_model"]].with_context(**wizard_action["context"]).create({})
        )
        self.assertEqual(wizard.partner_ids, harbour | quayside, "the merge of the two opens")

        [in_xero] = self.found(check, "duplicate_xero")
        self.assertEqual((in_xero.count, in_xero.reason), (2, "same e-mail"))
        contacts = self.opened(in_xero)
        self.assertEqual(sorted(contacts.mapped("name")), ["Health Twin One", "Health Twin Two"])
        for contact in contacts:
            self.assertIn(contact.xero_id, contact.xero_url, "each opens in Xero")

        [unlinked] = self.found(check, "unlinked")
        self.assertEqual(unlinked.count, 1, "the refused customer is the queue's: not counted")
        self.assertEqual(self.opened(unlinked), lost)

        [drift] = self.found(check, "drift")
        self.assertEqual((drift.count, drift.reason), (1, "Email"))
        self.assertEqual(self.opened(drift), self.link_of(steady))

        [token] = self.found(check, "token")
        expires = (connection.token_expires_at + timedelta(days=60, minutes=-30)).date()
        self.assertIn(f"expires on {fields.Date.to_string(expires)}", token.name)
        self.assertEqual(token.age_days, 50)
        self.assertEqual(token.action_open()["res_id"], connection.id)

        [webhook] = self.found(check, "webhook")
        self.assertEqual(webhook.reason, "Not set up")
        self.assertEqual(webhook.action_open()["res_model"], "xero.connection")

        self.assertEqual(
            (check.failed_count, check.duplicate_odoo_count, check.duplicate_xero_count),
            (1, 2, 2),
        )
        self.assertEqual((check.unlinked_count, check.drift_count), (1, 1))
        self.assertEqual((check.token_count, check.webhook_count, check.budget_count), (1, 1, 0))

        # fixed where they open: the drift resynced, the webhook key back; the next
        # month's check says so, and the earlier one is kept as it was
        self.opened(drift).action_xero_resync()
        self.run_until_settled()
        self.assertEqual(
            self.books.contacts[self.link_of(steady).xero_id]["EmailAddress"],
            "steady@elsewhere.example",
        )
        connection.webhook_key = "health-check-webhook-key"
        later = self.check()
        self.assertNotIn("drift", self.kinds(later))
        self.assertNotIn("webhook", self.kinds(later))
        self.assertNotIn("token", self.kinds(later), "the queue's calls renewed the authorisation")
        self.assertEqual(check.drift_count, 1)

    def test_a_price_changed_behind_the_sync_is_drift_until_resynced(self):
        self.assertEqual(self.link_of(self.drill).state, "synced")
        # an import rewrites the drill's price without Odoo sending it
        self.env.cr.execute(
            "UPDATE product_template SET list_price = 205 WHERE id = %s",
            [self.drill.product_tmpl_id.id],
        )
        self.drill.invalidate_recordset()
        self.drill.product_tmpl_id.invalidate_recordset()
        [drift] = self.found(self.check(), "drift")
        self.assertEqual((drift.count, drift.reason), (1, "Sales price, account and tax"))
        self.assertIn("1 product changed in Odoo", drift.name)
        links = self.opened(drift)
        self.assertEqual(links, self.link_of(self.drill))
        links.action_xero_resync()
        self.run_until_settled()
        self.assertEqual(self.item("INV-DRL")["SalesDetails"]["UnitPrice"], Decimal(205))
        self.assertNotIn("drift", self.kinds(self.check()))

    def test_an_authorisation_lost_is_found(self):
        self.connection.sudo().state = "needs_reauth"
        [token] = self.found(self.check(), "token")
        self.assertEqual(token.reason, "Needs re-authorisation")

    def test_a_webhook_gone_silent_is_found(self):
        connection = self.connection.sudo()
        [customer] = self.customers(1, prefix="Health Webhook")
        self.run_until_settled()
        xero_id = self.link_of(customer).xero_id
        # a delivery of Xero's webhook: Odoo queues the read of the contact
        [delivery] = self.jobs._xero_intake(
            connection,
            [
                {
                    "tenantId": connection.tenant_id,
                    "eventCategory": "CONTACT",
                    "eventType": "UPDATE",
                    "resourceId": xero_id,
                    "eventDateUtc": "2026-12-01T10:00:00.000",
                }
            ],
        )
        self.run_until_settled()
        self.assertNotIn("webhook", self.kinds(self.check()), "deliveries arrive")

        # the last delivery was three days ago; Xero changed the contact two days ago
        # (and has retried its delivery for a day since)
        self.env.cr.execute(
            "UPDATE xero_sync_job SET create_date = create_date - interval '3 days' WHERE id = %s",
            [delivery.id],
        )
        self.assertNotIn("webhook", self.kinds(self.check()), "a change of today may come yet")
        self.env.cr.execute(
            "UPDATE xero_contact SET updated_at = updated_at - interval '2 days'"
            " WHERE connection_id = %s AND xero_id = %s",
            [connection.id, xero_id.lower()],
        )
        self.env.invalidate_all()
        [webhook] = self.found(self.check(), "webhook")
        self.assertEqual(webhook.reason, "Stopped")
        self.assertIn("Xero may have disabled the webhook", webhook.name)
        self.assertEqual(webhook.age_days, 3)

    def test_a_busy_hour_is_found_against_the_days_calls(self):
        self.connection.sudo().day_limit = 10
        check = self.check()
        api_calls = len(self.api_calls())
        self.assertGreaterEqual(check.busiest_day_calls, api_calls)
        self.assertGreaterEqual(check.busiest_hour_calls * 100, 10 * 20)
        budget = self.found(check, "budget")
        self.assertEqual(sorted(budget.mapped("key")), ["day", "hour"])
        hour = budget.filtered(lambda b: b.key == "hour")
        self.assertEqual(hour.count, check.busiest_hour_calls)
        logs = self.opened(hour)
        self.assertGreaterEqual(len(logs), hour.count, "the calls of that hour, in the log")


@tagged("post_install", "-at_install")
class TestSpotCheck(HealthCase, TransactionCase):
    def test_a_line_changed_in_xero_is_caught_with_one_call(self):
        orders = [
            self.order([(self.drill, 1), (self.saw, 3)]),
            self.order([(self.saw, 2)]),
            self.order([(self.drill, 2)]),
        ]
        for order in orders:
            order.action_xero_invoice()
        self.run_until_settled()
        self.assertEqual(self.kinds(self.check()), [], "Xero holds what the orders invoiced")

        # the accountant changes the saw's price and the drill's description in Xero
        [document] = self.invoiced(orders[0])
        lines = [
            {
                key: line[key]
                for key in (
                    "LineItemID",
                    "Description",
                    "Quantity",
                    "UnitAmount",
                    "AccountCode",
                    "TaxType",
                    "ItemCode",
                )
                if key in line
            }
            for line in document["LineItems"]
        ]
        drill_line = lines[0]["Description"]
        lines[0]["Description"] = "Cordless drill (demo unit)"
        lines[1]["UnitAmount"] = Decimal("49.5")
        with self.sandbox.lock:
            self.books.save_document(
                "invoice",
                {"InvoiceID": document["InvoiceID"], "LineItems": lines},
                "Accountant",
                unitdp=4,
            )
        [document] = self.invoiced(orders[0])
        calls = len(self.api_calls())
        check = self.check()
        spot = self.api_calls()[calls:]
        self.assertEqual(len(spot), 1, "one call for the three invoices")
        self.assertEqual(spot[0]["method"], "GET")
        self.assertEqual(len(check.spot_invoice_ids), 3)
        invoice = orders[0].sudo().xero_invoice_ids
        found = self.found(check, "spot_check")
        self.assertEqual(set(found.mapped("res_id")), {invoice.id}, "the other two agree")
        self.assertEqual(
            sorted((f.key, f.odoo_value, f.xero_value) for f in found),
            sorted(
                [
                    ("Line 1: description", drill_line, "Cordless drill (demo unit)"),
                    ("Line 2: unit price", "45.5000", "49.5000"),
                    ("Line 2: amount", "136.50", "148.50"),
                    ("Total", f"{invoice.amount_total:.2f}", f"{document['Total']:.2f}"),
                ]
            ),
        )
        self.assertEqual(check.spot_check_count, 4)
        action = found[0].action_open()
        self.assertEqual((action["res_model"], action["res_id"]), (invoice._name, invoice.id))


@tagged("post_install", "-at_install")
class TestMonthlyHealthCheck(HealthCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("xero_connector.ir_cron_xero_health_check")
        self.second = self.env["res.company"].create({"name": "Second Ltd"})
        their_connection = self.second._xero_connection().sudo()
        their_connection.write(
            {
                "mode": "sandbox",
                "sandbox_url": self.sandbox.base_url,
                "client_id": self.sandbox.app.client_id,
                "client_secret": self.sandbox.app.client_secret,
            }
        )
        tenant_id = self.sandbox.tenant(1).tenant_id
        wizard = self.env["xero.connect"].create({"connection_id": their_connection.id})
        their_connection._xero_store_tokens(self.sandbox.connect([tenant_id]))
        if wizard._xero_offer_tenants():
            wizard._xero_use(wizard.tenant_ids.filtered(lambda t: t.xero_tenant_id == tenant_id))
        self.their_connection = their_connection
        self.ours = new_test_user(
            self.env, "xero_health_ours", groups=MANAGER, email="ours@kauri.example"
        )
        self.theirs = new_test_user(
            self.env,
            "xero_health_theirs",
            groups=MANAGER,
            email="theirs@second.example",
            company_id=self.second.id,
            company_ids=[self.second.id],
        )

    def test_the_first_of_the_month_makes_one_check_per_organisation_sent_to_its_managers(self):
        self.assertEqual((self.cron.interval_number, self.cron.interval_type), (1, "months"))
        self.assertEqual(self.cron.nextcall.day, 1)
        mails = self.env["mail.mail"].sudo()
        before = mails.search([]).ids
        self.run_cron(self.cron)
        self.run_cron(self.cron)  # a second run the same month adds nothing
        checks = self.checks.search([])
        self.assertEqual(checks.connection_id, self.connection | self.their_connection)
        self.assertEqual(len(checks), 2, "one per organisation")
        self.assertEqual(set(checks.mapped("trigger")), {"cron"})

        sent = mails.search([("id", "not in", before), ("model", "=", "xero.health.check")])
        self.assertEqual(len(sent), 2, "each check e-mailed once")
        ours = sent.filtered(
            lambda m: m.res_id == checks.filtered(lambda c: c.connection_id == self.connection).id
        )
        self.assertIn(self.ours.partner_id, ours.recipient_ids)
        self.assertNotIn(self.theirs.partner_id, ours.recipient_ids, "another company's manager")
        self.assertIn("Xero health check of", ours.subject)
        self.assertIn("Open the health check", str(ours.body_html))
        theirs = sent - ours
        self.assertIn(self.theirs.partner_id, theirs.recipient_ids)
        self.assertNotIn(self.ours.partner_id, theirs.recipient_ids)

    def test_the_overview_shows_the_latest_check_and_checks_on_demand(self):
        connection = self.connection.with_user(self.ours)
        self.assertFalse(connection.health_check_id)
        action = connection.action_xero_health_check()
        check = self.checks.browse(action["res_id"])
        self.assertEqual(check.trigger, "manual")
        connection.invalidate_recordset()
        self.assertEqual(connection.health_check_id, check)
        self.assertEqual(connection.health_check_date, fields.Date.context_today(check))
        self.assertEqual(connection.health_finding_count, check.finding_count)
        self.assertEqual(connection.action_xero_open_health_check()["res_id"], check.id)


@tagged("post_install", "-at_install")
class TestHealthCheckAccess(HealthCase, TransactionCase):
    def test_only_xero_managers_read_health_checks(self):
        self.connection.sudo().webhook_key = False
        check = self.check()
        self.assertTrue(check.finding_ids)
        seller = new_test_user(
            self.env, "xero_health_seller", groups="sales_team.group_sale_salesman"
        )
        xero_user = new_test_user(
            self.env,
            "xero_health_user",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        for user in (seller, xero_user):
            for records in (check, check.finding_ids):
                with self.assertRaises(AccessError, msg=user.login):
                    records.with_user(user).read(["display_name"])
            with self.assertRaises(AccessError):
                self.connection.with_user(user).action_xero_health_check()
        manager = new_test_user(self.env, "xero_health_manager", groups=MANAGER)
        self.assertEqual(check.with_user(manager).read(["finding_count"])[0]["finding_count"], 1)
        self.assertEqual(check.finding_ids.with_user(manager).read(["kind"])[0]["kind"], "webhook")


@tagged("post_install", "-at_install")
class TestHealthOnTheOverview(HealthCase, HttpCase):
    def test_a_manager_checks_now_and_the_overview_shows_the_check(self):
        self.connection.sudo().webhook_key = False
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_dashboard",
            "xero_connector_tests.manager_checks_health",
            login="admin",
        )
        check = self.checks.search([("connection_id", "=", self.connection.id)])
        self.assertEqual(check.mapped("finding_ids.kind"), ["webhook"])
