"""Fault injection: the failures a connector must survive without duplicates or losses."""

import pytest
import urllib3
from xero_python.accounting import Contact, Contacts
from xero_python.exceptions import HTTPStatusException, RateLimitException


def test_500_and_503_change_nothing(xero, sandbox):
    sandbox.faults.add("500", method="PUT", path="/Invoices")
    with pytest.raises(HTTPStatusException) as failure:
        xero.api.create_invoices(xero.tenant_id, xero.sale("A"))
    assert failure.value.status == 500
    sandbox.faults.add("503")
    with pytest.raises(HTTPStatusException) as failure:
        xero.api.get_invoices(xero.tenant_id)
    assert failure.value.status == 503
    assert xero.count("A") == 0
    # the faults are used up: the next calls work
    xero.api.create_invoices(xero.tenant_id, xero.sale("A"))
    assert xero.count("A") == 1


def test_an_injected_429_says_when_to_come_back(xero, sandbox):
    sandbox.faults.add("429", retry_after=17)
    with pytest.raises(RateLimitException) as failure:
        xero.api.get_contacts(xero.tenant_id)
    assert failure.value.rate_limit == "minute" and failure.value.headers["Retry-After"] == "17"


def test_a_slow_answer_past_the_timeout_still_changed_xero(xero, sandbox):
    sandbox.faults.add("slow", method="PUT", delay=1.5)
    # xero-python takes an int or a (connect, read) tuple; a float is silently ignored
    with pytest.raises(urllib3.exceptions.MaxRetryError) as failure:
        xero.api.create_invoices(xero.tenant_id, xero.sale("Slow"), _request_timeout=(1, 0.5))
    assert isinstance(failure.value.reason, urllib3.exceptions.ReadTimeoutError)
    assert xero.count("Slow") == 1


def test_a_dropped_connection_changes_nothing(xero, sandbox):
    sandbox.faults.add("drop", method="PUT")
    with pytest.raises(urllib3.exceptions.HTTPError):
        xero.api.create_invoices(xero.tenant_id, xero.sale("Dropped"))
    assert xero.count("Dropped") == 0


def test_accept_then_fail_duplicates_a_naive_retry_but_not_a_keyed_one(xero, sandbox):
    sandbox.faults.add("accept_then_fail", method="PUT", path="/Invoices")
    with pytest.raises(HTTPStatusException):
        xero.api.create_invoices(xero.tenant_id, xero.sale("Naive"))
    xero.api.create_invoices(xero.tenant_id, xero.sale("Naive"))
    assert xero.count("Naive") == 2  # the classic trap
    sandbox.faults.add("accept_then_fail", method="PUT", path="/Invoices")
    with pytest.raises(HTTPStatusException):
        xero.api.create_invoices(xero.tenant_id, xero.sale("Keyed"), idempotency_key="keyed-1")
    retried = xero.api.create_invoices(
        xero.tenant_id, xero.sale("Keyed"), idempotency_key="keyed-1"
    )
    assert xero.count("Keyed") == 1
    assert retried.invoices[0].reference == "Keyed"


def test_faults_match_method_path_and_organisation(xero, xero_uk, sandbox):
    sandbox.faults.add("500", count=2, path="/Contacts$", tenant=xero_uk.tenant_id)
    assert xero.api.get_contacts(xero.tenant_id).contacts
    assert xero_uk.api.get_organisations(xero_uk.tenant_id)
    for _ in range(2):
        with pytest.raises(HTTPStatusException):
            xero_uk.api.get_contacts(xero_uk.tenant_id)
    assert xero_uk.api.get_contacts(xero_uk.tenant_id).contacts
    status, pending = xero.admin("GET", "faults")
    assert (status, pending) == (200, [])


def test_faults_can_be_set_over_http(xero):
    status, rule = xero.admin("POST", "faults", {"kind": "500", "count": 1, "path": "/Contacts"})
    assert status == 200 and rule["remaining"] == 1
    with pytest.raises(HTTPStatusException):
        xero.api.create_contacts(xero.tenant_id, Contacts(contacts=[Contact(name="Fault Test")]))
    status, error = xero.admin("POST", "faults", {"kind": "explode"})
    assert status == 400 and "unknown fault" in error["error"][0]
