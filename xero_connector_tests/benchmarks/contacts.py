"""What contact sync costs when going live, and what a quiet poll costs.

    setup/benchmark contacts [--records N]

In one run, against the Xero sandbox, with real commits:

* initial push: N customers that Xero does not have, through the go-live wizard and
  the queue: Xero calls (target ≤ 1.05 x ⌈N/50⌉) and Odoo time per partner against a
  plain ORM create of the same partners (target ≤ 2x);
* initial pull: N contacts that Odoo does not have, created as customers by going
  live: Xero calls (target ≤ ⌈N/1000⌉ + 1) and Odoo time per partner, same baseline;
* a poll with nothing changed: calls per collection (target 1).
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import math
import time

from odoo import SUPERUSER_ID, api

from ..tests.common import connected_values, forget_xero_data
from ._support import last_log, odoo_benchmark, quiet_poll, waited

NEEDS_ODOO = True
PUSH_PREFIX = "BenchPush"
PULL_PREFIX = "BenchPull"


class ContactBench:
    def __init__(self, registry, sandbox, count):
        self.registry = registry
        self.sandbox = sandbox
        self.count = count
        self.books = sandbox.tenant(0).books

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def calls(self):
        return len([c for c in self.sandbox.calls if c["path"].startswith("/api.xro")])

    def connect(self, prefix):
        with self.registry.cursor() as cr:
            connection = self.env(cr).company._xero_connection().sudo()
            connection.write(
                connected_values(self.sandbox, 7200)
                | {
                    "sync_contacts": False,
                    "minute_limit": 10**6,
                    "day_limit": 10**9,
                    "contact_scope": "domain",
                    "contact_domain": f"[('name', '=like', '{prefix} %')]",
                }
            )

    def values(self, prefix):
        return [
            {"name": f"{prefix} {i:06d}", "email": f"{prefix.lower()}{i}@example.com"}
            for i in range(self.count)
        ]

    def baseline(self):
        """A plain ORM create of the same partners, 1,000 per create(), rolled back: ms."""
        with self.registry.cursor() as cr:
            partners = self.env(cr)["res.partner"]
            values = self.values("Baseline")
            started = time.perf_counter()
            for start in range(0, self.count, 1000):
                partners.create(values[start : start + 1000])
                partners.env.flush_all()
            elapsed = time.perf_counter() - started
            cr.rollback()
        return elapsed * 1000 / self.count

    def push(self):
        """N customers Xero does not have: go live, then the queue sends them."""
        self.connect(PUSH_PREFIX)
        with self.registry.cursor() as cr:
            self.env(cr)["res.partner"].with_context(xero_inbound=True).create(
                [v | {"customer_rank": 1} for v in self.values(PUSH_PREFIX)]
            )
        calls, log_from = self.calls(), last_log(self.registry)
        started = time.perf_counter()
        with self.registry.cursor() as cr:
            self.env(cr)["xero.contact.golive"].create({}).action_go_live()
        with self.registry.cursor() as cr:
            self.env(cr)["xero.contact.golive"]._cron_xero_golive()
        with self.registry.cursor() as cr:
            self.env(cr)["xero.sync.job"]._cron_process_queue()
        elapsed = time.perf_counter() - started
        created = sum(1 for c in self.books.contacts.values() if c["Name"].startswith(PUSH_PREFIX))
        return self.calls() - calls, elapsed, waited(self.registry, log_from), created

    def pull(self):
        """N Xero contacts Odoo does not have: going live creates them as customers."""
        self.connect(PULL_PREFIX)
        with self.sandbox.lock:
            for values in self.values(PULL_PREFIX):
                # the accountant's contacts, entered without the unique-name scan
                self.books._create_contact(
                    {"Name": values["name"], "EmailAddress": values["email"]}, "Accountant"
                )
        calls, log_from = self.calls(), last_log(self.registry)
        started = time.perf_counter()
        with self.registry.cursor() as cr:
            self.env(cr)["xero.contact.golive"].create({}).action_go_live()
        with self.registry.cursor() as cr:
            self.env(cr)["xero.contact.golive"]._cron_xero_golive()
        elapsed = time.perf_counter() - started
        with self.registry.cursor() as cr:
            created = self.env(cr)["res.partner"].search_count(
                [("name", "=like", f"{PULL_PREFIX} %"), ("xero_contact_id", "!=", False)]
            )
        return self.calls() - calls, elapsed, waited(self.registry, log_from), created

    def quiet_poll(self):
        """A poll when nothing changed in Xero: calls per collection."""
        before = quiet_poll(self.registry, self.sandbox)
        paths = [c["path"].rsplit("/", 1)[-1] for c in self.sandbox.calls[before:]]
        return {path: paths.count(path) for path in sorted(set(paths))}

    def cleanup(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env.company._xero_connection().sudo()
            linked = env["xero.link"].search(
                [("connection_id", "=", connection.id), ("res_model", "=", "res.partner")]
            )
            env["res.partner"].with_context(active_test=False).search(
                [
                    "|",
                    "|",
                    ("name", "=like", f"{PUSH_PREFIX} %"),
                    ("name", "=like", f"{PULL_PREFIX} %"),
                    ("id", "in", linked.mapped("res_id")),
                ]
            ).unlink()
            env["xero.invoice"].search([("connection_id", "=", connection.id)]).unlink()
            env["xero.contact.review"].search([("connection_id", "=", connection.id)]).unlink()
            forget_xero_data(env)
            connection.write(
                {"state": "draft", "sync_contacts": False, "access_token": False}
                | {"refresh_token": False, "contact_scope": "customers"}
            )
        with self.sandbox.lock:
            for contact_id, contact in list(self.books.contacts.items()):
                if contact["Name"].startswith((PUSH_PREFIX, PULL_PREFIX)):
                    del self.books.contacts[contact_id]


def report(title, calls, limit, elapsed, waiting, done, baseline, count):
    odoo_ms = (elapsed - waiting) * 1000 / count
    print(f"{title} of {count} contacts ({done} done)")
    print(
        f"  Xero calls             {calls:6d}   target ≤ {limit:.0f}  ({calls / limit:.2f} of it)"
    )
    print(
        f"  Odoo time per contact  {odoo_ms:8.3f} ms  plain ORM create {baseline:.3f} ms "
        f"({odoo_ms / baseline:.2f}x, target ≤ 2x)"
    )
    print(f"  waiting for Xero       {waiting:8.2f} s of {elapsed:.2f} s")


def main():
    args, registry, sandbox = odoo_benchmark("setup/benchmark contacts", records=10000)
    bench = ContactBench(registry, sandbox, args.records)
    count = args.records
    try:
        baseline = bench.baseline()
        calls, elapsed, waiting, done = bench.push()
        report(
            "Initial push",
            calls,
            1.05 * math.ceil(count / 50),
            elapsed,
            waiting,
            done,
            baseline,
            count,
        )
        bench.cleanup()
        calls, elapsed, waiting, done = bench.pull()
        report(
            "Initial pull",
            calls,
            math.ceil(count / 1000) + 1,
            elapsed,
            waiting,
            done,
            baseline,
            count,
        )
        polls = bench.quiet_poll()
        print(
            "A poll with nothing changed: "
            + ", ".join(f"{n} call to {p}" for p, n in polls.items())
        )
    finally:
        bench.cleanup()
        sandbox.stop()


if __name__ == "__main__":
    main()
