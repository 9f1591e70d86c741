"""What a user sees: buttons that answer at once, calls left that add up, a log in plain words."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import XeroSyncCase


@tagged("post_install", "-at_install")
class TestPlainWords(XeroSyncCase, TransactionCase):
    def setUp(self):
        super().setUp()
        # the log lines of calls kept for the next reservation are kept by the process:
        # a test that makes none leaves them to the next test
        self.addCleanup(self.env["xero.connection.budget"]._xero_pop_pending, self.connection)

    def logs(self, **where):
        domain = [(key, "=", value) for key, value in where.items()]
        return self.env["xero.sync.log"].search(domain)

    def said(self, action):
        """The text of a button's notification."""
        self.assertEqual(action["tag"], "display_notification")
        return action["params"]["message"]

    def poll(self):
        self.run_cron(self.poll_cron)
        # what changed in the last second before a sweep is read again by the next one
        self.sandbox.clock.advance(5)

    def settled(self):
        """Polled twice (a sweep reads its own second again), the fetches it queued run."""
        self.poll()
        self.poll()
        self.run_queue()

    # ------------------------------------------------------------------ Sync now

    def test_sync_now_says_what_it_read_and_sent_and_moves_the_last_sync(self):
        self.settled()
        long_ago = fields.Datetime.now() - timedelta(hours=1)
        self.env["xero.poll.cursor"].search([]).last_poll_at = long_ago
        self.jobs.search([("state", "=", "done")]).done_at = long_ago
        self.assertEqual(self.connection.last_sync_at, long_ago)
        message = self.said(self.connection.action_xero_sync_now())
        self.assertEqual(
            message,
            f"Nothing changed in Xero since {self.connection._xero_clock(long_ago)}; "
            "nothing waiting to send.",
        )
        self.assertGreater(self.connection.last_sync_at, long_ago)
        line = self.logs(operation="sync_now")
        self.assertEqual((line.summary, line.display_name), (message, message))
        self.assertFalse(line.http_status)

        self.sandbox.clock.advance(5)
        [contact_id] = [c["ContactID"] for c in self.books.contacts.values()][:1]
        self.accountant_edits(contact_id, EmailAddress="changed@example.com")
        self.customers(2, prefix="Sync now")
        message = self.said(self.connection.action_xero_sync_now())
        self.assertEqual(message, "Read 1 changed contact from Xero; sent 2 customers.")
        self.assertEqual(len(self.logs(operation="sync_now")), 2)

    def test_sync_now_says_what_failed_and_what_still_waits(self):
        self.settled()
        since = max(self.env["xero.poll.cursor"].search([]).mapped("last_poll_at"))
        self.customers(1, prefix="Failing", email="no-at-sign")
        # the day's calls are spent: nothing is read, the customer waits for tomorrow
        self.budget_used_today(100, limit=100)
        self.customers(1, prefix="Waiting")
        message = self.said(self.connection.action_xero_sync_now())
        self.assertEqual(
            message,
            f"Nothing changed in Xero since {self.connection._xero_clock(since)}; "
            "1 failed (see the queue); 1 still waiting.",
        )

    # ------------------------------------------------------------------ Retry and Resync

    def test_retry_says_what_it_queued_and_keeps_the_row(self):
        partner = self.customers(1, prefix="Retried", email="broken")
        self.run_queue()
        job = self.jobs.search([("res_id", "=", partner.id)])
        partner.with_context(xero_inbound=True).email = "retried@example.com"
        action = job.action_retry()
        self.assertEqual(
            self.said(action), "Retried 0000 is queued again: it is sent within seconds."
        )
        self.assertEqual(
            action["params"]["next"], {"type": "ir.actions.client", "tag": "soft_reload"}
        )
        self.assertEqual(job.state, "pending")
        self.run_queue()
        self.assertEqual(job.state, "done")

    def test_resync_refuses_at_once_while_the_error_stands_and_queues_once_fixed(self):
        partner = self.customers(1, prefix="Resynced", email="not-an-email")
        self.run_queue()
        job = self.jobs.search([("res_id", "=", partner.id)])
        self.assertEqual(job.state, "error")
        action = partner.action_xero_resync()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(
            self.said(action),
            "Not sent: it would fail again. “not-an-email” is not an email address Xero "
            "accepts. Correct the Email of this customer, then press Resync.",
        )
        self.assertEqual(job.state, "error", "nothing queued to fail again")
        self.assertFalse(self.jobs.search([("state", "=", "pending")]))

        partner.with_context(xero_inbound=True).email = "resynced@example.com"
        action = partner.action_xero_resync()
        self.assertEqual(self.said(action), "Queued for Xero: it is sent within seconds.")
        self.assertEqual(job.state, "pending")
        self.run_queue()
        self.assertEqual(self.link_of(partner).state, "synced")

    # ------------------------------------------------------------------ calls left

    def test_calls_left_this_minute_drop_with_calls_and_recover_after_a_minute(self):
        connection = self.connection.sudo()
        budgets = self.env["xero.connection.budget"]
        connection.invalidate_recordset()
        before = connection.minute_calls_left
        for _call in range(3):
            connection._xero_call("get_contacts", purpose="fetch")
        budgets._xero_flush(connection)
        budgets.invalidate_model()
        connection.invalidate_recordset()
        self.assertEqual(connection.minute_calls_left, before - 3)
        with freeze_time(fields.Datetime.now() + timedelta(seconds=61)):
            budgets.invalidate_model()
            connection.invalidate_recordset()
            self.assertEqual(connection.minute_calls_left, 60)

    def test_test_connection_says_the_figures_the_overview_shows(self):
        connection = self.connection.sudo()
        message = self.said(connection.action_xero_test())
        connection.invalidate_recordset()
        minute, day = connection.minute_calls_left, connection.day_calls_left
        self.assertLess(minute, 60)
        self.assertIn(f"Calls left: {minute} this minute, {day} today.", message)
        budget = connection.budget_ids
        self.assertEqual(
            connection.day_calls_as_of, f"as of {connection._xero_clock(budget.left_at)}"
        )

    # ------------------------------------------------------------------ the log

    def test_log_lines_say_what_happened_in_plain_words(self):
        self.customers(2, prefix="Plain")
        self.run_queue()
        [put] = self.logs(operation="create_contacts")
        self.assertEqual(put.summary, "Sent 2 customers to Xero")
        self.assertEqual(put.display_name, "Sent 2 customers to Xero")
        self.assertEqual(put.http_status, 200)
        self.assertTrue(put.correlation_id)
        self.assertEqual(
            sorted(self.logs(operation="create", res_model="res.partner").mapped("summary")),
            ["Created Plain 0000 in Xero", "Created Plain 0001 in Xero"],
        )

        # the accountant changes the phone of a contact Odoo read from Xero
        self.settled()
        [contact_id] = [
            c["ContactID"] for c in self.books.contacts.values() if c["Name"] == "Ridgeway Builders"
        ]
        partner = self.env["res.partner"].search([("name", "=", "Ridgeway Builders")])
        for phone in ("+64 9 555 0202", "+64 9 555 0303"):
            self.accountant_edits(
                contact_id, Phones=[{"PhoneType": "DEFAULT", "PhoneNumber": phone}]
            )
            self.poll()
        self.assertEqual(partner.phone, "+64 9 555 0303")
        change = self.logs(operation="apply", res_id=partner.id)[:1]
        self.assertEqual(
            change.summary, "Updated Ridgeway Builders: phone +64 9 555 0202 → +64 9 555 0303"
        )
        self.assertEqual(change.display_name, change.summary)
        read = self.logs(operation="get_contacts")[:1]
        self.assertEqual(read.summary, "Read 1 changed contact")

    def test_caught_before_sending_is_told_apart_from_refused_by_xero(self):
        bad_email, foreign = self.refused_customers()
        self.run_queue()
        caught = self.jobs.search([("res_id", "=", bad_email.id)])
        refused = self.jobs.search([("res_id", "=", foreign.id)])
        self.assertEqual((caught.failure_type, refused.failure_type), ("caught", "validation"))
        [caught_line] = self.logs(job_id=caught.id)
        [refused_line] = self.logs(job_id=refused.id)
        self.assertEqual(caught_line.summary, "Caught before sending: Bad mail 0000")
        self.assertEqual(refused_line.summary, "Refused by Xero: Euro 0000")
        self.assertEqual(
            (caught_line.failure_type, refused_line.failure_type), ("caught", "validation")
        )
        self.assertFalse(caught_line.http_status)
