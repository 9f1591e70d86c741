"""What the benchmarks that need Odoo share: their options, the registry, a sandbox."""

import argparse

import odoo
from odoo.modules.registry import Registry

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
