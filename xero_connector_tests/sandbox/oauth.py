"""Xero's identity side: the consent page, the token endpoint, revocation and /Connections."""

import base64
import hashlib
import html as html_lib
import re
import secrets
import urllib.parse
import uuid
from datetime import timedelta

from .faults import faulty
from .http import Response, html, oauth_error, problem, redirect

CODE_SECONDS = 120
VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
KNOWN_SCOPES = {
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.transactions",
    "accounting.transactions.read",
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.payments",
    "accounting.payments.read",
    "accounting.banktransactions",
    "accounting.banktransactions.read",
    "accounting.contacts",
    "accounting.contacts.read",
    "accounting.settings",
    "accounting.settings.read",
    "accounting.attachments",
    "accounting.attachments.read",
    "accounting.reports.read",
    # the granular scope of the Executive Summary (apps created since March 2026)
    "accounting.reports.executivesummary.read",
}
DEFAULT_SCOPES = [
    "offline_access",
    "accounting.contacts",
    "accounting.settings",
    "accounting.invoices",
    "accounting.payments",
]


def handle(sandbox, request):
    def handled():
        response = _handle(sandbox, request)
        if request.method != "GET":
            sandbox.changed()  # after the change: tokens, grants, connections
        sandbox.persist()  # saved before a "slow" or "accept_then_fail" fault acts
        return response

    return faulty(sandbox.faults, request.method, request.path, None, handled)


def _handle(sandbox, request):
    path = request.path
    if path == "/identity/connect/authorize" and request.method == "GET":
        return authorize_page(sandbox, request)
    if path == "/identity/connect/authorize" and request.method == "POST":
        return authorize_answer(sandbox, request)
    if path == "/connect/token" and request.method == "POST":
        return token(sandbox, request)
    if path == "/connect/revocation" and request.method == "POST":
        return revoke(sandbox, request)
    if path.lower() == "/connections" and request.method == "GET":
        return list_connections(sandbox, request)
    match = re.match(r"^/connections/([^/]+)$", path, re.IGNORECASE)
    if match and request.method == "DELETE":
        return delete_connection(sandbox, request, match[1])
    return Response(404, "Not Found", content_type="text/plain")


# ------------------------------------------------------------------ consent


def _error_page(message):
    return html(
        f"<!doctype html><title>Xero sandbox: error</title><h1>Sorry, something went wrong</h1>"
        f"<p id='error'>{html_lib.escape(message)}</p>",
        400,
    )


def _redirect_allowed(app, uri):
    parsed = urllib.parse.urlparse(uri or "")
    if app.redirect_uris:
        return uri in app.redirect_uris
    return parsed.scheme in ("http", "https") and (
        parsed.scheme == "https" or parsed.hostname in ("localhost", "127.0.0.1")
    )


def _with_query(uri, **params):
    parts = urllib.parse.urlparse(uri)
    query = urllib.parse.parse_qsl(parts.query) + [
        (k, v) for k, v in params.items() if v is not None
    ]
    return urllib.parse.urlunparse(parts._replace(query=urllib.parse.urlencode(query)))


def authorize_page(sandbox, request):
    """Check the authorize request as Xero does, then show the organisation picker."""
    query = request.query
    app = sandbox.apps.get(query.get("client_id") or "")
    if not app or app.custom_tenant:
        return _error_page("unauthorized_client: unknown client_id")
    uri = query.get("redirect_uri")
    if not _redirect_allowed(app, uri):
        return _error_page("Invalid redirect_uri")
    state = query.get("state")
    if query.get("response_type") != "code":
        return redirect(_with_query(uri, error="unsupported_response_type", state=state))
    scopes = set((query.get("scope") or "").split())
    if not scopes or scopes - KNOWN_SCOPES:
        return redirect(_with_query(uri, error="invalid_scope", state=state))
    challenge, method = query.get("code_challenge"), query.get("code_challenge_method")
    if challenge and method != "S256":
        return redirect(_with_query(uri, error="invalid_request", state=state))
    consent_id = secrets.token_urlsafe(16)
    with sandbox.lock:
        sandbox.pending_consents[consent_id] = {
            "client_id": app.client_id,
            "redirect_uri": uri,
            "scopes": scopes,
            "state": state,
            "challenge": challenge,
        }
    return html(_consent_html(sandbox, app, consent_id, scopes))


