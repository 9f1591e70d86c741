import html

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ..exceptions import XeroError

SETTINGS = "/odoo/action-xero_connector.action_xero_config_settings"


class XeroController(http.Controller):
    @http.route("/xero/oauth/callback", type="http", auth="user", methods=["GET"])
    def xero_oauth_callback(self, state=None, code=None, error=None, **_kwargs):
        """Where Xero sends the administrator back after the consent page."""
        try:
            connection = request.env["xero.connection"]._xero_from_oauth_state(state)
        except (UserError, AccessError) as refusal:
            return self._page(str(refusal), status=400)
        if error or not code:
            message = request.env._("Xero did not grant access (%s).", error or "no code")
            connection.sudo().last_error = message
            return self._page(message, status=400)
        try:
            connection._xero_finish_oauth(code)
        except XeroError as failure:
            connection.sudo().last_error = failure.message
            return self._page(failure.message, status=400)
        return request.redirect(SETTINGS)

    def _page(self, message, status):
        back = request.env._("Back to the Xero settings")
        body = (
            "<!doctype html><meta charset='utf-8'><title>Xero</title>"
            f"<p id='xero-error'>{html.escape(message)}</p>"
            f"<p><a href='{SETTINGS}'>{html.escape(back)}</a></p>"
        )
        return request.make_response(
            body, headers=[("Content-Type", "text/html; charset=utf-8")], status=status
        )
