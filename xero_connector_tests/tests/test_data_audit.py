"""Clean data first: the go-live wizards count what to fix before going live, open
exactly the records to fix, count again as they are fixed, and let a manager go on
anyway (issue 24)."""

import itertools

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.xero_connector.models.xero_data_audit import NAME_KEY

from .test_contacts import ContactCase
from .test_products import ProductCase

CUSTOMER_KINDS = ("duplicates", "emails", "addresses", "positions")
PRODUCT_KINDS = ("codes", "prices", "taxes")


class AuditMixin:
    """The audit of the company as it was before the test planted anything."""

    kinds = ()

    def setUp(self):
        super().setUp()
        self.audit = self.env["xero.data.audit"]
        self.company = self.env.company
        self.before = {kind: self.problems(kind) for kind in self.kinds}

    def problems(self, kind, company=None):
        """The ids to fix of one kind (for duplicates: each group as a tuple)."""
        found = self.audit._xero_problems(company or self.company, kind)
        if kind == "duplicates":
            return {tuple(ids) for ids in found}
        return set(found)

    def new_problems(self, kind):
        return self.problems(kind) - self.before[kind]

    def opened(self, wizard, kind):
        """The records the wizard's button of ``kind`` opens."""
        action = wizard.with_context(xero_audit=kind).action_xero_audit_open()
        return self.env[action["res_model"]].search(action["domain"])

    def refreshed(self, wizard):
        wizard.action_xero_audit_refresh()
        return wizard


