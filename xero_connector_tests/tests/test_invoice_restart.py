"""A worker invoicing orders and Xero itself stopped hard mid-batch, then started again:
every order ends with exactly one invoice in Xero.

Real processes and real commits, as in ``test_sync_restart``: the sandbox runs with its
state file, a queue worker runs as another Odoo process, and both are killed while
Xero holds the answer to a batch of invoices it has already saved.
"""

import signal
import subprocess
import sys
import time

import pytest

from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from .common import forget_orders, invoicing_on
from .test_sync_restart import (
    ROOT,
    WORKER,
    admin,
    environment,
    sandbox_process,
    settle_after_the_crash,
    start_sandbox,
)

COUNT = 120
PREFIX = "Restart invoice"


def invoices_of(port, tenant_id, names):
    found = admin(port, "GET", f"tenants/{tenant_id}/invoices")
    found = found.get("invoices", found) if isinstance(found, dict) else found
    return [i for i in found if (i.get("Reference") or "") in names]


@pytest.fixture
def stack(tmp_path):
    """The sandbox process; the company invoicing 120 confirmed orders of a customer
    already in Xero, their invoices waiting in the queue."""
    with sandbox_process(tmp_path) as state:
        registry = Registry(get_db_name())
        with registry.cursor() as cr:
            env = environment(cr)
            connection = env.company._xero_connection().sudo()
            invoicing_on(env, connection)
            product = env["product.product"].create({"name": f"{PREFIX} part", "list_price": 9.99})
            partner = env["res.partner"].create({"name": f"{PREFIX} customer", "customer_rank": 1})
            partner._xero_enqueue_push(connection)
            env["xero.sync.job"]._cron_process_queue()
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [Command.create({"product_id": product.id, "tax_ids": []})],
                    }
                    for _i in range(COUNT)
                ]
            )
            orders.action_confirm()
            orders._xero_make_invoices()
            ids = {"orders": orders.ids, "names": orders.mapped("name"), "partner": partner.id}
            ids |= {"product": product.id, "tenant": connection.tenant_id}
        yield ids, state
        with registry.cursor() as cr:
            env = environment(cr)
            forget_orders(env, env.company._xero_connection().sudo(), ids["orders"])
            env["res.partner"].browse(ids["partner"]).unlink()
            env["product.product"].browse(ids["product"]).unlink()


def test_a_worker_and_xero_stopped_mid_batch_leave_every_order_invoiced_once(stack):
    ids, state = stack
    port, tenant, names = state["port"], ids["tenant"], set(ids["names"])
    # Xero saves the first batch of invoices, then holds its answer
    admin(
        port, "POST", "faults", {"kind": "slow", "method": "PUT", "path": "/Invoices", "delay": 120}
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, config["config"], get_db_name()], cwd=ROOT
    )
    deadline = time.monotonic() + 120
    while len(invoices_of(port, tenant, names)) < 50:
        assert time.monotonic() < deadline, "the first batch never reached Xero"
        assert worker.poll() is None, "the worker stopped on its own"
        time.sleep(0.2)
    # both stopped hard: the worker never hears Xero's answer
    worker.send_signal(signal.SIGKILL)
    state["process"].send_signal(signal.SIGKILL)
    worker.wait(10)
    state["process"].wait(10)
    state["process"], _described = start_sandbox(port, state["file"])
    assert len(invoices_of(port, tenant, names)) == 50, "Xero kept what it had saved"

    registry = Registry(get_db_name())
    settle_after_the_crash(registry)

    references = [i["Reference"] for i in invoices_of(port, tenant, names)]
    assert sorted(references) == sorted(names), "each order invoiced in Xero exactly once"
    with registry.cursor() as cr:
        env = environment(cr)
        for order in env["sale.order"].browse(ids["orders"]):
            assert order.xero_invoice_ids.xero_invoice_id, f"{order.name} lost"
            assert order.invoice_status == "invoiced"
