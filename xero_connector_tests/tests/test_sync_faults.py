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
        # the invalid emails never left Odoo
        self.assertEqual(set(failed.mapped("failure_type")), {"caught"})
        for job in failed:
            self.assertIn("email address", job.failure_reason)
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


@tagged("post_install", "-at_install")
class TestUncertainCreates(XeroSyncCase, TransactionCase):
    def test_a_resent_create_refused_for_its_own_name_ends_linked(self):
        """Xero made the contacts, the answer was lost, and the resend meets a Xero that no
        longer replays the key (as the sandbox did after a restart without its keys): the
        create is refused for its own name, then looked up and linked, once."""
        seeded = len(self.books.contacts)
        partners = self.customers(50, prefix="Lost answer")
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Contacts$")
        self.run_queue()
        self.assertEqual(len(self.books.contacts), seeded + 50, "the batch reached Xero")
        self.assertTrue(all(self.jobs.search([("res_id", "in", partners.ids)]).mapped("uncertain")))
        with self.sandbox.lock:
            self.sandbox.idempotency.clear()
        self.run_until_settled()
        self.assertEqual(len(self.books.contacts), seeded + 50, "nothing created twice")
        for partner in partners:
            [contact] = self.contacts_named(partner.name)
            link = self.link_of(partner)
            self.assertEqual((link.xero_id, link.state), (contact["ContactID"], "synced"))
        jobs = self.jobs.search([("res_id", "in", partners.ids)])
        self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("failure_reason"))
        self.assertIn("earlier attempt", jobs[0].result)
        # what Xero holds is what both sides agree on: an edit is sent as an update
        partners[0].phone = "09 555 0199"
        self.run_queue()
        [contact] = self.contacts_named(partners[0].name)
        phones = {p["PhoneType"]: p.get("PhoneNumber") for p in contact["Phones"]}
        self.assertEqual(phones["DEFAULT"], "09 555 0199")
        self.assertEqual(len(self.books.contacts), seeded + 50)

    def test_the_accountant_creates_the_same_customer_a_moment_before_odoo(self):
        """The customer is created in Xero after Odoo last read its contacts and before
        Odoo's create arrives: Xero refuses the name, Odoo finds it and links it."""
        partner = self.env["res.partner"].create(
            {"name": "Harbour Cafe", "email": "hello@harbour.example", "customer_rank": 1}
        )
        batch = self.jobs._xero_lock_batch()  # Xero's contacts read, nothing matches yet
        self.assertEqual(batch.mapped("operation"), ["create"])
        with self.sandbox.lock:
            made = self.books.save_contact(
                {"Name": "Harbour Cafe", "EmailAddress": "HELLO@harbour.example"},
                "Accountant",
                create_only=True,
            )
        batch._xero_run()
        self.assertEqual(len(self.contacts_named("Harbour Cafe")), 1)
        self.assertEqual(self.link_of(partner).xero_id, made["ContactID"].lower())
        self.assertEqual(batch.state, "done", batch.failure_reason)
        self.assertIn("a moment earlier", batch.result)
        # the contact is read and merged with the partner
        self.run_until_settled()
        self.assertEqual(self.link_of(partner).state, "synced")
        self.assertEqual(len(self.contacts_named("Harbour Cafe")), 1)

    def test_a_customer_the_accountant_made_before_is_linked_not_created(self):
        with self.sandbox.lock:
            made = self.books.save_contact(
                {"Name": "Kowhai Bakery Ltd", "EmailAddress": "orders@kowhai.example"},
                "Accountant",
                create_only=True,
            )
        partner = self.env["res.partner"].create(
            {"name": "Kowhai Bakery", "email": "orders@kowhai.example", "customer_rank": 1}
        )
        self.run_until_settled()
        self.assertFalse(self.sandbox.calls_to("/Contacts", method="PUT"))
        self.assertEqual(self.link_of(partner).xero_id, made["ContactID"].lower())

    def test_a_name_clash_with_another_customer_says_which_contact(self):
        partner = self.env["res.partner"].create(
            {"name": "Pohutukawa Ltd", "email": "a@pohutukawa.example", "customer_rank": 1}
        )
        batch = self.jobs._xero_lock_batch()
        with self.sandbox.lock:
            other = self.books.save_contact(
                {"Name": "Pohutukawa Ltd", "EmailAddress": "b@elsewhere.example"},
                "Accountant",
                create_only=True,
            )
        batch._xero_run()
        self.assertEqual(batch.state, "error")
        self.assertIn("b@elsewhere.example", batch.failure_reason)
        self.assertIn(other["ContactID"], batch.failure_reason)
        self.assertFalse(self.link_of(partner).xero_id)
        self.assertEqual(len(self.contacts_named("Pohutukawa Ltd")), 1)
