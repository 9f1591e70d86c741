"""The sync queue: coalescing, batching, per-element outcomes, retries, idempotency, budget."""

from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import XeroSyncCase


@tagged("post_install", "-at_install")
class TestSyncQueue(XeroSyncCase, CronMixinCase, TransactionCase):
    def puts(self):
        return [
            c for c in self.api_calls() if c["method"] == "PUT" and c["path"].endswith("/Contacts")
        ]

    def posts(self):
        return [
            c for c in self.api_calls() if c["method"] == "POST" and c["path"].endswith("/Contacts")
        ]

    # ------------------------------------------------------------------ enqueueing

    def test_repeated_changes_of_a_record_coalesce_into_one_pending_job(self):
        first, second = self.customers(2)
        first.write({"phone": "+64 9 111"})
        first.write({"email": "first@example.com"})
        second.write({"phone": "+64 9 222"})
        pending = self.jobs.search([("state", "=", "pending")])
        self.assertEqual(sorted(pending.mapped("res_id")), sorted((first | second).ids))
        self.assertEqual(set(pending.mapped("kind")), {"contact.push"})

    def test_only_customers_of_connections_that_sync_contacts_are_queued(self):
        self.env["res.partner"].create({"name": "Not a customer"})
        customer = self.customers(1)
        self.env["res.partner"].create({"name": "Their contact", "parent_id": customer.id})
        self.assertEqual(self.jobs.search([]).res_id, customer.id)
        self.connection.sync_contacts = False
        self.customers(1, prefix="Later")
        self.assertEqual(len(self.jobs.search([])), 1)

    def test_queueing_wakes_the_cron_once_per_transaction(self):
        with self.capture_triggers("xero_connector.ir_cron_xero_process_queue") as triggers:
            self.customers(3)
            self.customers(2, prefix="More")
        self.assertEqual(len(triggers.records), 1)

    # ------------------------------------------------------------------ batching

    def test_120_new_customers_go_to_xero_in_three_calls_and_are_linked(self):
        partners = self.customers(120)
        self.run_queue()
        self.assertEqual(len(self.puts()), 3)
        for call in self.puts():
            self.assertEqual(call["query"].get("summarizeerrors"), "False")
            self.assertTrue(call["idempotency_key"])
        for partner in partners:
            [contact] = self.contacts_named(partner.name)
            link = self.link_of(partner)
            self.assertEqual(link.xero_id, contact["ContactID"])
            self.assertEqual(link.state, "synced")
            self.assertEqual(partner.xero_sync_state, "synced")
        jobs = self.jobs.search([])
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        # never seen by Xero: matched first with Xero's contacts (one read of them, as
        # none was read before), none was found
        lookups = self.sandbox.calls_to("/Contacts", method="GET")
        self.assertEqual(len(lookups), 1)
        logs = self.env["xero.sync.log"].search([("connection_id", "=", self.connection.id)])
        calls = logs.filtered("http_status")
        # connecting (the organisations granted, the organisation, Xero's five reference
        # lists), the read, the creates
        self.assertEqual(len(calls), 2 + 5 + 1 + 3)
        self.assertEqual(set(calls.mapped("http_status")), {200})
        accounting = calls.filtered(lambda line: line.operation != "get_connections")
        self.assertTrue(all(accounting.mapped("correlation_id")))
        self.assertEqual(len(logs.filtered(lambda log: log.res_id and log.outcome == "ok")), 120)

    def test_an_edit_is_sent_as_an_update_and_an_unchanged_record_not_at_all(self):
        partner = self.customers(1)
        self.run_queue()
        contact_id = self.link_of(partner).xero_id
        partner.write({"email": "new@example.com"})
        self.run_queue()
        self.assertEqual(len(self.posts()), 1)
        self.assertEqual(self.books.contacts[contact_id]["EmailAddress"], "new@example.com")
        self.assertEqual(len(self.contacts_named(partner.name)), 1)
        calls = len(self.api_calls())
        partner.action_xero_resync()
        self.run_queue()
        self.assertEqual(len(self.api_calls()), calls, "nothing changed: no call")
        self.assertIn("already has these values", self.jobs.search([], limit=1).result)

    # ------------------------------------------------------------------ refusals

    def test_refused_elements_fail_alone_with_a_plain_reason_and_the_field(self):
        good = self.customers(3)
        bad_email, foreign = self.refused_customers()
        self.run_queue()
        self.assertEqual(len(self.puts()), 1)
        for partner in good:
            self.assertEqual(self.link_of(partner).state, "synced")
        # caught before sending: the bad email never left Odoo
        job = self.jobs.search([("res_id", "=", bad_email.id)])
        self.assertEqual((job.state, job.failure_type), ("error", "caught"))
        self.assertIn("email address", job.failure_reason)
        self.assertEqual(job.error_field, "Email")
        self.assertFalse(self.contacts_named(bad_email.name))
        self.assertEqual(bad_email.xero_sync_state, "error")
        # refused by Xero, for this element only, explained
        job = self.jobs.search([("res_id", "=", foreign.id)])
        self.assertEqual((job.state, job.failure_type), ("error", "validation"))
        self.assertIn("does not use the currency EUR", job.failure_reason)
        self.assertIn("is not enabled for this organisation", job.xero_messages)
        self.assertEqual(job.error_field, "Pricelist")
        # fixed and resynced: the failure is closed, the contact created
        bad_email.email = "fixed@example.com"
        bad_email.action_xero_resync()
        self.run_queue()
        self.assertEqual(self.link_of(bad_email).state, "synced")
        self.assertEqual(
            self.jobs.search([("res_id", "=", bad_email.id)]).mapped("state"), ["done", "cancelled"]
        )

    # ------------------------------------------------------------------ failures and retries

    def test_unavailable_xero_is_retried_with_back_off_then_lands_in_the_error_log(self):
        partner = self.customers(1)
        self.sandbox.faults.add("503", count=100, method="PUT", path="/Contacts")
        started = fields.Datetime.now()
        self.run_queue()
        job = self.jobs.search([("res_id", "=", partner.id)])
        self.assertEqual((job.state, job.attempts, job.failure_type), ("pending", 1, "unavailable"))
        self.assertTrue(job.uncertain)
        self.assertAlmostEqual(
            (job.next_attempt_at - started).total_seconds(), 30, delta=3, msg="first back-off"
        )
        for _attempt in range(5):
            self.time_passes()
            self.run_queue()
        self.assertEqual(job.state, "pending")
        self.time_passes()
        self.run_queue()
        # tried once, then once after each of the six waits of the schedule
        self.assertEqual(job.state, "error")
        self.assertEqual(job.attempts, 7)
        self.assertIn("did not answer after 7 attempts", job.failure_reason)
        self.assertEqual(len(self.puts()), 7)

    def test_a_429_waits_exactly_for_retry_after(self):
        self.customers(2)
        self.sandbox.faults.add("429", method="PUT", path="/Contacts", retry_after=37)
        with self.capture_triggers("xero_connector.ir_cron_xero_process_queue") as triggers:
            started = fields.Datetime.now()
            self.run_queue()
        jobs = self.jobs.search([])
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        self.assertEqual(set(jobs.mapped("failure_type")), {"rate_limit"})
        self.assertEqual(set(jobs.mapped("attempts")), {0})
        wait = (jobs[0].next_attempt_at - started).total_seconds()
        self.assertAlmostEqual(wait, 37, delta=2)
        self.assertEqual(self.connection.rate_wait_until, jobs[0].next_attempt_at)
        self.assertIn(jobs[0].next_attempt_at, triggers.records.mapped("call_at"))
        self.assertEqual(self.jobs._xero_ready_count(), 0)
        self.run_queue()
        self.assertEqual(len(self.puts()), 1, "nothing is sent before Retry-After")
        self.time_passes()
        self.run_queue()
        self.assertEqual(set(jobs.mapped("state")), {"done"})

    def test_an_answer_lost_after_xero_created_the_contacts_is_replayed_not_redone(self):
        partners = self.customers(3)
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Contacts")
        self.run_queue()
        self.assertEqual(set(self.jobs.search([]).mapped("uncertain")), {True})
        self.time_passes()
        self.run_queue()
        first, again = self.puts()
        self.assertEqual(first["idempotency_key"], again["idempotency_key"])
        for partner in partners:
            [contact] = self.contacts_named(partner.name)
            self.assertEqual(self.link_of(partner).xero_id, contact["ContactID"])

    def test_a_lost_create_whose_batch_changed_is_found_in_xero_not_created_again(self):
        partners = self.customers(3)
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Contacts")
        self.run_queue()
        self.jobs.search([("res_id", "=", partners[2].id)]).action_cancel()
        partners[0].write({"name": "Renamed meanwhile"})
        # the first look-up fails too: the jobs stay uncertain and look again later
        self.sandbox.faults.add("503", method="GET", path="/Contacts$")
        self.time_passes()
        self.run_queue()
        self.time_passes()
        self.run_queue()
        self.assertEqual(len(self.puts()), 1, "no second create")
        lookups = [
            c
            for c in self.api_calls()
            if c["method"] == "GET" and "where" in c["query"] and "summaryonly" not in c["query"]
        ]
        self.assertEqual([c["status"] for c in lookups], [503, 200])
        self.assertEqual(len(self.contacts_named("Customer 0000")), 0)
        [renamed] = self.contacts_named("Renamed meanwhile")
        self.assertEqual(self.link_of(partners[0]).xero_id, renamed["ContactID"])
        [second] = self.contacts_named("Customer 0001")
        self.assertEqual(self.link_of(partners[1]).xero_id, second["ContactID"])

    def test_a_worker_that_died_mid_call_leaves_jobs_that_are_resent_safely(self):
        partners = self.customers(2)
        batch = self.jobs._xero_lock_batch()
        self.assertEqual(set(batch.mapped("state")), {"processing"})
        # the worker reached Xero, then died before recording the answer
        self.env["res.partner"]._xero_push_batch(batch, "create")
        self.env.cr.execute(
            "UPDATE xero_sync_job SET state = 'processing', started_at = %s WHERE id IN %s",
            (fields.Datetime.now() - timedelta(hours=1), tuple(batch.ids)),
        )
        self.env["xero.link"].search([]).unlink()
        self.env.invalidate_all()
        self.run_queue()
        self.assertEqual(set(batch.mapped("state")), {"done"}, batch.mapped("failure_reason"))
        for partner in partners:
            [contact] = self.contacts_named(partner.name)
            self.assertEqual(self.link_of(partner).xero_id, contact["ContactID"])

    # ------------------------------------------------------------------ the budget

    def test_the_minute_budget_stops_before_xero_would_answer_429(self):
        self.sandbox.limiter.limits.per_minute = 5
        self.sandbox.limiter.reset()
        before = len(self.api_calls())
        self.customers(400)
        self.run_queue()
        # five calls (one read of Xero's contacts, four creates), then the queue waits
        self.assertEqual(len(self.api_calls()) - before, 5)
        self.assertFalse([c for c in self.sandbox.calls if c["status"] == 429])
        self.assertEqual(len(self.jobs.search([("state", "=", "pending")])), 200)
        self.assertTrue(self.connection.rate_wait_until)
        self.assertEqual(self.jobs._xero_ready_count(), 0, "nothing ready before the minute ends")
        self.run_until_settled()
        self.assertFalse([c for c in self.sandbox.calls if c["status"] == 429])
        self.assertEqual(len(self.puts()), 8)

    def test_local_counting_keeps_to_the_configured_minute_limit(self):
        # connecting read the organisation and Xero's five reference lists: six of this
        # minute's eight calls
        self.connection.minute_limit = 8
        self.customers(150)
        self.run_queue()
        self.assertEqual(len(self.api_calls()), 8)
        self.assertFalse([c for c in self.sandbox.calls if c["status"] == 429])
        self.assertTrue(self.connection.rate_wait_until)

    def reserve(self, connection, purpose):
        return self.env["xero.connection.budget"]._xero_reserve(connection, purpose)

    def test_the_daily_budget_goes_to_pushes_first(self):
        connection = self.connection.sudo()
        self.budget_used_today(85)
        self.assertGreater(self.reserve(connection, "poll"), 0)
        self.assertEqual(self.reserve(connection, "fetch"), 0)
        self.budget_used_today(95)
        self.assertGreater(self.reserve(connection, "fetch"), 0)
        self.assertEqual(self.reserve(connection, "push"), 0)
        self.budget_used_today(100)
        self.assertGreater(self.reserve(connection, "push"), 0)

    # ------------------------------------------------------------------ managers

    def test_pause_keeps_changes_queued_and_resume_sends_them(self):
        self.connection.action_xero_pause()
        partner = self.customers(1)
        calls = len(self.api_calls())
        self.run_queue()
        self.assertEqual(len(self.api_calls()), calls)
        self.assertEqual(self.jobs.search([("res_id", "=", partner.id)]).state, "pending")
        self.connection.action_xero_resume()
        self.run_queue()
        self.assertEqual(self.link_of(partner).state, "synced")

    def test_retry_and_cancel_from_the_queue(self):
        partner = self.customers(1, email="broken")
        self.run_queue()
        job = self.jobs.search([("res_id", "=", partner.id)])
        self.assertEqual(job.state, "error")
        partner.with_context(xero_inbound=True).email = "ok@example.com"
        job.action_retry()
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.generation, 1, "a new request, not a replay of the refused one")
        self.run_queue()
        self.assertEqual(job.state, "done")
        other = self.customers(1, prefix="Other")
        other_job = self.jobs.search([("res_id", "=", other.id)])
        other_job.action_cancel()
        self.run_queue()
        self.assertEqual(other_job.state, "cancelled")
        self.assertFalse(self.contacts_named(other.name))

    def test_old_log_lines_are_vacuumed(self):
        self.customers(2)
        self.run_queue()
        logs = self.env["xero.sync.log"].search([])
        self.assertTrue(logs)
        self.env.cr.execute(
            "UPDATE xero_sync_log SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=91), logs[0].id),
        )
        self.env["xero.sync.log"]._gc_xero_logs()
        self.assertEqual(self.env["xero.sync.log"].search_count([]), len(logs) - 1)
