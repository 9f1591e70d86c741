"""A product's first sale, checked before it happens (issue 24): the line its Xero
invoices carry, previewed on the product's form by the code that makes invoices (Xero
is not asked), and a test invoice sent to Xero as a draft, read back, then deleted."""

from decimal import Decimal

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from .test_invoices import InvoiceCase

TEST_CONTACT = "Odoo test sale — delete me"
# what the preview shows of a line, as Xero's invoice holds it
SHOWN = ("ItemCode", "Description", "Quantity", "UnitAmount", "AccountCode", "TaxType")


class PreviewCase(InvoiceCase):
    """Kauri Tools sells a lamp priced to 4 decimals, taxed GST 15% (Xero's OUTPUT2) at
    home and zero-rated (ZERORATED) for customers of the Export fiscal position, by a
    sales team whose invoices Xero tracks by region."""

    def setUp(self):
        super().setUp()
        self.env.ref("product.decimal_price").digits = 4
        self.maps._xero_ensure(self.connection, [self.tax0])[str(self.tax0.id)].write(
            {"xero_tax_rate_id": self.rate("ZERORATED").id}
        )
        self.tax0.write({"original_tax_ids": [Command.set(self.tax15.ids)]})
        self.export = self.env["account.fiscal.position"].create(
            {"name": "Export", "tax_ids": [Command.set(self.tax0.ids)]}
        )
        self.tax0.fiscal_position_ids = self.export
        self.region = self.env["xero.tracking.option"].search(
            [("connection_id", "=", self.connection.id), ("category_id.name", "=", "Region")],
            limit=1,
        )
        self.team = self.env["crm.team"].browse(
            self.env["crm.team"]._get_default_team_id(user_id=self.env.uid).id
        )
        self.team.xero_tracking_option_ids = self.region
        self.lamp = self.product("PRV-LMP", "Desk lamp", 12.3456)
        self.run_until_settled()  # the products are items in Xero

    def case(self, cases, position):
        [found] = [case for case in cases if case["position"] == position]
        return found

    def sold(self, product, partner):
        """One of ``product`` at its list price on a confirmed order, invoiced in Xero:
        the line Xero holds."""
        order = self.order([(product, 1)], partner=partner)
        self.assertEqual(order.order_line.price_unit, product.lst_price)
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        [line] = document["LineItems"]
        return line

    def send_test_invoice(self, product=None):
        """A Xero manager sends the product's test invoice: the report."""
        action = (product or self.lamp).product_tmpl_id.action_xero_test_invoice()
        return self.env[action["res_model"]].browse(action["res_id"])

    def calls_since(self, before):
        return [(c["method"], c["path"].rsplit("/2.0", 1)[-1]) for c in self.api_calls()[before:]]

    def live_test_invoices(self):
        return [
            invoice
            for invoice in self.books.invoices.values()
            if self.books.contacts[invoice["Contact"]["ContactID"]]["Name"] == TEST_CONTACT
            and invoice["Status"] != "DELETED"
        ]


