import base64
import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq, hash_sign, verify_hash_signed

from ..const import CUSTOM_CONNECTION_SCOPES, GROUP_SYSTEM, SCOPES, STATE_MINUTES
from ..exceptions import XeroAuthError
from ..tools import local_sandbox
from ..tools.actions import SOFT_RELOAD, reopen

STATE_SCOPE = "xero_connector.oauth"


class XeroConnect(models.TransientModel):
    """Connecting a company to its Xero organisation.

    OAuth 2 (authorization code with PKCE S256 and a signed, one-use state): Connect
    sends the manager to Xero's consent page, Xero sends them back to
    ``/xero/oauth/callback``, which finishes here. A Custom Connection or the local
    sandbox connect at once. When a consent grants several organisations, the
    manager chooses one on this wizard's form.
    """

    _name = "xero.connect"
    _description = "Connect to Xero"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id")
    state = fields.Selection(
        [("start", "Start"), ("choose", "Choose the organisation"), ("done", "Connected")],
        default="start",
        required=True,
    )
    tenant_ids = fields.One2many("xero.connect.tenant", "wizard_id", "Organisations granted")
    tenant_id = fields.Many2one(
        "xero.connect.tenant",
        "Organisation to use",
        domain="[('wizard_id', '=', id)]",
    )
    # the OAuth exchange in flight
    oauth_nonce = fields.Char(groups=GROUP_SYSTEM)
    oauth_verifier = fields.Char(groups=GROUP_SYSTEM)

    # ------------------------------------------------------------------ actions

    def action_start(self):
        """Start the OAuth 2 authorisation, or connect a Custom Connection at once."""
        self.ensure_one()
        self._check_manager()
        connection_sudo = self.connection_id.sudo()
        if not connection_sudo.client_id:
            raise UserError(self.env._("Enter the Client ID of your Xero app first."))
        if connection_sudo._xero_uses_client_credentials():
            connection_sudo.last_error = False
            connection_sudo._xero_guarded(
                lambda: connection_sudo._xero_store_tokens(
                    connection_sudo._xero_token_call("client_credentials", CUSTOM_CONNECTION_SCOPES)
                )
            )
            return self._xero_next(connection_sudo._xero_guarded(self._xero_offer_tenants))
        return {"type": "ir.actions.act_url", "url": self._xero_authorize_url(), "target": "self"}

    def action_use_sandbox(self):
        """One click: use the local sandbox's app and connect its first organisation (it
        changes where Odoo connects: system administrators only)."""
        self.ensure_one()
        self._check_manager()
        self.connection_id._check_xero_system()
        connection_sudo = self.connection_id.sudo()
        base = (connection_sudo.sandbox_url or local_sandbox.DEFAULT_URL).rstrip("/")
        timeout = connection_sudo._xero_timeout()[1]
        try:
            described = local_sandbox.describe(base, timeout)
            tokens = local_sandbox.consent(base, timeout)
        except local_sandbox.SandboxUnreachable as error:
            raise UserError(
                self.env._(
                    "The Xero sandbox does not answer at %(url)s (%(error)s): start it with "
                    "setup/sandbox.",
                    url=base,
                    error=error,
                )
            ) from None
        connection_sudo.write(
            {
                "mode": "sandbox",
                "sandbox_url": base,
                "client_id": described["client_id"],
                "client_secret": described["client_secret"],
                "webhook_key": described.get("webhook_key"),
                "last_error": False,
            }
        )
        connection_sudo._xero_store_tokens(tokens)
        connection_sudo._xero_guarded(self._xero_offer_tenants)
        if self.state == "choose":
            self._xero_use(self.tenant_ids[0])
        return True

    def action_use_tenant(self):
        """Use the organisation chosen among those the consent granted."""
        self.ensure_one()
        self._check_manager()
        if not self.tenant_id:
            raise UserError(self.env._("Choose one of the organisations the consent granted."))
        self.connection_id._xero_guarded(lambda: self._xero_use(self.tenant_id))
        return SOFT_RELOAD

    # ------------------------------------------------------------------ business: OAuth 2

    def _xero_authorize_url(self):
        """Xero's consent page for this wizard: PKCE S256 and a signed one-use state."""
        connection_sudo = self.connection_id.sudo()
        verifier = secrets.token_urlsafe(64)
        nonce = secrets.token_urlsafe(24)
        self.sudo().write({"oauth_verifier": verifier, "oauth_nonce": nonce})
        connection_sudo.last_error = False
        state = hash_sign(
            self.env(su=True),
            STATE_SCOPE,
            {"wizard": self.id, "user": self.env.uid, "nonce": nonce},
            expiration=timedelta(minutes=STATE_MINUTES),
        )
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query = {
            "response_type": "code",
            "client_id": connection_sudo.client_id,
            "redirect_uri": self._xero_redirect_uri(),
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        return f"{connection_sudo._xero_urls()['authorize']}?{urlencode(query)}"

    @api.model
    def _xero_from_oauth_state(self, state):
        """The wizard a callback belongs to; refuses a tampered, replayed or foreign state."""
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
        wizard = self.browse(payload.get("wizard")).exists()
        if not wizard:
            raise invalid
        wizard._check_manager()
        wizard_sudo = wizard.sudo()
        if not wizard_sudo.oauth_nonce or not consteq(
            wizard_sudo.oauth_nonce, str(payload.get("nonce"))
        ):
            raise invalid
        wizard_sudo.oauth_nonce = False  # one use only
        return wizard

    def _xero_finish_oauth(self, code):
        """Exchange the code (with the PKCE verifier), then take the organisation granted
        or offer the choice. Returns whether a choice is left to the manager."""
        self.ensure_one()
        wizard_sudo = self.sudo()
        connection_sudo = self.connection_id.sudo()
        verifier, wizard_sudo.oauth_verifier = wizard_sudo.oauth_verifier, False
        connection_sudo._xero_store_tokens(
            connection_sudo._xero_token_call(
                "exchange_code", code, self._xero_redirect_uri(), verifier
            )
        )
        return self._xero_offer_tenants()

    def _xero_redirect_uri(self):
        return f"{self.connection_id.get_base_url()}/xero/oauth/callback"

    # ------------------------------------------------------------------ business: organisations

    def _xero_offer_tenants(self):
        """Keep the organisations the consent granted; use the only one right away.
        Returns whether the manager must choose."""
        connection_sudo = self.connection_id.sudo()
        granted = [
            c
            for c in connection_sudo._xero_identity_call("get_connections")
            if c.tenant_type == "ORGANISATION"
        ]
        if not granted:
            raise XeroAuthError(self.env._("The consent granted no organisation."))
        self.tenant_ids.unlink()
        self.tenant_ids = [
            fields.Command.create(
                {
                    "name": c.tenant_name,
                    "xero_tenant_id": str(c.tenant_id),
                    "connection_ref": str(c.id),
                }
            )
            for c in granted
        ]
        if len(granted) == 1:
            self._xero_use(self.tenant_ids)
            return False
        connection_sudo.write({"state": "draft", "tenant_id": False, "tenant_name": False})
        self.state = "choose"
        return True

    def _xero_use(self, tenant):
        self.connection_id._xero_use_organisation(
            tenant.xero_tenant_id, tenant.sudo().connection_ref
        )
        self.state = "done"

    def _xero_next(self, choose):
        """Where the manager goes after a connection: this wizard to choose, or back."""
        return reopen(self) if choose else SOFT_RELOAD

    def _check_manager(self):
        self.connection_id._check_xero_manager()


class XeroConnectTenant(models.TransientModel):
    """An organisation a consent granted, offered for choice when there are several."""

    _name = "xero.connect.tenant"
    _description = "Xero organisation offered by a consent"
    _order = "name"

    wizard_id = fields.Many2one("xero.connect", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="wizard_id.company_id", store=True)
    name = fields.Char("Organisation", required=True)
    xero_tenant_id = fields.Char("Organisation ID", required=True)
    connection_ref = fields.Char("Xero connection id", groups=GROUP_SYSTEM)
