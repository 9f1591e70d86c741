"""Which partners are customers that sync, and what Resync and the Xero tab say of the others."""

from odoo.tests import TransactionCase, tagged

from .test_contacts import ContactCase


@tagged("post_install", "-at_install")
class TestCustomerScope(ContactCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.company = self.env["res.partner"].create(
            {"name": "Tui Joinery", "is_company": True, "email": "office@tui.example"}
        )

    def queued(self, partner):
        return self.jobs.search([("res_id", "=", partner.id), ("direction", "=", "out")])

    def test_a_company_made_in_contacts_reaches_xero_with_its_first_confirmed_order(self):
        self.assertEqual(self.company.customer_rank, 0)
        self.assertFalse(self.queued(self.company))
        self.assertIn("Only customers sync", self.company.xero_scope_note)
        # a quotation is not yet a sale
        person = self.env["res.partner"].create({"name": "Mere Tui", "parent_id": self.company.id})
        product = self.env["product.product"].create({"name": "Bench", "list_price": 100})
        order = self.env["sale.order"].create(
            {"partner_id": person.id, "order_line": [(0, 0, {"product_id": product.id})]}
        )
        self.assertFalse(self.queued(self.company))
        order.action_confirm()
        self.assertTrue(self.queued(self.company), "the order's company is now a customer")
        self.run_queue()
        [contact] = self.contacts_named("Tui Joinery")
        self.assertEqual(self.company.xero_contact_id, contact["ContactID"])
        self.assertFalse(self.company.xero_scope_note)

    def test_an_opportunity_makes_a_customer(self):
        self.env["crm.lead"].create(
            {"name": "New benches", "type": "opportunity", "partner_id": self.company.id}
        )
        self.run_queue()
        self.assertEqual(len(self.contacts_named("Tui Joinery")), 1)
        # a lead is not yet an opportunity
        other = self.env["res.partner"].create({"name": "Kahu Ltd", "is_company": True})
        self.env["crm.lead"].create({"name": "Maybe", "type": "lead", "partner_id": other.id})
        self.run_queue()
        self.assertFalse(self.contacts_named("Kahu Ltd"))

    def test_resync_makes_a_customer_and_sends_it(self):
        notice = self.company.action_xero_resync()["params"]
        self.assertEqual(notice["type"], "info")
        self.assertIn("Queued for Xero", notice["message"])
        self.assertEqual(self.company.customer_rank, 1)
        self.run_queue()
        self.assertEqual(len(self.contacts_named("Tui Joinery")), 1)

    def test_resync_says_plainly_why_a_partner_does_not_sync(self):
        self.connection.contact_scope = "companies"
        person = self.env["res.partner"].create({"name": "Aroha Smith", "customer_rank": 1})
        self.assertIn("this partner is an individual", person.xero_scope_note)
        notice = person.action_xero_resync()["params"]
        self.assertEqual(notice["type"], "warning")
        self.assertIn("Only companies sync with Xero", notice["message"])
        self.assertNotIn("Queued", notice["message"])
        self.assertFalse(self.queued(person))
        # with contact sync off, nothing is promised either, and the tab says why
        self.connection.sync_contacts = False
        self.company.invalidate_recordset(["xero_scope_note"])
        self.assertIn("Contact sync with Xero is off", self.company.xero_scope_note)
        self.connection.sudo().state = "draft"
        self.company.invalidate_recordset(["xero_scope_note"])
        self.assertIn("is not connected to Xero yet", self.company.xero_scope_note)
        notice = self.company.action_xero_resync()["params"]
        self.assertEqual(notice["type"], "warning")
        self.assertIn("Nothing was sent", notice["message"])
        self.assertFalse(self.queued(self.company))
