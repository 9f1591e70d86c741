"""Finding things: records, jobs and log lines by the Odoo record's name, customers by
their Xero state (issue 14)."""

from lxml import etree

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import XeroSyncCase


class FindCase(XeroSyncCase):
    def setUp(self):
        super().setUp()
        self.ridgeway = self.env["res.partner"].create(
            {"name": "Ridgeway Builders", "is_company": True, "customer_rank": 1}
        )
        self.other = self.env["res.partner"].create(
            {"name": "Harbour Timber", "is_company": True, "customer_rank": 1}
        )
        self.pushed(self.ridgeway)
        self.pushed(self.other)


@tagged("post_install", "-at_install")
class TestFindByName(FindCase, TransactionCase):
    def test_links_jobs_and_log_lines_are_found_by_the_records_name(self):
        for model in ("xero.link", "xero.sync.job", "xero.sync.log"):
            found = self.env[model].search([("record_name", "ilike", "ridgeway")])
            self.assertTrue(found, model)
            self.assertEqual(set(found.mapped("res_id")), {self.ridgeway.id}, model)
            self.assertEqual(set(found.mapped("record_name")), {"Ridgeway Builders"}, model)
            others = self.env[model].search(
                [("record_name", "not ilike", "ridgeway"), ("res_model", "=", "res.partner")]
            )
            self.assertNotIn(self.ridgeway.id, others.mapped("res_id"), model)
            self.assertIn(self.other.id, others.mapped("res_id"), model)

    def test_not_linked_to_xero_leaves_out_what_never_syncs(self):
        waiting = self.env["res.partner"].create(
            {"name": "Kowhai Joinery", "is_company": True, "customer_rank": 1}
        )
        person = self.env["res.partner"].create(
            {"name": "Ana Kowhai", "parent_id": waiting.id, "type": "contact"}
        )
        vendor = self.env["res.partner"].create({"name": "Only a supplier", "is_company": True})
        found = self.env["res.partner"].search(self.filter_domain("xero_not_linked"))
        self.assertIn(waiting, found, "a customer not in Xero yet")
        self.assertNotIn(person, found, "contact persons never sync")
        self.assertNotIn(vendor, found, "outside the contact scope (customers)")
        self.assertNotIn(self.ridgeway, found, "linked")

    def test_customers_show_their_xero_state_where_they_are_listed(self):
        xero_user = new_test_user(
            self.env,
            "xero_find_user",
            groups="base.group_partner_manager,xero_connector.group_xero_user",
        )
        seller = new_test_user(self.env, "xero_find_seller", groups="base.group_partner_manager")
        partners = self.env["res.partner"]
        for kind, marker in (("list", 'name="xero_sync_state"'), ("kanban", "o_xero_error_badge")):
            arch = partners.with_user(xero_user).get_views([(False, kind)])["views"][kind]["arch"]
            self.assertIn(marker, arch, kind)
            arch = partners.with_user(seller).get_views([(False, kind)])["views"][kind]["arch"]
            self.assertNotIn(marker, arch, kind)
        self.assertEqual(self.ridgeway.xero_sync_state, "synced")

    def test_the_queue_shows_no_made_up_sample_rows(self):
        for kind in ("list", "kanban"):
            arch = self.env["xero.sync.job"].get_views([(False, kind)])["views"][kind]["arch"]
            self.assertIsNone(etree.fromstring(arch).get("sample"), kind)

    def filter_domain(self, name):
        view = self.env.ref("xero_connector.res_partner_view_search")
        [node] = etree.fromstring(view.arch).xpath(f"//filter[@name='{name}']")
        return safe_eval(node.get("domain"))


@tagged("post_install", "-at_install")
class TestFindByNameTour(FindCase, HttpCase):
    def test_manager_finds_a_customer_in_linked_records_by_name(self):
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_link",
            "xero_connector_tests.manager_finds_a_customer_in_linked_records",
            login="admin",
        )
