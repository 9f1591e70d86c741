"""The API client and the token life cycle, against the sandbox and its fault injection."""

import logging
from datetime import timedelta

from xero_python.accounting import Contact, Contacts

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.xero_connector.exceptions import (
    XeroAuthError,
    XeroNetworkError,
    XeroNotFoundError,
    XeroRateLimitError,
    XeroUnavailableError,
    XeroValidationError,
)
from odoo.addons.xero_connector.tools.xero_client import rate_limits

from .common import XeroSandboxMixin


@tagged("post_install", "-at_install")
class TestXeroClient(XeroSandboxMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.connected = self.connect_sandbox()

    def refused(self, call, *args):
        """The XeroAuthError of ``call``, keeping what it wrote.

        Odoo's assertRaises rolls back to a savepoint; in production the state is
        committed on a cursor of its own, which in tests shares this transaction.
        """
        try:
            call(*args)
        except XeroAuthError as error:
            return error
        self.fail("XeroAuthError not raised")

    def expire_soon(self):
        self.connected.token_expires_at = fields.Datetime.now() + timedelta(seconds=30)

    def test_connected_to_the_organisation_with_its_currency(self):
        self.assertEqual(self.connected.state, "connected")
        self.assertEqual(self.connected.tenant_name, "Kauri Tools Ltd")
        self.assertEqual(self.connected.tenant_id, self.sandbox.tenant(0).tenant_id)
        self.assertEqual(self.connected.base_currency, "NZD")

    def test_rate_limit_headers_and_last_call_are_recorded(self):
        answer = self.connected._xero_call_answer("get_organisations")
        self.assertEqual(self.connected.day_calls_left, 4999 - len(self.api_calls()) + 1)
        self.assertLessEqual(self.connected.minute_calls_left, 59)
        self.assertTrue(self.connected.last_call_at)
        self.assertEqual(rate_limits(answer.headers)["day"], self.connected.day_calls_left)
        line = self.env["xero.sync.log"].search([], limit=1)
        self.assertEqual(
            (line.operation, line.http_status, line.outcome), ("get_organisations", 200, "ok")
        )

    def test_token_renewed_before_expiry_and_rotated(self):
        old_refresh = self.connected.refresh_token
        logged_before = self.env["xero.sync.log"].search([], limit=1).id or 0
        self.expire_soon()
        self.connected._xero_call("get_contacts")
        self.assertEqual(len(self.token_calls()), 1)
        self.assertNotEqual(self.connected.refresh_token, old_refresh)
        renewal = self.env["xero.sync.log"].search(
            [("operation", "=", "token refresh"), ("id", ">", logged_before)]
        )
        self.assertEqual((len(renewal), renewal.http_status, renewal.outcome), (1, 200, "ok"))
        self.assertGreater(
            self.connected.token_expires_at, fields.Datetime.now() + timedelta(minutes=25)
        )
        # a fresh token is not renewed again
        self.connected._xero_call("get_contacts")
        self.assertEqual(len(self.token_calls()), 1)

    def test_a_lost_refresh_answer_is_recovered_within_the_grace(self):
        self.sandbox.faults.add("accept_then_fail", method="POST", path="/connect/token")
        self.expire_soon()
        self.connected._xero_call("get_contacts")
        # the first answer was lost after Xero rotated; the old token still worked once more
        self.assertEqual([c["status"] for c in self.token_calls()], [500, 200])
        self.assertEqual(self.connected.state, "connected")

    def test_invalid_grant_after_the_grace_stops_the_connection_and_tells_managers(self):
        stored = self.connected.refresh_token
        self.sandbox.faults.add("accept_then_fail", count=2, method="POST", path="/connect/token")
        self.expire_soon()
        with self.assertRaises(XeroUnavailableError):
            self.connected._xero_call("get_contacts")
        self.assertEqual(self.connected.refresh_token, stored)
        self.sandbox.clock.advance(31 * 60)
        self.refused(self.connected._xero_call, "get_contacts")
        self.assertEqual(self.connected.state, "needs_reauth")
        self.assertIn("connect again", self.connected.last_error)
        admin = self.env.ref("base.user_admin")
        todo = self.connected.activity_ids.filtered(lambda a: a.user_id == admin)
        self.assertEqual(len(todo), 1)
        self.assertIn("Reconnect", todo.summary)
        # stopped: no busy retries, no more calls to Xero
        calls = len(self.sandbox.calls)
        with self.assertRaises(XeroAuthError):
            self.connected._xero_call("get_contacts")
        self.assertEqual(len(self.sandbox.calls), calls)

    def test_revoked_consent_sets_needs_reauth(self):
        self.sandbox.faults.clear()
        with self.sandbox.lock:
            from ..sandbox import oauth  # noqa: PLC0415

            for grant in list(self.sandbox.grants.values()):
                oauth.revoke_grant(self.sandbox, grant.grant_id)
        self.refused(self.connected._xero_call, "get_contacts")
        self.assertEqual(self.connected.state, "needs_reauth")

    def test_a_rejected_access_token_is_renewed_once(self):
        self.sandbox.expire_access_tokens()
        organisation = self.connected._xero_call("get_organisations").organisations[0]
        self.assertEqual(organisation.name, "Kauri Tools Ltd")
        self.assertEqual(len(self.token_calls()), 1)

    def test_a_paused_connection_makes_no_call(self):
        self.connected.state = "paused"
        before = len(self.sandbox.calls)
        with self.assertRaises(XeroAuthError) as failure:
            self.connected._xero_call("get_contacts")
        self.assertIn("paused", failure.exception.message)
        self.assertEqual(len(self.sandbox.calls), before)

    def test_each_failure_has_its_exception(self):
        faults = self.sandbox.faults
        faults.add("429", retry_after=21)
        with self.assertRaises(XeroRateLimitError) as failure:
            self.connected._xero_call("get_contacts")
        self.assertEqual((failure.exception.retry_after, failure.exception.problem), (21, "minute"))
        faults.add("503")
        with self.assertRaises(XeroUnavailableError):
            self.connected._xero_call("get_contacts")
        faults.add("500")
        with self.assertRaises(XeroUnavailableError):
            self.connected._xero_call("get_contacts")
        faults.add("drop")
        with self.assertRaises(XeroNetworkError):
            self.connected._xero_call("get_contacts")
        with self.assertRaises(XeroNotFoundError):
            self.connected._xero_call("get_contact", "00000000-0000-0000-0000-000000000001")
        duplicate = Contacts(contacts=[Contact(name="Ridgeway Builders")])
        with self.assertRaises(XeroValidationError) as failure:
            self.connected._xero_call("create_contacts", duplicate)
        (element,) = failure.exception.elements
        self.assertIn("already assigned to another contact", element["messages"][0])
        self.assertEqual(element["element"]["Name"], "Ridgeway Builders")
        self.assertEqual(self.connected.state, "connected")

    def test_a_timeout_is_a_network_error(self):
        self.env["ir.config_parameter"].sudo().set_param("xero_connector.timeout", "1")
        self.sandbox.faults.add("slow", delay=2)
        with self.assertRaises(XeroNetworkError) as failure:
            self.connected._xero_call("get_contacts")
        self.assertIn("did not answer", failure.exception.message)

    def test_an_organisation_disconnected_in_xero_needs_reauth(self):
        with self.sandbox.lock:
            for grant in self.sandbox.grants.values():
                grant.connections.clear()
        self.refused(self.connected._xero_call, "get_contacts")
        self.assertEqual(self.connected.state, "needs_reauth")

    def test_idempotency_keys_reach_xero(self):
        contacts = Contacts(contacts=[Contact(name="Keyed Contact")])
        first = self.connected._xero_call(
            "create_contacts", contacts, idempotency_key="odoo-res.partner-1-v1"
        )
        again = self.connected._xero_call(
            "create_contacts", contacts, idempotency_key="odoo-res.partner-1-v1"
        )
        self.assertEqual(first.contacts[0].contact_id, again.contacts[0].contact_id)

    def test_tokens_and_secrets_never_reach_the_logs(self):
        secrets_ = (
            self.connected.access_token,
            self.connected.refresh_token,
            self.connected.client_secret,
        )
        self.sandbox.faults.add("accept_then_fail", count=2, method="POST", path="/connect/token")
        self.expire_soon()
        with self.assertLogs("odoo.addons.xero_connector", level=logging.DEBUG) as logs:
            logging.getLogger("odoo.addons.xero_connector").debug("start")
            with self.assertRaises(XeroUnavailableError) as failure:
                self.connected._xero_call("get_contacts")
        text = "\n".join(logs.output) + failure.exception.message
        for secret in secrets_:
            self.assertNotIn(secret, text)

    def test_custom_connection_asks_again_when_its_token_expires(self):
        connection = self.connection.sudo()
        connection.action_xero_disconnect()
        custom = self.sandbox.custom_app
        connection.write(
            {
                "sandbox_client_credentials": True,
                "client_id": custom.client_id,
                "client_secret": custom.client_secret,
            }
        )
        connection.action_xero_connect()
        self.assertEqual(connection.state, "connected")
        self.assertEqual(connection.tenant_id, custom.custom_tenant)
        self.assertFalse(connection.refresh_token)
        before = len(self.token_calls())
        connection.token_expires_at = fields.Datetime.now()
        connection._xero_call("get_contacts")
        self.assertEqual(len(self.token_calls()), before + 1)
        self.assertEqual(self.token_calls()[-1]["status"], 200)
