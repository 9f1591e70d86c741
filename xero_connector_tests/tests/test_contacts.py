"""Contacts both ways: mapping, directions, conflicts, matching, review, merges, archiving."""

from odoo.tests import TransactionCase, tagged

from .common import XeroSyncCase


class ContactCase(XeroSyncCase):
    def xero_contact(self, **values):
        """A contact the accountant made in Xero (no webhook: polling reads it)."""
        with self.sandbox.lock:
            return self.books.save_contact(values, "Accountant", create_only=True)

    def poll(self):
        self.sandbox.clock.advance(2)
        self.run_cron(self.poll_cron)

    def term(self, delay_type, days, next_month="10"):
        return self.env["account.payment.term"].create(
            {
                "name": f"{delay_type} {days}",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "value": "percent",
                            "value_amount": 100,
                            "delay_type": delay_type,
                            "nb_days": days,
                            "days_next_month": next_month,
                        },
                    )
                ],
            }
        )


@tagged("post_install", "-at_install")
class TestContactMapping(ContactCase, TransactionCase):
    def test_a_customer_goes_to_xero_with_its_fields_addresses_terms_and_persons(self):
        nz = self.env.ref("base.nz")
        au = self.env.ref("base.au")
        partner = self.env["res.partner"].create(
            {
                "name": "Kea Outfitters",
                "is_company": True,
                "customer_rank": 1,
                "email": " Sales@Kea.example ",
                "phone": "+64 9 555 0100",
                "vat": "123-456-789",
                "ref": "KEA01",
                "company_registry": "NZBN 9429",
                "street": "1 Queen Street",
                "city": "Auckland",
                "zip": "1010",
                "country_id": nz.id,
                "property_payment_term_id": self.term("days_after", 20).id,
            }
        )
        self.env["res.partner"].create(
            [
                {
                    "parent_id": partner.id,
                    "type": "invoice",
                    "name": "Accounts",
                    "street": "PO Box 12",
                    "city": "Wellington",
                    "country_id": nz.id,
                },
                {
                    "parent_id": partner.id,
                    "type": "delivery",
                    "name": "Warehouse",
                    "street": "9 Dock Road",
                    "city": "Sydney",
                    "state_id": self.env.ref("base.state_au_2").id,
                    "country_id": au.id,
                },
                {"parent_id": partner.id, "name": "Mere Tane", "email": "mere@kea.example"},
            ]
        )
        contact_id = self.pushed(partner)
        contact = self.books.contacts[contact_id]
        self.assertEqual(contact["Name"], "Kea Outfitters")
        self.assertEqual(contact["EmailAddress"], "Sales@Kea.example")
        self.assertEqual(contact["TaxNumber"], "123-456-789")
        self.assertEqual(contact["AccountNumber"], "KEA01")
        self.assertEqual(contact["CompanyNumber"], "NZBN 9429")
        phones = {p["PhoneType"]: p.get("PhoneNumber") for p in contact["Phones"]}
        self.assertEqual(phones["DEFAULT"], "+64 9 555 0100")
        addresses = {a["AddressType"]: a for a in contact["Addresses"]}
        self.assertEqual(addresses["POBOX"]["AddressLine1"], "PO Box 12")
        self.assertEqual(addresses["POBOX"]["Country"], "New Zealand")
        self.assertEqual(addresses["STREET"]["City"], "Sydney")
        self.assertEqual(addresses["STREET"]["Region"], "New South Wales")
        self.assertEqual(
            contact["PaymentTerms"], {"Sales": {"Day": 20, "Type": "DAYSAFTERBILLDATE"}}
        )
        [person] = contact["ContactPersons"]
        self.assertEqual((person["FirstName"], person["LastName"]), ("Mere", "Tane"))
        self.assertEqual(self.link_of(partner).xero_id, contact_id)
        self.assertEqual(partner.xero_contact_id, contact_id)
        found = self.env["res.partner"].search([("xero_contact_id", "=", contact_id)])
        self.assertEqual(found, partner)

    def test_end_of_month_terms_map_to_xero_kinds(self):
        partner = self.customers(1)
        partner.property_payment_term_id = self.term("days_after_end_of_month", 20)
        self.assertEqual(
            partner._xero_payment_terms(), {"Sales": {"Day": 20, "Type": "DAYSAFTERBILLMONTH"}}
        )
        partner.property_payment_term_id = self.term("days_end_of_month_on_the", 0, "15")
        self.assertEqual(
            partner._xero_payment_terms(), {"Sales": {"Day": 15, "Type": "OFFOLLOWINGMONTH"}}
        )

    def test_changes_in_xero_come_back_address_country_state_and_terms(self):
        partner = self.customers(1, email="x@example.com")
        contact_id = self.pushed(partner)
        term = self.term("days_after", 14)
        self.accountant_edits(
            contact_id,
            Name="Renamed by the accountant",
            Phones=[{"PhoneType": "DEFAULT", "PhoneNumber": "09 123"}],
            Addresses=[
                {
                    "AddressType": "POBOX",
                    "AddressLine1": "10 George St",
                    "City": "Sydney",
                    "Region": "New South Wales",
                    "Country": "Australia",
                }
            ],
            PaymentTerms={"Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"}},
        )
        self.poll()
        self.assertEqual(partner.name, "Renamed by the accountant")
        self.assertEqual(partner.phone, "09 123")
        self.assertEqual(partner.street, "10 George St")
        self.assertEqual(partner.country_id, self.env.ref("base.au"))
        self.assertEqual(partner.state_id, self.env.ref("base.state_au_2"))
        self.assertEqual(partner.property_payment_term_id, term)
        change = self.env["xero.sync.log"].search([("new_values", "!=", False)], limit=1)
        self.assertEqual(change.old_values["name"], "Customer 0000")
        # nothing goes back: Xero and Odoo agree
        self.run_queue()
        self.assertFalse(self.sandbox.calls_to("/Contacts", method="POST"))

    def test_a_country_odoo_does_not_know_leaves_the_partners_own(self):
        partner = self.customers(1, country_id=self.env.ref("base.nz").id)
        contact_id = self.pushed(partner)
        self.accountant_edits(
            contact_id,
            Addresses=[{"AddressType": "POBOX", "City": "Cair Paravel", "Country": "Narnia"}],
        )
        self.poll()
        self.assertEqual(partner.city, "Cair Paravel")
        self.assertEqual(partner.country_id, self.env.ref("base.nz"))

    def test_archiving_goes_both_ways(self):
        partner = self.customers(1)
        contact_id = self.pushed(partner)
        partner.active = False
        self.run_queue()
        self.assertEqual(self.books.contacts[contact_id]["ContactStatus"], "ARCHIVED")
        partner.active = True
        self.run_queue()
        self.assertEqual(self.books.contacts[contact_id]["ContactStatus"], "ACTIVE")
        self.accountant_edits(contact_id, ContactStatus="ARCHIVED")
        self.poll()
        self.assertFalse(partner.active)

    def test_a_contact_archived_in_xero_meanwhile_stays_archived(self):
        partner = self.customers(1)
        contact_id = self.pushed(partner)
        self.accountant_edits(contact_id, ContactStatus="ARCHIVED")
        partner.phone = "021 555"
        self.run_queue()
        contact = self.books.contacts[contact_id]
        self.assertEqual(contact["ContactStatus"], "ARCHIVED", "only the phone was sent")
        self.poll()
        self.assertFalse(partner.active)

    def test_directions_per_field(self):
        partner = self.customers(1, email="one@example.com", phone="111")
        contact_id = self.pushed(partner)
        rules = self.connection.field_rule_ids
        rules.filtered(lambda r: r.key == "EmailAddress").direction = "to_xero"
        rules.filtered(lambda r: r.key == "Phones").direction = "none"
        self.accountant_edits(contact_id, EmailAddress="xero@example.com")
        self.poll()
        self.assertEqual(partner.email, "one@example.com", "Xero's email does not come back")
        partner.phone = "222"
        self.run_queue()
        phones = {
            p["PhoneType"]: p.get("PhoneNumber") for p in self.books.contacts[contact_id]["Phones"]
        }
        self.assertEqual(phones["DEFAULT"], "111", "the phone is not synced")

    def test_search_filters_not_linked_and_sync_error(self):
        linked, failed = self.customers(2, prefix="Filter")
        failed.email = "broken"
        self.run_queue()
        waiting = self.customers(1, prefix="Waiting")
        partners = self.env["res.partner"]
        scope = [("name", "=like", "Filter %")]
        self.assertEqual(partners.search([*scope, ("xero_sync_state", "=", "error")]), failed)
        mine = ("id", "in", (linked | failed | waiting).ids)
        self.assertEqual(partners.search([("xero_contact_id", "=", False), mine]), failed | waiting)
        self.assertEqual(partners.search([*scope, ("xero_contact_id", "!=", False)]), linked)
        self.assertEqual(partners.search([*scope, ("xero_sync_state", "=", "synced")]), linked)

    def test_bad_input_is_explained_before_sending(self):
        long_ref = self.customers(1, prefix="Long", ref="R" * 60)
        first, second = self.customers(2, prefix="Twin", email="same@example.com")
        self.run_queue()
        job = self.jobs.search([("res_id", "=", long_ref.id)])
        self.assertEqual(job.state, "error")
        self.assertIn("Xero allows 50", job.failure_reason)
        self.assertEqual(job.error_field, "Reference")
        for partner in (first, second):
            job = self.jobs.search([("res_id", "=", partner.id)])
            self.assertEqual(job.state, "error")
            self.assertIn("same email address", job.failure_reason)
        self.assertFalse(self.sandbox.calls_to("/Contacts", method="PUT"))
        self.assertEqual(long_ref.xero_sync_state, "error")


