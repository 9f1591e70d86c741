"""``setup/sandbox``: run the Xero sandbox on 127.0.0.1 until interrupted.

On start it prints one JSON line: the URLs, the app's credentials, the webhook key
and the organisations. With ``--state-file`` its state survives restarts.
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import argparse
import json
import os
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
    return parser.parse_args(argv)


def keep_saving(sandbox, path, stopped):
    saved = -1
    while not stopped.wait(2):
        if sandbox.changes != saved:
            saved = sandbox.changes
            sandbox.save(path)


def main(argv=None):
    args = parse(argv)
    sandbox = XeroSandbox(
        client_id=args.client_id,
        client_secret=args.client_secret,
        webhook_url=args.webhook_url,
        webhook_key=args.webhook_key,
        limits=Limits(per_minute=args.per_minute, per_day=args.per_day),
    )
    if args.state_file and os.path.exists(args.state_file):
        sandbox.load(args.state_file)
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
    if args.state_file:
        threading.Thread(
            target=keep_saving, args=(sandbox, args.state_file, stopped), daemon=True
        ).start()
    stopped.wait()
    if args.state_file:
        sandbox.save(args.state_file)
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
