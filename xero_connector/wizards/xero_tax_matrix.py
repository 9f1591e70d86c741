from odoo import api, fields, models


class XeroTaxMatrix(models.TransientModel):
    """Per fiscal position and product tax: the Xero tax type a sales line carries.

    Odoo's fiscal positions (found from the customer's country, state or VAT number)
    turn a product's taxes into the customer's taxes; the tax map applies to the
    result. A line of this matrix says which Xero tax rate that gives, and flags
    the combinations the map does not cover yet.
    """

    _name = "xero.tax.matrix"
    _description = "Xero tax matrix"
    _order = "position_name, tax_name"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    position_id = fields.Many2one("account.fiscal.position", "Fiscal position")
    position_name = fields.Char("Customers")
    tax_id = fields.Many2one("account.tax", "Product tax")
    tax_name = fields.Char("Product tax name")
    mapped_tax_ids = fields.Many2many("account.tax", string="Customer's taxes")
    map_id = fields.Many2one("xero.tax.map", "Tax map row")
    xero_tax_rate_id = fields.Many2one("xero.tax.rate", "Xero tax rate")
    state = fields.Selection(
        [("ok", "Mapped"), ("review", "To review"), ("missing", "No Xero tax rate")]
    )
    note = fields.Char()

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_build(self, connection):
        """The matrix of ``connection``'s company (replacing the previous one)."""
        self.search([("connection_id", "=", connection.id)]).unlink()
        company = connection.company_id
        taxes_model = self.env["account.tax"]
        taxes = taxes_model.search(
            [("type_tax_use", "=", "sale"), *taxes_model._check_company_domain(company)]
        )
        positions = self.env["account.fiscal.position"].search(
            self.env["account.fiscal.position"]._check_company_domain(company)
        )
        maps = self.env["xero.tax.map"]._xero_ensure(
            connection,
            [*taxes, *(position.map_tax(tax) for position in positions for tax in taxes)],
        )
        rows = []
        domestic = self.env._("Domestic (no fiscal position)")
        for position in (self.env["account.fiscal.position"], *positions):
            for tax in taxes:
                mapped = position.map_tax(tax) if position else tax
                rows.append(self._xero_row(connection, position, domestic, tax, mapped, maps))
        return self.create(rows)

    @api.model
    def _xero_row(self, connection, position, domestic, tax, mapped, maps):
        row = maps.get(self.env["xero.tax.map"]._xero_key(mapped))
        rate = row.xero_tax_rate_id if row else connection.no_tax_rate_id
        if row and row.state == "fixed":
            rate = connection.no_tax_rate_id
        state = "ok" if rate else "missing"
        if row and row.proposed:
            state = "review"
        return {
            "connection_id": connection.id,
            "position_id": position.id,
            "position_name": position.name or domestic,
            "tax_id": tax.id,
            "tax_name": tax.name,
            "mapped_tax_ids": [fields.Command.set(mapped.ids)],
            "map_id": row.id if row else False,
            "xero_tax_rate_id": rate.id,
            "state": state,
            "note": row.note if row and not rate else False,
        }
