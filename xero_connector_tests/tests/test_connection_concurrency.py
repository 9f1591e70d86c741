"""Token renewal with real, separate transactions: one refresh for all workers, kept on rollback.

These tests commit (as workers do), on the company's connection, and put it back afterwards.
"""

import threading

import pytest

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

from odoo.addons.xero_connector.exceptions import XeroAuthError

from ..sandbox import oauth
from .common import connected_values

KEPT = [
    "mode",
    "sandbox_url",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
    "token_expires_at",
    "tenant_id",
    "tenant_name",
    "state",
    "last_error",
]


def environment(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


@pytest.fixture
def connection_id(sandbox):
    """The main company's connection, committed as connected, its token about to expire."""
    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        connection = environment(cr).company._xero_connection().sudo()
        saved = connection.read(KEPT)[0]
        connection.write(connected_values(sandbox, expires_in=30))
        connection_id = connection.id
    yield connection_id
    with registry.cursor() as cr:
        connection = environment(cr)["xero.connection"].browse(connection_id)
        connection.write({key: value for key, value in saved.items() if key != "id"})
        connection.activity_ids.unlink()
        environment(cr)["xero.sync.log"].search([("connection_id", "=", connection_id)]).unlink()
        connection.budget_ids.unlink()


def read(connection_id, *names):
    with Registry(get_db_name()).cursor() as cr:
        return environment(cr)["xero.connection"].browse(connection_id).read(list(names))[0]


def token_calls(sandbox):
    return [c for c in sandbox.calls if c["path"] == "/connect/token"]


def test_two_workers_renewing_at_once_make_one_refresh_call(sandbox, connection_id):
    registry = Registry(get_db_name())
    start = threading.Barrier(2)
    tokens, failures = [], []

    def worker():
        try:
            with registry.cursor() as cr:
                start.wait()
                token, _expires = (
                    environment(cr)["xero.connection"].browse(connection_id)._xero_access_token()
                )
                tokens.append(token)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(token_calls(sandbox)) == 1
    assert (
        len(set(tokens)) == 1 and tokens[0] == read(connection_id, "access_token")["access_token"]
    )


def test_the_rotated_refresh_token_survives_a_rolled_back_transaction(sandbox, connection_id):
    before = read(connection_id, "refresh_token")["refresh_token"]
    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        environment(cr)["xero.connection"].browse(connection_id)._xero_access_token()
        cr.rollback()  # the business transaction failed
    after = read(connection_id, "refresh_token", "access_token")
    assert after["refresh_token"] != before
    # the stored refresh token is the live one: Xero accepts it
    assert sandbox.refresh_usable(sandbox.refresh_tokens[after["refresh_token"]])


def assert_reported_despite_a_rollback(connection_id):
    """A call refused for good, in a business transaction that then rolls back."""
    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        connection = environment(cr)["xero.connection"].browse(connection_id)
        with pytest.raises(XeroAuthError):
            connection._xero_call("get_contacts")
        cr.rollback()
    assert read(connection_id, "state")["state"] == "needs_reauth"
    with registry.cursor() as cr:
        connection = environment(cr)["xero.connection"].browse(connection_id)
        assert connection.activity_ids, "the Xero managers are told"


def test_a_revoked_consent_is_reported_despite_a_rollback(sandbox, connection_id):
    with sandbox.lock:
        for grant in list(sandbox.grants.values()):
            oauth.revoke_grant(sandbox, grant.grant_id)
    assert_reported_despite_a_rollback(connection_id)


def test_an_organisation_removed_in_xero_is_reported_despite_a_rollback(sandbox, connection_id):
    with sandbox.lock:
        for grant in sandbox.grants.values():
            grant.connections.clear()
    assert_reported_despite_a_rollback(connection_id)
