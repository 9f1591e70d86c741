"""The sandbox's OAuth 2: consent page, code with PKCE, refresh rotation, client credentials."""

import base64
import hashlib
import re
import secrets
import urllib.parse

import pytest
import requests
from xero_python.api_client import ApiClient
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.exceptions import HTTPStatusException

from .sandbox_client import Xero, sdk_configuration

REDIRECT = "http://127.0.0.1:8069/xero/oauth/callback"
TOKEN_KEYS = {"access_token", "expires_in", "token_type", "refresh_token", "scope"}
SCOPE = (
    "offline_access accounting.contacts accounting.settings accounting.invoices accounting.payments"
)


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


def authorize(sandbox, challenge=None, state="s-123", scope=SCOPE, **extra):
    params = {
        "response_type": "code",
        "client_id": sandbox.app.client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": state,
        **extra,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return requests.get(sandbox.urls["authorize"], params=params, timeout=10, allow_redirects=False)


def allow(sandbox, page, tenants=None, answer="allow"):
    consent = re.search(r'name="consent" value="([^"]+)"', page.text)[1]
    tenants = tenants if tenants is not None else [sandbox.tenant(0).tenant_id]
    form = [("consent", consent), ("answer", answer)] + [("tenant", t) for t in tenants]
    reply = requests.post(sandbox.urls["authorize"], data=form, timeout=10, allow_redirects=False)
    assert reply.status_code == 302
    location = urllib.parse.urlparse(reply.headers["Location"])
    return dict(urllib.parse.parse_qsl(location.query))


def exchange(sandbox, code, verifier=None, secret=True, redirect=REDIRECT):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    auth = None
    if secret:
        auth = (sandbox.app.client_id, sandbox.app.client_secret)
    else:
        form["client_id"] = sandbox.app.client_id
    if verifier:
        form["code_verifier"] = verifier
    return requests.post(sandbox.urls["token"], data=form, auth=auth, timeout=10)


def refresh_refused(client):
    """xero-python's refresh raises a plain 400 whose body is exactly Xero's invalid_grant."""
    with pytest.raises(HTTPStatusException) as failure:
        client.refresh_oauth2_token()
    assert failure.value.status == 400
    assert failure.value.body in (b'{"error":"invalid_grant"}', '{"error":"invalid_grant"}')


def sdk_client(sandbox, token, app=None):
    app = app or sandbox.app
    holder = {"token": dict(token)}
    client = ApiClient(
        sdk_configuration(app.client_id, app.client_secret),
        pool_threads=1,
        oauth2_token_getter=lambda: holder["token"],
        oauth2_token_saver=lambda new: holder.update(token=dict(new)),
    )
    return client, holder


def test_consent_page_lists_organisations_and_redirects_with_code_and_state(sandbox):
    page = authorize(sandbox)
    assert page.status_code == 200
    assert 'id="allow"' in page.text and "Allow access" in page.text
    for tenant in sandbox.tenants.values():
        assert tenant.name in page.text and tenant.tenant_id in page.text
    answer = allow(sandbox, page)
    assert answer["state"] == "s-123" and answer["code"]


def test_code_with_pkce_gives_tokens_xero_python_accepts(sandbox):
    verifier, challenge = pkce_pair()
    code = allow(sandbox, authorize(sandbox, challenge))["code"]
    reply = exchange(sandbox, code, verifier, secret=False)
    assert reply.status_code == 200
    token = reply.json()
    assert set(token) == TOKEN_KEYS
    assert token["expires_in"] == 1800 and token["token_type"] == "Bearer"
    # the SDK takes the answer as it is (any extra key would raise TypeError)
    OAuth2Token(client_id=sandbox.app.client_id).update_token(**token)
    xero = Xero(sandbox, tokens=token)
    assert xero.api.get_organisations(xero.tenant_id).organisations[0].name == "Kauri Tools Ltd"


def test_wrong_pkce_verifier_reused_or_late_codes_are_refused(sandbox):
    verifier, challenge = pkce_pair()
    code = allow(sandbox, authorize(sandbox, challenge))["code"]
    assert exchange(sandbox, code, pkce_pair()[0], secret=False).json() == {
        "error": "invalid_grant"
    }
    code = allow(sandbox, authorize(sandbox, challenge))["code"]
    assert exchange(sandbox, code, verifier, secret=False).status_code == 200
    assert exchange(sandbox, code, verifier, secret=False).json() == {"error": "invalid_grant"}
    code = allow(sandbox, authorize(sandbox, challenge))["code"]
    sandbox.clock.advance(121)
    assert exchange(sandbox, code, verifier, secret=False).json() == {"error": "invalid_grant"}


def test_code_needs_the_same_redirect_uri_and_a_good_secret(sandbox):
    code = allow(sandbox, authorize(sandbox))["code"]
    assert exchange(sandbox, code, redirect="http://127.0.0.1:9/other").json() == {
        "error": "invalid_grant"
    }
    code = allow(sandbox, authorize(sandbox))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    wrong = requests.post(
        sandbox.urls["token"], data=form, auth=(sandbox.app.client_id, "nope"), timeout=10
    )
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_client"}
    grant = requests.post(
        sandbox.urls["token"],
        data={"grant_type": "password"},
        auth=(sandbox.app.client_id, sandbox.app.client_secret),
        timeout=10,
    )
    assert grant.json() == {"error": "unsupported_grant_type"}


def test_denied_consent_bad_scope_and_foreign_redirect(sandbox):
    assert allow(sandbox, authorize(sandbox), answer="deny") == {
        "error": "access_denied",
        "state": "s-123",
    }
    bad_scope = authorize(sandbox, scope="accounting.everything")
    assert "error=invalid_scope" in bad_scope.headers["Location"]
    foreign = authorize(sandbox, redirect_uri="http://evil.example/callback")
    assert foreign.status_code == 400 and "Invalid redirect_uri" in foreign.text
    unknown = requests.get(sandbox.urls["authorize"], params={"client_id": "nobody"}, timeout=10)
    assert unknown.status_code == 400


def test_consents_add_up_to_several_connections(sandbox):
    first = exchange(sandbox, allow(sandbox, authorize(sandbox))["code"]).json()
    second_tenant = sandbox.tenant(1).tenant_id
    code = allow(sandbox, authorize(sandbox), tenants=[second_tenant])["code"]
    second = exchange(sandbox, code).json()
    client, _holder = sdk_client(sandbox, second)
    from xero_python.identity import IdentityApi  # noqa: PLC0415

    connections = IdentityApi(client, base_url=sandbox.urls["identity"]).get_connections()
    assert {c.tenant_name for c in connections} == {"Kauri Tools Ltd", "Thames Ledger Ltd"}
    assert all(c.tenant_type == "ORGANISATION" for c in connections)
    assert first["access_token"] != second["access_token"]


def test_refresh_rotates_and_the_old_token_has_a_30_minute_grace(xero, sandbox):
    old = xero.token["refresh_token"]
    new = xero.client.refresh_oauth2_token()
    assert new["refresh_token"] != old and new["access_token"] != xero.token.get("old")
    # the answer was "lost": the old token still works within 30 minutes
    sandbox.clock.advance(29 * 60)
    xero.token = {**xero.token, "refresh_token": old}
    assert xero.client.refresh_oauth2_token()["refresh_token"] not in (old, new["refresh_token"])
    sandbox.clock.advance(2 * 60)
    xero.token = {**xero.token, "refresh_token": old}
    refresh_refused(xero.client)


def test_refresh_token_unused_for_60_days_expires(xero, sandbox):
    sandbox.clock.advance(61 * 86400)
    refresh_refused(xero.client)


def test_access_tokens_last_30_minutes(xero, sandbox):
    xero.api.get_organisations(xero.tenant_id)
    sandbox.clock.advance(1801)
    with pytest.raises(HTTPStatusException) as failure:
        xero.api.get_organisations(xero.tenant_id)
    assert failure.value.status == 401
    body = failure.value.body
    assert "TokenExpired: token expired at" in (body.decode() if isinstance(body, bytes) else body)


def test_revocation_drops_connections_and_refresh(xero, sandbox):
    before = dict(xero.token)
    xero.client.revoke_oauth2_token()
    assert sandbox.grants == {}
    xero.token = before
    refresh_refused(xero.client)


def test_user_disconnecting_the_app_in_xero_kills_the_grant(xero, sandbox):
    assert xero.admin("POST", "grants/revoke")[0] == 200
    with pytest.raises(HTTPStatusException) as failure:
        xero.api.get_organisations(xero.tenant_id)
    assert failure.value.status in (401, 403)
    refresh_refused(xero.client)


def test_connections_can_be_listed_filtered_and_deleted(xero, sandbox):
    connections = xero.identity.get_connections()
    assert [c.tenant_id for c in connections] == [xero.tenant_id]
    assert xero.identity.get_connections(auth_event_id=str(connections[0].auth_event_id))
    xero.identity.delete_connection(connections[0].id)
    assert xero.identity.get_connections() == []
    with pytest.raises(HTTPStatusException) as failure:
        xero.api.get_organisations(xero.tenant_id)
    assert failure.value.status == 403
    with pytest.raises(HTTPStatusException) as missing:
        xero.identity.delete_connection(connections[0].id)
    assert missing.value.status == 404


def test_tenant_header_is_checked(xero, sandbox):
    for headers in ({}, {"xero-tenant-id": "00000000-0000-0000-0000-000000000000"}):
        answer = xero.raw("GET", "/Organisation", tenant=False, headers=headers)
        assert answer.status_code == 403
        assert answer.json()["Detail"] == "AuthenticationUnsuccessful"
        assert answer.json()["Title"] == "Forbidden" and answer.json()["Type"] is None
    other = xero.raw(
        "GET",
        "/Organisation",
        tenant=False,
        headers={"xero-tenant-id": sandbox.tenant(1).tenant_id},
    )
    assert other.status_code == 403


def test_missing_or_unknown_bearer_is_401(xero, sandbox):
    answer = requests.get(
        f"{sandbox.urls['accounting']}/Contacts",
        headers={"xero-tenant-id": xero.tenant_id},
        timeout=10,
    )
    assert answer.status_code == 401 and answer.json()["Title"] == "Unauthorized"
    answer = xero.raw("GET", "/Contacts", headers={"Authorization": "Bearer forged"})
    assert answer.status_code == 401


def test_read_only_scope_cannot_write(sandbox):
    xero = Xero(sandbox, tokens=sandbox.connect(scopes=["accounting.contacts.read"]))
    assert xero.api.get_contacts(xero.tenant_id).contacts
    answer = xero.raw("PUT", "/Contacts", json={"Contacts": [{"Name": "Nope"}]})
    assert answer.status_code == 401 and answer.json()["Detail"] == "AuthorizationUnsuccessful"


def test_custom_connection_with_client_credentials(sandbox):
    app = sandbox.custom_app
    client, holder = sdk_client(sandbox, {}, app=app)
    token = client.get_client_credentials_token()
    assert "refresh_token" not in token and token["expires_in"] == 1800
    from xero_python.accounting import AccountingApi  # noqa: PLC0415

    api = AccountingApi(client, base_url=sandbox.urls["accounting"])
    # a Custom Connection needs no tenant: the SDK sends an empty one
    assert api.get_organisations("").organisations[0].name == sandbox.tenant(0).name
    basic = requests.post(
        sandbox.urls["token"],
        data={"grant_type": "client_credentials"},
        auth=(app.client_id, app.client_secret),
        timeout=10,
    )
    assert basic.status_code == 200 and "access_token" in basic.json()
    refused = requests.post(
        sandbox.urls["token"],
        data={"grant_type": "client_credentials"},
        auth=(sandbox.app.client_id, sandbox.app.client_secret),
        timeout=10,
    )
    assert refused.json() == {"error": "unauthorized_client"}
    assert holder["token"]["access_token"] == token["access_token"]
