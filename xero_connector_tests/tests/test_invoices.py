"""Xero invoices made from confirmed orders: one click or on confirmation, exact to the
cent, never twice."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import html2plaintext
from odoo.tools.safe_eval import safe_eval

from .test_products import ProductCase


class InvoiceCase(ProductCase):
    """Kauri Tools (USD) invoicing the company's orders, with a rounding account."""

    def setUp(self):
        super().setUp()
        self.connection.sudo().write(
            {"sync_invoices": True, "rounding_account_id": self.account("860").id}
        )
        self.customer = self.env["res.partner"].create(
            {"name": "Ridgeway Joinery", "email": "accounts@ridgeway.example"}
        )
        self.drill = self.product("INV-DRL", "Cordless drill", 199.0)
        self.saw = self.product("INV-SAW", "Panel saw", 45.5)

    def order(self, lines, partner=None, confirm=True, **values):
        """An order of (product, quantity[, price[, discount[, taxes]]]) lines."""
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "order_line": [Command.create(self.line_values(*line)) for line in lines],
                **values,
            }
        )
        if confirm:
            order.action_confirm()
        return order

    def line_values(self, product, quantity, price=None, discount=0.0, taxes=None):
        values = {"product_id": product.id, "product_uom_qty": quantity, "discount": discount}
        if price is not None:
            values["price_unit"] = price
        if taxes is not None:
            values["tax_ids"] = [Command.set(taxes.ids)]
        return values

    def invoiced(self, order):
        """The Xero invoices of an order, as Xero has them (oldest first)."""
        invoices = order.sudo().xero_invoice_ids.sorted("id")
        links = self.env["xero.order.invoice"]._xero_links(self.connection, ids=invoices.ids)
        return [self.books.invoices[links[invoice.id].xero_id] for invoice in invoices]

    def total(self, document):
        return Decimal(str(document["Total"]))

    def assert_exact_lines(self, order, document, lines=None):
        """Every line Xero holds carries what its order line holds: the item, the
        account, the tax type, the unit price (to Xero's 4 decimals), the quantity (both
        in the item's unit) and the discount, and so the line's own amount. Returns what
        is left: the rounding line, if any."""
        received = [line for line in document["LineItems"] if "Quantity" in line]
        inclusive = document["LineAmountTypes"] == "Inclusive"
        for line in (lines or order.order_line).filtered(lambda ol: not ol.display_type):
            sent = received.pop(0)
            unit, item_unit = line.product_uom_id, line.product_id.uom_id
            quantity = Decimal(str(unit._compute_quantity(line.product_uom_qty, item_unit, False)))
            price = Decimal(str(unit._compute_price(line.price_unit, item_unit)))
            included = line.tax_ids.filtered("price_include")
            if included and not inclusive:  # sent without its tax
                price = price * 100 / (100 + Decimal(str(sum(included.mapped("amount")))))
            discount = Decimal(str(line.discount))
            rate, _problem = self.maps._xero_lookup(self.connection, line.tax_ids)
            expected = {
                "ItemCode": line.product_id.default_code,
                "AccountCode": line.product_id._xero_sales_account(self.connection).code,
                "TaxType": rate.xero_key,
                "Quantity": quantity.quantize(Decimal("0.0001"), ROUND_HALF_UP),
                "UnitAmount": price.quantize(Decimal("0.0001"), ROUND_HALF_UP),
                "DiscountRate": discount.quantize(Decimal("0.01"), ROUND_HALF_UP),
            }
            got = {key: sent.get(key) for key in expected} | {
                "DiscountRate": sent.get("DiscountRate", Decimal("0.00"))
            }
            self.assertEqual(got, expected, f"{order.name}: {line.name}")
            if not (included and not inclusive):  # else its price has more than 4 decimals
                exact = quantity * price * (100 - discount) / 100
                self.assertEqual(
                    sent["LineAmount"],
                    exact.quantize(Decimal("0.01"), ROUND_HALF_UP),
                    f"{order.name}: {line.name}: the line's own amount",
                )
            for tax in line.tax_ids.filtered(lambda t: t.amount_type == "fixed"):
                self.assertEqual(received.pop(0)["Description"], tax.name)
        return received

    def pay(self, document, amount=None, read=True):
        """The accountant records a payment of the invoice in Xero (all of it by default);
        Odoo reads it by the poll (Xero has no payment webhook) unless ``read`` is off."""
        with self.sandbox.lock:
            self.books.create_payment(
                {
                    "Invoice": {"InvoiceID": document["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Date": self.books.today().isoformat(),
                    "Amount": document["Total"] if amount is None else amount,
                },
                "Accountant",
            )
        if read:
            self.poll()

    def credit_notes(self):
        return [c for c in self.books.credit_notes.values() if c["Type"] == "ACCRECCREDIT"]

    def job_of(self, invoice):
        """The last push of the invoice (its pay link is read by jobs of their own)."""
        return self.jobs.search(
            [("kind", "=", "sale_invoice.push"), ("res_id", "=", invoice.id)],
            order="id desc",
            limit=1,
        )


@tagged("post_install", "-at_install")
class TestOneClick(InvoiceCase, TransactionCase):
    def test_a_confirmed_order_becomes_one_xero_invoice_with_its_total_to_the_cent(self):
        self.run_until_settled()  # the products are items in Xero
        order = self.order([(self.drill, 2), (self.saw, 3, 45.5, 10.0)], client_order_ref="PO-77")
        self.assertEqual(order.invoice_status, "to invoice")
        order.action_xero_invoice()
        self.assertEqual(order.invoice_status, "invoiced", "invoiced at once: no second click")
        self.run_until_settled()

        [document] = self.invoiced(order)
        self.assertEqual(self.total(document), Decimal(str(order.amount_total)))
        self.assertEqual(document["Type"], "ACCREC")
        self.assertEqual(document["Status"], "AUTHORISED")
        self.assertEqual(document["Reference"], f"{order.name} / PO-77")
        self.assertIn(f"/odoo/sale.order/{order.id}", document["Url"])
        contact = self.books.contacts[document["Contact"]["ContactID"]]
        self.assertEqual(contact["Name"], "Ridgeway Joinery", "the customer was sent first")
        drill, saw = document["LineItems"]
        self.assertEqual(
            (drill["ItemCode"], drill["Quantity"], drill["UnitAmount"], drill["TaxType"]),
            ("INV-DRL", Decimal(2), Decimal(199), "OUTPUT2"),
        )
        self.assertEqual(drill["AccountCode"], "200")
        self.assertEqual((saw["DiscountRate"], saw["LineAmount"]), (Decimal(10), Decimal("122.85")))
        # Odoo counts what Xero invoiced: quantities, amounts, the order's status
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [2.0, 3.0])
        self.assertEqual(order.amount_to_invoice, 0.0)
        self.assertAlmostEqual(order.amount_invoiced, order.amount_total, places=2)
        invoice = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.number, document["InvoiceNumber"])
        self.assertEqual(invoice.status, "AUTHORISED")
        self.assertIn(document["InvoiceNumber"], order.message_ids[0].body)

        # the poll reads Xero's changes with invoicing on (the invoices of orders are
        # pushed only: nothing of theirs is polled)
        self.poll()
        self.assertEqual(invoice.status, "AUTHORISED")

        # a second click finds nothing left, and says so
        action = order.action_xero_invoice()
        self.assertIn("nothing to invoice", action["params"]["message"])
        self.run_until_settled()
        self.assertEqual(len(self.invoiced(order)), 1)

    def test_odoo_create_invoice_leads_to_xero_and_makes_no_odoo_invoice(self):
        order = self.order([(self.drill, 1)])
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        wizard.create_invoices()
        self.run_until_settled()
        self.assertFalse(order.invoice_ids, "no Odoo invoice: Xero is the ledger")
        [document] = self.invoiced(order)
        self.assertEqual(self.total(document), Decimal("228.85"))

    def test_the_customer_invoiced_figure_is_what_xero_invoiced(self):
        order = self.order([(self.drill, 2)])
        order.action_xero_invoice()
        self.run_until_settled()
        self.customer.invalidate_recordset(["total_invoiced"])
        self.assertEqual(self.customer.total_invoiced, 398.0, "untaxed, as Odoo's own figure")
        action = self.customer.action_view_partner_invoices()
        self.assertEqual(action["res_model"], "xero.invoice")
        [document] = self.invoiced(order)
        mirrors = self.env["xero.invoice"].search(action["domain"])
        self.assertEqual(mirrors.mapped("number"), [document["InvoiceNumber"]])

    def test_many_orders_from_the_list_in_one_call(self):
        self.run_until_settled()
        orders = self.env["sale.order"]
        for index in range(5):
            orders |= self.order([(self.drill, index + 1)])
        before = len(self.sandbox.calls_to("/Invoices", method="PUT"))
        orders.action_xero_invoice()
        self.run_until_settled()
        self.assertEqual(len(self.sandbox.calls_to("/Invoices", method="PUT")) - before, 1)
        for order in orders:
            [document] = self.invoiced(order)
            self.assertEqual(self.total(document), Decimal(str(order.amount_total)))

    def test_a_new_customer_is_created_first_and_only_once(self):
        seeded = len(self.books.contacts)
        first = self.order([(self.drill, 1)])
        second = self.order([(self.saw, 1)])
        (first | second).action_xero_invoice()
        self.run_until_settled()
        self.assertEqual(len(self.books.contacts), seeded + 1)
        [one], [two] = self.invoiced(first), self.invoiced(second)
        self.assertEqual(one["Contact"]["ContactID"], two["Contact"]["ContactID"])