@tagged("post_install", "-at_install")
class TestContactConflicts(ContactCase, TransactionCase):
    def both_change(self, policy):
        self.connection.contact_conflict = policy
        partner = self.customers(1)
        contact_id = self.pushed(partner)
        # Odoo changes the name (its push waits), then the accountant changes it in Xero
        partner.name = "Odoo's name"
        self.sandbox.clock.advance(5)
        self.accountant_edits(contact_id, Name="Xero's name")
        self.poll()
        self.run_queue()
        return partner, self.books.contacts[contact_id]

    def test_odoo_wins(self):
        partner, contact = self.both_change("odoo")
        self.assertEqual((partner.name, contact["Name"]), ("Odoo's name", "Odoo's name"))
        overruled = self.env["xero.sync.log"].search(
            [("old_values", "!=", False), ("direction", "=", "out"), ("operation", "=", "apply")]
        )
        self.assertEqual(overruled.old_values["Name"], "Xero's name")
        self.assertEqual(overruled.new_values["Name"], "Odoo's name")

    def test_xero_wins(self):
        partner, contact = self.both_change("xero")
        self.assertEqual((partner.name, contact["Name"]), ("Xero's name", "Xero's name"))
        change = self.env["xero.sync.log"].search(
            [("new_values", "!=", False), ("direction", "=", "in")]
        )
        self.assertEqual(change.old_values["name"], "Odoo's name")

    def test_the_last_change_wins(self):
        partner, contact = self.both_change("last")
        self.assertEqual((partner.name, contact["Name"]), ("Xero's name", "Xero's name"))


