import base64
import hashlib
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlencode

import psycopg2
import requests

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, consteq, hash_sign, verify_hash_signed

from ..const import (
    CUSTOM_CONNECTION_SCOPES,
    DAY_LIMIT,
    MINUTE_LIMIT,
    SANDBOX_URL,
    SCOPES,
    STATE_MINUTES,
    TIMEOUT,
    TOKEN_MARGIN,
    XERO_URLS,
    sandbox_urls,
)
from ..exceptions import (
    XeroAuthError,
    XeroError,
    XeroNetworkError,
    XeroNotFoundError,
    XeroUnavailableError,
)
from ..tools.sync_rules import signed_by
from ..tools.xero_client import XeroClient

_logger = logging.getLogger(__name__)
STATE_SCOPE = "xero_connector.oauth"

SECRET = "base.group_system"


class XeroConnection(models.Model):
    _name = "xero.connection"
    _description = "Xero connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _check_company_auto = True
    _order = "company_id, id"

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
    )
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
    sandbox_url = fields.Char("Sandbox URL", default=SANDBOX_URL)
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
    tenant_option_ids = fields.One2many(
        "xero.connection.tenant", "connection_id", "Organisations granted"
    )
    needs_tenant = fields.Boolean(compute="_compute_needs_tenant")
    # what Xero's last answers said, kept in the connection's budget row (see there)
    budget_ids = fields.One2many("xero.connection.budget", "connection_id")
    minute_calls_left = fields.Integer("Calls left this minute", compute="_compute_budget")
    day_calls_left = fields.Integer("Calls left today", compute="_compute_budget")
    last_call_at = fields.Datetime("Last successful call", compute="_compute_budget")
    rate_wait_until = fields.Datetime("Waiting for Xero until", compute="_compute_budget")
    last_error = fields.Text(readonly=True, copy=False)
    # tokens and the OAuth exchange in flight: system administrators only, never copied
    access_token = fields.Char(groups=SECRET, copy=False)
    refresh_token = fields.Char(groups=SECRET, copy=False)
    token_expires_at = fields.Datetime(groups=SECRET, copy=False)
    token_scope = fields.Char(groups=SECRET, copy=False)
    connection_ref = fields.Char("Xero connection id", groups=SECRET, copy=False)
    oauth_nonce = fields.Char(groups=SECRET, copy=False)
    oauth_verifier = fields.Char(groups=SECRET, copy=False)

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
        help="Only companies and individuals without a parent sync; their contact "
        "persons with an e-mail go along as Xero contact persons.",
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
            ("email", "Link when the e-mail matches, else add a distinguishing suffix"),
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
    webhook_key = fields.Char(
        groups=SECRET,
        copy=False,
        help="The webhook key of your Xero app (developer.xero.com > Webhooks): Odoo "
        "accepts a webhook delivery only when it is signed with this key.",
    )
    webhook_url = fields.Char(compute="_compute_webhook_url")
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
    # the queue at a glance
    job_pending_count = fields.Integer("Pending", compute="_compute_job_counts")
    job_error_count = fields.Integer("Failed", compute="_compute_job_counts")
    job_waiting_count = fields.Integer("Waiting for the rate limit", compute="_compute_job_counts")
    last_sync_at = fields.Datetime("Last successful sync", compute="_compute_job_counts")
    sync_paused = fields.Boolean("Sync paused", compute="_compute_job_counts")

    _company_uniq = models.UniqueIndex(
        "(company_id) WHERE active IS TRUE", "A company has one active Xero connection."
    )

    @api.depends("company_id.name", "tenant_name")
    def _compute_name(self):
        for connection in self:
            connection.name = " ↔ ".join(
                filter(None, (connection.company_id.name, connection.tenant_name))
            )

    @api.depends("state", "tenant_option_ids")
    def _compute_needs_tenant(self):
        for connection in self:
            connection.needs_tenant = connection.state == "draft" and bool(
                connection.tenant_option_ids
            )

    @api.model_create_multi
    def create(self, vals_list):
        connections = super().create(vals_list)
        connections._xero_ensure_field_rules()
        return connections

    def _xero_ensure_field_rules(self):
        """Every synced field has its direction row, with its default, to be edited."""
        rules = self.env["xero.field.rule"]
        for model in self.env["xero.sync.job"]._xero_synced_models():
            if hasattr(model, "_xero_field_defaults"):
                for connection in self:
                    rules._xero_ensure(connection, model)

    @api.depends("budget_ids.minute_left", "budget_ids.day_left", "budget_ids.wait_until")
    def _compute_budget(self):
        for connection in self:
            budget = connection.sudo().budget_ids[:1]
            connection.minute_calls_left = budget.minute_left
            connection.day_calls_left = budget.day_left
            connection.last_call_at = budget.last_call_at
            connection.rate_wait_until = budget.wait_until

    def _compute_webhook_url(self):
        for connection in self:
            connection.webhook_url = f"{connection.get_base_url()}/xero/webhook"

    def _compute_job_counts(self):
        jobs = self.env["xero.sync.job"].sudo()
        domain = [("connection_id", "in", self.ids)]
        counts = {
            (connection, state, failure): count
            for connection, state, failure, count in jobs._read_group(
                [*domain, ("state", "in", ("pending", "error"))],
                ["connection_id", "state", "failure_type"],
                ["__count"],
            )
        }
        last = dict(
            jobs._read_group([*domain, ("state", "=", "done")], ["connection_id"], ["done_at:max"])
        )
        paused = jobs._xero_paused()
        for connection in self:
            mine = {k[1:]: v for k, v in counts.items() if k[0] == connection}
            connection.job_pending_count = sum(v for k, v in mine.items() if k[0] == "pending")
            connection.job_error_count = sum(v for k, v in mine.items() if k[0] == "error")
            connection.job_waiting_count = mine.get(("pending", "rate_limit"), 0)
            connection.last_sync_at = last.get(connection)
            connection.sync_paused = paused

    # ------------------------------------------------------------------ plumbing

    def _xero_urls(self):
        self.ensure_one()
        return (
            sandbox_urls(self.sandbox_url or SANDBOX_URL) if self.mode == "sandbox" else XERO_URLS
        )

    def _xero_timeout(self):
        """(connect, read) seconds; the read part is the system parameter xero_connector.timeout."""
        read = self.env["ir.config_parameter"].sudo().get_param("xero_connector.timeout")
        return (TIMEOUT[0], int(read)) if read and read.isdigit() else TIMEOUT

    def _xero_client(self, setup=False, purpose=None):
        self.ensure_one()
        return XeroClient(self.sudo(), setup=setup, purpose=purpose)

    def _xero_uses_client_credentials(self):
        return self.mode == "custom" or (self.mode == "sandbox" and self.sandbox_client_credentials)

    def _xero_redirect_uri(self):
        return f"{self.get_base_url()}/xero/oauth/callback"

    def _check_xero_manager(self):
        if not self.env.user.has_group("xero_connector.group_xero_manager"):
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

    def _xero_write_aside(self, values, wait=True, notify=None):
        """Write on a separate cursor that commits at once, so the values outlive a rollback.

        With ``wait`` the row lock is awaited; without, a row being changed by another
        transaction is left alone (best-effort bookkeeping). ``notify`` is a message
        for the Xero managers, sent in the same committed transaction. Returns whether
        it wrote.
        """
        self.ensure_one()
        lock = SQL("FOR UPDATE") if wait else SQL("FOR UPDATE SKIP LOCKED")
        self.env.flush_all()
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '3s'")
                cr.execute(
                    SQL("SELECT id FROM xero_connection WHERE id = %s %s", self.id, lock),
                    log_exceptions=False,
                )
                if not cr.fetchone():
                    return False
                aside = self.with_env(self.env(cr=cr, su=True))
                aside.write(values)
                if notify:
                    aside._xero_notify_managers(notify)
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
            return False
        finally:
            self.invalidate_recordset(list(values))
        return True

    # ------------------------------------------------------------------ tokens

    def _xero_access_token(self, rejected=None):
        """(token, expires_at) of a usable access token, renewed when about to expire."""
        self.ensure_one()
        connection = self.sudo()
        limit = fields.Datetime.now() + timedelta(seconds=TOKEN_MARGIN)
        token, expires = connection.access_token, connection.token_expires_at
        if token and expires and expires > limit and token != rejected:
            return token, expires
        return self._xero_renew_token(rejected)

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
        self.env.flush_all()
        try:
            for _attempt in range(3):
                try:
                    return self._xero_renew_token_once(rejected)
                except psycopg2.errors.SerializationFailure:
                    continue  # renewed meanwhile by another worker: look again
            raise XeroUnavailableError(
                self.env._("The Xero token could not be renewed; it will be tried again.")
            )
        finally:
            self.invalidate_recordset()

    def _xero_renew_token_once(self, rejected):
        limit = fields.Datetime.now() + timedelta(seconds=TOKEN_MARGIN)
        refused = None
        with self.env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '20s'")
            try:
                lock = SQL("SELECT id FROM xero_connection WHERE id = %s FOR UPDATE", self.id)
                cr.execute(lock, log_exceptions=False)
            except psycopg2.errors.LockNotAvailable:
                raise XeroUnavailableError(
                    self.env._("Another worker is renewing the Xero token; it will be tried again.")
                ) from None
            connection = self.with_env(self.env(cr=cr, su=True))
            token, expires = connection.access_token, connection.token_expires_at
            if token and expires and expires > limit and token != rejected:
                return token, expires  # another worker renewed it meanwhile
            try:
                return connection._xero_fetch_token()
            except XeroAuthError as error:
                connection.write(connection._xero_reauth_values(error.message))
                connection._xero_notify_managers(error.message)
                refused = error
        raise refused

    def _xero_fetch_token(self):
        client = self._xero_client(setup=True)
        try:
            return self._xero_fetch_token_with(client)
        finally:
            # the renewal is in the log, committed with the token (or the refusal)
            self.env["xero.sync.log"]._xero_log_calls(self, client.journal)

    def _xero_fetch_token_with(self, client):
        if self._xero_uses_client_credentials():
            answer = client.token_call("client_credentials", CUSTOM_CONNECTION_SCOPES)
        elif not self.refresh_token:
            raise XeroAuthError(self.env._("No refresh token: connect again from Settings > Xero."))
        else:
            try:
                answer = client.token_call("refresh", self.refresh_token)
            except (XeroNetworkError, XeroUnavailableError):
                # the answer may be lost after Xero rotated the token: the old one stays
                # valid for 30 minutes, so asking once more is safe
                answer = client.token_call("refresh", self.refresh_token)
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

    def _xero_note_call(self, headers, ok):
        """Keep Xero's remaining-call headers and the last success (best effort)."""
        self._xero_note_answer(headers, ok, wait=False)

    # ------------------------------------------------------------------ the budget of calls

    def _xero_reserve_call(self, purpose, unnoted=None):
        """Take one call from this organisation's budget: 0, or the seconds to wait.

        The calls of the last 60 seconds are counted (a sliding minute never holds
        more calls than any fixed window Xero may use) with the day's count, for all
        workers, on a cursor of its own that commits at once. Xero's remaining-call
        headers correct both: ``unnoted`` is (calls left, ok) of the client's previous
        answer, merged in first (see ``_xero_note_answer``).
        """

        def take(budget):
            if unnoted:
                budget._merge_left(*unnoted)
            return budget._take_call(purpose)

        result = self._xero_budget(take)
        return 5 if result is None else result

    def _xero_note_answer(self, headers, ok=True, wait=True):
        """What Xero said is left, kept in the budget (with the last success)."""
        left = {}
        for key, header in (("minute", "X-MinLimit-Remaining"), ("day", "X-DayLimit-Remaining")):
            value = headers.get(header) or headers.get(header.lower())
            if value is not None and str(value).isdigit():
                left[key] = int(value)
        self._xero_note_left(left, ok, wait=wait)

    def _xero_note_left(self, left, ok=True, wait=True):
        if left or ok:
            self._xero_budget(lambda budget: budget._merge_left(left, ok), wait=wait)

    def _xero_rate_wait(self, seconds):
        """Xero answered 429: no call for this organisation before Retry-After."""
        self._xero_budget(lambda budget: budget._wait(seconds))

    def _xero_budget(self, step, wait=True):
        """Run ``step`` on this connection's budget row, locked, on a cursor that commits
        at once; None when the row stays locked (or, without ``wait``, is locked)."""
        self.ensure_one()
        self.flush_recordset(["minute_limit", "day_limit"])
        lock = SQL("FOR UPDATE") if wait else SQL("FOR UPDATE SKIP LOCKED")
        try:
            for _attempt in range(5):
                try:
                    with self.env.registry.cursor() as cr:
                        cr.execute(SQL("SET LOCAL lock_timeout = %s", "10s" if wait else "2s"))
                        budget = self._xero_budget_row(cr, lock)
                        return step(budget) if budget else None
                except psycopg2.errors.SerializationFailure:
                    continue  # another worker changed the budget meanwhile: count again
                except psycopg2.errors.LockNotAvailable:
                    break
            return None
        finally:
            self.env["xero.connection.budget"].invalidate_model()
            self.invalidate_recordset(["budget_ids"])

    def _xero_budget_row(self, cr, lock):
        select = SQL(
            "SELECT id FROM xero_connection_budget WHERE connection_id = %s %s", self.id, lock
        )
        cr.execute(select, log_exceptions=False)
        row = cr.fetchone()
        if not row:  # the connection's first call
            insert = SQL(
                "INSERT INTO xero_connection_budget (connection_id, create_date, write_date) "
                "VALUES (%s, now() at time zone 'utc', now() at time zone 'utc') "
                "ON CONFLICT (connection_id) DO NOTHING",
                self.id,
            )
            cr.execute(insert, log_exceptions=False)
            cr.execute(select, log_exceptions=False)
            row = cr.fetchone()
        env = self.env(cr=cr, su=True)
        return env["xero.connection.budget"].browse(row[0]) if row else None

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

    @api.model
    def _xero_syncing(self, xero_object):
        """The connections that sync this kind of Xero object."""
        field = f"sync_{xero_object}s"
        if field not in self._fields:
            return self.browse()
        return self.sudo().search(
            [(field, "=", True), ("state", "in", ("connected", "paused", "needs_reauth"))]
        )

    def _xero_syncs(self, xero_object):
        self.ensure_one()
        return bool(self._fields.get(f"sync_{xero_object}s") and self[f"sync_{xero_object}s"])

    # ------------------------------------------------------------------ the queue, for managers

    def _xero_jobs_action(self, domain, context=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_sync_job"
        )
        action["domain"] = [("connection_id", "in", self.ids), *domain]
        action["context"] = context or {}
        return action

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

    def action_xero_pause_sync(self):
        """Pause all sync (every company): changes keep being queued, nothing is sent."""
        self._check_xero_manager()
        self.env["ir.config_parameter"].sudo().set_param("xero_connector.paused", "True")
        return True

    def action_xero_resume_sync(self):
        self._check_xero_manager()
        self.env["ir.config_parameter"].sudo().set_param("xero_connector.paused", "False")
        self.env["xero.sync.job"]._xero_wake_up()
        return True

    def action_xero_sync_now(self):
        """Run the queue now rather than at its next turn."""
        self._check_xero_manager()
        self.env["xero.sync.job"]._xero_wake_up()
        return True

    # ------------------------------------------------------------------ re-authorisation

    def _xero_reauth_values(self, message):
        return {"state": "needs_reauth", "last_error": message, "access_token": False}

    def _xero_mark_needs_reauth(self, message):
        """Stop all work for this connection and tell the Xero managers what to do."""
        self.ensure_one()
        if not self._xero_write_aside(self._xero_reauth_values(message), notify=message):
            self.sudo().write(self._xero_reauth_values(message))
            self.sudo()._xero_notify_managers(message)

    def _xero_notify_managers(self, message):
        summary = self.env._("Reconnect %s to Xero", self.company_id.name)
        managers = self.env.ref("xero_connector.group_xero_manager").all_user_ids.filtered(
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

    # ------------------------------------------------------------------ connecting

    def action_xero_connect(self):
        """Start the OAuth 2 authorisation (PKCE S256, signed state), or a Custom Connection."""
        self.ensure_one()
        self._check_xero_manager()
        connection = self.sudo()
        if not connection.client_id:
            raise UserError(self.env._("Enter the Client ID of your Xero app first."))
        if connection._xero_uses_client_credentials():
            return connection._xero_connect_custom()
        verifier = secrets.token_urlsafe(64)
        nonce = secrets.token_urlsafe(24)
        connection.write({"oauth_verifier": verifier, "oauth_nonce": nonce, "last_error": False})
        state = hash_sign(
            self.env(su=True),
            STATE_SCOPE,
            {"connection": self.id, "user": self.env.uid, "nonce": nonce},
            expiration=timedelta(minutes=STATE_MINUTES),
        )
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
            b"="
        )
        query = {
            "response_type": "code",
            "client_id": connection.client_id,
            "redirect_uri": self._xero_redirect_uri(),
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
        }
        url = f"{connection._xero_urls()['authorize']}?{urlencode(query)}"
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    @api.model
    def _xero_from_oauth_state(self, state):
        """The connection a callback belongs to; refuses a tampered, replayed or foreign state."""
        invalid = UserError(
            self.env._(
                "This Xero authorisation is not valid (altered, expired, already used or started "
                "by someone else). Start again from Settings > Xero > Connect."
            )
        )
        try:
            payload = verify_hash_signed(self.env(su=True), STATE_SCOPE, state or "")
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not isinstance(payload, dict) or payload.get("user") != self.env.uid:
            raise invalid
        connection = self.browse(payload.get("connection")).exists()
        if not connection:
            raise invalid
        connection._check_xero_manager()
        stored = connection.sudo().oauth_nonce
        if not stored or not consteq(stored, str(payload.get("nonce"))):
            raise invalid
        connection.sudo().oauth_nonce = False  # one use only
        return connection

    def _xero_finish_oauth(self, code):
        """Exchange the code (with the PKCE verifier), then pick the organisation."""
        self.ensure_one()
        connection = self.sudo()
        client = connection._xero_client(setup=True)
        verifier, connection.oauth_verifier = connection.oauth_verifier, False
        answer = client.token_call("exchange_code", code, self._xero_redirect_uri(), verifier)
        connection._xero_store_tokens(answer)
        connection._xero_offer_tenants(client)

    def _xero_offer_tenants(self, client):
        """Keep the organisations the consent granted; use the only one right away."""
        granted = [c for c in client.connections() if c.tenant_type == "ORGANISATION"]
        if not granted:
            raise XeroAuthError(self.env._("The consent granted no organisation."))
        self.tenant_option_ids.unlink()
        options = self.env["xero.connection.tenant"].create(
            [
                {
                    "connection_id": self.id,
                    "tenant_id": str(c.tenant_id),
                    "name": c.tenant_name,
                    "connection_ref": str(c.id),
                }
                for c in granted
            ]
        )
        if len(options) == 1:
            self._xero_use_tenant(options, client)
        else:
            self.write({"state": "draft", "tenant_id": False, "tenant_name": False})

    def _xero_use_tenant(self, option, client=None):
        """Work with this organisation from now on."""
        self.ensure_one()
        connection = self.sudo()
        connection.write(
            {
                "tenant_id": option.tenant_id,
                "tenant_name": option.name,
                "connection_ref": option.connection_ref,
            }
        )
        client = client or connection._xero_client(setup=True)
        organisation = client.call("get_organisations").organisations[0]
        connection.write(
            {
                "tenant_name": organisation.name,
                "base_currency": getattr(
                    organisation.base_currency, "value", organisation.base_currency
                ),
                "state": "connected",
                "last_error": False,
            }
        )
        connection.tenant_option_ids.unlink()
        connection.activity_ids.action_feedback(feedback=self.env._("Connected again."))
        connection.message_post(
            body=self.env._("Connected to the Xero organisation %s.", organisation.name)
        )

    def action_xero_pick_tenant(self, option_id):
        self.ensure_one()
        self._check_xero_manager()
        option = self.tenant_option_ids.filtered(lambda o: o.id == option_id)
        if not option:
            raise UserError(self.env._("Choose one of the organisations the consent granted."))
        self._xero_guarded(lambda: self._xero_use_tenant(option))
        return True

    def _xero_connect_custom(self):
        """A Custom Connection: client credentials give a token for its one organisation."""
        client = self._xero_client(setup=True)
        self._xero_guarded(
            lambda: self._xero_store_tokens(
                client.token_call("client_credentials", CUSTOM_CONNECTION_SCOPES)
            )
        )
        self._xero_guarded(lambda: self._xero_offer_tenants(client))
        return True

    def _xero_guarded(self, step):
        """Run a set-up step; a Xero failure is kept on the connection and shown to the user."""
        try:
            return step()
        except XeroError as error:
            self.sudo().write({"last_error": error.message})
            raise UserError(error.message) from None

    # ------------------------------------------------------------------ using it

    def action_xero_test(self):
        """Ask Xero for the organisation; say what it answered and how many calls are left."""
        self.ensure_one()
        self._check_xero_manager()
        client = self.sudo()._xero_client()
        organisation = self._xero_guarded(lambda: client.call("get_organisations")).organisations[0]
        currency = getattr(organisation.base_currency, "value", organisation.base_currency)
        message = self.env._(
            "Connected to %(name)s (base currency %(currency)s). Calls left: %(minute)s this "
            "minute, %(day)s today.",
            name=organisation.name,
            currency=currency,
            minute=client.calls_left.get("minute", "?"),
            day=client.calls_left.get("day", "?"),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Xero"),
                "message": message,
                "type": "success",
                "sticky": False,
            },
        }

    def action_xero_disconnect(self):
        """Remove the Xero connection of this organisation and revoke the token."""
        self.ensure_one()
        self._check_xero_manager()
        connection = self.sudo()
        client = connection._xero_client(setup=True)
        if connection.connection_ref and connection.access_token:
            try:
                client.delete_connection(connection.connection_ref)
            except (XeroNotFoundError, XeroAuthError) as error:
                _logger.info("Xero had already removed the connection: %s", error.message)
        if connection.refresh_token:
            self._xero_guarded(lambda: client.token_call("revoke", connection.refresh_token))
        connection.write(
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
        connection.tenant_option_ids.unlink()
        connection.message_post(body=self.env._("Disconnected from Xero."))
        return True

    def action_xero_pause(self):
        self._check_xero_manager()
        self.filtered(lambda c: c.state == "connected").state = "paused"

    def action_xero_resume(self):
        self._check_xero_manager()
        self.filtered(lambda c: c.state == "paused").state = "connected"

    def action_xero_use_sandbox(self):
        """One click: use the local sandbox's app and connect its first organisation."""
        self.ensure_one()
        self._check_xero_manager()
        connection = self.sudo()
        base = (connection.sandbox_url or SANDBOX_URL).rstrip("/")
        described = connection._xero_sandbox_admin("GET", base, "state")["describe"]
        connection.write(
            {
                "mode": "sandbox",
                "sandbox_url": base,
                "client_id": described["client_id"],
                "client_secret": described["client_secret"],
                "webhook_key": described.get("webhook_key"),
            }
        )
        connection._xero_store_tokens(connection._xero_sandbox_admin("POST", base, "consent"))
        self._xero_guarded(
            lambda: connection._xero_offer_tenants(connection._xero_client(setup=True))
        )
        if connection.needs_tenant:
            connection._xero_use_tenant(connection.tenant_option_ids[0])
        return True

    def _xero_sandbox_admin(self, method, base, path):
        """The sandbox's test controls (not Xero's API: only the local sandbox has them)."""
        try:
            # one number: Odoo's test harness compares requests timeouts with "<"
            timeout = self._xero_timeout()[1]
            answer = requests.request(method, f"{base}/admin/{path}", json={}, timeout=timeout)
            answer.raise_for_status()
            return answer.json()
        except (requests.RequestException, ValueError) as error:
            raise UserError(
                self.env._(
                    "The Xero sandbox does not answer at %(url)s (%(error)s): start it with "
                    "setup/sandbox.",
                    url=base,
                    error=type(error).__name__,
                )
            ) from None
