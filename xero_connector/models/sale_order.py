from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    xero_stock_warning = fields.Text(
        "Stock in Xero",
        compute="_compute_xero_stock_warning",
        help="Lines asking more than Xero has.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends("order_line.xero_stock_warning")
    def _compute_xero_stock_warning(self):
        for order in self:
            short = order.order_line.filtered("xero_stock_warning")
            if not short:
                order.xero_stock_warning = False
                continue
            connection = order.company_id.sudo()._xero_connection()
            then = (
                self.env._("Xero puts the rest on back order when the order is invoiced.")
                if connection.allow_backorders
                else self.env._(
                    "Xero refuses to invoice more than it has in stock: receive the stock in "
                    "Xero first, or allow back orders in Settings > Xero > Products."
                )
            )
            lines = "; ".join(
                f"{line.product_id.display_name}: {line.xero_stock_warning}"
                for line in short.grouped("product_id").values()
                for line in line[:1]
            )
            order.xero_stock_warning = self.env._(
                "Not enough stock in Xero. %(lines)s. %(then)s", lines=lines, then=then
            )

    # ------------------------------------------------------------------ business

    def _action_confirm(self):
        """A confirmed order makes its customer one that syncs with Xero."""
        result = super()._action_confirm()
        self.partner_id._xero_became_customer()
        return result
