"""Xero's arithmetic, known before a document is sent (tools/xero_money.py)."""

from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.xero_connector.tools import xero_money as xm


@tagged("post_install", "-at_install")
class TestXeroMoney(BaseCase):
    def test_each_line_is_taxed_on_its_own_then_added_up(self):
        # Xero's own example: three lines at 15% give 11.44 of tax, not the 11.45 of
        # taxing their sum
        lines = [{"LineAmount": amount, "Rate": 15} for amount in ("25.06", "25.61", "25.63")]
        result = xm.totals(lines)
        self.assertEqual(result["SubTotal"], Decimal("76.30"))
        self.assertEqual(result["TotalTax"], Decimal("11.44"))
        self.assertEqual(result["Total"], Decimal("87.74"))
        # Odoo rounding tax globally says 87.75: one cent for a rounding line
        self.assertEqual(xm.rounding_gap("87.75", lines), Decimal("0.01"))
        self.assertEqual(xm.rounding_gap("87.74", lines), Decimal("0.00"))

    def test_inclusive_amounts_hold_their_tax(self):
        lines = [{"LineAmount": "115.00", "Rate": 15}, {"LineAmount": "10.00", "Rate": 15}]
        result = xm.totals(lines, xm.INCLUSIVE)
        # 15.00 + 1.30 (10 * 15/115 = 1.3043)
        self.assertEqual(result["TotalTax"], Decimal("16.30"))
        self.assertEqual(result["Total"], Decimal("125.00"))
        self.assertEqual(result["SubTotal"], Decimal("108.70"))

    def test_line_amounts_are_rounded_once_half_up(self):
        self.assertEqual(xm.line_amount(3, "33.335"), Decimal("100.01"))
        self.assertEqual(xm.line_amount("1.5", "0.3333"), Decimal("0.50"))
        # the discount is applied before the one rounding: 2 * 19.99 * 87.5% = 34.9825
        self.assertEqual(xm.line_amount(2, "19.99", "12.5"), Decimal("34.98"))
        self.assertEqual(xm.line_amount(1, "0.005"), Decimal("0.01"))

    def test_no_tax_and_zero_rates_add_nothing(self):
        lines = [{"LineAmount": "10.00", "Rate": 15}, {"LineAmount": "5.00", "Rate": 0}]
        self.assertEqual(xm.totals(lines, xm.NO_TAX)["Total"], Decimal("15.00"))
        self.assertEqual(xm.totals(lines)["TotalTax"], Decimal("1.50"))

    def test_xero_keeps_4_decimals_of_a_price_and_a_quantity_and_2_of_a_discount(self):
        self.assertEqual(
            xm.held("1.5", "95.7702", "12.5"),
            (Decimal("1.5000"), Decimal("95.7702"), Decimal("12.50")),
        )
        # half-up, as Xero rounds, not to the even digit
        self.assertEqual(
            xm.held("2.00005", "10.00005", "7.125"),
            (Decimal("2.0001"), Decimal("10.0001"), Decimal("7.13")),
        )
        # a line's amount from what Xero holds is not always its exact amount
        quantity, price, _discount = xm.held(150, "10.00005")
        self.assertEqual(xm.line_amount(150, "10.00005"), Decimal("1500.01"))
        self.assertEqual(xm.line_amount(quantity, price), Decimal("1500.02"))
        self.assertEqual(xm.to_places(100 / 12, 4), Decimal("8.3333"))
