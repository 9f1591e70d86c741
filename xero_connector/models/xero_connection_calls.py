import logging
from datetime import timedelta

from odoo import api, fields, models

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
    XeroRateLimitError,
    XeroUnavailableError,
)
from ..tools import local_sandbox
from ..tools.aside import run_aside
from ..tools.plain_words import answer_count
from ..tools.xero_client import XeroClient

_logger = logging.getLogger(__name__)


class XeroConnection(models.Model):
    """The one seam every call to Xero passes through, the tokens it needs, and the
    budget of calls Xero allows the organisation."""

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

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

    # ------------------------------------------------------------------ compute

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
