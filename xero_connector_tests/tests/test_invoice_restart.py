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
from datetime import timedelta

import pytest

from odoo import fields
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from .common import forget_xero_data
from .test_sync_restart import ROOT, WORKER, admin, environment, free_port, start_sandbox

COUNT = 120
PREFIX = "Restart invoice"


def invoices_of(port, tenant_id, names):
    found = admin(port, "GET", f"tenants/{tenant_id}/invoices")
    found = found.get("invoices", found) if isinstance(found, dict) else found
    return [i for i in found if (i.get("Reference") or "") in names]


@pytest.fixture
def stack(tmp_path):
    """A sandbox process with a state file; the company invoicing 120 confirmed orders of
    a customer already in Xero, their invoices waiting in the queue."""
    port = free_port()
    state_file = tmp_path / "sandbox.state"
    sandbox, _described = start_sandbox(port, state_file)
    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        env = environment(cr)
        connection = env.company._xero_connection().sudo()
        saved = connection.read(["mode", "sandbox_url", "client_id", "client_secret", "state"])[0]
        connection.write({"sandbox_url": f"http://127.0.0.1:{port}", "mode": "sandbox"})
        connection.action_xero_use_sandbox()
        connection.sync_contacts = True
    with registry.cursor() as cr:
        env = environment(cr)
        connection = env.company._xero_connection().sudo()
        where = [("connection_id", "=", connection.id)]
        accounts = env["xero.account"].search([*where, ("status", "=", "ACTIVE")])
        rates = env["xero.tax.rate"].search(where)
        connection.write(
            {
                "sync_invoices": True,
                "sales_account_id": accounts.filtered(lambda a: a.code == "200")[:1].id,
                "rounding_account_id": accounts.filtered(lambda a: a.code == "860")[:1].id,
                "no_tax_rate_id": rates.filtered(lambda r: r.xero_key == "NONE")[:1].id,
            }
        )
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
    state = {"port": port, "file": state_file, "process": sandbox}
    yield ids, state
    state["process"].kill()
    state["process"].wait(10)
    with registry.cursor() as cr:
        env = environment(cr)
        connection = env.company._xero_connection().sudo()
        connection.sync_invoices = False
        orders = env["sale.order"].browse(ids["orders"])
        env["xero.order.invoice"].search([("order_id", "in", orders.ids)]).unlink()
        env["xero.invoice"].search([("connection_id", "=", connection.id)]).unlink()
        orders._action_cancel()
        orders.unlink()
        forget_xero_data(env)
        env["res.partner"].browse(ids["partner"]).unlink()
        env["product.product"].browse(ids["product"]).unlink()
        connection.write(
            {key: value for key, value in saved.items() if key != "id"}
            | {"sync_contacts": False, "tenant_id": False, "tenant_name": False}
            | {"sales_account_id": False, "rounding_account_id": False, "no_tax_rate_id": False}
        )


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
    with registry.cursor() as cr:
        cr.execute(
            "UPDATE xero_sync_job SET started_at = %s WHERE state = 'processing'",
            (fields.Datetime.now() - timedelta(hours=1),),
        )
    for _run in range(10):
        with registry.cursor() as cr:
            env = environment(cr)
            env["xero.sync.job"]._cron_process_queue()
            if not env["xero.sync.job"].search_count([("state", "in", ("pending", "processing"))]):
                break
            cr.execute("UPDATE xero_sync_job SET next_attempt_at = now() at time zone 'utc'")

    references = [i["Reference"] for i in invoices_of(port, tenant, names)]
    assert sorted(references) == sorted(names), "each order invoiced in Xero exactly once"
    with registry.cursor() as cr:
        env = environment(cr)
        for order in env["sale.order"].browse(ids["orders"]):
            assert order.xero_invoice_ids.xero_invoice_id, f"{order.name} lost"
            assert order.invoice_status == "invoiced"
