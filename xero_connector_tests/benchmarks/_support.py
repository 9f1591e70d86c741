"""What the benchmarks that need Odoo share: their options, the registry, a sandbox."""

import argparse
import contextlib
import math
import socket
import subprocess
import sys
import time
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config

from ..sandbox.limits import Limits
from ..tests.sandbox_client import checked_sandbox


def odoo_benchmark(prog, sandbox_options=None, **options):
    """Parse ``--odoo-config``/``--db`` (given by setup/benchmark) and integer options
    ({name: default}); returns (args, registry, a sandbox that never rate-limits, made
    with ``sandbox_options``: e.g. its first organisation's base currency)."""
    parser = argparse.ArgumentParser(prog=prog)
    for name, default in options.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--odoo-config", required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.odoo_config, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    limits = Limits(per_minute=10**9, per_day=10**9, app_per_minute=10**9)
    sandbox = checked_sandbox(limits=limits, **(sandbox_options or {}))
    sandbox.response_checker = None  # measured, not checked: the tests check answers
    return args, registry, sandbox


def quiet_poll(registry, sandbox):
    """Poll twice (the first catches up); the second finds nothing changed in Xero.
    Returns where the second poll's calls start in ``sandbox.calls``."""
    sandbox.clock.advance(5)
    with registry.cursor() as cr:
        api.Environment(cr, SUPERUSER_ID, {})["xero.poll.cursor"]._cron_xero_poll()
    sandbox.clock.advance(5)
    before = len(sandbox.calls)
    with registry.cursor() as cr:
        api.Environment(cr, SUPERUSER_ID, {})["xero.poll.cursor"]._cron_xero_poll()
    return before


def timed_queue_run(registry, sandbox):
    """One run of the queue's cron: (when it started, [(method, path, when its answer
    left the sandbox)]), so that a run's time ends with the answer it waited for."""
    answered = []
    sandbox.response_checker = lambda _api, method, path, _response: answered.append(
        (method, path, time.perf_counter())
    )
    started = time.perf_counter()
    try:
        with registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["xero.sync.job"]._cron_process_queue()
    finally:
        sandbox.response_checker = None
    return started, answered


def last_log(registry):
    """The id of the sync log's latest line: where a run's calls start."""
    with registry.cursor() as cr:
        return api.Environment(cr, SUPERUSER_ID, {})["xero.sync.log"].search([], limit=1).id or 0


def call_durations(registry, since, operation=None):
    """Milliseconds each call logged after ``since`` (of ``operation``) waited for Xero."""
    domain = [("id", ">", since), ("http_status", "!=", False)]
    if operation:
        domain.append(("operation", "=", operation))
    with registry.cursor() as cr:
        logs = api.Environment(cr, SUPERUSER_ID, {})["xero.sync.log"].search(domain)
        return logs.mapped("duration_ms")


def waited(registry, since, operation=None):
    """Seconds the calls logged after ``since`` (of ``operation``) waited for Xero."""
    return sum(call_durations(registry, since, operation)) / 1000


ROOT = Path(__file__).resolve().parents[2]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def odoo_server(registry):
    """A real Odoo server on the benchmark's database, with one cron thread (the queue
    woken by commits, as in production); yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            config["config"],
            "-d",
            registry.db_name,
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(port),
            "--gevent-port",
            str(free_port()),
            "--max-cron-threads",
            "1",
            "--workers",
            "0",
            "--log-level",
            "warn",
            "--db-filter",
            f"^{registry.db_name}$",
        ],
        cwd=ROOT,
    )
    try:
        time.sleep(8)  # the server starts and its cron thread listens
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(30)


def taxed_products(env, prefix, count=3):
    """A 15% sales tax of the company and ``count`` products sold with it, named after
    ``prefix``: (tax, products)."""
    tax = env["account.tax"].create(
        {
            "name": f"{prefix} GST 15%",
            "amount": 15,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "company_id": env.company.id,
        }
    )
    products = env["product.product"].create(
        [
            {
                "name": f"{prefix} product {index}",
                "default_code": f"{prefix}-{index}",
                "list_price": 10.5 + index * 7.25,
                "taxes_id": [Command.set(tax.ids)],
            }
            for index in range(count)
        ]
    )
    return tax, products