def _consent_html(sandbox, app, consent_id, scopes):
    options = "".join(
        f"<label class='org'><input type='checkbox' name='tenant' value='{t.tenant_id}'"
        f"{' checked' if index == 0 else ''}> {html_lib.escape(t.name)}</label><br>"
        for index, t in enumerate(sandbox.tenants.values())
    )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Xero sandbox: allow access</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:3em auto}}
button{{padding:.6em 1.4em;margin-right:1em}}</style></head>
<body><h1>{html_lib.escape(app.name)} wants to access your Xero data</h1>
<p>Permissions: {html_lib.escape(", ".join(sorted(scopes)))}</p>
<form method="post" action="/identity/connect/authorize">
<input type="hidden" name="consent" value="{consent_id}">
<fieldset><legend>Select the organisations to connect</legend>{options}</fieldset>
<p><button type="submit" name="answer" value="allow" id="allow">Allow access</button>
<button type="submit" name="answer" value="deny" id="deny">Cancel</button></p>
</form></body></html>"""


def authorize_answer(sandbox, request):
    fields = urllib.parse.parse_qs(request.body.decode())
    consent_id = (fields.get("consent") or [""])[0]
    with sandbox.lock:
        consent = sandbox.pending_consents.pop(consent_id, None)
        if not consent:
            return _error_page("This consent request has expired; start again from the app.")
        if (fields.get("answer") or [""])[0] != "allow":
            return redirect(
                _with_query(consent["redirect_uri"], error="access_denied", state=consent["state"])
            )
        tenants = [t for t in fields.get("tenant", []) if t in sandbox.tenants]
        if not tenants:
            return _error_page("Select at least one organisation.")
        code = secrets.token_urlsafe(24)
        sandbox.codes[code] = {
            **consent,
            "tenants": tenants,
            "expires_at": sandbox.clock.now() + timedelta(seconds=CODE_SECONDS),
        }
    return redirect(
        _with_query(
            consent["redirect_uri"],
            code=code,
            scope=" ".join(sorted(consent["scopes"])),
            state=consent["state"],
        )
    )


# ------------------------------------------------------------------ grants


def grant_for(sandbox, app):
    """The sandbox user's grant to ``app`` (one user: consents accumulate)."""
    from .core import Grant  # noqa: PLC0415 - core imports this module

    for grant in sandbox.grants.values():
        if grant.client_id == app.client_id:
            return grant
    grant = Grant(secrets.token_hex(16), app.client_id)
    sandbox.grants[grant.grant_id] = grant
    return grant


def add_connections(sandbox, grant, tenant_ids, scopes):
    event_id = sandbox.new_id()
    now = sandbox.clock.now()
    for tenant_id in tenant_ids:
        existing = grant.connections.get(tenant_id)
        grant.connections[tenant_id] = {
            "id": existing["id"] if existing else sandbox.new_id(),
            "authEventId": event_id,
            "tenantId": tenant_id,
            "created": existing["created"] if existing else now,
            "updated": now,
        }
    grant.scopes |= set(scopes)
    return event_id


# ------------------------------------------------------------------ token endpoint


