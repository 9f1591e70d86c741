"""Viewed online invoices, the Email endpoint's History record, and Xero's refusals of
payments: documents not approved, a missing account, reconciled and batched payments."""

from decimal import Decimal

import pytest
import requests
from xero_python.accounting import (
    Account,
    Invoice,
    Payment,
    PaymentDelete,
    RequestEmpty,
)
from xero_python.exceptions import AccountingBadRequestException

from . import sandbox_client
from .test_sandbox_payments import new_invoice

NOT_AUTHORISED = "Payments can only be made against Authorised documents"
RECONCILED = "This payment has been reconciled and cannot be deleted"
IN_BATCH = "Payments within a batch cannot be deleted."
NO_ACCOUNT = "You must specify an Account code or Account ID for the payment."
VIEWED = ("Viewed", "System Generated", "The customer viewed the online invoice.")


def get(xero, invoice_id):
    return xero.api.get_invoice(xero.tenant_id, invoice_id).invoices[0]


def history(xero, invoice_id):
    return [
        (r.changes, r.user, r.details)
        for r in xero.api.get_invoice_history(xero.tenant_id, invoice_id).history_records
    ]


def online_url(xero, invoice_id):
    return (
        xero.api.get_online_invoice(xero.tenant_id, invoice_id)
        .online_invoices[0]
        .online_invoice_url
    )


def open_page(url):
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    return page


def pay(xero, invoice_id, amount, code="090", reconciled=None):
    payment = Payment(
        invoice=Invoice(invoice_id=invoice_id),
        account=Account(code=code) if code else None,
        amount=Decimal(amount),
        date=xero.books.today(),
        is_reconciled=reconciled,
    )
    return xero.api.create_payment(xero.tenant_id, payment).payments[0]


def delete(xero, payment_id):
    return xero.api.delete_payment(
        xero.tenant_id, payment_id, PaymentDelete(status="DELETED")
    ).payments[0]


@pytest.fixture
def events(sandbox, monkeypatch):
    """The webhook events the sandbox raises for apps connected to an organisation."""
    raised = []
    monkeypatch.setattr(sandbox, "_emit", lambda _hooks, event: raised.append(event))
    return raised


@pytest.fixture
def switched_on():
    """A sandbox built with both view switches on, and a client of its first organisation."""
    sandbox = sandbox_client.checked_sandbox(
        retry_schedule=(0.2,), view_touches_invoice=True, view_sends_webhook=True
    )
    with sandbox_client.token_urls(sandbox):
        yield sandbox_client.Xero(sandbox)
    sandbox.stop()
    assert sandbox.problems == []


# ------------------------------------------------------------------ viewed online invoices


def test_each_view_of_the_online_invoice_is_a_history_record_and_nothing_else(xero, events):
    invoice = new_invoice(xero)
    url = online_url(xero, invoice.invoice_id)
    before = get(xero, invoice.invoice_id)
    events.clear()  # the invoice's CREATE
    assert [r[0] for r in history(xero, invoice.invoice_id)] == ["Created", "Approved"]
    xero.advance(60)
    assert invoice.invoice_number in open_page(url).text
    xero.advance(60)
    open_page(url)
    records = xero.api.get_invoice_history(xero.tenant_id, invoice.invoice_id).history_records
    assert [(r.changes, r.user, r.details) for r in records[2:]] == [VIEWED, VIEWED]
    assert records[3].date_utc > records[2].date_utc  # each view at its own time
    # by default a view changes nothing a client could poll for, and raises no event
    after = get(xero, invoice.invoice_id)
    assert after.updated_date_utc == before.updated_date_utc
    assert not xero.api.get_invoices(
        xero.tenant_id, if_modified_since=before.updated_date_utc, i_ds=[invoice.invoice_id]
    ).invoices
    assert events == []
    # asking for the link again is no view; a bad link records nothing
    online_url(xero, invoice.invoice_id)
    assert requests.get(url + "0", timeout=10).status_code == 404
    assert len(history(xero, invoice.invoice_id)) == 4


def test_views_bump_the_invoice_and_raise_a_webhook_when_built_so(switched_on):
    xero = switched_on
    raised = []
    xero.sandbox._emit = lambda _hooks, event: raised.append(event)
    invoice = new_invoice(xero)
    url = online_url(xero, invoice.invoice_id)
    before = get(xero, invoice.invoice_id).updated_date_utc
    raised.clear()
    xero.advance(60)
    open_page(url)
    assert history(xero, invoice.invoice_id)[-1] == VIEWED
    assert get(xero, invoice.invoice_id).updated_date_utc > before
    assert [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in raised] == [
        ("INVOICE", "UPDATE", invoice.invoice_id)
    ]
    status, state = xero.admin("GET", "state")
    assert status == 200 and state["online_views"] == {"touch": True, "webhook": True}


def test_the_admin_api_switches_each_effect_of_a_view(xero, events):
    invoice = new_invoice(xero)
    url = online_url(xero, invoice.invoice_id)
    assert xero.admin("GET", "online-views") == (200, {"touch": False, "webhook": False})
    events.clear()  # the invoice's CREATE

    assert xero.admin("POST", "online-views", {"touch": True}) == (
        200,
        {"touch": True, "webhook": False},
    )
    before = get(xero, invoice.invoice_id).updated_date_utc
    xero.advance(60)
    open_page(url)
    touched = get(xero, invoice.invoice_id).updated_date_utc
    assert touched > before
    assert events == []

    assert xero.admin("POST", "online-views", {"touch": False, "webhook": True}) == (
        200,
        {"touch": False, "webhook": True},
    )
    xero.advance(60)
    open_page(url)
    assert get(xero, invoice.invoice_id).updated_date_utc == touched
    assert [(e["eventType"], e["resourceId"]) for e in events] == [("UPDATE", invoice.invoice_id)]
    assert [r for r in history(xero, invoice.invoice_id) if r[0] == "Viewed"] == [VIEWED] * 2

    status, error = xero.admin("POST", "online-views", {"bump": True})
    assert status == 400 and "unknown online view switch" in error["error"][0]
    status, error = xero.admin("POST", "online-views", {"webhook": False, "touch": "yes"})
    assert status == 400 and "must be true or false" in error["error"][0]
    assert xero.admin("GET", "online-views") == (200, {"touch": False, "webhook": True})


