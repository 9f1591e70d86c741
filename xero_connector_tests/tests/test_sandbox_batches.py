"""Batches (summarizeErrors both ways) and Idempotency-Key replays."""

import threading

import pytest
from xero_python.accounting import Contact, Contacts, Invoice
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException


def contacts(*names):
    return Contacts(contacts=[Contact(name=name) for name in names])


def names_in(xero):
    return [c["Name"] for c in xero.books.contacts.values()]


def test_summarised_errors_fail_the_whole_answer_but_keep_valid_elements(xero):
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_contacts(
            xero.tenant_id, contacts("Alpha One", "Ridgeway Builders", "Beta Two")
        )
    body = failure.value.error_data
    assert body["Type"] == "ValidationException" and body["ErrorNumber"] == 10
    assert [e["Name"] for e in body["Elements"]] == ["Ridgeway Builders"]
    # as in Xero, the valid elements were saved although the answer says 400
    assert {"Alpha One", "Beta Two"} <= set(names_in(xero))


def test_unsummarised_errors_report_each_element(xero):
    answer = xero.api.create_contacts(
        xero.tenant_id, contacts("Gamma", "Ridgeway Builders", "Delta"), summarize_errors=False
    )
    states = [(c.name, c.status_attribute_string, c.has_validation_errors) for c in answer.contacts]
    assert states == [
        ("Gamma", "OK", False),
        ("Ridgeway Builders", "ERROR", True),
        ("Delta", "OK", False),
    ]
    assert answer.contacts[0].contact_id and answer.contacts[1].contact_id is None
    assert "already assigned" in answer.contacts[1].validation_errors[0].message


def test_invoices_flag_errors_with_has_errors(xero):
    batch = xero.sale("Order 1")
    batch.invoices.append(Invoice(type="ACCREC", contact=Contact(name="Someone"), line_items=[]))
    answer = xero.api.create_invoices(xero.tenant_id, batch, summarize_errors=False).invoices
    assert [i.status_attribute_string for i in answer] == ["OK", "ERROR"]
    assert answer[1].has_errors is True


def test_fifty_contacts_in_one_call(xero, sandbox):
    answer = xero.api.create_contacts(xero.tenant_id, contacts(*[f"Batch {n}" for n in range(50)]))
    assert len(answer.contacts) == 50
    assert len(sandbox.calls_to("/Contacts", "PUT")) == 1


def test_a_repeated_key_replays_the_first_answer_without_a_second_invoice(xero, sandbox):
    first = xero.api.create_invoices(
        xero.tenant_id, xero.sale("Order 1"), idempotency_key="order-1-attempt"
    )
    again = xero.api.create_invoices(
        xero.tenant_id, xero.sale("Order 1"), idempotency_key="order-1-attempt"
    )
    assert again.invoices[0].invoice_id == first.invoices[0].invoice_id
    assert xero.count("Order 1") == 1
    assert len(sandbox.calls_to("/Invoices", "PUT")) == 2


def test_a_key_reused_with_another_body_is_a_409(xero):
    xero.api.create_invoices(xero.tenant_id, xero.sale("Order 1"), idempotency_key="key-1")
    with pytest.raises(HTTPStatusException) as failure:
        xero.api.create_invoices(xero.tenant_id, xero.sale("Order 2"), idempotency_key="key-1")
    assert failure.value.status == 409
    assert xero.count("Order 2") == 0


def test_keys_longer_than_128_characters_are_refused(xero):
    with pytest.raises(AccountingBadRequestException):
        xero.api.create_contacts(xero.tenant_id, contacts("Long Key"), idempotency_key="k" * 129)


def test_two_concurrent_requests_with_one_key_create_one_invoice(xero, sandbox):
    sandbox.faults.add("slow", count=1, method="PUT", path="/Invoices", delay=0.5)
    answers = []

    def send():
        answers.append(
            xero.api.create_invoices(
                xero.tenant_id, xero.sale("Order 1"), idempotency_key="double-click"
            )
        )

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({a.invoices[0].invoice_id for a in answers}) == 1
    assert xero.count("Order 1") == 1


def test_keys_are_kept_for_24_hours(xero):
    xero.api.create_invoices(xero.tenant_id, xero.sale("Order 1"), idempotency_key="daily")
    xero.advance(25 * 3600)
    xero.api.create_invoices(xero.tenant_id, xero.sale("Order 1"), idempotency_key="daily")
    assert xero.count("Order 1") == 2
