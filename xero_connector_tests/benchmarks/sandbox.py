"""How fast the Xero sandbox answers, so later benchmarks know it is not their bottleneck.

    setup/benchmark sandbox [--requests N]

Measured through xero-python, as the addon calls it: a typical GET (a page of
contacts) and a 50-element PUT (50 new contacts), one client after the other and
with five clients at once (Xero's concurrency limit).
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import argparse
import threading
import time

from xero_python.accounting import Contact, Contacts

from ..sandbox import XeroSandbox
from ..sandbox.limits import Limits
from ..tests.sandbox_client import Xero


def timed(count, call, clients=1):
    """Requests per second for ``count`` calls spread over ``clients`` threads."""
    share = [count // clients + (1 if n < count % clients else 0) for n in range(clients)]

    def work(calls):
        for _ in range(calls):
            call()

    threads = [threading.Thread(target=work, args=(calls,)) for calls in share]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / (time.perf_counter() - started)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="setup/benchmark sandbox")
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args(argv).requests
    limits = Limits(per_minute=10**9, per_day=10**9, concurrent=5, app_per_minute=10**9)
    with XeroSandbox(limits=limits) as sandbox:
        xero = Xero(sandbox)
        batch = iter(range(10**9))

        def get_page():
            xero.api.get_contacts(xero.tenant_id, page=1)

        def put_fifty():
            start = next(batch) * 50
            people = [Contact(name=f"Benchmark {start + n}") for n in range(50)]
            xero.api.create_contacts(xero.tenant_id, Contacts(contacts=people))

        get_page()  # warm up the connection
        results = [
            ("GET /Contacts?page=1 (a page of contacts)", timed(count, get_page)),
            ("GET /Contacts?page=1, 5 clients at once", timed(count, get_page, clients=5)),
            ("PUT /Contacts with 50 contacts", timed(max(count // 10, 5), put_fifty)),
            (
                "PUT /Contacts with 50 contacts, 5 clients",
                timed(max(count // 10, 5), put_fifty, clients=5),
            ),
        ]
    print("Xero sandbox, through xero-python 15.2.0 on 127.0.0.1")
    for label, per_second in results:
        elements = f" ({per_second * 50:,.0f} contacts/s)" if "50" in label else ""
        print(f"  {label:45} {per_second:8.1f} requests/s{elements}")


if __name__ == "__main__":
    main()