# ------------------------------------------------------------------ the Email endpoint


def test_emailing_an_invoice_keeps_the_emailed_history_record(xero):
    invoice = new_invoice(xero)
    email = next(
        c["EmailAddress"]
        for c in xero.books.contacts.values()
        if c["ContactID"] == invoice.contact.contact_id
    )
    xero.api.email_invoice(xero.tenant_id, invoice.invoice_id, RequestEmpty())
    assert history(xero, invoice.invoice_id)[-1] == (
        "Emailed",
        "Xero Connector (sandbox)",
        f"Invoice emailed to {email}.",
    )


# ------------------------------------------------------------------ payments


def test_payments_only_against_authorised_documents_in_xeros_words(xero):
    draft = new_invoice(xero, status="DRAFT")
    with pytest.raises(AccountingBadRequestException) as failure:
        pay(xero, draft.invoice_id, "1.00")
    assert failure.value.reason == NOT_AUTHORISED
    paid = new_invoice(xero)
    pay(xero, paid.invoice_id, "115.00")
    with pytest.raises(AccountingBadRequestException) as failure:
        pay(xero, paid.invoice_id, "1.00")
    assert failure.value.reason == NOT_AUTHORISED
    status, error = xero.admin(
        "POST", f"tenants/{xero.tenant_id}/payments", {"invoice_id": draft.invoice_id}
    )
    assert (status, error["error"]) == (400, [NOT_AUTHORISED])


def test_a_payment_needs_an_account(xero):
    invoice = new_invoice(xero)
    with pytest.raises(AccountingBadRequestException) as failure:
        pay(xero, invoice.invoice_id, "1.00", code=None)
    assert failure.value.reason == NO_ACCOUNT
    with pytest.raises(AccountingBadRequestException) as failure:
        pay(xero, invoice.invoice_id, "1.00", code="999")
    assert failure.value.reason == "Account could not be found"
    assert get(xero, invoice.invoice_id).amount_paid == 0


def test_a_payment_created_reconciled_cannot_be_deleted(xero):
    invoice = new_invoice(xero)
    payment = pay(xero, invoice.invoice_id, "115.00", reconciled=True)
    assert payment.is_reconciled is True
    with pytest.raises(AccountingBadRequestException) as failure:
        delete(xero, payment.payment_id)
    assert failure.value.reason == RECONCILED
    assert get(xero, invoice.invoice_id).status == "PAID"
    kept = xero.api.get_payment(xero.tenant_id, payment.payment_id).payments[0]
    assert kept.status == "AUTHORISED"


def test_a_payment_the_accountant_reconciles_cannot_be_deleted(xero):
    invoice = new_invoice(xero)
    payment = pay(xero, invoice.invoice_id, "15.00")
    assert payment.is_reconciled is False
    path = f"tenants/{xero.tenant_id}/payments/{payment.payment_id}"
    status, reconciled = xero.admin("POST", f"{path}/reconcile")
    assert status == 200 and reconciled["IsReconciled"] is True
    seen = xero.api.get_payment(xero.tenant_id, payment.payment_id).payments[0]
    assert seen.is_reconciled is True and seen.updated_date_utc > payment.updated_date_utc
    with pytest.raises(AccountingBadRequestException) as failure:
        delete(xero, payment.payment_id)
    assert failure.value.reason == RECONCILED
    assert xero.admin("DELETE", path) == (400, {"error": [RECONCILED]})
    assert get(xero, invoice.invoice_id).amount_paid == Decimal("15.00")
    # an unreconciled payment still can be deleted
    other = pay(xero, invoice.invoice_id, "10.00")
    assert delete(xero, other.payment_id).status == "DELETED"


def test_a_payment_within_a_batch_cannot_be_deleted(xero):
    invoice = new_invoice(xero)
    payment = pay(xero, invoice.invoice_id, "115.00")
    batch_id = "0b9a5c2e-51e4-4c7f-9f0e-3f1f6d1f2a77"
    path = f"tenants/{xero.tenant_id}/payments/{payment.payment_id}"
    status, batched = xero.admin("POST", f"{path}/batch", {"batch_payment_id": batch_id})
    assert status == 200 and batched["BatchPaymentID"] == batch_id
    seen = xero.api.get_payment(xero.tenant_id, payment.payment_id).payments[0]
    assert str(seen.batch_payment_id) == batch_id
    with pytest.raises(AccountingBadRequestException) as failure:
        delete(xero, payment.payment_id)
    assert failure.value.reason == IN_BATCH
    assert get(xero, invoice.invoice_id).status == "PAID"
    # without an id the sandbox makes one up; a deleted payment cannot join a batch
    second = new_invoice(xero)
    loose = pay(xero, second.invoice_id, "5.00")
    status, batched = xero.admin(
        "POST", f"tenants/{xero.tenant_id}/payments/{loose.payment_id}/batch"
    )
    assert status == 200 and len(batched["BatchPaymentID"]) == 36
    gone = pay(xero, second.invoice_id, "5.00")
    delete(xero, gone.payment_id)
    status, error = xero.admin("POST", f"tenants/{xero.tenant_id}/payments/{gone.payment_id}/batch")
    assert (status, error["error"]) == (400, ["This payment has already been deleted."])
