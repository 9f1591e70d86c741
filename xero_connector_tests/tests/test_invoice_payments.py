"""Payments and credits coming back from Xero onto the order and the customer, Sent and
Viewed, fulfilment, the promised payment date (issue 13)."""

from datetime import timedelta

import requests

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_invoices import InvoiceCase


class PaymentCase(InvoiceCase):
    def invoiced_order(self, *lines, **values):
        """A confirmed order of the drill (by default), invoiced and approved in Xero:
        (order, its Xero invoice as Xero has it)."""
        order = self.order(list(lines) or [(self.drill, 2)], **values)  # 457.70
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        return order, document

    def read_back(self):
        """The poll, then the invoices it found changed, read whole by the queue."""
        self.poll()
        self.run_until_settled()
        self.env.invalidate_all()

    def delete_payment(self, document):
        with self.sandbox.lock:
            [payment] = [
                p
                for p in self.books.payments.values()
                if p["_document"][1] == document["InvoiceID"] and p["Status"] != "DELETED"
            ][-1:]
            self.books.delete_payment(payment, "Accountant")

    def credit(self, document, amount):
        """The accountant credits the invoice in Xero and allocates the credit note."""
        with self.sandbox.lock:
            credit = self.books.save_document(
                "credit",
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": document["Contact"]["ContactID"]},
                    "Status": "AUTHORISED",
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
            self.books.allocate_credit(
                credit,
                {"Amount": amount, "Invoice": {"InvoiceID": document["InvoiceID"]}},
                "Accountant",
            )
        return credit


@tagged("post_install", "-at_install")
class TestPaymentsBackInOdoo(PaymentCase, TransactionCase):
    def test_payments_and_credits_show_on_the_order_and_the_customer(self):
        order, document = self.invoiced_order()
        self.pay(document, 100, read=False)
        self.read_back()
        [payment] = order.xero_payment_ids
        self.assertEqual(
            (payment.kind, payment.amount, payment.date, payment.deleted),
            ("payment", 100.0, self.books.today(), False),
        )
        self.assertEqual(payment.invoice_number, document["InvoiceNumber"])
        self.assertEqual(order.xero_payment_count, 1)
        credit = self.credit(document, 57.70)
        self.read_back()
        credit_row = order.xero_payment_ids.filtered(lambda p: p.kind == "credit_note")
        self.assertEqual(
            (credit_row.number, credit_row.amount), (credit["CreditNoteNumber"], 57.70)
        )
        self.assertEqual(order.xero_payment_status, "partial")
        self.assertEqual((order.xero_amount_paid, order.xero_amount_due), (100.0, 300.0))
        self.assertFalse(order.xero_paid_on)
        # the customer's Xero tab lists them too
        self.assertEqual(self.customer.xero_payment_ids, order.xero_payment_ids)
        self.pay(self.books.invoices[document["InvoiceID"]], 300, read=False)
        self.read_back()
        self.assertEqual(order.xero_payment_status, "paid")
        self.assertEqual(order.xero_paid_on, self.books.today())
        self.assertEqual(len(order.xero_payment_ids), 3)
        self.assertEqual(sum(order.xero_payment_ids.mapped("amount")), 457.70)
        action = order.action_xero_view_payments()
        self.assertEqual(
            self.env["xero.invoice.payment"].search(action["domain"]).ids,
            order.xero_payment_ids.ids,
        )

    def test_an_overpayment_allocated_in_xero_is_listed_as_a_credit(self):
        order, document = self.invoiced_order()
        with self.sandbox.lock:
            self.books.record_overpayment(document["Contact"]["ContactID"], 100, "Accountant")
            [overpayment] = self.books.overpayments.values()
            self.books.allocate_credit(
                overpayment,
                {"Amount": 60, "Invoice": {"InvoiceID": document["InvoiceID"]}},
                "Accountant",
                kind="overpayment",
            )
        self.read_back()
        [row] = order.xero_payment_ids
        self.assertEqual((row.kind, row.amount), ("overpayment", 60.0))
        self.assertEqual(row.xero_id, overpayment["OverpaymentID"].lower())
        self.assertEqual((order.xero_payment_status, order.xero_amount_due), ("partial", 397.70))
        mirror = order.sudo().xero_invoice_ids.xero_invoice_id
        self.assertEqual(mirror.amount_credited, 60.0)

    def test_each_status_of_an_invoice(self):
        self.connection.sudo().invoice_status = "DRAFT"
        order, document = self.invoiced_order()
        self.assertEqual(order.xero_payment_status, "draft")
        with self.sandbox.lock:
            self.books.save_document(
                "invoice", {"InvoiceID": document["InvoiceID"], "Status": "SUBMITTED"}, "Accountant"
            )
        self.read_back()
        self.assertEqual(order.xero_payment_status, "submitted")
        with self.sandbox.lock:
            self.books.save_document(
                "invoice",
                {"InvoiceID": document["InvoiceID"], "Status": "AUTHORISED"},
                "Accountant",
            )
        self.read_back()
        self.assertEqual(order.xero_payment_status, "awaiting")
        mirror = order.sudo().xero_invoice_ids.xero_invoice_id
        self.assertEqual(mirror.payment_status, "awaiting")
        # the accountant credits all of it: credited, not paid
        self.credit(document, 457.70)
        self.read_back()
        self.assertEqual((order.xero_payment_status, mirror.payment_status), ("credited",) * 2)
        self.assertEqual(mirror.status, "PAID")

    def test_a_payment_deleted_in_xero_reverses_its_effect(self):
        self.connection.sudo().share_figures = True  # the amounts are in the notes
        order, document = self.invoiced_order()
        self.pay(document, read=False)
        self.read_back()
        self.assertEqual(order.xero_payment_status, "paid")
        self.assertTrue(order.xero_paid_on)
        self.delete_payment(document)
        self.read_back()
        self.assertEqual(order.xero_payment_status, "awaiting")
        self.assertFalse(order.xero_paid_on, "no longer marked paid")
        self.assertEqual((order.xero_amount_paid, order.xero_amount_due), (0.0, 457.70))
        [payment] = order.xero_payment_ids
        self.assertTrue(payment.deleted, "kept, marked deleted")
        self.assertEqual(order.xero_payment_count, 0)
        note = order.message_ids[0]
        self.assertIn("taken back in Xero", note.body)
        self.assertIn("457.70", note.body)
        self.assertEqual(order.xero_pay_url and True, True, "the pay link is offered again")

    def test_the_payments_poll_reads_payments_changed_since_the_last_one(self):
        order, document = self.invoiced_order()
        self.poll()  # a first sweep of every collection
        [call] = self.sandbox.calls_to("/Payments", method="GET")
        # the first sweep reads the refunds alone: the invoices came whole, with payments
        self.assertNotIn("ACCRECPAYMENT", call["query"].get("where"))
        self.pay(document, 100, read=False)
        self.poll()
        call = self.sandbox.calls_to("/Payments", method="GET")[-1]
        self.assertIn('PaymentType=="ACCRECPAYMENT" OR ', call["query"].get("where"))
        cursor = self.env["xero.poll.cursor"].search(
            [
                ("connection_id", "=", self.connection.id),
                ("res_model", "=", "xero.invoice.payment"),
            ]
        )
        self.assertEqual(cursor.last_count, 1, "If-Modified-Since: the new payment alone")
        # the payment is on the order from the polls, before its invoice is read again
        self.assertEqual(order.sudo().xero_payment_ids.mapped("amount"), [100.0])
        self.poll()
        self.assertEqual(cursor.last_count, 0)

    def test_a_payment_starts_fulfilment_once_when_the_company_wants_it(self):
        seller = new_test_user(
            self.env, "xero_fulfil_seller", groups="sales_team.group_sale_salesman"
        )
        activity_type = self.env.ref("xero_connector.mail_activity_start_fulfilment")
        self.connection.sudo().payment_activity = "first"
        order, document = self.invoiced_order(user_id=seller.id)
        self.poll()  # the invoice read again, nothing paid: nothing to start yet
        self.assertFalse(order.activity_ids.filtered(lambda a: a.activity_type_id == activity_type))
        self.pay(document, 100)
        [activity] = order.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertEqual(activity.user_id, seller)
        self.assertIn("first payment", activity.summary)
        self.assertIn(f"{order.name} has a first payment in Xero", activity.note)
        self.pay(self.books.invoices[document["InvoiceID"]], 357.70)
        self.assertEqual(
            len(order.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)), 1
        )
        # paid in full only
        self.connection.sudo().payment_activity = "paid"
        other, document = self.invoiced_order(user_id=seller.id)
        self.pay(document, 100)
        self.assertFalse(other.activity_ids.filtered(lambda a: a.activity_type_id == activity_type))
        self.pay(self.books.invoices[document["InvoiceID"]], 357.70)
        [activity] = other.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertIn("paid in Xero", activity.summary)
        # none asked
        self.connection.sudo().payment_activity = "none"
        third, document = self.invoiced_order()
        self.pay(document)
        self.assertFalse(third.activity_ids.filtered(lambda a: a.activity_type_id == activity_type))

    def test_the_promised_date_becomes_xeros_expected_payment_date(self):
        order, document = self.invoiced_order()
        promised = fields.Date.context_today(order) + timedelta(days=9)
        order.xero_promised_date = promised
        self.run_until_settled()
        invoice = self.books.invoices[document["InvoiceID"]]
        self.assertEqual(str(invoice["ExpectedPaymentDate"])[:10], promised.isoformat())
        self.assertEqual(self.total(invoice), self.total(document), "nothing else changed")
        self.read_back()
        self.assertEqual(
            order.sudo().xero_invoice_ids.xero_invoice_id.expected_payment_date, promised
        )
        # part-paid: still allowed by Xero
        self.pay(invoice, 100)
        order.xero_promised_date = promised + timedelta(days=5)
        self.run_until_settled()
        invoice = self.books.invoices[document["InvoiceID"]]
        self.assertEqual(
            str(invoice["ExpectedPaymentDate"])[:10], (promised + timedelta(days=5)).isoformat()
        )
        self.assertEqual(float(invoice["AmountPaid"]), 100.0)

    def test_an_opportunity_shows_where_its_orders_invoices_stand(self):
        lead = self.env["crm.lead"].create(
            {"name": "Workshop fit-out", "type": "opportunity", "partner_id": self.customer.id}
        )
        _order, document = self.invoiced_order(opportunity_id=lead.id)
        lead.invalidate_recordset()
        self.assertEqual((lead.xero_payment_status, lead.xero_amount_due), ("awaiting", 457.70))
        self.pay(document, 57.70)
        lead.invalidate_recordset()
        self.assertEqual((lead.xero_payment_status, lead.xero_amount_due), ("partial", 400.0))

    def test_no_payment_figures_without_the_xero_user_group(self):
        order, document = self.invoiced_order()
        self.pay(document, 100)
        seller = new_test_user(self.env, "xero_no_figures", groups="sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            self.env["xero.invoice.payment"].with_user(seller).search([])
        with self.assertRaises(AccessError):
            order.with_user(seller).read(["xero_payment_ids"])
        with self.assertRaises(AccessError):
            order.with_user(seller).read(["xero_amount_paid"])
        with self.assertRaises(AccessError):
            self.customer.with_user(seller).read(["xero_payment_ids"])
        for model, kind in (
            ("sale.order", "kanban"),
            ("sale.order", "form"),
            ("crm.lead", "kanban"),
        ):
            arch = (
                self.env[model].with_user(seller).get_views([(False, kind)])["views"][kind]["arch"]
            )
            self.assertNotIn("xero_payment_status", arch, f"{model} {kind}")
            arch = self.env[model].get_views([(False, kind)])["views"][kind]["arch"]
            self.assertIn("xero_payment_status", arch, f"{model} {kind} for Xero users")


@tagged("post_install", "-at_install")
class TestViewedFromXerosHistory(PaymentCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.connection.sudo().invoice_email = "xero"  # sent, so worth asking about
        self.cron = self.env.ref("xero_connector.ir_cron_xero_read_views")

    def history_calls(self):
        return self.sandbox.calls_to("/History", method="GET")

    def test_a_customers_visit_recorded_in_xeros_history_marks_the_invoice_viewed(self):
        order, _document = self.invoiced_order()
        self.assertEqual(order.xero_payment_status, "sent")
        mirror = order.sudo().xero_invoice_ids.xero_invoice_id
        self.run_cron(self.cron)
        self.assertEqual(len(self.history_calls()), 1)
        self.assertFalse(mirror.viewed_at, "not opened yet")
        # the customer opens Xero's online invoice (not through Odoo's link)
        page = requests.get(order.sudo().xero_invoice_ids._xero_pay_link(), timeout=10)
        self.assertEqual(page.status_code, 200)
        self.sandbox.clock.advance(60)
        self.run_cron(self.cron)
        self.assertEqual(len(self.history_calls()), 2)
        self.assertEqual(mirror.viewed_source, "history")
        self.assertTrue(mirror.viewed_at)
        order.invalidate_recordset()
        self.assertEqual(order.xero_payment_status, "viewed")
        self.assertIn("viewed", order.message_ids[0].body)
        self.run_cron(self.cron)
        self.assertEqual(len(self.history_calls()), 2, "a viewed invoice is not read again")

    def test_history_reads_keep_within_their_share_of_the_day(self):
        orders = [self.invoiced_order()[0] for _index in range(3)]
        connection = self.connection.sudo()
        connection.day_limit = 480  # 5% of it is 24 calls a day: one per hourly run
        self.run_cron(self.cron)
        self.assertEqual(len(self.history_calls()), 1)
        self.run_cron(self.cron)
        self.assertEqual(len(self.history_calls()), 2, "the next run reads the next invoice")
        read = {c["path"].split("/")[-2] for c in self.history_calls()}
        self.assertEqual(len(read), 2)
        connection.view_history_share = 0
        self.run_cron(self.cron)
        self.assertEqual(len(self.history_calls()), 2, "never, when the share is 0")
        self.assertTrue(all(o.xero_payment_status == "sent" for o in orders))

    def test_unsent_or_paid_invoices_are_not_asked_about(self):
        self.connection.sudo().invoice_email = "none"
        self.invoiced_order()
        self.connection.sudo().invoice_email = "xero"
        __, document = self.invoiced_order()
        self.pay(document)
        self.run_cron(self.cron)
        self.assertFalse(self.history_calls())


@tagged("post_install", "-at_install")
class TestViewedThroughOdoosPayLink(PaymentCase, HttpCase):
    def test_the_customer_opening_the_pay_link_marks_the_invoice_viewed_once(self):
        order, _document = self.invoiced_order()
        invoice = order.sudo().xero_invoice_ids
        self.assertIn("/xero/pay/", order.xero_pay_url)
        self.assertNotEqual(order.xero_pay_url, invoice.online_url)
        self.env.flush_all()
        path = order.xero_pay_url.split("://", 1)[1].split("/", 1)[1]
        # someone of the company opening it: not the customer's view
        self.authenticate("admin", "admin")
        answer = self.url_open(f"/{path}", allow_redirects=False)
        self.env.invalidate_all()
        self.assertTrue(invoice.online_url, "read when first opened")
        self.assertEqual(answer.headers["Location"], invoice.online_url)
        self.assertFalse(invoice.xero_invoice_id.viewed_at)
        # the customer (not logged in)
        self.authenticate(None, None)
        answer = self.url_open(f"/{path}", allow_redirects=False)
        self.assertIn(answer.status_code, (302, 303))
        self.assertEqual(answer.headers["Location"], invoice.online_url)
        self.env.invalidate_all()
        mirror = invoice.xero_invoice_id
        self.assertEqual(mirror.viewed_source, "link")
        first = mirror.viewed_at
        self.assertTrue(first)
        self.assertEqual(order.xero_payment_status, "viewed")
        self.assertIn("opened the pay link", order.message_ids[0].body)
        self.url_open(f"/{path}", allow_redirects=False)
        self.env.invalidate_all()
        self.assertEqual(mirror.viewed_at, first, "the first visit counts")
        self.assertEqual(
            len(order.message_ids.filtered(lambda m: "opened the pay link" in (m.body or ""))), 1
        )
        self.assertEqual(len(self.sandbox.calls_to("/OnlineInvoice")), 1, "read once")
        # a forged or damaged token opens nothing
        self.assertEqual(self.url_open("/xero/pay/not-a-token").status_code, 404)
        self.assertEqual(self.url_open(f"/{path}x").status_code, 404)


@tagged("post_install", "-at_install")
class TestPaymentsByWebhook(PaymentCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.hooks = self.sandbox.app.webhooks
        self.connection.sudo().webhook_key = self.hooks.key

    def test_a_payment_in_xero_reaches_the_order_through_the_webhook(self):
        order, document = self.invoiced_order()
        self.env.flush_all()  # the webhook's request reads the key from the database
        with self.allow_requests(all_requests=True):  # Xero carries no test cookie
            with self.sandbox.lock:
                self.sandbox.calls.clear()
                self.hooks.configure(url=f"{self.base_url()}/xero/webhook", status="ok")
            self.pay(document, 100, read=False)
            self.assertTrue(self.hooks.flush(timeout=10))
        self.assertTrue(all(entry["ok"] for entry in self.hooks.log), self.hooks.log)
        self.run_queue()
        self.env.invalidate_all()
        self.assertEqual(order.xero_payment_status, "partial")
        self.assertEqual(order.xero_payment_ids.mapped("amount"), [100.0])
        reads = self.sandbox.calls_to("/Invoices", method="GET")
        self.assertEqual(len(reads), 1, "one call for the invoices of the event batch")
        self.assertIn(document["InvoiceID"], reads[0]["query"]["ids"])
        self.assertNotIn("summaryonly", reads[0]["query"], "read with its payments")
        self.assertIn("received in Xero", order.message_ids[0].body)


@tagged("post_install", "-at_install")
class TestPaymentFiguresOverRpc(PaymentCase, HttpCase):
    def call(self, model, fields_, ids):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/read",
            {"model": model, "method": "read", "args": [ids, fields_], "kwargs": {}},
        )

    def test_a_salesperson_without_the_xero_group_reads_no_payment_figures(self):
        seller = new_test_user(self.env, "xero_rpc_seller", groups="sales_team.group_sale_salesman")
        order, document = self.invoiced_order(user_id=seller.id)
        self.pay(document, 100)
        self.env.flush_all()
        self.authenticate("xero_rpc_seller", "xero_rpc_seller")
        for model, names, ids in (
            ("sale.order", ["xero_amount_paid"], order.ids),
            ("sale.order", ["xero_payment_ids"], order.ids),
            ("res.partner", ["xero_payment_ids"], self.customer.ids),
            ("xero.invoice.payment", ["amount"], order.sudo().xero_payment_ids.ids),
        ):
            with self.assertRaises(Exception) as failure, mute_logger("odoo.http"):
                self.call(model, names, ids)
            self.assertIn("AccessError", str(failure.exception), f"{model} {names}")
        # the order itself, without a figure
        [answer] = self.call("sale.order", ["name", "xero_paid_on"], order.ids)
        self.assertEqual((answer["name"], answer["xero_paid_on"]), (order.name, False))