@tagged("post_install", "-at_install")
class TestTriggersAndPartialInvoicing(InvoiceCase, TransactionCase):
    def test_confirming_invoices_when_the_company_says_so(self):
        self.connection.sudo().invoice_trigger = "confirm"
        order = self.order([(self.drill, 1)])
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(self.total(document), Decimal("228.85"))
        # manual only: confirming makes nothing
        self.connection.sudo().invoice_trigger = "manual"
        other = self.order([(self.drill, 1)])
        self.run_until_settled()
        self.assertFalse(other.sudo().xero_invoice_ids)

    def test_delivered_quantities_make_one_invoice_per_delivery(self):
        self.drill.invoice_policy = "delivery"
        order = self.order([(self.drill, 5), (self.saw, 2)])
        order.order_line[0].qty_delivered = 2
        order.action_xero_invoice()
        order.order_line[0].qty_delivered = 5
        self.assertEqual(order.invoice_status, "to invoice")
        order.action_xero_invoice()
        self.run_until_settled()
        first, second = self.invoiced(order)
        self.assertEqual([line["Quantity"] for line in first["LineItems"]], [2, 2])
        self.assertEqual([line["Quantity"] for line in second["LineItems"]], [3])
        self.assertEqual(self.total(first) + self.total(second), Decimal(str(order.amount_total)))
        self.assertEqual(order.invoice_status, "invoiced")

    def test_a_down_payment_then_the_final_invoice_that_deducts_it(self):
        order = self.order([(self.drill, 10)])
        deposit = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": 30})
        )
        deposit.create_invoices()
        final = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        final.create_invoices()
        self.run_until_settled()
        first, second = self.invoiced(order)
        self.assertEqual(self.total(first), Decimal("686.55"), "30% of 2,288.50")
        self.assertEqual(self.total(first) + self.total(second), Decimal(str(order.amount_total)))
        deduction = second["LineItems"][-1]
        self.assertLess(deduction["UnitAmount"], 0)
        self.assertGreater(deduction["Quantity"], 0, "Xero refuses negative quantities")
        self.assertEqual(order.invoice_status, "invoiced")


@tagged("post_install", "-at_install")
class TestTotals(InvoiceCase, TransactionCase):
    def test_a_rounding_line_carries_odoo_global_rounding(self):
        self.env.company.tax_calculation_rounding_method = "round_globally"
        widget = self.product("INV-WDG", "Widget", 1.0)
        # Xero's example: 25.06, 25.61, 25.63 at 15% is 11.44 of tax line by line,
        # 11.45 on the sum
        order = self.order([(widget, 1, 25.06), (widget, 1, 25.61), (widget, 1, 25.63)])
        self.assertEqual(order.amount_total, 87.75)
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(self.total(document), Decimal("87.75"))
        rounding = document["LineItems"][-1]
        self.assertEqual(
            (rounding["AccountCode"], rounding["LineAmount"]), ("860", Decimal("0.01"))
        )
        invoice = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.rounding_amount, 0.01)
        result = self.job_of(invoice).result
        self.assertIn(f"rounding line of {order.currency_id.format(0.01)}", result)
        self.assertIn("Odoo rounds tax on the total", result, "the real cause")

    def test_prices_including_tax_go_as_an_inclusive_invoice(self):
        included = self.sale_tax("GST 15% incl.", 15, price_include_override="tax_included")
        self.maps._xero_ensure(self.connection, [included])[str(included.id)].write(
            {"xero_tax_rate_id": self.rate("OUTPUT2").id}
        )
        order = self.order(
            [(self.drill, 3, 99.99, 0.0, included), (self.saw, 1, 10.01, 5.0, included)]
        )
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(document["LineAmountTypes"], "Inclusive")
        self.assertEqual(self.total(document), Decimal(str(order.amount_total)))


