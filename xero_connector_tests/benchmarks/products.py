"""What product sync costs when going live, what a quiet poll costs, and the tax matrix.

    setup/benchmark products [--records N]

In one run, against the Xero sandbox (whose books are in the company's currency),
with real commits:

* initial push: N products Xero does not have (a code, a name, a price and a mapped
  15% sales tax each), created with product sync on (each create queues its
  item.push) and sent by one run of the queue: Xero calls (target ≤ 1.05 x ⌈N/50⌉:
  50 items a PUT /Items), the queue's Odoo time per product against a plain ORM
  create of the same products (target ≤ 2x), the create with the sync on against
  the same baseline, and the latency of the PUT /Items calls;
* initial pull: N Xero items Odoo does not have, created as products by one poll:
  GET /Items calls (target 1: Xero does not page items) and Odoo time per product,
  same baseline;
* a poll with nothing changed: calls per collection (target 1; Xero's accounts are
  read at every poll, with If-Modified-Since);
* the tax matrix of 50 fiscal positions x 50 sales taxes: seconds, and per cell.

The Odoo time is the run's time minus the time spent waiting for Xero's answers
(the durations of the run's calls in the sync log), as in the contacts benchmark.
The baseline creates the same products, 1,000 per create(), with the company not
connected, after a warm-up, and is rolled back.
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import math
import statistics
import time
from contextlib import closing

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.sql_db import db_connect
from odoo.tools import SQL

from ..tests.common import connected_values
from ._support import call_durations, last_log, odoo_benchmark, percentile, quiet_poll, waited

NEEDS_ODOO = True
PUSH_PREFIX = "BenchPush"
PULL_PREFIX = "BenchPull"
BASELINE_PREFIX = "BenchBase"
BENCH_TAX = "Bench"  # the taxes and fiscal positions the benchmark makes
BOOKS_CURRENCY = "USD"  # the sandbox organisation's, as the company's (Odoo's default)
MATRIX_SIZE = 50  # fiscal positions, and sales taxes
PER_CREATE = 1000


class ProductBench:
    def __init__(self, registry, sandbox, count):
        self.registry = registry
        self.sandbox = sandbox
        self.count = count
        self.books = sandbox.tenant(0).books
        self.connection_id = None
        self.tax_id = None

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def calls(self):
        return len([c for c in self.sandbox.calls if c["path"].startswith("/api.xro")])

    def call_paths(self, since):
        """{"GET /Items": calls, ...} of the API calls made since ``since``."""
        paths = [
            f"{c['method']} /{c['path'].rsplit('/', 1)[-1]}"
            for c in self.sandbox.calls[since:]
            if c["path"].startswith("/api.xro")
        ]
        return {path: paths.count(path) for path in sorted(set(paths))}

    def vacuum(self):
        """What autovacuum does on a live database: the tables the benchmark just filled
        analysed (thousands of rows in seconds), as the sync benchmark does."""
        tables = ("product_template", "product_product", "xero_sync_job", "xero_link")
        with closing(db_connect(self.registry.db_name).cursor()) as cr:
            cr._cnx.autocommit = True
            for table in (*tables, "xero_sync_log", "xero_item"):
                cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))

    # ------------------------------------------------------------------ set-up

    def sales_tax(self):
        """The products' 15% sales tax (made once per run)."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            tax = env["account.tax"].create(
                {
                    "name": f"{BENCH_TAX} GST 15%",
                    "amount": 15,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "company_id": env.company.id,
                }
            )
            self.tax_id = tax.id

    def connect(self):
        """Connected to the sandbox, Xero's lists read, the tax mapped, products on."""
        with self.registry.cursor() as cr:
            connection = self.env(cr).company._xero_connection().sudo()
            connection.write(
                connected_values(self.sandbox, 7200)
                | {
                    "sync_contacts": False,
                    "sync_products": False,
                    "minute_limit": 10**6,
                    "day_limit": 10**9,
                }
            )
            self.connection_id = connection.id
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env["xero.connection"].browse(self.connection_id)
            # as connecting does: the organisation read (its base currency), then every
            # list of Xero's (tax rates, accounts...)
            connection._xero_use_organisation(connection.tenant_id, False)
            if connection.base_currency_id != connection.company_id.currency_id:
                raise SystemExit(
                    f"The company's currency is {connection.company_id.currency_id.name}, the "
                    f"sandbox's books are in {BOOKS_CURRENCY}: prices would not compare."
                )
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env["xero.connection"].browse(self.connection_id)
            where = [("connection_id", "=", connection.id)]
            account = env["xero.account"].search(
                [*where, ("code", "=", "200"), ("status", "=", "ACTIVE")]
            )
            rates = env["xero.tax.rate"].search([*where, ("xero_key", "in", ["NONE", "OUTPUT2"])])
            rate = {r.xero_key: r for r in rates}
            tax = env["account.tax"].browse(self.tax_id)
            env["xero.tax.map"]._xero_ensure(connection, [tax])[str(tax.id)].write(
                {"xero_tax_rate_id": rate["OUTPUT2"].id}
            )
            connection.write(
                {
                    "sync_products": True,
                    "sales_account_id": account.id,
                    "no_tax_rate_id": rate["NONE"].id,
                }
            )

    def values(self, prefix, count):
        return [
            {
                "default_code": f"{prefix}-{i:06d}",
                "name": f"{prefix} product {i:06d}",
                "list_price": 9.5 + i % 100,
                "taxes_id": [Command.set([self.tax_id])],
            }
            for i in range(count)
        ]

    def make_products(self, env, prefix, count):
        """``count`` products, ``PER_CREATE`` per create(), each flushed: seconds."""
        products = env["product.product"]
        values = self.values(prefix, count)
        started = time.perf_counter()
        for start in range(0, count, PER_CREATE):
            products.create(values[start : start + PER_CREATE])
            env.flush_all()
        return time.perf_counter() - started

    def baseline(self):
        """A plain ORM create of the same products, sync off (the company not connected),
        rolled back: ms per product."""
        for count in (min(self.count, 100), self.count):  # warmed up first (caches)
            with self.registry.cursor() as cr:
                env = self.env(cr)
                connection = env.company._xero_connection().sudo()
                connection.write({"state": "draft", "sync_products": False})
                elapsed = self.make_products(env, BASELINE_PREFIX, count)
                cr.rollback()
        return elapsed * 1000 / self.count

    # ------------------------------------------------------------------ the runs

    def push(self):
        """N products Xero does not have, created with the sync on (each queues its
        item.push), then the queue sends them."""
        with self.registry.cursor() as cr:
            enqueue = self.make_products(self.env(cr), PUSH_PREFIX, self.count)
        enqueue *= 1000 / self.count
        self.vacuum()
        calls, log_from = self.calls(), last_log(self.registry)
        started = time.perf_counter()
        with self.registry.cursor() as cr:
            self.env(cr)["xero.sync.job"]._cron_process_queue()
        elapsed = time.perf_counter() - started
        created = sum(1 for i in self.books.items.values() if i["Code"].startswith(PUSH_PREFIX))
        with self.registry.cursor() as cr:
            unfinished = self.env(cr)["xero.sync.job"].search_count(
                [("res_model", "=", "product.product"), ("state", "!=", "done")]
            )
        if unfinished:
            print(f"{unfinished} item.push jobs did not finish: see the queue's log above")
        return {
            "what": "Xero calls",
            "calls": self.calls() - calls,
            "limit": 1.05 * math.ceil(self.count / 50),
            "elapsed": elapsed,
            "waiting": waited(self.registry, log_from),
            "done": created,
            "enqueue": enqueue,
            "latency": call_durations(self.registry, log_from, "create_items"),
        }

    def pull(self):
        """N Xero items Odoo does not have: the poll creates them as products."""
        with self.sandbox.lock:
            for i in range(self.count):
                self.books.save_item(
                    {
                        "Code": f"{PULL_PREFIX}-{i:06d}",
                        "Name": f"{PULL_PREFIX} item {i:06d}",
                        "SalesDetails": {"UnitPrice": "9.50", "AccountCode": "200"},
                    },
                    "Benchmark",
                    create_only=True,
                )
        self.sandbox.clock.advance(5)
        before, log_from = len(self.sandbox.calls), last_log(self.registry)
        started = time.perf_counter()
        with self.registry.cursor() as cr:
            self.env(cr)["xero.poll.cursor"]._cron_xero_poll()
        elapsed = time.perf_counter() - started
        paths = self.call_paths(before)
        with self.registry.cursor() as cr:
            env = self.env(cr)
            linked = env["xero.link"].search(
                [("connection_id", "=", self.connection_id), ("res_model", "=", "product.product")]
            )
            created = env["product.product"].search(
                [
                    ("default_code", "=like", f"{PULL_PREFIX}-%"),
                    ("id", "in", linked.mapped("res_id")),
                ]
            )
            unpriced = len(created.filtered(lambda p: p.list_price != 9.5))
            created = len(created)
        if unpriced:
            print(f"{unpriced} products made from Xero items did not get the item's price")
        return {
            # Xero does not page items: one call reads them all
            "what": "GET /Items calls",
            "calls": paths.get("GET /Items", 0),
            "limit": 1,
            "paths": paths,
            "elapsed": elapsed,
            "waiting": waited(self.registry, log_from),
            "done": created,
        }

    def quiet_poll(self):
        """A poll when nothing changed in Xero: calls per collection."""
        return self.call_paths(quiet_poll(self.registry, self.sandbox))

    def tax_matrix(self):
        """50 fiscal positions x 50 sales taxes (the company's own among them), some taxes
        replaced under some positions; the matrix built twice, first with its map rows made,
        then again: ([seconds, seconds], (positions, taxes, cells))."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            company = env.company
            taxes = env["account.tax"].search(
                [("type_tax_use", "=", "sale"), *env["account.tax"]._check_company_domain(company)]
            )
            positions = env["account.fiscal.position"].search(
                env["account.fiscal.position"]._check_company_domain(company)
            )
            missing = max(MATRIX_SIZE - len(taxes), 0)
            # a fifth of the new taxes replace the others under some fiscal positions
            replacing = missing // 5
            sources = env["account.tax"].create(
                [
                    {
                        "name": f"{BENCH_TAX} sales {n:02d} ({n % 5 * 5}%)",
                        "amount": n % 5 * 5,
                        "amount_type": "percent",
                        "type_tax_use": "sale",
                        "company_id": company.id,
                    }
                    for n in range(missing - replacing)
                ]
            )
            domestic = (taxes | sources).filtered("is_domestic")
            new_positions = env["account.fiscal.position"].create(
                [
                    {"name": f"{BENCH_TAX} position {n:02d}", "company_id": company.id}
                    for n in range(max(MATRIX_SIZE - len(positions), 0))
                ]
            )
            for n in range(replacing):
                # replaces every ``replacing``-th domestic tax, under 2 positions in 5
                env["account.tax"].create(
                    {
                        "name": f"{BENCH_TAX} abroad {n:02d} (0%)",
                        "amount": 0,
                        "amount_type": "percent",
                        "type_tax_use": "sale",
                        "company_id": company.id,
                        "original_tax_ids": [Command.set(domestic[n::replacing].ids)],
                        "fiscal_position_ids": [
                            Command.set([p.id for p in new_positions if (p.id + n) % 5 < 2])
                        ],
                    }
                )
            for position in new_positions.filtered(lambda p: not p.tax_ids):
                # a fiscal position without taxes removes them all: one replacement each
                position.tax_ids = env["account.tax"].search(
                    [("name", "=like", f"{BENCH_TAX} abroad %")], limit=1
                )
        timings = []
        for _build in range(2):
            with self.registry.cursor() as cr:
                env = self.env(cr)
                connection = env["xero.connection"].browse(self.connection_id)
                started = time.perf_counter()
                matrix = env["xero.tax.matrix"]._xero_build(connection)
                env.flush_all()
                timings.append(time.perf_counter() - started)
                shape = (len(matrix.position_id), len(matrix.tax_id), len(matrix))
        return timings, shape

    # ------------------------------------------------------------------ clean-up

    def forget_products(self):
        """The benchmark's products gone from Odoo and Xero, and what the sync kept of
        them (the organisation stays connected)."""
        prefixes = (PUSH_PREFIX, PULL_PREFIX)
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env.company._xero_connection().sudo()
            linked = env["xero.link"].search(
                [("connection_id", "=", connection.id), ("res_model", "=", "product.product")]
            )
            products = env["product.product"].with_context(active_test=False)
            products.search(
                [
                    "|",
                    "|",
                    ("default_code", "=like", f"{PUSH_PREFIX}-%"),
                    ("default_code", "=like", f"{PULL_PREFIX}-%"),
                    ("id", "in", linked.mapped("res_id")),
                ]
            ).with_context(xero_inbound=True).unlink()
            for model in ("xero.sync.log", "xero.sync.job", "xero.link", "xero.item"):
                env[model].search([("connection_id", "=", connection.id)]).unlink()
            env["xero.poll.cursor"].search(
                [("connection_id", "=", connection.id), ("res_model", "=", "product.product")]
            ).unlink()
        with self.sandbox.lock:
            for item_id, item in list(self.books.items.items()):
                if item["Code"].startswith(prefixes):
                    del self.books.items[item_id]

    def cleanup(self):
        self.forget_products()
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env.company._xero_connection().sudo()
            env["xero.tax.matrix"].search([("connection_id", "=", connection.id)]).unlink()
            env["xero.tax.map"].search([("connection_id", "=", connection.id)]).unlink()
            connection.write(
                {"state": "draft", "sync_products": False, "access_token": False}
                | {"refresh_token": False, "base_currency": False, "tenant_name": False}
                | {"sales_account_id": False, "no_tax_rate_id": False}
            )
            for model in env["xero.reference.mixin"]._xero_reference_models():
                model.with_context(active_test=False).search(
                    [("connection_id", "=", connection.id)]
                ).unlink()
            env["xero.poll.cursor"].search([("connection_id", "=", connection.id)]).unlink()
            env["xero.connection.budget"].search([]).unlink()
            taxes = env["account.tax"].with_context(active_test=False)
            taxes.search([("name", "=like", f"{BENCH_TAX} %")]).unlink()
            env["account.fiscal.position"].search(
                [("name", "=like", f"{BENCH_TAX} position %")]
            ).unlink()


def report(title, run, baseline, count):
    calls, limit, elapsed, waiting = run["calls"], run["limit"], run["elapsed"], run["waiting"]
    odoo_ms = (elapsed - waiting) * 1000 / count
    print(f"{title} of {count} products ({run['done']} done)")
    print(f"  {run['what']:22} {calls:6d}   target ≤ {limit:.0f}  ({calls / limit:.2f} of it)")
    print(
        f"  Odoo time per product  {odoo_ms:8.3f} ms  plain ORM create {baseline:.3f} ms "
        f"({odoo_ms / baseline:.2f}x, target ≤ 2x)"
    )
    print(f"  waiting for Xero       {waiting:8.2f} s of {elapsed:.2f} s")


def main():
    args, registry, sandbox = odoo_benchmark(
        "setup/benchmark products", {"base_currency": BOOKS_CURRENCY}, records=5000
    )
    bench = ProductBench(registry, sandbox, args.records)
    count = args.records
    try:
        bench.sales_tax()
        baseline = bench.baseline()
        bench.connect()
        push = bench.push()
        report("Initial push", push, baseline, count)
        enqueue = push["enqueue"]
        print(
            f"  the create itself      {enqueue:8.3f} ms per product with the sync on "
            f"({enqueue / baseline:.2f}x the plain create: the create and its job)"
        )
        if push["latency"]:
            print(
                f"  PUT /Items latency     median {statistics.median(push['latency']):.0f} ms, "
                f"95th percentile {percentile(push['latency'], 0.95):.0f} ms "
                f"({len(push['latency'])} calls)"
            )
        bench.forget_products()
        pull = bench.pull()
        report("Initial pull", pull, baseline, count)
        print("  calls of the poll      " + ", ".join(f"{n} {p}" for p, n in pull["paths"].items()))
        polls = bench.quiet_poll()
        print(
            "A poll with nothing changed: "
            + ", ".join(f"{n} call to {p}" for p, n in polls.items())
            + " (target 1 per collection)"
        )
        timings, (positions, taxes, rows) = bench.tax_matrix()
        for label, seconds in zip(("first build", "rebuild"), timings, strict=True):
            print(
                f"Tax matrix of {positions} fiscal positions (and domestic) x {taxes} sales "
                f"taxes, {label}: {seconds:.2f} s, {seconds * 1000 / rows:.3f} ms per cell "
                f"({rows} cells)"
            )
    finally:
        bench.cleanup()
        sandbox.stop()


if __name__ == "__main__":
    main()
