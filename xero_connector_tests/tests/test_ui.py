from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestXeroSettingsTour(HttpCase):
    """What users click, in headless Chromium."""

    def test_administrator_finds_xero_block_in_settings(self):
        self.start_tour("/odoo", "xero_connector_tests.admin_finds_xero_settings", login="admin")

    def test_salesperson_sees_no_xero_menu(self):
        new_test_user(self.env, "xero_tour_rep", groups="sales_team.group_sale_salesman")
        self.start_tour(
            "/odoo", "xero_connector_tests.rep_sees_no_xero_menu", login="xero_tour_rep"
        )
