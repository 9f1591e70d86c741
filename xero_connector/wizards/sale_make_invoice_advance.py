from odoo import models
from odoo.exceptions import UserError

from ..const import GROUP_USER
from ..tools.actions import SOFT_RELOAD, notification


class SaleAdvancePaymentInv(models.TransientModel):
    """Odoo's Create Invoice, for a company that invoices in Xero: the same choices
    (what is to invoice, a down payment, deducting down payments), made in Xero."""

    _inherit = "sale.advance.payment.inv"

    # ------------------------------------------------------------------ actions

    def create_invoices(self):
        if not self._xero_invoicing():
            return super().create_invoices()
        self._check_amount_is_positive()
        invoices = self._create_invoices(self.sale_order_ids)
        if self.env.user.has_group(GROUP_USER) and len(self.sale_order_ids) == 1:
            return self.sale_order_ids.action_xero_view_invoices()
        return notification(
            self.env._("Xero"),
            self.env._(
                "%s Xero invoice(s) queued: they are in Xero within seconds.", len(invoices)
            ),
            then=SOFT_RELOAD,
        )

    # ------------------------------------------------------------------ business

    def _xero_invoicing(self, orders=None):
        """Whether the orders are invoiced in Xero (their companies all invoice there)."""
        self.ensure_one()
        companies = (orders or self.sale_order_ids).company_id or self.company_id
        in_xero = {
            bool((connection := company.sudo()._xero_connection()) and connection.sync_invoices)
            for company in companies
        }
        if len(in_xero) > 1:
            raise UserError(
                self.env._(
                    "Some of these orders are invoiced in Xero and others in Odoo (their "
                    "companies differ): invoice them company by company."
                )
            )
        return in_xero == {True}

    def _create_invoices(self, sale_orders):
        """Xero invoices instead of Odoo's, for a company that invoices in Xero."""
        self.ensure_one()
        if not self._xero_invoicing(sale_orders):
            return super()._create_invoices(sale_orders)
        if self.advance_payment_method == "delivered":
            invoices, skipped = sale_orders._xero_make_invoices(final=self.deduct_down_payments)
            if not invoices:
                raise UserError(" ".join(skipped.values()))
            return invoices
        return self._xero_down_payment(sale_orders)

    def _xero_down_payment(self, sale_orders):
        """Odoo's down payment lines on the order, invoiced in Xero (one each)."""
        sale_orders.ensure_one()
        order = sale_orders.with_company(self.company_id)
        connection = order.company_id.sudo()._xero_connection()
        reason = order._xero_invoice_blocker(connection)
        if reason:
            raise UserError(reason)
        taxes = self.env["account.tax"]
        base_lines = [
            line._prepare_base_line_for_taxes_computation()
            for line in order.order_line.filtered(lambda line: not line.display_type)
        ]
        taxes._add_tax_details_in_base_lines(base_lines, order.company_id)
        taxes._round_base_lines_tax_details(base_lines, order.company_id)
        percentage = self.advance_payment_method == "percentage"
        down_payment_lines = taxes._prepare_down_payment_lines(
            base_lines=base_lines,
            company=self.company_id,
            amount_type="percent" if percentage else "fixed",
            amount=self.amount if percentage else self.fixed_amount,
            computation_key=f"down_payment,{self.id}",
        )
        order._xero_lock()
        order._create_down_payment_section_line_if_needed()
        lines = order._create_down_payment_lines_from_base_lines(down_payment_lines)
        values = (
            self.env["xero.order.invoice"]
            .sudo()
            ._xero_values(connection, order, dict.fromkeys(lines, 1.0), down_payment=True)
        )
        return order._xero_queue_invoices([values])
