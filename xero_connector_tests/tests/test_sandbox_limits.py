"""Xero's rate limits in the sandbox: headers, 429s, Retry-After, fixed windows."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from xero_python.exceptions import RateLimitException

from .sandbox_client import Xero

HEADERS = ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining")


def headers_of(xero):
    _data, _status, headers = xero.api.get_organisations(
        xero.tenant_id, _return_http_data_only=False
    )
    return headers


def at_second_of_minute(sandbox, second):
    """Move the sandbox clock to ``second`` seconds into a coming minute."""
    now = sandbox.clock.now()
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=2)
    sandbox.clock.set(start + timedelta(seconds=second))


def test_every_answer_reports_what_is_left(xero):
    first = headers_of(xero)
    second = headers_of(xero)
    assert all(name in first for name in HEADERS)
    assert int(second["X-MinLimit-Remaining"]) == int(first["X-MinLimit-Remaining"]) - 1
    assert int(second["X-DayLimit-Remaining"]) == int(first["X-DayLimit-Remaining"]) - 1
    _data, _status, headers = xero.identity.get_connections(_return_http_data_only=False)
    assert "X-AppMinLimit-Remaining" in headers and "X-MinLimit-Remaining" not in headers


def test_the_61st_call_in_a_minute_waits_for_the_next_window(xero, sandbox):
    at_second_of_minute(sandbox, 10)
    xero.token = dict(sandbox.connect([xero.tenant_id]))
    for _ in range(60):
        xero.api.get_organisations(xero.tenant_id)
    with pytest.raises(RateLimitException) as failure:
        xero.api.get_organisations(xero.tenant_id)
    assert failure.value.rate_limit == "minute"
    retry_after = int(failure.value.headers["Retry-After"])
    assert 45 <= retry_after <= 50
    assert failure.value.headers["X-MinLimit-Remaining"] == "0"
    sandbox.clock.advance(retry_after)
    assert xero.api.get_organisations(xero.tenant_id)


def test_the_daily_limit_is_configurable_and_per_organisation(xero, sandbox):
    status, limits = xero.admin("POST", "limits", {"per_day": 3})
    assert status == 200 and limits["per_day"] == 3
    for _ in range(3):
        xero.api.get_organisations(xero.tenant_id)
    with pytest.raises(RateLimitException) as failure:
        xero.api.get_organisations(xero.tenant_id)
    assert failure.value.rate_limit == "day"
    now = sandbox.clock.now()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), timezone.utc)
    assert int(failure.value.headers["Retry-After"]) == pytest.approx(
        (midnight - now).total_seconds(), abs=2
    )
    # the other organisation has its own budget
    other = Xero(sandbox, tenant=1)
    assert other.api.get_organisations(other.tenant_id)


def test_more_than_five_concurrent_calls_are_refused(xero, sandbox):
    sandbox.faults.add("slow", count=5, path="/Organisation", delay=1.0)
    results = []

    def call():
        try:
            xero.api.get_organisations(xero.tenant_id)
            results.append("ok")
        except RateLimitException as error:
            results.append(error.rate_limit)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    deadline = datetime.now() + timedelta(seconds=5)
    while sandbox.limiter.in_flight(xero.tenant_id, sandbox.app.client_id) < 5:
        assert datetime.now() < deadline
    call()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["concurrent", "ok", "ok", "ok", "ok", "ok"]
