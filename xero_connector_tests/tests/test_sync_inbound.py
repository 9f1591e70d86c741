"""Changes made in Xero: the webhook (signatures, intent to receive, deduplication) and polling."""

import requests

from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.xero_connector.tools.sync_rules import webhook_signature

from .common import XeroSyncCase


@tagged("post_install", "-at_install")
class TestWebhook(XeroSyncCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.hooks = self.sandbox.app.webhooks
        self.connection.sudo().webhook_key = self.hooks.key
        self.url = f"{self.base_url()}/xero/webhook"
        self.hooks.configure(url=self.url)
        self.env.flush_all()  # the webhook's requests read the key from the database

    def deliver(self, events, key=None):
        body = (
            b'{"events":'
            + requests.compat.json.dumps(events).encode()
            + b',"firstEventSequence":1,"lastEventSequence":1,"entropy":"x"}'
        )
        signature = webhook_signature(key or self.hooks.key, body)
        self.env.flush_all()
        return self.url_open(
            "/xero/webhook",
            data=body,
            headers={"x-xero-signature": signature},
            allow_redirects=False,
        )

    def event(self, contact_id, category="CONTACT", tenant=None):
        return {
            "resourceUrl": f"https://api.xero.com/api.xro/2.0/Contacts/{contact_id}",
            "resourceId": contact_id,
            "eventDateUtc": "2026-11-27T10:00:00.000",
            "eventType": "UPDATE",
            "eventCategory": category,
            "tenantId": tenant or self.connection.tenant_id,
            "tenantType": "ORGANISATION",
        }

    def fetch_jobs(self):
        return self.jobs.search([("kind", "=", "contact.fetch")])

    def test_intent_to_receive_passes_within_five_seconds_without_body_or_cookie(self):
        with self.allow_requests(all_requests=True):  # Xero carries no test cookie
            result = self.hooks.intent_to_receive()
        self.assertTrue(result["ok"], result["checks"])
        for check in result["checks"]:
            self.assertEqual(check["status"], check["expected"])
            self.assertTrue(check["empty_body"])
            self.assertFalse(check["sets_cookie"])
            self.assertLess(check["seconds"], 1)
        self.assertEqual(self.hooks.status, "ok")

    def test_a_delivery_not_signed_with_the_key_is_refused_and_ignored(self):
        contact_id = next(iter(self.books.contacts))
        answer = self.deliver([self.event(contact_id)], key="someone-else's key")
        self.assertEqual(answer.status_code, 401)
        self.assertEqual(answer.content, b"")
        unsigned = self.url_open("/xero/webhook", data=b'{"events":[]}')
        self.assertEqual(unsigned.status_code, 401)
        self.assertFalse(self.fetch_jobs())

    def test_a_signed_delivery_that_is_not_json_is_acknowledged_and_ignored(self):
        body = b"not json at all"
        signature = webhook_signature(self.hooks.key, body)
        with self.assertLogs("odoo.addons.xero_connector.controllers.main", "WARNING"):
            answer = self.url_open(
                "/xero/webhook", data=body, headers={"x-xero-signature": signature}
            )
        self.assertEqual((answer.status_code, answer.content), (200, b""))
        self.assertFalse(self.fetch_jobs())

    def test_duplicate_and_foreign_events_make_one_job_per_contact(self):
        partner = self.customers(1)
        contact_id = self.pushed(partner)
        event = self.event(contact_id)
        self.assertEqual(self.deliver([event, event]).status_code, 200)
        self.assertEqual(self.deliver([event]).status_code, 200)
        self.deliver([self.event(contact_id, tenant="another-organisation")])
        self.deliver([self.event(contact_id, category="SUBSCRIPTION")])
        job = self.fetch_jobs()
        self.assertEqual(len(job), 1)
        self.assertEqual((job.state, job.xero_id), ("pending", contact_id))

    def test_a_change_in_xero_reaches_the_partner_without_echo(self):
        self.hooks.configure(status="ok")
        partner = self.customers(1, email="old@example.com")
        contact_id = self.pushed(partner)
        # the accountant changes the contact twice; Xero sends two events
        self.accountant_edits(contact_id, EmailAddress="new@example.com")
        self.accountant_edits(contact_id, Name="Renamed in Xero")
        self.env.flush_all()
        with self.allow_requests(all_requests=True):  # Xero carries no test cookie
            self.assertTrue(self.hooks.flush(timeout=10))
        self.assertTrue(all(entry["ok"] for entry in self.hooks.log), self.hooks.log)
        self.assertEqual(len(self.fetch_jobs()), 1)
        posts = len(self.sandbox.calls_to("/Contacts", method="POST"))
        self.run_queue()
        self.assertEqual(partner.name, "Renamed in Xero")
        self.assertEqual(partner.email, "new@example.com")
        self.assertEqual(self.fetch_jobs().state, "done")
        # nothing goes back out: no pending push, no call
        self.assertFalse(
            self.jobs.search([("kind", "=", "contact.push"), ("state", "=", "pending")])
        )
        self.run_queue()
        self.assertEqual(len(self.sandbox.calls_to("/Contacts", method="POST")), posts)
        change = self.env["xero.sync.log"].search([("new_values", "!=", False)])
        self.assertEqual(change.old_values["email"], "old@example.com")
        self.assertEqual(change.new_values["name"], "Renamed in Xero")
        # Xero delivers the first event again, late: harmless, the contact is read as it is
        self.deliver([self.event(contact_id)])
        self.run_queue()
        self.assertEqual(self.fetch_jobs().mapped("state"), ["done", "done"])
        self.assertEqual(partner.name, "Renamed in Xero")
        self.assertEqual(self.env["xero.sync.log"].search_count([("new_values", "!=", False)]), 1)
        self.assertEqual(len(self.sandbox.calls_to("/Contacts", method="POST")), posts)


@tagged("post_install", "-at_install")
class TestPolling(XeroSyncCase, TransactionCase):
    def poll(self, path="/Contacts"):
        """The calls of one poll to a collection (contacts unless said)."""
        before = len(self.api_calls())
        self.run_cron(self.poll_cron)
        return [c for c in self.api_calls()[before:] if c["path"].endswith(path)]

    def cursor(self):
        return self.env["xero.poll.cursor"].search(
            [("connection_id", "=", self.connection.id), ("res_model", "=", "res.partner")]
        )

    def test_a_poll_with_nothing_changed_costs_one_call(self):
        # what changed in the last second before a sweep is read again by the next one
        self.sandbox.clock.advance(5)
        self.assertEqual(len(self.poll()), 1)
        self.assertEqual(self.cursor().last_count, len(self.books.contacts))
        self.sandbox.clock.advance(5)
        calls = self.poll()
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0]["query"].get("includearchived"), "True")
        self.assertEqual(self.cursor().last_count, 0, "If-Modified-Since: only what changed")

    def test_a_change_webhooks_missed_is_polled(self):
        partner = self.customers(1)
        contact_id = self.pushed(partner)
        self.poll()
        self.sandbox.clock.advance(5)
        self.accountant_edits(contact_id, Phones=[{"PhoneType": "DEFAULT", "PhoneNumber": "555"}])
        self.poll()
        self.assertEqual(partner.phone, "555")
        self.assertFalse(
            self.jobs.search([("kind", "=", "contact.push"), ("state", "=", "pending")])
        )

    def test_a_large_organisation_is_read_in_pages_of_1000(self):
        with self.sandbox.lock:
            for index in range(1500):
                self.books.save_contact({"Name": f"Bulk {index}"}, "Accountant")
        calls = self.poll()
        self.assertEqual([c["query"]["page"] for c in calls], ["1", "2"])
        cursor = self.cursor()
        self.assertGreaterEqual(cursor.last_count, 1500)
        self.assertEqual(cursor.next_page, 0)
        self.assertTrue(cursor.modified_since)

    def test_polling_leaves_the_last_fifth_of_the_day_to_outbound_work(self):
        self.budget_used_today(81)
        self.assertEqual(self.poll(), [])