def _client(sandbox, request, form):
    """The app calling the token endpoint, from HTTP Basic or the form body."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = request.header("authorization") or ""
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None, None
    return sandbox.apps.get(client_id or ""), secret


def token(sandbox, request):
    form = request.form()
    with sandbox.lock:
        app, secret = _client(sandbox, request, form)
        if not app:
            return oauth_error("invalid_client")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return _exchange_code(sandbox, app, secret, form)
        if grant_type == "refresh_token":
            return _refresh(sandbox, app, secret, form)
        if grant_type == "client_credentials":
            return _client_credentials(sandbox, app, secret, form)
        return oauth_error("unsupported_grant_type")


def _secret_ok(app, secret):
    return bool(app.client_secret) and secrets.compare_digest(secret or "", app.client_secret)


def _pkce_ok(challenge, verifier):
    if not verifier or not VERIFIER.match(verifier):
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return secrets.compare_digest(digest.decode(), challenge)


def _exchange_code(sandbox, app, secret, form):
    code = sandbox.codes.pop(form.get("code") or "", None)
    if not code or code["client_id"] != app.client_id or code["expires_at"] < sandbox.clock.now():
        return oauth_error("invalid_grant")
    if code["redirect_uri"] != form.get("redirect_uri"):
        return oauth_error("invalid_grant")
    if code["challenge"]:
        if not _pkce_ok(code["challenge"], form.get("code_verifier")):
            return oauth_error("invalid_grant")
        if secret and not _secret_ok(app, secret):
            return oauth_error("invalid_client")
    elif not _secret_ok(app, secret):
        return oauth_error("invalid_client")
    grant = grant_for(sandbox, app)
    add_connections(sandbox, grant, code["tenants"], code["scopes"])
    return Response(200, sandbox.issue_tokens(app, grant, grant.scopes | code["scopes"]))


def _refresh(sandbox, app, secret, form):
    if app.client_secret and not _secret_ok(app, secret):
        return oauth_error("invalid_client")
    old = sandbox.refresh_tokens.get(form.get("refresh_token") or "")
    if not old or old.client_id != app.client_id or not sandbox.refresh_usable(old):
        return oauth_error("invalid_grant")
    now = sandbox.clock.now()
    old.rotated_at = old.rotated_at or now
    old.last_used = now
    grant = sandbox.grants[old.grant_id]
    return Response(200, sandbox.issue_tokens(app, grant, old.scopes))


def _client_credentials(sandbox, app, secret, form):
    if not app.custom_tenant:
        return oauth_error("unauthorized_client")
    if not _secret_ok(app, secret):
        return oauth_error("invalid_client")
    wanted = set((form.get("scope") or "").split()) or set(DEFAULT_SCOPES) - {"offline_access"}
    if wanted - KNOWN_SCOPES:
        return oauth_error("invalid_scope")
    return Response(200, sandbox.issue_tokens(app, None, wanted, refresh=False))


def revoke(sandbox, request):
    """Revoking a refresh token removes the user's connections to the app."""
    form = request.form()
    with sandbox.lock:
        app, secret = _client(sandbox, request, form)
        if not app or (app.client_secret and not _secret_ok(app, secret)):
            return oauth_error("invalid_client")
        token = sandbox.refresh_tokens.get(form.get("token") or "")
        if token and token.client_id == app.client_id:
            revoke_grant(sandbox, token.grant_id)
    return Response(200, b"")


def revoke_grant(sandbox, grant_id):
    """What a user does in Xero by disconnecting the app: every token of the grant dies."""
    sandbox.grants.pop(grant_id, None)
    for refresh in sandbox.refresh_tokens.values():
        if refresh.grant_id == grant_id:
            refresh.revoked = True
    for access in sandbox.tokens.values():
        if access.grant_id == grant_id:
            access.expires_at = sandbox.clock.now()


# ------------------------------------------------------------------ /Connections


def _identity_token(sandbox, request):
    header = request.header("authorization") or ""
    access = sandbox.tokens.get(header[7:].strip()) if header.startswith("Bearer ") else None
    if not access or access.expires_at <= sandbox.clock.now():
        return None
    return access


def _connection_view(sandbox, connection):
    tenant = sandbox.tenants[connection["tenantId"]]

    def stamp(moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"

    return {
        "id": connection["id"],
        "authEventId": connection["authEventId"],
        "tenantId": tenant.tenant_id,
        "tenantType": "ORGANISATION",
        "tenantName": tenant.name,
        "createdDateUtc": stamp(connection["created"]),
        "updatedDateUtc": stamp(connection["updated"]),
    }


def _connections_of(sandbox, access):
    """A Custom Connection's token sees its one organisation; a user's token, its grant's."""
    if access.tenant_id:
        tenant = sandbox.tenants[access.tenant_id]
        connection_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{access.client_id}/{access.tenant_id}")
        )
        return [
            {
                "id": connection_id,
                "authEventId": connection_id,
                "tenantId": tenant.tenant_id,
                "created": tenant.created,
                "updated": tenant.created,
            }
        ]
    grant = sandbox.grants.get(access.grant_id)
    return list(grant.connections.values()) if grant else []


def list_connections(sandbox, request):
    with sandbox.lock:
        access = _identity_token(sandbox, request)
        if not access:
            return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        connections = _connections_of(sandbox, access)
        event = request.query.get("authEventId")
        views = [
            _connection_view(sandbox, c)
            for c in connections
            if not event or c["authEventId"] == event
        ]
        headers = {"X-AppMinLimit-Remaining": sandbox.limiter.app_remaining(access.client_id)}
    return Response(200, views, headers=headers)


def delete_connection(sandbox, request, connection_id):
    with sandbox.lock:
        access = _identity_token(sandbox, request)
        if not access:
            return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        grant = sandbox.grants.get(access.grant_id)
        for tenant_id, connection in list((grant.connections if grant else {}).items()):
            if connection["id"] == connection_id:
                del grant.connections[tenant_id]
                return Response(204, None)
    return Response(404, b"")
