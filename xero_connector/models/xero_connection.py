import logging
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import GROUP_MANAGER, GROUP_SYSTEM
from ..exceptions import XeroAuthError, XeroError, XeroNotFoundError
from ..tools import local_sandbox
from ..tools.actions import notification
from ..tools.aside import run_aside
from ..tools.sync_rules import signed_by

_logger = logging.getLogger(__name__)
# the fields that say where Odoo connects, and so where the app's secret and the tokens
# go: only system administrators set them
WHERE_FIELDS = ("mode", "sandbox_url", "sandbox_client_credentials")
# what a connection holds of the host that issued it: dropped when that host changes
TOKEN_FIELDS = (
    "access_token",
    "refresh_token",
    "token_expires_at",
    "token_scope",
    "connection_ref",
)


class XeroConnection(models.Model):
    """One company's connection to its Xero organisation.

    It owns the tokens and is the one seam every call to Xero passes through
    (``_xero_call``, in ``xero_connection_calls.py``): is the connection usable, is a
    call left in the organisation's budget (``xero.connection.budget``), is the access
    token fresh, what happened (the sync log), does Xero want a new consent.
    Connecting is a wizard (``xero.connect``); the calls themselves are made by a plain
    client (``tools/xero_client.py``) handed a token and the URLs of Xero or of the
    local sandbox, which only system administrators choose.

    Each domain's settings extend it in a file of its own: contacts, products,
    invoicing, payments, the queue and the Overview.
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
    client_id = fields.Char("Client ID", groups=GROUP_SYSTEM, copy=False)
    client_secret = fields.Char(groups=GROUP_SYSTEM, copy=False)
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
    access_token = fields.Char(groups=GROUP_SYSTEM, copy=False)
    refresh_token = fields.Char(groups=GROUP_SYSTEM, copy=False)
    token_expires_at = fields.Datetime(groups=GROUP_SYSTEM, copy=False)
    token_scope = fields.Char(groups=GROUP_SYSTEM, copy=False)
    connection_ref = fields.Char("Xero connection id", groups=GROUP_SYSTEM, copy=False)
    webhook_key = fields.Char(
        groups=GROUP_SYSTEM,
        copy=False,
        help="The webhook key of your Xero app (developer.xero.com > Webhooks): Odoo "
        "accepts a webhook delivery only when it is signed with this key.",
    )
    webhook_url = fields.Char("Webhook URL", compute="_compute_webhook_url")

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

    def _xero_clock(self, moment):
        """A moment as the user's clock shows it: "14:02"."""
        return fields.Datetime.context_timestamp(self, moment).strftime("%H:%M")

    def _compute_webhook_url(self):
        for connection in self:
            connection.webhook_url = f"{connection.get_base_url()}/xero/webhook"

    # ------------------------------------------------------------------ constraints

    _company_uniq = models.UniqueIndex(
        "(company_id) WHERE active IS TRUE", "A company has one active Xero connection."
    )

    @api.constrains("mode", "sandbox_url")
    def _check_sandbox_url(self):
        for connection in self.filtered(lambda c: c.mode == "sandbox"):
            url = urlsplit(connection.sandbox_url or "")
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ValidationError(
                    self.env._(
                        "The sandbox URL must be a web address such as %s.",
                        local_sandbox.DEFAULT_URL,
                    )
                )

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        if any(WHERE_FIELDS & vals.keys() for vals in vals_list):
            self._check_xero_system()
        connections = super().create(vals_list)
        connections._xero_ensure_field_rules()
        return connections

    def write(self, vals):
        moved = self.browse()
        if WHERE_FIELDS & vals.keys():
            moved = self.filtered(
                lambda c: any(c[name] != vals[name] for name in WHERE_FIELDS if name in vals)
            )
            if moved:
                self._check_xero_system()
        result = super().write(vals)
        if moved and not TOKEN_FIELDS[:2] & vals.keys():
            # tokens belong to the host that issued them: never sent to another one
            moved.sudo()._xero_forget_tokens()
        return result

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

    def action_xero_pause(self):
        """Pause this organisation's sync: changes keep being queued, nothing is sent to
        or read from Xero until it is resumed."""
        self._check_xero_manager()
        self.filtered(lambda c: c.state == "connected").state = "paused"
        return True

    def action_xero_resume(self):
        """Resume this organisation's sync: what was queued meanwhile goes at once."""
        self._check_xero_manager()
        resumed = self.filtered(lambda c: c.state == "paused")
        resumed.state = "connected"
        if resumed:
            self.env["xero.sync.job"]._xero_wake_up()
            self.env.ref("xero_connector.ir_cron_xero_poll").sudo()._trigger()
        return True

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

    def _check_xero_system(self):
        """Where Odoo connects, and so where secrets go, is a system administrator's call."""
        if not self.env.is_system():
            raise AccessError(
                self.env._(
                    "Only system administrators choose where Odoo connects to Xero (the mode "
                    "and the sandbox URL)."
                )
            )

    def _xero_forget_tokens(self):
        """Drop the tokens and the connection of the previous host: connect again."""
        holding = self.filtered(lambda c: c.access_token or c.refresh_token or c.state != "draft")
        holding.write(dict.fromkeys(TOKEN_FIELDS, False) | {"state": "draft"})
        for connection in holding:
            connection.message_post(
                body=self.env._(
                    "Where Odoo connects to Xero changed: the tokens of the previous address "
                    "were dropped. Click Connect."
                )
            )

    def _check_xero_manager(self):
        if not self.env.user.has_group(GROUP_MANAGER):
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
        self._xero_tell_managers(
            self.env._("Reconnect %s to Xero", self.company_id.name),
            self.env._("%s Open Settings > Xero and click Connect.", message),
        )

    def _xero_tell_managers(self, summary, note):
        """A to-do for each Xero manager of the company, once (not while one is open)."""
        self.ensure_one()
        managers = self.env.ref(GROUP_MANAGER).all_user_ids.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
        open_for = self.activity_ids.filtered(lambda a: a.summary == summary).user_id
        for user in managers - open_for:
            self.activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
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
