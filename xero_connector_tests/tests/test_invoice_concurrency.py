"""Invoicing with real commits: two triggers at once, two workers and Xero's faults make
no second invoice and lose no order."""

import threading
import time

import psycopg2
import pytest

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

from .common import connected_values, forget_orders, invoicing_on

COUNT = 120
PREFIX = "Concurrent invoice"
# every way a call can fail, met by the next PUTs of invoices
FAULTS = ("500", "accept_then_fail", "503", "drop", "accept_then_fail")


def environment(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


@pytest.fixture
def orders(sandbox):
    """120 confirmed orders of 12 customers, the company invoicing them in the sandbox
    (its books in the company's currency, a 15% tax mapped)."""
    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        env = environment(cr)
        connection = env.company._xero_connection().sudo()
        saved = connection.read(["mode", "sandbox_url", "client_id", "client_secret", "state"])[0]
        connection.write(connected_values(sandbox) | {"sync_contacts": False})
        connection._xero_use_organisation(connection.tenant_id, False)
    with registry.cursor() as cr:
        env = environment(cr)
        connection = env.company._xero_connection().sudo()
        rates = invoicing_on(env, connection)
        tax = env["account.tax"].create(
            {"name": f"{PREFIX} 15%", "amount": 15, "type_tax_use": "sale"}
        )
        env["xero.tax.map"]._xero_ensure(connection, [tax])[
            str(tax.id)
        ].xero_tax_rate_id = rates.filtered(lambda r: r.xero_key == "OUTPUT2")
        product = env["product.product"].create(
            {"name": f"{PREFIX} widget", "list_price": 12.35, "taxes_id": [Command.set(tax.ids)]}
        )
        partners = env["res.partner"].create([{"name": f"{PREFIX} {i:02d}"} for i in range(12)])
        made = env["sale.order"].create(
            [
                {
                    "partner_id": partners[i % len(partners)].id,
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": 1 + i % 5})
                    ],
                }
                for i in range(COUNT)
            ]
        )
        made.action_confirm()
        ids = {"orders": made.ids, "partners": partners.ids, "product": product.id, "tax": tax.id}
    yield ids
    with registry.cursor() as cr:
        env = environment(cr)
        connection = env.company._xero_connection().sudo()
        forget_orders(env, connection, ids["orders"])
        env["res.partner"].browse(ids["partners"]).unlink()
        env["product.product"].browse(ids["product"]).unlink()
        env["account.tax"].browse(ids["tax"]).unlink()
        connection.write(
            {key: value for key, value in saved.items() if key != "id"} | {"sync_contacts": False}
        )


def invoice_at_once(registry, order_ids, start, failures):
    """Create Xero invoice on every order, as a click would, retried as Odoo retries a
    request that met a concurrent change."""
    try:
        start.wait()
        for _attempt in range(5):
            try:
                with registry.cursor() as cr:
                    environment(cr)["sale.order"].browse(order_ids)._xero_make_invoices()
                return
            except psycopg2.errors.SerializationFailure:
                continue
        failures.append("never got through")
    except Exception as error:  # noqa: BLE001 - reported by the test
        failures.append(error)


def run_queue(registry, start, failures):
    try:
        start.wait()
        with registry.cursor() as cr:
            environment(cr)["xero.sync.job"]._cron_process_queue()
    except Exception as error:  # noqa: BLE001 - reported by the test
        failures.append(error)


def answer_held(registry, sandbox, count):
    """A worker sends the queued invoices; Xero saves them, then holds its answer for 3
    seconds. Returns (the worker, once Xero saved ``count`` invoices: those invoices)."""
    books = sandbox.tenant(0).books
    seeded = set(books.invoices)
    sandbox.faults.add("slow", method="PUT", path="/Invoices$", delay=3)
    worker = threading.Thread(target=run_queue, args=(registry, threading.Barrier(1), []))
    worker.start()
    deadline = time.monotonic() + 60
    while len(books.invoices) - len(seeded) < count:
        assert time.monotonic() < deadline, "the batch never reached Xero"
        time.sleep(0.05)
    with sandbox.lock:
        return worker, [i for key, i in books.invoices.items() if key not in seeded]


def settle(registry, sandbox):
    """The queue runs until nothing is left; what it waits for (the minute's calls, a
    retry's delay) is over at once."""
    for _round in range(30):
        with registry.cursor() as cr:
            environment(cr)["xero.sync.job"]._cron_process_queue()
        with registry.cursor() as cr:
            if not environment(cr)["xero.sync.job"].search_count(
                [("state", "in", ("pending", "processing"))]
            ):
                return
            cr.execute("UPDATE xero_connection_budget SET wait_until = NULL, recent_calls = NULL")
            cr.execute(
                "UPDATE xero_sync_job SET next_attempt_at = now() at time zone 'utc'"
                " WHERE state = 'pending'"
            )
        sandbox.clock.advance(61)


