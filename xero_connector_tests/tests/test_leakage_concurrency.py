"""The daily leakage check and a manager's Check now at the same moment, with real
commits: the case is recorded once and its salesperson gets one activity."""

import threading
from datetime import timedelta

from odoo import fields
from odoo.fields import Command

from .common import committed_connection, forget_orders
from .test_subscription_concurrency import environment


def late_order(env, connection):
    """An order confirmed ten days ago and never invoiced in Xero."""
    connection.write({"sync_invoices": True, "leakage_days": 7})
    partner = env["res.partner"].create({"name": "Concurrent leak"})
    product = env["product.product"].create(
        {"name": "Concurrent service", "list_price": 100.0, "taxes_id": [Command.clear()]}
    )
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "user_id": env.ref("base.user_admin").id,
            "order_line": [Command.create({"product_id": product.id})],
        }
    )
    order.with_context(xero_inbound=True).action_confirm()
    order.date_order = fields.Datetime.now() - timedelta(days=10)
    return order


def check(registry, connection_id, order_id, started=None, done=None):
    """Run the check and commit; returns the ids of the order's open cases, or None when
    it stood aside for a check already running."""
    with registry.cursor() as cr:
        env = environment(cr)
        connection = env["xero.connection"].browse(connection_id)
        found = env["xero.leakage.case"]._xero_check(connection)
        if started:
            started.set()
            done.wait(10)
        return None if found is None else found.filtered(lambda c: c.order_id.id == order_id).ids


def test_two_checks_at_once_record_one_case_and_one_activity(sandbox):
    with committed_connection(sandbox) as registry:
        with registry.cursor() as cr:
            env = environment(cr)
            connection = env.company._xero_connection().sudo()
            order = late_order(env, connection)
            order_id, connection_id = order.id, connection.id
            partner, product = order.partner_id, order.order_line.product_id
        try:
            # the cron's check found the case; before it commits, a manager checks too
            started, done, outcome = threading.Event(), threading.Event(), {}
            first = threading.Thread(
                target=lambda: outcome.update(
                    first=check(registry, connection_id, order_id, started, done)
                )
            )
            first.start()
            assert started.wait(10)
            outcome["second"] = check(registry, connection_id, order_id)
            done.set()
            first.join(10)
            assert len(outcome["first"]) == 1
            assert outcome["second"] is None, "the second check stands aside"
            # checked again once both committed: the same case, still one activity
            assert check(registry, connection_id, order_id) == outcome["first"]
            with registry.cursor() as cr:
                env = environment(cr)
                cases = env["xero.leakage.case"].search([("order_id", "=", order_id)])
                assert len(cases) == 1
                kind = env.ref("xero_connector.mail_activity_type_xero_leakage")
                activities = env["mail.activity"].search(
                    [
                        ("res_model", "=", "sale.order"),
                        ("res_id", "=", order_id),
                        ("activity_type_id", "=", kind.id),
                    ]
                )
                assert len(activities) == 1
                assert cases.activity_id == activities
        finally:
            with registry.cursor() as cr:
                env = environment(cr)
                connection = env["xero.connection"].browse(connection_id)
                env["xero.leakage.case"].search([]).unlink()
                forget_orders(env, connection, [order_id])
                # the customer and the service leave nothing behind for later tests
                env["res.partner"].browse(partner.id).unlink()
                env["product.product"].browse(product.id).product_tmpl_id.unlink()
