"""A plain client over the official xero-python SDK.

It is handed what it needs (Xero's URLs, the app's credentials, then per call an
access token and the organisation) and never calls back into Odoo: the
connection's seam (``xero.connection._xero_call``) checks, budgets, renews the
token and records around it. What it does itself:

* explicit timeouts, and urllib3's hidden retries switched off: the sync queue
  owns the retry policy, so a request reaches Xero exactly once per attempt;
* idempotency keys passed through;
* every answer with its status, headers and duration; Xero's failures turned
  into the ``XeroError`` family of ``exceptions.py``, carrying the same.
"""

import json
import threading
import time
from typing import Any, NamedTuple

import urllib3
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import HTTPStatusException
from xero_python.identity import IdentityApi

from odoo.tools.translate import LazyTranslate

from ..const import TIMEOUT
from ..exceptions import (
    XeroAuthError,
    XeroError,
    XeroNetworkError,
    XeroNotFoundError,
    XeroRateLimitError,
    XeroUnavailableError,
    XeroValidationError,
)

_lt = LazyTranslate(__name__)
AUTH_ERRORS = ("invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope")
LIMIT_HEADERS = {"minute": "X-MinLimit-Remaining", "day": "X-DayLimit-Remaining"}
TRANSPORT_ERRORS = (HTTPStatusException, urllib3.exceptions.HTTPError, OSError)

_POOLS = {}  # (connect, read) timeout -> urllib3 PoolManager shared in the process
_POOLS_LOCK = threading.Lock()
_CLIENTS = threading.local()  # per thread: {(urls, app, timeout): XeroClient}


class XeroAnswer(NamedTuple):
    """What one call brought back."""

    data: Any
    status: int
    headers: dict
    duration_ms: int


# ---------------------------------------------------------------- reading answers


def header(headers, name):
    """A response header, whatever the case it came in."""
    headers = headers or {}
    return headers.get(name) or headers.get(name.lower())


def rate_limits(headers):
    """{"minute": n, "day": n}: the calls Xero says are left, from its answer's headers."""
    left = {}
    for key, name in LIMIT_HEADERS.items():
        value = header(headers, name)
        if value is not None and str(value).isdigit():
            left[key] = int(value)
    return left


def _body_of(error):
    body = getattr(error, "body", None) or b""
    return body.decode(errors="replace") if isinstance(body, bytes) else str(body)


def _json_of(error):
    try:
        return json.loads(_body_of(error))
    except ValueError:
        return None


def _english(lazy):
    return lazy._translate("en_US")


def translate(error, gettext=_english):
    """The ``XeroError`` for an exception raised by xero-python or urllib3; ``gettext``
    puts a lazy text in the user's language (English by default)."""
    if isinstance(error, XeroError):
        return error
    if isinstance(error, HTTPStatusException):
        failure = _translate_status(error, gettext)
        failure.headers = dict(getattr(error, "headers", None) or {})
        return failure
    if isinstance(error, urllib3.exceptions.HTTPError | OSError):
        reason = getattr(error, "reason", None) or error
        return XeroNetworkError(
            gettext(
                _lt(
                    "Xero did not answer (%(reason)s); the request may or may not have arrived.",
                    reason=type(reason).__name__,
                )
            )
        )
    return XeroError(
        gettext(_lt("Unexpected failure talking to Xero: %(error)s", error=type(error).__name__))
    )


