from odoo import api, fields, models


class XeroCurrency(models.Model):
    """A currency the Xero organisation has enabled (documents may use it)."""

    _name = "xero.currency"
    _inherit = ["xero.reference.mixin"]
    _description = "Xero currency"
    _order = "connection_id, xero_key"

    _xero_plural = "Currencies"
    _xero_key = "Code"
    _xero_method = "get_currencies"

    # ------------------------------------------------------------------ fields

    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", store=True)

    # ------------------------------------------------------------------ constraints

    _key_uniq = models.UniqueIndex(
        "(connection_id, xero_key)", "A currency is listed once per organisation."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("xero_key")
    def _compute_currency_id(self):
        currencies = self.env["res.currency"].with_context(active_test=False)
        by_code = {c.name: c for c in currencies.search([("name", "in", self.mapped("xero_key"))])}
        for currency in self:
            currency.currency_id = by_code.get(currency.xero_key, currencies)

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_values(self, element):
        return {"name": element.get("Description") or element.get("Code")}