@tagged("post_install", "-at_install")
class TestExactDocuments(InvoiceCase, TransactionCase):
    """Xero gets each order line as it is: its unit price to 4 decimals (Odoo keeps a
    line's price whole, whatever the precision of product prices), its quantity in the
    item's unit, its discount; a rounding line carries only what Xero cannot hold."""

    def dozens(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        dozen.active = True
        return dozen

    def test_prices_to_4_decimals_go_as_they_are_without_a_rounding_line(self):
        self.assertEqual(self.env.ref("product.decimal_price").digits, 2)
        # 18 x 446.3133 cut to 446.31 would differ by 0.06: more than rounding
        order = self.order([(self.drill, 1, 95.7702), (self.saw, 18, 446.3133, 2.5)])
        order.action_xero_invoice()
        self.run_until_settled()
        invoice = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.line_ids.mapped("price_unit"), [95.7702, 446.3133])
        self.assertEqual(self.job_of(invoice).state, "done", self.job_of(invoice).failure_reason)
        [document] = self.invoiced(order)
        self.assertEqual(self.assert_exact_lines(order, document), [], "no rounding line")
        drill, _saw = document["LineItems"]
        self.assertEqual(drill["UnitAmount"], Decimal("95.7702"))
        self.assertEqual(self.total(document), Decimal(str(order.amount_total)))
        self.assertFalse(invoice.rounding_amount)

    def test_a_dozen_goes_as_twelve_of_the_item_xero_tracks_in_units(self):
        self.poll()  # Xero's cordless drill, tracked in units, is matched to the drill
        self.run_until_settled()
        drill = self.drill
        self.assertTrue(drill.xero_tracked)
        self.connection.sudo().allow_backorders = True
        before = self.books.item_view(self.item("INV-DRL"))["QuantityAvailable"]
        dozen = self.dozens()
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": drill.id, "product_uom_qty": 1, "product_uom_id": dozen.id}
                    ),
                    Command.create(
                        {
                            "product_id": self.saw.id,
                            "product_uom_qty": 2,
                            "product_uom_id": dozen.id,
                            "price_unit": 100.0,  # 8.3333... a saw
                        }
                    ),
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(order.order_line[0].price_unit, 12 * 199.0)
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        drills, saws = document["LineItems"]
        self.assertEqual(
            (drills["ItemCode"], drills["Quantity"], drills["UnitAmount"]),
            ("INV-DRL", Decimal(12), Decimal(199)),
        )
        self.assertIn("(1 Dozens)", drills["Description"])
        self.assertEqual((saws["Quantity"], saws["UnitAmount"]), (Decimal(24), Decimal("8.3333")))
        self.assertEqual(saws["LineAmount"], Decimal("200.00"))
        self.assertEqual(self.assert_exact_lines(order, document), [], "no rounding line")
        self.assertEqual(self.total(document), Decimal(str(order.amount_total)))
        after = self.books.item_view(self.item("INV-DRL"))["QuantityAvailable"]
        self.assertEqual(before - after, 12, "Xero's stock moves by twelve drills")
        self.assertEqual(order.order_line.mapped("qty_invoiced"), [1.0, 2.0])

    def test_a_price_beyond_4_decimals_is_rounded_and_said_or_refused(self):
        self.env.ref("product.decimal_price").digits = 6
        # 150 x 10.00005 = 1500.0075; Xero holds 10.0001, 150 x 10.0001 = 1500.015
        order = self.order([(self.drill, 150, 10.00005), (self.saw, 1)])
        order.action_xero_invoice()
        self.run_until_settled()
        invoice = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.line_ids[0].price_unit, 10.00005)
        [document] = self.invoiced(order)
        drill, *others = document["LineItems"]
        self.assertEqual(
            (drill["Quantity"], drill["UnitAmount"], drill["LineAmount"]),
            (150, Decimal("10.0001"), Decimal("1500.02")),
        )
        [rounding] = self.assert_exact_lines(
            order, dict(document, LineItems=others), order.order_line[1:]
        )
        self.assertEqual(rounding["LineAmount"], Decimal("-0.01"))
        self.assertEqual(self.total(document), Decimal(str(order.amount_total)))
        result = self.job_of(invoice).result
        self.assertIn("4 decimals", result)
        self.assertIn("1500.01 in Odoo, 1500.02 in Xero", result)
        self.assertTrue(any("4 decimals" in m.body for m in order.message_ids))

        # 1000 x 0.123456 = 123.46 in Odoo, 123.50 at 0.1235: not rounding
        order = self.order([(self.drill, 1000, 0.123456)])
        order.action_xero_invoice()
        self.run_until_settled()
        invoice = order.sudo().xero_invoice_ids
        job = self.job_of(invoice)
        self.assertEqual(job.state, "error")
        self.assertIn("4 decimals", job.failure_reason)
        self.assertIn("123.46 in Odoo, 123.50 in Xero", job.failure_reason)
        self.assertFalse(
            [d for d in self.books.invoices.values() if order.name in d.get("Reference", "")]
        )
        # the salesperson gives the price 4 decimals: the invoice follows
        order.order_line.price_unit = 0.1235
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(self.assert_exact_lines(order, document), [])

    def test_a_line_to_4_decimals_edited_elsewhere_is_not_repriced(self):
        self.connection.sudo().invoice_trigger = "confirm"
        order = self.order([(self.drill, 2, 95.7702), (self.saw, 3)])
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.pay(document)
        drills, saws = order.order_line
        drills.name = "Cordless drill, engraved"
        self.run_until_settled()
        self.assertFalse(self.credit_notes(), "a new description is not a new price")
        saws.product_uom_qty = 1
        self.run_until_settled()
        [credit] = self.credit_notes()
        [line] = credit["LineItems"]
        self.assertEqual((line["ItemCode"], line["Quantity"]), ("INV-SAW", 2))
        self.assertEqual(len(self.invoiced(order)), 1, "nothing to invoice again")
        self.assertEqual(order.invoice_status, "invoiced")

    def test_a_credit_note_carries_the_exact_price_in_the_item_unit(self):
        self.connection.sudo().invoice_trigger = "confirm"
        dozen = self.dozens()
        order = self.order([(self.drill, 3, 95.7702)], confirm=False)
        order.order_line = [
            Command.create(
                {"product_id": self.saw.id, "product_uom_qty": 2, "product_uom_id": dozen.id}
            )
        ]
        order.action_confirm()
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.pay(document)
        drills, saws = order.order_line
        order.write(
            {
                "order_line": [
                    Command.update(drills.id, {"product_uom_qty": 1}),
                    Command.update(saws.id, {"product_uom_qty": 1}),
                ]
            }
        )
        self.run_until_settled()
        [credit] = self.credit_notes()
        drills, saws = credit["LineItems"]
        self.assertEqual((drills["Quantity"], drills["UnitAmount"]), (2, Decimal("95.7702")))
        self.assertEqual((saws["Quantity"], saws["UnitAmount"]), (12, Decimal("45.5")))
        [credit_note] = order.sudo().xero_invoice_ids.credit_note_ids
        self.assertEqual(credit_note.line_ids.mapped("price_unit"), [95.7702, 546.0])
        self.assertEqual(self.total(credit), Decimal(str(credit_note.amount_total)))
        self.assertEqual(len(self.invoiced(order)), 1)
        net = self.total(document) - self.total(credit)
        self.assertEqual(net, Decimal(str(order.amount_total)))


