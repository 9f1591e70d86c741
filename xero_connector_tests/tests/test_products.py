"""Xero's reference data, the tax and account maps, and products ↔ Xero items."""

from datetime import timedelta
from decimal import Decimal

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import XeroSyncCase


class ProductCase(XeroSyncCase):
    """The company (in USD) connected to Kauri Tools, whose books are in USD too, with
    its reference data read, a 15% sales tax mapped and product sync on."""

    sandbox_options = {"base_currency": "USD"}

    def setUp(self):
        super().setUp()
        self.company = self.env.company
        self.tax15 = self.sale_tax("GST 15%", 15)
        self.tax0 = self.sale_tax("Zero Rated", 0)
        self.maps = self.env["xero.tax.map"]
        self.rates = self.env["xero.tax.rate"].search([("connection_id", "=", self.connection.id)])
        self.accounts = self.env["xero.account"].search(
            [("connection_id", "=", self.connection.id)]
        )
        connection = self.connection.sudo()
        connection.write(
            {
                "sync_products": True,
                "sales_account_id": self.account("200").id,
                "purchase_account_id": self.account("310").id,
                "no_tax_rate_id": self.rate("NONE").id,
            }
        )
        self.maps._xero_ensure(connection, [self.tax15])[str(self.tax15.id)].write(
            {"xero_tax_rate_id": self.rate("OUTPUT2").id}
        )

    def sale_tax(self, name, amount, **values):
        return self.env["account.tax"].create(
            {
                "name": name,
                "amount": amount,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": self.env.company.id,
                **values,
            }
        )

    def rate(self, tax_type):
        return self.rates.filtered(lambda r: r.xero_key == tax_type)

    def account(self, code):
        # a row Xero no longer lists (one a committing test left) is DELETED
        return self.accounts.filtered(lambda a: a.code == code and a.status != "DELETED")

    def product(self, code, name="Widget", price=10.0, **values):
        return self.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "list_price": price,
                "taxes_id": [Command.set(self.tax15.ids)],
                **values,
            }
        )

    def item(self, code):
        return self.books.item_by_code(code)

    def poll(self):
        self.sandbox.clock.advance(2)
        self.run_cron(self.poll_cron)


@tagged("post_install", "-at_install")
class TestReferenceData(ProductCase, TransactionCase):
    def test_xero_lists_are_read_when_the_company_connects(self):
        self.assertEqual(self.rate("OUTPUT2").effective_rate, 15.0)
        self.assertTrue(self.rate("OUTPUT2").can_apply_revenue)
        self.assertFalse(self.rate("INPUT2").can_apply_revenue)
        self.assertEqual(self.rate("TAX001").status, "DELETED")
        self.assertEqual(self.account("200").xero_class, "REVENUE")
        self.assertEqual(self.account("630").account_type, "INVENTORY")
        currencies = self.env["xero.currency"].search([("connection_id", "=", self.connection.id)])
        self.assertIn("NZD", currencies.mapped("xero_key"))
        self.assertEqual(
            currencies.filtered(lambda c: c.xero_key == "USD").currency_id, self.env.ref("base.USD")
        )
        themes = self.env["xero.branding.theme"].search(
            [("connection_id", "=", self.connection.id)]
        )
        self.assertEqual(themes.sorted("sort_order").mapped("name")[0], "Standard")

    def test_a_poll_reads_changed_accounts_and_the_other_lists_once_a_day(self):
        with self.sandbox.lock:
            account = self.books.account_by_code("260")
            self.books.update_account(account, {"Status": "ARCHIVED"})
        before = len(self.api_calls())
        self.poll()
        paths = [c["path"].rsplit("/", 1)[-1] for c in self.api_calls()[before:]]
        self.assertEqual(paths.count("Accounts"), 1)
        self.assertNotIn("TaxRates", paths, "read at connection time: not due before a day")
        self.assertEqual(self.account("260").status, "ARCHIVED")
        cursor = self.env["xero.poll.cursor"]._xero_for(self.connection, "xero.account")
        self.assertTrue(cursor.modified_since, "the next poll asks for what changed since")

    def test_refresh_from_xero_reads_every_list_at_once(self):
        with self.sandbox.lock:
            self.books.save_tax_rate(
                {
                    "Name": "9% Special",
                    "ReportTaxType": "OUTPUT",
                    "TaxComponents": [{"Name": "Special", "Rate": 9}],
                }
            )
        result = self.connection.action_xero_refresh_reference()
        self.assertIn("tax rates", result["params"]["message"])
        rate = self.env["xero.tax.rate"].search(
            [("connection_id", "=", self.connection.id), ("name", "=", "9% Special")]
        )
        self.assertEqual(rate.effective_rate, 9.0)


