"""A plain client over the official xero-python SDK for one ``xero.connection``.

Everything that talks to Xero goes through here:

* base URLs of Xero or of the local sandbox, and the organisation's tenant header;
* the access token from the connection (renewed there, under a row lock);
* explicit timeouts, and urllib3's hidden retries switched off: the sync queue
  owns the retry policy, so a request reaches Xero exactly once per attempt;
* idempotency keys passed through, the rate-limit headers recorded on the
  connection;
* Xero's failures turned into the ``XeroError`` family of ``exceptions.py``.
"""

import json
import logging
import threading
import time

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

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)
NOTE_EVERY = 2  # seconds between two notes of the remaining calls on the connection
_POOLS = {}  # (connect, read) timeout -> urllib3 PoolManager shared by the clients of a process
_POOLS_LOCK = threading.Lock()


def _shared_pool(rest_client, timeout):
    """One connection pool per process: no new TCP/TLS handshake for every client.

    Its retries are off (the sync queue owns the retry policy) and its timeouts set.
    """
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


AUTH_ERRORS = ("invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope")


def _body_of(error):
    body = getattr(error, "body", None) or b""
    return body.decode(errors="replace") if isinstance(body, bytes) else str(body)


def _json_of(error):
    try:
        return json.loads(_body_of(error))
    except ValueError:
        return None


def _header(error, name):
    headers = getattr(error, "headers", None) or {}
    return headers.get(name) or headers.get(name.lower())


def _validation(error, correlation, env):
    data = _json_of(error) or {}
    elements = [
        {
            "index": index,
            "element": element,
            "messages": [e.get("Message", "") for e in element.get("ValidationErrors") or []],
        }
        for index, element in enumerate(data.get("Elements") or [])
    ]
    messages = [m for element in elements for m in element["messages"]]
    text = "; ".join(messages) or data.get("Message") or ""
    message = _text(env, _lt("Xero refused the data: %(text)s", text=text))
    return XeroValidationError(message, elements, status=400, correlation_id=correlation)


def _text(env, lazy):
    """A lazy text in the user's language (English without an environment)."""
    return env._(lazy) if env is not None else lazy._translate("en_US")


def translate(error, env=None):
    """The ``XeroError`` for an exception raised by xero-python or urllib3."""
    if isinstance(error, XeroError):
        return error
    if isinstance(error, HTTPStatusException):
        return _translate_status(error, env)
    if isinstance(error, urllib3.exceptions.HTTPError | OSError):
        reason = getattr(error, "reason", None) or error
        message = _lt(
            "Xero did not answer (%(reason)s); the request may or may not have arrived.",
            reason=type(reason).__name__,
        )
        return XeroNetworkError(_text(env, message))
    message = _lt("Unexpected failure talking to Xero: %(error)s", error=type(error).__name__)
    return XeroError(_text(env, message))


def _translate_status(error, env):
    status = error.status
    correlation = _header(error, "Xero-Correlation-Id")
    if status == 429:
        retry_after = int(_header(error, "Retry-After") or 60)
        problem = (_header(error, "X-Rate-Limit-Problem") or "").lower() or None
        message = _lt(
            "Xero's %(limit)s limit is reached; trying again in %(seconds)s seconds.",
            limit=problem or "rate",
            seconds=retry_after,
        )
        return XeroRateLimitError(
            _text(env, message),
            retry_after,
            problem,
            status=status,
            correlation_id=correlation,
        )
    if status == 400:
        data = _json_of(error)
        if isinstance(data, dict) and data.get("error") in AUTH_ERRORS:
            message = _lt(
                "Xero refused the authorisation (%(error)s): connect again from Settings > Xero.",
                error=data["error"],
            )
            return XeroAuthError(_text(env, message), status=status)
        return _validation(error, correlation, env)
    if status == 404:
        return XeroNotFoundError(
            "The record does not exist in Xero.", status=status, correlation_id=correlation
        )
    if status in (401, 403):
        detail = (_json_of(error) or {}).get("Detail") or ""
        message = _lt(
            "Xero refused access (%(detail)s): connect again from Settings > Xero.",
            detail=detail or status,
        )
        return XeroAuthError(_text(env, message), status=status, correlation_id=correlation)
    if status >= 500:
        message = _lt(
            "Xero is unavailable right now (HTTP %(status)s); it will be tried again.",
            status=status,
        )
        return XeroUnavailableError(_text(env, message), status=status, correlation_id=correlation)
    message = _text(env, _lt("Xero answered HTTP %(status)s.", status=status))
    return XeroError(message, status=status, correlation_id=correlation)