@tagged("post_install", "-at_install")
class TestPreview(PreviewCase, TransactionCase):
    def test_the_preview_is_the_line_then_sent_at_home_and_abroad(self):
        cases = self.lamp._xero_sale_preview(self.connection)
        home, abroad = self.case(cases, self.export.browse()), self.case(cases, self.export)
        tourist = self.env["res.partner"].create(
            {"name": "Harbour Imports", "property_account_position_id": self.export.id}
        )
        for case, partner, tax_type in (
            (home, self.customer, "OUTPUT2"),
            (abroad, tourist, "ZERORATED"),
        ):
            [previewed] = case["lines"]
            held = self.sold(self.lamp, partner)
            for key in SHOWN:
                self.assertEqual(
                    Decimal(str(previewed[key]))
                    if key in ("Quantity", "UnitAmount")
                    else previewed[key],
                    held[key],
                    f"{case['name']}: {key}",
                )
            self.assertEqual(Decimal(str(previewed["LineAmount"])), held["LineAmount"])
            self.assertEqual(
                [(t["Name"], t["Option"]) for t in previewed["Tracking"]],
                [(t["Name"], t["Option"]) for t in held["Tracking"]],
            )
            self.assertEqual(held["TaxType"], tax_type)
            self.assertEqual(held["UnitAmount"], Decimal("12.3456"))
            self.assertEqual(held["ItemCode"], "PRV-LMP")
            self.assertEqual(held["Tracking"][0]["Option"], self.region.name)
            self.assertIsNone(case["problem"])
        shown = self.lamp.product_tmpl_id.xero_line_preview
        for text in (
            "Export",
            "PRV-LMP",
            "OUTPUT2",
            "ZERORATED",
            "12.3456",
            "200 Sales",
            f"Region: {self.region.name}",
        ):
            self.assertIn(text, shown)

    def test_opening_the_preview_asks_nothing_of_xero_and_saves_nothing(self):
        before = len(self.api_calls())
        orders = self.env["sale.order"].search_count([])
        invoices = self.env["xero.order.invoice"].search_count([])
        self.env.invalidate_all()
        [values] = self.lamp.product_tmpl_id.read(["xero_line_preview"])
        self.assertIn("PRV-LMP", values["xero_line_preview"])
        self.assertIn("12.3456", self.lamp.xero_line_preview)
        self.assertEqual(self.calls_since(before), [])
        self.assertEqual(self.env["sale.order"].search_count([]), orders)
        self.assertEqual(self.env["xero.order.invoice"].search_count([]), invoices)
        self.assertFalse(self.env["res.partner"].search([("name", "=", TEST_CONTACT)]))

    def test_a_tax_without_xero_rate_shows_in_the_preview_and_stops_the_test(self):
        levy = self.sale_tax("Harbour levy 7%", 7)
        crate = self.product("PRV-CRT", "Crate", 30.0, taxes_id=[Command.set(levy.ids)])
        self.run_until_settled()
        home = self.case(crate._xero_sale_preview(self.connection), self.export.browse())
        self.assertIn("Harbour levy 7% has no Xero tax rate yet", home["problem"])
        self.assertIn("Harbour levy 7% has no Xero tax rate yet", crate.xero_line_preview)
        before = len(self.api_calls())
        with self.assertRaisesRegex(UserError, "Nothing was sent to Xero: fix this first"):
            self.send_test_invoice(crate)
        self.assertEqual(self.calls_since(before), [], "refused before any call")

    def test_a_product_not_yet_an_item_is_said_and_not_tested(self):
        vase = self.product("PRV-VAS", "Vase", 8.0)
        self.assertIn("Not an item in Xero yet", vase.xero_line_preview)
        before = len(self.api_calls())
        with self.assertRaisesRegex(UserError, "is not an item in Xero yet"):
            self.send_test_invoice(vase)
        self.assertEqual(self.calls_since(before), [])


