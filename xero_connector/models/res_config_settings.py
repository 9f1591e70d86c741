from odoo import api, fields, models

from ..const import GROUP_SYSTEM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # ------------------------------------------------------------------ fields

    xero_connection_id = fields.Many2one("xero.connection", compute="_compute_xero_connection_id")
    xero_mode = fields.Selection(related="xero_connection_id.mode", readonly=False)
    xero_sandbox_url = fields.Char(related="xero_connection_id.sandbox_url", readonly=False)
    xero_client_id = fields.Char(
        related="xero_connection_id.client_id", readonly=False, groups=GROUP_SYSTEM
    )
    xero_client_secret = fields.Char(
        related="xero_connection_id.client_secret", readonly=False, groups=GROUP_SYSTEM
    )
    xero_state = fields.Selection(related="xero_connection_id.state")
    xero_tenant_name = fields.Char(related="xero_connection_id.tenant_name")
    xero_base_currency = fields.Char(related="xero_connection_id.base_currency")
    xero_minute_calls_left = fields.Integer(related="xero_connection_id.minute_calls_left")
    xero_day_calls_left = fields.Integer(related="xero_connection_id.day_calls_left")
    xero_day_calls_as_of = fields.Char(related="xero_connection_id.day_calls_as_of")
    xero_last_call_at = fields.Datetime(related="xero_connection_id.last_call_at")
    xero_last_error = fields.Text(related="xero_connection_id.last_error")
    xero_currency_warning = fields.Char(related="xero_connection_id.currency_warning")
    xero_sync_contacts = fields.Boolean(related="xero_connection_id.sync_contacts", readonly=False)
    xero_sync_products = fields.Boolean(related="xero_connection_id.sync_products", readonly=False)
    xero_day_limit = fields.Integer(related="xero_connection_id.day_limit", readonly=False)
    xero_webhook_url = fields.Char(related="xero_connection_id.webhook_url")
    xero_webhook_key = fields.Char(
        related="xero_connection_id.webhook_key", readonly=False, groups=GROUP_SYSTEM
    )
    # products and stock: what the connection's Products tab holds that messages point to
    xero_sales_account_id = fields.Many2one(
        related="xero_connection_id.sales_account_id",
        readonly=False,
        domain="[('connection_id', '=', xero_connection_id), ('status', '=', 'ACTIVE'), "
        "('xero_class', '=', 'REVENUE')]",
    )
    xero_inventory_account_id = fields.Many2one(
        related="xero_connection_id.inventory_account_id",
        readonly=False,
        domain="[('connection_id', '=', xero_connection_id), ('status', '=', 'ACTIVE'), "
        "('account_type', '=', 'INVENTORY')]",
    )
    xero_cogs_account_id = fields.Many2one(
        related="xero_connection_id.cogs_account_id",
        readonly=False,
        domain="[('connection_id', '=', xero_connection_id), ('status', '=', 'ACTIVE'), "
        "('xero_class', '=', 'EXPENSE')]",
    )
    xero_allow_backorders = fields.Boolean(
        related="xero_connection_id.allow_backorders", readonly=False
    )
    xero_low_stock_threshold = fields.Float(
        related="xero_connection_id.low_stock_threshold", readonly=False
    )
    # invoicing: the connection's Invoices tab, here with the rest (one field, two places)
    xero_sync_invoices = fields.Boolean(related="xero_connection_id.sync_invoices", readonly=False)
    xero_invoice_trigger = fields.Selection(
        related="xero_connection_id.invoice_trigger", readonly=False
    )
    xero_invoice_stage_id = fields.Many2one(
        related="xero_connection_id.invoice_stage_id", readonly=False
    )
    xero_invoice_without_order = fields.Selection(
        related="xero_connection_id.invoice_without_order", readonly=False
    )
    xero_invoice_revenue_product_id = fields.Many2one(
        related="xero_connection_id.invoice_revenue_product_id", readonly=False
    )
    xero_invoice_status = fields.Selection(
        related="xero_connection_id.invoice_status", readonly=False
    )
    xero_invoice_email = fields.Selection(
        related="xero_connection_id.invoice_email", readonly=False
    )
    xero_invoice_number_from = fields.Selection(
        related="xero_connection_id.invoice_number_from", readonly=False
    )
    # the connection's domains name its own id: here it is xero_connection_id
    xero_rounding_account_id = fields.Many2one(
        related="xero_connection_id.rounding_account_id",
        readonly=False,
        domain="[('connection_id', '=', xero_connection_id), ('status', '=', 'ACTIVE')]",
    )
    xero_deposit_account_id = fields.Many2one(
        related="xero_connection_id.deposit_account_id",
        readonly=False,
        domain="[('connection_id', '=', xero_connection_id), ('status', '=', 'ACTIVE')]",
    )
    xero_payment_account_id = fields.Many2one(
        related="xero_connection_id.payment_account_id",
        readonly=False,
        domain="[('connection_id', '=', xero_connection_id), ('status', '=', 'ACTIVE'), '|', "
        "('account_type', '=', 'BANK'), ('enable_payments', '=', True)]",
    )
    xero_branding_theme_id = fields.Many2one(
        related="xero_connection_id.branding_theme_id",
        readonly=False,
        domain="[('connection_id', '=', xero_connection_id)]",
    )
    xero_share_figures = fields.Boolean(related="xero_connection_id.share_figures", readonly=False)
    xero_log_days = fields.Integer(
        "Keep the log (days)", config_parameter="xero_connector.log_days", default=90
    )

    # ------------------------------------------------------------------ compute

    @api.depends("company_id")
    def _compute_xero_connection_id(self):
        for settings in self:
            settings.xero_connection_id = settings.company_id._xero_connection()

    # ------------------------------------------------------------------ actions

    def action_xero_open_connection(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "xero.connection",
            "res_id": self._xero_ensured_connection().id,
            "view_mode": "form",
        }

    def action_xero_connect(self):
        return self._xero_ensured_connection().action_xero_connect()

    def action_xero_test(self):
        return self._xero_ensured_connection().action_xero_test()

    def action_xero_disconnect(self):
        return self._xero_ensured_connection().action_xero_disconnect()

    def action_xero_use_sandbox(self):
        return self._xero_ensured_connection().action_xero_use_sandbox()

    def action_xero_pause(self):
        return self._xero_ensured_connection().action_xero_pause()

    def action_xero_resume(self):
        return self._xero_ensured_connection().action_xero_resume()

    # ------------------------------------------------------------------ business

    def _xero_ensured_connection(self):
        """The company's connection, made first if it was archived (a button was
        clicked: reading the settings never makes one)."""
        self.ensure_one()
        if not self.xero_connection_id:
            self.company_id._xero_ensure_connection()
            self.invalidate_recordset(["xero_connection_id"])
        return self.xero_connection_id
