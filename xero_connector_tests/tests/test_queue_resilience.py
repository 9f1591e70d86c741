"""Nothing stops the queue: a job Odoo fails on is set aside with its reason and the run
goes on, a record queued again while its job waits is merged, and a queue that does not
move is told to the Xero managers."""

from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.xero_connector.exceptions import XeroRateLimitError

from .common import XeroSyncCase

QUEUE_LOGGER = "odoo.addons.xero_connector.models.xero_sync_job"


@tagged("post_install", "-at_install")
class TestQueueResilience(XeroSyncCase, TransactionCase):
    def planted(self, kind, direction, **values):
        """A job about a model Odoo no longer has (its module was uninstalled, say): Odoo
        fails on it, whatever the queue does."""
        return self.jobs.create(
            {
                "connection_id": self.connection.id,
                "direction": direction,
                "kind": kind,
                "res_model": "x_gone.model",
                "res_id": 7,
                "xero_id": "0c0c0c0c-0000-4000-8000-000000000007",
                "dedup_key": f"{self.connection.id}:{kind}:planted",
                **values,
            }
        )

    @mute_logger(QUEUE_LOGGER)
    def test_a_job_odoo_cannot_prepare_is_set_aside_and_the_rest_goes(self):
        planted = self.planted("contact.push", "out", priority=1)
        customers = self.customers(2, prefix="Goes on")
        self.run_queue()  # a failed cron fails this test
        self.assertEqual(planted.state, "error")
        self.assertEqual(planted.failure_type, "internal")
        self.assertIn("set it aside so that the rest of the queue goes on", planted.failure_reason)
        self.assertIn("x_gone.model", planted.failure_reason)
        for customer in customers:
            self.assertEqual(self.link_of(customer).state, "synced")
        # a manager sees it with the other failures, and Retry is offered as usual
        self.assertEqual(self.connection.job_error_count, 1)

    @mute_logger(QUEUE_LOGGER)
    def test_a_batch_odoo_keeps_failing_on_is_tried_again_then_set_aside(self):
        """Odoo fails while recording Xero's answer for a batch, again and again (a bug):
        it is tried again at the retry schedule's pace, as uncertain, then set aside."""
        customer = self.customers(1, prefix="Failing")
        batch = self.jobs._xero_lock_batch()
        self.assertEqual(batch._xero_crashed(RuntimeError("a bug")), 0)
        self.assertEqual((batch.state, batch.attempts, batch.uncertain), ("pending", 1, True))
        for _round in range(6):
            self.time_passes()
            batch = self.jobs._xero_lock_batch()
            finished = batch._xero_crashed(RuntimeError("a bug"))
        self.assertEqual((batch.state, finished), ("error", 1))
        self.assertIn("a bug", batch.failure_reason)
        self.assertIn("set it aside", batch.failure_reason)
        # Retry sends it again once fixed; looked up first, as its request may have reached Xero
        batch.action_retry()
        self.run_queue()
        self.assertEqual(self.link_of(customer).state, "synced")
        self.assertEqual(len(self.contacts_named("Failing 0000")), 1)

    def test_a_record_queued_again_while_its_job_waits_is_merged_into_one_job(self):
        """As a pay link queued again by an approval while its job waited for the
        budget: the record keeps one pending job, and the queue goes on."""
        customer = self.customers(1, prefix="Twice")
        [first] = self.jobs.search([("res_id", "=", customer.id)])
        batch = self.jobs._xero_lock_batch()
        self.assertEqual(batch, first)
        customer.email = "again@example.com"  # queued again while the first is processing
        [second] = self.jobs.search([("res_id", "=", customer.id), ("state", "=", "pending")])
        wait = XeroRateLimitError("Wait for the budget.", 30, "budget")
        batch._xero_wait(wait)  # set back to pending: one pending job per record
        self.assertEqual(first.state, "cancelled")
        self.assertIn(f"Merged into job {second.id}", first.result)
        self.assertEqual(second.state, "pending")
        self.assertGreaterEqual(second.next_attempt_at, fields.Datetime.now())
        self.time_passes()
        self.run_queue()
        self.assertEqual(second.state, "done")
        [contact] = self.contacts_named("Twice 0000")
        self.assertEqual(contact["EmailAddress"], "again@example.com")

    @mute_logger(QUEUE_LOGGER)
    def test_a_job_of_a_dead_worker_keeps_its_uncertainty_when_merged(self):
        customer = self.customers(1, prefix="Maybe sent")
        batch = self.jobs._xero_lock_batch()
        customer.email = "later@example.com"
        batch._xero_crashed(RuntimeError("the worker died"))
        [pending] = self.jobs.search([("res_id", "=", customer.id), ("state", "=", "pending")])
        self.assertNotEqual(pending, batch)
        self.assertTrue(pending.uncertain, "its create may have reached Xero: looked up first")
        self.time_passes()
        self.run_queue()
        self.assertEqual(len(self.contacts_named("Maybe sent 0000")), 1)

    def test_a_queue_that_does_not_move_is_told_to_the_managers_once(self):
        customer = self.customers(1, prefix="Waiting")
        self.env.flush_all()
        long_ago = fields.Datetime.now() - timedelta(minutes=25)
        self.env.cr.execute(
            "UPDATE xero_sync_job SET next_attempt_at = %s WHERE state = 'pending'", (long_ago,)
        )
        self.env.invalidate_all()
        self.assertEqual(self.connection.queue_stalled_since, long_ago)
        watch = self.env.ref("xero_connector.ir_cron_xero_watch_queue")
        self.run_cron(watch)
        self.run_cron(watch)
        summary = f"The Xero queue of {self.env.company.name} is not moving"
        activities = self.connection.activity_ids.filtered(lambda a: a.summary == summary)
        self.assertEqual(activities.user_id, self.env.ref("base.user_admin"), "once per manager")
        self.run_queue()
        self.assertEqual(self.link_of(customer).state, "synced")
        self.assertFalse(self.connection.queue_stalled_since)
        self.run_cron(watch)
        self.assertFalse(self.connection.activity_ids.filtered(lambda a: a.summary == summary))


