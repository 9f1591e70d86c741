"""A corpus of generated orders: every line Xero receives is its order line's own, and
every Xero invoice has the order's total, to the cent."""

import random
from decimal import Decimal

from odoo.fields import Command
from odoo.tests import TransactionCase, tagged

from .test_invoices import InvoiceCase

ORDERS = 1000


@tagged("post_install", "-at_install")
class TestTotalsCorpus(InvoiceCase, TransactionCase):
    """1,000 orders with random quantities, prices to 2 or 4 decimals, discounts, no tax
    or taxes excluded, included, several on a line or a fixed amount, in two currencies,
    under both of Odoo's tax rounding methods, with Odoo's prices to 2 decimals (its
    default) and to 6."""

    def setUp(self):
        super().setUp()
        with self.sandbox.lock:
            self.books.save_tax_rate(
                {
                    "Name": "GST and levy 20%",
                    "ReportTaxType": "OUTPUT",
                    "TaxComponents": [
                        {"Name": "GST", "Rate": 15},
                        {"Name": "Levy", "Rate": 5},
                    ],
                }
            )
        self.connection.action_xero_refresh_reference()
        twenty = self.env["xero.tax.rate"].search(
            [("connection_id", "=", self.connection.id), ("name", "=", "GST and levy 20%")]
        )
        included = self.sale_tax("GST 15% incl.", 15, price_include_override="tax_included")
        nine = self.sale_tax("GST 9%", 9)
        levy = self.sale_tax("Levy 5%", 5)
        eco = self.sale_tax("Eco fee", 0.5, amount_type="fixed")
        self.map_taxes(included, "OUTPUT2")
        self.map_taxes(nine, "TAX002")
        self.map_taxes(self.tax0, "ZERORATED")
        self.maps._xero_ensure(self.connection, [self.tax15 | levy])[
            self.maps._xero_key(self.tax15 | levy)
        ].write({"xero_tax_rate_id": twenty.id})
        self.tax_sets = {
            "excluded": [
                self.tax15,
                nine,
                self.tax0,
                self.tax15 | levy,
                self.tax15 | eco,
                self.env["account.tax"],
            ],
            "included": [included],
        }
        self.products = [self.product(f"CORPUS-{index}", f"Corpus {index}") for index in range(6)]
        nzd = self.env.ref("base.NZD")
        nzd.active = True
        self.env["res.currency.rate"].create({"currency_id": nzd.id, "rate": 1.6394})
        self.pricelists = [
            self.env["product.pricelist"].create({"name": "USD", "currency_id": self.usd.id}),
            self.env["product.pricelist"].create({"name": "NZD", "currency_id": nzd.id}),
        ]

    @property
    def usd(self):
        return self.env.ref("base.USD")

    def map_taxes(self, tax, tax_type):
        self.maps._xero_ensure(self.connection, [tax])[str(tax.id)].write(
            {"xero_tax_rate_id": self.rate(tax_type).id}
        )

    def random_order(self, chance):
        kind = chance.choices(["excluded", "included", "mixed"], weights=[6, 3, 1])[0]
        lines = []
        for _index in range(chance.randint(1, 5)):
            if kind == "mixed":
                taxes = chance.choice(self.tax_sets["excluded"] + self.tax_sets["included"])
            else:
                taxes = chance.choice(self.tax_sets[kind])
            lines.append(
                Command.create(
                    {
                        "product_id": chance.choice(self.products).id,
                        "product_uom_qty": round(chance.uniform(0.5, 40), chance.choice([0, 2])),
                        "price_unit": round(chance.uniform(0.01, 2500), chance.choice([2, 4])),
                        "discount": chance.choice(
                            [0, 0, 0, 5, 12.5, round(chance.uniform(0, 40), 2)]
                        ),
                        "tax_ids": [Command.set(taxes.ids)],
                    }
                )
            )
        return {
            "partner_id": self.customer.id,
            "pricelist_id": chance.choice(self.pricelists).id,
            "order_line": lines,
        }

    def test_every_line_is_the_order_line_and_every_total_the_order_total(self):
        chance = random.Random(12)
        orders = self.env["sale.order"]
        batches = [(m, d) for d in (2, 6) for m in ("round_per_line", "round_globally")]
        for method, digits in batches:
            self.env.company.tax_calculation_rounding_method = method
            self.env.ref("product.decimal_price").digits = digits
            batch = self.env["sale.order"].create(
                [self.random_order(chance) for _index in range(ORDERS // len(batches))]
            )
            batch.action_confirm()
            invoices, skipped = batch._xero_make_invoices()
            self.assertFalse(skipped)
            self.assertEqual(len(invoices), ORDERS // len(batches))
            orders |= batch
        self.run_until_settled()

        links = self.env["xero.order.invoice"]._xero_links(
            self.connection, ids=orders.sudo().xero_invoice_ids.ids
        )
        rounded = 0
        for order in orders:
            invoice = order.sudo().xero_invoice_ids
            link = links.get(invoice.id)
            self.assertTrue(
                link and link.xero_id, f"{order.name}: {link.last_error if link else ''}"
            )
            document = self.books.invoices[link.xero_id]
            odoo_total = Decimal(str(order.amount_total)).quantize(Decimal("0.01"))
            self.assertEqual(Decimal(str(document["Total"])), odoo_total, order.name)
            self.assertEqual(document["CurrencyCode"], order.currency_id.name)
            # each line is its order line's own: what is left is Odoo's and Xero's
            # rounding of tax, a cent a line at most
            rest = self.assert_exact_lines(order, document)
            if rest:
                rounded += 1
                [line] = rest
                self.assertEqual(line["AccountCode"], "860")
                self.assertEqual(Decimal(str(invoice.rounding_amount)), line["LineAmount"])
                self.assertIn("rounding line", self.job_of(invoice).result)
                self.assertLessEqual(
                    abs(line["LineAmount"]), Decimal("0.01") * len(order.order_line), order.name
                )
            else:
                self.assertFalse(invoice.rounding_amount)
        # the corpus does meet Odoo's global rounding and Xero's rounding per line
        self.assertGreater(rounded, 10)
        self.assertLess(rounded, ORDERS)
