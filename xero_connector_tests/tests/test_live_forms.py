"""Forms that follow the sync: the queue tells the forms open on its records, and they
show the new state without a reload."""

import json
import threading
import time
from unittest.mock import MagicMock, patch

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from .common import XeroSyncCase
from .test_invoices import InvoiceCase

LIVE_TYPE = "xero_connector/sync_state"


class LiveMessagesMixin:
    def live_channel(self, company):
        return json_dump(channel_with_db(self.env.cr.dbname, (company, "xero_sync_state")))

    def live_messages(self, company, after=0):
        """The records named by each sync-state message sent to ``company``'s Xero users."""
        rows = (
            self.env["bus.bus"]
            .sudo()
            .search([("channel", "=", self.live_channel(company)), ("id", ">", after)], order="id")
        )
        messages = [json.loads(row.message) for row in rows]
        return [
            {tuple(pair) for pair in message["payload"]["records"]}
            for message in messages
            if message["type"] == LIVE_TYPE
        ]

    def last_bus_id(self):
        return self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id or 0


@tagged("post_install", "-at_install")
class TestLivePayments(LiveMessagesMixin, InvoiceCase, TransactionCase):
    def test_a_payment_read_from_xero_is_told_to_the_order_form(self):
        self.run_until_settled()
        order = self.order([(self.drill, 1)])
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        before = self.last_bus_id()
        self.pay(document)  # read by the poll
        self.assertEqual(order.xero_payment_status, "paid")
        named = set().union(*self.live_messages(self.env.company, after=before))
        self.assertIn(("sale.order", order.id), named)


@tagged("post_install", "-at_install")
class TestLiveFormMessages(LiveMessagesMixin, XeroSyncCase, TransactionCase):
    """The bus messages the queue sends: one per transaction and company."""

    def test_one_batch_sends_one_message_naming_its_records(self):
        good = self.customers(4, prefix="Live Batch")
        bad = self.customers(1, prefix="Live Batch Bad", email="live-batch-without-at")
        before = self.last_bus_id()
        self.run_queue()
        self.assertEqual(self.link_of(good[0]).state, "synced")
        self.assertEqual(self.link_of(bad).state, "error")
        messages = self.live_messages(self.env.company, after=before)
        named = [pair for message in messages for pair in message]
        # every record is named, in a message of the transaction that changed it
        self.assertEqual(set(named), {("res.partner", p.id) for p in good | bad})
        self.assertEqual(len(named), len(set(named)), "a record named twice")
        # the batch's outcome, committed at once, is one message for the whole batch
        sent = [m for m in messages if ("res.partner", good[0].id) in m]
        self.assertEqual(sent, [{("res.partner", p.id) for p in good}])

    def test_one_message_per_company_and_transaction(self):
        other = self.env["res.company"].create({"name": "Live Other Company"})
        partners = self.customers(3, prefix="Live Company")
        connections = self.connection | other._xero_connection()
        before = self.last_bus_id()
        for connection in connections:
            partners._xero_link_write(
                connection, {p.id: {"state": "error", "last_error": "No."} for p in partners}
            )
        self.assertEqual(self.live_messages(self.env.company, after=before), [])
        self.env.cr.flush()  # what a commit runs first: the pre-commit hooks
        expected = [{("res.partner", p.id) for p in partners}]
        self.assertEqual(self.live_messages(self.env.company, after=before), expected)
        self.assertEqual(self.live_messages(other, after=before), expected)
        # the same values again change nothing a form shows: no message
        before = self.last_bus_id()
        partners._xero_link_write(
            self.connection, {p.id: {"state": "error", "last_error": "No."} for p in partners}
        )
        self.env.cr.flush()
        self.assertEqual(self.live_messages(self.env.company, after=before), [])

    def test_a_change_from_xero_is_told_once_for_the_page(self):
        partners = self.customers(3, prefix="Live Inbound")
        self.run_queue()
        for partner in partners:
            self.accountant_edits(
                self.link_of(partner).xero_id,
                Phones=[{"PhoneType": "DEFAULT", "PhoneNumber": "09 555"}],
            )
        before = self.last_bus_id()
        self.run_cron(self.poll_cron)
        self.run_queue()
        messages = self.live_messages(self.env.company, after=before)
        self.assertEqual(partners.mapped("phone"), ["09 555"] * 3)
        told = [m for m in messages if ("res.partner", partners[0].id) in m]
        self.assertEqual(told, [{("res.partner", p.id) for p in partners}])

    def test_an_invoice_problem_is_told_to_its_order(self):
        partner = self.customers(1, prefix="Live Order")
        order = self.env["sale.order"].create({"partner_id": partner.id})
        invoice = self.env["xero.order.invoice"].create(
            {
                "order_id": order.id,
                "connection_id": self.connection.id,
                "partner_id": partner.id,
                "currency_id": order.currency_id.id,
                "date": order.date_order.date(),
            }
        )
        before = self.last_bus_id()
        invoice._xero_link_write(self.connection, {invoice.id: {"state": "error"}})
        self.env.cr.flush()
        expected = {("xero.order.invoice", invoice.id), ("sale.order", order.id)}
        self.assertEqual(self.live_messages(self.env.company, after=before), [expected])

    def test_the_internal_users_of_the_company_listen(self):
        """Salespeople without the Xero group listen too (the messages carry no figure):
        their order form shows its pay link and "Paid in Xero" without a reload."""
        websocket = self.env["ir.websocket"]
        xero_user = new_test_user(
            self.env, "live_xero_user", groups="base.group_user,xero_connector.group_xero_user"
        )
        seller = new_test_user(self.env, "live_seller", groups="base.group_user")
        portal = new_test_user(self.env, "live_portal", groups="base.group_portal")
        channel = (self.env.company, "xero_sync_state")
        asked = ["xero_connector.sync_state"]
        for user in (xero_user, seller):
            listens = websocket.with_user(user)._build_bus_channel_list
            self.assertIn(channel, _without_request(listens, asked))
        channels = _without_request(websocket.with_user(portal)._build_bus_channel_list, asked)
        self.assertNotIn(channel, channels)
        self.assertNotIn("xero_connector.sync_state", channels)


