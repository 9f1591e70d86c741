from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # ------------------------------------------------------------------ fields

    xero_connection_ids = fields.One2many("xero.connection", "company_id", "Xero connections")

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._xero_ensure_connection()
        return companies

    # ------------------------------------------------------------------ business

    def _xero_ensure_connection(self):
        """Every company has its (draft) Xero connection: the settings edit it in place.
        Made when a company is created or the addon installed, and by the settings'
        buttons for a company whose connection was archived; never on reading."""
        connections_sudo = self.env["xero.connection"].sudo()
        for company in self:
            if not connections_sudo.search_count([("company_id", "=", company.id)], limit=1):
                connections_sudo.create({"company_id": company.id})

    def _xero_connection(self):
        """The company's active connection, or an empty recordset: reading never creates."""
        self.ensure_one()
        return self.env["xero.connection"].search([("company_id", "=", self.id)], limit=1)