class XeroTokenApi(TokenApi):
    """The token endpoints, through the SDK's transport, at this connection's URLs."""

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

    def _client(self):
        return {"client_id": self.client_id, "client_secret": self.client_secret}

    def exchange_code(self, code, redirect_uri, verifier):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self._post(
            self.refresh_token_url, form | {"code_verifier": verifier} | self._client()
        )

    def refresh(self, refresh_token):
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._post(self.refresh_token_url, form | self._client())

    def client_credentials(self, scopes):
        form = {"grant_type": "client_credentials", "scope": " ".join(scopes)}
        return self._post(self.client_credentials_token_url, form | self._client())

    def revoke(self, refresh_token):
        return self._post(self.revoke_token_url, {"token": refresh_token} | self._client())


class XeroClient:
    """xero-python set up for one connection (``connection`` is a sudo record)."""

    def __init__(self, connection, setup=False, purpose=None):
        self.connection = connection
        self.setup = setup  # during Connect the connection is not usable yet
        # "push", "fetch" or "poll": every call is first taken from the organisation's
        # budget of calls (see xero.connection._xero_reserve_call); None for one-off calls
        self.purpose = purpose
        self.urls = connection._xero_urls()
        self.timeout = connection._xero_timeout()
        # xero-python's Configuration() hands out a copy of the first instance ever made
        # and ignores later arguments: the token holder is therefore set on the copy
        configuration = Configuration()
        configuration.oauth2_token = OAuth2Token(
            client_id=connection.client_id, client_secret=connection.client_secret
        )
        self.api_client = ApiClient(
            configuration,
            pool_threads=1,
            oauth2_token_getter=self._sdk_token,
            oauth2_token_saver=lambda _token: None,  # the connection keeps the tokens
        )
        rest_client = self.api_client.rest_client
        rest_client.pool_manager = _shared_pool(rest_client, self.timeout)
        self.accounting = AccountingApi(self.api_client, base_url=self.urls["accounting"])
        self.identity = IdentityApi(self.api_client, base_url=self.urls["identity"])
        self.tokens = XeroTokenApi(
            self.api_client, connection.client_id, connection.client_secret, self.urls, self.timeout
        )
        self._access = None
        self.calls_left = {}  # what the last answer said: {"minute": n, "day": n}
        self._noted_at = 0.0
        # one entry per Accounting call made, for the audit log (drained by the caller)
        self.journal = []
        # (calls left, ok) of the last answer, not yet in the budget (purposeful clients)
        self._unnoted = None

    def _sdk_token(self):
        """The token dict the SDK puts in the Authorization header (never refreshed by it)."""
        if not self._access or self._access[1] <= time.time() + 60:
            token, expires_at = self.connection._xero_access_token()
            self._access = (token, expires_at.timestamp())
        return {
            "access_token": self._access[0],
            "token_type": "Bearer",
            "expires_in": 1800,
            "scope": "",
        }

    @property
    def env(self):
        return self.connection.env

    def forget_token(self):
        self._access = None

    # ------------------------------------------------------------ calls

    def call(self, method, *args, idempotency_key=None, **kwargs):
        """Call an ``AccountingApi`` method for the connection's organisation.

        Returns the SDK's answer; raises a ``XeroError``. A rejected access token is
        renewed once; a connection that needs re-authorisation stops before any call.
        """
        if not self.setup:
            self.connection._xero_check_usable()
        if self.purpose:
            self._reserve(method)
        if idempotency_key:
            kwargs["idempotency_key"] = idempotency_key
        for attempt in (1, 2):
            started = time.monotonic()
            try:
                return self._call(getattr(self.accounting, method), args, kwargs, started)
            except HTTPStatusException as error:
                if error.status == 401 and attempt == 1:
                    # the token was refused (revoked, or expired early): renew it, unless
                    # another worker already did, and use the new one right away
                    rejected = self._access[0] if self._access else None
                    token, expires_at = self.connection._xero_renew_token(rejected)
                    self._access = (token, expires_at.timestamp())
                    continue
                failure = self._failed(method, translate(error, self.env), error.headers)
                self._note(method, started, failure.status, error.headers, failure.message)
                raise failure from None
            except (urllib3.exceptions.HTTPError, OSError) as error:
                failure = self._failed(method, translate(error, self.env), {})
                self._note(method, started, None, {}, failure.message)
                raise failure from None
        raise AssertionError("unreachable")

    def _reserve(self, method):
        """Take the call from the budget, or refuse it as Xero would, without calling."""
        # what the previous answer said is left goes into the budget with this call
        unnoted, self._unnoted = self._unnoted, None
        wait = self.connection._xero_reserve_call(self.purpose, unnoted)
        if wait:
            message = _lt(
                "The calls Xero allows are used up for now; the work waits %(seconds)s "
                "seconds rather than meeting Xero's rate limit.",
                seconds=wait,
            )
            raise XeroRateLimitError(_text(self.env, message), wait, "budget")

    def note_budget(self):
        """Keep what Xero's last answer said is left (the queue calls it when done)."""
        unnoted, self._unnoted = self._unnoted, None
        if unnoted:
            self.connection._xero_note_left(*unnoted)

    def call_json(self, method, *args, idempotency_key=None, **kwargs):
        """``call``, answering Xero's JSON as a dict instead of SDK models.

        The sync engine builds its bodies and reads its answers in Xero's own field
        names; parsing a page of 1,000 contacts this way is many times faster than
        building the SDK's model objects.
        """
        answer = self.call(
            method, *args, idempotency_key=idempotency_key, _preload_content=False, **kwargs
        )
        return json.loads(answer.data or b"{}")

    def _note(self, method, started, status, headers, message=None):
        headers = headers or {}
        self.journal.append(
            {
                "operation": method,
                "http_status": status,
                "correlation_id": headers.get("Xero-Correlation-Id")
                or headers.get("xero-correlation-id"),
                "duration_ms": int((time.monotonic() - started) * 1000),
                "outcome": "error" if message else "ok",
                "message": message,
            }
        )

    def _call(self, function, args, kwargs, started):
        tenant = self.connection.tenant_id or ""
        data, status, headers = function(
            tenant, *args, _return_http_data_only=False, _request_timeout=self.timeout, **kwargs
        )
        self._note(function.__name__, started, status, headers)
        self._remember_limits(headers)
        if self.purpose:
            self._unnoted = (dict(self.calls_left), True)
        elif time.monotonic() - self._noted_at > NOTE_EVERY:
            # a committed write per call would cost more than the call: note now and then
            self._noted_at = time.monotonic()
            self.connection._xero_note_call(headers, ok=True)
        _logger.debug(
            "Xero %s answered %s in %.2fs (correlation %s)",
            function.__name__,
            status,
            time.monotonic() - started,
            headers.get("Xero-Correlation-Id"),
        )
        return data

    def _remember_limits(self, headers):
        for key, header in (("minute", "X-MinLimit-Remaining"), ("day", "X-DayLimit-Remaining")):
            value = headers.get(header) or headers.get(header.lower())
            if value is not None:
                self.calls_left[key] = int(value)

    def _failed(self, method, error, headers):
        """Record a failure on the connection and hand the exception back."""
        self._remember_limits(headers or {})
        if self.purpose:
            self._unnoted = (dict(self.calls_left), False)
        else:
            self.connection._xero_note_call(headers or {}, ok=False)
        if isinstance(error, XeroAuthError) and not self.setup:
            self.connection._xero_mark_needs_reauth(error.message)
        _logger.info("Xero %s failed: %s", method, error.message)
        return error

    def connections(self):
        """The organisations this token may use (``/Connections``)."""
        try:
            return self.identity.get_connections(_request_timeout=self.timeout)
        except (HTTPStatusException, urllib3.exceptions.HTTPError, OSError) as error:
            raise translate(error, self.env) from None

    def delete_connection(self, connection_id):
        try:
            self.identity.delete_connection(connection_id, _request_timeout=self.timeout)
        except (HTTPStatusException, urllib3.exceptions.HTTPError, OSError) as error:
            raise translate(error, self.env) from None

    def token_call(self, name, *args):
        """``exchange_code``, ``refresh``, ``client_credentials`` or ``revoke``."""
        started = time.monotonic()
        try:
            answer = getattr(self.tokens, name)(*args)
        except (HTTPStatusException, urllib3.exceptions.HTTPError, OSError) as error:
            failure = translate(error, self.env)
            self._note(f"token {name}", started, failure.status, {}, failure.message)
            raise failure from None
        self._note(f"token {name}", started, 200, {})
        return answer
