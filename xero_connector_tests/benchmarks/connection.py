"""What the connection layer costs on top of a plain xero-python call.

    setup/benchmark connection [--calls N]

Runs against the Xero sandbox, in a real Odoo transaction per call as a cron
worker would: a call through the connection's seam (usable check, token, the
call's log line and the rate-limit bookkeeping, each on a cursor of its own)
against the same SDK call made directly, and the number of token renewals when
the token is about to expire (one for all calls).
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import time

from odoo import SUPERUSER_ID, api

from ..tests.common import connected_values
from ..tests.sandbox_client import Xero
from ._support import odoo_benchmark

NEEDS_ODOO = True


def per_call(count, call):
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count * 1000


def connect(env, sandbox, expires_in):
    connection = env.company._xero_connection().sudo()
    connection.write(connected_values(sandbox, expires_in))
    return connection.id


def main():
    args, registry, sandbox = odoo_benchmark("setup/benchmark connection", calls=200)
    try:
        with registry.cursor() as cr:
            connection_id = connect(api.Environment(cr, SUPERUSER_ID, {}), sandbox, 3600)

        def through_the_addon():
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["xero.connection"].browse(connection_id)._xero_call("get_organisations")

        plain = Xero(sandbox)
        direct = per_call(args.calls, lambda: plain.api.get_organisations(plain.tenant_id))
        addon = per_call(args.calls, through_the_addon)
        with registry.cursor() as cr:
            connection = api.Environment(cr, SUPERUSER_ID, {})["xero.connection"].browse(
                connection_id
            )
            batch = per_call(args.calls, lambda: connection._xero_call("get_organisations"))
        with registry.cursor() as cr:
            connect(api.Environment(cr, SUPERUSER_ID, {}), sandbox, 30)
        before = len([c for c in sandbox.calls if c["path"] == "/connect/token"])
        per_call(args.calls, through_the_addon)
        renewals = len([c for c in sandbox.calls if c["path"] == "/connect/token"]) - before
    finally:
        sandbox.stop()
        with registry.cursor() as cr:
            connection = api.Environment(cr, SUPERUSER_ID, {})["xero.connection"].browse(
                connection_id
            )
            connection.write({"state": "draft", "access_token": False, "refresh_token": False})
    print(f"Connection layer, {args.calls} calls of GET /Organisation against the sandbox")
    print(f"  xero-python alone                     {direct:7.2f} ms per call")
    print(
        f"  the seam, one worker transaction      {batch:7.2f} ms per call ({batch / direct:.2f}x)"
    )
    print(
        f"  the seam, a transaction each          {addon:7.2f} ms per call ({addon / direct:.2f}x)"
    )
    print(f"  token renewals for {args.calls} calls with an expiring token: {renewals} (target 1)")


if __name__ == "__main__":
    main()