def _without_request(build, channels):
    """The channels ``build`` gives to a websocket of the user (as Odoo's own test of
    ``_build_bus_channel_list`` does, with a stand-in for the websocket's request)."""
    wsrequest = MagicMock()
    with patch("odoo.addons.bus.models.ir_websocket.wsrequest", new=wsrequest):
        # the user's own records (partner, groups) left out: only the named channels
        return [c for c in build(list(channels)) if isinstance(c, (str, tuple))]


@tagged("post_install", "-at_install")
class TestLiveOrderBanner(LiveMessagesMixin, InvoiceCase, TransactionCase):
    """The order's banner says the next step: the problem and Resync, then, once Resync
    queued the invoice, that it is being sent; the order's form is told of each step."""

    def test_the_order_says_sending_while_its_invoice_is_queued_again(self):
        tax = self.sale_tax("Export 0%", 0)
        order = self.order([(self.drill, 1, 199.0, 0.0, tax)])
        order.action_xero_invoice()
        before = self.last_bus_id()
        self.run_until_settled()
        self.assertIn("Export 0%", order.xero_invoice_problem)
        self.assertFalse(order.xero_invoice_sending)
        told = [m for m in self.live_messages(self.env.company, after=before) if m]
        self.assertTrue(any(("sale.order", order.id) in m for m in told), told)
        self.maps._xero_ensure(self.connection, [tax])[str(tax.id)].write(
            {"xero_tax_rate_id": self.rate("ZERORATED").id}
        )
        order.action_xero_resync_invoices()
        self.env.invalidate_all()  # what the next request reads afresh
        self.assertTrue(order.xero_invoice_sending)
        self.assertFalse(order.xero_invoice_problem, "the old problem is not the next step")
        before = self.last_bus_id()
        self.run_until_settled()
        self.assertFalse(order.xero_invoice_sending)
        self.assertFalse(order.xero_invoice_problem)
        told = self.live_messages(self.env.company, after=before)
        self.assertTrue(any(("sale.order", order.id) in m for m in told), told)