@tagged("post_install", "-at_install")
class TestMapping(InvoiceCase, TransactionCase):
    def test_the_team_gives_branding_and_tracking_and_the_order_its_number(self):
        options = self.env["xero.tracking.option"].search(
            [("connection_id", "=", self.connection.id), ("category_id.name", "=", "Region")]
        )
        themes = self.env["xero.branding.theme"].search(
            [("connection_id", "=", self.connection.id)]
        )
        team = self.env["crm.team"].create(
            {
                "name": "North desk",
                "xero_branding_theme_id": themes[-1].id,
                "xero_tracking_option_ids": [Command.set(options[:1].ids)],
            }
        )
        self.connection.sudo().invoice_number_from = "order"
        order = self.order([(self.drill, 1)], team_id=team.id)
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(document["InvoiceNumber"], order.name)
        self.assertEqual(document["BrandingThemeID"], themes[-1].xero_key)
        [tracking] = document["LineItems"][0]["Tracking"]
        self.assertEqual((tracking["Name"], tracking["Option"]), ("Region", options[0].name))

    def test_sections_notes_and_instalments_go_as_description_lines(self):
        terms = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50, "nb_days": 30}),
                ],
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "payment_term_id": terms.id,
                "order_line": [
                    Command.create({"display_type": "line_section", "name": "Tools"}),
                    Command.create(self.line_values(self.drill, 1)),
                    Command.create({"display_type": "line_note", "name": "Handle with care"}),
                ],
            }
        )
        order.action_confirm()
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        descriptions = [line["Description"] for line in document["LineItems"]]
        self.assertEqual(descriptions[0], "Tools")
        self.assertIn("Handle with care", descriptions)
        self.assertIn("Payable in instalments", descriptions[-1])
        self.assertEqual(
            document["DueDate"],
            fields.Date.context_today(order) + timedelta(days=30),
            "Xero's one due date: the last instalment's",
        )
        self.assertEqual(self.total(document), Decimal(str(order.amount_total)))


