"""The go-live wizard as a manager sees it: its name, the tense of its headings, a
connection already live, and the background run with its progress (issue 14)."""

from odoo.tests import HttpCase, tagged

from .test_contacts import ContactCase


@tagged("post_install", "-at_install")
class TestGoLiveTours(ContactCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.customers(2, prefix="Tour GoLive")

    def test_a_fresh_connection_goes_live_in_the_background(self):
        self.connection.sudo().sync_contacts = False
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_contact_golive",
            "xero_connector_tests.manager_goes_live_in_the_background",
            login="admin",
        )
        wizard = self.env["xero.contact.golive"].search([], order="id desc", limit=1)
        self.assertEqual(wizard.state, "running")
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_golive"))
        self.assertEqual(wizard.state, "live")
        self.assertTrue(self.connection.sync_contacts)

    def test_a_live_connection_says_so(self):
        self.assertTrue(self.connection.sudo().sync_contacts)
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_contact_golive",
            "xero_connector_tests.manager_reopens_go_live_on_a_live_connection",
            login="admin",
        )
