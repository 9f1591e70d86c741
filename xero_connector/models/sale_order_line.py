from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    xero_stock_warning = fields.Char(
        "Xero stock", compute="_compute_xero_stock_warning", help="More than Xero has available."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("product_id", "product_uom_qty", "product_uom_id", "order_id.state")
    def _compute_xero_stock_warning(self):
        self.xero_stock_warning = False
        lines = self.filtered(
            lambda line: line.product_id and line.order_id.state in ("draft", "sent", "sale")
        )
        for company, mine in lines.grouped(lambda line: line.order_id.company_id).items():
            products = mine.product_id.with_company(company)
            items = products._xero_current_items()
            for line in mine:
                item = items.get(line.product_id.id)
                if not item or not item.tracked:
                    continue
                asked = line._xero_quantity_asked()
                if asked > item.quantity_available:
                    line.xero_stock_warning = self.env._(
                        "%(asked)s asked, %(available)s available in Xero",
                        asked=f"{asked:g}",
                        available=f"{item.quantity_available:g}",
                    )

    # ------------------------------------------------------------------ business

    def _xero_quantity_asked(self):
        """What the order asks of this line's product, in the product's unit (every line
        of the order with the product counts)."""
        self.ensure_one()
        same = self.order_id.order_line.filtered(lambda other: other.product_id == self.product_id)
        return sum(
            line.product_uom_id._compute_quantity(line.product_uom_qty, line.product_id.uom_id)
            for line in same
        )
