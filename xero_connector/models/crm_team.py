from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..const import GROUP_USER


class CrmTeam(models.Model):
    _inherit = "crm.team"

    # ------------------------------------------------------------------ fields

    xero_branding_theme_id = fields.Many2one(
        "xero.branding.theme",
        "Xero branding theme",
        help="The theme of the Xero invoices of this team's orders (the company's when empty).",
    )
    xero_tracking_option_ids = fields.Many2many(
        "xero.tracking.option",
        string="Xero tracking",
        domain="[('status', '=', 'ACTIVE'), ('category_id.status', '=', 'ACTIVE')]",
        help="The tracking options (one per category, two categories at most) on every line "
        "of the Xero invoices of this team's orders: a region, a sales channel...",
    )

    xero_at_risk = fields.Monetary(
        "Revenue at risk",
        compute="_compute_xero_at_risk",
        groups=GROUP_USER,
        help="What the team's open cases of revenue leakage leave unbilled or billed "
        "differently in Xero (in the company's currency).",
    )
    xero_at_risk_count = fields.Integer(
        "Cases of revenue leakage", compute="_compute_xero_at_risk", groups=GROUP_USER
    )

    # money in the CRM: receivables beside the pipeline, and the monthly goal
    xero_receivable = fields.Monetary(
        "Receivables",
        compute="_compute_xero_money",
        groups=GROUP_USER,
        help="What the team's customers owe on approved Xero invoices.",
    )
    xero_overdue = fields.Monetary("Overdue", compute="_compute_xero_money", groups=GROUP_USER)
    xero_paid_month = fields.Monetary(
        "Paid this month",
        compute="_compute_xero_money",
        groups=GROUP_USER,
        help="Money received this month on the team's Xero invoices.",
    )
    xero_pipeline = fields.Monetary(
        "Open pipeline",
        compute="_compute_xero_money",
        groups=GROUP_USER,
        help="Expected revenue of the team's open opportunities.",
    )
    xero_goal_paid = fields.Monetary(
        "Paid this month (untaxed)", compute="_compute_xero_money", groups=GROUP_USER
    )
    xero_goal_expected = fields.Monetary(
        "Expected by month end",
        compute="_compute_xero_money",
        groups=GROUP_USER,
        help="Untaxed, from the cash-flow forecast: open invoices and subscriptions expected "
        "to be paid by the end of the month (the pipeline is not counted).",
    )
    xero_goal_forecast = fields.Monetary(
        "Month's forecast",
        compute="_compute_xero_money",
        groups=GROUP_USER,
        help="Paid this month plus expected by month end, untaxed: compare it with the "
        "invoicing target (the untaxed total of paid invoices).",
    )
    xero_goal_percent = fields.Integer(
        "Of the invoicing target (%)", compute="_compute_xero_money", groups=GROUP_USER
    )

    # ------------------------------------------------------------------ compute

    @api.depends_context("date")
    def _compute_xero_money(self):
        money = self.env["xero.sales.money"]._xero_by_team(self.ids)
        expected = self.env["xero.cash.forecast"]._xero_expected_by_team(
            self.ids, _month_end(fields.Date.context_today(self))
        )
        for team in self:
            figures = money.get(team.id, {})
            team.xero_receivable = figures.get("receivable", 0.0)
            team.xero_overdue = figures.get("overdue", 0.0)
            team.xero_paid_month = figures.get("paid_month", 0.0)
            team.xero_pipeline = figures.get("pipeline", 0.0)
            team.xero_goal_paid = figures.get("paid_month_untaxed", 0.0)
            team.xero_goal_expected = expected.get(team.id, 0.0)
            team.xero_goal_forecast = team.xero_goal_paid + team.xero_goal_expected
            target = team.invoiced_target
            team.xero_goal_percent = round(100 * team.xero_goal_forecast / target) if target else 0

    def _compute_xero_at_risk(self):
        figures = self.env["xero.leakage.case"]._xero_at_risk("team_id", self.ids)
        for team in self:
            team.xero_at_risk, team.xero_at_risk_count = figures.get(team.id, (0.0, 0))

    # ------------------------------------------------------------------ constraints

    @api.constrains("xero_tracking_option_ids")
    def _check_xero_tracking(self):
        for team in self:
            categories = team.xero_tracking_option_ids.category_id
            if len(categories) != len(team.xero_tracking_option_ids) or len(categories) > 2:
                raise ValidationError(
                    self.env._(
                        "Xero tracks a line by at most two categories, one option each: "
                        "choose one option per category for the team %s.",
                        team.name,
                    )
                )

    # ------------------------------------------------------------------ actions

    def action_xero_open_leakage(self):
        """The team's open cases of revenue leakage."""
        return self._xero_team_action("xero_connector.action_xero_leakage_case")

    def action_xero_open_forecast(self):
        """The team's cash-flow forecast."""
        return self._xero_team_action("xero_connector.action_xero_cash_forecast")

    def action_xero_open_receivables(self):
        """The team's receivables beside its pipeline, per salesperson."""
        return self._xero_team_action("xero_connector.action_xero_sales_money")

    # ------------------------------------------------------------------ business

    def _xero_team_action(self, xml_id):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action["domain"] = [("team_id", "=", self.id)]
        return action

    def _xero_tracking(self, connection):
        """Xero's Tracking of the lines of this team's invoices."""
        options = self.xero_tracking_option_ids.filtered(
            lambda o: o.connection_id == connection and o.status == "ACTIVE"
        )
        return [{"Name": o.category_id.name, "Option": o.name} for o in options]


def _month_end(day):
    return day + relativedelta(day=31)
