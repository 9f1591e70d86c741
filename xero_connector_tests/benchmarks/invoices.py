"""What invoicing confirmed orders in Xero costs, and how soon the invoice is there.

    setup/benchmark invoices [--orders N] [--latency M]

In one run, against the Xero sandbox (whose books are in the company's currency),
with real commits:

* N confirmed orders (three lines each, a mapped 15% tax) of 50 customers already
  linked to Xero contacts, invoiced with Create Xero invoice and sent by one run of
  the queue: PUT /Invoices calls (target ≤ 1.05 x ⌈N/50⌉: 50 invoices a call), every
  call the run made by operation (target ≤ 2 x ⌈N/50⌉ + 2), the pay links read when
  every customer then opens theirs (one GET per invoice opened, kept after), and
  the Odoo time per invoiced order (making the invoices, then the queue's time less
  the time spent waiting for Xero's answers) against Odoo's own invoicing of the same
  orders (``_create_invoices()`` then posting, rolled back; target ≤ 0.5x);
* latency with an idle queue: M orders confirmed one after the other by a company
  that invoices on confirmation, with a real Odoo server running the queue's cron
  (woken by the confirmation's commit, as in production): seconds from the commit to
  the invoice being in Xero, median and 95th percentile (target p95 < 5 s).
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import math
import statistics
import time

from odoo import SUPERUSER_ID, api
from odoo.fields import Command

from ..tests.common import connected_values, forget_xero_data, invoicing_on
from ._support import (
    last_log,
    odoo_benchmark,
    odoo_server,
    percentile,
    taxed_products,
    timed_queue_run,
    waited,
)

NEEDS_ODOO = True
PREFIX = "BenchInvoice"
BOOKS_CURRENCY = "USD"
CUSTOMERS = 50


class InvoiceBench:
    def __init__(self, registry, sandbox, count):
        self.registry = registry
        self.sandbox = sandbox
        self.count = count
        self.books = sandbox.tenant(0).books
        self.ids = {}

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def calls_to(self, suffix, method):
        return len(
            [c for c in self.sandbox.calls if c["path"].endswith(suffix) and c["method"] == method]
        )

    # ------------------------------------------------------------------ set-up

    def setup(self):
        """The company connected, its customers and products made, the tax mapped,
        customers pushed; invoicing on, manual."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            tax, products = taxed_products(env, PREFIX)
            partners = env["res.partner"].create(
                [{"name": f"{PREFIX} customer {index:03d}"} for index in range(CUSTOMERS)]
            )
            connection = env.company._xero_connection().sudo()
            connection.write(
                connected_values(self.sandbox, 7200)
                | {"sync_contacts": False, "minute_limit": 10**6, "day_limit": 10**9}
            )
            self.ids = {"tax": tax.id, "products": products.ids, "partners": partners.ids}
            self.ids["connection"] = connection.id
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env["xero.connection"].browse(self.ids["connection"])
            connection._xero_use_organisation(connection.tenant_id, False)
            if connection.base_currency_id != connection.company_id.currency_id:
                raise SystemExit(
                    f"The company's currency is {connection.company_id.currency_id.name}, the "
                    f"sandbox's books are in {BOOKS_CURRENCY}: totals would not compare."
                )
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env["xero.connection"].browse(self.ids["connection"])
            rates = invoicing_on(env, connection)
            connection.sync_invoices = False  # on when the orders are made
            tax = env["account.tax"].browse(self.ids["tax"])
            env["xero.tax.map"]._xero_ensure(connection, [tax])[str(tax.id)].write(
                {"xero_tax_rate_id": rates.filtered(lambda r: r.xero_key == "OUTPUT2").id}
            )
            partners = env["res.partner"].browse(self.ids["partners"])
            partners._increase_rank("customer_rank")
            partners._xero_enqueue_push(connection)
        with self.registry.cursor() as cr:
            self.env(cr)["xero.sync.job"]._cron_process_queue()

    def orders(self, env, count):
        """``count`` confirmed orders, three lines each, round the customers."""
        partners = self.ids["partners"]
        products = self.ids["products"]
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": partners[index % len(partners)],
                    "client_order_ref": f"{PREFIX}-{index}",
                    "order_line": [
                        Command.create(
                            {"product_id": product, "product_uom_qty": 1 + (index + n) % 7}
                        )
                        for n, product in enumerate(products)
                    ],
                }
                for index in range(count)
            ]
        )
        orders.action_confirm()
        env.flush_all()
        return orders

    # ------------------------------------------------------------------ the runs

    def baseline(self):
        """Odoo's own invoicing of the same orders, sync off, rolled back: ms per order."""
        for count in (min(self.count, 50), self.count):  # warmed up first (caches)
            with self.registry.cursor() as cr:
                env = self.env(cr)
                env.company._xero_connection().sudo().sync_invoices = False
                orders = self.orders(env, count)
                started = time.perf_counter()
                invoices = orders._create_invoices()
                invoices.action_post()
                env.flush_all()
                elapsed = time.perf_counter() - started
                cr.rollback()
        return elapsed * 1000 / self.count

    def push(self):
        """N orders invoiced with Create Xero invoice, then one run of the queue."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            env["xero.connection"].browse(self.ids["connection"]).sync_invoices = True
            orders = self.orders(env, self.count)
            started = time.perf_counter()
            invoices, skipped = orders._xero_make_invoices()
            env.flush_all()
            make = time.perf_counter() - started
            if skipped:
                print(f"{len(skipped)} orders were not invoiced: {next(iter(skipped.values()))}")
            order_ids = orders.ids
        puts, log_from = self.calls_to("/Invoices", "PUT"), last_log(self.registry)
        first_call = len(self.sandbox.calls)
        # the run's time is until the last PUT answer
        started, answered = timed_queue_run(self.registry, self.sandbox)
        pushed = max(at for method, path, at in answered if path == "/Invoices" and method == "PUT")
        waited_push = waited(self.registry, log_from, "create_invoices")
        by_operation = operations(self.sandbox.calls[first_call:])
        with self.registry.cursor() as cr:
            env = self.env(cr)
            orders = env["sale.order"].browse(order_ids)
            sent = orders.xero_invoice_ids.filtered(lambda i: i.xero_invoice_id)
            equal = sum(
                1
                for invoice in sent
                if round(invoice.xero_invoice_id.total, 2)
                == round(invoice.order_id.amount_total, 2)
            )
            paying = orders.filtered("xero_pay_url")
        # then every customer opens the pay link Odoo gave them (each read once, on demand)
        before_links = self.calls_to("/OnlineInvoice", "GET")
        link_started = time.perf_counter()
        with self.registry.cursor() as cr:
            env = self.env(cr)
            for invoice in env["sale.order"].browse(paying.ids).xero_invoice_ids:
                invoice._xero_pay_link()
                invoice._xero_pay_link()  # opened again: kept
        link_time = time.perf_counter() - link_started
        return {
            "by_operation": by_operation,
            "total_calls": sum(by_operation.values()),
            "calls_limit": 2 * math.ceil(self.count / 50) + 2,
            "links": self.calls_to("/OnlineInvoice", "GET") - before_links,
            "paying": len(paying),
            "calls": self.calls_to("/Invoices", "PUT") - puts,
            "limit": 1.05 * math.ceil(self.count / 50),
            "make": make,
            "queue": pushed - started,
            "waiting": waited_push,
            "link_time": link_time,
            "link_waiting": waited(self.registry, log_from, "get_online_invoice"),
            "sent": len(sent),
            "equal": equal,
            "invoices": len(invoices),
        }

    def latency(self, count):
        """Seconds from an order's confirmation (committed) to its invoice in Xero, with a
        real Odoo server running the queue's cron."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env["xero.connection"].browse(self.ids["connection"])
            connection.invoice_trigger = "confirm"
            env["ir.config_parameter"].set_param("web.base.url", "http://127.0.0.1")
        with odoo_server(self.registry):
            seconds = []
            for index in range(count):
                with self.registry.cursor() as cr:
                    env = self.env(cr)
                    orders = env["sale.order"].create(
                        {
                            "partner_id": self.ids["partners"][index % CUSTOMERS],
                            "order_line": [
                                Command.create(
                                    {"product_id": self.ids["products"][0], "product_uom_qty": 2}
                                )
                            ],
                        }
                    )
                    name = orders.name
                    orders.action_confirm()
                # committed (leaving the cursor): the queue's cron is woken
                started = time.perf_counter()
                deadline = started + 60
                while not self.invoice_for(name):
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"The invoice of {name} did not reach Xero in 60 s.")
                    time.sleep(0.01)
                seconds.append(time.perf_counter() - started)
                time.sleep(0.5)  # an idle queue before the next order
        return seconds

    def invoice_for(self, name):
        with self.sandbox.lock:
            return any(
                (invoice.get("Reference") or "").startswith(name)
                for invoice in list(self.books.invoices.values())[-5:]
            )

    # ------------------------------------------------------------------ clean-up

    def cleanup(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env.company._xero_connection().sudo()
            connection.write({"sync_invoices": False, "invoice_trigger": "manual"})
            orders = env["sale.order"].search([("partner_id", "in", self.ids.get("partners", []))])
            env["xero.order.invoice"].search([("order_id", "in", orders.ids)]).unlink()
            orders._action_cancel()
            orders.unlink()
            forget_xero_data(env)
            env["xero.invoice"].search([("connection_id", "=", connection.id)]).unlink()
            connection.write(
                {"state": "draft", "sync_contacts": False, "sync_invoices": False}
                | {"access_token": False, "refresh_token": False, "base_currency": False}
                | {"sales_account_id": False, "no_tax_rate_id": False}
                | {"rounding_account_id": False, "invoice_trigger": "manual"}
            )
            env["res.partner"].browse(self.ids.get("partners", [])).unlink()
            env["product.product"].browse(self.ids.get("products", [])).unlink()
            env["account.tax"].browse(self.ids.get("tax", [])).unlink()


def main():
    args, registry, sandbox = odoo_benchmark(
        "setup/benchmark invoices", {"base_currency": BOOKS_CURRENCY}, orders=500, latency=30
    )
    bench = InvoiceBench(registry, sandbox, args.orders)
    count = args.orders
    try:
        bench.setup()
        baseline = bench.baseline()
        run = bench.push()
        odoo_ms = (run["make"] + run["queue"] - run["waiting"]) * 1000 / count
        print(f"Invoicing {count} confirmed orders of linked customers in Xero")
        print(
            f"  PUT /Invoices calls     {run['calls']:6d}   target ≤ {run['limit']:.0f} "
            f"({run['calls'] / run['limit']:.2f} of it)"
        )
        print(
            f"  Xero calls in all       {run['total_calls']:6d}   target ≤ 2 x ⌈N/50⌉ + 2 = "
            f"{run['calls_limit']} ({run['total_calls'] / run['calls_limit']:.2f} of it)"
        )
        for operation, calls in sorted(run["by_operation"].items()):
            print(f"    {operation:28s} {calls:6d}")
        print(
            f"  in Xero                 {run['sent']:6d} of {run['invoices']} invoices, "
            f"{run['equal']} with the order's total to the cent"
        )
        print(
            f"  Odoo time per order     {odoo_ms:8.3f} ms  Odoo's own invoicing and posting "
            f"{baseline:.3f} ms ({odoo_ms / baseline:.2f}x, target ≤ 0.5x)"
        )
        print(
            f"    making the invoices   {run['make'] * 1000 / count:8.3f} ms per order; "
            f"waiting for Xero {run['waiting']:.2f} s of the queue's {run['queue']:.2f} s"
        )
        link_ms = (run["link_time"] - run["link_waiting"]) * 1000 / max(run["links"], 1)
        print(
            f"Pay links, read when opened: {run['paying']} opened (twice each) -> "
            f"{run['links']} GET OnlineInvoice calls (one per invoice opened, then kept); "
            f"{link_ms:.3f} ms of Odoo per link read"
        )
        seconds = bench.latency(args.latency)
        print(
            f"Latency with an idle queue, confirmation to invoice in Xero ({len(seconds)} orders)"
        )
        print(
            f"  median {statistics.median(seconds):.2f} s, 95th percentile "
            f"{percentile(seconds, 0.95):.2f} s (target < 5 s)"
        )
    finally:
        bench.cleanup()
        sandbox.stop()


def operations(calls):
    """{"METHOD /Collection": count} of the API calls among ``calls``."""
    counted = {}
    for call in calls:
        if not call["path"].startswith("/api.xro/2.0/"):
            continue
        parts = call["path"].split("/")[3:]
        # an id in the path is not part of the operation: /Invoices/{id}/Email
        words = [part for part in parts if not _is_id(part)]
        key = f"{call['method']} /{'/'.join(words)}"
        counted[key] = counted.get(key, 0) + 1
    return counted


def _is_id(part):
    return len(part) == 36 and part.count("-") == 4


if __name__ == "__main__":
    main()
