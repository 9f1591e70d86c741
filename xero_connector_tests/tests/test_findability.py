"""Finding things: records, jobs and log lines by the Odoo record's name, customers by
their Xero state (issue 14); the invoicing options in Settings > Xero with the rest, and
Odoo's Discounts setting beside them (issue 22, point 7)."""

from itertools import product

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


# the fields of the connection form's Invoices tab kept in Settings > Xero > Invoices
INVOICING = (
    "sync_invoices",
    "invoice_trigger",
    "invoice_stage_id",
    "invoice_without_order",
    "invoice_revenue_product_id",
    "invoice_status",
    "invoice_email",
    "invoice_number_from",
    "rounding_account_id",
    "deposit_account_id",
    "payment_account_id",
    "branding_theme_id",
)


class InvoicingSettingsCase(XeroSyncCase):
    """A connected company (Xero's accounts read) not invoicing in Xero yet."""

    def setUp(self):
        super().setUp()
        self.connection.sudo().sync_invoices = False
        self.discounts = self.env.ref("sale.group_discount_per_so_line")
        self.env.ref("base.group_user").implied_ids -= self.discounts
        self.env.ref("base.user_admin").group_ids -= self.discounts


@tagged("post_install", "-at_install")
class TestInvoicingInSettings(InvoicingSettingsCase, TransactionCase):
    def test_settings_show_the_invoicing_options_and_the_discounts_setting(self):
        block = self.settings_block()
        shown = set(block.xpath(".//field/@name"))
        self.assertLessEqual({f"xero_{name}" for name in INVOICING}, shown)
        self.assertIn("group_discount_per_so_line", shown, "Odoo's Discounts, where it matters")
        [discounts] = block.xpath(".//setting[field[@name='group_discount_per_so_line']]")
        self.assertIn("discount", discounts.get("help"))

    def test_saving_the_settings_changes_the_connection(self):
        accounts = self.env["xero.account"].search(
            [("connection_id", "=", self.connection.id), ("status", "=", "ACTIVE")]
        )
        rounding = accounts.filtered(lambda a: a.code == "860")
        settings = self.env["res.config.settings"].create(
            {
                "xero_sync_invoices": True,
                "xero_invoice_trigger": "confirm",
                "xero_invoice_status": "DRAFT",
                "xero_invoice_email": "xero",
                "xero_invoice_number_from": "order",
                "xero_rounding_account_id": rounding.id,
                "group_discount_per_so_line": True,
            }
        )
        settings.execute()
        connection = self.connection.sudo()
        connection.invalidate_recordset()
        self.assertEqual(
            connection.read(
                [
                    "sync_invoices",
                    "invoice_trigger",
                    "invoice_status",
                    "invoice_email",
                    "invoice_number_from",
                ]
            )[0],
            {
                "id": connection.id,
                "sync_invoices": True,
                "invoice_trigger": "confirm",
                "invoice_status": "DRAFT",
                "invoice_email": "xero",
                "invoice_number_from": "order",
            },
        )
        self.assertEqual(connection.rounding_account_id, rounding)
        admin = self.env.ref("base.user_admin")
        admin.invalidate_recordset()
        self.assertTrue(admin.has_group("sale.group_discount_per_so_line"))
        # what the connection form sets, the settings show
        connection.invoice_status = "AUTHORISED"
        self.assertEqual(
            self.env["res.config.settings"].create({}).xero_invoice_status, "AUTHORISED"
        )
        # the accounts offered are the organisation's, as on the connection form
        field = self.env["res.config.settings"]._fields["xero_rounding_account_id"]
        self.assertIn("xero_connection_id", field.domain)

    def test_the_products_accounts_messages_point_to_are_in_the_settings(self):
        """ "Choose both in Settings > Xero > Products and stock": they are there."""
        accounts = self.env["xero.account"].search(
            [("connection_id", "=", self.connection.id), ("status", "=", "ACTIVE")]
        )
        inventory = accounts.filtered(lambda a: a.account_type == "INVENTORY")[:1]
        cogs = accounts.filtered(lambda a: a.xero_class == "EXPENSE")[:1]
        self.env["res.config.settings"].create(
            {
                "xero_inventory_account_id": inventory.id,
                "xero_cogs_account_id": cogs.id,
                "xero_allow_backorders": True,
                "xero_low_stock_threshold": 4.0,
            }
        ).execute()
        connection = self.connection.sudo()
        self.assertEqual(
            (connection.inventory_account_id, connection.cogs_account_id), (inventory, cogs)
        )
        self.assertTrue(connection.allow_backorders)
        self.assertEqual(connection.low_stock_threshold, 4.0)
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        [products] = etree.fromstring(arch).xpath("//setting[@id='xero_sync_products']")
        shown = set(products.xpath(".//field/@name"))
        self.assertLessEqual(
            {
                "xero_sales_account_id",
                "xero_inventory_account_id",
                "xero_cogs_account_id",
                "xero_allow_backorders",
            },
            shown,
        )

    def test_the_connection_form_and_settings_show_and_require_them_alike(self):
        """One behaviour in both places: for every state of the switches, each option is
        shown (and required) on the Invoices tab exactly when it is in Settings."""
        arch = self.env["xero.connection"].get_views([(False, "form")])["views"]["form"]["arch"]
        [tab] = etree.fromstring(arch).xpath("//page[@name='invoices']")
        block = self.settings_block()
        switches = product(
            (True, False),
            ("manual", "confirm", "stage", "both"),
            ("flag", "revenue"),
        )
        for on, trigger, without_order in switches:
            values = {
                "sync_invoices": on,
                "invoice_trigger": trigger,
                "invoice_without_order": without_order,
            }
            in_settings = {f"xero_{key}": value for key, value in values.items()}
            for name in INVOICING:
                [on_form] = tab.xpath(f".//field[@name='{name}']")
                [in_block] = block.xpath(f".//field[@name='xero_{name}']")
                self.assertEqual(
                    self.shows(on_form, values),
                    self.shows(in_block, in_settings),
                    f"{name} shown, with {values}",
                )
                self.assertEqual(
                    bool(safe_eval(on_form.get("required") or "False", values)),
                    bool(safe_eval(in_block.get("required") or "False", in_settings)),
                    f"{name} required, with {values}",
                )

    def settings_block(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        [block] = etree.fromstring(arch).xpath("//block[@name='xero_connector_invoices_block']")
        return block

    @staticmethod
    def shows(node, values):
        """Whether no ancestor of the node (nor itself) is invisible with these values."""
        return not any(
            safe_eval(element.get("invisible"), values)
            for element in node.iterancestors()
            if element.get("invisible") and element.tag not in ("app", "form")
        ) and not safe_eval(node.get("invisible") or "False", values)


@tagged("post_install", "-at_install")
class TestInvoicingInSettingsTour(InvoicingSettingsCase, HttpCase):
    def test_administrator_sets_invoicing_in_the_xero_settings(self):
        self.start_tour(
            "/odoo/action-xero_connector.action_xero_config_settings",
            "xero_connector_tests.admin_sets_invoicing_in_xero_settings",
            login="admin",
        )
        connection = self.connection.sudo()
        connection.invalidate_recordset()
        self.assertTrue(connection.sync_invoices)
        self.assertEqual(connection.invoice_trigger, "confirm")
        self.assertEqual(connection.invoice_status, "DRAFT")
        self.assertEqual(connection.invoice_email, "xero")
        admin = self.env.ref("base.user_admin")
        admin.invalidate_recordset()
        self.assertTrue(admin.has_group("sale.group_discount_per_so_line"))
