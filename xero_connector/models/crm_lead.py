from odoo import api, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._xero_customers_changed()
        return leads

    def write(self, vals):
        result = super().write(vals)
        if {"partner_id", "type", "active"} & set(vals):
            self._xero_customers_changed()
        return result

    # ------------------------------------------------------------------ business

    def _xero_customers_changed(self):
        """An opportunity makes its customer one that syncs with Xero."""
        opportunities = self.filtered(lambda lead: lead.type == "opportunity" and lead.active)
        opportunities.partner_id._xero_became_customer()