@tagged("post_install", "-at_install")
class TestTaxMap(ProductCase, TransactionCase):
    def test_taxes_are_proposed_by_rate_then_by_name(self):
        exports = self.sale_tax("Zero Rated exports", 0)
        rows = self.maps._xero_propose_all(self.connection)
        row = rows[str(exports.id)]
        # Xero has two 0% sales rates, "No GST" and "Zero Rated": the name decides
        self.assertEqual(row.xero_tax_rate_id, self.rate("ZERORATED"))
        self.assertEqual(row.state, "proposed")
        twelve = self.sale_tax("Twelve", 12)
        row = self.maps._xero_propose_all(self.connection)[str(twelve.id)]
        self.assertEqual(row.state, "missing")
        self.assertIn("no tax rate of 12%", row.note)

    def test_a_mapping_whose_rates_differ_is_refused_with_both_rates(self):
        row = self.maps._xero_ensure(self.connection, [self.tax15])[str(self.tax15.id)]
        with self.assertRaises(ValidationError) as caught:
            row.xero_tax_rate_id = self.rate("ZERORATED")
        self.assertIn("15% in Odoo", str(caught.exception))
        self.assertIn("is 0%", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            row.xero_tax_rate_id = self.rate("INPUT2")
        self.assertIn("does not allow the tax rate", str(caught.exception))

    def test_two_taxes_on_a_line_get_one_xero_rate_with_two_components(self):
        levy = self.sale_tax("Levy 2%", 2, sequence=0, include_base_amount=True)
        both = self.tax15 | levy
        row = self.maps._xero_ensure(self.connection, [both])[self.maps._xero_key(both)]
        # the levy comes first and is part of the base of GST: 2% + 15% of 102%
        self.assertAlmostEqual(row.odoo_rate, 17.3, places=4)
        self.assertEqual(row.state, "missing")
        row.action_create_in_xero()
        created = self.books.tax_rates[row.xero_tax_rate_id.xero_key]
        self.assertEqual(
            [(c["Name"], c["Rate"], c["IsCompound"]) for c in created["TaxComponents"]],
            [("Levy 2%", Decimal("2.0000"), False), ("GST 15%", Decimal("15.0000"), True)],
        )
        self.assertEqual(row.state, "mapped")
        self.assertAlmostEqual(row.xero_rate, 17.3, places=4)

    def test_a_fixed_amount_is_not_a_xero_tax_rate(self):
        eco = self.sale_tax("Eco fee", 0.5, amount_type="fixed")
        row = self.maps._xero_ensure(self.connection, [eco])[str(eco.id)]
        self.assertEqual(row.state, "fixed")
        with self.assertRaises(ValidationError) as caught:
            row.xero_tax_rate_id = self.rate("NONE")
        self.assertIn("line of its own", str(caught.exception))
        rate, problem = self.maps._xero_lookup(self.connection, self.tax15 | eco)
        self.assertEqual((rate, problem), (self.rate("OUTPUT2"), None))

    def test_lines_without_tax_carry_the_no_tax_rate(self):
        rate, problem = self.maps._xero_lookup(self.connection, self.env["account.tax"])
        self.assertEqual((rate.xero_key, problem), ("NONE", None))

    def test_customers_abroad_get_the_tax_type_of_their_fiscal_position(self):
        self.maps._xero_ensure(self.connection, [self.tax0])[str(self.tax0.id)].write(
            {"xero_tax_rate_id": self.rate("ZERORATED").id}
        )
        self.tax0.write({"original_tax_ids": [Command.set(self.tax15.ids)]})
        export = self.env["account.fiscal.position"].create(
            {"name": "Export", "tax_ids": [Command.set(self.tax0.ids)]}
        )
        self.tax0.fiscal_position_ids = export
        matrix = self.env["xero.tax.matrix"]._xero_build(self.connection)
        line = {(r.position_id, r.tax_id): r for r in matrix}
        domestic = line[self.env["account.fiscal.position"], self.tax15]
        abroad = line[export, self.tax15]
        self.assertEqual(domestic.xero_tax_rate_id.xero_key, "OUTPUT2")
        self.assertEqual(abroad.mapped_tax_ids, self.tax0)
        self.assertEqual(abroad.xero_tax_rate_id.xero_key, "ZERORATED")
        self.assertEqual(abroad.state, "ok")


@tagged("post_install", "-at_install")
class TestAccountMap(ProductCase, TransactionCase):
    def test_an_account_that_refuses_the_tax_type_is_caught_on_save(self):
        product = self.product("ACC-1")
        with self.assertRaises(ValidationError) as caught:
            product.product_tmpl_id.xero_sales_account_id = self.account("400")
        self.assertIn("does not allow the tax rate", str(caught.exception))
        self.assertIn("400 Advertising", str(caught.exception))

    def test_an_archived_account_is_caught_on_save_and_before_a_send(self):
        category = self.env["product.category"].create({"name": "Garden"})
        category.xero_sales_account_id = self.account("260")
        product = self.product("GARDEN-1", categ_id=category.id)
        self.account("260").sudo().status = "ARCHIVED"
        with self.assertRaises(ValidationError):
            category.xero_sales_account_id = self.account("260")
        product.action_xero_resync()
        self.run_queue()
        self.assertIn("archived or deleted in Xero", product.xero_last_error)
        self.assertFalse(self.item("GARDEN-1"))


@tagged("post_install", "-at_install")
class TestProductsToXero(ProductCase, TransactionCase):
    def test_a_product_becomes_a_xero_item_with_its_maps(self):
        product = self.product("WID-1", "Blue widget", 12.3456, description_sale="A blue one")
        self.run_queue()
        item = self.item("WID-1")
        self.assertEqual(item["Name"], "Blue widget")
        self.assertEqual(item["Description"], "A blue one")
        self.assertEqual(item["SalesDetails"]["UnitPrice"], Decimal("12.3456"))
        self.assertEqual(item["SalesDetails"]["AccountCode"], "200")
        self.assertEqual(item["SalesDetails"]["TaxType"], "OUTPUT2")
        self.assertEqual(product.xero_sync_state, "synced")
        put = self.sandbox.calls_to("/Items", method="PUT")
        self.assertEqual(str(put[0]["query"].get("unitdp")), "4")
        product.lst_price = 13.5
        self.run_queue()
        self.assertEqual(self.item("WID-1")["SalesDetails"]["UnitPrice"], Decimal("13.5"))
        self.assertEqual(len(self.sandbox.calls_to("/Items", method="PUT")), 1, "no second item")

    def test_a_product_without_internal_reference_is_explained_and_not_sent(self):
        product = self.product(False, "Nameless")
        self.run_queue()
        self.assertEqual(product.xero_sync_state, "error")
        self.assertIn(
            "Xero needs an item code: give the product an internal reference",
            product.xero_last_error,
        )
        self.assertFalse(self.sandbox.calls_to("/Items", method="PUT"))

    def test_bad_codes_and_prices_are_explained_before_any_call(self):
        long_code = self.product("X" * 31, "Long")
        twin_a = self.product("TWIN", "Twin A")
        twin_b = self.product("TWIN", "Twin B")
        self.env.ref("product.decimal_price").digits = 5
        precise = self.product("PRECISE", "Precise", 1.23456)
        self.run_queue()
        self.assertIn("31 characters long", long_code.xero_last_error)
        self.assertIn("also that of", twin_a.xero_last_error)
        self.assertIn("also that of", twin_b.xero_last_error)
        self.assertIn("more than 4 decimals", precise.xero_last_error)
        self.assertFalse(self.sandbox.calls_to("/Items", method="PUT"))

    def test_a_code_xero_already_uses_for_another_item_is_explained(self):
        self.connection.sudo().product_create_in_odoo = False
        self.poll()  # reads Xero's items, TOOL-SAW among them, and keeps them unlinked
        product = self.product("HAMMER", "Hammer")
        self.run_queue()
        product.default_code = "TOOL-SAW"
        self.run_queue()
        self.assertIn(
            "Xero already has another item with the code TOOL-SAW", product.xero_last_error
        )

    def test_a_long_name_is_cut_for_xero_and_kept_whole_in_odoo(self):
        name = "Industrial stainless steel extension ladder with stabiliser bar"
        product = self.product("LADDER", name)
        self.run_queue()
        item = self.item("LADDER")
        self.assertLessEqual(len(item["Name"]), 50)
        self.assertTrue(item["Name"].endswith("…"))
        self.assertEqual(item["Description"], name)
        self.poll()
        self.assertEqual(product.name, name, "Xero's cut name does not come back")

    def test_prices_go_in_the_organisations_currency_or_are_explained(self):
        nzd, usd = self.env.ref("base.NZD"), self.env.ref("base.USD")
        self.env["res.currency.rate"].search([("currency_id", "in", (nzd | usd).ids)]).unlink()
        self.connection.sudo().base_currency = "NZD"
        product = self.product("FX-1", "Imported", 10.0)
        self.run_queue()
        self.assertIn("no exchange rate", product.xero_last_error)
        self.assertFalse(self.item("FX-1"))
        self.env["res.currency.rate"].create(
            {"currency_id": nzd.id, "rate": 1.7, "company_id": self.company.id}
        )
        product.action_xero_resync()
        self.run_queue()
        self.assertEqual(self.item("FX-1")["SalesDetails"]["UnitPrice"], Decimal(17))

    def test_a_product_with_two_taxes_and_no_xero_rate_is_explained(self):
        levy = self.sale_tax("Levy 2%", 2)
        product = self.product("LEVY", taxes_id=[Command.set((self.tax15 | levy).ids)])
        self.run_queue()
        self.assertIn("has no Xero tax rate yet", product.xero_last_error)


@tagged("post_install", "-at_install")
class TestItemsFromXero(ProductCase, TransactionCase):
    def test_new_xero_items_come_back_by_the_poll(self):
        with self.sandbox.lock:
            self.books.save_item(
                {
                    "Code": "NEW-1",
                    "Name": "Garden rake",
                    "SalesDetails": {"UnitPrice": "19.95", "AccountCode": "200"},
                },
                "Accountant",
                create_only=True,
            )
        ours = self.product("TOOL-HAM", "Our hammer")
        self.run_queue()
        self.poll()
        rake = self.env["product.product"].search([("default_code", "=", "NEW-1")])
        self.assertEqual((rake.name, rake.lst_price), ("Garden rake", 19.95))
        self.assertEqual(rake.xero_sync_state, "synced")
        # the Xero item with our code was linked, not duplicated
        self.assertEqual(self.link_of(ours).xero_id, self.item("TOOL-HAM")["ItemID"].lower())
        self.assertEqual(
            self.env["product.product"].search_count([("default_code", "=", "TOOL-HAM")]), 1
        )

    def test_a_xero_edit_comes_back_and_both_edits_follow_the_policy(self):
        product = self.product("MRG-1", "Mallet", 10)
        self.run_queue()
        jobs = self.jobs.search([("res_model", "=", "product.product")])
        self.assertEqual(
            product.xero_sync_state,
            "synced",
            jobs.read(["state", "result", "failure_reason", "res_id", "kind"]),
        )
        item_id = self.item("MRG-1")["ItemID"]
        with self.sandbox.lock:
            self.books.save_item({"ItemID": item_id, "Description": "Rubber mallet"}, "Accountant")
        self.poll()
        self.assertEqual(product.description_sale, "Rubber mallet")
        # both change the name; the policy is Odoo wins
        product.with_context(xero_inbound=True).name = "Mallet (Odoo)"
        with self.sandbox.lock:
            self.books.save_item({"ItemID": item_id, "Name": "Mallet (Xero)"}, "Accountant")
        self.poll()
        self.run_queue()
        self.assertEqual(product.name, "Mallet (Odoo)")
        self.assertEqual(self.item("MRG-1")["Name"], "Mallet (Odoo)")

    def test_a_quiet_poll_reads_items_in_one_call(self):
        self.poll()
        before = len(self.api_calls())
        self.poll()
        items = [c for c in self.api_calls()[before:] if c["path"].endswith("/Items")]
        self.assertEqual(len(items), 1)
        cursor = self.env["xero.poll.cursor"]._xero_for(self.connection, "product.product")
        self.assertTrue(cursor.modified_since)


@tagged("post_install", "-at_install")
class TestProductGolive(ProductCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.connection.sudo().sync_products = False
        # only the products of this test sync (not those of a database with demo data)
        self.env["product.product"].search([]).active = False
        self.hammer = self.product("TOOL-HAM", "Our claw hammer")
        self.saw = self.product("SAW-1", "Panel saw")
        self.new = self.product("NEW-ODOO", "Brand new")
        self.nameless = self.product(False, "No code")
        self.wizard = self.env["xero.product.golive"].create({})

    def test_the_dry_run_changes_nothing_and_says_what_going_live_does(self):
        self.wizard.action_dry_run()
        w = self.wizard
        # TOOL-HAM by its code, the saw by its name; the new one goes to Xero; the rest of
        # Xero's items come to Odoo; the product without a code must be fixed first
        self.assertEqual((w.count_link, w.count_create_xero, w.count_review), (2, 1, 1))
        self.assertEqual(w.count_create_odoo, w.count_xero - 2)
        self.assertIn("No code", w.preview)
        self.assertFalse(self.link_of(self.hammer))
        self.assertFalse(self.sandbox.calls_to("/Items", method="PUT"))

    def test_going_live_links_creates_and_keeps_products_in_sync(self):
        self.connection.sudo().low_stock_threshold = 5
        self.wizard.action_dry_run()
        self.go_live(self.wizard)
        # the spirit level (2 in stock in Xero) is low as soon as it is in Odoo
        level = self.env["product.product"].search([("default_code", "=", "TOOL-LVL")])
        self.assertIn("Low stock in Xero", level.product_tmpl_id.activity_ids.summary)
        self.assertTrue(self.connection.sync_products)
        self.assertEqual(self.link_of(self.hammer).xero_id, self.item("TOOL-HAM")["ItemID"].lower())
        self.assertEqual(self.link_of(self.saw).xero_id, self.item("TOOL-SAW")["ItemID"].lower())
        self.run_until_settled()
        self.assertTrue(self.item("NEW-ODOO"))
        # Odoo wins for products (the connection's policy): its name and code go to Xero
        self.assertEqual(self.item("SAW-1")["ItemID"].lower(), self.link_of(self.saw).xero_id)
        self.assertEqual(self.item("TOOL-HAM")["Name"], "Our claw hammer")
        drill = self.env["product.product"].search([("default_code", "=", "TOOL-DRL")])
        self.assertEqual(drill.xero_sync_state, "synced")
        self.assertIn("internal reference", self.nameless.xero_last_error or "")


@tagged("post_install", "-at_install")
class TestTrackedStock(ProductCase, TransactionCase):
    def test_a_product_made_tracked_in_odoo_is_tracked_in_xero(self):
        connection = self.connection.sudo()
        product = self.product("TRACK-1", "Trackable", purchase_ok=True, standard_price=4.0)
        product.product_tmpl_id.xero_track_inventory = True
        self.run_queue()
        self.assertIn("inventory asset account", product.xero_last_error)
        connection.write(
            {
                "inventory_account_id": self.account("630").id,
                "cogs_account_id": self.account("310").id,
            }
        )
        product.action_xero_resync()
        self.run_queue()
        item = self.item("TRACK-1")
        self.assertEqual(item["InventoryAssetAccountCode"], "630")
        self.assertEqual(item["PurchaseDetails"]["COGSAccountCode"], "310")
        self.assertTrue(product.xero_tracked)
        self.assertEqual(product.xero_quantity_on_hand, 0)

    def test_a_quotation_asking_more_than_xero_has_is_flagged(self):
        self.poll()
        drill = self.env["product.product"].search([("default_code", "=", "TOOL-DRL")])
        self.assertTrue(drill.xero_tracked)
        available = drill.xero_quantity_available
        self.assertGreater(available, 0)
        customer = self.env["res.partner"].create({"name": "Stock Buyer"})
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create({"product_id": drill.id, "product_uom_qty": available}),
                ],
            }
        )
        self.assertFalse(order.xero_stock_warning)
        order.order_line.product_uom_qty = available + 1
        self.assertIn(
            f"{available + 1:g} asked, {available:g} available", order.order_line.xero_stock_warning
        )
        self.assertIn("Xero refuses to invoice more than it has", order.xero_stock_warning)
        self.connection.sudo().allow_backorders = True
        order.invalidate_recordset(["xero_stock_warning"])
        self.assertIn("back order", order.xero_stock_warning)


