"""The sandbox's state (apps, organisations, tokens, limits, faults) and its request pipeline."""

import hashlib
import os
import pickle
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from . import admin, api, oauth
from .clock import Clock
from .faults import Faults
from .http import Response, problem
from .limits import Limits, RateLimiter
from .seed import seed_organisations
from .webhooks import Webhooks

DEFAULT_CLIENT_ID = "5A3E5D3C9C0B4E0FA9D6C0B8E6F1A2B3"
DEFAULT_CLIENT_SECRET = "sandbox-secret-Xq7vL2pR9sT4wY8zB3nM6kJ1hG5fD0cA"
DEFAULT_WEBHOOK_KEY = "sandbox-webhook-key-3mJ8qR2vT6yW1zC5nB9kL4hF7gD0sA2x"
ACCESS_TOKEN_SECONDS = 1800
REFRESH_GRACE_SECONDS = 1800
REFRESH_IDLE_DAYS = 60
IDEMPOTENCY_HOURS = 24
STATE_VERSION = 2  # 2 keeps the Idempotency-Keys; version 1 files (without them) still load
BOOK_PARTS = (
    "organisation",
    "contacts",
    "items",
    "tax_rates",
    "accounts",
    "currencies",
    "branding_themes",
    "tracking_categories",
    "invoices",
    "credit_notes",
    "payments",
    "bank_transactions",
    "overpayments",
    "prepayments",
    "repeating_invoices",
    "history",
    "numbers",
)


@dataclass
class App:
    client_id: str
    client_secret: str | None
    name: str
    custom_tenant: str | None = None  # a Custom Connection is bound to one organisation
    redirect_uris: list = field(default_factory=list)  # empty: any loopback URI
    webhooks: Webhooks | None = None


@dataclass
class Tenant:
    tenant_id: str
    name: str
    books: object
    created: object


@dataclass
class Grant:
    """One user's consent to one app: its connections and the scopes granted so far."""

    grant_id: str
    client_id: str
    connections: dict = field(default_factory=dict)  # tenant id -> connection
    scopes: set = field(default_factory=set)


@dataclass
class Token:
    value: str
    client_id: str
    scopes: set
    expires_at: object
    grant_id: str | None = None
    tenant_id: str | None = None  # Custom Connection tokens


@dataclass
class RefreshToken:
    value: str
    client_id: str
    grant_id: str
    scopes: set
    last_used: object
    rotated_at: object = None
    revoked: bool = False


