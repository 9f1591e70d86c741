import html
import logging

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.tools import verify_hash_signed

from ..exceptions import XeroError
from ..models.xero_order_invoice import PAY_SCOPE
from ..tools.webhook_events import read_delivery

_logger = logging.getLogger(__name__)
SETTINGS = "/odoo/action-xero_connector.action_xero_config_settings"


class XeroController(http.Controller):
    @http.route("/xero/oauth/callback", type="http", auth="user", methods=["GET"])
    def xero_oauth_callback(self, state=None, code=None, error=None, **_kwargs):
        """Where Xero sends the administrator back after the consent page."""
        try:
            wizard = request.env["xero.connect"]._xero_from_oauth_state(state)
        except (UserError, AccessError) as refusal:
            return self._page(str(refusal), status=400)
        connection_sudo = wizard.connection_id.sudo()
        if error or not code:
            message = request.env._("Xero did not grant access (%s).", error or "no code")
            connection_sudo.last_error = message
            return self._page(message, status=400)
        try:
            choose = wizard._xero_finish_oauth(code)
        except XeroError as failure:
            connection_sudo.last_error = failure.message
            return self._page(failure.message, status=400)
        return request.redirect(f"/odoo/{wizard._name}/{wizard.id}" if choose else SETTINGS)

    @http.route(
        "/xero/webhook",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def xero_webhook(self, **_kwargs):
        """Xero's webhook: 200 for a delivery signed with a connection's webhook key,
        whatever it holds, 401 otherwise, an empty body either way, and no work beyond
        queueing jobs for its well-formed events."""
        body = request.httprequest.get_data()
        signature = request.httprequest.headers.get("x-xero-signature", "")
        connections = request.env["xero.connection"].sudo()._xero_webhook_signers(body, signature)
        if not connections:
            return request.make_response(b"", status=401)
        events, dropped = read_delivery(body)
        if dropped:
            _logger.warning(
                "Xero webhook: %d part(s) of a signed delivery ignored (%s)",
                len(dropped),
                "; ".join(dropped[:5]),
            )
        if events:
            request.env["xero.sync.job"].sudo()._xero_intake(connections, events)
        return request.make_response(b"", status=200)

    @http.route(
        "/xero/pay/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        save_session=False,
    )
    def xero_pay(self, token, **_kwargs):
        """The pay link Odoo gives customers: the first visit of someone outside the
        company marks the invoice viewed, then Xero's online invoice opens.

        Only a GET counts: werkzeug routes HEAD here too, and a HEAD comes from mail
        scanners and link previews, not from the customer."""
        try:
            invoice_id = verify_hash_signed(request.env(su=True), PAY_SCOPE, token)
        except (ValueError, TypeError):
            invoice_id = None
        if not isinstance(invoice_id, int):
            raise request.not_found()
        invoice = request.env["xero.order.invoice"].sudo().browse(invoice_id).exists()
        if not invoice:
            raise request.not_found()
        if request.httprequest.method != "GET":
            # a link preview asks for nothing from Xero: the link is read for a visit
            if not invoice.online_url:
                return request.make_response(b"", status=200)
            return request.redirect(invoice.online_url, local=False)
        try:
            url = invoice._xero_pay_link()
        except XeroError:
            return self._page(
                request.env._(
                    "Xero's online invoice cannot be opened right now: please try again in a "
                    "minute."
                ),
                503,
                settings=False,
            )
        if not url:
            raise request.not_found()
        if not request.env.user._is_internal():
            invoice._xero_viewed_by_link()
        return request.redirect(url, local=False)

    def _page(self, message, status, settings=True):
        """A plain page saying ``message`` (with a way back to the settings, for users)."""
        body = (
            "<!doctype html><meta charset='utf-8'><title>Xero</title>"
            f"<p id='xero-error'>{html.escape(message)}</p>"
        )
        if settings:
            back = request.env._("Back to the Xero settings")
            body += f"<p><a href='{SETTINGS}'>{html.escape(back)}</a></p>"
        return request.make_response(
            body, headers=[("Content-Type", "text/html; charset=utf-8")], status=status
        )