@tagged("post_install", "-at_install")
class TestContactMatching(ContactCase, TransactionCase):
    def test_a_new_customer_already_in_xero_is_linked_by_each_rule(self):
        by_email = self.xero_contact(Name="Email Match Ltd", EmailAddress="Match@Example.com")
        by_account = self.xero_contact(Name="Account Ltd", AccountNumber="ACC-7")
        by_number = self.xero_contact(Name="Number Ltd", ContactNumber="NUM-9")
        by_name = self.xero_contact(Name="Exact Name Ltd")
        partners = self.env["res.partner"].create(
            [
                {"name": "Other name", "email": " match@example.com", "customer_rank": 1},
                {"name": "Account customer", "ref": "ACC-7", "customer_rank": 1},
                {"name": "Number customer", "ref": "NUM-9", "customer_rank": 1},
                {"name": "Exact Name Ltd", "customer_rank": 1},
            ]
        )
        contacts = len(self.books.contacts)
        self.run_queue()
        self.assertEqual(len(self.books.contacts), contacts, "nothing created twice")
        self.assertFalse(self.sandbox.calls_to("/Contacts", method="PUT"))
        for partner, contact in zip(
            partners, (by_email, by_account, by_number, by_name), strict=True
        ):
            self.assertEqual(self.link_of(partner).xero_id, contact["ContactID"].lower())
        decision = self.env["xero.sync.log"].search(
            [("operation", "=", "match"), ("res_id", "=", partners[0].id)]
        )
        self.assertIn("email", decision.message)
        # the linked contacts are read and merged (Xero and Odoo differ on the name)
        self.run_queue()
        self.assertEqual(self.link_of(partners[0]).state, "synced")

    def test_two_candidates_wait_for_a_person(self):
        self.xero_contact(Name="Twin One", EmailAddress="twin@example.com")
        two = self.xero_contact(Name="Twin Two", EmailAddress="twin@example.com")
        partner = self.customers(1, prefix="Twin", email="twin@example.com")
        self.run_queue()
        self.assertFalse(self.sandbox.calls_to("/Contacts", method="PUT"))
        review = self.env["xero.contact.review"].search([("partner_id", "=", partner.id)])
        self.assertEqual((review.reason, review.state), ("ambiguous", "open"))
        self.assertEqual(len(review.candidate_ids), 2)
        choice = review.candidate_ids.filtered(lambda c: c.xero_id == two["ContactID"].lower())
        choice.action_choose()
        self.assertEqual(review.state, "linked")
        self.assertEqual(self.link_of(partner).xero_id, two["ContactID"].lower())
        self.run_queue()
        self.assertEqual(self.link_of(partner).state, "synced")

    def test_a_name_xero_has_for_another_customer_gets_a_suffix(self):
        self.xero_contact(Name="Acme", EmailAddress="acme@one.example")
        partner = self.customers(1, prefix="Acme", email="acme@two.example", city="Nelson")
        partner.name = "Acme"
        self.run_queue()
        [created] = self.contacts_named("Acme (Nelson)")
        self.assertEqual(created["EmailAddress"], "acme@two.example")
        self.assertEqual(self.link_of(partner).xero_name, "Acme (Nelson)")
        decision = self.env["xero.sync.log"].search(
            [("operation", "=", "match"), ("res_id", "=", partner.id)]
        )
        self.assertIn("Acme (Nelson)", decision.message)
        # later edits keep the name Xero knows
        partner.phone = "03 555"
        self.run_queue()
        self.assertEqual(len(self.contacts_named("Acme (Nelson)")), 1)

    def test_a_name_clash_can_go_to_review_instead(self):
        self.connection.contact_name_rule = "review"
        self.xero_contact(Name="Acme", EmailAddress="acme@one.example")
        partner = self.env["res.partner"].create(
            {"name": "Acme", "email": "acme@two.example", "customer_rank": 1}
        )
        self.run_queue()
        review = self.env["xero.contact.review"].search([("partner_id", "=", partner.id)])
        self.assertEqual(review.reason, "name_taken")
        review.action_create()
        self.run_queue()
        self.assertTrue(self.contacts_named(f"Acme (#{partner.id})"))

    def test_new_xero_contacts_are_created_linked_or_reviewed_in_odoo(self):
        existing = self.customers(1, prefix="Known", email="known@example.com")
        self.xero_contact(Name="Known in Xero", EmailAddress="KNOWN@example.com")
        fresh = self.xero_contact(
            Name="Brand New Ltd",
            EmailAddress="new@example.com",
            Phones=[{"PhoneType": "MOBILE", "PhoneNumber": "021 000"}],
        )
        archived = self.xero_contact(Name="Old Client")
        self.accountant_edits(archived["ContactID"], ContactStatus="ARCHIVED")
        self.poll()
        created = self.env["res.partner"].search([("name", "=", "Brand New Ltd")])
        self.assertEqual((created.email, created.phone), ("new@example.com", "021 000"))
        self.assertEqual(created.xero_contact_id, fresh["ContactID"].lower())
        self.assertEqual(created.customer_rank, 1)
        self.assertEqual(existing.xero_contact_id and len(self.contacts_named("Known in Xero")), 1)
        self.assertFalse(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("name", "=", "Old Client")])
        )
        # nothing is pushed back for what came from Xero
        self.run_queue()
        self.assertFalse(self.sandbox.calls_to("/Contacts", method="PUT"))

    def test_a_merge_in_xero_moves_the_link(self):
        partner = self.customers(1)
        source = self.pushed(partner)
        target = self.xero_contact(Name="Surviving Ltd")
        with self.sandbox.lock:
            self.books.merge_contacts(self.books.contacts[source], target, "Accountant")
        self.poll()
        self.run_queue()
        self.assertEqual(self.link_of(partner).xero_id, target["ContactID"].lower())
        self.assertEqual(partner.name, "Surviving Ltd")

    def test_a_merge_into_a_contact_linked_elsewhere_waits_for_a_person(self):
        first, second = self.customers(2)
        source = self.pushed(first)
        target = self.pushed(second)
        with self.sandbox.lock:
            self.books.merge_contacts(
                self.books.contacts[source], self.books.contacts[target], "Accountant"
            )
        self.poll()
        review = self.env["xero.contact.review"].search([("partner_id", "=", first.id)])
        self.assertEqual(review.reason, "merged")
        self.assertEqual(self.link_of(first).state, "error")
