"""Requests and responses between the HTTP server and the sandbox's handlers."""

import json
import urllib.parse
import uuid
from dataclasses import dataclass, field

from . import xerojson


class Query:
    """Query parameters looked up without regard to case, as Xero does."""

    def __init__(self, raw):
        self._values = {}
        for key, value in urllib.parse.parse_qsl(raw, keep_blank_values=True):
            self._values[key.lower()] = value

    def get(self, key, default=None):
        return self._values.get(key.lower(), default)

    def flag(self, key, default=False):
        value = self.get(key)
        return default if value is None else value.strip().lower() == "true"

    def integer(self, key, default=None):
        value = self.get(key)
        try:
            return int(value) if value not in (None, "") else default
        except ValueError:
            return default

    def items_of(self, key):
        """A comma-separated list parameter (``IDs``, ``Statuses``...)."""
        value = self.get(key)
        return (
            [part.strip().strip('"') for part in value.split(",") if part.strip()] if value else []
        )

    def as_dict(self):
        return dict(self._values)


@dataclass
class Request:
    method: str
    path: str
    query: Query
    headers: dict  # lower-case names
    body: bytes = b""

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        return xerojson.loads(self.body) if self.body.strip() else None

    def form(self):
        return dict(urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class Response:
    status: int = 200
    body: object = None
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json"
    drop: bool = False

    def payload(self):
        """The body as bytes: Xero JSON for dicts and lists, text as UTF-8."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return xerojson.dumps(self.body)


def problem(status, title, detail):
    """The body of a 401/403 as Xero writes it (with an explicit null Type)."""
    body = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return Response(status, json.dumps(body).encode())


def oauth_error(error, status=400):
    return Response(status, json.dumps({"error": error}, separators=(",", ":")).encode())


def html(text, status=200):
    return Response(status, text, content_type="text/html; charset=utf-8")


def redirect(url):
    return Response(302, b"", headers={"Location": url}, content_type="text/plain")