class XeroSandbox:
    """A local Xero: ``start()`` it, point xero-python at ``urls``, ``stop()`` it."""

    def __init__(
        self,
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        webhook_url=None,
        webhook_key=DEFAULT_WEBHOOK_KEY,
        limits=None,
        retry_schedule=(1, 5, 30, 120, 600),
        state_file=None,
        base_currency="NZD",
        view_touches_invoice=False,
        view_sends_webhook=False,
        summary_names_repeating=True,
    ):
        self.lock = threading.RLock()
        # what a customer opening an online invoice does besides its "Viewed" History
        # record (Xero does not say): bump the invoice's UpdatedDateUTC, raise INVOICE UPDATE
        self.online_views = {
            "touch": bool(view_touches_invoice),
            "webhook": bool(view_sends_webhook),
        }
        # whether an invoice's summary (summaryOnly=true) carries the RepeatingInvoiceID
        # of the template that generated it (Xero does not say)
        self.summary_names_repeating = bool(summary_names_repeating)
        self.clock = Clock()
        self.limiter = RateLimiter(self.clock, limits or Limits())
        self.faults = Faults()
        self.apps = {}
        self.tenants = {}
        self.grants = {}
        self.tokens = {}
        self.refresh_tokens = {}
        self.codes = {}
        self.pending_consents = {}
        self.idempotency = {}
        self.calls = []
        self.listings = {}  # (tenant, collection): the last listing's records, for its next pages
        self.response_checker = None  # set by tests: validates every JSON body
        self.server = None
        self.base_url = None
        self.state_file = state_file  # loaded now, written before each answer that changed it
        self.changes = 0  # changes to the state so far, counted under the lock
        self._saved_changes = 0  # ... of which the state file holds this many
        self._save_lock = threading.Lock()
        self._outbox = []  # with a state file: webhook events waiting for their change's write
        webhooks = Webhooks(self.clock, webhook_key, webhook_url, retry_schedule)
        self.app = self.add_app(
            client_id, client_secret, "Xero Connector (sandbox)", webhooks=webhooks
        )
        seed_organisations(self, base_currency)
        self.custom_app = self.add_app(
            f"CC{client_id[2:]}",
            f"cc-{client_secret}",
            "Custom Connection (sandbox)",
            next(iter(self.tenants)),
        )
        if state_file and os.path.exists(state_file):
            self.load(state_file)

    # ------------------------------------------------------------ life cycle

    def start(self, port=0, host="127.0.0.1"):
        from .server import serve  # noqa: PLC0415 - keep the HTTP layer optional

        self.server = serve(self, host, port)
        self.base_url = f"http://{host}:{self.server.server_address[1]}"
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.state_file:
            self.save(self.state_file)  # also what changed outside requests (webhook status)
        for app in self.apps.values():
            if app.webhooks:
                app.webhooks.stop()

    def __enter__(self):
        return self.start() if not self.server else self

    def __exit__(self, *_exc):
        self.stop()

    @property
    def urls(self):
        base = self.base_url
        return {
            "authorize": f"{base}/identity/connect/authorize",
            "token": f"{base}/connect/token",
            "revoke": f"{base}/connect/revocation",
            "connections": f"{base}/Connections",
            "identity": base,
            "accounting": f"{base}/api.xro/2.0",
            "admin": f"{base}/admin",
        }

    def describe(self):
        """The JSON line ``setup/sandbox`` prints on start."""
        return {
            "urls": self.urls,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "webhook_key": self.app.webhooks.key,
            "webhook_url": self.app.webhooks.url,
            "custom_connection": {
                "client_id": self.custom_app.client_id,
                "client_secret": self.custom_app.client_secret,
                "tenant_id": self.custom_app.custom_tenant,
            },
            "tenants": [{"tenant_id": t.tenant_id, "name": t.name} for t in self.tenants.values()],
        }

    # ------------------------------------------------------------ building

    def add_app(self, client_id, client_secret, name, custom_tenant=None, webhooks=None):
        app = App(client_id, client_secret, name, custom_tenant, webhooks=webhooks)
        self.apps[client_id] = app
        return app

    def add_tenant(self, tenant_id, name, books):
        books.notify = self._notifier(tenant_id)
        self.tenants[tenant_id] = Tenant(tenant_id, name, books, self.clock.now())
        return self.tenants[tenant_id]

    def _notifier(self, tenant_id):
        def notify(category, event_type, resource_id):
            path = {"CONTACT": "Contacts", "INVOICE": "Invoices", "CREDITNOTE": "CreditNotes"}[
                category
            ]
            event = {
                "resourceUrl": f"{self.base_url or 'http://127.0.0.1'}/api.xro/2.0/{path}/{resource_id}",
                "resourceId": resource_id,
                "eventDateUtc": self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
                "eventType": event_type,
                "eventCategory": category,
                "tenantId": tenant_id,
                "tenantType": "ORGANISATION",
            }
            for app in self.apps.values():
                if app.webhooks and self.subscribed(app, tenant_id):
                    self._emit(app.webhooks, event)

        return notify

    def _emit(self, webhooks, event):
        """Send now; with a state file, once the change is written (no news of a lost change)."""
        if not self.state_file:
            webhooks.emit(event)
            return
        with self.lock:
            self._outbox.append((webhooks, event))

    def subscribed(self, app, tenant_id):
        """An app hears about an organisation that one of its grants (or itself) is connected to."""
        if app.custom_tenant == tenant_id:
            return True
        return any(
            g.client_id == app.client_id and tenant_id in g.connections
            for g in self.grants.values()
        )

    # ------------------------------------------------------------ tokens

    def issue_tokens(self, app, grant, scopes, refresh=True):
        now = self.clock.now()
        access = Token(
            "sbx_at_" + secrets.token_urlsafe(32),
            app.client_id,
            set(scopes),
            now + timedelta(seconds=ACCESS_TOKEN_SECONDS),
            grant_id=grant.grant_id if grant else None,
            tenant_id=None if grant else app.custom_tenant,
        )
        self.tokens[access.value] = access
        answer = {
            "access_token": access.value,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "token_type": "Bearer",
            "scope": " ".join(sorted(scopes)),
        }
        if refresh and grant and "offline_access" in scopes:
            token = RefreshToken(
                "sbx_rt_" + secrets.token_urlsafe(32),
                app.client_id,
                grant.grant_id,
                set(scopes),
                now,
            )
            self.refresh_tokens[token.value] = token
            answer["refresh_token"] = token.value
        return answer

    def refresh_usable(self, token):
        """A refresh token works when live, or within the grace after its rotation."""
        now = self.clock.now()
        if token.revoked or token.grant_id not in self.grants:
            return False
        if now - token.last_used > timedelta(days=REFRESH_IDLE_DAYS):
            return False
        return token.rotated_at is None or now - token.rotated_at <= timedelta(
            seconds=REFRESH_GRACE_SECONDS
        )

    def run_schedules(self):
        """Every organisation's repeating invoices up to the sandbox clock: what was made,
        each with its ``tenant_id`` (``books.run_schedules``)."""
        with self.lock:
            made = [
                {"tenant_id": tenant_id, **entry}
                for tenant_id, tenant in self.tenants.items()
                for entry in tenant.books.run_schedules()
            ]
            if made:
                self.changed()
            return made

    def expire_access_tokens(self):
        with self.lock:
            past = self.clock.now() - timedelta(seconds=1)
            for token in self.tokens.values():
                token.expires_at = past

    # ------------------------------------------------------------ the pipeline

    def handle(self, request):
        started = time.monotonic()
        response = self._route(request)
        self.persist()  # no answer leaves before what it shows is in the state file
        self._check_response(request, response)
        if not request.path.startswith("/admin") and request.path != "/":
            self.calls.append(
                {
                    "at": self.clock.now().isoformat(),
                    "method": request.method,
                    "path": request.path,
                    "query": request.query.as_dict(),
                    "tenant": request.header("xero-tenant-id"),
                    "status": response.status,
                    "idempotency_key": request.header("idempotency-key"),
                    "seconds": round(time.monotonic() - started, 4),
                }
            )
        return response

    def _route(self, request):
        path = request.path
        if path.startswith("/api.xro/2.0/"):
            return api.handle(self, request)
        if path.lower().startswith("/connections") or path.startswith(("/connect/", "/identity/")):
            return oauth.handle(self, request)
        if path.startswith("/admin") or path == "/":
            return admin.handle(self, request)
        if path.startswith("/online/"):
            return admin.online_invoice(self, request)
        return Response(404, "Not Found", content_type="text/plain")

    def _check_response(self, request, response):
        checker = self.response_checker
        if not checker or response.status not in (200, 400) or response.drop:
            return
        if "json" not in response.content_type:
            return
        if request.path.startswith("/api.xro/2.0/"):
            checker("accounting", request.method, request.path[len("/api.xro/2.0") :], response)
        elif request.path.lower().startswith("/connections"):
            checker("identity", request.method, request.path, response)

    # ------------------------------------------------------------ authentication

    def authenticate(self, request, scopes_needed):
        """(token, tenant) for an Accounting call, or a 401/403 Response."""
        header = request.header("authorization") or ""
        if not header.startswith("Bearer "):
            return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        token = self.tokens.get(header[7:].strip())
        if not token:
            return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        if token.expires_at <= self.clock.now():
            moment = token.expires_at.strftime("%m/%d/%Y %H:%M:%S")
            return problem(401, "Unauthorized", f"TokenExpired: token expired at {moment}")
        if not token.scopes & scopes_needed:
            return problem(401, "Unauthorized", "AuthorizationUnsuccessful")
        tenant_id = (request.header("xero-tenant-id") or "").strip()
        if token.tenant_id:  # Custom Connection: the header may be left out
            tenant_id = tenant_id or token.tenant_id
            if tenant_id != token.tenant_id:
                return problem(403, "Forbidden", "AuthenticationUnsuccessful")
        else:
            grant = self.grants.get(token.grant_id)
            if not grant or tenant_id not in grant.connections:
                return problem(403, "Forbidden", "AuthenticationUnsuccessful")
        return token, self.tenants[tenant_id]

    # ------------------------------------------------------------ idempotency

    def remembered(self, scope, fingerprint):
        """The stored answer to an Idempotency-Key, or a 409 when it came with another request."""
        entry = self.idempotency.get(scope)
        if not entry or self.clock.now() - entry["at"] > timedelta(hours=IDEMPOTENCY_HOURS):
            return None
        if entry["fingerprint"] != fingerprint:
            return problem(
                409,
                "Conflict",
                "This Idempotency-Key was already used with a different request; use a new key.",
            )
        return self._answer(entry)

    def remember(self, scope, fingerprint, response):
        """Keep the answer as sent (its bytes), so that replays, even after a restart, match it."""
        with self.lock:
            self.idempotency[scope] = {
                "at": self.clock.now(),
                "fingerprint": fingerprint,
                "answer": (
                    response.status,
                    response.payload(),
                    dict(response.headers),
                    response.content_type,
                ),
            }
            self.changed()
            return self._answer(self.idempotency[scope])

    @staticmethod
    def _answer(entry):
        status, payload, headers, content_type = entry["answer"]
        return Response(status, payload, dict(headers), content_type)

    def live_keys(self):
        """The Idempotency-Keys of the last IDEMPOTENCY_HOURS; older ones are forgotten."""
        with self.lock:
            oldest = self.clock.now() - timedelta(hours=IDEMPOTENCY_HOURS)
            self.idempotency = {
                scope: entry for scope, entry in self.idempotency.items() if entry["at"] >= oldest
            }
            return self.idempotency

    @staticmethod
    def fingerprint(request):
        digest = hashlib.sha256()
        for part in (
            request.method,
            request.path.lower(),
            sorted(request.query.as_dict().items()),
            request.body,
        ):
            digest.update(repr(part).encode() if not isinstance(part, bytes) else part)
        return digest.hexdigest()

    # ------------------------------------------------------------ persistence (the demo's)

    def changed(self):
        """Count a change; call it in the lock section that makes the change, or after it."""
        with self.lock:
            self.changes += 1

    def persist(self):
        """Write the state file, if one is kept and changed since; concurrent callers share a write.

        Called before an answer leaves (and before a fault delays or breaks it), so that
        what a client was told survives even a SIGKILL of the sandbox. Never call it
        while holding ``self.lock``: it takes the save lock first."""
        if not self.state_file or self._saved_changes == self.changes:
            return
        with self._save_lock:
            if self._saved_changes != self.changes:
                self._saved_changes = self._write(self.state_file)

    def snapshot(self):
        """Everything a restarted sandbox needs to carry on (live objects: pickle in the lock)."""
        with self.lock:
            return {
                "version": STATE_VERSION,
                "clock_offset": self.clock.offset_seconds,
                "tenants": {
                    tenant_id: {
                        "name": tenant.name,
                        "created": tenant.created,
                        **{part: getattr(tenant.books, part) for part in BOOK_PARTS},
                    }
                    for tenant_id, tenant in self.tenants.items()
                },
                "grants": self.grants,
                "tokens": self.tokens,
                "refresh_tokens": self.refresh_tokens,
                "webhook": {"url": self.app.webhooks.url, "status": self.app.webhooks.status},
                "idempotency": self.live_keys(),
            }

    def restore(self, data):
        version = data.get("version", 1)
        if version > STATE_VERSION:
            raise ValueError(
                f"the state file was written by a newer sandbox (version {version}, "
                f"this one reads up to {STATE_VERSION})"
            )
        with self.lock:
            self.clock.advance(data["clock_offset"] - self.clock.offset_seconds)
            for tenant_id, saved in data["tenants"].items():
                books = self.tenants[tenant_id].books
                for part in BOOK_PARTS:
                    if part in saved:  # a part newer than the file keeps its seeded records
                        setattr(books, part, saved[part])
            self.grants, self.tokens = data["grants"], data["tokens"]
            self.refresh_tokens = data["refresh_tokens"]
            if data["webhook"]["url"] == self.app.webhooks.url:
                self.app.webhooks.configure(status=data["webhook"]["status"])
            self.idempotency = dict(data.get("idempotency", {}))  # version 1 kept none

    def save(self, path):
        with self._save_lock:
            saved = self._write(path)
            if path == self.state_file:
                self._saved_changes = saved

    def _write(self, path):
        """Pickle the state in the lock, write it outside; a kill mid-write leaves the old file.

        Returns the count of changes written. No fsync: the file survives the process
        being killed, not the machine losing power."""
        with self.lock:
            changes = self.changes
            data = pickle.dumps(self.snapshot())
            events, self._outbox = self._outbox, []
        temporary = f"{path}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        for webhooks, event in events:
            webhooks.emit(event)
        return changes

    def load(self, path):
        with open(path, "rb") as handle:
            self.restore(pickle.load(handle))

    # ------------------------------------------------------------ for tests and the demo

    def tenant(self, index_or_id=0):
        if isinstance(index_or_id, int):
            return list(self.tenants.values())[index_or_id]
        return self.tenants[index_or_id]

    def connect(self, tenant_ids=None, scopes=None, app=None):
        """Consent without a browser: a grant with connections and a fresh token set."""
        app = app or self.app
        scopes = set(scopes or oauth.DEFAULT_SCOPES)
        with self.lock:
            grant = oauth.grant_for(self, app)
            oauth.add_connections(self, grant, tenant_ids or [next(iter(self.tenants))], scopes)
            self.changed()  # saved by the request's persist(), or the next one's
            return self.issue_tokens(app, grant, grant.scopes)

    def calls_to(self, path_fragment=None, method=None):
        return [
            c
            for c in list(self.calls)
            if (path_fragment is None or path_fragment.lower() in c["path"].lower())
            and (method is None or c["method"] == method)
        ]

    @staticmethod
    def new_id():
        return str(uuid.uuid4())
