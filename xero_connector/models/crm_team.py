from odoo import api, fields, models
from odoo.exceptions import ValidationError


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

    # ------------------------------------------------------------------ business

    def _xero_tracking(self, connection):
        """Xero's Tracking of the lines of this team's invoices."""
        options = self.xero_tracking_option_ids.filtered(
            lambda o: o.connection_id == connection and o.status == "ACTIVE"
        )
        return [{"Name": o.category_id.name, "Option": o.name} for o in options]