@tagged("post_install", "-at_install")
class TestGuardRails(InvoiceCase, TransactionCase):
    def test_an_unmapped_tax_stops_the_invoice_with_the_reason_until_it_is_mapped(self):
        tax = self.sale_tax("Export 0%", 0)
        order = self.order([(self.drill, 1, 199.0, 0.0, tax)])
        order.action_xero_invoice()
        self.run_until_settled()
        invoice = order.sudo().xero_invoice_ids
        job = self.job_of(invoice)
        self.assertEqual(job.state, "error")
        self.assertIn("Export 0% has no Xero tax rate yet", job.failure_reason)
        self.assertIn("Export 0%", order.xero_invoice_problem)
        self.assertFalse(invoice.xero_invoice_id, "nothing reached Xero")
        # fixed by a manager, then Resync sends it
        self.maps._xero_ensure(self.connection, [tax])[str(tax.id)].write(
            {"xero_tax_rate_id": self.rate("ZERORATED").id}
        )
        order.action_xero_resync_invoices()
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(document["LineItems"][0]["TaxType"], "ZERORATED")
        self.assertFalse(order.xero_invoice_problem)

    def test_a_currency_xero_does_not_use_is_refused_before_any_call(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        pricelist = self.env["product.pricelist"].create({"name": "Euro", "currency_id": eur.id})
        order = self.order([(self.drill, 1)], pricelist_id=pricelist.id)
        order.action_xero_invoice()
        puts = len(self.sandbox.calls_to("/Invoices", method="PUT"))
        self.run_until_settled()
        job = self.job_of(order.sudo().xero_invoice_ids)
        self.assertEqual(job.state, "error")
        self.assertIn("Xero does not use EUR", job.failure_reason)
        self.assertEqual(len(self.sandbox.calls_to("/Invoices", method="PUT")), puts)

    def test_a_customer_archived_in_xero_is_refused_before_any_call(self):
        order = self.order([(self.drill, 1)])
        contact_id = self.pushed(self.customer)
        self.env["xero.contact"].search(
            [("connection_id", "=", self.connection.id), ("xero_id", "=", contact_id)]
        ).archived = True
        order.action_xero_invoice()
        self.run_until_settled()
        job = self.job_of(order.sudo().xero_invoice_ids)
        self.assertEqual(job.state, "error")
        self.assertIn("archived in Xero", job.failure_reason)
        self.assertEqual(job.error_field, "Customer")

    def test_a_product_without_an_item_code_is_refused_when_products_sync(self):
        nameless = self.product(False, "Unnamed part", 5.0)
        order = self.order([(nameless, 1)])
        order.action_xero_invoice()
        self.run_until_settled()
        job = self.job_of(order.sudo().xero_invoice_ids)
        self.assertEqual(job.state, "error")
        self.assertIn("give the product an internal reference", job.failure_reason)
        self.assertIn("internal reference", order.xero_invoice_problem)

    def test_an_order_with_nothing_to_invoice_says_so(self):
        order = self.order([(self.drill, 1)], confirm=False)
        action = order.action_xero_invoice()
        self.assertIn("is not confirmed", action["params"]["message"])
        self.assertFalse(order.sudo().xero_invoice_ids)


@tagged("post_install", "-at_install")
class TestNeverTwice(InvoiceCase, TransactionCase):
    def test_an_answer_lost_after_xero_made_the_invoices_makes_no_duplicate(self):
        self.run_until_settled()
        orders = self.env["sale.order"]
        for index in range(3):
            orders |= self.order([(self.drill, index + 1)])
        self.run_until_settled()  # the customer is in Xero
        orders.action_xero_invoice()
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Invoices$")
        before = len(self.books.invoices)
        self.run_until_settled()
        self.assertEqual(len(self.books.invoices), before + 3)
        for order in orders:
            self.assertEqual(len(self.invoiced(order)), 1)

    def test_a_lost_answer_xero_no_longer_replays_is_found_by_reference(self):
        self.run_until_settled()
        order = self.order([(self.drill, 1)])
        self.run_until_settled()
        order.action_xero_invoice()
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Invoices$")
        self.run_queue()
        with self.sandbox.lock:
            self.sandbox.idempotency.clear()  # as after a restart without its keys
        before = len(self.books.invoices)
        self.run_until_settled()
        self.assertEqual(len(self.books.invoices), before)
        self.assertEqual(len(self.invoiced(order)), 1)


@tagged("post_install", "-at_install")
class TestInvoiceAccess(InvoiceCase, TransactionCase):
    def test_a_salesperson_without_xero_access_confirms_and_sees_no_figures(self):
        self.connection.sudo().invoice_trigger = "confirm"
        salesman = new_test_user(self.env, "seller", groups="sales_team.group_sale_salesman")
        order = self.order([(self.drill, 1)], confirm=False, user_id=salesman.id)
        order = order.with_user(salesman)
        order.action_confirm()
        self.run_until_settled()
        self.assertEqual(len(self.invoiced(order)), 1)
        visible = order.fields_get()
        for figure in ("xero_invoice_ids", "xero_payment_status", "xero_amount_due"):
            self.assertNotIn(figure, visible)
        self.assertFalse(order.xero_invoice_problem)


@tagged("post_install", "-at_install")
class TestWonDeals(InvoiceCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        self.first = self.env["crm.stage"].search([("is_won", "=", False)], limit=1)
        self.connection.sudo().write({"invoice_trigger": "stage", "invoice_stage_id": self.won.id})

    def opportunity(self, **values):
        return self.env["crm.lead"].create(
            {
                "name": "Workshop fit-out",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "stage_id": self.first.id,
                **values,
            }
        )

    def test_a_won_deal_invoices_its_orders_once_however_often_it_moves(self):
        lead = self.opportunity()
        order = self.order([(self.drill, 2)], opportunity_id=lead.id)
        self.run_until_settled()
        self.assertFalse(order.sudo().xero_invoice_ids, "not won yet: nothing invoiced")
        lead.stage_id = self.won
        lead.stage_id = self.first
        lead.stage_id = self.won
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertEqual(self.total(document), Decimal(str(order.amount_total)))
        # an order confirmed once the deal is won is invoiced on confirmation
        later = self.order([(self.saw, 1)], opportunity_id=lead.id)
        self.run_until_settled()
        self.assertEqual(len(self.invoiced(later)), 1)
        self.assertEqual(len(self.invoiced(order)), 1)

    def test_a_won_deal_says_what_was_made_with_links_and_closes_the_quote_activity(self):
        lead = self.opportunity()
        quote_activity = lead.activity_schedule(
            "mail.mail_activity_data_call", summary="Convert to quote", user_id=self.env.uid
        )
        call_back = lead.activity_schedule(
            "mail.mail_activity_data_call", summary="Thank them", user_id=self.env.uid
        )
        order = self.order([(self.drill, 2)], opportunity_id=lead.id)
        lead.stage_id = self.won
        [won] = lead.message_ids.filtered(lambda m: "Won." in m.body)
        self.assertIn(f'data-oe-id="{order.id}"', won.body, "a link to the order")
        self.assertIn("its invoice goes to Xero now", won.body)
        self.assertFalse(quote_activity.active, "the order exists: the activity is done")
        self.assertTrue(call_back.active, "what the order does not do stays open")
        done = lead.message_ids.filtered(lambda m: m.mail_activity_type_id)
        self.assertIn(f"Done: {order.name} was confirmed.", done[0].body)
        self.run_until_settled()
        [document] = self.invoiced(order)
        [created] = lead.message_ids.filtered(lambda m: "Xero invoice" in m.body)
        self.assertIn(f"Xero invoice {document['InvoiceNumber']} created", created.body)
        self.assertIn(f'data-oe-id="{order.id}"', created.body)
        self.assertIn(document["InvoiceID"], created.body, "a link to the invoice in Xero")

    def test_a_deal_won_without_an_order_is_flagged_once(self):
        lead = self.opportunity(expected_revenue=5000)
        lead.stage_id = self.won
        lead.stage_id = self.first
        lead.stage_id = self.won
        self.assertTrue(lead.xero_won_without_order)
        notes = lead.message_ids.filtered(lambda m: "Won without a confirmed order" in m.body)
        self.assertEqual(len(notes), 1)
        self.assertFalse(lead.order_ids)
        # confirming an order of it clears the flag and invoices it (the deal is won)
        order = self.order([(self.drill, 1)], opportunity_id=lead.id)
        self.assertFalse(lead.xero_won_without_order)
        self.run_until_settled()
        self.assertEqual(len(self.invoiced(order)), 1)

    def test_a_deal_won_without_an_order_is_invoiced_from_its_expected_revenue(self):
        service = self.product("INV-SVC", "Fit-out services", 0.0, type="service")
        self.connection.sudo().write(
            {"invoice_without_order": "revenue", "invoice_revenue_product_id": service.id}
        )
        lead = self.opportunity(expected_revenue=5000)
        lead.stage_id = self.won
        lead.stage_id = self.first
        lead.stage_id = self.won
        self.run_until_settled()
        self.assertEqual(len(lead.order_ids), 1, "one order, however often the deal moves")
        [document] = self.invoiced(lead.order_ids)
        self.assertEqual(self.total(document), Decimal("5750.00"), "5,000 and 15% tax")
        self.assertEqual(document["LineItems"][0]["Description"], "Workshop fit-out")
        self.assertFalse(lead.xero_won_without_order)


@tagged("post_install", "-at_install")
class TestEditsAndCancellations(InvoiceCase, TransactionCase):
    """What Xero lets change, by status: drafts and unpaid invoices follow the order;
    paid ones keep their amounts, and a credit note carries the change."""

    def invoiced_order(self, lines, status="AUTHORISED"):
        self.connection.sudo().invoice_status = status
        order = self.order(lines)
        order.action_xero_invoice()
        self.run_until_settled()
        return order

    def test_cancelling_before_the_invoice_reached_xero_sends_nothing(self):
        order = self.order([(self.drill, 1)])
        order.action_xero_invoice()
        before = len(self.books.invoices)
        order._action_cancel()
        self.run_until_settled()
        self.assertEqual(len(self.books.invoices), before)
        invoice = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.state, "cancelled")
        self.assertEqual(order.order_line.qty_invoiced, 0.0)

    def test_cancelling_deletes_a_draft_and_voids_an_unpaid_invoice(self):
        draft = self.invoiced_order([(self.drill, 1)], status="DRAFT")
        approved = self.invoiced_order([(self.saw, 2)])
        (draft | approved)._action_cancel()
        self.run_until_settled()
        [deleted], [voided] = self.invoiced(draft), self.invoiced(approved)
        self.assertEqual(deleted["Status"], "DELETED")
        self.assertEqual(voided["Status"], "VOIDED")
        self.assertFalse(self.credit_notes())
        for order in draft | approved:
            self.assertEqual(order.sudo().xero_invoice_ids.state, "cancelled")
            self.assertEqual(order.order_line.qty_invoiced, 0.0)
            self.assertIn("the order was cancelled", order.message_ids[0].body)

    def test_cancelling_a_part_paid_invoice_credits_it_and_allocates_what_is_due(self):
        self.connection.sudo().share_figures = True  # the amounts are in the notes
        order = self.invoiced_order([(self.drill, 2)])  # 457.70
        [document] = self.invoiced(order)
        self.pay(document, 100)
        order._action_cancel()
        self.run_until_settled()
        [credit] = self.credit_notes()
        self.assertEqual(credit["Total"], Decimal("457.70"))
        # 357.70 pays what was due; the 100.00 paid stays the customer's credit
        self.assertEqual(credit["Status"], "AUTHORISED")
        self.assertEqual(credit["RemainingCredit"], Decimal("100.00"))
        invoice = self.books.invoices[document["InvoiceID"]]
        self.assertEqual(invoice["AmountDue"], Decimal("0.00"))
        [credit_note] = order.sudo().xero_invoice_ids.credit_note_ids
        self.assertEqual(credit_note.allocated, 357.70)
        self.assertEqual(order.order_line.qty_invoiced, 0.0)
        self.assertIn(
            f"{order.currency_id.format(357.70)} allocated to {document['InvoiceNumber']}",
            self.job_of_credit(credit_note).result,
        )

    def test_an_invoice_paid_in_xero_meanwhile_is_credited_not_voided(self):
        order = self.invoiced_order([(self.drill, 1)])
        [document] = self.invoiced(order)
        self.pay(document, read=False)  # paid, and Odoo has not read it yet
        order._action_cancel()
        self.run_until_settled()
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["Status"], "PAID")
        [credit] = self.credit_notes()
        self.assertEqual(credit["Total"], document["Total"])
        self.assertEqual(credit["Status"], "AUTHORISED", "nothing due: the credit stays")

    def test_a_draft_or_unpaid_invoice_follows_the_order(self):
        for status in ("DRAFT", "AUTHORISED"):
            order = self.invoiced_order([(self.drill, 1), (self.saw, 1)], status=status)
            order.order_line[0].product_uom_qty = 3
            order.order_line[1].price_unit = 40.0
            self.run_until_settled()
            [document] = self.invoiced(order)
            self.assertEqual(self.total(document), Decimal(str(order.amount_total)))
            self.assertEqual([line["Quantity"] for line in document["LineItems"]], [3, 1])
            self.assertEqual(document["Status"], status)
            self.assertEqual(order.invoice_status, "invoiced")
            self.assertIn("updated", order.message_ids[0].body)
        self.assertFalse(self.credit_notes())

    def test_a_paid_invoice_keeps_its_amounts_and_a_credit_note_takes_off_the_change(self):
        self.connection.sudo().invoice_trigger = "confirm"
        order = self.order([(self.drill, 3), (self.saw, 2)])
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.pay(document)
        drills, saws = order.order_line
        order.write(  # one save of the order: two drills fewer, the saws cheaper
            {
                "order_line": [
                    Command.update(drills.id, {"product_uom_qty": 1}),
                    Command.update(saws.id, {"price_unit": 40.0}),
                ]
            }
        )
        self.run_until_settled()
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["Total"], document["Total"])
        [credit] = self.credit_notes()
        drills, saws = credit["LineItems"]
        self.assertEqual((drills["Quantity"], drills["UnitAmount"]), (2, Decimal(199)))
        self.assertEqual((saws["Quantity"], saws["UnitAmount"]), (2, Decimal("45.5")))
        self.assertNotIn("DiscountRate", drills, "no discounts on credit notes")
        # the saws are invoiced again at their new price (the company invoices on its own)
        first, second = self.invoiced(order)
        self.assertEqual([line["UnitAmount"] for line in second["LineItems"]], [Decimal(40)])
        net = self.total(first) + self.total(second) - credit["Total"]
        self.assertEqual(net, Decimal(str(order.amount_total)))
        self.assertEqual(order.invoice_status, "invoiced")
        # the credit pays the new invoice; what is left is the customer's, to refund
        self.assertEqual(self.books.invoices[second["InvoiceID"]]["Status"], "PAID")
        credit = self.books.credit_notes[credit["CreditNoteID"]]
        self.assertEqual(credit["RemainingCredit"], credit["Total"] - self.total(second))
        self.assert_figures_add_up(order, refund=credit["RemainingCredit"])

    def assert_figures_add_up(self, order, refund, due=0):
        """The order says paid, due and credit to refund as Xero holds them, and they
        add up to its total."""
        order.invalidate_recordset()
        order = order.sudo()
        paid = sum(
            Decimal(str(self.books.invoices[d["InvoiceID"]]["AmountPaid"]))
            for d in self.invoiced(order)
        )
        self.assertEqual(Decimal(str(order.xero_amount_paid)), paid)
        self.assertEqual(Decimal(str(order.xero_amount_due)), Decimal(str(due)))
        self.assertEqual(order.xero_amount_to_refund, float(refund))
        self.assertEqual(
            order.currency_id.round(
                order.xero_amount_paid + order.xero_amount_due - order.xero_amount_to_refund
            ),
            order.amount_total,
        )
        self.assertEqual(order.xero_payment_status, "paid" if not due else "partial")

    def test_a_quantity_cut_on_a_paid_order_credits_only_what_was_taken_off(self):
        self.connection.sudo().write({"invoice_trigger": "confirm", "share_figures": True})
        order = self.order([(self.drill, 3)])
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.pay(document)
        order.order_line.product_uom_qty = 2
        self.run_until_settled()
        # one credit note of the drill taken off, at its invoiced price; no new invoice
        [credit] = self.credit_notes()
        [line] = credit["LineItems"]
        self.assertEqual((line["Quantity"], line["UnitAmount"]), (1, Decimal(199)))
        self.assertEqual(credit["Total"], Decimal("228.85"))
        self.assertEqual(len(self.invoiced(order)), 1)
        # nothing is due on the order: the credit stays with the customer, to refund
        self.assertEqual(credit["RemainingCredit"], Decimal("228.85"))
        self.assert_figures_add_up(order, refund=Decimal("228.85"))
        notes = " ".join(html2plaintext(body) for body in order.message_ids.mapped("body"))
        self.assertIn(
            f"{order.currency_id.format(228.85)} stays with the customer in Xero as credit",
            notes,
        )

    def test_an_amendment_refused_for_a_payment_meanwhile_is_credited_instead(self):
        self.connection.sudo().invoice_trigger = "confirm"
        order = self.order([(self.drill, 3)])
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.pay(document, read=False)  # the customer pays; Odoo has not read it yet
        order.order_line.product_uom_qty = 2  # Odoo amends the invoice: Xero refuses
        self.run_until_settled()
        held = self.books.invoices[document["InvoiceID"]]
        self.assertEqual([line["Quantity"] for line in held["LineItems"]], [3])
        # Odoo's invoice is Xero's again, and the drill taken off is credited
        invoice = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.line_ids.mapped("quantity"), [3.0])
        self.assertEqual(invoice.amount_total, float(held["Total"]))
        self.assertFalse(invoice.lines_in_xero)
        [credit] = self.credit_notes()
        self.assertEqual([line["Quantity"] for line in credit["LineItems"]], [1])
        self.assertEqual(order.order_line.qty_invoiced, 2.0)
        self.assert_figures_add_up(order, refund=credit["Total"])
        self.assertFalse(self.jobs.search([("state", "=", "error")]))

    def test_the_customer_reference_changes_even_on_a_paid_invoice(self):
        order = self.invoiced_order([(self.drill, 1)])
        [document] = self.invoiced(order)
        self.pay(document)
        order.client_order_ref = "PO-NEW"
        self.run_until_settled()
        self.assertEqual(
            self.books.invoices[document["InvoiceID"]]["Reference"], f"{order.name} / PO-NEW"
        )
        self.assertFalse(self.jobs.search([("state", "=", "error")]))

    def job_of_credit(self, credit_note):
        return self.jobs.search(
            [("res_model", "=", "xero.order.credit.note"), ("res_id", "=", credit_note.id)],
            order="id desc",
            limit=1,
        )


