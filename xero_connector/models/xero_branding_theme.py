from odoo import api, fields, models


class XeroBrandingTheme(models.Model):
    """A branding theme of the Xero organisation (the layout of its invoices)."""

    _name = "xero.branding.theme"
    _inherit = ["xero.reference.mixin"]
    _description = "Xero branding theme"
    _order = "connection_id, sort_order, name"

    _xero_plural = "BrandingThemes"
    _xero_key = "BrandingThemeID"
    _xero_method = "get_branding_themes"

    # ------------------------------------------------------------------ fields

    sort_order = fields.Integer(readonly=True, help="Xero's default theme comes first (0).")

    # ------------------------------------------------------------------ constraints

    _key_uniq = models.UniqueIndex(
        "(connection_id, xero_key)", "A branding theme is listed once per organisation."
    )

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_values(self, element):
        return {"name": element.get("Name"), "sort_order": element.get("SortOrder") or 0}
