"""What the sync engine costs: Xero calls per record, Odoo time per record, jobs per second.

    setup/benchmark sync [--records N]

Against the Xero sandbox, with real commits as a cron worker makes them: the
organisation's contacts are read once, as going live does; then N customers Odoo
has never seen in Xero are created, pushed to Xero (each matched first with the
local copy of the organisation's contacts, after one read of what changed in Xero),
changed and pushed again (updates), then resynced without a change. For each run it
prints the calls made against the batching limit ⌈N/50⌉, the Odoo-side time per
record (the run's time minus the time spent waiting for Xero's answers) against a
plain ORM write of the same records in the same batches of 50, and the jobs
finished per second.
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import math
import time
from contextlib import closing

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tools import SQL

from ..tests.common import connected_values, forget_xero_data
from ._support import odoo_benchmark

NEEDS_ODOO = True
BATCH = 50


class Bench:
    def __init__(self, registry, sandbox, count):
        self.registry = registry
        self.sandbox = sandbox
        self.count = count
        self.ids = []

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def setup(self):
        with self.registry.cursor() as cr:
            connection = self.env(cr).company._xero_connection().sudo()
            # the sandbox allows (nearly) unlimited calls here: so does the connection
            connection.write(
                connected_values(self.sandbox, 7200)
                | {"sync_contacts": False, "minute_limit": 10**6, "day_limit": 10**9}
            )
            self.connection_id = connection.id
            # as going live does: every contact of the organisation read once
            self.env(cr)["xero.contact.golive"].create(
                {"connection_id": connection.id}
            )._xero_pull()
            partners = self.env(cr)["res.partner"].create(
                [{"name": f"Bench {i:06d}", "customer_rank": 1} for i in range(self.count)]
            )
            self.ids = partners.ids

    def baseline(self, per_write=BATCH):
        """A plain ORM write of the same records and field as the change that is synced,
        with the sync off, ``per_write`` records per write() (each flushed, all rolled
        back): ms per record."""
        with self.registry.cursor() as cr:
            partners = self.env(cr)["res.partner"].browse(self.ids)
            started = time.perf_counter()
            for start in range(0, len(partners), per_write):
                partners[start : start + per_write].write({"phone": f"+64 9 {start:06d}"})
                partners.env.flush_all()
            elapsed = time.perf_counter() - started
            cr.rollback()
        return elapsed * 1000 / self.count

    def enqueue(self, values):
        """Change the records with the sync on (the change and its job): ms per record."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            env["xero.connection"].browse(self.connection_id).sync_contacts = True
            partners = env["res.partner"].browse(self.ids)
            started = time.perf_counter()
            for start in range(0, len(partners), BATCH):
                partners[start : start + BATCH].write(values(start))
                env.flush_all()
            return (time.perf_counter() - started) * 1000 / self.count

    def vacuum(self):
        """What autovacuum does on a live database: the queue's tables and statistics up to
        date (the benchmark changes thousands of rows in seconds)."""
        with closing(db_connect(self.registry.db_name).cursor()) as cr:
            cr._cnx.autocommit = True
            for table in ("xero_sync_job", "xero_link", "xero_sync_log", "res_partner"):
                cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))

    def run_queue(self):
        """One cron run to the end: (calls, seconds in all, seconds waiting for Xero, jobs)."""
        self.vacuum()
        before = len(self.sandbox.calls)
        with self.registry.cursor() as cr:
            log_from = self.env(cr)["xero.sync.log"].search([], limit=1).id or 0
            done_before = self.done(self.env(cr))
        started = time.perf_counter()
        with self.registry.cursor() as cr:
            self.env(cr)["xero.sync.job"]._cron_process_queue()
        elapsed = time.perf_counter() - started
        with self.registry.cursor() as cr:
            env = self.env(cr)
            calls = env["xero.sync.log"].search(
                [("id", ">", log_from), ("http_status", "!=", False)]
            )
            waiting = sum(calls.mapped("duration_ms")) / 1000
            done = self.done(env) - done_before
            pending = env["xero.sync.job"].search_count(
                [("res_id", "in", self.ids), ("state", "!=", "done")]
            )
        if pending:
            raise SystemExit(f"{pending} jobs did not finish: see the log of the queue above")
        api_calls = [c for c in self.sandbox.calls[before:] if c["path"].startswith("/api.xro")]
        return len(api_calls), elapsed, waiting, done

    def done(self, env):
        return env["xero.sync.job"].search_count(
            [("res_id", "in", self.ids), ("state", "=", "done")]
        )

    def cleanup(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            forget_xero_data(env)
            env["res.partner"].browse(self.ids).unlink()
            connection = env["xero.connection"].browse(self.connection_id)
            connection.write(
                {"state": "draft", "sync_contacts": False, "access_token": False}
                | {"refresh_token": False}
            )


def report(title, count, calls, elapsed, waiting, done, baselines, enqueue):
    odoo_ms = (elapsed - waiting) * 1000 / count
    limit = math.ceil(count / BATCH)
    batch, single = baselines
    print(f"{title} of {count} customers")
    print(f"  Xero calls              {calls:6d}   limit ⌈N/50⌉ = {limit}  ({calls / limit:.2f}x)")
    print(f"  calls per record        {calls / count:8.4f} (limit {limit / count:.4f})")
    print(f"  Odoo time per record    {odoo_ms:8.3f} ms, against a plain ORM write")
    print(f"    of 50 records a write {batch:8.3f} ms ({odoo_ms / batch:.2f}x)")
    print(f"    of one record a write {single:8.3f} ms ({odoo_ms / single:.2f}x)")
    print(
        f"  with the change itself  {odoo_ms + enqueue:8.3f} ms  "
        f"(the write and its job: {enqueue:.3f} ms)"
    )
    print(
        f"  waiting for Xero        {waiting:8.2f} s of {elapsed:.2f} s; "
        f"{done / elapsed:.0f} jobs per second"
    )


def main():
    args, registry, sandbox = odoo_benchmark("setup/benchmark sync", records=2000)
    bench = Bench(registry, sandbox, args.records)
    try:
        bench.setup()
        baseline = (bench.baseline(), bench.baseline(per_write=1))
        enqueue = bench.enqueue(lambda start: {"phone": f"+64 9 {start:06d}"})
        report("Initial push", args.records, *bench.run_queue(), baseline, enqueue)
        enqueue = bench.enqueue(lambda start: {"email": f"bench{start}@example.com"})
        report("Update", args.records, *bench.run_queue(), baseline, enqueue)
        with registry.cursor() as cr:
            partners = bench.env(cr)["res.partner"].browse(bench.ids)
            partners._xero_enqueue_push()
        calls, elapsed, _waiting, _done = bench.run_queue()
        print(f"Resync of {args.records} unchanged customers: {calls} calls in {elapsed:.2f} s")
    finally:
        bench.cleanup()
        sandbox.stop()


if __name__ == "__main__":
    main()
