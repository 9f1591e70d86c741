"""xero-python pointed at a running sandbox, as the addon will use it.

The official SDK is used unchanged; only its base URLs point at the sandbox and
urllib3's hidden retries are off, so every request a test makes reaches the
sandbox exactly once.
"""

from contextlib import contextmanager
from decimal import Decimal

import requests
import urllib3
from xero_python.accounting import AccountingApi, Contact, Invoice, Invoices, LineItem
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.identity import IdentityApi

from ..sandbox import XeroSandbox
from ..sandbox.openapi_check import OpenApiChecker


def checked_sandbox(**options):
    """A started sandbox whose JSON answers are checked against Xero's OpenAPI files.

    What breaks the files collects in ``sandbox.problems``; error answers the files
    do not describe (401, 403, a GET's 400...) are not counted.
    """
    sandbox = XeroSandbox(**options)
    sandbox.problems = []
    checker = OpenApiChecker.shared()
    if checker:

        def check(api, method, path, response):
            found = checker.check(api, method, path, response.status, response.payload())
            sandbox.problems.extend(
                p for p in found if not p.endswith("not in the OpenAPI file") or " 200: " in p
            )

        sandbox.response_checker = check
    return sandbox.start()


@contextmanager
def token_urls(sandbox):
    """Point the SDK's token endpoints (class attributes) at the sandbox for a while."""
    saved = {
        name: getattr(TokenApi, name)
        for name in ("refresh_token_url", "client_credentials_token_url", "revoke_token_url")
    }
    TokenApi.refresh_token_url = sandbox.urls["token"]
    TokenApi.client_credentials_token_url = sandbox.urls["token"]
    TokenApi.revoke_token_url = sandbox.urls["revoke"]
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(TokenApi, name, value)


def sdk_configuration(client_id, client_secret):
    """A Configuration with this app's token holder.

    xero-python's Configuration class returns a copy of the first instance ever
    built and ignores the arguments of later calls, so the token holder must be
    set after construction, or every client would share the first app's.
    """
    configuration = Configuration()
    configuration.oauth2_token = OAuth2Token(client_id=client_id, client_secret=client_secret)
    return configuration


class Xero:
    """An SDK client connected to one organisation of the sandbox."""

    def __init__(self, sandbox, tenant=0, tokens=None, app=None):
        self.sandbox = sandbox
        app = app or sandbox.app
        self.tenant_id = sandbox.tenant(tenant).tenant_id
        self.token = dict(tokens or sandbox.connect([self.tenant_id], app=app))
        self.client = ApiClient(
            sdk_configuration(app.client_id, app.client_secret),
            pool_threads=1,
            oauth2_token_getter=lambda: self.token,
            oauth2_token_saver=self._save,
        )
        self.client.rest_client.pool_manager.connection_pool_kw["retries"] = urllib3.Retry(
            0, respect_retry_after_header=False, raise_on_status=False
        )
        self.api = AccountingApi(self.client, base_url=sandbox.urls["accounting"])
        self.identity = IdentityApi(self.client, base_url=sandbox.urls["identity"])

    def _save(self, token):
        self.token = dict(token)

    def advance(self, seconds):
        """Move the sandbox clock, and take a new token (it expires after 30 sandbox minutes)."""
        self.sandbox.clock.advance(seconds)
        self.token = dict(self.sandbox.connect([self.tenant_id]))

    def move_clock_to(self, day):
        """Move the sandbox clock to ``day`` at 00:00 UTC, that date in both organisations
        (noon in New Zealand, midnight in London), through the admin as the page's buttons
        do, and take a new token (the old one expired on the way). The repeating invoices
        due by then are made: returns them (the admin's ``generated``). The clock never goes
        back: a ``day`` before the sandbox's today leaves it where it is."""
        status, answer = self.admin("POST", "clock", {"set": f"{day.isoformat()}T00:00:00Z"})
        if status != 200:
            raise RuntimeError(f"the sandbox refused to move its clock: {answer}")
        self.token = dict(self.sandbox.connect([self.tenant_id]))
        return answer["generated"]

    def run_repeating(self):
        """Make the repeating invoices due up to the sandbox clock now (``POST
        /admin/repeating/run``); returns what was made, in every organisation."""
        status, answer = self.admin("POST", "repeating/run")
        if status != 200:
            raise RuntimeError(f"the sandbox refused to run the repeating invoices: {answer}")
        return answer["generated"]

    @property
    def books(self):
        return self.sandbox.tenants[self.tenant_id].books

    def sale(self, reference, amount="10.00"):
        """One approved sales invoice for the first contact, marked by its reference."""
        line = LineItem(
            description="Goods",
            quantity=Decimal(1),
            unit_amount=Decimal(amount),
            account_code="200",
        )
        invoice = Invoice(
            type="ACCREC",
            contact=Contact(contact_id=next(iter(self.books.contacts))),
            reference=reference,
            status="AUTHORISED",
            line_items=[line],
        )
        return Invoices(invoices=[invoice])

    def count(self, reference):
        """How many invoices of the organisation carry this reference."""
        return sum(i.get("Reference") == reference for i in self.books.invoices.values())

    def admin(self, method, path, body=None, **params):
        """The sandbox's test controls (raw HTTP: the SDK has no such calls)."""
        answer = requests.request(
            method, f"{self.sandbox.urls['admin']}/{path}", json=body, params=params, timeout=30
        )
        return answer.status_code, answer.json()

    def raw(self, method, path, tenant=True, **kwargs):
        """A raw Accounting call with this client's token, for what the SDK cannot send."""
        headers = {
            "Authorization": f"Bearer {self.token['access_token']}",
            "Accept": "application/json",
        }
        if tenant:
            headers["xero-tenant-id"] = self.tenant_id
        headers.update(kwargs.pop("headers", {}))
        url = f"{self.sandbox.urls['accounting']}{path}"
        return requests.request(method, url, headers=headers, timeout=30, **kwargs)
