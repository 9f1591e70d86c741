from odoo import api, fields, models

from ..tools import tax_mapping as tm

STATUSES = [
    ("ACTIVE", "Active"),
    ("DELETED", "Deleted"),
    ("ARCHIVED", "Archived"),
    ("PENDING", "Pending"),
]


class XeroTaxRate(models.Model):
    """A tax rate of the Xero organisation (its TaxType is what a line carries)."""

    _name = "xero.tax.rate"
    _inherit = ["xero.reference.mixin"]
    _description = "Xero tax rate"
    _order = "connection_id, effective_rate, name"

    _xero_plural = "TaxRates"
    _xero_key = "TaxType"
    _xero_method = "get_tax_rates"

    # ------------------------------------------------------------------ fields

    status = fields.Selection(STATUSES, readonly=True, default="ACTIVE")
    report_tax_type = fields.Char("Report tax type", readonly=True)
    effective_rate = fields.Float(digits=(16, 4), readonly=True)
    components = fields.Json("Xero components", readonly=True)
    components_text = fields.Char("Components", compute="_compute_components_text")
    can_apply_assets = fields.Boolean("On assets", readonly=True)
    can_apply_equity = fields.Boolean("On equity", readonly=True)
    can_apply_expenses = fields.Boolean("On expenses", readonly=True)
    can_apply_liabilities = fields.Boolean("On liabilities", readonly=True)
    can_apply_revenue = fields.Boolean("On revenue", readonly=True)

    # ------------------------------------------------------------------ constraints

    _key_uniq = models.UniqueIndex(
        "(connection_id, xero_key)", "A Xero tax type is listed once per organisation."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("components")
    def _compute_components_text(self):
        for rate in self:
            rate.components_text = " + ".join(
                f"{c.get('Name')} {float(c.get('Rate') or 0):g}%"
                + (" (compound)" if c.get("IsCompound") else "")
                for c in rate.components or []
            )

    @api.depends("name", "xero_key", "effective_rate")
    def _compute_display_name(self):
        for rate in self:
            rate.display_name = f"{rate.name} ({rate.xero_key}, {rate.effective_rate:g}%)"

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_values(self, element):
        components = [
            {
                "Name": c.get("Name"),
                "Rate": float(c.get("Rate") or 0),
                "IsCompound": bool(c.get("IsCompound")),
            }
            for c in element.get("TaxComponents") or []
        ]
        rate = element.get("EffectiveRate")
        return {
            "name": element.get("Name"),
            "status": element.get("Status") or "ACTIVE",
            "report_tax_type": element.get("ReportTaxType"),
            "effective_rate": float(rate) if rate is not None else tm.xero_rate(components),
            "components": components,
            "can_apply_assets": bool(element.get("CanApplyToAssets")),
            "can_apply_equity": bool(element.get("CanApplyToEquity")),
            "can_apply_expenses": bool(element.get("CanApplyToExpenses")),
            "can_apply_liabilities": bool(element.get("CanApplyToLiabilities")),
            "can_apply_revenue": bool(element.get("CanApplyToRevenue")),
        }

    def _xero_gone(self):
        """A rate Xero no longer lists is kept as deleted: maps may still name it."""
        self.write({"status": "DELETED"})

    def _xero_allowed_on(self, account):
        """Whether Xero accepts this tax type on a line of ``account``."""
        self.ensure_one()
        flag = tm.CLASS_FLAGS.get(account.xero_class)
        return bool(flag and self[flag])
