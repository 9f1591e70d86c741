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

    def _set_error(self, state_message, extra_allowed_states=()):
        """Override of `payment`: a failed online payment of a subscription is followed
        up."""
        failed = super()._set_error(state_message, extra_allowed_states=extra_allowed_states)
        self.env["xero.order.invoice"].sudo()._xero_payments_failed(failed)
        return failed

    def _set_canceled(self, state_message=None, extra_allowed_states=()):
        """Override of `payment`: a cancelled online payment of a subscription is followed
        up."""
        cancelled = super()._set_canceled(
            state_message=state_message, extra_allowed_states=extra_allowed_states
        )
        self.env["xero.order.invoice"].sudo()._xero_payments_failed(cancelled)
        return cancelled
