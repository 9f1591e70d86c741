"""Odoo test cases with a Xero sandbox and the company's connection pointed at it."""

from contextlib import contextmanager
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

from .sandbox_client import checked_sandbox

# what the sync leaves in the database, in an order that deletes cleanly
XERO_DATA = (
    "xero.leakage.case",
    "xero.sync.log",
    "xero.sync.job",
    "xero.link",
    "xero.contact",
    "xero.item",
    "xero.tax.map",
    "xero.tax.rate",
    "xero.account",
    "xero.currency",
    "xero.branding.theme",
    "xero.tracking.category",
    "xero.poll.cursor",
    "xero.connection.budget",
)


def forget_xero_data(env):
    """Remove what a test that commits left of the sync (links, jobs, Xero's lists...)."""
    for model in XERO_DATA:
        env[model].sudo().with_context(active_test=False).search([]).unlink()


def invoicing_on(env, connection):
    """The connection (its Xero lists read) invoices orders: the sales account 200, the
    rounding account 860 and the no-tax rate NONE of the sandbox. Returns Xero's tax
    rates of the organisation."""
    where = [("connection_id", "=", connection.id)]
    accounts = env["xero.account"].search([*where, ("status", "=", "ACTIVE")])
    rates = env["xero.tax.rate"].search(where)
    connection.write(
        {
            "sync_contacts": True,
            "sync_invoices": True,
            "sales_account_id": accounts.filtered(lambda a: a.code == "200")[:1].id,
            "rounding_account_id": accounts.filtered(lambda a: a.code == "860")[:1].id,
            "no_tax_rate_id": rates.filtered(lambda r: r.xero_key == "NONE")[:1].id,
        }
    )
    return rates


def forget_orders(env, connection, order_ids):
    """The orders a committing test made gone, with their Xero documents and what the
    sync kept; the connection invoices no more."""
    connection.write(
        {
            "sync_invoices": False,
            "sales_account_id": False,
            "rounding_account_id": False,
            "no_tax_rate_id": False,
        }
    )
    orders = env["sale.order"].browse(order_ids)
    env["xero.order.credit.note"].search([("order_id", "in", orders.ids)]).unlink()
    env["xero.order.invoice"].search([("order_id", "in", orders.ids)]).unlink()
    subscriptions = env["xero.subscription"].search([("order_id", "in", orders.ids)])
    subscriptions.template_ids.unlink()
    orders.xero_subscription_id = False
    subscriptions.unlink()
    env["xero.invoice"].search([("connection_id", "=", connection.id)]).unlink()
    orders._action_cancel()
    orders.unlink()
    forget_xero_data(env)


def connected_values(sandbox, expires_in=1800, tenant=0):
    """A connection's values right after a consent to the sandbox (for committed set-ups)."""
    tenant_id = sandbox.tenant(tenant).tenant_id
    tokens = sandbox.connect([tenant_id])
    return {
        "mode": "sandbox",
        "sandbox_url": sandbox.base_url,
        "client_id": sandbox.app.client_id,
        "client_secret": sandbox.app.client_secret,
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "token_expires_at": fields.Datetime.now() + timedelta(seconds=expires_in),
        "tenant_id": tenant_id,
        "state": "connected",
    }


@contextmanager
def committed_connection(sandbox, **values):
    """For the tests that commit (threads, processes): the main company's connection
    committed as connected to the sandbox, with ``values``; yields the registry.
    Afterwards what the sync kept is forgotten and the connection is as it was."""
    registry = Registry(get_db_name())
    keys = ["mode", "sandbox_url", "client_id", "client_secret", "state", *values]
    with registry.cursor() as cr:
        connection = api.Environment(cr, SUPERUSER_ID, {}).company._xero_connection().sudo()
        saved = connection.read(keys)[0]
        connection.write(connected_values(sandbox) | values)
    try:
        yield registry
    finally:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            forget_xero_data(env)
            connection = env.company._xero_connection().sudo()
            connection.write({key: value for key, value in saved.items() if key != "id"})


