"""An invoice Xero generated for a subscription, read at the same moment by the
webhook's job and by the poll, with real commits: it becomes an invoice of its order
once."""

import threading

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.fields import Command

from .common import committed_connection, forget_orders

TEMPLATE_ID = "0f6b2c1e-5d3a-4c7e-9a8b-7e1d2c3b4a59"
INVOICE_ID = "6a1f0b3c-2d4e-4f5a-8b6c-9d0e1f2a3b4c"
GENERATED = {
    "InvoiceID": INVOICE_ID,
    "InvoiceNumber": "INV-9001",
    "Type": "ACCREC",
    "Status": "AUTHORISED",
    "RepeatingInvoiceID": TEMPLATE_ID,
    "Date": "2026-12-06T00:00:00",
    "DueDate": "2026-12-20T00:00:00",
    "CurrencyCode": "USD",
    "SubTotal": 100.0,
    "Total": 100.0,
    "AmountDue": 100.0,
    "AmountPaid": 0.0,
    "AmountCredited": 0.0,
    "Payments": [],
}


def environment(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


def subscribed_order(env, connection):
    """A confirmed recurring order whose subscription's template Xero holds as
    TEMPLATE_ID (made without calling Xero)."""
    connection.sync_invoices = True
    partner = env["res.partner"].create({"name": "Concurrent subscriber"})
    product = env["product.product"].create(
        {"name": "Concurrent plan", "list_price": 100.0, "taxes_id": [Command.clear()]}
    )
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [Command.create({"product_id": product.id, "xero_recurring": True})],
        }
    )
    order.with_context(xero_inbound=True).action_confirm()
    template = order.xero_subscription_id.template_id
    env["xero.sync.job"].search([("res_model", "=", template._name)]).unlink()
    template._xero_link_write(connection, {template.id: {"xero_id": TEMPLATE_ID}})
    return order


def apply(registry, connection_id, started=None, done=None):
    """Read the generated invoice (as a webhook's job or the poll does) and commit;
    returns the error that stopped it, if any."""
    try:
        with registry.cursor() as cr:
            env = environment(cr)
            connection = env["xero.connection"].browse(connection_id)
            env["xero.invoice"]._xero_apply_inbound(connection, [dict(GENERATED)])
            if started:
                started.set()
                done.wait(10)
    except psycopg2.errors.SerializationFailure as error:
        return error
    return None


def test_a_generated_invoice_read_twice_at_once_is_linked_once(sandbox):
    with committed_connection(sandbox) as registry:
        with registry.cursor() as cr:
            env = environment(cr)
            connection = env.company._xero_connection().sudo()
            order = subscribed_order(env, connection)
            order_id, connection_id = order.id, connection.id
            partner, product = order.partner_id, order.order_line.product_id
        try:
            # the webhook's job links the invoice; before it commits, the poll reads it too
            started, done, outcome = threading.Event(), threading.Event(), {}
            first = threading.Thread(
                target=lambda: outcome.update(first=apply(registry, connection_id, started, done))
            )
            first.start()
            assert started.wait(10)
            second = threading.Thread(
                target=lambda: outcome.update(second=apply(registry, connection_id))
            )
            second.start()
            second.join(1)
            assert second.is_alive(), "the poll waits for the webhook's transaction"
            done.set()
            first.join(10)
            second.join(10)
            assert outcome["first"] is None
            assert isinstance(outcome["second"], psycopg2.errors.SerializationFailure)
            # the poll's transaction is retried (as Odoo retries a serialization failure)
            assert apply(registry, connection_id) is None
            with registry.cursor() as cr:
                invoices = environment(cr)["xero.order.invoice"].search(
                    [("order_id", "=", order_id)]
                )
                assert invoices.mapped("number") == ["INV-9001"], "one invoice of the order"
                assert invoices.subscription_id.invoice_count == 1
        finally:
            with registry.cursor() as cr:
                env = environment(cr)
                connection = env["xero.connection"].browse(connection_id)
                forget_orders(env, connection, [order_id])
                # the customer and the plan leave nothing behind for later tests
                env["res.partner"].browse(partner.id).unlink()
                env["product.product"].browse(product.id).product_tmpl_id.unlink()
