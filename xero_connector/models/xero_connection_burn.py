from dateutil.relativedelta import relativedelta

from odoo import fields, models

from ..const import GROUP_MANAGER, REPORT_SCOPES
from ..tools.actions import SOFT_RELOAD, notification
from .xero_executive_summary import BURN_MONTHS


class XeroConnection(models.Model):
    """Burn and runway on the Overview, from the months of Xero's Executive Summary
    cached by ``xero.executive.summary`` (read once a day, or on *Refresh*).

    * burn: the average monthly cash deficit of the last three complete months, that
      is max(0, (cash spent - cash received) summed over the three months / 3), in the
      organisation's base currency; 0 when it received more than it spent (cash
      positive);
    * runway: the latest closing bank balance (the current month's, so far) divided by
      the burn, in months (0 when the balance is nil or overdrawn); none when cash
      positive;
    * the current month's income, gross and net profit, so far.

    The complete months are the three before the latest month read (this month once
    the cron has run today). Managers only.
    """

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

    burn_error = fields.Text(
        "Executive Summary refused", readonly=True, copy=False, groups=GROUP_MANAGER
    )
    burn_needs_consent = fields.Boolean(
        "Reports not allowed", compute="_compute_burn", groups=GROUP_MANAGER
    )
    burn_notice = fields.Char(compute="_compute_burn", groups=GROUP_MANAGER)
    burn_month = fields.Date("Figures of", compute="_compute_burn", groups=GROUP_MANAGER)
    burn_read_at = fields.Datetime("Read from Xero", compute="_compute_burn", groups=GROUP_MANAGER)
    burn_currency_id = fields.Many2one(
        "res.currency", "Reported in", compute="_compute_burn", groups=GROUP_MANAGER
    )
    burn_amount = fields.Monetary(
        "Burn a month",
        currency_field="burn_currency_id",
        compute="_compute_burn",
        groups=GROUP_MANAGER,
        help="The average monthly cash deficit of the last three complete months: cash "
        "spent less cash received, averaged; 0 when more was received than spent.",
    )
    burn_runway = fields.Float(
        "Runway (months)",
        digits=(16, 1),
        compute="_compute_burn",
        groups=GROUP_MANAGER,
        help="The closing bank balance divided by the burn: the months the cash lasts.",
    )
    burn_cash_positive = fields.Boolean(
        "Cash positive",
        compute="_compute_burn",
        groups=GROUP_MANAGER,
        help="Over the last three complete months, more cash came in than went out.",
    )
    burn_bank_balance = fields.Monetary(
        "Bank balance",
        currency_field="burn_currency_id",
        compute="_compute_burn",
        groups=GROUP_MANAGER,
    )
    burn_income = fields.Monetary(
        "Income this month",
        currency_field="burn_currency_id",
        compute="_compute_burn",
        groups=GROUP_MANAGER,
    )
    burn_gross_profit = fields.Monetary(
        "Gross profit this month",
        currency_field="burn_currency_id",
        compute="_compute_burn",
        groups=GROUP_MANAGER,
    )
    burn_net_profit = fields.Monetary(
        "Net profit this month",
        currency_field="burn_currency_id",
        compute="_compute_burn",
        groups=GROUP_MANAGER,
    )

    # ------------------------------------------------------------------ compute

    def _compute_burn(self):
        summaries = self.env["xero.executive.summary"].sudo()
        for connection in self:
            months = {
                summary.month: summary
                for summary in summaries.search(
                    [("connection_id", "=", connection.id)], limit=BURN_MONTHS + 1
                )
            }
            latest = months[max(months)] if months else summaries
            before = [
                months.get(latest.month - relativedelta(months=n))
                for n in range(1, BURN_MONTHS + 1)
                if latest
            ]
            complete = bool(latest) and all(before)
            currency = latest.currency_id or connection.base_currency_id
            burn = 0.0
            if complete:
                deficit = sum(month.cash_spent - month.cash_received for month in before)
                burn = max(currency.round(deficit / BURN_MONTHS), 0.0)
            connection.update(
                {
                    "burn_needs_consent": not connection._xero_reads_reports(),
                    "burn_notice": connection._xero_burn_notice(latest, complete),
                    "burn_month": latest.month,
                    "burn_read_at": latest.read_at,
                    "burn_currency_id": currency,
                    "burn_amount": burn,
                    "burn_runway": max(latest.bank_balance, 0.0) / burn if burn else 0.0,
                    "burn_cash_positive": complete and not burn,
                    "burn_bank_balance": latest.bank_balance,
                    "burn_income": latest.income,
                    "burn_gross_profit": latest.gross_profit,
                    "burn_net_profit": latest.net_profit,
                }
            )

    # ------------------------------------------------------------------ actions

    def action_xero_refresh_summary(self):
        """Read Xero's Executive Summary now (one call; two when older months are
        missing) and show the burn and runway again."""
        self.ensure_one()
        self._check_xero_manager()
        connection_sudo = self.sudo()
        if not connection_sudo._xero_reads_reports():
            return notification(
                self.env._("Xero"), connection_sudo._xero_burn_notice(), "warning", sticky=True
            )
        summaries = self.env["xero.executive.summary"]
        calls = self._xero_guarded(
            lambda: summaries._xero_refresh(connection_sudo, purpose="fetch")
        )
        return notification(
            self.env._("Xero"),
            self.env._("The Executive Summary was read from Xero (%s calls).", calls),
            "success",
            then=SOFT_RELOAD,
        )

    def action_xero_open_summaries(self):
        """The months of this organisation's Executive Summary read from Xero."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_executive_summary"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ business

    def _xero_reads_reports(self):
        """Whether the connection's consent allows reading the Executive Summary (the
        scopes of its token, as Xero gave them)."""
        self.ensure_one()
        return bool(set((self.sudo().token_scope or "").split()) & set(REPORT_SCOPES))

    def _xero_burn_notice(self, latest=None, complete=True):
        """What the Overview says instead of (or beside) the burn, or False."""
        self.ensure_one()
        if not self._xero_reads_reports():
            if self._xero_uses_client_credentials():
                return self.env._(
                    "Reconnect to Xero to allow reports: add the permission to read the "
                    "Executive Summary (accounting.reports.executivesummary.read) to the "
                    "Custom Connection in Xero's developer portal, then click Reconnect."
                )
            return self.env._(
                "Reconnect to Xero to allow reports: this connection was authorised "
                "before Odoo read Xero's Executive Summary (burn and runway). Click "
                "Reconnect and allow access; the rest of the sync goes on meanwhile."
            )
        if self.sudo().burn_error:
            return self.sudo().burn_error
        if not latest:
            return self.env._("Not read from Xero yet: click Refresh.")
        if not complete:
            return self.env._("The burn needs three complete months: click Refresh.")
        return False
