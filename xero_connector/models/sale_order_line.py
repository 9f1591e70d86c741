from collections import defaultdict

from odoo import api, fields, models

from ..const import GROUP_USER

# changes of a confirmed order's line that its Xero invoice follows
# what makes a Xero document count, or no longer count, in what a line invoiced
DOCUMENT_STATES = (
    "xero_invoice_line_ids.invoice_id.status",
    "xero_invoice_line_ids.invoice_id.state",
    "xero_invoice_line_ids.credit_note_id.xero_status",
    "xero_invoice_line_ids.credit_note_id.state",
    "xero_invoice_line_ids.template_id.subscription_id.state",
    "xero_invoice_line_ids.template_id.subscription_id.template_id",
)
XERO_EDITS = {
    "xero_recurring",
    "product_uom_qty",
    "product_uom_id",
    "price_unit",
    "discount",
    "tax_ids",
    "name",
    "product_id",
}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # ------------------------------------------------------------------ fields

    xero_stock_warning = fields.Char(
        "Xero stock", compute="_compute_xero_stock_warning", help="More than Xero has available."
    )
    xero_invoice_line_ids = fields.One2many(
        "xero.order.invoice.line",
        "sale_line_id",
        "Xero invoice lines",
        groups=GROUP_USER,
        copy=False,
    )
    xero_recurring = fields.Boolean(
        "Recurring",
        compute="_compute_xero_recurring",
        store=True,
        readonly=False,
        precompute=True,
        help="Billed every period by the order's Xero subscription (a repeating invoice), "
        "not once.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends("product_id")
    def _compute_xero_recurring(self):
        for line in self:
            line.xero_recurring = bool(line.product_id.product_tmpl_id.xero_recurring)

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

    @api.depends("xero_invoice_line_ids.quantity", *DOCUMENT_STATES)
    def _compute_qty_invoiced(self):
        return super()._compute_qty_invoiced()

    def _prepare_qty_invoiced(self):
        """Odoo's invoiced quantities, and what Xero invoices of the order invoiced."""
        quantities = super()._prepare_qty_invoiced()
        for line, quantity in self._xero_invoiced().items():
            quantities[line] += quantity
        return quantities

    @api.depends("xero_invoice_line_ids.quantity", *DOCUMENT_STATES)
    def _compute_qty_invoiced_posted(self):
        result = super()._compute_qty_invoiced_posted()
        for line, quantity in self._xero_invoiced(posted=True).items():
            line.qty_invoiced_posted += quantity
        return result

    @api.depends("xero_invoice_line_ids.price_subtotal", *DOCUMENT_STATES)
    def _compute_untaxed_amount_invoiced(self):
        result = super()._compute_untaxed_amount_invoiced()
        for line, amount in self._xero_invoiced(posted=True, field="price_subtotal").items():
            line.untaxed_amount_invoiced += amount
        return result

    @api.depends("xero_invoice_line_ids.price_total", *DOCUMENT_STATES)
    def _compute_amount_invoiced(self):
        result = super()._compute_amount_invoiced()
        for line, amount in self._xero_invoiced(posted=True, field="price_total").items():
            line.amount_invoiced += amount
        return result

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._xero_lines_edited(lines.order_id)
        return lines

    def write(self, vals):
        result = super().write(vals)
        if XERO_EDITS & set(vals):
            self._xero_lines_edited(self.order_id)
        return result

    def unlink(self):
        orders = self.order_id
        result = super().unlink()
        self._xero_lines_edited(orders.exists())
        return result

    # ------------------------------------------------------------------ business

    def _xero_lines_edited(self, orders):
        """Lines changed on their own (not by a save of their order, which tells Xero
        once for all its lines)."""
        if not self.env.context.get("xero_order_write"):
            orders._xero_edited()

    def _xero_invoiced(self, posted=False, field="quantity"):
        """{line: what the order's Xero documents invoiced of it}: invoices add, credit
        notes take off; voided, deleted or cancelled ones do not count, nor (``posted``)
        the ones not approved in Xero. Quantities are in the line's unit."""
        lines = self.sudo().filtered("id")
        result = defaultdict(float)
        for document_line in lines.xero_invoice_line_ids:
            sign = document_line._xero_sign(posted)
            if not sign:
                continue
            line = document_line.sale_line_id
            if field == "quantity":
                value = document_line._xero_quantity_and_price(line.product_uom_id)[0]
            else:
                value = document_line[field]
            result[self.browse(line.id)] += sign * value
        return result

    def _xero_quantity_to_invoice(self):
        """What this line puts on the next invoice: none for a section or a note, nor for
        a recurring line (its subscription's repeating invoice bills it)."""
        self.ensure_one()
        return 0.0 if self.display_type or self.xero_recurring else self.qty_to_invoice

    def _xero_quantity_asked(self):
        """What the order asks of this line's product, in the product's unit (every line
        of the order with the product counts)."""
        self.ensure_one()
        same = self.order_id.order_line.filtered(lambda other: other.product_id == self.product_id)
        return sum(
            line.product_uom_id._compute_quantity(line.product_uom_qty, line.product_id.uom_id)
            for line in same
        )

    def _xero_invoice_line_values(self, quantity, amounts=None, values=None):
        """The values of the Xero document line of ``quantity`` of this line, with
        Odoo's (subtotal, total) of it; ``values``: the unit, price, discount and taxes
        when not the line's own (a credit of what was invoiced at another price), the
        price exactly as the line holds it."""
        self.ensure_one()
        subtotal, total = amounts or (0.0, 0.0)
        values = values or {}
        display_type = self.display_type and (
            "line_note" if self.display_type == "line_note" else "line_section"
        )
        taxes = values.get("tax_ids", self.tax_ids)
        return {
            "sale_line_id": self.id,
            "sequence": self.sequence,
            "display_type": display_type or False,
            "name": self.name,
            "product_id": self.product_id.id,
            "product_uom_id": values.get("product_uom_id", self.product_uom_id).id,
            "quantity": quantity,
            "price_unit": values.get("price_unit", self.price_unit),
            "discount": values.get("discount", self.discount),
            "tax_ids": [fields.Command.set(taxes.ids)],
            "price_subtotal": subtotal,
            "price_total": total,
            "is_down_payment": self.is_downpayment,
        }