@tagged("post_install", "-at_install")
class TestStockFromXero(ProductCase, TransactionCase):
    def document(self, kind, code, quantity, price=None):
        """The accountant approves a sale (ACCREC) or a bill (ACCPAY) of an item in Xero."""
        today = self.books.today()
        contact = next(c for c in self.books.contacts.values() if c["Name"] == "Hamilton Timber Co")
        line = {"ItemCode": code, "Quantity": quantity}
        if price:
            line["UnitAmount"] = price
        with self.sandbox.lock:
            return self.books.save_document(
                "invoice",
                {
                    "Type": kind,
                    "Contact": {"ContactID": contact["ContactID"]},
                    "Date": today.isoformat(),
                    "DueDate": (today + timedelta(days=14)).isoformat(),
                    "Status": "AUTHORISED",
                    "LineItems": [line],
                },
                "Accountant",
                create_only=True,
            )

    def in_xero(self, code):
        return self.books.item_view(self.item(code))

    def product_of(self, code):
        return self.env["product.product"].search([("default_code", "=", code)])

    def test_stock_is_read_right_after_xero_approves_a_sale(self):
        self.poll()
        drill = self.product_of("TOOL-DRL")
        on_hand = float(self.in_xero("TOOL-DRL")["QuantityOnHand"])
        self.assertTrue(drill.xero_tracked)
        self.assertEqual(drill.xero_quantity_on_hand, on_hand)
        self.assertEqual(drill.xero_quantity_available, on_hand)
        invoice = self.document("ACCREC", "TOOL-DRL", 3)
        # Xero's INVOICE webhook queues the invoice's fetch; no poll runs
        self.jobs._xero_enqueue_fetches(
            self.connection, self.env["xero.invoice"], [invoice["InvoiceID"].lower()]
        )
        reads = len(self.sandbox.calls_to("/Items", method="GET"))
        self.run_queue()
        self.assertEqual(len(self.sandbox.calls_to("/Items", method="GET")), reads + 1)
        drill.invalidate_recordset()
        self.assertEqual(drill.xero_quantity_on_hand, on_hand - 3)
        self.assertEqual(drill.product_tmpl_id.xero_quantity_available, on_hand - 3)

    def test_low_stock_is_announced_once_until_the_stock_recovers(self):
        self.poll()
        level = self.product_of("TOOL-LVL")
        on_hand = float(self.in_xero("TOOL-LVL")["QuantityOnHand"])
        level.product_tmpl_id.xero_low_stock_threshold = on_hand - 1
        template = level.product_tmpl_id
        summary = f"Low stock in Xero: {level.display_name}"

        def announced():
            return template.activity_ids.filtered(lambda a: a.summary == summary)

        self.document("ACCREC", "TOOL-LVL", 1)
        self.poll()
        self.assertEqual(len(announced()), 1)
        self.assertIn("Low stock in Xero", template.message_ids[0].body)
        self.assertEqual(announced().user_id, self.env.ref("base.user_admin"))
        self.poll()  # nothing changed: not announced again
        self.document("ACCREC", "TOOL-LVL", 0.5)
        self.poll()  # lower still: still the one announcement
        self.assertEqual(len(announced()), 1)
        self.document("ACCPAY", "TOOL-LVL", 5, "18.50")
        self.poll()  # recovered
        self.document("ACCREC", "TOOL-LVL", 5)
        self.poll()  # low again: announced again
        self.assertEqual(len(announced()), 2)

    def test_low_stock_can_go_to_a_sales_team(self):
        leader = new_test_user(self.env, "stock_leader", groups="sales_team.group_sale_manager")
        member = new_test_user(self.env, "stock_member", groups="sales_team.group_sale_salesman")
        team = self.env["crm.team"].create(
            {"name": "Tools desk", "user_id": leader.id, "member_ids": [Command.set(member.ids)]}
        )
        self.connection.sudo().write(
            {"low_stock_notify": "team", "low_stock_team_id": team.id, "low_stock_threshold": 5}
        )
        self.poll()
        level = self.product_of("TOOL-LVL")
        activities = level.product_tmpl_id.activity_ids
        self.assertEqual(activities.user_id, leader | member)
        self.assertNotIn(self.env.ref("base.user_admin"), activities.user_id)


