"""What a new connection's first poll costs to fill the mirror the money reports read.

    setup/benchmark mirror_fill [--invoices N] [--payments P] [--customers C]

Against the Xero sandbox's second organisation (Thames Ledger, GBP; a third of the
invoices in USD), with real commits: N approved sales invoices of C customers, paid by
P payments each (a fifth of them part-paid: their last payment left out), a few credit
notes and overpayments refunded; then a new connection's first poll. Printed: the GET
calls it made by collection (target ≤ ⌈N/1000⌉ + 10: Xero pages whole invoices 1,000
at a time, with their payments and credits), what the mirror then holds against the
organisation, and the seconds the poll took. Everything the poll made in Odoo is
removed afterwards; ``fill()`` is what ``setup/benchmark insights`` calls.
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import math
import time

import requests

from odoo import SUPERUSER_ID, api

from ..tests.common import connected_values, forget_xero_data
from ._support import odoo_benchmark

NEEDS_ODOO = True
TENANT = 1  # Thames Ledger: the first organisation is left to the other benchmarks
PREFIX = "Mirror"
REFUNDS = 20  # credit notes refunded, and as many overpayments
# what the poll reads, by the end of the call's path
COLLECTIONS = ("Invoices", "Payments", "Contacts")


def fill(registry, sandbox, invoices=100_000, payments_per_invoice=2, customers=500):
    """Plant ``invoices`` invoices with their payments in the sandbox's second
    organisation, connect the company to it as new, run its first poll and undo in Odoo
    what the poll made. Returns {"invoices", "payments", "refunds", "reads", "target",
    "seconds", "by_collection", "mirrored"}: the organisation's invoices of the history
    (and unpaid ones), its payments of customers and refunds; the GET calls of the poll
    and their target ⌈invoices / 1000⌉ + 10; the poll's seconds; the calls by collection;
    what the mirror held ({"invoices", "payments", "refunds"}).

    Commits: call it outside any open transaction that wrote the company's connection
    (the insights benchmark's own is rolled back at the end)."""
    books = sandbox.tenant(TENANT).books
    planted = _plant(sandbox, invoices, payments_per_invoice, customers)
    saved = _connect(registry, sandbox)
    try:
        before = len(sandbox.calls)
        started = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            connection = env.company._xero_connection().sudo()
            env["xero.poll.cursor"]._xero_poll_connections(connection)
        seconds = time.perf_counter() - started
        reads = [
            c
            for c in sandbox.calls[before:]
            if c["method"] == "GET" and c["path"].startswith("/api.xro/2.0/")
        ]
        mirrored = _mirrored(registry)
    finally:
        _forget(registry, saved)
    with sandbox.lock:
        payments = [p for p in books.payments.values() if p["Status"] != "DELETED"]
        kept = sum(1 for i in books.invoices.values() if i["Type"] == "ACCREC")
    by_collection = {name: 0 for name in (*COLLECTIONS, "reference data")}
    for call in reads:
        name = call["path"].rsplit("/", 1)[-1]
        by_collection[name if name in COLLECTIONS else "reference data"] += 1
    return {
        "invoices": kept,
        "payments": sum(1 for p in payments if p["PaymentType"] == "ACCRECPAYMENT"),
        "refunds": sum(1 for p in payments if p["PaymentType"] != "ACCRECPAYMENT"),
        "reads": len(reads),
        "target": math.ceil(kept / 1000) + 10,
        "seconds": round(seconds, 1),
        "planted_in": planted,
        "by_collection": by_collection,
        "mirrored": mirrored,
    }


def _plant(sandbox, invoices, payments, customers):
    """The organisation's sales (the admin's bulk seeding), then refunds of credit notes
    and overpayments; returns the seconds it took."""
    started = time.perf_counter()
    tenant = sandbox.tenant(TENANT)
    answer = requests.post(
        f"{sandbox.urls['admin']}/tenants/{tenant.tenant_id}/bulk",
        json={
            "invoices": invoices,
            "contacts": customers,
            "payments": payments,
            "part_paid_every": 5,
            "currencies": [tenant.books.base_currency(), "USD", tenant.books.base_currency()],
            "days": 1000,
            "prefix": PREFIX,
        },
        timeout=3600,
    )
    answer.raise_for_status()
    books = tenant.books
    with sandbox.lock:
        contacts = [c["ContactID"] for c in books.contacts.values() if c["Name"].startswith(PREFIX)]
        for index in range(REFUNDS):
            contact = contacts[index % len(contacts)]
            credit = books.save_document(
                "credit",
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": contact},
                    "Status": "AUTHORISED",
                    "LineItems": [
                        {
                            "Description": "Goodwill",
                            "Quantity": 1,
                            "UnitAmount": 10 + index,
                            "AccountCode": "200",
                        }
                    ],
                },
                PREFIX,
            )
            transaction = books.record_overpayment(contact, 25 + index, PREFIX)
            refunded = (
                ("CreditNote", "CreditNoteID", credit, credit["Total"]),
                ("Overpayment", "OverpaymentID", transaction, 25 + index),
            )
            for key, id_key, document, amount in refunded:
                books.create_payment(
                    {
                        key: {id_key: document[id_key]},
                        "Account": {"Code": "090"},
                        "Date": books.today().isoformat(),
                        "Amount": amount,
                    },
                    PREFIX,
                )
    return round(time.perf_counter() - started, 1)


