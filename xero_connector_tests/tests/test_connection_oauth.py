"""Connecting a company to Xero: the OAuth 2 dance with PKCE and a signed state, end to end."""

import re
import resource
import shutil
import urllib.parse
from contextlib import contextmanager

import requests

from odoo.tests import HttpCase, new_test_user, tagged

from .common import XeroSandboxMixin

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SETTINGS = "/odoo/action-xero_connector.action_xero_config_settings"


@contextmanager
def unlimited_memory():
    """Odoo caps the test process's address space; Chromium (V8) reserves more and dies.

    Odoo's own browser tests lift the cap for Chrome; Playwright's driver and browser
    inherit it when spawned, so lift it while they start.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@tagged("post_install", "-at_install")
class TestXeroOAuth(XeroSandboxMixin, HttpCase):
    def setUp(self):
        super().setUp()
        self.authenticate("admin", "admin")

    # ------------------------------------------------------------ helpers

    def start(self):
        """Click Connect: the URL of Xero's consent page."""
        action = self.connection.with_user(self.env.ref("base.user_admin")).action_xero_connect()
        self.assertEqual((action["type"], action["target"]), ("ir.actions.act_url", "self"))
        return action["url"]

    def wizard(self):
        """The connect wizard of the last Connect click."""
        return self.env["xero.connect"].search([], order="id desc", limit=1).sudo()

    def consent(self, url, tenants=(0,), answer="allow"):
        """What the user does on the consent page; returns where Xero sends them back."""
        page = requests.get(url, timeout=10)
        self.assertEqual(page.status_code, 200, page.text)
        consent = re.search(r'name="consent" value="([^"]+)"', page.text)[1]
        form = [("consent", consent), ("answer", answer)]
        form += [("tenant", self.sandbox.tenant(t).tenant_id) for t in tenants]
        reply = requests.post(url.split("?")[0], data=form, timeout=10, allow_redirects=False)
        self.assertEqual(reply.status_code, 302)
        return reply.headers["Location"]

    def back_in_odoo(self, location):
        return self.url_open(location, allow_redirects=False)

    # ------------------------------------------------------------ the dance

    def test_connect_asks_with_pkce_and_a_signed_state(self):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.start()).query))
        self.assertEqual(query["code_challenge_method"], "S256")
        self.assertEqual(len(query["code_challenge"]), 43)
        self.assertEqual(query["redirect_uri"], f"{self.base_url()}/xero/oauth/callback")
        self.assertIn("offline_access", query["scope"].split())
        self.assertNotIn(self.wizard().oauth_verifier, query.values())

    def test_consent_comes_back_connected(self):
        answer = self.back_in_odoo(self.consent(self.start()))
        self.assertEqual(answer.status_code, 303)
        self.assertTrue(answer.headers["Location"].endswith(SETTINGS))
        connection = self.connection.sudo()
        self.assertEqual(connection.state, "connected")
        self.assertEqual(
            (connection.tenant_name, connection.base_currency), ("Kauri Tools Ltd", "NZD")
        )
        self.assertTrue(connection.refresh_token and connection.access_token)
        self.assertFalse(self.wizard().oauth_nonce or self.wizard().oauth_verifier)

    def test_tampered_state_is_refused(self):
        location = self.consent(self.start())
        state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
        forged = location.replace(state, state[:-2] + ("AA" if not state.endswith("AA") else "BB"))
        answer = self.back_in_odoo(forged)
        self.assertEqual(answer.status_code, 400)
        self.assertIn("not valid", answer.text)
        self.assertEqual(self.connection.state, "draft")

    def test_replayed_state_is_refused(self):
        location = self.consent(self.start())
        self.assertEqual(self.back_in_odoo(location).status_code, 303)
        again = self.back_in_odoo(location)
        self.assertEqual(again.status_code, 400)
        self.assertIn("already used", again.text)

    def test_a_state_started_by_someone_else_is_refused(self):
        location = self.consent(self.start())
        new_test_user(
            self.env,
            "other_manager",
            password="other_manager_pw",
            groups="base.group_system,xero_connector.group_xero_manager",
        )
        self.authenticate("other_manager", "other_manager_pw")
        self.assertEqual(self.back_in_odoo(location).status_code, 400)
        self.assertEqual(self.connection.state, "draft")

    def test_a_wrong_pkce_verifier_fails_with_the_reason(self):
        url = self.start()
        self.wizard().oauth_verifier = "x" * 64
        answer = self.back_in_odoo(self.consent(url))
        self.assertEqual(answer.status_code, 400)
        self.assertIn("invalid_grant", answer.text)
        self.assertEqual(self.connection.state, "draft")
        self.assertIn("invalid_grant", self.connection.last_error)

    def test_a_denied_consent_says_so(self):
        answer = self.back_in_odoo(self.consent(self.start(), answer="deny"))
        self.assertEqual(answer.status_code, 400)
        self.assertIn("did not grant access (access_denied)", answer.text)

    def test_several_organisations_are_offered_to_choose_from(self):
        answer = self.back_in_odoo(self.consent(self.start(), tenants=(0, 1)))
        wizard = self.wizard()
        # the administrator lands on the connect wizard to choose
        self.assertEqual(answer.status_code, 303)
        self.assertTrue(answer.headers["Location"].endswith(f"/odoo/xero.connect/{wizard.id}"))
        connection = self.connection
        self.assertEqual((connection.state, wizard.state), ("draft", "choose"))
        self.assertEqual(
            sorted(wizard.tenant_ids.mapped("name")), ["Kauri Tools Ltd", "Thames Ledger Ltd"]
        )
        with self.assertRaisesRegex(Exception, "Choose one of the organisations"):
            wizard.action_use_tenant()
        wizard.tenant_id = wizard.tenant_ids.filtered(lambda t: t.name == "Thames Ledger Ltd")
        wizard.action_use_tenant()
        self.assertEqual(
            (connection.state, connection.tenant_name, connection.base_currency),
            ("connected", "Thames Ledger Ltd", "GBP"),
        )
        self.assertEqual(connection.base_currency_id, self.env.ref("base.GBP"))

    def test_test_connection_and_disconnect(self):
        self.back_in_odoo(self.consent(self.start()))
        notification = self.connection.action_xero_test()["params"]
        self.assertIn("Kauri Tools Ltd (base currency NZD)", notification["message"])
        self.assertRegex(notification["message"], r"Calls left: \d+ this minute, \d+ today")
        refresh = self.connection.sudo().refresh_token
        self.connection.action_xero_disconnect()
        self.assertEqual(self.connection.state, "draft")
        self.assertFalse(self.connection.sudo().refresh_token)
        # Xero removed the connection and the refresh token is dead
        self.assertEqual(self.sandbox.grants, {})
        self.assertTrue(self.sandbox.refresh_tokens[refresh].revoked)

    def test_one_click_local_sandbox(self):
        connection = self.connection.sudo()
        connection.write({"client_id": False, "client_secret": False, "mode": "oauth"})
        settings = self.env["res.config.settings"].create(
            {"xero_sandbox_url": self.sandbox.base_url}
        )
        settings.action_xero_use_sandbox()
        self.assertEqual((connection.mode, connection.state), ("sandbox", "connected"))
        self.assertEqual(connection.client_id, self.sandbox.app.client_id)
        self.assertEqual(connection.tenant_name, "Kauri Tools Ltd")

    def test_one_click_sandbox_says_when_it_is_not_running(self):
        self.connection.sudo().sandbox_url = "http://127.0.0.1:9"
        with self.assertRaisesRegex(Exception, "does not answer at http://127.0.0.1:9"):
            self.connection.action_xero_use_sandbox()

    # ------------------------------------------------------------ in a real browser

    def test_oauth_dance_in_a_browser(self):
        """An administrator clicks Connect, allows access on Xero's page, lands back connected."""
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only this test needs it

        chromium = next(filter(None, map(shutil.which, BROWSERS)), None)
        self.assertTrue(chromium, "the browser tests need Chromium (setup/test installs it)")
        args = [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        errors = []
        with unlimited_memory():
            playwright = sync_playwright().start()
            browser = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            with self.allow_requests():
                context = browser.new_context()
                cookies = {
                    "session_id": self.session.sid,
                    "test_request_key": self.http_request_key,
                }
                context.add_cookies(
                    [{"name": k, "value": v, "url": self.base_url()} for k, v in cookies.items()]
                )
                page = context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(f"{self.base_url()}{SETTINGS}")
                page.locator("button[name='action_xero_connect']").click()
                page.wait_for_url(
                    f"{self.sandbox.base_url}/identity/connect/authorize*", timeout=30000
                )
                page.locator("#allow").click()
                page.wait_for_url(f"{self.base_url()}{SETTINGS}*", timeout=30000)
                page.locator(".o_field_badge:has-text('Connected')").wait_for(timeout=30000)
                page.locator("span:has-text('Kauri Tools Ltd')").first.wait_for(timeout=10000)
        finally:
            browser.close()
            playwright.stop()
        self.assertEqual(self.connection.state, "connected")
        self.assertEqual(errors, [])
