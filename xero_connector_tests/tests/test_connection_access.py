"""Who may see and use a Xero connection: tokens for system administrators only, companies apart."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
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
