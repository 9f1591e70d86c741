"""Payments taken in Odoo (online through a payment provider, or recorded on the order)
go to Xero against the order's invoices, exactly once (issue 13, part 7)."""

from decimal import Decimal
from unittest.mock import patch

import psycopg2

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools import html2plaintext, mute_logger

from .test_invoices import InvoiceCase


class OrderPaymentCase(InvoiceCase):
    """Kauri Tools invoicing its orders in Xero, with a test payment provider, Stripe,
    collecting online payments for them."""

    def setUp(self):
        super().setUp()
        self.bank = self.account("090")
        method = self.env.ref("payment.payment_method_unknown")
        self.stripe = self.env["payment.provider"].create(
            {
                "name": "Stripe",
                "code": "none",
                "state": "test",
                "company_id": self.env.company.id,
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        method.active = True
        self.method = method
        # as Odoo's own payment tests do: no accounting payment (the test provider has no
        # payment method line on a journal)
        self.startPatcher(
            patch(
                "odoo.addons.account_payment.models.payment_transaction.PaymentTransaction"
                "._post_process"
            )
        )
        self.payments = self.env["xero.order.payment"]

    def transaction(self, order, amount=None, **values):
        """A transaction of the customer paying ``order`` (all of it by default) online."""
        count = self.env["payment.transaction"].sudo().search_count([])
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.stripe.id,
                    "payment_method_id": self.method.id,
                    "reference": f"{order.name}-T{count + 1}",
                    "provider_reference": f"pi_test_{count + 1}",
                    "amount": order.amount_total if amount is None else amount,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_id.id,
                    "operation": "online_redirect",
                    "sale_order_ids": [Command.set(order.ids)],
                    **values,
                }
            )
        )

    def collect(self, order, amount=None):
        """The customer pays online: the provider confirms the transaction, Odoo
        post-processes it (as its cron or the payment status page does)."""
        tx = self.transaction(order, amount)
        tx._set_done()
        tx._post_process()
        return tx

    def invoiced_order(self, lines=None):
        """A confirmed order of 2 drills (457.70) invoiced in Xero, and its Xero invoice."""
        order = self.order(lines or [(self.drill, 2)])
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        return order, document

    def xero_payments(self):
        """The payments Odoo recorded in the sandbox's books."""
        return [
            payment
            for payment in self.books.payments.values()
            if (payment.get("Reference") or "").startswith("Odoo payment")
        ]

    def payment_calls(self):
        return [c for c in self.api_calls() if c["path"].startswith("/api.xro/2.0/Payments")]

    def job_of(self, payment):
        return self.jobs.search(
            [("kind", "=", "sale_payment.push"), ("res_id", "=", payment.id)],
            order="id desc",
            limit=1,
        )

    def record_on_order(self, order, **values):
        """The salesperson records a payment on the order (the wizard's defaults)."""
        wizard = (
            self.env["xero.payment.register"].with_context(default_order_id=order.id).create(values)
        )
        wizard.action_record()
        return wizard