@tagged("post_install", "-at_install")
class TestProductAccess(ProductCase, TransactionCase):
    def test_sales_reps_see_stock_and_only_managers_edit_the_maps(self):
        self.poll()
        rep = self.env["res.users"].create(
            {
                "name": "Rep",
                "login": "rep-products",
                "group_ids": [Command.set([self.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        drill = self.env["product.product"].search([("default_code", "=", "TOOL-DRL")])
        self.assertGreater(drill.with_user(rep).xero_quantity_available, 0)
        with self.assertRaises(AccessError):
            self.env["xero.tax.map"].with_user(rep).search([])
        xero_user = self.env["res.users"].create(
            {
                "name": "Xero user",
                "login": "xero-user-products",
                "group_ids": [
                    Command.set(
                        [
                            self.env.ref("sales_team.group_sale_salesman").id,
                            self.env.ref("xero_connector.group_xero_user").id,
                        ]
                    )
                ],
            }
        )
        row = self.maps.search([("connection_id", "=", self.connection.id)], limit=1)
        self.assertTrue(row.with_user(xero_user).xero_tax_rate_id)
        # a product manager without Xero access still creates products, which sync
        seller = new_test_user(
            self.env,
            "products_seller",
            groups="sales_team.group_sale_manager,product.group_product_manager",
        )
        made = (
            self.env["product.product"]
            .with_user(seller)
            .create(
                {
                    "name": "Made by a seller",
                    "default_code": "SELLER-1",
                    "taxes_id": [Command.set(self.tax15.ids)],
                }
            )
        )
        self.run_queue()
        self.assertTrue(self.item("SELLER-1"))
        self.assertEqual(made.sudo().xero_sync_state, "synced")
        with self.assertRaises(AccessError):
            row.with_user(xero_user).xero_tax_rate_id = self.rate("NONE")