@tagged("post_install", "-at_install")
class TestTestInvoice(PreviewCase, TransactionCase):
    def test_a_draft_in_xero_read_back_then_deleted(self):
        before = len(self.api_calls())
        test = self.send_test_invoice()
        [put, read, delete] = self.calls_since(before)
        self.assertEqual(put, ("PUT", "/Invoices"))
        self.assertEqual(read, ("GET", f"/Invoices/{test.xero_id}"))
        self.assertEqual(delete, ("POST", f"/Invoices/{test.xero_id}"))
        invoice = self.books.invoices[test.xero_id]
        self.assertEqual(invoice["Status"], "DELETED")
        self.assertEqual(invoice["InvoiceNumber"], test.invoice_number)
        self.assertEqual(
            [h["Changes"] for h in self.books.history_of(test.xero_id)],
            ["Created", "Deleted"],
            "made as a draft: never approved",
        )
        self.assertEqual(self.live_test_invoices(), [])
        # every kind of customer's line, each field as sent
        cases = self.lamp._xero_sale_preview(self.connection)
        self.assertEqual(len(invoice["LineItems"]), len(cases))
        self.assertEqual((test.state, test.deleted, test.differences), ("deleted", True, 0))
        taxes = [row for row in test.comparison if row["field"] == "TaxAmount"]
        self.assertEqual(
            [row["held"] for row in taxes],
            ["0.00" if case["position"] == self.export else "1.85" for case in cases],
        )
        self.assertEqual(Decimal(str(test.amount_tax)), invoice["TotalTax"])
        self.assertAlmostEqual(test.amount_tax, test.odoo_amount_tax, places=2)
        self.assertIn("every field as sent", test.summary)
        self.assertIn("Deleted in Xero.", test.summary)
        self.assertIn("ZERORATED", test.report)
        # a second test reuses the test contact
        self.send_test_invoice()
        self.assertEqual(len(self.contacts_named(TEST_CONTACT)), 1)
        self.assertEqual(self.live_test_invoices(), [])

    def test_the_draft_is_deleted_even_when_it_cannot_be_read_back(self):
        self.sandbox.faults.add("500", method="GET", path="/Invoices/")
        before = len(self.api_calls())
        test = self.send_test_invoice()
        methods = [method for method, _path in self.calls_since(before)]
        self.assertEqual(methods, ["PUT", "GET", "POST"])
        self.assertEqual(test.state, "deleted")
        self.assertIn("could not be read back", test.summary)
        self.assertEqual(self.books.invoices[test.xero_id]["Status"], "DELETED")
        self.assertEqual(self.live_test_invoices(), [])

    def test_a_draft_xero_would_not_delete_is_said_with_its_number(self):
        self.sandbox.faults.add("500", method="POST", path="/Invoices/")
        test = self.send_test_invoice()
        self.assertEqual((test.state, test.deleted), ("left", False))
        self.assertIn(f"delete the draft {test.invoice_number}", test.summary)
        [left] = self.live_test_invoices()
        self.assertEqual((left["InvoiceNumber"], left["Status"]), (test.invoice_number, "DRAFT"))

    def test_a_lost_answer_to_the_create_is_found_by_its_number_and_deleted(self):
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Invoices$")
        before = len(self.api_calls())
        test = self.send_test_invoice()
        methods = [method for method, _path in self.calls_since(before)]
        self.assertEqual(methods, ["PUT", "GET", "POST"])
        self.assertEqual(test.state, "deleted")
        self.assertIn("answer was lost", test.summary)
        self.assertEqual(self.books.invoices[test.xero_id]["Status"], "DELETED")
        self.assertEqual(self.live_test_invoices(), [])

    def test_no_call_left_in_the_budget_sends_nothing_and_says_when_to_try(self):
        self.budget_used_today(100, limit=100)
        before = len(self.api_calls())
        test = self.send_test_invoice()
        self.assertEqual(self.calls_since(before), [])
        self.assertEqual(test.state, "failed")
        self.assertIn("Xero allows no more calls for now: try again in", test.summary)
        self.assertIn("Nothing was made in Xero", test.summary)

    def test_xero_refusing_the_draft_is_shown_in_its_own_words(self):
        # the accountant archives the sales account in Xero; Odoo has not read it yet
        with self.sandbox.lock:
            self.books.update_account(self.books.account_by_code("200"), {"Status": "ARCHIVED"})
        before = len(self.api_calls())
        test = self.send_test_invoice()
        self.assertEqual(self.calls_since(before), [("PUT", "/Invoices")], "nothing to delete")
        self.assertEqual(test.state, "refused")
        self.assertIn(
            "Xero refused the test invoice: Account code '200' has been archived", test.summary
        )
        self.assertIn("Nothing was made in Xero", test.summary)
        self.assertEqual(self.live_test_invoices(), [])


@tagged("post_install", "-at_install")
class TestPreviewAccess(PreviewCase, TransactionCase):
    def form_arch(self, user):
        view = self.env["product.template"].with_user(user).get_views([(False, "form")])
        return etree.fromstring(view["views"]["form"]["arch"])

    def test_salespeople_see_no_preview_and_only_managers_send_test_invoices(self):
        template = self.lamp.product_tmpl_id
        seller = new_test_user(self.env, "seller", groups="sales_team.group_sale_salesman")
        xero_user = new_test_user(
            self.env,
            "xero_seller",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        manager = new_test_user(
            self.env,
            "xero_boss",
            groups="sales_team.group_sale_manager,xero_connector.group_xero_manager",
        )
        self.assertNotIn("xero_line_preview", template.with_user(seller).fields_get())
        self.assertFalse(self.form_arch(seller).xpath("//field[@name='xero_line_preview']"))
        self.assertIn("PRV-LMP", template.with_user(xero_user).xero_line_preview)
        for user in (seller, xero_user):
            self.assertFalse(
                self.form_arch(user).xpath("//button[@name='action_xero_test_invoice']")
            )
            with self.assertRaises(AccessError):
                template.with_user(user).action_xero_test_invoice()
        self.assertTrue(self.form_arch(manager).xpath("//button[@name='action_xero_test_invoice']"))
        action = template.with_user(manager).action_xero_test_invoice()
        test = self.env[action["res_model"]].with_user(manager).browse(action["res_id"])
        self.assertEqual(test.state, "deleted")
        self.assertEqual(self.live_test_invoices(), [])