@tagged("post_install", "-at_install")
class TestLivePaymentTour(InvoiceCase, HttpCase):
    """The order's form open while Xero approves its invoice and the customer pays:
    the pay link, Part-paid and Paid in Xero show without a reload."""

    def test_the_pay_link_and_payments_show_without_a_reload(self):
        self.connection.sudo().invoice_trigger = "confirm"
        order = self.order([(self.drill, 1)])  # its invoice queued, not sent yet
        self.env["ir.config_parameter"].sudo().set_param(
            "xero_connector_tests.live_payment",
            json.dumps(
                {
                    "admin": f"{self.sandbox.base_url}/admin",
                    "tenant": self.connection.tenant_id,
                    "order": order.id,
                }
            ),
        )
        self.start_tour(
            f"/odoo/sales/{order.id}", "xero_connector_tests.live_form_payments", login="admin"
        )
        [document] = self.invoiced(order)
        self.assertEqual(self.books.invoices[document["InvoiceID"]]["Status"], "PAID")
        self.assertTrue(order.xero_paid_on)

    def test_a_salesperson_without_the_xero_group_sees_it_paid_without_a_reload(self):
        seller = new_test_user(
            self.env, "live_plain_seller", groups="sales_team.group_sale_salesman"
        )
        order = self.order([(self.drill, 1)], user_id=seller.id)
        order.action_xero_invoice()
        self.run_until_settled()
        [document] = self.invoiced(order)
        # the customer pays once the salesperson's form is open (the tour opens the pay
        # link then): Odoo's poll reads it in the background, as the scheduler would
        payer = threading.Thread(target=self.paid_in_the_background, args=(document,))
        payer.start()
        try:
            self.start_tour(
                f"/odoo/sales/{order.id}",
                "xero_connector_tests.live_form_paid_for_a_salesperson",
                login="live_plain_seller",
            )
        finally:
            payer.join()
        self.assertTrue(order.xero_paid_on)

    def paid_in_the_background(self, document):
        # once the salesperson opened the pay link (Odoo reads it from Xero then)
        for _wait in range(240):
            if self.sandbox.calls_to("/OnlineInvoice"):
                break
            time.sleep(0.25)
        with self.sandbox.lock:
            self.books.create_payment(
                {
                    "Invoice": {"InvoiceID": document["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Date": self.books.today().isoformat(),
                    "Amount": document["Total"],
                },
                "Accountant",
            )
        self.sandbox.clock.advance(2)
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            env.ref("xero_connector.ir_cron_xero_poll").method_direct_trigger()
            env.ref("xero_connector.ir_cron_xero_process_queue").method_direct_trigger()


@tagged("post_install", "-at_install")
class TestLiveFormTours(XeroSyncCase, HttpCase):
    """A Xero user's open form follows the queue, in headless Chromium: the queue's cron
    runs (through RPC, as the scheduler would) while the tour waits on the form."""

    def test_the_error_and_its_fix_show_without_a_reload(self):
        partner = self.customers(1, prefix="Live Form")
        self.run_queue()
        self.assertEqual(self.link_of(partner).state, "synced")
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "xero_connector_tests.live_form_error_and_fix",
            login="admin",
        )
        self.assertEqual(self.link_of(partner).state, "synced")
        [contact] = self.contacts_named(partner.name)
        self.assertEqual(contact["EmailAddress"], "live.fixed@example.com")

    def test_a_new_customer_turns_synced_without_a_reload(self):
        self.start_tour(
            "/odoo/customers/new",
            "xero_connector_tests.live_form_new_customer_synced",
            login="admin",
        )
        partner = self.env["res.partner"].search([("name", "=", "Live New Customer")])
        self.assertEqual(self.link_of(partner).state, "synced")
        self.assertEqual(len(self.contacts_named("Live New Customer")), 1)
