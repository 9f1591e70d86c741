"""Fault injection over a few hundred jobs: the queue converges, nothing twice, nothing lost."""

from odoo.tests import TransactionCase, tagged

from .common import XeroSyncCase

# every way a call can fail, in the order the next PUTs of contacts meet them
FAULTS = ("500", "503", "drop", "accept_then_fail", "429", "slow", "accept_then_fail", "500")


@tagged("post_install", "-at_install")
class TestSyncFaults(XeroSyncCase, TransactionCase):
    def test_300_customers_through_every_fault_reach_xero_exactly_once(self):
        self.env["ir.config_parameter"].sudo().set_param("xero_connector.timeout", "1")
        seeded = len(self.books.contacts)
        partners = self.customers(300)
        invalid = self.customers(3, prefix="Invalid", email="no-at-sign")
        for kind in FAULTS:
            self.sandbox.faults.add(kind, method="PUT", path="/Contacts$", delay=2, retry_after=20)
        rounds = self.run_until_settled()

        self.assertFalse(self.sandbox.faults.pending(), "every fault was met")
        self.assertEqual(len(self.books.contacts), seeded + 300)
        for partner in partners:
            [contact] = self.contacts_named(partner.name)
            link = self.link_of(partner)
            self.assertEqual((link.xero_id, link.state), (contact["ContactID"], "synced"))
        failed = self.jobs.search([("state", "=", "error")])
        self.assertEqual(sorted(failed.mapped("res_id")), sorted(invalid.ids))
        self.assertEqual(set(failed.mapped("failure_type")), {"validation"})
        for job in failed:
            self.assertIn("e-mail address", job.failure_reason)
            self.assertEqual(job.error_field, "Email")
        self.assertFalse(self.jobs.search([("state", "in", ("pending", "processing"))]))
        self.assertEqual(len([c for c in self.sandbox.calls if c["status"] == 429]), 1, "injected")
        # every record movement and every call is in the log
        logs = self.env["xero.sync.log"].search([("connection_id", "=", self.connection.id)])
        self.assertEqual(
            len(logs.filtered(lambda log: log.outcome == "ok" and log.res_id)), 300, rounds
        )
        self.assertEqual(len(logs.filtered(lambda log: log.outcome == "error" and log.res_id)), 3)
        # a create resent as it was is followed by a check that nothing else changed
        followed = logs.filtered(lambda log: log.outcome == "skipped")
        self.assertTrue(all("nothing was sent" in log.message for log in followed))
        put_lines = logs.filtered(lambda log: log.operation == "create_contacts")
        self.assertEqual(len(put_lines), len(self.sandbox.calls_to("/Contacts", method="PUT")))
