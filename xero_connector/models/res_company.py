from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    xero_connection_ids = fields.One2many("xero.connection", "company_id", "Xero connections")

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._xero_ensure_connection()
        return companies

    def _xero_ensure_connection(self):
        """Every company has its (draft) Xero connection: the settings edit it in place."""
        connections = self.env["xero.connection"].sudo()
        for company in self:
            if not connections.search_count([("company_id", "=", company.id)], limit=1):
                connections.create({"company_id": company.id})

    def _xero_connection(self):
        """The company's active connection (created in draft if a company still lacks one)."""
        self.ensure_one()
        connection = self.env["xero.connection"].search([("company_id", "=", self.id)], limit=1)
        if not connection:
            self._xero_ensure_connection()
            connection = self.env["xero.connection"].search([("company_id", "=", self.id)], limit=1)
        return connection
