from odoo import api, fields, models

STATUSES = [("ACTIVE", "Active"), ("ARCHIVED", "Archived"), ("DELETED", "Deleted")]


class XeroTrackingCategory(models.Model):
    """A tracking category of the Xero organisation, with its options (at most two
    active categories in Xero: a line may carry one option of each)."""

    _name = "xero.tracking.category"
    _inherit = ["xero.reference.mixin"]
    _description = "Xero tracking category"

    _xero_plural = "TrackingCategories"
    _xero_key = "TrackingCategoryID"
    _xero_method = "get_tracking_categories"

    # ------------------------------------------------------------------ fields

    status = fields.Selection(STATUSES, readonly=True, default="ACTIVE")
    option_ids = fields.One2many("xero.tracking.option", "category_id", "Options", readonly=True)

    # ------------------------------------------------------------------ constraints

    _key_uniq = models.UniqueIndex(
        "(connection_id, xero_key)", "A tracking category is listed once per organisation."
    )

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_values(self, element):
        return {"name": element.get("Name"), "status": element.get("Status") or "ACTIVE"}

    @api.model
    def _xero_store(self, connection, elements, complete=True):
        """Categories, then the options each one lists."""
        created = super()._xero_store(connection, elements, complete)
        categories = self.search([("connection_id", "=", connection.id)])
        by_key = {category.xero_key: category for category in categories}
        for element in elements:
            category = by_key.get(str(element.get(self._xero_key) or ""))
            if category:
                category._xero_store_options(element.get("Options") or [])
        return created

    def _xero_gone(self):
        self.write({"status": "DELETED"})

    def _xero_store_options(self, options):
        """The option rows are the options Xero listed for this category."""
        self.ensure_one()
        rows = {option.xero_key: option for option in self.option_ids}
        wanted = {o["TrackingOptionID"]: o for o in options if o.get("TrackingOptionID")}
        self.option_ids.filtered(lambda o: o.xero_key not in wanted).unlink()
        new = []
        for key, option in wanted.items():
            values = {"name": option.get("Name"), "status": option.get("Status") or "ACTIVE"}
            row = rows.get(key)
            if row is None:
                new.append(values | {"category_id": self.id, "xero_key": key})
            elif (row.name, row.status) != (values["name"], values["status"]):
                row.write(values)
        self.env["xero.tracking.option"].create(new)


class XeroTrackingOption(models.Model):
    """An option of a Xero tracking category."""

    _name = "xero.tracking.option"
    _description = "Xero tracking option"
    _order = "category_id, name"

    # ------------------------------------------------------------------ fields

    category_id = fields.Many2one(
        "xero.tracking.category", required=True, index=True, ondelete="cascade"
    )
    connection_id = fields.Many2one(related="category_id.connection_id", store=True)
    company_id = fields.Many2one(related="category_id.company_id", store=True)
    xero_key = fields.Char("Xero key", required=True, readonly=True)
    name = fields.Char(readonly=True)
    status = fields.Selection(STATUSES, readonly=True, default="ACTIVE")

    # ------------------------------------------------------------------ constraints

    _key_uniq = models.UniqueIndex(
        "(category_id, xero_key)", "An option is listed once per tracking category."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("name", "category_id.name")
    def _compute_display_name(self):
        for option in self:
            option.display_name = f"{option.category_id.name}: {option.name}"