def _translate_status(error, gettext):
    status = error.status
    correlation = header(error.headers, "Xero-Correlation-Id")
    if status == 429:
        retry_after = int(header(error.headers, "Retry-After") or 60)
        problem = (header(error.headers, "X-Rate-Limit-Problem") or "").lower() or None
        message = _lt(
            "Xero's %(limit)s limit is reached; trying again in %(seconds)s seconds.",
            limit=problem or "rate",
            seconds=retry_after,
        )
        return XeroRateLimitError(
            gettext(message), retry_after, problem, status=status, correlation_id=correlation
        )
    if status == 400:
        data = _json_of(error)
        if isinstance(data, dict) and data.get("error") in AUTH_ERRORS:
            message = _lt(
                "Xero refused the authorisation (%(error)s): connect again from Settings > Xero.",
                error=data["error"],
            )
            return XeroAuthError(gettext(message), status=status)
        return _validation(data or {}, correlation, gettext)
    if status == 404:
        message = _lt("The record does not exist in Xero.")
        return XeroNotFoundError(gettext(message), status=status, correlation_id=correlation)
    if status in (401, 403):
        detail = (_json_of(error) or {}).get("Detail") or ""
        message = _lt(
            "Xero refused access (%(detail)s): connect again from Settings > Xero.",
            detail=detail or status,
        )
        return XeroAuthError(gettext(message), status=status, correlation_id=correlation)
    if status >= 500:
        message = _lt(
            "Xero is unavailable right now (HTTP %(status)s); it will be tried again.",
            status=status,
        )
        return XeroUnavailableError(gettext(message), status=status, correlation_id=correlation)
    message = _lt("Xero answered HTTP %(status)s.", status=status)
    return XeroError(gettext(message), status=status, correlation_id=correlation)


def _validation(data, correlation, gettext):
    elements = [
        {
            "index": index,
            "element": element,
            "messages": [e.get("Message", "") for e in element.get("ValidationErrors") or []],
        }
        for index, element in enumerate(data.get("Elements") or [])
    ]
    text = "; ".join(m for element in elements for m in element["messages"])
    message = _lt("Xero refused the data: %(text)s", text=text or data.get("Message") or "")
    return XeroValidationError(gettext(message), elements, status=400, correlation_id=correlation)


# ---------------------------------------------------------------- the SDK, set up once


def _shared_pool(rest_client, timeout):
    """One connection pool per process and timeout: no new TCP/TLS handshake per
    client; its retries off (the queue owns the retry policy), its timeouts set."""
    with _POOLS_LOCK:
        pool = _POOLS.get(timeout)
        if pool is None:
            pool = rest_client.pool_manager
            pool.connection_pool_kw["retries"] = urllib3.Retry(
                0, respect_retry_after_header=False, raise_on_status=False
            )
            pool.connection_pool_kw["timeout"] = urllib3.Timeout(
                connect=timeout[0], read=timeout[1]
            )
            _POOLS[timeout] = pool
        return pool


