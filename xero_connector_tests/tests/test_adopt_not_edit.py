"""A document Xero made although Odoo never recorded its answer is adopted as Xero has
it, never edited blind; an edit Xero refuses for a payment sends only what Xero allows;
credit notes of one invoice share what it still owes."""

from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from .test_invoice_payments import PaymentCase


@tagged("post_install", "-at_install")
class TestAdoptNotEdit(PaymentCase, TransactionCase):
    def invoices_referencing(self, order):
        return [i for i in self.books.invoices.values() if i.get("Reference") == order.name]

    def updates(self):
        """The updates of invoices Xero received."""
        posts = self.sandbox.calls_to("/Invoices", method="POST")
        return [c for c in posts if c["path"].endswith("/Invoices")]

    def refused_calls(self, path):
        return [c for c in self.sandbox.calls_to(path) if 400 <= c["status"] < 500]

    def test_an_invoice_paid_before_its_lost_answer_is_adopted_as_paid(self):
        # Xero saves the invoice, then its answer is lost (as when Odoo's transaction
        # recording it fails): the customer pays at once, before Odoo looks again
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Invoices$")
        order = self.order([(self.drill, 2), (self.saw, 1)])
        order.action_xero_invoice()
        self.run_queue()
        [document] = self.invoices_referencing(order)
        invoice = order.sudo().xero_invoice_ids
        self.assertFalse(invoice.xero_invoice_id, "Odoo did not record Xero's answer")
        self.pay(document, read=False)

        self.time_passes()
        self.run_until_settled()

        self.assertEqual(len(self.invoices_referencing(order)), 1, "never made twice")
        self.assertEqual(self.refused_calls("/Invoices"), [], "never edited blind")
        self.assertEqual(
            self.updates(),
            [],
            "nothing to send: Xero holds what Odoo sent",
        )
        link = self.link_of(invoice)
        self.assertEqual(link.xero_id, document["InvoiceID"].lower())
        self.assertEqual(link.state, "synced")
        self.assertEqual(invoice.number, document["InvoiceNumber"])
        self.assertEqual(invoice.status, "PAID")
        self.assertEqual(invoice.amount_due, 0.0)
        self.assertEqual(order.xero_payment_status, "paid")
        [create, *after] = self.jobs.search(
            [("kind", "=", "sale_invoice.push"), ("res_id", "=", invoice.id)], order="id"
        )
        self.assertEqual(create.state, "done")
        self.assertIn("Found in Xero after a lost answer", create.result)
        self.assertEqual(
            [j.result for j in after], ["Xero already has these values; nothing was sent."]
        )
        self.assertFalse(self.jobs.search([("state", "=", "error")]))
        # the lines Xero holds are the order's, to the cent
        self.assertFalse(self.assert_exact_lines(order, self.invoiced(order)[0]))

    def test_an_edit_refused_for_a_payment_is_read_again_and_sends_what_xero_allows(self):
        order = self.order([(self.drill, 1)])
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        invoice = order.sudo().xero_invoice_ids
        self.pay(document, read=False)  # Odoo has not read it yet
        # the account of the drill's sales changes in Odoo: the invoice's lines would go
        # again, and its due date with them
        self.drill.product_tmpl_id.xero_sales_account_id = self.account("260")
        order.xero_promised_date = order.date_order.date()
        invoice._xero_enqueue_push(self.connection)

        self.run_until_settled()

        self.assertEqual(len(self.updates()), 2, "refused once for the payment, then allowed")
        job = self.job_of(invoice)
        self.assertEqual(job.state, "done")
        self.assertNotIn("LineItems", job.payload, "a paid invoice's lines are left as they are")
        self.assertEqual(job.payload["ExpectedPaymentDate"], order.xero_promised_date.isoformat())
        held = self.books.invoices[document["InvoiceID"]]
        self.assertEqual(held["LineItems"][0]["AccountCode"], "200")
        self.assertEqual(
            str(held["ExpectedPaymentDate"])[:10], order.xero_promised_date.isoformat()
        )
        self.assertEqual(invoice.status, "PAID")
        self.assertEqual(self.job_of(invoice).state, "done")
        self.assertEqual(order.xero_payment_status, "paid")

    def test_two_credit_notes_of_one_invoice_share_what_it_still_owes(self):
        untaxed = self.env["account.tax"]
        order = self.order(
            [(self.drill, 1, 199.0, 0.0, untaxed), (self.saw, 1, 45.5, 0.0, untaxed)]
        )
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        self.pay(document, amount="200.00")
        invoice = order.sudo().xero_invoice_ids
        self.assertEqual(invoice.amount_due, 44.5)
        credit = self.env["xero.order.credit.note"].sudo()
        drill_line, saw_line = invoice.line_ids.filtered("sale_line_id").sorted("id")
        first = credit._xero_credit(invoice, drill_line, "Returned")
        second = credit._xero_credit(invoice, saw_line, "Returned")

        self.run_until_settled()

        self.assertEqual(self.refused_calls("/Allocations"), [])
        allocated = [
            Decimal(str(a["Amount"])) for c in self.credit_notes() for a in c["_allocations"]
        ]
        self.assertEqual(sum(allocated), Decimal("44.50"), "what was due, once")
        self.assertEqual(first.allocated + second.allocated, 44.5)
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["AmountDue"], Decimal(0))
        self.assertEqual(invoice.amount_due, 0.0)
        self.assertEqual(invoice.status, "PAID")