@tagged("post_install", "-at_install")
class TestOnlinePayments(OrderPaymentCase, TransactionCase):
    def test_an_online_payment_is_recorded_once_against_the_invoice(self):
        self.stripe.xero_account_id = self.bank
        order, document = self.invoiced_order()
        self.assertEqual(order.xero_payment_status, "awaiting")
        tx = self.collect(order)
        self.run_until_settled()

        [paid] = self.xero_payments()
        self.assertEqual(paid["Amount"], Decimal("457.70"))
        self.assertEqual(paid["Account"]["Code"], "090")
        self.assertEqual(paid["_document"], ("invoice", document["InvoiceID"]))
        self.assertIn(order.name, paid["Reference"])
        self.assertIn(tx.provider_reference, paid["Reference"])
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["Status"], "PAID")

        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "paid")
        self.assertEqual(order.xero_amount_due, 0.0)
        mirror = order.sudo().xero_invoice_ids.xero_invoice_id
        self.assertEqual((mirror.status, mirror.amount_due), ("PAID", 0.0))
        payment = self.payments.search([("transaction_id", "=", tx.id)])
        self.assertEqual((payment.state, payment.amount_recorded), ("recorded", 457.70))
        self.assertEqual(payment.line_ids.number, document["InvoiceNumber"])
        self.assertIn(
            f"Payment of {order.currency_id.format(457.70)} recorded in Xero against "
            f"{document['InvoiceNumber']} (Stripe)",
            " ".join(html2plaintext(body) for body in order.message_ids.mapped("body")),
        )
        # the mirror is read again from Xero: it agrees, and tells nobody twice
        self.run_until_settled()
        self.assertEqual(mirror.status, "PAID")
        self.assertFalse(
            order.message_ids.filtered(lambda m: "received in Xero" in (m.body or "")),
            "what Odoo recorded is not told again as received",
        )

        # processed again (the status page, then the cron): still one payment
        tx._post_process()
        self.env["xero.order.payment"]._xero_from_transactions(tx)
        payment.action_xero_resync()
        self.run_until_settled()
        self.assertEqual(len(self.payments.search([("transaction_id", "=", tx.id)])), 1)
        self.assertEqual(len(self.xero_payments()), 1)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            payment.copy({"transaction_id": tx.id})

    def test_a_part_payment_leaves_the_rest_due(self):
        self.stripe.xero_account_id = self.bank
        order, document = self.invoiced_order()
        self.collect(order, 100.0)
        self.run_until_settled()
        [paid] = self.xero_payments()
        self.assertEqual(paid["Amount"], Decimal("100.00"))
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "partial")
        self.assertEqual((order.xero_amount_paid, order.xero_amount_due), (100.0, 357.70))
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["AmountDue"], Decimal("357.70"))

    def test_the_connection_default_account_serves_every_provider(self):
        self.connection.sudo().payment_account_id = self.bank
        order, _document = self.invoiced_order()
        self.collect(order)
        self.run_until_settled()
        [paid] = self.xero_payments()
        self.assertEqual(paid["Account"]["AccountID"], self.bank.xero_key)


@tagged("post_install", "-at_install")
class TestPaymentsNeverTwice(OrderPaymentCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.stripe.xero_account_id = self.bank

    def test_a_lost_answer_makes_no_second_payment(self):
        order, document = self.invoiced_order()
        self.collect(order)
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Payments$")
        self.run_until_settled()
        [paid] = self.xero_payments()
        self.assertEqual(paid["Amount"], Decimal("457.70"))
        payment = self.payments.search([("order_id", "=", order.id)])
        self.assertEqual(payment.state, "recorded")
        self.assertEqual(len(payment.line_ids), 1)
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["Status"], "PAID")

    def test_a_lost_answer_xero_no_longer_replays_is_found_by_reference(self):
        order, _document = self.invoiced_order()
        self.collect(order)
        self.sandbox.faults.add("accept_then_fail", method="PUT", path="/Payments$")
        self.run_queue()
        with self.sandbox.lock:
            self.sandbox.idempotency.clear()  # as after a restart without its keys
        self.run_until_settled()
        self.assertEqual(len(self.xero_payments()), 1)
        lookups = [c for c in self.payment_calls() if c["method"] == "GET"]
        self.assertEqual(len(lookups), 1, "looked up by its Reference before any resend")
        payment = self.payments.search([("order_id", "=", order.id)])
        self.assertEqual((payment.state, payment.amount_recorded), ("recorded", 457.70))
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "paid")


