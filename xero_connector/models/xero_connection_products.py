from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..const import GROUP_MANAGER
from ..tools.actions import notification


class XeroConnection(models.Model):
    """Products and Xero's items, the accounts and tax rates their lines use, Xero's
    stock and who hears of it running low."""

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

    product_rule_ids = fields.One2many(
        "xero.field.rule",
        "connection_id",
        "Product fields",
        domain=[("res_model", "=", "product.product")],
    )
    sync_products = fields.Boolean(
        "Sync products",
        help="Products in Odoo and items in Xero are kept in sync through the queue; the "
        "internal reference is the item code.",
    )
    product_conflict = fields.Selection(
        [("last", "The last change wins"), ("odoo", "Odoo wins"), ("xero", "Xero wins")],
        "When both sides changed a product",
        default="odoo",
        required=True,
    )
    product_create_in_odoo = fields.Boolean(
        "Create new Xero items in Odoo",
        default=True,
        help="A Xero item whose code and name match no product becomes a product in Odoo.",
    )
    sales_account_id = fields.Many2one(
        "xero.account",
        "Default sales account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('xero_class', '=', 'REVENUE')]",
        help="The Xero account of sales lines, unless the product or its category names one.",
    )
    purchase_account_id = fields.Many2one(
        "xero.account",
        "Purchase account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('xero_class', 'in', ('EXPENSE', 'ASSET'))]",
        help="The Xero account of purchases of products that are purchased (not tracked).",
    )
    inventory_account_id = fields.Many2one(
        "xero.account",
        "Inventory asset account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('account_type', '=', 'INVENTORY')]",
        help="Products tracked in Xero keep their stock value on this account.",
    )
    cogs_account_id = fields.Many2one(
        "xero.account",
        "Cost of goods sold account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('xero_class', '=', 'EXPENSE')]",
        help="Xero moves the average cost of a tracked product sold to this account.",
    )
    no_tax_rate_id = fields.Many2one(
        "xero.tax.rate",
        "Tax rate of lines without tax",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), "
        "('can_apply_revenue', '=', True), ('effective_rate', '=', 0)]",
        help="Xero needs a tax type on every line: lines without any Odoo tax carry this "
        "zero-rated or no-tax rate.",
    )
    allow_backorders = fields.Boolean(
        "Invoice more than Xero has in stock",
        help="Xero's allowBackorders: an invoice may take a tracked item below zero; the "
        "rest is on back order. Without it, Xero refuses such an invoice.",
    )
    low_stock_threshold = fields.Float(
        "Low stock at",
        digits="Product Unit",
        help="Default threshold of products tracked in Xero: when the quantity available "
        "falls to it, the responsible people are told once.",
    )
    low_stock_notify = fields.Selection(
        [("responsible", "The product's responsible"), ("team", "A sales team")],
        "Tell about low stock",
        default="responsible",
        required=True,
    )
    low_stock_team_id = fields.Many2one("crm.team", "Sales team told about low stock")
    tax_map_ids = fields.One2many("xero.tax.map", "connection_id", "Tax map")

    # ------------------------------------------------------------------ constraints

    @api.constrains("sales_account_id", "no_tax_rate_id")
    def _check_xero_sales_account(self):
        for connection in self.filtered("sales_account_id"):
            problem = connection.sales_account_id._xero_sales_problem(connection.no_tax_rate_id)
            if problem:
                raise ValidationError(problem)

    # ------------------------------------------------------------------ actions

    def action_xero_refresh_reference(self):
        """Read Xero's tax rates, accounts, currencies, branding themes and tracking
        categories now."""
        self.ensure_one()
        self._check_xero_manager()
        counts = self._xero_guarded(
            lambda: self.env["xero.reference.mixin"]._xero_refresh_all(
                self, force=True, purpose="fetch"
            )
        )
        self.env["xero.tax.map"].sudo()._xero_propose_all(self)
        return notification(
            self.env._("Xero"),
            self.env._(
                "Read from Xero: %(rates)s tax rates, %(accounts)s accounts, %(currencies)s "
                "currencies, %(themes)s branding themes, %(tracking)s tracking categories.",
                rates=counts.get("xero.tax.rate", 0),
                accounts=counts.get("xero.account", 0),
                currencies=counts.get("xero.currency", 0),
                themes=counts.get("xero.branding.theme", 0),
                tracking=counts.get("xero.tracking.category", 0),
            ),
            "success",
        )

    def action_open_tax_map(self):
        """The tax map, with a proposal for every sales tax not mapped yet."""
        self.ensure_one()
        self._check_xero_manager()
        self.env["xero.tax.map"].sudo()._xero_propose_all(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_connector.action_xero_tax_map")
        action["domain"] = [("connection_id", "=", self.id)]
        action["context"] = {"default_connection_id": self.id}
        return action

    def action_open_tax_matrix(self):
        """Per fiscal position and product tax, the Xero tax type a line will carry."""
        self.ensure_one()
        self._check_xero_manager()
        self.env["xero.tax.matrix"].sudo()._xero_build(self)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_tax_matrix"
        )
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ business

    def _xero_low_stock_users(self, template):
        """Who is told that a product's stock in Xero is low: the product's responsible
        (Inventory's, else the Xero managers of the company), or a sales team."""
        self.ensure_one()
        if self.low_stock_notify == "team" and self.low_stock_team_id:
            team = self.low_stock_team_id
            return (team.user_id | team.member_ids).filtered("active")
        # Inventory's field, when the Inventory app is installed
        responsible = template._fields.get("responsible_id") and template.responsible_id
        if responsible:
            return responsible
        return self.env.ref(GROUP_MANAGER).all_user_ids.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