@tagged("post_install", "-at_install")
class TestCustomerAudit(AuditMixin, ContactCase, TransactionCase):
    kinds = CUSTOMER_KINDS

    def setUp(self):
        super().setUp()
        self.connection.sudo().sync_contacts = False
        self.nz = self.env.ref("base.nz")
        self.golive = self.env["xero.contact.golive"]
        self.serial = itertools.count(1)

    def customer(self, name, **values):
        """A customer Xero takes as it is: a valid e-mail and a postal address."""
        return self.env["res.partner"].create(
            {
                "name": name,
                "customer_rank": 1,
                "email": f"customer{next(self.serial)}@audit.example",
                "street": "1 Queen Street",
                "city": "Auckland",
                "country_id": self.nz.id,
                **values,
            }
        )

    def plant_duplicates(self):
        """Four pairs, each alike in one way only."""
        return {
            "email": self.customer("Kea Traders", email="Sales@Kea.example")
            | self.customer("Kea Wholesale", email=" sales@kea.example "),
            "name": self.customer("Acme Ltd") | self.customer("ACME, Ltd."),
            "vat": self.customer("Tui Foods", vat="NZ 123.456.789")
            | self.customer("Moa Foods", vat="nz123456789"),
            "phone": self.customer("Weta Works", phone="+44 20 7946 0018")
            | self.customer("Huia Works", phone="(020) 7946-0018"),
        }

    def test_customers_alike_by_email_name_vat_or_phone_are_grouped_once_each(self):
        pairs = self.plant_duplicates()
        kea, acme = pairs["email"][0], pairs["name"][0]
        # alike, but not counted: no customer, archived, a contact person, another company
        self.env["res.partner"].create({"name": "Kea Traders", "email": "sales@kea.example"})
        self.customer("Acme Limited", active=False)
        self.env["res.partner"].create(
            {"name": "ACME LTD", "parent_id": acme.id, "email": kea.email}
        )
        other = self.env["res.company"].create({"name": "Other Audit Co"})
        self.customer("Acme, Ltd", company_id=other.id)
        planted = set().union(*(p.ids for p in pairs.values()))
        groups = {
            g["reason"]: (g["key"], g["partner_ids"])
            for g in self.audit._xero_duplicate_customers(self.company)
            if set(g["partner_ids"]) & planted
        }
        self.assertEqual(
            groups,
            {
                "email": ("sales@kea.example", pairs["email"].ids),
                "name": ("acme", pairs["name"].ids),
                "vat": ("NZ123456789", pairs["vat"].ids),
                "phone": ("079460018", pairs["phone"].ids),
            },
        )
        # the names compare the same way wherever the audit's name key is used
        rows = self.env.execute_query(
            SQL("SELECT DISTINCT %s FROM res_partner p WHERE p.id IN %s", NAME_KEY, tuple(planted))
        )
        self.assertIn(("acme",), rows)
        wizard = self.golive.create({})
        self.assertEqual(wizard.state, "audit", "the first step")
        self.assertEqual(wizard.audit_duplicates, len(self.before["duplicates"]) + 4)
        self.assertFalse(wizard.audit_clean)

    def test_merging_through_odoos_wizard_takes_the_count_to_zero(self):
        pairs = self.plant_duplicates()
        # alike twice over (e-mail and name): one merge
        both = self.customer("Kiwi Ltd", email="kiwi@audit.example") | self.customer(
            "KIWI LTD.", email="Kiwi@Audit.example"
        )
        mine = {tuple(p.ids) for p in [*pairs.values(), both]}
        self.assertEqual(self.new_problems("duplicates"), mine)
        wizard = self.golive.create({})
        action = wizard.with_context(xero_audit="duplicates").action_xero_audit_open()
        merge = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(merge._name, "base.partner.merge.automatic.wizard")
        # the first group is chosen, with its destination; the others follow
        first = min([*mine, *self.before["duplicates"]])
        self.assertEqual((merge.state, tuple(merge.partner_ids.ids)), ("selection", first))
        self.assertIn(merge.dst_partner_id.id, first)
        merged = set()
        while merge.state == "selection":
            group = tuple(merge.partner_ids.ids)
            if group in mine:
                merged.add(group)
                merge.action_merge()
            else:
                merge.action_skip()
        self.assertEqual(merged, mine)
        for group in mine:
            self.assertEqual(len(self.env["res.partner"].browse(group).exists()), 1)
        self.assertEqual(self.refreshed(wizard).audit_duplicates, len(self.before["duplicates"]))
        self.assertFalse(self.new_problems("duplicates"))

    def test_a_big_group_is_merged_three_at_a_time_until_none_is_left(self):
        four = self.env["res.partner"]
        for index in range(4):
            four |= self.customer(f"Pukeko {index}", email="pukeko@audit.example")
        self.assertEqual(self.new_problems("duplicates"), {tuple(four.ids)})
        wizard = self.golive.create({})
        for rounds in (2, 1):
            action = wizard.with_context(xero_audit="duplicates").action_xero_audit_open()
            merge = self.env[action["res_model"]].browse(action["res_id"])
            done = 0
            while merge.state == "selection":
                if set(merge.partner_ids.ids) <= set(four.ids):
                    self.assertLessEqual(len(merge.partner_ids), 3, "Odoo merges 3 at most")
                    merge.action_merge()
                    done += 1
                else:
                    merge.action_skip()
            self.assertEqual(done, rounds)
        self.assertEqual(len(four.exists()), 1)
        self.assertEqual(self.refreshed(wizard).audit_duplicates, len(self.before["duplicates"]))

    def test_customers_without_a_valid_email_counted_until_each_has_one(self):
        missing = self.customer("No Mail", email=False)
        wrong = self.customer("Wrong Mail", email="not-an-email")
        named = self.customer("Named Mail", email="Kim <kim@audit.example>")
        self.customer("Trimmed Mail", email="  trimmed@audit.example ")
        bad = missing | wrong | named
        self.assertEqual(self.new_problems("emails"), set(bad.ids))
        wizard = self.golive.create({})
        self.assertEqual(
            set(self.opened(wizard, "emails").ids), self.before["emails"] | set(bad.ids)
        )
        for count, partner in enumerate(bad, start=1):
            partner.email = f"fixed{count}@audit.example"
            self.assertEqual(
                self.refreshed(wizard).audit_emails, len(self.before["emails"]) + 3 - count
            )

    def test_customers_without_a_street_city_or_country_counted_until_complete(self):
        nowhere = self.customer("Nowhere", street=False, city=False, country_id=False)
        countryless = self.customer("Countryless", country_id=False)
        cityless = self.customer("Cityless", city=" ")
        self.assertEqual(self.new_problems("addresses"), {nowhere.id, countryless.id, cityless.id})
        wizard = self.golive.create({})
        self.assertEqual(wizard.audit_addresses, len(self.before["addresses"]) + 3)
        opened = self.opened(wizard, "addresses")
        self.assertEqual(
            opened - self.env["res.partner"].browse(self.before["addresses"]),
            nowhere | countryless | cityless,
        )
        nowhere.write({"street": "2 Queen Street", "city": "Auckland", "country_id": self.nz.id})
        countryless.country_id = self.nz
        self.assertEqual(self.refreshed(wizard).audit_addresses, len(self.before["addresses"]) + 1)
        cityless.city = "Wellington"
        self.assertEqual(self.refreshed(wizard).audit_addresses, len(self.before["addresses"]))

    def test_the_customers_of_another_company_are_its_own(self):
        other = self.env["res.company"].create({"name": "Audit Other Co"})
        theirs = self.customer("Theirs Ltd", email=False, company_id=other.id)
        twin = self.customer("Theirs Limited", company_id=other.id)
        ours = self.customer("Ours Ltd", email=False, company_id=self.company.id)
        shared = self.customer("Shared Ltd", email=False)
        self.assertEqual(self.new_problems("emails"), {ours.id, shared.id})
        self.assertFalse(self.new_problems("duplicates"))
        self.assertEqual(
            self.problems("emails", other) & {theirs.id, ours.id, shared.id}, {theirs.id, shared.id}
        )
        self.assertIn(tuple((theirs | twin).ids), self.problems("duplicates", other))

    def test_a_manager_may_go_on_with_problems_left_and_the_wizard_says_so(self):
        self.customer("Left Mail", email=False)
        manager = new_test_user(
            self.env,
            "audit_manager",
            groups="sales_team.group_sale_manager,xero_connector.group_xero_manager",
        )
        wizard = self.golive.with_user(manager).create({})
        self.assertFalse(wizard.audit_clean)
        wizard.action_xero_audit_continue()
        self.assertEqual(wizard.state, "draft")
        self.assertEqual(wizard.audit_accepted_by_id, manager)
        self.assertIn("Customers without a valid e-mail: ", wizard.audit_note)
        self.assertIn(manager.name, wizard.audit_note)
        wizard.action_dry_run()
        self.assertEqual(wizard.state, "planned")
        self.assertTrue(wizard.audit_note, "still said after the dry run")

    def test_clean_data_goes_on_without_a_note(self):
        self.connection.sudo().write(
            {"contact_scope": "domain", "contact_domain": "[('name', '=like', 'Spotless %')]"}
        )
        self.customer("Spotless Ltd")
        wizard = self.golive.create({})
        self.assertEqual(
            [wizard[f"audit_{kind}"] for kind in ("duplicates", "emails", "addresses")],
            [0, 0, 0],
        )
        self.assertEqual(wizard.audit_positions, 0, "no sales tax in use")
        self.assertTrue(wizard.audit_clean)
        wizard.action_xero_audit_continue()
        self.assertEqual(wizard.state, "draft")
        self.assertFalse(wizard.audit_note)
        self.assertFalse(wizard.audit_accepted_by_id)

    def test_only_xero_managers_open_the_records_to_fix(self):
        wizard = self.golive.create({})
        xero_user = new_test_user(
            self.env,
            "audit_xero_user",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        with self.assertRaises(AccessError):
            wizard.with_user(xero_user).with_context(xero_audit="emails").action_xero_audit_open()

    def test_a_hundred_thousand_partners_are_grouped_by_what_they_share(self):
        """Found by grouped queries, not pair by pair (how fast: setup/benchmark insights)."""
        self.env.flush_all()
        self.env.cr.execute(
            """INSERT INTO res_partner (name, email, vat, phone, street, city, customer_rank,
                active, type, autopost_bills, is_company)
            SELECT 'Bulk ' || i, 'bulk' || (i % 99000) || '@audit.example', 'BE' || i,
                '+32 2 ' || lpad(i::text, 7, '0'), 'Street ' || i, 'Brussels', 1, true,
                'contact', 'ask', true
            FROM generate_series(1, 100000) i"""
        )
        self.env.invalidate_all()
        groups = self.audit._xero_duplicate_customers(self.company)
        bulk = [g for g in groups if g["key"].startswith("bulk")]
        self.assertEqual(len(bulk), 1000, "1,000 e-mails are used twice")
        self.assertEqual({len(g["partner_ids"]) for g in bulk}, {2})
        counts = self.audit._xero_audit(self.company, CUSTOMER_KINDS)
        self.assertGreaterEqual(counts["addresses"], 100000, "no country")


@tagged("post_install", "-at_install")
class TestProductAudit(AuditMixin, ProductCase, TransactionCase):
    kinds = PRODUCT_KINDS

    def setUp(self):
        super().setUp()
        self.golive = self.env["xero.product.golive"]

    def test_products_without_an_internal_reference_counted_until_coded(self):
        codeless = self.product(False, "Codeless")
        blank = self.product("  ", "Blank code")
        self.product("CODED-1", "Coded")
        # not counted: neither sold nor bought, archived, of another company
        self.product(False, "Internal", sale_ok=False, purchase_ok=False)
        self.product(False, "Archived", active=False)
        other = self.env["res.company"].create({"name": "Audit Products Co"})
        self.product(False, "Theirs", company_id=other.id, taxes_id=False)
        self.assertEqual(self.new_problems("codes"), {codeless.id, blank.id})
        wizard = self.golive.create({})
        self.assertEqual(wizard.audit_codes, len(self.before["codes"]) + 2)
        opened = self.opened(wizard, "codes")
        self.assertEqual(opened._name, "product.product")
        self.assertEqual(set(opened.ids) - self.before["codes"], {codeless.id, blank.id})
        codeless.default_code = "CODED-2"
        self.assertEqual(self.refreshed(wizard).audit_codes, len(self.before["codes"]) + 1)
        blank.default_code = "CODED-3"
        self.assertEqual(self.refreshed(wizard).audit_codes, len(self.before["codes"]))

    def test_prices_with_more_decimals_than_xero_keeps_counted_until_rounded(self):
        # Odoo rounds prices to 2 decimals by default: nothing Xero would round
        self.env.ref("product.decimal_price").digits = 6
        fine = self.product("P-4", "Four decimals", price=10.1234)
        fine_price = fine.list_price
        rounded = self.product("P-5", "Five decimals", price=10.12345)
        self.assertEqual(rounded.list_price, 10.12345, "kept by Odoo at 6 decimals")
        self.product("P-BUY", "Bought only", price=3.14159, sale_ok=False, purchase_ok=True)
        size = self.env["product.attribute"].create(
            {"name": "Audit size", "value_ids": [Command.create({"name": n}) for n in "SL"]}
        )
        shirt = self.env["product.template"].create(
            {
                "name": "Audit shirt",
                "list_price": 20.0,
                "attribute_line_ids": [
                    Command.create(
                        {"attribute_id": size.id, "value_ids": [Command.set(size.value_ids.ids)]}
                    )
                ],
            }
        )
        large = shirt.attribute_line_ids.product_template_value_ids.filtered(
            lambda v: v.name == "L"
        )
        large.price_extra = 2.00005
        shirt.product_variant_ids.write({"default_code": "SHIRT"})
        big_shirt = shirt.product_variant_ids.filtered(
            lambda p: large in p.product_template_attribute_value_ids
        )
        self.assertEqual(self.new_problems("prices"), {rounded.id, big_shirt.id})
        wizard = self.golive.create({})
        self.assertEqual(wizard.audit_prices, len(self.before["prices"]) + 2)
        self.assertEqual(
            set(self.opened(wizard, "prices").ids) - self.before["prices"],
            {rounded.id, big_shirt.id},
        )
        rounded.list_price = 10.1235
        self.assertEqual(self.refreshed(wizard).audit_prices, len(self.before["prices"]) + 1)
        large.price_extra = 2.0001
        self.assertEqual(self.refreshed(wizard).audit_prices, len(self.before["prices"]))
        self.assertEqual(fine.list_price, fine_price)

    def test_taxes_without_a_xero_tax_rate_counted_until_mapped(self):
        # on a product (0%: the connector proposes Xero's zero rate, to accept), on an
        # order line only (7%: Xero has no such rate, it is created there)
        self.product("ZERO-1", "Zero rated", taxes_id=[Command.set(self.tax0.ids)])
        service = self.sale_tax("Service 7%", 7)
        product = self.product("SERV-1", "Service")
        customer = self.env["res.partner"].create({"name": "Audit tax customer"})
        self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "tax_ids": [Command.set(service.ids)]}
                    )
                ],
            }
        )
        # not counted: unused, a purchase tax, a fixed amount with the no-tax rate set
        self.sale_tax("Unused 9%", 9)
        purchase = self.sale_tax("Bought 12%", 12, type_tax_use="purchase")
        self.product("BUY-1", "Bought", supplier_taxes_id=[Command.set(purchase.ids)])
        eco = self.sale_tax("Eco fee", 0.5, amount_type="fixed")
        self.product("ECO-1", "With a fee", taxes_id=[Command.set(eco.ids)])
        self.assertEqual(self.new_problems("taxes"), {self.tax0.id, service.id})
        wizard = self.golive.create({})
        self.assertEqual(wizard.audit_taxes, len(self.before["taxes"]) + 2)
        # the tax matrix, on exactly those taxes (customers without a fiscal position)
        opened = self.opened(wizard, "taxes")
        self.assertEqual(opened._name, "xero.tax.matrix")
        self.assertEqual(set(opened.tax_id.ids) - self.before["taxes"], {self.tax0.id, service.id})
        self.assertFalse(opened.position_id)
        zero = self.maps.search([("tax_key", "=", str(self.tax0.id))])
        self.assertEqual((zero.state, zero.xero_tax_rate_id), ("proposed", self.rate("ZERORATED")))
        self.assertEqual(
            self.refreshed(wizard).audit_taxes,
            len(self.before["taxes"]) + 2,
            "a proposal is to review",
        )
        zero.action_confirm()
        self.assertEqual(self.refreshed(wizard).audit_taxes, len(self.before["taxes"]) + 1)
        seven = self.maps.search([("tax_key", "=", str(service.id))])
        self.assertEqual(seven.state, "missing")
        seven.action_create_in_xero()
        self.assertEqual(self.refreshed(wizard).audit_taxes, len(self.before["taxes"]))

    def test_fiscal_positions_without_a_xero_tax_rate_counted_until_mapped(self):
        self.product("GST-1", "Taxed")
        before = self.audit._xero_problems(self.company, "positions")
        exports = self.sale_tax("Exports 0%", 0, original_tax_ids=[Command.set(self.tax15.ids)])
        export = self.env["account.fiscal.position"].create(
            {"name": "Audit export", "tax_ids": [Command.set(exports.ids)]}
        )
        exports.fiscal_position_ids = export
        # taxes removed: lines carry the connection's no-tax rate, nothing to map
        self.env["account.fiscal.position"].create({"name": "Audit tax free"})
        after = self.audit._xero_problems(self.company, "positions")
        self.assertEqual(set(after) - set(before), {export.id})
        self.assertEqual(after[export.id], self.tax15.ids)
        wizard = self.env["xero.contact.golive"].create({})
        self.assertEqual(wizard.audit_positions, len(before) + 1)
        opened = self.opened(wizard, "positions").filtered(lambda r: r.position_id == export)
        self.assertEqual((opened.tax_id, opened.mapped_tax_ids), (self.tax15, exports))
        row = self.maps.search([("tax_key", "=", str(exports.id))])
        row.xero_tax_rate_id = self.rate("ZERORATED")
        self.assertEqual(self.refreshed(wizard).audit_positions, len(before))

    def test_the_product_wizard_goes_on_after_its_own_checks(self):
        self.product(False, "Still codeless")
        wizard = self.golive.create({})
        self.assertEqual(wizard._xero_audit_kinds, PRODUCT_KINDS)
        with self.assertRaises(UserError):
            wizard.with_context(xero_audit="duplicates").action_xero_audit_open()
        wizard.action_xero_audit_continue()
        self.assertEqual(wizard.state, "draft")
        self.assertIn("Products without an internal reference: ", wizard.audit_note)
        wizard.action_dry_run()
        self.assertEqual(wizard.state, "planned")