def both(target, *args):
    start, failures = threading.Barrier(2), []
    threads = [threading.Thread(target=target, args=(*args, start, failures)) for _i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not failures, failures


def test_two_clicks_two_workers_and_faults_make_each_invoice_once(sandbox, orders):
    registry = Registry(get_db_name())
    both(invoice_at_once, registry, orders["orders"])
    with registry.cursor() as cr:
        invoices = environment(cr)["xero.order.invoice"].search(
            [("order_id", "in", orders["orders"])]
        )
        assert len(invoices) == COUNT, "one invoice per order, whoever clicked first"
        assert sorted(invoices.order_id.ids) == sorted(orders["orders"])

    for kind in FAULTS:
        sandbox.faults.add(kind, method="PUT", path="/Invoices$", delay=2)
    with registry.cursor() as cr:
        environment(cr)["ir.config_parameter"].set_param("xero_connector.timeout", "1")
    for _round in range(30):
        both(run_queue, registry)
        with registry.cursor() as cr:
            env = environment(cr)
            left = env["xero.sync.job"].search_count([("state", "in", ("pending", "processing"))])
            if not left:
                break
            cr.execute(
                "UPDATE xero_sync_job SET next_attempt_at = now() at time zone 'utc'"
                " WHERE state = 'pending'"
            )
            cr.execute("UPDATE xero_connection_budget SET wait_until = NULL, recent_calls = NULL")
        sandbox.clock.advance(61)
    assert not sandbox.faults.pending(), "every fault was met"

    books = sandbox.tenant(0).books
    with registry.cursor() as cr:
        env = environment(cr)
        env["ir.config_parameter"].set_param("xero_connector.timeout", False)
        made = env["sale.order"].browse(orders["orders"])
        references = [i.get("Reference") for i in books.invoices.values() if i["Type"] == "ACCREC"]
        for order in made:
            assert references.count(order.name) == 1, f"{order.name} in Xero exactly once"
            invoice = order.xero_invoice_ids
            assert invoice.xero_invoice_id, f"{order.name} lost"
            assert round(invoice.xero_invoice_id.total, 2) == round(order.amount_total, 2)
            assert order.invoice_status == "invoiced"
        jobs = env["xero.sync.job"].search([("res_model", "=", "xero.order.invoice")])
        assert set(jobs.mapped("state")) <= {"done", "cancelled"}, jobs.mapped("failure_reason")
        contacts = [c["Name"] for c in books.contacts.values() if c["Name"].startswith(PREFIX)]
        assert len(contacts) == len(set(contacts)) == 12


def test_a_concurrent_change_while_xero_answers_loses_nothing_and_doubles_nothing(sandbox, orders):
    """A worker records Xero's answer for a batch of invoices while another transaction
    has just changed the same order lines (a webhook's read of the same invoices, a
    user): its transaction cannot be committed, and the batch is sent again at once."""
    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        environment(cr)["sale.order"].browse(orders["orders"])._xero_make_invoices()
    books = sandbox.tenant(0).books
    worker, _saved = answer_held(registry, sandbox, 1)
    with registry.cursor() as cr:
        cr.execute(
            "UPDATE sale_order_line SET write_date = now() at time zone 'utc'"
            " WHERE order_id = ANY(%s)",
            (orders["orders"],),
        )
    worker.join(120)
    assert not worker.is_alive()
    settle(registry, sandbox)
    references = [i.get("Reference") for i in books.invoices.values() if i["Type"] == "ACCREC"]
    with registry.cursor() as cr:
        env = environment(cr)
        for order in env["sale.order"].browse(orders["orders"]):
            assert references.count(order.name) == 1, f"{order.name} in Xero exactly once"
            assert order.xero_invoice_ids.xero_invoice_id, f"{order.name} lost"
            assert order.invoice_status == "invoiced"
        retried = env["xero.sync.job"].search(
            [("failure_reason", "like", "Another worker changed the same records")]
        )
        assert not retried.filtered(lambda j: j.state != "done")


def test_paid_the_second_they_appear_while_the_answer_is_recorded(sandbox, orders):
    """The customers pay each invoice the moment Xero has it, and Xero's webhook read of
    it runs (and commits) while the worker still waits for the answer of the batch: the
    answer is recorded as it came, the read's payments stay, nothing is edited or sent
    twice, and every order ends paid."""
    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        environment(cr)["sale.order"].browse(orders["orders"])._xero_make_invoices()
    books = sandbox.tenant(0).books
    worker, made = answer_held(registry, sandbox, 50)
    with sandbox.lock:
        for invoice in made:
            books.create_payment(
                {
                    "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Date": books.today().isoformat(),
                    "Amount": invoice["Total"],
                },
                "Customer",
            )
    # Xero's webhook: its read of the invoices runs on another worker, and commits first
    with registry.cursor() as cr:
        env = environment(cr)
        connection = env.company._xero_connection().sudo()
        env["xero.invoice"]._xero_apply_inbound(
            connection,
            connection._xero_call_json("get_invoices", i_ds=[i["InvoiceID"] for i in made])[
                "Invoices"
            ],
        )
    worker.join(120)
    assert not worker.is_alive()
    settle(registry, sandbox)
    references = [i.get("Reference") for i in books.invoices.values() if i["Type"] == "ACCREC"]
    refused = [
        c for c in sandbox.calls if c["path"].endswith("/Invoices") and c["method"] == "POST"
    ]
    assert not refused, "no invoice edited after its payment"
    paid = {i["InvoiceID"].lower() for i in made}
    with registry.cursor() as cr:
        env = environment(cr)
        jobs = env["xero.sync.job"].search(
            [("res_model", "=", "xero.order.invoice"), ("kind", "=", "sale_invoice.push")]
        )
        assert set(jobs.mapped("state")) == {"done"}, jobs.mapped("failure_reason")
        assert not jobs.filtered("attempts"), "recorded the first time: no conflict to retry"
        for order in env["sale.order"].browse(orders["orders"]):
            assert references.count(order.name) == 1, f"{order.name} in Xero exactly once"
            invoice = order.xero_invoice_ids
            assert invoice.xero_invoice_id, f"{order.name}: its invoice and Xero's agree"
            if invoice.xero_invoice_id.xero_id in paid:
                assert invoice.status == "PAID", order.name
                assert order.xero_payment_status == "paid", order.name
