"""How fast the Overview opens with a big sync log and queue.

    setup/benchmark overview [--logs N] [--jobs M] [--runs R]

In one run, with real commits: N log lines spread over the last day and M jobs
(pending, failed with reasons, done) of one connected organisation; then, R times
each with a cold cache, the server time of the data the Overview's first paint needs
(the kanban's ``web_search_read``: counts, graphs of what moved, calls used, failures
by reason, the queue's age; target under 1 s) against the plain list view of the same
log lines (its first page and its count), median and 95th percentile. The browser's
own drawing is not included: it is the same for both.
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import statistics
import time

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.xero_connector.tools.bulk import insert_rows

from ..tests.common import connected_values, forget_xero_data
from ._support import odoo_benchmark, percentile

NEEDS_ODOO = True
CHUNK = 10_000
FAILURES = ("validation", "caught", "network", "not_found")


class OverviewBench:
    def __init__(self, registry, sandbox):
        self.registry = registry
        self.sandbox = sandbox
        self.connection_id = None

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tz": "Pacific/Auckland"})

    def setup(self, logs, jobs):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            connection = env.company._xero_connection().sudo()
            connection.write(connected_values(self.sandbox, 7200) | {"sync_contacts": True})
            self.connection_id = connection.id
            company = connection.company_id.id
            partner = env.user.partner_id.id
            for start in range(0, logs, CHUNK):
                insert_rows(
                    env["xero.sync.log"],
                    [
                        {
                            "connection_id": connection.id,
                            "company_id": company,
                            "direction": "out" if index % 3 else "in",
                            "operation": "contact.push",
                            "summary": "Sent a customer to Xero",
                            "outcome": "ok" if index % 17 else "error",
                            "res_model": "res.partner",
                            "res_id": partner,
                        }
                        for index in range(start, min(start + CHUNK, logs))
                    ],
                )
            # spread over the last day
            cr.execute(
                SQL(
                    "UPDATE xero_sync_log SET create_date = now() at time zone 'utc' "
                    "- (id %% 86400) * interval '1 second' WHERE connection_id = %s",
                    connection.id,
                )
            )
            for start in range(0, jobs, CHUNK):
                insert_rows(
                    env["xero.sync.job"],
                    [
                        {
                            "connection_id": connection.id,
                            "company_id": company,
                            "direction": "out",
                            "kind": "contact.push",
                            "res_model": "res.partner",
                            "res_id": partner,
                            "state": ("pending", "error", "done", "done")[index % 4],
                            "failure_type": FAILURES[index % len(FAILURES)]
                            if index % 4 == 1
                            else None,
                            "priority": 10,
                            "next_attempt_at": "2999-01-01",
                            "dedup_key": f"bench-overview-{index}",
                        }
                        for index in range(start, min(start + CHUNK, jobs))
                    ],
                )

    def timed(self, runs, load):
        seconds = []
        for _run in range(runs):
            with self.registry.cursor() as cr:
                env = self.env(cr)
                env.invalidate_all()
                started = time.perf_counter()
                load(env)
                seconds.append(time.perf_counter() - started)
        return seconds

    def overview(self, env):
        """What the Overview's kanban asks the server for."""
        connections = env["xero.connection"]
        view = env.ref("xero_connector.xero_connection_view_kanban")
        spec = connections.get_views([(view.id, "kanban")])["models"]["xero.connection"]
        return connections.web_search_read(
            [("state", "!=", "draft")], {name: {} for name in spec["fields"]}
        )

    def log_list(self, env):
        """What the plain list of the log lines asks for: its first page and count."""
        logs = env["xero.sync.log"]
        spec = logs.get_views([(False, "list")])["models"]["xero.sync.log"]
        return logs.web_search_read([], {name: {} for name in spec["fields"]}, limit=80)

    def cleanup(self):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            forget_xero_data(env)
            env.company._xero_connection().sudo().write(
                {"state": "draft", "sync_contacts": False}
                | {"access_token": False, "refresh_token": False}
            )


def main():
    args, registry, sandbox = odoo_benchmark(
        "setup/benchmark overview", logs=100_000, jobs=10_000, runs=10
    )
    bench = OverviewBench(registry, sandbox)
    try:
        bench.setup(args.logs, args.jobs)
        bench.timed(2, bench.overview)  # warm-up (Python code, the views)
        bench.timed(2, bench.log_list)
        overview = bench.timed(args.runs, bench.overview)
        plain = bench.timed(args.runs, bench.log_list)
        print(f"Opening the Overview with {args.logs} log lines and {args.jobs} jobs")
        median, p95 = statistics.median(overview), percentile(overview, 0.95)
        base = statistics.median(plain)
        print(
            f"  the Overview's data     median {median * 1000:7.1f} ms, 95th percentile "
            f"{p95 * 1000:7.1f} ms (target < 1000 ms)"
        )
        print(
            f"  the plain list of logs  median {base * 1000:7.1f} ms, 95th percentile "
            f"{percentile(plain, 0.95) * 1000:7.1f} ms ({median / base:.2f}x of it)"
        )
    finally:
        bench.cleanup()
        sandbox.stop()


if __name__ == "__main__":
    main()
