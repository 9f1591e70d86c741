"""What billing subscriptions through Xero's repeating invoices costs.

    setup/benchmark subscriptions [--orders N] [--days D] [--mrr M]

In one run, against the Xero sandbox (books in the company's currency), with real
commits:

* N confirmed recurring orders (one monthly line, first invoices spread over the next
  28 days) of 50 customers linked to Xero contacts, sent by one run of the queue:
  PUT /RepeatingInvoices calls (target ≤ 1.05 x ⌈N/50⌉: 50 templates a call) and every
  call the run made; Odoo's time per order (confirming it with its subscription and
  template, then the queue's time less Xero's) against confirming the same orders
  without subscriptions;
* D days of keeping the N templates in step, with a real Odoo server (Xero's webhooks
  and the queue's cron): each day the sandbox's clock moves on a day, Xero generates
  the invoices that fall due and raises their webhooks, Odoo reads and links them, and
  the daily check reads every template once; calls per day (target ≤ 2 % of the day's
  5,000) and seconds from each invoice generated in Xero to its order showing it
  (median, 95th percentile; target p95 < 5 s). The poll is held: its cost is the same
  with or without subscriptions (``setup/benchmark payments`` measures it);
* MRR and churn over M recurring orders (versions made and replaced over a year): the
  time of one computation of the movements of a month against a plain ``read_group``
  of the MRR (target < 1 s).
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import math
import statistics
import time
from datetime import timedelta

from odoo import fields
from odoo.fields import Command

from ._support import (
    last_log,
    odoo_benchmark,
    odoo_server,
    percentile,
    timed_queue_run,
    waited,
)
from .invoices import InvoiceBench, operations

NEEDS_ODOO = True
BOOKS_CURRENCY = "USD"
DAY_LIMIT = 5000


class SubscriptionBench(InvoiceBench):
    # ------------------------------------------------------------------ set-up

    def setup(self):
        result = super().setup()
        with self.registry.cursor() as cr:
            env = self.env(cr)
            plan = env["product.product"].browse(self.ids["products"][0])
            plan.product_tmpl_id.xero_recurring = True
            connection = env["xero.connection"].browse(self.ids["connection"])
            connection.write(
                {"sync_invoices": True, "invoice_trigger": "manual", "overdue_alerts": False}
            )
        with self.registry.cursor() as cr:
            self.env(cr)["xero.sync.job"]._cron_process_queue()
        return result

    def recurring_orders(self, env, count, recurring=True):
        """``count`` orders of one monthly line (the first invoice 1 to 28 days ahead)."""
        today = fields.Date.context_today(env.user)
        partners, plan = self.ids["partners"], self.ids["products"][0]
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": partners[index % len(partners)],
                    "order_line": [
                        Command.create(
                            {
                                "product_id": plan,
                                "product_uom_qty": 1 + index % 5,
                                "xero_recurring": recurring,
                            }
                        )
                    ],
                    "xero_recurring_start": today + timedelta(days=1 + index % 28),
                    "xero_recurring_due_days": 14,
                }
                for index in range(count)
            ]
        )
        env.flush_all()
        return orders

    # ------------------------------------------------------------------ the runs

    def baseline(self):
        """Odoo's own: confirming the same orders without subscriptions, then invoicing
        and posting them (what Odoo does to bill a period), rolled back: ms per order
        of each."""
        for count in (min(self.count, 50), self.count):  # warmed up first (caches)
            with self.registry.cursor() as cr:
                env = self.env(cr)
                env["xero.connection"].browse(self.ids["connection"]).sync_invoices = False
                orders = self.recurring_orders(env, count, recurring=False)
                started = time.perf_counter()
                orders.action_confirm()
                env.flush_all()
                confirmed = time.perf_counter()
                orders._create_invoices().action_post()
                env.flush_all()
                invoiced = time.perf_counter()
                cr.rollback()
        return (
            (confirmed - started) * 1000 / self.count,
            (invoiced - confirmed) * 1000 / self.count,
        )

    def subscribe(self):
        """N recurring orders confirmed (each a subscription and its template), then one
        run of the queue."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            orders = self.recurring_orders(env, self.count)
            started = time.perf_counter()
            orders.action_confirm()
            env.flush_all()
            confirm = time.perf_counter() - started
            self.ids["orders"] = orders.ids
        first, log_from = len(self.sandbox.calls), last_log(self.registry)
        started, answered = timed_queue_run(self.registry, self.sandbox)
        queue = max(at for _m, _p, at in answered) - started
        calls = self.sandbox.calls[first:]
        by_operation = operations(calls)
        waiting = waited(self.registry, log_from)
        with self.registry.cursor() as cr:
            env = self.env(cr)
            templates = env["xero.subscription.template"].search(
                [("order_id", "in", self.ids["orders"])]
            )
            linked = len([t for t in templates if t.xero_sync_state == "synced"])
        return {
            "puts": by_operation.get("PUT /RepeatingInvoices", 0),
            "limit": 1.05 * math.ceil(self.count / 50),
            "by_operation": by_operation,
            "calls": sum(by_operation.values()),
            "confirm": confirm,
            "queue": queue,
            "waiting": waiting,
            "linked": linked,
        }

    def hold_poll(self, hold):
        with self.registry.cursor() as cr:
            cron = self.env(cr).ref("xero_connector.ir_cron_xero_poll")
            cron.nextcall = "2999-01-01" if hold else cron.create_date

    def days_in_step(self, base_url, days):
        """D days: Xero generates, its webhooks bring the invoices to their orders, the
        daily check reads the templates. Returns ([calls per day], [latencies])."""
        hooks = self.sandbox.app.webhooks
        hooks.configure(url=f"{base_url}/xero/webhook", status="ok")
        per_day, seconds, generated_in_all = [], [], 0
        for _day in range(days):
            before = len(self.sandbox.calls)
            self.sandbox.clock.advance(86400)
            with self.sandbox.lock:
                made = self.sandbox.run_schedules()
            generated = [m["InvoiceID"] for m in made if "InvoiceID" in m]
            started = time.perf_counter()
            generated_in_all += len(generated)
            seconds += self.wait_linked(generated, started)
            with self.registry.cursor() as cr:
                self.env(cr)["xero.subscription"]._cron_xero_check_templates()
            per_day.append(len(self.api_calls(self.sandbox.calls[before:])))
        hooks.configure(url="")
        return per_day, seconds, generated_in_all

    def wait_linked(self, xero_ids, started, timeout=60):
        """Seconds from ``started`` until each invoice is an invoice of its order."""
        left, seconds = set(xero_ids), []
        while left:
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"{len(left)} generated invoices not on their orders in 60 s.")
            with self.registry.cursor() as cr:
                found = (
                    self.env(cr)["xero.order.invoice"]
                    .search([("xero_invoice_id.xero_id", "in", list(left))])
                    .xero_invoice_id.mapped("xero_id")
                )
            now = time.perf_counter()
            for xero_id in set(found) & left:
                seconds.append(now - started)
                left.discard(xero_id)
            time.sleep(0.01)
        return seconds

    @staticmethod
    def api_calls(calls):
        return [c for c in calls if c["path"].startswith("/api.xro/2.0/")]

    def figures(self, count):
        """MRR and its movements over ``count`` subscriptions (a year of versions, a
        fifth replaced, a tenth cancelled), against a plain read_group; rolled back."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            company = env.company
            connection = env["xero.connection"].browse(self.ids["connection"])
            # a customer in five has two subscriptions
            partners = (
                env["res.partner"]
                .create([{"name": f"MRR customer {index:05d}"} for index in range(count * 4 // 5)])
                .ids
            )
            orders = env["sale.order"].create(
                [{"partner_id": partners[i % len(partners)]} for i in range(count)]
            )
            subscriptions = env["xero.subscription"].create(
                [{"order_id": order.id, "connection_id": connection.id} for order in orders]
            )
            year = fields.Date.context_today(env.user) - timedelta(days=365)
            rows = []
            for index, subscription in enumerate(subscriptions):
                made = year + timedelta(days=index % 330)
                ended = made + timedelta(days=20) if index % 5 == 0 else None
                rows.append(self.version(subscription, made, ended, 10 + index % 90))
                if index % 5 == 0:  # replaced: a second version, bigger or smaller
                    rows.append(self.version(subscription, ended, None, 5 + index % 120))
                if index % 10 == 0:
                    rows[-1]["valid_to"] = made + timedelta(days=200)
            templates = env["xero.subscription.template"].with_context(xero_inbound=True)
            templates.create(rows)
            env.flush_all()
            day = fields.Date.context_today(env.user)
            start = day.replace(day=1) - timedelta(days=1)
            start = start.replace(day=1)
            timings = {}
            for name in ("plain", "movements", "plain", "movements"):  # warm, then timed
                began = time.perf_counter()
                if name == "plain":
                    env["xero.subscription.template"]._read_group(
                        [("company_id", "=", company.id), ("valid_to", "=", False)],
                        ["subscription_id"],
                        ["mrr:sum"],
                    )
                else:
                    result = env["xero.subscription"]._xero_movements(
                        company, start, day.replace(day=1) - timedelta(days=1)
                    )
                timings[name] = time.perf_counter() - began
                env.invalidate_all()
            cr.rollback()
        return timings, result, len(rows)

    def version(self, subscription, made, ended, mrr):
        return {
            "subscription_id": subscription.id,
            "order_id": subscription.order_id.id,
            "connection_id": subscription.connection_id.id,
            "partner_id": subscription.order_id.partner_id.id,
            "currency_id": subscription.currency_id.id,
            "date": made,
            "interval": 1,
            "unit": "month",
            "mrr": mrr,
            "valid_to": ended,
        }

    # ------------------------------------------------------------------ clean-up

    def cleanup(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            orders = env["sale.order"].search([("partner_id", "in", self.ids.get("partners", []))])
            subscriptions = env["xero.subscription"].search([("order_id", "in", orders.ids)])
            env["xero.order.invoice"].search([("order_id", "in", orders.ids)]).unlink()
            subscriptions.template_ids.unlink()
            orders.write({"xero_subscription_id": False})
            subscriptions.unlink()
        return super().cleanup()


def main():
    args, registry, sandbox = odoo_benchmark(
        "setup/benchmark subscriptions",
        {"base_currency": BOOKS_CURRENCY},
        orders=500,
        days=28,
        mrr=10000,
    )
    bench = SubscriptionBench(registry, sandbox, args.orders)
    count = args.orders
    try:
        bench.setup()
        with registry.cursor() as cr:
            connection = bench.env(cr)["xero.connection"].browse(bench.ids["connection"])
            connection.webhook_key = sandbox.app.webhooks.key
        baseline = bench.baseline()
        run = bench.subscribe()
        odoo_ms = (run["confirm"] + run["queue"] - run["waiting"]) * 1000 / count
        print(f"Subscribing {count} recurring orders of linked customers in Xero")
        print(
            f"  PUT /RepeatingInvoices  {run['puts']:6d}   target ≤ {run['limit']:.0f} "
            f"({run['puts'] / run['limit']:.2f} of it); {run['linked']} templates in Xero"
        )
        print(f"  Xero calls in all       {run['calls']:6d}")
        for operation, calls in sorted(run["by_operation"].items()):
            print(f"    {operation:28s} {calls:6d}")
        confirm_ms, invoice_ms = baseline
        print(
            f"  Odoo time per order     {odoo_ms:8.3f} ms  (confirmed with its subscription and "
            f"template, sent)"
        )
        print(
            f"    against Odoo's own    confirming alone {confirm_ms:.3f} ms "
            f"({odoo_ms / confirm_ms:.2f}x); confirming, invoicing and posting a period "
            f"{confirm_ms + invoice_ms:.3f} ms ({odoo_ms / (confirm_ms + invoice_ms):.2f}x)"
        )
        bench.hold_poll(True)
        with odoo_server(registry) as base_url:
            per_day, seconds, generated = bench.days_in_step(base_url, args.days)
        bench.hold_poll(False)
        print(
            f"Keeping {count} templates in step for {args.days} days "
            f"({generated} invoices generated by Xero)"
        )
        print(
            f"  calls a day             max {max(per_day):4d}, mean {statistics.mean(per_day):.1f}"
            f"   target ≤ 2 % of {DAY_LIMIT} = {DAY_LIMIT // 50} "
            f"({max(per_day) / (DAY_LIMIT / 50):.2f} of it)"
        )
        print(
            f"  generated in Xero to on its order: median {statistics.median(seconds):.2f} s, "
            f"95th percentile {percentile(seconds, 0.95):.2f} s (target < 5 s)"
        )
        timings, result, versions = bench.figures(args.mrr)
        print(f"MRR and churn over {args.mrr} recurring orders ({versions} versions)")
        print(
            f"  movements of a month    {timings['movements'] * 1000:8.1f} ms (target < 1000 ms); "
            f"plain read_group of the MRR {timings['plain'] * 1000:.1f} ms "
            f"({timings['movements'] / timings['plain']:.1f}x)"
        )
        print(
            f"  MRR {result['mrr_start']:.2f} -> {result['mrr_end']:.2f}: new "
            f"{result['new']:.2f}, expansion {result['expansion']:.2f}, contraction "
            f"{result['contraction']:.2f}, churned {result['churned']:.2f}, logo churn "
            f"{result['logo_churn']:.2f} %"
        )
    finally:
        bench.cleanup()
        sandbox.stop()


if __name__ == "__main__":
    main()