def _connect(registry, sandbox):
    """The company's connection, connected to the organisation for the first time (its
    own limits lifted: the figures are the calls, not the waits); returns what it was."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        forget_xero_data(env)
        connection = env.company._xero_connection().sudo()
        keys = ["mode", "sandbox_url", "client_id", "client_secret", "state", "last_error"]
        keys += ["access_token", "refresh_token", "token_expires_at", "tenant_id"]
        keys += ["connection_ref", "tenant_name", "base_currency"]
        keys += ["sync_contacts", "minute_limit", "day_limit"]
        saved = connection.read(keys)[0]
        saved["partners"] = (
            env["res.partner"]
            .with_context(active_test=False)
            .search([], order="id desc", limit=1)
            .id
        )
        connection.write(
            connected_values(sandbox, 7200, tenant=TENANT)
            | {"sync_contacts": True, "minute_limit": 10**6, "day_limit": 10**9}
        )
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        connection = env.company._xero_connection().sudo()
        connection._xero_use_organisation(connection.tenant_id, False)
    return saved


def _mirrored(registry):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        connection = env.company._xero_connection().sudo()
        where = [("connection_id", "=", connection.id)]
        return {
            "invoices": env["xero.invoice"].search_count(where),
            "payments": env["xero.invoice.payment"].search_count(
                [*where, ("kind", "=", "payment")]
            ),
            "credits": env["xero.invoice.payment"].search_count(
                [*where, ("kind", "!=", "payment")]
            ),
            "refunds": env["xero.refund"].search_count(where),
        }


def _forget(registry, saved):
    """What the poll made in Odoo goes; the connection is as it was."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        connection = env.company._xero_connection().sudo()
        env["xero.refund"].search([("connection_id", "=", connection.id)]).unlink()
        env["xero.invoice"].search([("connection_id", "=", connection.id)]).unlink()
        forget_xero_data(env)
        partners = env["res.partner"].with_context(active_test=False)
        partners.search([("id", ">", saved.pop("partners"))]).unlink()
        connection.write({key: value for key, value in saved.items() if key != "id"})


def main():
    args, registry, sandbox = odoo_benchmark(
        "setup/benchmark mirror_fill", invoices=100_000, payments=2, customers=500
    )
    try:
        figures = fill(registry, sandbox, args.invoices, args.payments, args.customers)
    finally:
        sandbox.stop()
    mirrored = figures["mirrored"]
    print(
        f"A new connection's first poll: {figures['invoices']} sales invoices, "
        f"{figures['payments']} payments, {figures['refunds']} refunds in Xero "
        f"(planted in {figures['planted_in']} s)"
    )
    print(
        f"  GET calls {figures['reads']:6d}   target ≤ ⌈N/1000⌉ + 10 = {figures['target']} "
        f"({figures['reads'] / figures['target']:.2f} of it): "
        + ", ".join(f"{count} {name}" for name, count in figures["by_collection"].items())
    )
    print(
        f"  the mirror then holds {mirrored['invoices']} invoices, {mirrored['payments']} "
        f"payments, {mirrored['credits']} credits, {mirrored['refunds']} refunds; "
        f"the poll took {figures['seconds']:.1f} s"
    )


if __name__ == "__main__":
    main()
