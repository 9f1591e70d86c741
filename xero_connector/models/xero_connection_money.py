from odoo import fields, models

from ..const import GROUP_USER


class XeroConnection(models.Model):
    """The Overview's money figures: the cash expected in the next 13 weeks and how far
    the forecast made a quarter ago was from what came in (read from Odoo's copy of
    Xero, no call)."""

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

    forecast_expected = fields.Monetary(
        "Expected in 13 weeks",
        compute="_compute_forecast",
        currency_field="company_currency_id",
        groups=GROUP_USER,
        help="Open invoices and the invoices subscriptions will generate, by the cash-flow "
        "forecast's rule.",
    )
    forecast_pipeline = fields.Monetary(
        "Pipeline in 13 weeks (weighted)",
        compute="_compute_forecast",
        currency_field="company_currency_id",
        groups=GROUP_USER,
    )
    backtest_expected = fields.Monetary(
        "Forecast a quarter ago",
        compute="_compute_forecast",
        currency_field="company_currency_id",
        groups=GROUP_USER,
    )
    backtest_received = fields.Monetary(
        "Received since",
        compute="_compute_forecast",
        currency_field="company_currency_id",
        groups=GROUP_USER,
    )
    backtest_error = fields.Integer(
        "Forecast error (%)",
        compute="_compute_forecast",
        groups=GROUP_USER,
        help="How far the forecast made 13 weeks ago was from what came in, week by week: "
        "the sum of the weekly gaps in percent of what was received.",
    )

    # ------------------------------------------------------------------ compute

    def _compute_forecast(self):
        forecast = self.env["xero.cash.forecast"]
        today = fields.Date.context_today(self)
        groups = forecast._read_group(
            [("company_id", "in", self.company_id.ids)],
            ["company_id", "kind"],
            ["amount:sum"],
        )
        sums = {(company.id, kind): amount for company, kind, amount in groups}
        for connection in self:
            company = connection.company_id
            connection.forecast_expected = sums.get((company.id, "invoice"), 0.0) + sums.get(
                (company.id, "subscription"), 0.0
            )
            connection.forecast_pipeline = sums.get((company.id, "pipeline"), 0.0)
            backtest = forecast._xero_backtest(company, today)
            connection.backtest_expected = backtest["expected"]
            connection.backtest_received = backtest["received"]
            connection.backtest_error = round(backtest["error"] or 0)

    # ------------------------------------------------------------------ actions

    def action_xero_open_forecast(self):
        """The organisation's cash-flow forecast."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_cash_forecast"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action
