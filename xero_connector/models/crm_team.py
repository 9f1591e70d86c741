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

    # ------------------------------------------------------------------ compute

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
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_leakage_case"
        )
        action["domain"] = [("team_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ business

    def _xero_tracking(self, connection):
        """Xero's Tracking of the lines of this team's invoices."""
        options = self.xero_tracking_option_ids.filtered(
            lambda o: o.connection_id == connection and o.status == "ACTIVE"
        )
        return [{"Name": o.category_id.name, "Option": o.name} for o in options]
