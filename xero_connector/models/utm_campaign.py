from odoo import fields, models

from ..const import GROUP_USER


class UtmCampaign(models.Model):
    _inherit = "utm.campaign"

    # ------------------------------------------------------------------ fields

    xero_cost = fields.Monetary(
        "Campaign cost",
        currency_field="xero_cost_currency_id",
        groups=GROUP_USER,
        help="What the campaign cost, in the company's currency: lifetime value by lead "
        "source shows the cost per customer it brought and the return on it.",
    )
    xero_cost_currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, groups=GROUP_USER
    )