@tagged("post_install", "-at_install")
class TestRecoveryAtTheBatchingLimit(XeroSyncCase, TransactionCase):
    def test_uncertain_creates_are_looked_up_together_and_sent_in_batches(self):
        """A crash left 120 creates uncertain, each from a request of its own (as retries
        one by one leave them); 30 of them had reached Xero. They are looked up in one
        read per batch, the 30 adopted, the rest of each batch created in one call:
        every customer is in Xero once."""
        customers = self.customers(120, prefix="Recovered")
        jobs = self.jobs.search(
            [("res_model", "=", "res.partner"), ("res_id", "in", customers.ids)]
        )
        self.assertEqual(len(jobs), 120)
        with self.sandbox.lock:
            for partner in customers[:30]:
                self.books.save_contact({"Name": partner.name}, "Odoo")
            self.sandbox.calls.clear()
        for index, job in enumerate(jobs.sorted("id")):
            partner = customers.browse(job.res_id)
            job.write(
                {
                    "operation": "create",
                    "payload": partner._xero_outbound(self.connection, None),
                    "uncertain": True,
                    "idempotency_key": f"xc-lost-{index}",
                    "started_at": fields.Datetime.now() - timedelta(minutes=5),
                }
            )

        self.run_until_settled()

        calls = [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in self.api_calls()]
        self.assertEqual(calls.count(("GET", "Contacts")), 3, "one look-up per batch of 50")
        self.assertLessEqual(calls.count(("PUT", "Contacts")), 3, "the rest created per batch")
        self.assertLessEqual(len(calls), 2 * 3 + 2)
        for partner in customers:
            self.assertEqual(len(self.contacts_named(partner.name)), 1, partner.name)
            self.assertTrue(self.link_of(partner).xero_id)
        self.assertFalse(self.jobs.search([("state", "=", "error")]))


@tagged("post_install", "-at_install")
class TestConflictsRetriedAtOnce(XeroSyncCase, TransactionCase):
    def met_a_conflict(self, job):
        """The worker recording this job's answer met another worker's change (rolled
        back): what the queue does then."""
        job.write({"state": "processing", "started_at": fields.Datetime.now()})
        job._xero_crashed(psycopg2.errors.SerializationFailure("could not serialize access"))

    def wake_ups(self):
        cron = self.env.ref("xero_connector.ir_cron_xero_process_queue")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)], order="call_at")

    def test_a_conflict_with_another_worker_is_sent_again_within_a_second(self):
        [customer] = self.customers(1, prefix="Conflicted")
        job = self.jobs.search([("res_model", "=", "res.partner"), ("res_id", "=", customer.id)])
        self.wake_ups().unlink()
        for conflicts in (1, 2, 3):
            started = fields.Datetime.now()
            self.met_a_conflict(job)
            self.assertEqual((job.state, job.conflicts), ("pending", conflicts))
            self.assertLessEqual(job.next_attempt_at, started + timedelta(seconds=1))
            self.assertIn("sent again at once", job.failure_reason)
            # the queue's cron is woken for it, not left to its next minute
            self.assertIn(job.next_attempt_at, self.wake_ups().mapped("call_at"))
        # the same conflict again and again: not the user's error, but it now waits
        self.met_a_conflict(job)
        self.assertGreaterEqual(job.next_attempt_at, fields.Datetime.now() + timedelta(seconds=29))
        self.assertIn("Waiting for another worker", job.failure_reason)
        self.assertIn(job.next_attempt_at, self.wake_ups().mapped("call_at"))
        self.time_passes()
        self.run_queue()
        self.assertEqual((job.state, job.conflicts), ("done", 0))
        self.assertEqual(len(self.contacts_named(customer.name)), 1)
