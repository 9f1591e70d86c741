"""What the money reports read, filled by a new connection's first poll (issue 25, part
7): every sales invoice of the years of history and every unpaid one, whoever made
them, with their payments and credits, and the refunds to customers; about a call per
1,000 invoices; later polls keep it current."""

import math
from datetime import timedelta
from decimal import Decimal

import requests
from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import XeroSyncCase

REFUND_KINDS = {
    "ARCREDITPAYMENT": "credit_note",
    "AROVERPAYMENTPAYMENT": "overpayment",
    "ARPREPAYMENTPAYMENT": "prepayment",
}
ALLOCATED = (("CreditNoteID", "credit_note"), ("OverpaymentID", "overpayment"))


def cents(value):
    return round(float(value), 2)


class MirrorFillCase(XeroSyncCase):
    """Kauri Tools (NZD, also invoicing in USD), connected for the first time."""

    def admin(self, path, body):
        """The sandbox's admin call (the accountant's side) for Kauri Tools."""
        tenant = self.sandbox.tenant(0).tenant_id
        answer = requests.post(
            f"{self.sandbox.urls['admin']}/tenants/{tenant}/{path}", json=body, timeout=300
        )
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()

    def credit_note(self, contact_id, amount, currency="NZD"):
        with self.sandbox.lock:
            return self.books.save_document(
                "credit",
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": contact_id},
                    "Status": "AUTHORISED",
                    "CurrencyCode": currency,
                    "LineItems": [
                        {
                            "Description": "Goodwill",
                            "Quantity": 1,
                            "UnitAmount": amount,
                            "AccountCode": "200",
                            "TaxType": "NONE",
                        }
                    ],
                },
                "Accountant",
            )

    def overpayment(self, contact_id, amount):
        with self.sandbox.lock:
            transaction = self.books.record_overpayment(contact_id, amount, "Accountant")
            return self.books.overpayments[transaction["OverpaymentID"]]

    def allocate(self, credit, invoice, amount, kind="credit"):
        with self.sandbox.lock:
            self.books.allocate_credit(
                credit,
                {"Amount": amount, "Invoice": {"InvoiceID": invoice["InvoiceID"]}},
                "Accountant",
                kind=kind,
            )

    def refund(self, key, credit, amount):
        """The accountant pays back (part of) a credit note or an overpayment (``key``:
        CreditNote, Overpayment)."""
        id_key = f"{key}ID"
        with self.sandbox.lock:
            return self.books.create_payment(
                {
                    key: {id_key: credit[id_key]},
                    "Account": {"Code": "090"},
                    "Date": self.books.today().isoformat(),
                    "Amount": amount,
                    "Reference": f"Refund of {credit.get('CreditNoteNumber') or key}",
                },
                "Accountant",
            )

    def pay(self, invoice, amount):
        with self.sandbox.lock:
            return self.books.create_payment(
                {
                    "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Date": self.books.today().isoformat(),
                    "Amount": amount,
                },
                "Accountant",
            )

    def old_invoice(self, years, amount=100):
        """An approved invoice of ``years`` ago."""
        contact = next(
            c["ContactID"] for c in self.books.contacts.values() if c["ContactStatus"] == "ACTIVE"
        )
        day = self.books.today() - relativedelta(years=years)
        with self.sandbox.lock:
            return self.books.save_document(
                "invoice",
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact},
                    "Status": "AUTHORISED",
                    "Date": day.isoformat(),
                    "DueDate": (day + timedelta(days=30)).isoformat(),
                    "LineItems": [
                        {
                            "Description": "Old sale",
                            "Quantity": 1,
                            "UnitAmount": amount,
                            "AccountCode": "200",
                        }
                    ],
                },
                "Accountant",
            )

    def poll(self):
        """One run of the poll; its GET calls to the Accounting API."""
        self.sandbox.clock.advance(2)
        before = len(self.api_calls())
        self.run_cron(self.poll_cron)
        return [c for c in self.api_calls()[before:] if c["method"] == "GET"]

    # ------------------------------------------------------------------ Xero's side

    def kept_in_xero(self):
        """The sales invoices the mirror should hold: those of the history, and every
        unpaid one."""
        start = self.env["xero.invoice"]._xero_start(self.connection)
        return [
            invoice
            for invoice in self.books.invoices.values()
            if invoice["Type"] == "ACCREC"
            and (invoice["Date"] >= start or invoice["Status"] == "AUTHORISED")
        ]

    def xero_invoices(self):
        return {
            invoice["InvoiceID"].lower(): (
                invoice.get("InvoiceNumber"),
                invoice["Status"],
                invoice["CurrencyCode"],
                cents(invoice["Total"]),
                cents(invoice["AmountPaid"]),
                cents(invoice["AmountCredited"]),
                cents(invoice["AmountDue"]),
            )
            for invoice in self.kept_in_xero()
        }

    def xero_settlements(self):
        """{(InvoiceID, kind, id): (amount, amount in base currency)} of what settles the
        invoices, payments not deleted."""
        found = {}
        for invoice in self.kept_in_xero():
            invoice_id, rate = invoice["InvoiceID"].lower(), invoice["CurrencyRate"]
            amounts = {}
            for payment_id in invoice["_payments"]:
                payment = self.books.payments[payment_id]
                if payment["Status"] != "DELETED":
                    amounts[invoice_id, "payment", payment_id.lower()] = payment["Amount"]
            for allocation in invoice["_allocations"]:
                for id_key, kind in ALLOCATED:
                    if id_key in allocation:
                        key = (invoice_id, kind, allocation[id_key].lower())
                        amounts[key] = amounts.get(key, Decimal(0)) + allocation["Amount"]
            found |= {key: (cents(amount), cents(amount / rate)) for key, amount in amounts.items()}
        return found

    def xero_refunds(self):
        """{PaymentID: (kind, contact, currency, amount, amount in base currency)} of the
        refunds not deleted."""
        found = {}
        for payment in self.books.payments.values():
            kind = REFUND_KINDS.get(payment["PaymentType"])
            if not kind or payment["Status"] == "DELETED":
                continue
            credit = self.books.records(payment["_document"][0])[payment["_document"][1]]
            found[payment["PaymentID"].lower()] = (
                kind,
                credit["Contact"]["ContactID"].lower(),
                credit["CurrencyCode"],
                cents(payment["Amount"]),
                cents(payment["Amount"] / payment["CurrencyRate"]),
            )
        return found

    # ------------------------------------------------------------------ Odoo's side

    def where(self):
        return [("connection_id", "=", self.connection.id)]

    def mirrored_invoices(self):
        return {
            mirror.xero_id: (
                mirror.number,
                mirror.status,
                mirror.currency_code,
                mirror.total,
                mirror.amount_paid,
                mirror.amount_credited,
                mirror.amount_due,
            )
            for mirror in self.env["xero.invoice"].search(self.where())
        }

    def mirrored_settlements(self):
        rows = self.env["xero.invoice.payment"].search([*self.where(), ("deleted", "=", False)])
        return {
            (row.invoice_id.xero_id, row.kind, row.xero_id): (row.amount, row.amount_base)
            for row in rows
        }

    def mirrored_refunds(self):
        refunds = self.env["xero.refund"].search([*self.where(), ("deleted", "=", False)])
        return {
            refund.xero_id: (
                refund.kind,
                refund.xero_contact_id,
                refund.currency_id.name,
                refund.amount,
                refund.amount_base,
            )
            for refund in refunds
        }

    def assert_mirror_is_xero(self):
        self.env.invalidate_all()
        self.assertEqual(self.mirrored_invoices(), self.xero_invoices())
        self.assertEqual(self.mirrored_settlements(), self.xero_settlements())
        self.assertEqual(self.mirrored_refunds(), self.xero_refunds())


