"""The local Xero sandbox, for the demo, training and tests.

The sandbox serves Xero's own endpoints at other URLs: the connection only swaps
its base URLs (``urls``) and the addresses users open (``web_url``). Its two
controls that Xero does not have — the credentials of its app and a consent
without a browser — serve the one-click "Use the local sandbox".
"""

import requests

from ..const import SCOPES

DEFAULT_URL = "http://127.0.0.1:8070"


class SandboxUnreachable(Exception):
    """The sandbox does not answer at this URL."""


def urls(base):
    """Xero's URLs (as in ``const.XERO_URLS``), served by the sandbox at ``base``."""
    base = (base or DEFAULT_URL).rstrip("/")
    return {
        "authorize": f"{base}/identity/connect/authorize",
        "token": f"{base}/connect/token",
        "revoke": f"{base}/connect/revocation",
        "identity": base,
        "accounting": f"{base}/api.xro/2.0",
    }


def web_url(base, kind, xero_id):
    """Where the sandbox's own page (the accountant's side) shows a record: its row, whose
    id is ``<kind>-<xero_id>``; the page has rows of ``contact``, ``invoice`` (bills too),
    ``creditnote``, ``payment``, ``overpayment`` and ``item``."""
    base = (base or DEFAULT_URL).rstrip("/")
    return f"{base}/#{kind}-{xero_id}"


def describe(base, timeout):
    """The sandbox's app and organisations: {"client_id", "client_secret", "webhook_key"...}."""
    return _admin("GET", base, "state", timeout)["describe"]


def consent(base, timeout):
    """Tokens of a consent to the sandbox's first organisation, given without a browser,
    to the scopes Connect asks for."""
    return _admin("POST", base, "consent", timeout, {"scopes": list(SCOPES)})


def _admin(method, base, path, timeout, body=None):
    url = f"{(base or DEFAULT_URL).rstrip('/')}/admin/{path}"
    try:
        answer = requests.request(method, url, json=body or {}, timeout=timeout)
        answer.raise_for_status()
        return answer.json()
    except (requests.RequestException, ValueError) as error:
        raise SandboxUnreachable(type(error).__name__) from None