@tagged("post_install", "-at_install")
class TestPayLink(InvoiceCase, TransactionCase):
    def approved_order(self):
        order = self.order([(self.drill, 1)])
        order.action_xero_invoice()
        self.run_until_settled()
        return order

    def link_calls(self):
        return self.sandbox.calls_to("/OnlineInvoice")

    def test_the_pay_link_is_read_when_someone_opens_it_once(self):
        order = self.approved_order()
        invoice = order.sudo().xero_invoice_ids
        self.assertFalse(self.link_calls(), "nobody opened it: not read")
        self.assertFalse(invoice.online_url)
        self.assertIn("/xero/pay/", order.xero_pay_url, "through Odoo, which notes the visit")
        self.assertEqual(invoice.pay_url, order.xero_pay_url)
        self.assertEqual(order.xero_online_url, order.xero_pay_url, "read when opened")
        # what the pay link's page does when opened
        url = invoice._xero_pay_link()
        self.assertTrue(url.startswith(self.sandbox.base_url))
        self.assertEqual(invoice._xero_pay_link(), url)
        self.assertEqual(len(self.link_calls()), 1, "read once, then kept")
        order.invalidate_recordset(["xero_online_url"])
        self.assertEqual(order.xero_online_url, url, "Xero's own link once known")
        self.poll()
        order.client_order_ref = "PO-9"  # an update of the invoice
        self.run_until_settled()
        self.assertEqual(len(self.link_calls()), 1, "read once")
        self.assertFalse(self.books.invoices[self.invoiced(order)[0]["InvoiceID"]]["SentToContact"])

    def test_a_draft_gets_its_link_once_finance_approves_it_in_xero(self):
        self.connection.sudo().invoice_status = "DRAFT"
        order = self.approved_order()
        self.assertFalse(order.xero_pay_url)
        self.assertFalse(self.link_calls(), "Xero has no online invoice of a draft")
        [document] = self.invoiced(order)
        with self.sandbox.lock:
            self.books.save_document(
                "invoice",
                {"InvoiceID": document["InvoiceID"], "Status": "AUTHORISED"},
                "Accountant",
            )
        self.poll()
        self.run_until_settled()
        self.assertEqual(order.sudo().xero_invoice_ids.status, "AUTHORISED")
        self.assertTrue(order.xero_pay_url)

    def test_xero_emails_the_approved_invoice_when_the_company_says_so(self):
        self.connection.sudo().invoice_email = "xero"
        order = self.approved_order()
        [document] = self.invoiced(order)
        self.assertTrue(document["SentToContact"])
        self.assertEqual(len(self.sandbox.calls_to("/Email", method="POST")), 1)
        self.assertTrue(order.sudo().xero_invoice_ids.sent_to_contact)
        self.assertIn("Xero emailed", order.message_ids[0].body)
        self.assertFalse(self.link_calls(), "Xero's email carries Xero's own link")

    def test_odoo_emailing_the_order_offers_pay_now_and_marks_the_invoice_sent(self):
        self.connection.sudo().invoice_email = "mark_sent"
        order = self.approved_order()
        message = order.message_post(
            body="Your invoice", partner_ids=self.customer.ids, message_type="comment"
        )
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertIn(order.xero_pay_url, mail.body_html)
        self.assertIn("Pay now", mail.body_html)
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.assertTrue(document["SentToContact"])

    def test_a_paid_order_offers_no_pay_link(self):
        order = self.approved_order()
        [document] = self.invoiced(order)
        self.pay(document)
        order.invalidate_recordset(["xero_pay_url"])
        self.assertFalse(order.xero_pay_url)

    def test_invoicing_reads_no_pay_link_and_keeps_to_xeros_pace(self):
        self.approved_order()  # the customer and the products are in Xero, and read back
        self.poll()
        self.run_until_settled()
        orders = self.env["sale.order"]
        for _index in range(10):
            orders |= self.order([(self.drill, 1)])
        with self.sandbox.lock:
            self.sandbox.calls.clear()
        orders.action_xero_invoice()
        self.run_until_settled()
        self.assertEqual(len(orders.filtered("xero_pay_url")), 10)
        calls = [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in self.api_calls()]
        # the invoices in one request, read back in one, the stock they moved in one
        self.assertEqual(
            sorted(calls), [("GET", "Invoices"), ("GET", "Items"), ("PUT", "Invoices")]
        )
        self.assertLessEqual(len(calls), 2 * 1 + 2)