@tagged("post_install", "-at_install")
class TestPaymentGuardRails(OrderPaymentCase, TransactionCase):
    def test_an_unmapped_provider_is_refused_then_goes_after_mapping_and_resync(self):
        order, _document = self.invoiced_order()
        tx = self.collect(order)
        self.run_until_settled()
        self.assertEqual(self.xero_payments(), [])
        self.assertEqual(self.payment_calls(), [], "refused before any call")
        payment = self.payments.search([("transaction_id", "=", tx.id)])
        self.assertEqual(payment.state, "refused")
        self.assertTrue(
            payment.note.startswith("Map the payment provider Stripe to a Xero bank account: ")
        )
        job = self.job_of(payment)
        self.assertEqual((job.state, job.failure_reason), ("error", payment.note))
        self.assertEqual(payment.xero_sync_state, "error")
        self.assertIn("Map the payment provider Stripe", order.message_ids[0].body)

        self.stripe.xero_account_id = self.bank
        payment.action_xero_resync()
        self.run_until_settled()
        self.assertEqual(len(self.xero_payments()), 1)
        self.assertEqual(payment.state, "recorded")
        self.assertEqual(payment.xero_sync_state, "synced")

    def test_a_bank_account_is_needed(self):
        self.stripe.xero_account_id = self.account("200")  # sales: takes no payments
        order, _document = self.invoiced_order()
        tx = self.collect(order)
        self.run_until_settled()
        payment = self.payments.search([("transaction_id", "=", tx.id)])
        self.assertEqual(payment.state, "refused")
        self.assertIn("Xero takes payments only on bank accounts", payment.note)
        self.assertEqual(self.payment_calls(), [])

    def test_more_than_is_due_is_refused_and_nothing_is_lost(self):
        self.stripe.xero_account_id = self.bank
        order, document = self.invoiced_order()
        tx = self.collect(order, 500.0)
        self.run_until_settled()
        [paid] = self.xero_payments()
        self.assertEqual(paid["Amount"], Decimal("457.70"), "never more than Xero says is due")
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["Status"], "PAID")
        payment = self.payments.search([("transaction_id", "=", tx.id)])
        self.assertEqual((payment.state, payment.amount_recorded), ("refused", 457.70))
        money = payment.currency_id.format
        self.assertIn(
            f"{money(42.30)} of this payment of {money(500.0)} is more than Xero says is due",
            payment.note,
        )
        self.assertEqual(self.job_of(payment).state, "error")
        # a Resync without a fix records nothing more
        payment.action_xero_resync()
        self.run_until_settled()
        self.assertEqual(len(self.xero_payments()), 1)

        # on the order, the salesperson cannot record more than is due either
        other, _document = self.invoiced_order()
        with self.assertRaisesRegex(UserError, "record at most that"):
            self.record_on_order(other, amount=1000.0)
        self.assertFalse(self.payments.search([("order_id", "=", other.id)]))

    def test_a_payment_xero_finds_too_large_is_explained_and_goes_after_a_resync(self):
        self.stripe.xero_account_id = self.bank
        order, document = self.invoiced_order()
        self.pay(document, 100, read=False)  # the accountant, before Odoo reads it
        tx = self.collect(order)
        self.run_until_settled()  # Xero refuses; the invoice is read again
        payment = self.payments.search([("transaction_id", "=", tx.id)])
        self.assertEqual(payment.state, "refused")
        self.assertIn("Xero says less is due on the invoice", payment.note)
        self.assertIn("exceeds the amount outstanding", self.job_of(payment).xero_messages)
        self.assertEqual(self.xero_payments(), [])
        mirror = order.sudo().xero_invoice_ids.xero_invoice_id
        self.assertEqual(mirror.amount_due, 357.70, "the invoice was read again")

        payment.action_xero_resync()
        self.run_until_settled()
        [paid] = self.xero_payments()
        self.assertEqual(paid["Amount"], Decimal("357.70"))
        self.assertEqual(payment.state, "refused", "the 100.00 beyond what is due")
        money = payment.currency_id.format
        self.assertIn(f"{money(100.0)} of this payment of {money(457.70)}", payment.note)
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["Status"], "PAID")

    def test_a_company_that_does_not_invoice_in_xero_says_so(self):
        self.stripe.xero_account_id = self.bank
        order = self.order([(self.drill, 1)])
        self.connection.sudo().sync_invoices = False
        tx = self.collect(order)
        payment = self.payments.search([("transaction_id", "=", tx.id)])
        self.assertEqual(payment.state, "not_sent")
        self.assertIn("does not invoice its orders in Xero", payment.note)
        self.assertFalse(self.job_of(payment))


