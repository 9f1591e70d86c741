"""Going live with contact sync: a dry run that changes nothing, a test batch, everything."""

from odoo.tests import TransactionCase, tagged

from .test_contacts import ContactCase


@tagged("post_install", "-at_install")
class TestGoLive(ContactCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.connection.sudo().write(
            {
                "sync_contacts": False,
                "contact_scope": "domain",
                "contact_domain": "[('name', '=like', 'GL %')]",
            }
        )
        self.xero_contact(Name="GL Alpha in Xero", EmailAddress="alpha@example.com")
        self.xero_contact(Name="GL Beta")
        self.only_in_xero = self.xero_contact(Name="GL Gamma", EmailAddress="gamma@example.com")
        self.xero_contact(Name="GL Twin One", EmailAddress="twin@example.com")
        self.xero_contact(Name="GL Twin Two", EmailAddress="twin@example.com")
        archived = self.xero_contact(Name="GL Old")
        self.accountant_edits(archived["ContactID"], ContactStatus="ARCHIVED")
        partners = self.env["res.partner"].with_context(xero_inbound=True)
        self.alpha = partners.create({"name": "GL Alpha", "email": "ALPHA@example.com "})
        self.beta = partners.create({"name": "GL Beta"})
        self.zeta = partners.create({"name": "GL Zeta", "email": "zeta@example.com"})
        self.twin = partners.create({"name": "GL Twin", "email": "twin@example.com"})
        self.seeded = len(self.books.contacts)
        self.wizard = self.env["xero.contact.golive"].create({})

    def test_the_dry_run_counts_and_lists_and_changes_nothing(self):
        partners = self.env["res.partner"].search_count([])
        self.wizard.action_dry_run()
        self.assertEqual(self.wizard.count_link, 2)
        self.assertEqual(self.wizard.count_create_xero, 1)
        self.assertEqual(self.wizard.count_review, 1)
        # every other active Xero contact (the sandbox's own too) would become a customer,
        # but a supplier only, as when the queue reads a new contact
        views = [self.books.contact_view(c) for c in self.books.contacts.values()]
        customers = [
            c
            for c in views
            if c["ContactStatus"] == "ACTIVE" and (c["IsCustomer"] or not c["IsSupplier"])
        ]
        self.assertEqual(self.wizard.count_create_odoo, len(customers) - 2 - 2)
        self.assertEqual(self.wizard.calls, 1)
        self.assertIn("GL Alpha ↔ GL Alpha in Xero (email)", self.wizard.preview)
        self.assertIn("GL Zeta", self.wizard.preview)
        self.assertFalse(self.env["xero.link"].search([]))
        self.assertFalse(self.jobs.search([]))
        self.assertFalse(self.env["xero.contact.review"].search([]))
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertFalse(self.connection.sync_contacts)

    def test_the_wizard_says_what_it_will_do_then_what_it_did(self):
        action = self.wizard.action_dry_run()
        self.assertEqual(action["name"], "Go live with contacts", "its title stays")
        preview = self.wizard.preview
        for heading in ("To link (2)", "To create in Xero (1)", "To review (1)"):
            self.assertIn(heading, preview)
        self.assertNotIn("Linked (", preview, "nothing is linked by a dry run")
        # every Xero contact is accounted for: the archived one is left, and says why
        self.assertIn("Left as they are in Xero", preview)
        self.assertIn("GL Old: Archived in Xero", preview)
        self.assertGreaterEqual(self.wizard.count_left, 1)
        self.assertFalse(self.wizard.already_live)
        self.go_live(self.wizard)
        self.assertIn("Linked (2)", self.wizard.preview)
        self.assertIn("Sent to Xero (1)", self.wizard.preview)
        self.run_until_settled()
        # a second go-live: contacts are live, and it says so
        again = self.env["xero.contact.golive"].create({})
        self.assertTrue(again.already_live)
        again.action_dry_run()
        self.assertEqual((again.count_link, again.count_create_xero), (0, 0))
        self.assertFalse(again.nothing_to_do, "the customer to review is still there")

    def test_going_live_runs_in_the_background_and_tells_the_manager(self):
        self.wizard.action_dry_run()
        action = self.wizard.action_go_live()
        self.assertEqual(action["res_id"], self.wizard.id, "the window stays, with its progress")
        self.assertEqual((self.wizard.state, self.wizard.progress), ("running", 0))
        self.assertIn("in the background", self.wizard.result)
        self.assertFalse(self.link_of(self.alpha), "nothing done in the manager's request")
        bus = self.env["bus.bus"].sudo()
        before = bus.search([], order="id desc", limit=1).id or 0
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_golive"))
        self.assertEqual((self.wizard.state, self.wizard.progress), ("live", 100))
        self.assertTrue(self.link_of(self.alpha))
        [note] = bus.search([("id", ">", before), ("message", "like", "simple_notification")])
        self.assertIn("Live: 2 linked", note.message)
        self.assertIn(str(self.env.user.partner_id.id), note.channel)

    def test_a_go_live_xero_refuses_says_why_and_can_be_run_again(self):
        self.wizard.action_dry_run()
        self.wizard.action_go_live()
        self.connection.sudo().state = "needs_reauth"
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_golive"))
        self.assertEqual(self.wizard.state, "planned", "back to where it was: Go live again")
        self.assertTrue(self.wizard.result)
        self.assertNotIn("in the background", self.wizard.result)
        self.assertFalse(self.link_of(self.alpha))

    def test_a_test_batch_then_going_live(self):
        self.wizard.action_dry_run()
        self.wizard.test_partner_ids = self.zeta
        self.wizard.action_test_batch()
        self.run_queue()
        self.assertEqual(len(self.contacts_named("GL Zeta")), 1)
        self.assertFalse(self.link_of(self.alpha), "only the test batch")
        self.go_live(self.wizard)
        self.assertTrue(self.connection.sync_contacts)
        self.assertEqual(self.wizard.state, "live")
        self.run_queue()
        self.assertEqual(len(self.contacts_named("GL Zeta")), 1, "not created twice")
        alpha = self.contacts_named("GL Alpha in Xero")[0]
        self.assertEqual(self.link_of(self.alpha).xero_id, alpha["ContactID"].lower())
        self.assertEqual(self.link_of(self.beta).state, "synced")
        gamma = self.env["res.partner"].search([("name", "=", "GL Gamma")])
        self.assertEqual(gamma.xero_contact_id, self.only_in_xero["ContactID"].lower())
        review = self.env["xero.contact.review"].search([("partner_id", "=", self.twin.id)])
        self.assertEqual(len(review.candidate_ids), 2)
        self.assertFalse(self.env["res.partner"].search([("name", "like", "GL Twin One")]))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "GL Old")]))
        cursor = self.env["xero.poll.cursor"].search(
            [("connection_id", "=", self.connection.id), ("res_model", "=", "res.partner")]
        )
        self.assertTrue(cursor.modified_since)
        # going live again links and creates nothing more
        self.go_live(self.env["xero.contact.golive"].create({}))
        self.assertEqual(len(self.books.contacts), self.seeded + 1)

    def test_account_and_contact_numbers_link_in_the_dry_run_the_test_batch_and_going_live(self):
        """A Xero contact and a partner sharing only a number (not the name, not the
        email) are the same customer everywhere: never a second contact in Xero."""
        numbered = self.xero_contact(
            Name="GL Numbered Ltd", EmailAddress="accounts@numbered.example", AccountNumber="C042"
        )
        coded = self.xero_contact(Name="GL Coded Ltd", ContactNumber="C077")
        partners = self.env["res.partner"].with_context(xero_inbound=True)
        one = partners.create(
            {"name": "GL Numbered (Odoo)", "email": "sales@numbered.example", "ref": "C042"}
        )
        two = partners.create({"name": "GL Coded (Odoo)", "ref": "C077"})
        contacts = len(self.books.contacts)

        self.wizard.action_dry_run()
        self.assertIn("GL Numbered (Odoo) ↔ GL Numbered Ltd (account number)", self.wizard.preview)
        self.assertIn("GL Coded (Odoo) ↔ GL Coded Ltd (contact number)", self.wizard.preview)
        self.assertEqual((self.wizard.count_link, self.wizard.count_create_xero), (4, 1))

        self.wizard.test_partner_ids = one
        self.wizard.action_test_batch()
        self.run_until_settled()
        self.assertEqual(self.link_of(one).xero_id, numbered["ContactID"].lower())
        self.assertEqual(len(self.books.contacts), contacts, "the test batch created nothing")

        self.go_live(self.env["xero.contact.golive"].create({}))
        self.run_until_settled()
        self.assertEqual(self.link_of(two).xero_id, coded["ContactID"].lower())
        self.assertEqual(self.link_of(one).xero_id, numbered["ContactID"].lower())
        self.assertFalse(self.contacts_named("GL Numbered (Odoo)"))
        self.assertFalse(self.contacts_named("GL Coded (Odoo)"))
        # only GL Zeta was new to Xero
        self.assertEqual(len(self.books.contacts), contacts + 1)
        self.assertEqual(len(self.contacts_named("GL Zeta")), 1)

    def test_300_new_customers_after_going_live_cost_at_most_8_calls(self):
        self.go_live(self.env["xero.contact.golive"].create({}))
        self.run_until_settled()
        self.connection.sudo().contact_scope = "customers"
        before = len(self.api_calls())
        partners = self.customers(300, prefix="Fresh")
        self.run_until_settled()
        calls = self.api_calls()[before:]
        # one read of what changed in Xero since going live, then ⌈300 / 50⌉ creates
        self.assertEqual(len([c for c in calls if c["method"] == "PUT"]), 6)
        self.assertLessEqual(len(calls), 8, [(c["method"], c["path"]) for c in calls])
        self.assertEqual({self.link_of(p).state for p in partners}, {"synced"})
        self.assertEqual(
            len([c for c in self.books.contacts.values() if "Fresh" in c["Name"]]), 300
        )
