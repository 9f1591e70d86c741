"""Fixtures for tests that talk to the Xero sandbox through xero-python."""

import pytest

from ..sandbox import XeroSandbox
from ..sandbox.openapi_check import OpenApiChecker
from .sandbox_client import Xero, token_urls


@pytest.fixture
def sandbox():
    """A fresh sandbox on a free port; every JSON answer is checked against Xero's OpenAPI file."""
    sandbox = XeroSandbox(retry_schedule=(0.2, 0.4, 0.6))
    checker = OpenApiChecker.shared()
    problems = []
    if checker:
        sandbox.response_checker = lambda api, method, path, response: problems.extend(
            checker.check(api, method, path, response.status, response.payload())
        )
    sandbox.start()
    with token_urls(sandbox):
        yield sandbox
    sandbox.stop()
    # Xero's file declares no body for most error answers (401, 403, a GET's 400...)
    problems = [p for p in problems if not p.endswith("not in the OpenAPI file") or " 200: " in p]
    assert problems == [], "answers that break Xero's OpenAPI file:\n" + "\n".join(problems)


@pytest.fixture
def xero(sandbox):
    """xero-python connected to the first organisation (Kauri Tools Ltd, NZD, GST 15%)."""
    return Xero(sandbox)


@pytest.fixture
def xero_uk(sandbox):
    """xero-python connected to the second organisation (Thames Ledger Ltd, GBP, VAT 20%)."""
    return Xero(sandbox, tenant=1)
