"""Webhooks: intent to receive, signed batches of CONTACT/INVOICE/CREDITNOTE events, retries."""

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from xero_python.accounting import (
    Account,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    LineItem,
    Payment,
)


class Receiver:
    """A webhook endpoint: checks signatures like a correct receiver, or misbehaves on purpose."""

    def __init__(self, key, mode="correct", failures=0):
        self.key, self.mode, self.failures = key, mode, failures
        self.deliveries = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.answer(body, self.headers.get("x-xero-signature", ""))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xero/webhook"

    def answer(self, body, signature):
        expected = base64.b64encode(
            hmac.new(self.key.encode(), body, hashlib.sha256).digest()
        ).decode()
        good = hmac.compare_digest(expected, signature)
        payload = json.loads(body)
        if payload["events"]:
            self.deliveries.append((payload, good))
        if self.mode == "accept_all":
            return 200
        if payload["events"] and self.failures > 0:
            self.failures -= 1
            return 500
        return 200 if good else 401

    def events(self):
        return [event for payload, _good in self.deliveries for event in payload["events"]]

    def wait_for(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while len(self.events()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.events()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(sandbox):
    receiver = Receiver(sandbox.app.webhooks.key)
    sandbox.app.webhooks.configure(url=receiver.url)
    yield receiver
    receiver.close()


def subscribe(xero):
    status, result = xero.admin("POST", "webhook/intent")
    assert status == 200
    return result


def test_intent_to_receive_passes_a_correct_receiver(xero, receiver):
    result = subscribe(xero)
    assert result["ok"] and result["status"] == "ok"
    assert [c["expected"] for c in result["checks"]] == [200, 401, 200, 401]
    assert all(c["ok"] and c["empty_body"] and c["seconds"] < 5 for c in result["checks"])


def test_a_receiver_accepting_bad_signatures_fails_and_gets_no_events(xero, sandbox):
    lax = Receiver(sandbox.app.webhooks.key, mode="accept_all")
    try:
        sandbox.app.webhooks.configure(url=lax.url)
        result = subscribe(xero)
        assert not result["ok"] and result["status"] == "failed"
        assert [c["ok"] for c in result["checks"]] == [True, False, True, False]
        xero.api.create_contacts(xero.tenant_id, Contacts(contacts=[Contact(name="Unheard")]))
        assert sandbox.app.webhooks.flush()
        assert lax.events() == []
    finally:
        lax.close()


def test_changes_arrive_as_signed_batches(xero, sandbox, receiver):
    subscribe(xero)
    created = xero.api.create_contacts(
        xero.tenant_id, Contacts(contacts=[Contact(name=f"Hook {n}") for n in range(3)])
    ).contacts
    events = receiver.wait_for(3)
    payload, signed = receiver.deliveries[0]
    assert signed
    assert set(payload) == {"events", "firstEventSequence", "lastEventSequence", "entropy"}
    assert (
        payload["lastEventSequence"] - payload["firstEventSequence"] == len(payload["events"]) - 1
    )
    event = events[0]
    assert set(event) == {
        "resourceUrl",
        "resourceId",
        "eventDateUtc",
        "eventType",
        "eventCategory",
        "tenantId",
        "tenantType",
    }
    assert (event["eventCategory"], event["eventType"], event["tenantType"]) == (
        "CONTACT",
        "CREATE",
        "ORGANISATION",
    )
    assert event["tenantId"] == xero.tenant_id
    assert {e["resourceId"] for e in events} == {c.contact_id for c in created}
    assert event["resourceUrl"].endswith(f"/api.xro/2.0/Contacts/{event['resourceId']}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", event["eventDateUtc"])


def test_invoice_credit_note_and_payment_changes_raise_events(xero, sandbox, receiver):
    subscribe(xero)
    contact_id = next(iter(xero.books.contacts))
    line = LineItem(
        description="x", quantity=Decimal(1), unit_amount=Decimal(50), account_code="200"
    )
    invoice = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        line_items=[line],
        status="AUTHORISED",
    )
    (created,) = xero.api.create_invoices(xero.tenant_id, Invoices(invoices=[invoice])).invoices
    note = CreditNote(
        type="ACCRECCREDIT", contact=Contact(contact_id=contact_id), line_items=[line]
    )
    xero.api.create_credit_notes(xero.tenant_id, CreditNotes(credit_notes=[note]))
    pay = Payment(
        invoice=Invoice(invoice_id=created.invoice_id),
        account=Account(code="090"),
        amount=Decimal(10),
        date=created.date,
    )
    xero.api.create_payment(xero.tenant_id, pay)
    events = receiver.wait_for(3)
    kinds = [(e["eventCategory"], e["eventType"]) for e in events]
    assert kinds == [("INVOICE", "CREATE"), ("CREDITNOTE", "CREATE"), ("INVOICE", "UPDATE")]
    # there is no PAYMENT category: a payment shows as an invoice update
    assert events[2]["resourceId"] == created.invoice_id


def test_failed_deliveries_are_retried(xero, sandbox, receiver):
    subscribe(xero)
    receiver.failures = 2
    xero.api.create_contacts(xero.tenant_id, Contacts(contacts=[Contact(name="Retried")]))
    assert sandbox.app.webhooks.flush()
    log = sandbox.app.webhooks.log
    assert [(entry["attempt"], entry["status"]) for entry in log] == [(1, 500), (2, 500), (3, 200)]
    assert len({payload["firstEventSequence"] for payload, _ in receiver.deliveries}) == 1
    status, deliveries = xero.admin("GET", "webhook/deliveries")
    assert status == 200 and deliveries[-1]["ok"] is True


def test_a_webhook_failing_for_good_is_disabled(xero, sandbox, receiver):
    subscribe(xero)
    receiver.failures = 100
    xero.api.create_contacts(xero.tenant_id, Contacts(contacts=[Contact(name="Never")]))
    assert sandbox.app.webhooks.flush()
    assert sandbox.app.webhooks.status == "disabled"
    xero.api.create_contacts(xero.tenant_id, Contacts(contacts=[Contact(name="Dropped")]))
    assert sandbox.app.webhooks.flush()
    assert all(e["resourceId"] != "Dropped" for e in receiver.events())
    assert len(receiver.deliveries) == 4


def test_only_connected_organisations_are_heard_and_the_accountant_counts(xero, sandbox, receiver):
    subscribe(xero)
    other = sandbox.tenant(1).tenant_id
    assert xero.admin("POST", f"tenants/{other}/contacts", {"Name": "Not connected"})[0] == 200
    mine = xero.admin(
        "POST", f"tenants/{xero.tenant_id}/contacts", {"Name": "From the accountant"}
    )[1]
    events = receiver.wait_for(1)
    assert sandbox.app.webhooks.flush()
    assert [e["resourceId"] for e in receiver.events()] == [mine["ContactID"]]
    assert events[0]["tenantId"] == xero.tenant_id
