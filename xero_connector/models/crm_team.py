from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    xero_branding_theme_id = fields.Many2one(
        "xero.branding.theme",
        "Xero branding theme",
        help="The theme of the Xero invoices of this team's orders (the company's when empty).",
    )