@tagged("post_install", "-at_install")
class TestMirrorFill(MirrorFillCase, TransactionCase):
    def plant(self):
        """2,300 invoices (NZD and USD, a fifth part-paid, the others paid in two), a
        credit note and an overpayment allocated, refunds of a credit note (in USD) and
        of an overpayment, old invoices paid and unpaid."""
        planted = self.admin(
            "bulk",
            {
                "invoices": 2300,
                "contacts": 40,
                "payments": 2,
                "part_paid_every": 5,
                "currencies": ["NZD", "USD"],
                "days": 700,
            },
        )
        self.assertEqual((planted["invoices"], planted["payments"]), (2300, 4140))
        part_paid = [
            i
            for i in self.books.invoices.values()
            if i["Status"] == "AUTHORISED"
            and i["AmountPaid"]
            and i["AmountDue"] > 100
            and i["CurrencyCode"] == "NZD"
        ]
        first, second = part_paid[:2]
        contact = first["Contact"]["ContactID"]
        self.admin(f"invoices/{first['InvoiceID']}/credit", {"amount": "12.50"})
        overpaid = self.overpayment(second["Contact"]["ContactID"], 100)
        self.allocate(overpaid, second, 60, kind="overpayment")
        self.refund("Overpayment", overpaid, 40)
        refunded = self.credit_note(contact, 30, currency="USD")
        self.refund("CreditNote", refunded, 30)
        paid_old, unpaid_old = self.old_invoice(4), self.old_invoice(5, 80)
        self.pay(paid_old, paid_old["Total"])
        return paid_old, unpaid_old, part_paid[2:]

    def test_a_new_connection_fills_the_mirror_in_a_call_per_thousand_invoices(self):
        paid_old, unpaid_old, part_paid = self.plant()
        reads = self.poll()
        kept = len(self.kept_in_xero())
        self.assertGreater(kept, 2300)
        target = math.ceil(kept / 1000) + 10
        self.assertLessEqual(len(reads), target, [c["path"] for c in reads])
        invoice_reads = [c for c in reads if c["path"].endswith("/Invoices")]
        self.assertEqual(len(invoice_reads), math.ceil(kept / 1000))
        self.assertFalse(
            [c for c in invoice_reads if c["query"].get("summaryonly")],
            "the first sweep reads whole invoices, with their payments and credits",
        )
        [payments_read] = [c for c in reads if c["path"].endswith("/Payments")]
        self.assertNotIn("ACCRECPAYMENT", payments_read["query"]["where"], "refunds alone")
        self.assert_mirror_is_xero()
        mirrors = self.env["xero.invoice"].search(self.where())
        self.assertNotIn(paid_old["InvoiceID"].lower(), mirrors.mapped("xero_id"), "too old")
        self.assertIn(unpaid_old["InvoiceID"].lower(), mirrors.mapped("xero_id"), "unpaid")
        self.assertEqual(len(self.env["xero.refund"].search(self.where())), 2)
        self.assertFalse(
            self.jobs.search([*self.where(), ("res_model", "=", "xero.invoice")]),
            "no invoice read again",
        )

        # later: a payment, a payment deleted, a refund; the next poll reads what changed
        self.pay(part_paid[0], part_paid[0]["AmountDue"])
        paid = next(i for i in self.kept_in_xero() if i["Status"] == "PAID" and i["_payments"])
        deleted = self.books.payments[paid["_payments"][-1]]
        with self.sandbox.lock:
            self.books.delete_payment(deleted, "Accountant")
        overpaid = self.overpayment(part_paid[1]["Contact"]["ContactID"], 25)
        refund = self.refund("Overpayment", overpaid, 25)
        reads = self.poll()
        self.run_until_settled()
        invoice_reads = [c for c in reads if c["path"].endswith("/Invoices")]
        self.assertTrue(invoice_reads)
        self.assertTrue(all(c["query"].get("summaryonly") == "True" for c in invoice_reads))
        [payments_read] = [c for c in reads if c["path"].endswith("/Payments")]
        self.assertIn('PaymentType=="ACCRECPAYMENT" OR ', payments_read["query"]["where"])
        self.assert_mirror_is_xero()
        [row] = self.env["xero.invoice.payment"].search(
            [*self.where(), ("xero_id", "=", deleted["PaymentID"].lower())]
        )
        self.assertTrue(row.deleted)
        self.assertEqual(
            self.env["xero.refund"].search([("xero_id", "=", refund["PaymentID"].lower())]).amount,
            25.0,
        )

        # a refund deleted in Xero stays listed, and counts no more
        with self.sandbox.lock:
            self.books.delete_payment(refund, "Accountant")
        self.poll()
        self.assert_mirror_is_xero()
        self.assertTrue(
            self.env["xero.refund"].search([("xero_id", "=", refund["PaymentID"].lower())]).deleted
        )


