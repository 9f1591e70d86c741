"""Who may see and use a Xero connection: tokens for system administrators only, companies apart,
and secrets only ever sent where a system administrator said."""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

SECRETS = ["access_token", "refresh_token", "client_secret", "token_expires_at"]


class ConnectionFixture:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.connection = cls.company._xero_connection()
        cls.connection.sudo().write(
            {
                "client_id": "CLIENT-A",
                "client_secret": "secret-a",
                "access_token": "at-a",
                "refresh_token": "rt-a",
                "state": "connected",
                "tenant_name": "Org A",
            }
        )
        cls.rep = new_test_user(cls.env, "conn_rep", groups="sales_team.group_sale_salesman")
        cls.xero_user = new_test_user(
            cls.env,
            "conn_xero_user",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_user",
        )
        cls.manager = new_test_user(
            cls.env,
            "conn_manager",
            groups="sales_team.group_sale_salesman,xero_connector.group_xero_manager",
        )


@tagged("post_install", "-at_install")
class TestConnectionAccess(ConnectionFixture, TransactionCase):
    def test_a_salesperson_cannot_read_connections_at_all(self):
        with self.assertRaises(AccessError):
            self.connection.with_user(self.rep).read(["state"])

    def test_xero_users_and_managers_see_the_state_but_never_secrets(self):
        for user in (self.xero_user, self.manager):
            connection = self.connection.with_user(user)
            self.assertEqual(connection.read(["state", "tenant_name"])[0]["state"], "connected")
            for field in SECRETS:
                with self.assertRaises(AccessError):
                    connection.read([field])
            self.assertFalse(set(SECRETS) & set(connection.fields_get()))

    def test_xero_users_cannot_change_the_connection(self):
        with self.assertRaises(AccessError):
            self.connection.with_user(self.xero_user).write({"mode": "sandbox"})
        with self.assertRaises(AccessError):
            self.connection.with_user(self.xero_user).action_xero_disconnect()

    def test_a_system_administrator_reads_the_secrets(self):
        admin = self.env.ref("base.user_admin")
        values = self.connection.with_user(admin).read(["client_secret", "refresh_token"])[0]
        self.assertEqual((values["client_secret"], values["refresh_token"]), ("secret-a", "rt-a"))

    def test_companies_never_see_each_other_connections(self):
        other = self.env["res.company"].create({"name": "Second Company"})
        theirs = other._xero_connection()
        self.assertTrue(theirs, "a new company gets its own connection")
        self.assertNotEqual(theirs, self.connection)
        outsider = new_test_user(
            self.env,
            "conn_outsider",
            groups="base.group_system,xero_connector.group_xero_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        connections = self.env["xero.connection"].with_user(outsider)
        self.assertEqual(connections.search([]), theirs)
        with self.assertRaises(AccessError):
            self.connection.with_user(outsider).read(["state"])
        with self.assertRaises(AccessError):
            self.connection.with_user(outsider).action_xero_connect()

    @mute_logger("odoo.sql_db")
    def test_one_active_connection_per_company(self):
        with self.assertRaises(IntegrityError):
            self.env["xero.connection"].create({"company_id": self.company.id})
            self.env.flush_all()

    def test_a_copy_carries_no_secret(self):
        copy = self.connection.sudo().copy({"active": False})
        self.assertFalse(copy.access_token or copy.refresh_token or copy.client_secret)
        self.assertEqual(copy.state, "draft")

    def test_neutralisation_wipes_tokens_and_pauses(self):
        draft = self.env["res.company"].create({"name": "Never Connected"})._xero_connection()
        for query in get_neutralization_queries(["xero_connector"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        connection = self.connection.sudo()
        self.assertEqual(connection.state, "paused")
        self.assertFalse(
            connection.access_token or connection.refresh_token or connection.client_secret
        )
        self.assertEqual(draft.state, "draft")


class Listener:
    """A web server of someone who would like Odoo's secrets: it keeps what reaches it."""

    def __init__(self):
        heard = self.heard = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                heard.append((self.path, dict(self.headers), body))
                self.send_response(400)
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@tagged("post_install", "-at_install")
class TestWhereSecretsGo(ConnectionFixture, TransactionCase):
    """Where Odoo connects (the mode, the sandbox's address, the way it connects there)
    decides where the app's secret and the tokens go: only system administrators set it,
    and tokens never follow the connection to another address."""

    def setUp(self):
        super().setUp()
        self.listener = Listener()
        self.addCleanup(self.listener.close)

    def test_a_xero_manager_cannot_point_the_connection_elsewhere(self):
        connection = self.connection.with_user(self.manager)
        for values in (
            {"mode": "sandbox"},
            {"sandbox_url": self.listener.url},
            {"sandbox_client_credentials": True},
        ):
            with self.assertRaisesRegex(AccessError, "system administrators", msg=values):
                connection.write(values)
        other = self.env["res.company"].create({"name": "Shell Company"})
        with self.assertRaises(AccessError):
            self.env["xero.connection"].with_user(self.manager).create(
                {"company_id": other.id, "active": False, "sandbox_url": self.listener.url}
            )
        with self.assertRaises(AccessError):
            connection.action_xero_use_sandbox()
        # what stays the manager's: the connection's own settings
        connection.write({"sync_contacts": True, "day_limit": 1000})
        self.assertEqual(self.connection.sandbox_url, "http://127.0.0.1:8070")

    def test_connect_never_sends_the_app_secret_where_a_manager_said(self):
        connection = self.connection.with_user(self.manager)
        with contextlib.suppress(AccessError):  # refused: see the test above
            connection.write(
                {
                    "mode": "sandbox",
                    "sandbox_url": self.listener.url,
                    "sandbox_client_credentials": True,
                }
            )
        try:
            action = connection.action_xero_connect()
        except UserError:
            action = {"url": "the manager's server answered"}
        # what a token request carries: the app's Client ID and secret (header or body)
        heard = [
            (path, headers.get("Authorization") or body.decode())
            for path, headers, body in self.listener.heard
        ]
        self.assertEqual(heard, [], "nothing reached the manager's server")
        self.assertTrue(action["url"].startswith("https://login.xero.com/"), action["url"])

    def test_tokens_are_dropped_when_a_system_administrator_changes_the_address(self):
        admin = self.env.ref("base.user_admin")
        connection = self.connection.with_user(admin)
        connection.write({"mode": "sandbox", "sandbox_url": self.listener.url})
        connection_sudo = self.connection.sudo()
        self.assertEqual(connection_sudo.state, "draft")
        self.assertFalse(connection_sudo.access_token or connection_sudo.refresh_token)
        self.assertTrue(
            connection.message_ids.filtered(
                lambda m: "tokens of the previous address were dropped" in (m.body or "")
            )
        )
        # nothing to renew: nothing is sent, the manager is told to connect
        with self.assertRaisesRegex(UserError, "not connected"):
            self.connection.with_user(self.manager).action_xero_test()
        self.assertEqual(self.listener.heard, [])

    def test_the_sandbox_address_is_a_web_address(self):
        admin = self.env.ref("base.user_admin")
        for url in ("file:///etc/passwd", "gopher://127.0.0.1:70/", "127.0.0.1:8070"):
            with self.assertRaises(ValidationError, msg=url):
                self.connection.with_user(admin).write({"mode": "sandbox", "sandbox_url": url})


@tagged("post_install", "-at_install")
class TestConnectionRpc(ConnectionFixture, HttpCase):
    def test_tokens_cannot_be_read_over_rpc(self):
        self.authenticate("conn_xero_user", "conn_xero_user")
        with self.assertRaises(Exception) as failure, mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/xero.connection/search_read",
                {
                    "model": "xero.connection",
                    "method": "search_read",
                    "args": [[], ["refresh_token", "client_secret"]],
                    "kwargs": {},
                },
            )
        self.assertIn("AccessError", str(failure.exception))
        answer = self.make_jsonrpc_request(
            "/web/dataset/call_kw/xero.connection/search_read",
            {
                "model": "xero.connection",
                "method": "search_read",
                "args": [[], ["state"]],
                "kwargs": {},
            },
        )
        self.assertEqual(answer[0]["state"], "connected")
        self.assertNotIn("refresh_token", answer[0])
