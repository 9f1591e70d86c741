from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ business

    def _action_confirm(self):
        """A confirmed order makes its customer one that syncs with Xero."""
        result = super()._action_confirm()
        self.partner_id._xero_became_customer()
        return result
