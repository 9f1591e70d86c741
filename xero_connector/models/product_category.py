from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..const import GROUP_MANAGER


class ProductCategory(models.Model):
    _inherit = "product.category"

    xero_sales_account_id = fields.Many2one(
        "xero.account",
        "Xero sales account",
        company_dependent=True,
        domain="[('status', '=', 'ACTIVE'), ('xero_class', '=', 'REVENUE'), "
        "('company_id', '=', current_company_id)]",
        groups=GROUP_MANAGER,
        help="Sales lines of this category's products go to this Xero account (instead of "
        "the connection's default); a product may name its own.",
    )

    # ------------------------------------------------------------------ constraints

    @api.constrains("xero_sales_account_id")
    def _check_xero_sales_account(self):
        for category in self.sudo():
            account = category.xero_sales_account_id
            problem = account and account._xero_sales_problem()
            if problem:
                raise ValidationError(problem)

    # ------------------------------------------------------------------ business

    def _xero_sales_account(self):
        """This category's Xero sales account, or its parent's (none without a category)."""
        category = self.sudo()[:1]
        while category:
            if category.xero_sales_account_id:
                return category.xero_sales_account_id
            category = category.parent_id
        return self.env["xero.account"]
