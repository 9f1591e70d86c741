import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import (
    CUSTOM_CONNECTION_SCOPES,
    DAY_LIMIT,
    MINUTE_LIMIT,
    TIMEOUT,
    TOKEN_MARGIN,
    XERO_URLS,
    XERO_WEB_URLS,
)
from ..exceptions import (
    XeroAuthError,
    XeroError,
    XeroNetworkError,
    XeroNotFoundError,
    XeroRateLimitError,
    XeroUnavailableError,
)
from ..tools import local_sandbox
from ..tools.actions import SOFT_RELOAD, notification
from ..tools.aside import run_aside
from ..tools.plain_words import answer_count
from ..tools.sync_rules import signed_by
from ..tools.xero_client import XeroClient

_logger = logging.getLogger(__name__)
SECRET = "base.group_system"
MANAGER = "xero_connector.group_xero_manager"


class XeroConnection(models.Model):
    """One company's connection to its Xero organisation.

    It owns the tokens and is the one seam every call to Xero passes through
    (``_xero_call``): is the connection usable, is a call left in the organisation's
    budget (``xero.connection.budget``), is the access token fresh, what happened
    (the sync log), does Xero want a new consent. Connecting is a wizard
    (``xero.connect``); the calls themselves are made by a plain client
    (``tools/xero_client.py``) handed a token and the URLs of Xero or of the local
    sandbox.
    """

    _name = "xero.connection"
    _description = "Xero connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _check_company_auto = True
    _order = "company_id, id"

    # ------------------------------------------------------------------ fields

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    mode = fields.Selection(
        [
            ("oauth", "Xero (OAuth 2)"),
            ("custom", "Xero Custom Connection"),
            ("sandbox", "Local sandbox"),
        ],
        required=True,
        default="oauth",
        tracking=True,
    )
    sandbox_url = fields.Char("Sandbox URL", default=local_sandbox.DEFAULT_URL)
    sandbox_client_credentials = fields.Boolean(
        "Connect as a Custom Connection",
        help="In the local sandbox, use its Custom Connection app (client credentials) "
        "instead of OAuth 2.",
    )
    client_id = fields.Char("Client ID", groups=SECRET, copy=False)
    client_secret = fields.Char(groups=SECRET, copy=False)
    state = fields.Selection(
        [
            ("draft", "Not connected"),
            ("connected", "Connected"),
            ("needs_reauth", "Needs re-authorisation"),
            ("paused", "Paused"),
        ],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    tenant_id = fields.Char("Organisation ID", readonly=True, copy=False, index=True)
    tenant_name = fields.Char("Organisation", readonly=True, copy=False)
    base_currency = fields.Char(readonly=True, copy=False)
    base_currency_id = fields.Many2one(
        "res.currency",
        "Base currency",
        compute="_compute_base_currency_id",
        store=True,
        help="The currency of the Xero organisation's books: Xero's totals and balances are in it.",
    )
    currency_warning = fields.Char(compute="_compute_currency_warning")
    last_error = fields.Text(readonly=True, copy=False)
    # tokens: system administrators only, never copied
    access_token = fields.Char(groups=SECRET, copy=False)
    refresh_token = fields.Char(groups=SECRET, copy=False)
    token_expires_at = fields.Datetime(groups=SECRET, copy=False)
    token_scope = fields.Char(groups=SECRET, copy=False)
    connection_ref = fields.Char("Xero connection id", groups=SECRET, copy=False)

    # the budget of calls Xero allows this organisation and app
    minute_limit = fields.Integer(
        "Calls per minute", default=MINUTE_LIMIT, help="Xero allows 60 calls per minute."
    )
    day_limit = fields.Integer(
        "Calls per day",
        default=DAY_LIMIT,
        help="Xero allows 5,000 calls per day (1,000 on the Starter plan). Outbound work "
        "may spend all of it; fetching what changed in Xero stops at 10% left, background "
        "polling at 20% left.",
    )
    # what Xero's last answers said, kept in the connection's budget row (see there)
    budget_ids = fields.One2many("xero.connection.budget", "connection_id")
    minute_calls_left = fields.Integer(
        "Calls left this minute",
        compute="_compute_budget",
        help="Xero's 60 calls per rolling minute less the calls made in the last 60 seconds.",
    )
    day_calls_left = fields.Integer("Calls left today", compute="_compute_budget")
    day_calls_as_of = fields.Char(
        "Today's figure", compute="_compute_budget", help="When Xero last said what is left."
    )
    last_call_at = fields.Datetime("Last successful call", compute="_compute_budget")
    rate_wait_until = fields.Datetime("Waiting for Xero until", compute="_compute_budget")

    # what syncs, and the webhook that tells Odoo about changes in Xero
    sync_contacts = fields.Boolean(
        "Sync contacts",
        help="Customers in Odoo and contacts in Xero are kept in sync through the queue.",
    )
    contact_scope = fields.Selection(
        [
            ("customers", "Customers"),
            ("companies", "Companies"),
            ("all", "All companies and individuals"),
            ("domain", "Matching a filter"),
        ],
        "Partners that sync",
        default="customers",
        required=True,
        help="Only companies and individuals without a parent sync; their contact persons "
        "with an email go along as Xero contact persons. A customer is a partner Odoo "
        "invoiced, or with a confirmed sales order, or an opportunity.",
    )
    contact_domain = fields.Char(
        "Filter", default="[]", help="The partners that sync, when 'Matching a filter'."
    )
    contact_conflict = fields.Selection(
        [
            ("last", "The last change wins"),
            ("odoo", "Odoo wins"),
            ("xero", "Xero wins"),
        ],
        "When both sides changed a field",
        default="last",
        required=True,
    )
    contact_name_rule = fields.Selection(
        [
            ("email", "Link when the email matches, else add a distinguishing suffix"),
            ("suffix", "Always add a distinguishing suffix"),
            ("review", "Put it in the review list"),
        ],
        "A name Xero already has",
        default="email",
        required=True,
        help="Xero's contact names are unique among active contacts. The suffix is the "
        "city, the reference or the Odoo id, in brackets; every decision is logged.",
    )
    contact_create_in_odoo = fields.Boolean(
        "Create new Xero contacts in Odoo",
        default=True,
        help="A Xero contact that matches no partner becomes a customer in Odoo.",
    )
    history_years = fields.Integer(
        "Years of invoice history",
        default=3,
        help="The customer's Xero invoices of this many years are shown on the customer; "
        "unpaid invoices are always shown.",
    )
    field_rule_ids = fields.One2many("xero.field.rule", "connection_id", "Field directions")
    contact_rule_ids = fields.One2many(
        "xero.field.rule",
        "connection_id",
        "Contact fields",
        domain=[("res_model", "=", "res.partner")],
    )
    product_rule_ids = fields.One2many(
        "xero.field.rule",
        "connection_id",
        "Product fields",
        domain=[("res_model", "=", "product.product")],
    )
    # products and items, and the maps their lines use
    sync_products = fields.Boolean(
        "Sync products",
        help="Products in Odoo and items in Xero are kept in sync through the queue; the "
        "internal reference is the item code.",
    )
    product_conflict = fields.Selection(
        [("last", "The last change wins"), ("odoo", "Odoo wins"), ("xero", "Xero wins")],
        "When both sides changed a product",
        default="odoo",
        required=True,
    )
    product_create_in_odoo = fields.Boolean(
        "Create new Xero items in Odoo",
        default=True,
        help="A Xero item whose code and name match no product becomes a product in Odoo.",
    )
    sales_account_id = fields.Many2one(
        "xero.account",
        "Default sales account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('xero_class', '=', 'REVENUE')]",
        help="The Xero account of sales lines, unless the product or its category names one.",
    )
    purchase_account_id = fields.Many2one(
        "xero.account",
        "Purchase account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('xero_class', 'in', ('EXPENSE', 'ASSET'))]",
        help="The Xero account of purchases of products that are purchased (not tracked).",
    )
    inventory_account_id = fields.Many2one(
        "xero.account",
        "Inventory asset account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('account_type', '=', 'INVENTORY')]",
        help="Products tracked in Xero keep their stock value on this account.",
    )
    cogs_account_id = fields.Many2one(
        "xero.account",
        "Cost of goods sold account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('xero_class', '=', 'EXPENSE')]",
        help="Xero moves the average cost of a tracked product sold to this account.",
    )
    no_tax_rate_id = fields.Many2one(
        "xero.tax.rate",
        "Tax rate of lines without tax",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('can_apply_revenue', '=', True), ('effective_rate', '=', 0)]",
        help="Xero needs a tax type on every line: lines without any Odoo tax carry this "
        "zero-rated or no-tax rate.",
    )
    allow_backorders = fields.Boolean(
        "Invoice more than Xero has in stock",
        help="Xero's allowBackorders: an invoice may take a tracked item below zero; the "
        "rest is on back order. Without it, Xero refuses such an invoice.",
    )
    low_stock_threshold = fields.Float(
        "Low stock at",
        digits="Product Unit",
        help="Default threshold of products tracked in Xero: when the quantity available "
        "falls to it, the responsible people are told once.",
    )
    low_stock_notify = fields.Selection(
        [("responsible", "The product's responsible"), ("team", "A sales team")],
        "Tell about low stock",
        default="responsible",
        required=True,
    )
    low_stock_team_id = fields.Many2one("crm.team", "Sales team told about low stock")
    # invoices made in Xero from confirmed orders
    sync_invoices = fields.Boolean(
        "Invoice orders in Xero",
        help="Orders are invoiced in Xero, not in Odoo: Create Invoice on an order makes the "
        "Xero invoice, and what Xero invoiced is what the order shows as invoiced.",
    )
    invoice_trigger = fields.Selection(
        [
            ("manual", "Only when someone clicks Create Xero invoice"),
            ("confirm", "When an order is confirmed"),
            ("stage", "When an opportunity reaches a stage"),
            ("both", "Both: orders confirmed, and opportunities at a stage"),
        ],
        "Invoice automatically",
        default="manual",
        required=True,
    )
    invoice_stage_id = fields.Many2one(
        "crm.stage",
        "Stage that invoices",
        help="An opportunity reaching this stage has its confirmed orders invoiced in Xero.",
    )
    invoice_without_order = fields.Selection(
        [
            ("flag", "Flag it as won without an order"),
            ("revenue", "Invoice its expected revenue"),
        ],
        "Opportunity without an order",
        default="flag",
        required=True,
    )
    invoice_revenue_product_id = fields.Many2one(
        "product.product",
        "Product of expected revenue",
        help="The line of an invoice made from an opportunity's expected revenue.",
    )
    invoice_status = fields.Selection(
        [
            ("DRAFT", "Draft: finance approves it in Xero"),
            ("AUTHORISED", "Approved: payable at once"),
        ],
        "Invoices are created",
        default="AUTHORISED",
        required=True,
    )
    invoice_number_from = fields.Selection(
        [("xero", "Xero's own sequence"), ("order", "The order's number")],
        "Invoice number",
        default="xero",
        required=True,
        help="With the order's number, a second invoice of the same order gets a suffix "
        "(S00012-2).",
    )
    invoice_email = fields.Selection(
        [
            ("none", "Odoo's own emails only"),
            ("xero", "Xero emails the approved invoice"),
            ("mark_sent", "Marked sent in Xero when Odoo emails the order"),
        ],
        "Sending invoices",
        default="none",
        required=True,
        help="Every approved invoice gets its online payment link (Pay now) on the order, "
        "its portal page and its emails. Xero can also email the invoice itself (to the "
        "contact's address, from the user who connected Odoo), or be told the invoice was "
        "sent when Odoo emails the order.",
    )
    rounding_account_id = fields.Many2one(
        "xero.account",
        "Rounding account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE')]",
        help="Where Odoo's total and Xero's per-line tax rounding differ by a few cents, a "
        "rounding line on this account makes the Xero invoice equal the order, to the cent.",
    )
    deposit_account_id = fields.Many2one(
        "xero.account",
        "Down payment account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE')]",
        help="The Xero account of down payment lines (a customer deposits account); the "
        "default sales account when empty.",
    )
    payment_account_id = fields.Many2one(
        "xero.account",
        "Default payment account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), '|', "
        "('account_type', '=', 'BANK'), ('enable_payments', '=', True)]",
        help="The Xero bank (or clearing) account of payments taken in Odoo whose payment "
        "provider or journal names none.",
    )
    branding_theme_id = fields.Many2one(
        "xero.branding.theme",
        "Branding theme",
        domain="[('connection_id', '=', id)]",
        help="The theme of invoices whose sales team names none (Xero's default when empty).",
    )
    payment_activity = fields.Selection(
        [
            ("none", "No activity"),
            ("first", "At the first payment"),
            ("paid", "When the order is paid in full"),
        ],
        "Start fulfilment",
        default="none",
        required=True,
        help="A payment Xero recorded is always told to the order's salesperson; this also "
        "schedules a Start fulfilment activity for them, once per order.",
    )
    view_history_share = fields.Integer(
        "Share of the day's calls for Viewed (%)",
        default=5,
        help="Xero has no Viewed status: for sent, unpaid invoices of orders, Xero's history "
        "of the invoice is read for the customer's visit to the online invoice, within this "
        "share of the day's calls (0 = never; the pay link sent by Odoo tells it anyway).",
    )
    tax_map_ids = fields.One2many("xero.tax.map", "connection_id", "Tax map")
    # overdue invoices: alerts to sales people, and the credit hold of orders
    overdue_alerts = fields.Boolean(
        "Overdue alerts",
        default=True,
        help="Once an order's Xero invoice is overdue, its salesperson gets an activity on "
        "the order (once); it is marked done by itself when Xero says the invoice is paid.",
    )
    overdue_escalation_days = fields.Integer(
        "Escalate after (days)",
        help="Days overdue after which the sales team leader gets an activity too (once); "
        "0: never.",
    )
    credit_hold = fields.Boolean(
        "Credit hold",
        help="An order of a customer whose overdue balance in Xero is above the threshold "
        "cannot be confirmed unless a Xero manager approves it.",
    )
    credit_hold_threshold = fields.Monetary(
        "Credit hold above",
        currency_field="base_currency_id",
        help="The overdue balance in Xero (in the organisation's base currency) above which "
        "orders are held; 0: any overdue amount.",
    )
    webhook_key = fields.Char(
        groups=SECRET,
        copy=False,
        help="The webhook key of your Xero app (developer.xero.com > Webhooks): Odoo "
        "accepts a webhook delivery only when it is signed with this key.",
    )
    webhook_url = fields.Char("Webhook URL", compute="_compute_webhook_url")
    # the queue at a glance
    job_pending_count = fields.Integer("Pending", compute="_compute_job_counts")
    job_error_count = fields.Integer("Failed", compute="_compute_job_counts")
    job_waiting_count = fields.Integer("Waiting for the rate limit", compute="_compute_job_counts")
    last_sync_at = fields.Datetime("Last successful sync", compute="_compute_job_counts")
    sync_paused = fields.Boolean("Sync paused", compute="_compute_job_counts")

    # ------------------------------------------------------------------ compute

    @api.depends("company_id.name", "tenant_name")
    def _compute_name(self):
        for connection in self:
            connection.name = " ↔ ".join(
                filter(None, (connection.company_id.name, connection.tenant_name))
            )

    @api.depends("base_currency")
    def _compute_base_currency_id(self):
        currencies = self.env["res.currency"].with_context(active_test=False)
        for connection in self:
            code = connection.base_currency
            connection.base_currency_id = code and currencies.search([("name", "=", code)], limit=1)

    @api.depends("base_currency_id", "company_id.currency_id")
    def _compute_currency_warning(self):
        for connection in self:
            ours, theirs = connection.company_id.currency_id, connection.base_currency_id
            connection.currency_warning = (
                self.env._(
                    "%(company)s keeps its books in %(ours)s, the Xero organisation in "
                    "%(theirs)s: Xero's balances are shown in %(theirs)s, and orders in "
                    "%(ours)s are invoiced in %(ours)s (enable it in Xero).",
                    company=connection.company_id.name,
                    ours=ours.name,
                    theirs=theirs.name,
                )
                if theirs and ours and theirs != ours
                else False
            )

    @api.depends(
        "minute_limit",
        "day_limit",
        "budget_ids.recent_calls",
        "budget_ids.day_left",
        "budget_ids.left_at",
        "budget_ids.wait_until",
    )
    def _compute_budget(self):
        now = fields.Datetime.now()
        for connection in self:
            budget = connection.sudo().budget_ids[:1]
            connection.minute_calls_left = budget._minute_left(now.timestamp())
            today = budget.day == now.date().isoformat() and budget.left_at
            connection.day_calls_left = (
                budget.day_left if today else connection.day_limit or DAY_LIMIT
            )
            connection.day_calls_as_of = (
                self.env._("as of %s", connection._xero_clock(budget.left_at)) if today else False
            )
            connection.last_call_at = budget.last_call_at
            connection.rate_wait_until = budget.wait_until

    def _xero_clock(self, moment):
        """A moment as the user's clock shows it: "14:02"."""
        return fields.Datetime.context_timestamp(self, moment).strftime("%H:%M")

    def _compute_webhook_url(self):
        for connection in self:
            connection.webhook_url = f"{connection.get_base_url()}/xero/webhook"

    def _compute_job_counts(self):
        jobs_sudo = self.env["xero.sync.job"].sudo()
        domain = [("connection_id", "in", self.ids)]
        counts = {
            (connection, state, failure): count
            for connection, state, failure, count in jobs_sudo._read_group(
                [*domain, ("state", "in", ("pending", "error"))],
                ["connection_id", "state", "failure_type"],
                ["__count"],
            )
        }
        last = dict(
            jobs_sudo._read_group(
                [*domain, ("state", "=", "done")], ["connection_id"], ["done_at:max"]
            )
        )
        # a poll that read Xero (even finding nothing new) is a successful sync too
        polled = dict(
            self.env["xero.poll.cursor"]
            .sudo()
            ._read_group(domain, ["connection_id"], ["last_poll_at:max"])
        )
        paused = jobs_sudo._xero_paused()
        for connection in self:
            mine = {k[1:]: v for k, v in counts.items() if k[0] == connection}
            connection.job_pending_count = sum(v for k, v in mine.items() if k[0] == "pending")
            connection.job_error_count = sum(v for k, v in mine.items() if k[0] == "error")
            connection.job_waiting_count = mine.get(("pending", "rate_limit"), 0)
            moments = [m for m in (last.get(connection), polled.get(connection)) if m]
            connection.last_sync_at = max(moments, default=False)
            connection.sync_paused = paused

    # ------------------------------------------------------------------ constraints

    _company_uniq = models.UniqueIndex(
        "(company_id) WHERE active IS TRUE", "A company has one active Xero connection."
    )

    @api.constrains("sales_account_id", "no_tax_rate_id")
    def _check_xero_sales_account(self):
        for connection in self.filtered("sales_account_id"):
            problem = connection.sales_account_id._xero_sales_problem(connection.no_tax_rate_id)
            if problem:
                raise ValidationError(problem)

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        connections = super().create(vals_list)
        connections._xero_ensure_field_rules()
        return connections

    # ------------------------------------------------------------------ actions

    def action_xero_connect(self):
        """Connect to Xero: OAuth 2 in the browser, or a Custom Connection at once."""
        self.ensure_one()
        return self._xero_connect_wizard().action_start()

    def action_xero_use_sandbox(self):
        """One click: use the local sandbox's app and connect its first organisation."""
        self.ensure_one()
        return self._xero_connect_wizard().action_use_sandbox()

    def action_xero_test(self):
        """Ask Xero for the organisation; say what it answered and how many calls are left."""
        self.ensure_one()
        self._check_xero_manager()
        answer = self._xero_guarded(lambda: self._xero_call_answer("get_organisations"))
        organisation = answer.data.organisations[0]
        # the figures the Overview shows: the budget, which Xero's answer just corrected
        self.env["xero.connection.budget"].sudo().invalidate_model()
        self.invalidate_recordset(["budget_ids", "minute_calls_left", "day_calls_left"])
        message = self.env._(
            "Connected to %(name)s (base currency %(currency)s). Calls left: %(minute)s this "
            "minute, %(day)s today.",
            name=organisation.name,
            currency=getattr(organisation.base_currency, "value", organisation.base_currency),
            minute=self.minute_calls_left,
            day=self.day_calls_left,
        )
        return notification(self.env._("Xero"), message, "success")

    def action_xero_disconnect(self):
        """Remove the Xero connection of this organisation and revoke the token."""
        self.ensure_one()
        self._check_xero_manager()
        connection_sudo = self.sudo()
        if connection_sudo.connection_ref and connection_sudo.access_token:
            try:
                connection_sudo._xero_identity_call(
                    "delete_connection", connection_sudo.connection_ref
                )
            except (XeroNotFoundError, XeroAuthError) as error:
                _logger.info("Xero had already removed the connection: %s", error.message)
        if connection_sudo.refresh_token:
            self._xero_guarded(
                lambda: connection_sudo._xero_token_call("revoke", connection_sudo.refresh_token)
            )
        connection_sudo.write(
            {
                "state": "draft",
                "access_token": False,
                "refresh_token": False,
                "token_expires_at": False,
                "connection_ref": False,
                "tenant_id": False,
                "base_currency": False,
                "last_error": False,
            }
        )
        connection_sudo.message_post(body=self.env._("Disconnected from Xero."))
        return True

    def action_xero_refresh_reference(self):
        """Read Xero's tax rates, accounts, currencies, branding themes and tracking
        categories now."""
        self.ensure_one()
        self._check_xero_manager()
        counts = self._xero_guarded(
            lambda: self.env["xero.reference.mixin"]._xero_refresh_all(
                self, force=True, purpose="fetch"
            )
        )
        self.env["xero.tax.map"].sudo()._xero_propose_all(self)
        return notification(
            self.env._("Xero"),
            self.env._(
                "Read from Xero: %(rates)s tax rates, %(accounts)s accounts, %(currencies)s "
                "currencies, %(themes)s branding themes, %(tracking)s tracking categories.",
                rates=counts.get("xero.tax.rate", 0),
                accounts=counts.get("xero.account", 0),
                currencies=counts.get("xero.currency", 0),
                themes=counts.get("xero.branding.theme", 0),
                tracking=counts.get("xero.tracking.category", 0),
            ),
            "success",
        )

    def action_open_tax_map(self):
        """The tax map, with a proposal for every sales tax not mapped yet."""
        self.ensure_one()
        self._check_xero_manager()
        self.env["xero.tax.map"].sudo()._xero_propose_all(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_connector.action_xero_tax_map")
        action["domain"] = [("connection_id", "=", self.id)]
        action["context"] = {"default_connection_id": self.id}
        return action

    def action_open_tax_matrix(self):
        """Per fiscal position and product tax, the Xero tax type a line will carry."""
        self.ensure_one()
        self._check_xero_manager()
        self.env["xero.tax.matrix"].sudo()._xero_build(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_tax_matrix"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    def action_xero_pause(self):
        self._check_xero_manager()
        self.filtered(lambda c: c.state == "connected").state = "paused"
        return True

    def action_xero_resume(self):
        self._check_xero_manager()
        self.filtered(lambda c: c.state == "paused").state = "connected"
        return True

    def action_xero_pause_sync(self):
        """Pause all sync (every company): changes keep being queued, nothing is sent."""
        self._check_xero_manager()
        self.env["xero.sync.job"]._xero_set_paused(True)
        return True

    def action_xero_resume_sync(self):
        self._check_xero_manager()
        self.env["xero.sync.job"]._xero_set_paused(False)
        return True

    def action_xero_sync_now(self):
        """Read what changed in Xero and send what waits, now; say what moved, in the
        notification and in the sync log."""
        self.ensure_one()
        self._check_xero_manager()
        logs_sudo = self.env["xero.sync.log"].sudo()
        cursors = self.env["xero.poll.cursor"].sudo().search([("connection_id", "=", self.id)])
        since = max(filter(None, cursors.mapped("last_poll_at")), default=False)
        last_line = logs_sudo.search([], limit=1).id
        busy = False
        # as the scheduler runs them (each commits its progress), in this request
        for cron in ("ir_cron_xero_poll", "ir_cron_xero_process_queue"):
            try:
                self.env.ref(f"xero_connector.{cron}").sudo().method_direct_trigger()
            except UserError:
                busy = True  # a worker is running it right now: what it does is its own
        self.env.invalidate_all()
        message = self._xero_sync_report(last_line, since)
        if busy:
            message = self.env._("%s The scheduler was syncing at the same time.", message)
        logs_sudo._xero_insert_calls(self, [{"operation": "sync_now", "summary": message}])
        return notification(self.env._("Xero"), message, "success", then=SOFT_RELOAD)

    def action_open_pending_jobs(self):
        return self._xero_jobs_action([("state", "in", ("pending", "processing"))])

    def action_open_failed_jobs(self):
        return self._xero_jobs_action([("state", "=", "error")])

    def action_open_waiting_jobs(self):
        return self._xero_jobs_action(
            [("state", "=", "pending"), ("failure_type", "=", "rate_limit")]
        )

    def action_open_logs(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_sync_log"
        )
        action["domain"] = [("connection_id", "in", self.ids)]
        return action

    # ------------------------------------------------------------------ business: Sync now

    def _xero_sync_report(self, last_line, since):
        """What a run of the poll and the queue did, from the sync log lines after
        ``last_line``: "Read 3 changed contacts and 1 invoice from Xero; sent 2
        customers."; ``since``: the poll before."""
        self.ensure_one()
        read, sent, failed = {}, {}, 0
        lines = (
            self.env["xero.sync.log"]
            .sudo()
            .search([("id", ">", last_line), ("connection_id", "=", self.id)])
        )
        for line in lines:
            if not line.job_id:
                if line.record_count and line.res_model:  # a page of the poll
                    read[line.res_model] = read.get(line.res_model, 0) + line.record_count
            elif line.outcome == "error":
                failed += 1
            elif line.outcome == "ok":
                moved = read if line.direction == "in" else sent
                moved[line.res_model] = moved.get(line.res_model, 0) + 1
        read = {model: count for model, count in read.items() if count}
        if read:
            said = self._xero_and(self._xero_counted(read, "in", changed=True))
            message = self.env._("Read %s from Xero", said)
        elif since:
            message = self.env._("Nothing changed in Xero since %s", self._xero_clock(since))
        else:
            message = self.env._("Nothing changed in Xero")
        jobs_sudo = self.env["xero.sync.job"].sudo()
        waiting = jobs_sudo.search_count(
            [("connection_id", "=", self.id), ("state", "=", "pending"), ("direction", "=", "out")]
        )
        if sent:
            sent_said = self._xero_and(self._xero_counted(sent, "out"))
            message = self.env._("%(read)s; sent %(sent)s", read=message, sent=sent_said)
        elif not waiting:
            message = self.env._("%s; nothing waiting to send", message)
        if failed:
            message = self.env._(
                "%(said)s; %(count)s failed (see the queue)", said=message, count=failed
            )
        if waiting:
            message = self.env._("%(said)s; %(count)s still waiting", said=message, count=waiting)
        return message + "."

    def _xero_counted(self, counts, direction, changed=False):
        """["2 customers", "1 product"] of {model: count}; with ``changed``, the first
        says so: ["3 changed contacts", "1 invoice"]."""
        said = []
        for model, count in counts.items():
            noun = self.env[model]._xero_noun(count, direction) if model in self.env else model
            if changed and not said:
                said.append(self.env._("%(count)s changed %(noun)s", count=count, noun=noun))
            else:
                said.append(f"{count} {noun}")
        return said

    def _xero_and(self, items):
        """Items in a sentence: "a, b and c"."""
        if len(items) < 2:
            return "".join(items)
        return self.env._("%(some)s and %(last)s", some=", ".join(items[:-1]), last=items[-1])

    # ------------------------------------------------------------------ business: products

    def _xero_low_stock_users(self, template):
        """Who is told that a product's stock in Xero is low: the product's responsible
        (Inventory's, else the Xero managers of the company), or a sales team."""
        self.ensure_one()
        if self.low_stock_notify == "team" and self.low_stock_team_id:
            team = self.low_stock_team_id
            return (team.user_id | team.member_ids).filtered("active")
        # Inventory's field, when the Inventory app is installed
        responsible = template._fields.get("responsible_id") and template.responsible_id
        if responsible:
            return responsible
        return self.env.ref(MANAGER).all_user_ids.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )

    def _xero_read_reference(self):
        """Read Xero's reference data (on connecting); a failure is logged, not raised
        (the next poll reads it)."""
        try:
            self.env["xero.reference.mixin"]._xero_refresh_all(self, force=True, purpose="fetch")
        except XeroError as error:
            _logger.info(
                "Xero reference data of %s not refreshed: %s", self.company_id.name, error.message
            )
            return False
        return True

    # ------------------------------------------------------------------ business: the seam

    def _xero_call(self, method, *args, **kwargs):
        """Call xero-python's ``AccountingApi.<method>`` for this organisation; returns
        the SDK's answer (see ``_xero_call_answer``)."""
        return self._xero_call_answer(method, *args, **kwargs).data

    def _xero_call_json(self, method, *args, **kwargs):
        """``_xero_call`` answering Xero's JSON as a dict instead of SDK models: the sync
        engine builds its bodies and reads its answers in Xero's own field names."""
        return self._xero_call_answer(method, *args, raw=True, **kwargs).data

    def _xero_call_answer(self, method, *args, purpose=None, setup=False, log=None, **kwargs):
        """The one seam every Accounting call passes through; returns a ``XeroAnswer``.

        The connection must be usable (except during ``setup``); a call of a ``purpose``
        (push, fetch, poll) is first reserved from the organisation's budget, or refused
        as Xero would refuse it; the access token is renewed when it is about to expire,
        and once more when Xero rejects it; every call is recorded in the sync log
        (``log``: values for its line) and what Xero says is left in the budget; a
        refused authorisation stops the connection and tells the Xero managers.
        """
        self.ensure_one()
        connection_sudo = self.sudo()
        if not setup:
            connection_sudo._xero_check_usable()
        if purpose:
            connection_sudo._xero_reserve_call(purpose)
        client = connection_sudo._xero_client()
        token = connection_sudo._xero_access_token()[0]
        for attempt in (1, 2):
            try:
                answer = client.call(
                    token, connection_sudo.tenant_id, method, *args, gettext=self.env._, **kwargs
                )
            except XeroError as error:
                if error.status == 401 and attempt == 1:
                    # the token was refused (revoked, or expired early): renew it, unless
                    # another worker already did, and use the new one right away
                    token = connection_sudo._xero_renew_token(rejected=token)[0]
                    continue
                connection_sudo._xero_record(method, error, purpose, log)
                if isinstance(error, XeroAuthError) and not setup:
                    connection_sudo._xero_mark_needs_reauth(error.message)
                raise
            connection_sudo._xero_record(method, answer, purpose, log)
            return answer
        raise AssertionError("unreachable")

    def _xero_identity_call(self, method, *args):
        """``/Connections`` (list or delete), with the current access token."""
        connection_sudo = self.sudo()
        token = connection_sudo._xero_access_token()[0]
        try:
            answer = getattr(connection_sudo._xero_client(), method)(
                token, *args, gettext=self.env._
            )
        except XeroError as error:
            connection_sudo._xero_record(method, error)
            raise
        connection_sudo._xero_record(method, answer)
        return answer.data

    def _xero_token_call(self, name, *args):
        """One call to Xero's token endpoint (``exchange_code``, ``refresh``,
        ``client_credentials``, ``revoke``), recorded in the sync log in this
        transaction: a renewal commits its log line with the token it stores."""
        try:
            answer = self._xero_client().token_call(name, *args, gettext=self.env._)
        except XeroError as error:
            self._xero_record(f"token {name}", error)
            raise
        self._xero_record(f"token {name}", answer)
        return answer.data

    def _xero_client(self):
        connection_sudo = self.sudo()
        return XeroClient.shared(
            connection_sudo._xero_urls(),
            connection_sudo.client_id,
            connection_sudo.client_secret,
            connection_sudo._xero_timeout(),
        )

    def _xero_urls(self):
        """Xero's URLs, or the local sandbox's: the only place the two differ."""
        self.ensure_one()
        return local_sandbox.urls(self.sandbox_url) if self.mode == "sandbox" else XERO_URLS

    def _xero_web_url(self, kind, xero_id):
        """Where a user sees a Xero ``contact`` or ``invoice`` of this organisation."""
        self.ensure_one()
        if self.mode == "sandbox":
            return local_sandbox.web_url(self.sandbox_url, kind, xero_id)
        return XERO_WEB_URLS[kind].format(id=xero_id)

    def _xero_timeout(self):
        """(connect, read) seconds; the read part is the system parameter xero_connector.timeout."""
        read = self.env["ir.config_parameter"].sudo().get_param("xero_connector.timeout")
        return (TIMEOUT[0], int(read)) if read and read.isdigit() else TIMEOUT

    def _xero_reserve_call(self, purpose):
        """Take one call from the budget, or refuse it as Xero would, without calling."""
        wait = self.env["xero.connection.budget"]._xero_reserve(self, purpose)
        if wait:
            raise XeroRateLimitError(
                self.env._(
                    "The calls Xero allows are used up for now; the work waits %(seconds)s "
                    "seconds rather than meeting Xero's rate limit.",
                    seconds=wait,
                ),
                wait,
                "budget",
            )

    def _xero_record(self, operation, outcome, purpose=None, log=None):
        """One line in the sync log for a call, and what Xero said is left in the budget:
        committed at once with the next reservation when the call was reserved (one
        write per call), else now (a call made is a fact, whatever becomes of the
        transaction that made it)."""
        failed = isinstance(outcome, XeroError)
        log = dict(log or {})
        # ``describe``: the line's words from the number of objects Xero answered
        describe = log.pop("describe", None)
        if describe and not failed:
            count = answer_count(outcome.data)
            log |= {"summary": describe(count), "record_count": count}
        line = {
            "operation": operation,
            "http_status": outcome.status,
            "correlation_id": (
                outcome.correlation_id
                if failed
                else outcome.headers.get("Xero-Correlation-Id")
                or outcome.headers.get("xero-correlation-id")
            ),
            "duration_ms": outcome.duration_ms,
            "outcome": "error" if failed else "ok",
            "message": outcome.message if failed else False,
        } | log
        if operation.startswith("token "):
            # a renewal commits its line with the token it stores
            self.env["xero.sync.log"]._xero_insert_calls(self, [line])
            return
        budgets = self.env["xero.connection.budget"]
        budgets._xero_answered(self, line, outcome.headers, not failed, later=bool(purpose))

    # ------------------------------------------------------------------ business: tokens

    def _xero_access_token(self):
        """(token, expires_at) of a usable access token, renewed when about to expire."""
        self.ensure_one()
        connection_sudo = self.sudo()
        limit = fields.Datetime.now() + timedelta(seconds=TOKEN_MARGIN)
        token, expires = connection_sudo.access_token, connection_sudo.token_expires_at
        if token and expires and expires > limit:
            return token, expires
        return self._xero_renew_token()

    def _xero_ensure_token(self):
        """Renew the access token now if it would expire soon (errors are left to the call
        that needs the token)."""
        self.ensure_one()
        if self.state != "connected":
            return
        try:
            self._xero_access_token()
        except XeroError as error:
            _logger.info("Xero token of %s not renewed: %s", self.company_id.name, error.message)

    def _xero_renew_token(self, rejected=None):
        """Renew once for all workers: under the row lock, on a cursor of its own.

        That cursor commits the new tokens at once (the rotated refresh token must
        survive a rollback of the caller's transaction), or the needs-reauthorisation
        state when Xero refuses the grant. A worker that waited for the lock while
        another renewed finds the new token (its snapshot is retaken) and uses it.
        """
        self.ensure_one()
        limit = fields.Datetime.now() + timedelta(seconds=TOKEN_MARGIN)

        def renew(connection):
            token, expires = connection.access_token, connection.token_expires_at
            if token and expires and expires > limit and token != rejected:
                return token, expires  # another worker renewed it meanwhile
            try:
                return connection._xero_fetch_token()
            except XeroAuthError as error:
                connection._xero_stop(error.message)
                return error  # raised once the refusal is committed

        result = run_aside(self, renew, timeout="20s")
        if result is None:
            raise XeroUnavailableError(
                self.env._(
                    "The Xero token could not be renewed now (another worker may be renewing "
                    "it); it will be tried again."
                )
            )
        if isinstance(result, XeroError):
            raise result
        return result

    def _xero_fetch_token(self):
        if self._xero_uses_client_credentials():
            answer = self._xero_token_call("client_credentials", CUSTOM_CONNECTION_SCOPES)
        elif not self.refresh_token:
            raise XeroAuthError(self.env._("No refresh token: connect again from Settings > Xero."))
        else:
            try:
                answer = self._xero_token_call("refresh", self.refresh_token)
            except (XeroNetworkError, XeroUnavailableError):
                # the answer may be lost after Xero rotated the token: the old one stays
                # valid for 30 minutes, so asking once more is safe
                answer = self._xero_token_call("refresh", self.refresh_token)
        self._xero_store_tokens(answer)
        return self.access_token, self.token_expires_at

    def _xero_store_tokens(self, answer):
        values = {
            "access_token": answer["access_token"],
            "token_expires_at": fields.Datetime.now()
            + timedelta(seconds=int(answer.get("expires_in", 1800))),
            "token_scope": answer.get("scope"),
        }
        if answer.get("refresh_token"):
            values["refresh_token"] = answer["refresh_token"]
        self.sudo().write(values)

    def _xero_uses_client_credentials(self):
        return self.mode == "custom" or (self.mode == "sandbox" and self.sandbox_client_credentials)

    # ------------------------------------------------------------------ business: connecting

    def _xero_connect_wizard(self):
        self._check_xero_manager()
        return self.env["xero.connect"].create({"connection_id": self.id})

    def _xero_use_organisation(self, tenant_id, connection_ref):
        """Work with this organisation from now on: read it, and say so."""
        self.ensure_one()
        connection_sudo = self.sudo()
        if connection_sudo.tenant_id and connection_sudo.tenant_id != tenant_id:
            # another organisation: what Odoo knew of the previous one's contacts is not it
            self.env["xero.contact"]._xero_forget(connection_sudo)
        connection_sudo.write({"tenant_id": tenant_id, "connection_ref": connection_ref})
        organisation = connection_sudo._xero_call("get_organisations", setup=True).organisations[0]
        connection_sudo.write(
            {
                "tenant_name": organisation.name,
                "base_currency": getattr(
                    organisation.base_currency, "value", organisation.base_currency
                ),
                "state": "connected",
                "last_error": False,
            }
        )
        connection_sudo._xero_read_reference()
        connection_sudo.activity_ids.action_feedback(feedback=self.env._("Connected again."))
        connection_sudo.message_post(
            body=self.env._("Connected to the Xero organisation %s.", organisation.name)
        )

    def _xero_guarded(self, step):
        """Run a step a manager started; a Xero failure is kept on the connection and
        shown to the manager."""
        try:
            return step()
        except XeroError as error:
            self.sudo().write({"last_error": error.message})
            raise UserError(error.message) from None

    # ------------------------------------------------------------------ business: Xero's clock

    def _xero_today(self):
        """Today for the overdue rule: Odoo's today, or the date of Xero's clock as last
        seen (the newest poll) when it is later (a sandbox whose clock was moved on)."""
        today = fields.Date.context_today(self)
        if not self:
            return today
        [[newest]] = (
            self.env["xero.poll.cursor"]
            .sudo()
            ._read_group([("connection_id", "in", self.ids)], [], ["modified_since:max"])
        )
        return max(today, newest.date()) if newest else today

    # ------------------------------------------------------------------ business: state

    def _check_xero_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only Xero managers can change the Xero connection."))
        self.check_access("write")

    def _xero_check_usable(self):
        """Stop before calling Xero when the connection cannot work (no busy retries)."""
        self.ensure_one()
        reasons = {
            "draft": self.env._(
                "The company %s is not connected to Xero yet.", self.company_id.name
            ),
            "needs_reauth": self.env._(
                "The Xero connection of %s needs re-authorisation: open Settings > Xero and "
                "click Connect.",
                self.company_id.name,
            ),
            "paused": self.env._("The Xero connection of %s is paused.", self.company_id.name),
        }
        if self.state in reasons:
            raise XeroAuthError(reasons[self.state])

    def _xero_mark_needs_reauth(self, message):
        """Stop all work for this connection and tell the Xero managers what to do; kept
        even when the caller's transaction rolls back."""
        self.ensure_one()
        if run_aside(self, lambda connection: connection._xero_stop(message), timeout="3s"):
            return
        self.sudo()._xero_stop(message)

    def _xero_stop(self, message):
        self.write({"state": "needs_reauth", "last_error": message, "access_token": False})
        self._xero_notify_managers(message)
        return True

    def _xero_notify_managers(self, message):
        summary = self.env._("Reconnect %s to Xero", self.company_id.name)
        managers = self.env.ref(MANAGER).all_user_ids.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
        open_for = self.activity_ids.filtered(lambda a: a.summary == summary).user_id
        for user in managers - open_for:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=self.env._("%s Open Settings > Xero and click Connect.", message),
                user_id=user.id,
            )

    def _xero_ensure_field_rules(self):
        """Every synced field has its direction row, with its default, to be edited."""
        rules = self.env["xero.field.rule"]
        for model in self.env["xero.sync.job"]._xero_synced_models():
            if hasattr(model, "_xero_field_defaults"):
                for connection in self:
                    rules._xero_ensure(connection, model)

    @api.model
    def _xero_webhook_signers(self, body, signature):
        """The connections whose webhook key signed this delivery (every key is tried, in
        constant time, so the answer takes as long whichever key matched)."""
        if not signature:
            return self.browse()
        connections = self.sudo().search([("webhook_key", "!=", False)])
        try:
            signature.encode("ascii")
        except UnicodeEncodeError:
            return self.browse()
        return connections.filtered(lambda c: signed_by(c.webhook_key, body, signature))

    def _xero_jobs_action(self, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_sync_job"
        )
        action["domain"] = [("connection_id", "in", self.ids), *domain]
        action["context"] = {}
        return action