@tagged("post_install", "-at_install")
class TestPaymentStatus(InvoiceCase, TransactionCase):
    """Where an order's Xero invoices stand, as Xero last said (issue 13, first step)."""

    def test_the_order_follows_its_invoice_from_awaiting_to_paid(self):
        seller = new_test_user(
            self.env, "xero_paid_seller", groups="sales_team.group_sale_salesman"
        )
        order = self.order([(self.drill, 2)], user_id=seller.id)  # 457.70
        self.assertFalse(order.xero_payment_status)
        order.action_xero_invoice()
        self.run_until_settled()
        self.assertEqual(order.xero_payment_status, "awaiting")
        self.assertEqual((order.xero_amount_paid, order.xero_amount_due), (0.0, 457.70))
        [document] = self.invoiced(order)
        self.pay(document, 100)
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "partial")
        self.assertEqual((order.xero_amount_paid, order.xero_amount_due), (100.0, 357.70))
        mirror = order.sudo().xero_invoice_ids.xero_invoice_id
        self.assertEqual(mirror.amount_paid, 100.0)
        told = order.message_ids[0]
        self.assertIn("Part payment received in Xero", told.body)
        self.assertNotIn("357.70", told.body, "Xero's amounts are the Xero group's")
        self.assertIn(order.user_id.partner_id, told.notified_partner_ids)
        self.pay(self.books.invoices[document["InvoiceID"]], 357.70)
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "paid")
        self.assertIn("paid in full", order.message_ids[0].body)
        self.poll()  # nothing new: nothing told again
        self.assertEqual(len(order.message_ids.filtered(lambda m: "received in Xero" in m.body)), 2)
        self.assertEqual(mirror.fully_paid_on, self.books.today())
        self.assertEqual(order.xero_amount_due, 0.0)

    def test_sent_overdue_and_voided(self):
        self.connection.sudo().invoice_email = "xero"
        order = self.order([(self.drill, 1)])
        order.action_xero_invoice()
        self.run_until_settled()
        self.poll()
        self.assertEqual(order.xero_payment_status, "sent")
        [document] = self.invoiced(order)
        yesterday = fields.Date.context_today(order) - timedelta(days=1)
        with self.sandbox.lock:
            self.books.save_document(
                "invoice",
                {"InvoiceID": document["InvoiceID"], "DueDate": yesterday.isoformat()},
                "Accountant",
            )
        self.poll()
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "overdue")
        order._action_cancel()
        self.run_until_settled()
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "voided")
        self.assertEqual(order.xero_amount_due, 0.0)

    def test_the_order_filters_find_unpaid_overdue_and_paid_orders(self):
        unpaid, overdue, paid, draft = (self.order([(self.drill, 1)]) for _index in range(4))
        self.connection.sudo().invoice_status = "DRAFT"
        draft.action_xero_invoice()
        self.run_until_settled()
        self.connection.sudo().invoice_status = "AUTHORISED"
        (unpaid | overdue | paid).action_xero_invoice()
        self.run_until_settled()
        [late] = self.invoiced(overdue)
        yesterday = fields.Date.context_today(overdue) - timedelta(days=1)
        with self.sandbox.lock:
            self.books.save_document(
                "invoice",
                {"InvoiceID": late["InvoiceID"], "DueDate": yesterday.isoformat()},
                "Accountant",
            )
        self.pay(self.invoiced(paid)[0])
        ours = unpaid | overdue | paid | draft
        self.assertEqual(self.filtered_by("xero_unpaid") & ours, unpaid | overdue)
        self.assertEqual(self.filtered_by("xero_overdue") & ours, overdue)
        self.assertEqual(self.filtered_by("xero_paid_this_month") & ours, paid)

    def filtered_by(self, name):
        """The orders the search view's filter ``name`` finds."""
        view = self.env.ref("xero_connector.view_sales_order_filter_xero")
        [node] = etree.fromstring(view.arch).xpath(f"//filter[@name='{name}']")
        domain = safe_eval(
            node.get("domain"),
            {"context_today": lambda: fields.Date.context_today(self.env.user)}
            | {"relativedelta": relativedelta},
        )
        return self.env["sale.order"].search(domain)


@tagged("post_install", "-at_install")
class TestPayNowInThePortal(InvoiceCase, HttpCase):
    def test_the_customer_portal_offers_pay_now(self):
        order = self.order([(self.drill, 1)])
        order.action_xero_invoice()
        self.run_until_settled()
        page = self.url_open(order.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_xero_pay_now", page.text)
        self.assertIn(order.xero_pay_url, page.text)
        self.assertNotIn("o_xero_paid", page.text)
        # once paid in Xero, the customer's page says so, and offers no payment
        [document] = self.invoiced(order)
        self.pay(document)
        self.assertTrue(order.xero_paid_on)
        page = self.url_open(order.get_portal_url())
        self.assertIn("o_xero_paid", page.text)
        self.assertIn("Paid on", page.text)
        self.assertNotIn("o_xero_pay_now", page.text)