@tagged("post_install", "-at_install")
class TestMirrorFillEdges(MirrorFillCase, TransactionCase):
    def test_a_payment_made_while_the_invoices_are_read_is_not_lost(self):
        self.admin("bulk", {"invoices": 1500, "contacts": 10, "days": 300})
        connection = self.connection.sudo()
        cursors = self.env["xero.poll.cursor"].sudo()
        # the first page of the first sweep is read...
        cursor = cursors._xero_for(connection, "xero.invoice")
        self.assertTrue(self.env["xero.invoice"].sudo()._xero_poll(connection, cursor))
        read = self.env["xero.invoice"].search([*self.where(), ("status", "=", "AUTHORISED")])
        unpaid = self.books.invoices[read[0].xero_id]
        # ... then the accountant records a payment of an invoice already read
        self.sandbox.clock.advance(2)
        payment = self.pay(unpaid, 10)
        self.poll()  # the rest of the invoices, the refunds
        self.poll()
        self.run_until_settled()
        self.assertIn(
            payment["PaymentID"].lower(), read[0].payment_ids.mapped("xero_id"), "not lost"
        )
        self.assert_mirror_is_xero()

    def test_widening_the_history_reads_the_older_invoices_again(self):
        old = self.old_invoice(4)
        self.pay(old, old["Total"])
        self.poll()
        self.assertFalse(self.env["xero.invoice"].search([("xero_id", "=", old["InvoiceID"])]))
        self.connection.sudo().history_years = 5
        reads = self.poll()
        invoice_reads = [c for c in reads if c["path"].endswith("/Invoices")]
        self.assertFalse(invoice_reads[0]["query"].get("summaryonly"), "the whole window again")
        self.assertTrue(
            self.env["xero.invoice"].search([("xero_id", "=", old["InvoiceID"].lower())])
        )
        self.assert_mirror_is_xero()
        reads = self.poll()
        invoice_reads = [c for c in reads if c["path"].endswith("/Invoices")]
        self.assertEqual(invoice_reads[0]["query"].get("summaryonly"), "True")

    def test_xero_users_read_the_refunds_from_the_payments_list(self):
        contact = next(c for c in self.books.contacts.values() if c["Name"] == "Ridgeway Builders")
        invoice = self.old_invoice(1)
        self.pay(invoice, 10)
        overpaid = self.overpayment(contact["ContactID"], 30)
        refund = self.refund("Overpayment", overpaid, 30)
        self.poll()
        seller = new_test_user(
            self.env, "xero_refund_seller", groups="xero_connector.group_xero_user"
        )
        payments = self.env["xero.invoice.payment"].with_user(seller)
        action = payments.action_xero_view_refunds()
        refunds = self.env["xero.refund"].with_user(seller).search(action.get("domain") or [])
        self.assertEqual(refunds.mapped("xero_id"), [refund["PaymentID"].lower()])
        self.assertEqual(
            (refunds.kind, refunds.amount, refunds.contact_name, refunds.display_name),
            (
                "overpayment",
                30.0,
                "Ridgeway Builders",
                "Overpayment refunded Refund of Overpayment",
            ),
        )
        # from selected payments: the refunds of their customers
        [paid] = payments.search([("xero_id", "=", invoice["_payments"][0].lower())])
        shown = refunds.search(paid.action_xero_view_refunds()["domain"])
        self.assertEqual(
            shown, refunds.filtered(lambda r: r.xero_contact_id == paid.xero_contact_id)
        )
        outsider = new_test_user(self.env, "xero_refund_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["xero.refund"].with_user(outsider).search([])

    def test_a_connection_that_polled_payments_before_refunds_reads_them_all_once(self):
        contact = next(c for c in self.books.contacts.values() if c["Name"] == "Ridgeway Builders")
        refund = self.refund("Overpayment", self.overpayment(contact["ContactID"], 15), 15)
        self.poll()
        self.poll()
        # as before refunds were kept: payments polled up to now, no refund read
        self.env["xero.refund"].search(self.where()).unlink()
        cursor = self.env["xero.poll.cursor"].search(
            [*self.where(), ("res_model", "=", "xero.invoice.payment")]
        )
        kept = cursor.modified_since
        cursor.filled_at = False
        [payments_read] = [c for c in self.poll() if c["path"].endswith("/Payments")]
        self.assertNotIn("ACCRECPAYMENT", payments_read["query"]["where"], "every refund")
        self.assertEqual(
            self.env["xero.refund"].search(self.where()).mapped("xero_id"),
            [refund["PaymentID"].lower()],
        )
        self.assertLessEqual(cursor.modified_since, kept, "no payment change skipped")
        self.assert_mirror_is_xero()
