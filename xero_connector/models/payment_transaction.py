from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    # ------------------------------------------------------------------ business

    def _post_process(self):
        """Override of `sale` to record in Xero, once, what the confirmed transactions
        collected for orders (after the orders are confirmed, and invoiced in Xero when
        the company invoices on confirmation)."""
        result = super()._post_process()
        done = self.filtered(lambda tx: tx.state == "done")
        if done:
            self.env["xero.order.payment"].sudo()._xero_from_transactions(done)
        return result
