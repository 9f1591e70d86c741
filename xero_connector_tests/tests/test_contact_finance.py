"""What sales people see of a customer's books: balances, overdue, invoice history."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .test_contacts import ContactCase


class FinanceCase(ContactCase):
    def invoice(self, contact_id, amount, days_ago, due_in, status="AUTHORISED", currency=None):
        today = self.books.today()
        money = {"CurrencyCode": currency[0], "CurrencyRate": currency[1]} if currency else {}
        with self.sandbox.lock:
            invoice = self.books.save_document(
                "invoice",
                {
                    **money,
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_id},
                    "Date": (today - timedelta(days=days_ago)).isoformat(),
                    "DueDate": (
                        today - timedelta(days=days_ago) + timedelta(days=due_in)
                    ).isoformat(),
                    "Status": status,
                    "LineAmountTypes": "NoTax",
                    "LineItems": [
                        {
                            "Description": "Goods",
                            "Quantity": 1,
                            "UnitAmount": amount,
                            "AccountCode": "200",
                        }
                    ],
                },
                "Accountant",
                create_only=True,
            )
        return invoice

    def pay(self, invoice, amount=None):
        with self.sandbox.lock:
            self.books.create_payment(
                {
                    "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Date": self.books.today().isoformat(),
                    "Amount": amount or invoice["AmountDue"],
                },
                "Accountant",
            )

    def customer_with_books(self):
        partner = self.customers(1, prefix="Ledger")
        contact_id = self.pushed(partner)
        overdue = self.invoice(contact_id, 100, days_ago=40, due_in=20)
        self.invoice(contact_id, 250, days_ago=5, due_in=30)
        paid = self.invoice(contact_id, 70, days_ago=60, due_in=30)
        self.pay(paid)
        self.invoice(contact_id, 999, days_ago=5 * 365, due_in=30, status="AUTHORISED")
        old_paid = self.invoice(contact_id, 40, days_ago=4 * 365, due_in=30)
        self.pay(old_paid)
        return partner, overdue


@tagged("post_install", "-at_install")
class TestCustomerFinance(FinanceCase, TransactionCase):
    def test_balances_overdue_and_history_come_from_xero(self):
        partner, overdue = self.customer_with_books()
        self.poll()
        self.assertEqual(partner.xero_amount_due, 100 + 250 + 999)
        self.assertEqual(partner.xero_amount_overdue, 100 + 999)
        self.assertTrue(partner.xero_overdue)
        history = partner.xero_invoice_ids
        # three years by default, and every unpaid invoice: the old paid one is left out
        self.assertEqual(sorted(history.mapped("total")), [70, 100, 250, 999])
        flagged = self.env["res.partner"].search([("xero_overdue", "=", True)])
        self.assertIn(partner, flagged)
        self.assertTrue(all(flagged.mapped("xero_overdue")))
        self.assertNotIn(partner, self.env["res.partner"].search([("xero_overdue", "=", False)]))
        # paid in Xero (no webhook for payments): the poll brings it back
        self.pay(overdue)
        self.poll()
        partner.invalidate_recordset()
        self.assertEqual(partner.xero_amount_overdue, 999)
        self.assertEqual(history.filtered(lambda i: i.total == 100).status, "PAID")

    def test_a_longer_history_is_a_setting(self):
        partner, _overdue = self.customer_with_books()
        self.connection.history_years = 5
        self.poll()
        self.assertIn(40, partner.xero_invoice_ids.mapped("total"))

    def test_sales_people_without_the_xero_group_see_no_figures(self):
        partner, _overdue = self.customer_with_books()
        self.poll()
        seller = new_test_user(self.env, "finance_seller", groups="sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            partner.with_user(seller).read(["xero_amount_due"])
        with self.assertRaises(AccessError):
            self.env["xero.invoice"].with_user(seller).search([])
        rep = new_test_user(
            self.env,
            "finance_rep",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        self.assertEqual(partner.with_user(rep).xero_amount_due, 1349)


@tagged("post_install", "-at_install")
class TestCustomerFinanceTour(FinanceCase, HttpCase):
    def test_a_sales_rep_sees_an_overdue_customer_and_a_salesperson_does_not(self):
        partner, _overdue = self.customer_with_books()
        self.poll()
        new_test_user(
            self.env,
            "finance_tour_rep",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        new_test_user(self.env, "finance_tour_seller", groups="sales_team.group_sale_salesman")
        self.start_tour(
            "/odoo/contacts",
            "xero_connector_tests.rep_sees_overdue_customer",
            login="finance_tour_rep",
        )
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "xero_connector_tests.seller_sees_no_xero_figures",
            login="finance_tour_seller",
        )


@tagged("post_install", "-at_install")
class TestXeroCurrency(FinanceCase, TransactionCase):
    def test_xero_amounts_are_shown_in_the_currency_they_are_in(self):
        """The company keeps USD books, its Xero organisation NZD: Xero's figures say NZD."""
        usd, nzd = self.env.ref("base.USD"), self.env.ref("base.NZD")
        self.assertEqual(self.env.company.currency_id, usd)
        partner, _overdue = self.customer_with_books()
        self.poll()
        self.assertEqual(self.connection.base_currency_id, nzd)
        self.assertIn("USD", self.connection.currency_warning)
        self.assertIn("NZD", self.connection.currency_warning)
        self.assertEqual(partner.xero_currency_id, nzd)
        self.assertEqual(partner.xero_amount_overdue, 1099.0)
        self.assertEqual(set(partner.xero_invoice_ids.mapped("currency_id")), {nzd})
        self.assertEqual(partner.xero_invoice_ids[:1].base_currency_id, nzd)
        # an invoice in another currency keeps its own; the balance is in the base one
        with self.sandbox.lock:
            self.books.add_currency({"Code": "AUD"})
        aud_invoice = self.invoice(
            self.link_of(partner).xero_id, 200, days_ago=50, due_in=10, currency=("AUD", 0.8)
        )
        self.poll()
        partner.invalidate_recordset()
        in_aud = partner.xero_invoice_ids.filtered(
            lambda i: i.xero_id == aud_invoice["InvoiceID"].lower()
        )
        self.assertEqual((in_aud.currency_id.name, in_aud.total), ("AUD", 200))
        # 200 AUD at 0.8 AUD per NZD
        self.assertEqual(in_aud.amount_due_base, 250)
        self.assertEqual(partner.xero_amount_overdue, 1099.0 + 250)

    def test_a_company_whose_books_are_in_the_organisation_currency_has_no_warning(self):
        self.connection.sudo().base_currency = "USD"
        self.assertFalse(self.connection.currency_warning)