class XeroSandboxMixin:
    """Start a fresh sandbox per test and point the company's connection at it.

    Token renewals use a cursor of their own; in tests it shares the test's
    transaction (registry test mode), so nothing is committed.
    """

    sandbox_options = {}  # e.g. the first organisation's base currency

    def setUp(self):
        super().setUp()
        self.sandbox = checked_sandbox(retry_schedule=(0.2, 0.4), **self.sandbox_options)
        self.addCleanup(self._stop_sandbox)
        if not getattr(type(self), "registry_test_mode", False):
            self.enterContext(self.enter_registry_test_mode())
        self.connection = self.env.company._xero_connection()
        self.connection.sudo().write(
            {
                "mode": "sandbox",
                "sandbox_url": self.sandbox.base_url,
                "client_id": self.sandbox.app.client_id,
                "client_secret": self.sandbox.app.client_secret,
            }
        )

    def _stop_sandbox(self):
        self.sandbox.stop()
        self.assertEqual(self.sandbox.problems, [], "answers that break Xero's OpenAPI file")

    def connect_sandbox(self, tenant=0):
        """Connected as after a consent in the browser, without the browser."""
        tenant_id = self.sandbox.tenant(tenant).tenant_id
        connection = self.connection.sudo()
        wizard = self.env["xero.connect"].create({"connection_id": connection.id})
        connection._xero_store_tokens(self.sandbox.connect([tenant_id]))
        if wizard._xero_offer_tenants():
            wizard._xero_use(wizard.tenant_ids.filtered(lambda t: t.xero_tenant_id == tenant_id))
        return connection

    def token_calls(self):
        return [c for c in self.sandbox.calls if c["path"] == "/connect/token"]

    def api_calls(self):
        return [c for c in self.sandbox.calls if c["path"].startswith("/api.xro/2.0/")]


class XeroSyncCase(XeroSandboxMixin):
    """A connected company whose contacts sync, and helpers to drive the queue's cron."""

    def setUp(self):
        super().setUp()
        self.connect_sandbox()
        self.connection.sudo().sync_contacts = True
        self.jobs = self.env["xero.sync.job"].sudo()
        self.queue_cron = self.env.ref("xero_connector.ir_cron_xero_process_queue")
        self.poll_cron = self.env.ref("xero_connector.ir_cron_xero_poll")

    @property
    def books(self):
        return self.sandbox.tenant(0).books

    def customers(self, count, prefix="Customer", **values):
        return self.env["res.partner"].create(
            [
                {"name": f"{prefix} {index:04d}", "customer_rank": 1, **values}
                for index in range(count)
            ]
        )

    def run_cron(self, cron):
        """Run a cron as the scheduler would (its commits are savepoints in tests)."""
        result = cron.method_direct_trigger()
        if isinstance(result, dict) and result.get("type") == "ir.actions.client":
            self.fail(f"the cron failed: {result['params']}")
        self.env.invalidate_all()

    def run_queue(self):
        self.run_cron(self.queue_cron)

    def refused_customers(self):
        """(a customer whose email Odoo catches before sending, one in euros, a currency
        the organisation does not use, that Xero refuses)."""
        bad_email = self.customers(1, prefix="Bad mail", email="not-an-email")
        euro = self.env.ref("base.EUR")
        euro.active = True
        pricelist = self.env["product.pricelist"].create({"name": "Euro", "currency_id": euro.id})
        foreign = self.customers(1, prefix="Euro", property_product_pricelist=pricelist.id)
        return bad_email, foreign

    def go_live(self, wizard):
        """The manager clicks Go live; the go-live runs in the background (its cron)."""
        wizard.action_go_live()
        self.run_cron(self.env.ref("xero_connector.ir_cron_xero_golive"))
        return wizard

    def time_passes(self):
        """Whatever the queue waits for (back-off, Retry-After, the minute's budget) is over:
        in Odoo and in the sandbox's rate-limit windows."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE xero_sync_job SET next_attempt_at = now() at time zone 'utc' - interval '1s'"
            " WHERE state = 'pending'"
        )
        self.env.cr.execute(
            "UPDATE xero_connection_budget SET wait_until = NULL, recent_calls = NULL"
        )
        self.env.invalidate_all()
        self.sandbox.clock.advance(61)

    def run_until_settled(self, rounds=30):
        """Run the queue, letting time pass between runs, until nothing is pending."""
        for _round in range(rounds):
            self.run_queue()
            if not self.jobs.search_count([("state", "in", ("pending", "processing"))]):
                return _round + 1
            self.time_passes()
        self.fail("the queue did not settle")

    def budget_used_today(self, used, limit=100):
        """The organisation has made ``used`` of its ``limit`` calls today."""
        connection = self.connection.sudo()
        connection.day_limit = limit
        self.env["xero.connection.budget"]._xero_locked(
            connection,
            lambda budget: budget.write(
                {"day": fields.Datetime.now().date().isoformat(), "day_used": used}
            ),
        )

    def contacts_named(self, name):
        return [c for c in self.books.contacts.values() if c["Name"] == name]

    def link_of(self, record):
        return self.env["xero.link"].search(
            [
                ("connection_id", "=", self.connection.id),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
            ]
        )

    def accountant_edits(self, contact_id, **values):
        """The accountant changes a contact in Xero (webhooks fire if configured)."""
        with self.sandbox.lock:
            contact = self.books.contacts[contact_id]
            return self.books.save_contact(values, "Accountant", target=contact)

    def pushed(self, partner):
        """Push one customer now and return its Xero ContactID."""
        partner.action_xero_resync()
        self.run_queue()
        return self.link_of(partner).xero_id