class XeroTokenApi(TokenApi):
    """The token endpoints, through the SDK's transport, at the given URLs."""

    def __init__(self, api_client, client_id, client_secret, urls, timeout=TIMEOUT):
        super().__init__(api_client, client_id, client_secret)
        self.timeout = timeout
        self.refresh_token_url = self.client_credentials_token_url = urls["token"]
        self.revoke_token_url = urls["revoke"]

    def _post(self, url, form):
        form = {key: value for key, value in form.items() if value}
        response, _status, _headers = self.api_client.call_api(
            url,
            "POST",
            header_params={
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            post_params=list(form.items()),
            auth_settings=None,
            _preload_content=False,
            _request_timeout=self.timeout,
        )
        return self.parse_token_response(response) if response.data else {}

    def _app(self):
        return {"client_id": self.client_id, "client_secret": self.client_secret}

    def exchange_code(self, code, redirect_uri, verifier):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self._post(self.refresh_token_url, form | {"code_verifier": verifier} | self._app())

    def refresh(self, refresh_token):
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._post(self.refresh_token_url, form | self._app())

    def client_credentials(self, scopes):
        form = {"grant_type": "client_credentials", "scope": " ".join(scopes)}
        return self._post(self.client_credentials_token_url, form | self._app())

    def revoke(self, refresh_token):
        return self._post(self.revoke_token_url, {"token": refresh_token} | self._app())


class XeroClient:
    """xero-python for one Xero app at one set of URLs (Xero's or the local sandbox's)."""

    def __init__(self, urls, client_id, client_secret, timeout=TIMEOUT):
        self.timeout = timeout
        self._token = None
        # xero-python's Configuration() hands out a copy of the first instance ever made
        # and ignores later arguments: the token holder is therefore set on the copy
        configuration = Configuration()
        configuration.oauth2_token = OAuth2Token(client_id=client_id, client_secret=client_secret)
        self.api_client = ApiClient(
            configuration,
            pool_threads=1,
            oauth2_token_getter=self._sdk_token,
            oauth2_token_saver=lambda _token: None,  # tokens are kept by the caller
        )
        rest_client = self.api_client.rest_client
        rest_client.pool_manager = _shared_pool(rest_client, timeout)
        self.accounting = AccountingApi(self.api_client, base_url=urls["accounting"])
        self.identity = IdentityApi(self.api_client, base_url=urls["identity"])
        self.tokens = XeroTokenApi(self.api_client, client_id, client_secret, urls, timeout)

    @classmethod
    def shared(cls, urls, client_id, client_secret, timeout=TIMEOUT):
        """The client of this thread for these URLs and app (built once: building the
        SDK's objects costs more than a call to a nearby server)."""
        clients = _CLIENTS.__dict__.setdefault("clients", {})
        key = (tuple(sorted(urls.items())), client_id, client_secret, timeout)
        if key not in clients:
            clients[key] = cls(urls, client_id, client_secret, timeout)
        return clients[key]

    def _sdk_token(self):
        """The token dict the SDK puts in the Authorization header (never refreshed by it)."""
        return {
            "access_token": self._token or "",
            "token_type": "Bearer",
            "expires_in": 1800,
            "scope": "",
        }

    # ------------------------------------------------------------ calls

    def call(self, token, tenant_id, method, *args, raw=False, gettext=_english, **kwargs):
        """Call ``AccountingApi.<method>`` for the organisation ``tenant_id`` with the
        access token ``token``: a ``XeroAnswer`` whose data is the SDK's models, or with
        ``raw`` Xero's JSON as a dict (a page of 1,000 contacts parses many times
        faster so). Raises a ``XeroError`` carrying the answer's headers and duration."""
        if raw:
            kwargs["_preload_content"] = False
        function = getattr(self.accounting, method)
        self._token = token
        started = time.monotonic()
        try:
            data, status, headers = function(
                tenant_id or "",
                *args,
                _return_http_data_only=False,
                _request_timeout=self.timeout,
                **kwargs,
            )
        except TRANSPORT_ERRORS as error:
            raise self._failure(error, started, gettext) from None
        finally:
            self._token = None
        if raw:
            data = json.loads(data.data or b"{}")
        return XeroAnswer(data, status, dict(headers or {}), _since(started))

    def get_connections(self, token, gettext=_english):
        """The organisations this token may use (``/Connections``)."""
        return self._identity("get_connections", token, gettext)

    def delete_connection(self, token, connection_id, gettext=_english):
        return self._identity("delete_connection", token, gettext, connection_id)

    def _identity(self, method, token, gettext, *args):
        self._token = token
        started = time.monotonic()
        try:
            data, status, headers = getattr(self.identity, method)(
                *args, _return_http_data_only=False, _request_timeout=self.timeout
            )
        except TRANSPORT_ERRORS as error:
            raise self._failure(error, started, gettext) from None
        finally:
            self._token = None
        return XeroAnswer(data, status, dict(headers or {}), _since(started))

    def token_call(self, name, *args, gettext=_english):
        """``exchange_code``, ``refresh``, ``client_credentials`` or ``revoke``: a
        ``XeroAnswer`` with the token endpoint's answer as a dict."""
        started = time.monotonic()
        try:
            data = getattr(self.tokens, name)(*args)
        except TRANSPORT_ERRORS as error:
            raise self._failure(error, started, gettext) from None
        return XeroAnswer(data, 200, {}, _since(started))

    @staticmethod
    def _failure(error, started, gettext):
        failure = translate(error, gettext)
        failure.duration_ms = _since(started)
        return failure


def _since(started):
    return int((time.monotonic() - started) * 1000)
