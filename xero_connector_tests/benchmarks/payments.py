"""What bringing payments back from Xero costs, and how soon an order shows them.

    setup/benchmark payments [--invoices N] [--latency M]

In one run, against the Xero sandbox, with real commits and a real Odoo server (its
webhook endpoint and the queue's cron, woken by the webhook's commit):

* N invoices of orders paid in Xero at once: the calls that bring them back through
  the webhook (batches of 50 invoice ids, with their payments; target ≤ ⌈N/50⌉ + 1),
  and, with the webhook off, through the poll (invoices, payments, then the changed
  invoices read whole);
* latency: M invoices paid one after the other on an idle system: seconds from the
  payment in Xero to the order showing it, median and 95th percentile (target p95 < 5 s);
* what a quiet day costs: the calls of a poll with nothing changed, times the polls of
  a day, and the ceiling of the day's history reads for Viewed;
* Odoo time per status update (mirror, payments, the order's note and status) against
  a plain ORM write of the same fields of the mirror (both rolled back).
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import math
import statistics
import time

from odoo.fields import Domain

from odoo.addons.xero_connector.const import DAY_LIMIT

from ._support import odoo_benchmark, odoo_server, percentile, quiet_poll
from .invoices import BOOKS_CURRENCY, InvoiceBench

NEEDS_ODOO = True
# the mirror's fields a payment changes
PAID_FIELDS = (
    "status",
    "amount_paid",
    "amount_credited",
    "amount_due",
    "amount_due_base",
    "fully_paid_on",
    "updated_at",
)


class PaymentBench(InvoiceBench):
    # ------------------------------------------------------------------ set-up

    def invoiced(self, count):
        """``count`` orders invoiced and approved in Xero; returns their Xero ids."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            env["xero.connection"].browse(self.ids["connection"]).sync_invoices = True
            orders = self.orders(env, count)
            orders._xero_make_invoices()
            order_ids = orders.ids
        self.settle()
        with self.registry.cursor() as cr:
            mirrors = self.env(cr)["sale.order"].browse(order_ids).xero_invoice_ids.xero_invoice_id
            return mirrors.mapped("xero_id")

    def settle(self):
        """Run the queue until nothing is left to do."""
        for _round in range(10):
            with self.registry.cursor() as cr:
                jobs = self.env(cr)["xero.sync.job"]
                jobs._cron_process_queue()
                if not jobs.search_count([("state", "in", ("pending", "processing"))]):
                    return

    def pay(self, xero_ids):
        """The accountant records each invoice's payment in full in Xero."""
        with self.sandbox.lock:
            for xero_id in xero_ids:
                invoice = self.books.invoices[xero_id]
                self.books.create_payment(
                    {
                        "Invoice": {"InvoiceID": xero_id},
                        "Account": {"Code": "090"},
                        "Date": self.books.today().isoformat(),
                        "Amount": invoice["AmountDue"],
                        "Reference": "Bench payment",
                    },
                    "Accountant",
                )

    def paid_count(self, xero_ids):
        with self.registry.cursor() as cr:
            return self.env(cr)["xero.invoice"].search_count(
                [("xero_id", "in", xero_ids), ("status", "=", "PAID")]
            )

    def wait_paid(self, xero_ids, timeout=120):
        deadline = time.perf_counter() + timeout
        while self.paid_count(xero_ids) < len(xero_ids):
            if time.perf_counter() > deadline:
                raise SystemExit(
                    f"{len(xero_ids)} paid invoices did not reach Odoo in {timeout} s."
                )
            time.sleep(0.01 if len(xero_ids) == 1 else 0.2)

    def reads(self):
        """The GET calls to invoices and payments so far."""
        return [
            c
            for c in self.sandbox.calls
            if c["method"] == "GET" and c["path"].endswith(("/Invoices", "/Payments"))
        ]

    def hold_poll(self, hold):
        """The poll's cron waits (or not): the webhook's path is measured alone."""
        with self.registry.cursor() as cr:
            cron = self.env(cr).ref("xero_connector.ir_cron_xero_poll")
            cron.nextcall = "2999-01-01" if hold else cron.create_date

    # ------------------------------------------------------------------ the runs

    def by_webhook(self, base_url, latency_ids, bulk_ids):
        hooks = self.sandbox.app.webhooks
        hooks.configure(url=f"{base_url}/xero/webhook", status="ok")
        seconds = []
        for xero_id in latency_ids:
            self.pay([xero_id])
            started = time.perf_counter()
            self.wait_paid([xero_id], timeout=60)
            seconds.append(time.perf_counter() - started)
            time.sleep(0.5)  # an idle system before the next payment
        before = len(self.reads())
        started = time.perf_counter()
        self.pay(bulk_ids)
        self.wait_paid(bulk_ids)
        elapsed = time.perf_counter() - started
        calls = self.reads()[before:]
        hooks.configure(url="")
        return seconds, calls, elapsed

    def by_poll(self, xero_ids):
        """The webhook off: the poll, then the queue reading the changed invoices whole."""
        self.pay(xero_ids)
        before = len(self.reads())
        started = time.perf_counter()
        self.sandbox.clock.advance(2)
        with self.registry.cursor() as cr:
            self.env(cr)["xero.poll.cursor"]._cron_xero_poll()
        self.settle()
        elapsed = time.perf_counter() - started
        with self.registry.cursor() as cr:
            rows = self.env(cr)["xero.invoice.payment"].search_count(
                [("invoice_id.xero_id", "in", xero_ids)]
            )
        return self.reads()[before:], elapsed, self.paid_count(xero_ids), rows

    def quiet_day(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            cron = env.ref("xero_connector.ir_cron_xero_poll")
            minutes = {"minutes": 1, "hours": 60, "days": 1440}[cron.interval_type]
            polls = 1440 // (cron.interval_number * minutes)
            connection = env["xero.connection"].browse(self.ids["connection"])
            # Xero's day (the benchmark's connection is unlimited)
            history = max(1, DAY_LIMIT * connection.view_history_share // 2400)
        before = quiet_poll(self.registry, self.sandbox)
        return len(self.sandbox.calls) - before, polls, history * 24, DAY_LIMIT

    def update_time(self, xero_ids):
        """ms per invoice: applying Xero's paid invoices (read through the client) to
        their unpaid mirrors, against a plain ORM write of the same mirror fields."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env["xero.connection"].browse(self.ids["connection"])
            elements = []
            for start in range(0, len(xero_ids), 50):
                answer = connection._xero_call_json(
                    "get_invoices", i_ds=xero_ids[start : start + 50]
                )
                elements += answer["Invoices"]
        timings = {}
        for name in ("plain", "sync"):
            with self.registry.cursor() as cr:
                env = self.env(cr)
                connection = env["xero.connection"].browse(self.ids["connection"])
                mirrors = env["xero.invoice"].search([("xero_id", "in", xero_ids)])
                paid = {m.id: {f: m[f] for f in PAID_FIELDS} for m in mirrors}
                self.unpay(env, mirrors)
                started = time.perf_counter()
                if name == "sync":
                    env["xero.invoice"]._xero_apply_inbound(connection, elements)
                else:
                    for mirror in mirrors:
                        mirror.write(paid[mirror.id])
                env.flush_all()
                timings[name] = (time.perf_counter() - started) * 1000 / len(xero_ids)
                check = env["xero.invoice"].search_count(
                    Domain("id", "in", mirrors.ids) & Domain("status", "=", "PAID")
                )
                cr.rollback()
            if check != len(xero_ids):
                raise SystemExit(f"{name}: {check} of {len(xero_ids)} invoices paid")
        return timings

    def unpay(self, env, mirrors):
        """The mirrors as they were before the payments (what the update starts from)."""
        for mirror in mirrors:
            mirror.write(
                {
                    "status": "AUTHORISED",
                    "amount_paid": 0.0,
                    "amount_due": mirror.total,
                    "amount_due_base": mirror.total,
                    "fully_paid_on": False,
                }
            )
        mirrors.payment_ids.unlink()
        env.flush_all()


def main():
    args, registry, sandbox = odoo_benchmark(
        "setup/benchmark payments", {"base_currency": BOOKS_CURRENCY}, invoices=1000, latency=30
    )
    bench = PaymentBench(registry, sandbox, args.invoices)
    count = args.invoices
    try:
        bench.setup()
        with registry.cursor() as cr:
            connection = bench.env(cr)["xero.connection"].browse(bench.ids["connection"])
            connection.webhook_key = sandbox.app.webhooks.key
        latency_ids = bench.invoiced(args.latency)
        bulk_ids = bench.invoiced(count)
        poll_ids = bench.invoiced(count)
        bench.hold_poll(True)
        with odoo_server(registry) as base_url:
            seconds, calls, elapsed = bench.by_webhook(base_url, latency_ids, bulk_ids)
        bench.hold_poll(False)
        limit = math.ceil(count / 50) + 1
        print(f"Bringing back {count} invoices paid at once in Xero")
        print(
            f"  by the webhook          {len(calls):6d} calls   target ≤ {limit} "
            f"({len(calls) / limit:.2f} of it), all paid in Odoo after {elapsed:.1f} s"
        )
        poll_calls, poll_elapsed, paid, rows = bench.by_poll(poll_ids)
        kinds = {
            "invoices polled": sum(
                1 for c in poll_calls if "ids" not in c["query"] and c["path"].endswith("/Invoices")
            ),
            "payments polled": sum(1 for c in poll_calls if c["path"].endswith("/Payments")),
            "invoices read by id": sum(1 for c in poll_calls if "ids" in c["query"]),
        }
        print(
            f"  by the poll (no webhook) {len(poll_calls):5d} calls   "
            + ", ".join(f"{n} {k}" for k, n in kinds.items())
            + f"; {paid} of {count} paid, {rows} payments listed, in {poll_elapsed:.1f} s"
        )
        print(f"Latency, payment in Xero to the order showing it ({len(seconds)} invoices)")
        print(
            f"  median {statistics.median(seconds):.2f} s, 95th percentile "
            f"{percentile(seconds, 0.95):.2f} s (target < 5 s)"
        )
        quiet, polls, history, day_limit = bench.quiet_day()
        print("A quiet day")
        print(
            f"  {quiet} calls per poll with nothing changed x {polls} polls = "
            f"{quiet * polls} calls; history reads for Viewed at most {history} "
            f"({history / day_limit:.0%} of the day's {day_limit}); {quiet * polls + history} "
            f"in all at most ({(quiet * polls + history) / day_limit:.0%} of the day)"
        )
        timings = bench.update_time(bulk_ids)
        print(f"Odoo time per status update ({count} paid invoices)")
        print(
            f"  {timings['sync']:.3f} ms  plain ORM write of the same mirror fields "
            f"{timings['plain']:.3f} ms ({timings['sync'] / timings['plain']:.2f}x): the "
            "update also lists the payments, recomputes the orders and posts their notes"
        )
    finally:
        bench.hold_poll(False)
        bench.cleanup()
        sandbox.stop()


if __name__ == "__main__":
    main()