@tagged("post_install", "-at_install")
class TestPaymentsBeforeTheInvoice(OrderPaymentCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.stripe.xero_account_id = self.bank

    def test_a_portal_payment_confirms_the_order_and_goes_once_its_invoice_exists(self):
        self.connection.sudo().invoice_trigger = "confirm"
        quotation = self.order([(self.drill, 1)], confirm=False)
        tx = self.collect(quotation)
        self.assertEqual(quotation.state, "sale", "the payment confirmed the order")
        payment = self.payments.search([("transaction_id", "=", tx.id)])
        self.assertEqual(payment.state, "pending")
        self.run_until_settled()
        [document] = self.invoiced(quotation)
        [paid] = self.xero_payments()
        self.assertEqual(paid["_document"], ("invoice", document["InvoiceID"]))
        self.assertEqual(paid["Amount"], Decimal("228.85"))
        self.assertEqual(payment.state, "recorded")
        quotation.invalidate_recordset()
        self.assertEqual(quotation.xero_payment_status, "paid")

    def test_a_payment_waits_for_the_invoice_then_goes(self):
        order = self.order([(self.drill, 1)])  # invoiced only on a click
        tx = self.collect(order)
        self.run_queue()
        payment = self.payments.search([("transaction_id", "=", tx.id)])
        self.assertEqual(payment.state, "pending")
        self.assertIn(f"Waits for {order.name} to be invoiced in Xero", payment.note)
        self.assertEqual(self.job_of(payment).state, "pending")
        self.assertEqual(self.xero_payments(), [])

        order.action_xero_invoice()
        # no time passes: the approved invoice wakes the payment waiting for it
        self.run_queue()
        self.run_queue()
        [document] = self.invoiced(order)
        [paid] = self.xero_payments()
        self.assertEqual(paid["_document"], ("invoice", document["InvoiceID"]))
        self.assertEqual(payment.state, "recorded")


@tagged("post_install", "-at_install")
class TestRecordPaymentOnTheOrder(OrderPaymentCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.env.company.id)], limit=1
        )

    def test_a_payment_pays_the_oldest_invoice_first_then_the_next(self):
        self.journal.xero_account_id = self.bank
        self.drill.invoice_policy = "delivery"
        order = self.order([(self.drill, 5), (self.saw, 2)])
        order.order_line[0].qty_delivered = 2
        order.action_xero_invoice()
        order.order_line[0].qty_delivered = 5
        order.action_xero_invoice()
        self.run_until_settled()
        first, second = self.invoiced(order)
        due = self.total(first) + self.total(second)

        wizard = self.record_on_order(order, memo="Cheque 1234")
        self.assertEqual(Decimal(str(wizard.amount)), due, "what Xero says is due")
        self.assertEqual(wizard.journal_id, self.journal)
        self.run_until_settled()
        paid = sorted(self.xero_payments(), key=lambda p: p["Amount"])
        self.assertEqual(
            {(p["_document"][1], p["Amount"]) for p in paid},
            {(first["InvoiceID"], self.total(first)), (second["InvoiceID"], self.total(second))},
        )
        self.assertTrue(all("Cheque 1234" in p["Reference"] for p in paid))
        self.assertEqual(self.books.invoices[first["InvoiceID"]]["Status"], "PAID")
        self.assertEqual(self.books.invoices[second["InvoiceID"]]["Status"], "PAID")
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "paid")
        self.assertIn(
            f"recorded in Xero against {first['InvoiceNumber']}", order.message_ids[0].body
        )

    def test_an_unmapped_journal_is_refused_at_once(self):
        order, _document = self.invoiced_order()
        with self.assertRaisesRegex(UserError, "Map the journal .* to a Xero bank account"):
            self.record_on_order(order, amount=50.0)
        self.connection.sudo().payment_account_id = self.bank
        self.record_on_order(order, amount=50.0)
        self.run_until_settled()
        [paid] = self.xero_payments()
        self.assertEqual(paid["Amount"], Decimal("50.00"))
