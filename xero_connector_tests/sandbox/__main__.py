"""``setup/sandbox``: run the Xero sandbox on 127.0.0.1 until interrupted.

On start it prints one JSON line: the URLs, the app's credentials, the webhook key
and the organisations. With ``--state-file`` its state survives restarts, even a
SIGKILL: each change is written before its answer is sent.
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import argparse
import json
import pickle
import signal
import sys
import threading

from .core import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_WEBHOOK_KEY, XeroSandbox
from .limits import Limits


def parse(argv):
    parser = argparse.ArgumentParser(prog="setup/sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-key", default=DEFAULT_WEBHOOK_KEY)
    parser.add_argument("--state-file", default=None, help="keep the state in this file")
    parser.add_argument(
        "--per-minute", type=int, default=60, help="calls per minute per organisation"
    )
    parser.add_argument("--per-day", type=int, default=5000, help="calls per day per organisation")
    parser.add_argument(
        "--base-currency",
        default="NZD",
        help="the currency of the first organisation's books (the demo: its Odoo company's)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    try:
        sandbox = XeroSandbox(
            client_id=args.client_id,
            client_secret=args.client_secret,
            webhook_url=args.webhook_url,
            webhook_key=args.webhook_key,
            limits=Limits(per_minute=args.per_minute, per_day=args.per_day),
            base_currency=args.base_currency,
            state_file=args.state_file,
        )
    except (OSError, ValueError, EOFError, pickle.UnpicklingError) as error:
        print(
            f"[sandbox] cannot read the state file {args.state_file}: {error}; "
            "move it away to start with fresh organisations",
            file=sys.stderr,
        )
        return 2
    try:
        sandbox.start(port=args.port)
    except OSError as error:
        print(
            f"[sandbox] cannot listen on 127.0.0.1:{args.port}: {error.strerror}", file=sys.stderr
        )
        return 2
    print(json.dumps(sandbox.describe()), flush=True)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stopped.set())
    stopped.wait()
    sandbox.stop()  # saves the state file a last time
    return 0


if __name__ == "__main__":
    sys.exit(main())
