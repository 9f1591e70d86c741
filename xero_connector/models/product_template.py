from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import GROUP_MANAGER, GROUP_USER
from ..tools.schedule import UNITS
from .xero_sync_outbound import SYNC_STATES

# the variant's Xero fields a template with one variant shows as its own
VARIANT_FIELDS = (
    "xero_tracked",
    "xero_quantity_on_hand",
    "xero_quantity_available",
    "xero_quantity_on_back_order",
    "xero_stock_updated",
    "xero_stock_note",
    "xero_sync_state",
    "xero_last_sync",
    "xero_last_error",
    "xero_url",
)


class ProductTemplate(models.Model):
    _inherit = "product.template"

    xero_sales_account_id = fields.Many2one(
        "xero.account",
        "Xero sales account",
        company_dependent=True,
        domain="[('status', '=', 'ACTIVE'), ('xero_class', '=', 'REVENUE'), "
        "('company_id', '=', current_company_id)]",
        groups=GROUP_MANAGER,
        help="Overrides the account of the product's category and the connection's default.",
    )
    xero_track_inventory = fields.Boolean(
        "Track stock in Xero",
        company_dependent=True,
        groups=GROUP_MANAGER,
        help="Xero keeps this item's quantity and value; it needs the inventory asset and "
        "cost of goods sold accounts of Settings > Xero > Products and stock.",
    )
    xero_recurring = fields.Boolean(
        "Subscription",
        help="Sold as a subscription: on a quotation, its line is billed every period by a "
        "Xero repeating invoice.",
    )
    xero_recurring_interval = fields.Integer("Billed every", default=1)
    xero_recurring_unit = fields.Selection(UNITS, "Billing period", default="month")
    xero_low_stock_threshold = fields.Float(
        "Low stock in Xero at",
        company_dependent=True,
        digits="Product Unit",
        help="When the quantity available in Xero falls to this, the responsible people are "
        "told once. 0: the default of Settings > Xero > Products and stock.",
    )

    # the single variant's Xero state
    xero_tracked = fields.Boolean("Tracked in Xero", compute="_compute_xero_variant")
    xero_quantity_on_hand = fields.Float(
        "On hand in Xero", compute="_compute_xero_variant", digits="Product Unit"
    )
    xero_quantity_available = fields.Float(
        "Available in Xero", compute="_compute_xero_variant", digits="Product Unit"
    )
    xero_quantity_on_back_order = fields.Float(
        "On back order in Xero", compute="_compute_xero_variant", digits="Product Unit"
    )
    xero_stock_updated = fields.Datetime("Stock read from Xero", compute="_compute_xero_variant")
    xero_stock_note = fields.Char("Two stock figures", compute="_compute_xero_variant")
    xero_sync_state = fields.Selection(
        SYNC_STATES, "Xero sync", compute="_compute_xero_variant", groups=GROUP_USER
    )
    xero_last_sync = fields.Datetime(
        "Last Xero sync", compute="_compute_xero_variant", groups=GROUP_USER
    )
    xero_last_error = fields.Text("Xero error", compute="_compute_xero_variant", groups=GROUP_USER)
    xero_url = fields.Char("Open in Xero", compute="_compute_xero_variant", groups=GROUP_USER)
    xero_line_preview = fields.Html(
        "Xero invoice line",
        compute="_compute_xero_line_preview",
        sanitize=False,
        groups=GROUP_USER,
        help="The line one unit of the product (as saved) at its list price makes on a "
        "Xero invoice, for customers without a fiscal position and for each fiscal "
        "position: worked out in Odoo by the code that makes invoices, without asking Xero.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends_context("company")
    @api.depends("product_variant_ids")
    def _compute_xero_variant(self):
        user = self.env.user.has_group(GROUP_USER)
        names = [n for n in VARIANT_FIELDS if user or not self._fields[n].groups]
        for template in self:
            variant = (
                template.product_variant_ids[:1] if template.product_variant_count == 1 else None
            )
            for name in VARIANT_FIELDS:
                template[name] = variant[name] if variant and name in names else False

    @api.depends_context("company")
    def _compute_xero_line_preview(self):
        """The single variant's preview (a product with variants shows each variant's)."""
        for template in self:
            saved = template._origin
            variant = saved.product_variant_ids if saved.product_variant_count == 1 else None
            template.xero_line_preview = variant.xero_line_preview if variant else False

    # ------------------------------------------------------------------ constraints

    @api.constrains("xero_sales_account_id")
    def _check_xero_sales_account(self):
        """A product's own Xero account must take the Xero tax rate of its taxes."""
        for product in self.sudo().product_variant_ids:
            account = product.product_tmpl_id.xero_sales_account_id
            problem = account and product._xero_account_problem()
            if problem:
                raise ValidationError(problem)

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        # checked again now that the variants exist
        templates.sudo().filtered("xero_sales_account_id")._check_xero_sales_account()
        return templates

    def write(self, vals):
        result = super().write(vals)
        synced = self.env["product.product"]._xero_synced_fields
        if not self.env.context.get("xero_inbound") and set(vals) & set(synced):
            self.with_context(active_test=False).product_variant_ids._xero_changed()
        return result

    # ------------------------------------------------------------------ actions

    def action_xero_resync(self):
        """Resync the product's variants with Xero."""
        return self.product_variant_ids.action_xero_resync()

    def action_xero_test_invoice(self):
        """Send a test invoice of the product to Xero as a draft, then delete it (a
        product with variants: from a variant's form)."""
        self.ensure_one()
        if self.product_variant_count != 1:
            raise UserError(
                self.env._("%s has variants: send the test invoice from a variant.", self.name)
            )
        return self.product_variant_ids.action_xero_test_invoice()
