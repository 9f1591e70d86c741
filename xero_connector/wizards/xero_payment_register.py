from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from ..const import GROUP_USER
from ..tools.actions import SOFT_RELOAD, notification


class XeroPaymentRegister(models.TransientModel):
    """Record in Xero a payment the customer made for an order (a transfer, a cheque,
    cash): it goes against the order's approved invoices, oldest first."""

    _name = "xero.payment.register"
    _description = "Record a payment in Xero"
    _check_company_auto = True

    # ------------------------------------------------------------------ fields

    order_id = fields.Many2one("sale.order", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="order_id.company_id")
    currency_id = fields.Many2one(related="order_id.currency_id")
    connection_id = fields.Many2one("xero.connection", compute="_compute_connection_id")
    amount_due = fields.Monetary("Due in Xero", compute="_compute_amount_due")
    amount = fields.Monetary(
        compute="_compute_amount", store=True, readonly=False, precompute=True, required=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    journal_id = fields.Many2one(
        "account.journal",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
    )
    memo = fields.Char("Reference / memo", help="What the customer wrote on the payment.")
    xero_account_id = fields.Many2one(
        "xero.account", "Xero account", compute="_compute_xero_account_id"
    )

    # ------------------------------------------------------------------ compute

    @api.depends("order_id")
    def _compute_connection_id(self):
        for wizard in self:
            wizard.connection_id = wizard.order_id.company_id.sudo()._xero_connection()

    @api.depends("order_id", "connection_id")
    def _compute_amount_due(self):
        payments = self.env["xero.order.payment"]
        for wizard in self:
            invoices = payments._xero_open_invoices_of(wizard.order_id, wizard.connection_id)
            wizard.amount_due = sum(invoices.xero_invoice_id.mapped("amount_due"))

    @api.depends("amount_due")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.amount_due

    @api.depends("company_id")
    def _compute_journal_id(self):
        for wizard in self:
            wizard.journal_id = self.env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", wizard.company_id.id)], limit=1
            )

    @api.depends("journal_id", "connection_id")
    def _compute_xero_account_id(self):
        for wizard in self:
            account = wizard.journal_id.sudo().xero_account_id
            if account.connection_id != wizard.connection_id:
                account = wizard.connection_id.sudo().payment_account_id
            wizard.xero_account_id = account

    # ------------------------------------------------------------------ actions

    def action_record(self):
        """Record the payment: it is queued for Xero, and the order says when Xero has it."""
        self.ensure_one()
        self._check_recordable()
        payment = (
            self.env["xero.order.payment"]
            .sudo()
            .create(
                {
                    "order_id": self.order_id.id,
                    "connection_id": self.connection_id.id,
                    "currency_id": self.currency_id.id,
                    "amount": self.amount,
                    "date": self.date,
                    "journal_id": self.journal_id.id,
                    "memo": self.memo,
                }
            )
        )
        return notification(
            self.env._("Xero"),
            self.env._(
                "%s queued for Xero: it is recorded against the order's invoice within seconds.",
                payment.display_name,
            ),
            "info",
            then=SOFT_RELOAD,
        )

    # ------------------------------------------------------------------ business

    def _check_recordable(self):
        """Refuse at once what Xero would refuse: no invoice to pay, more than is due, no
        Xero bank account."""
        if not self.env.user.has_group(GROUP_USER):
            raise AccessError(self.env._("Only Xero users can record payments in Xero."))
        self.order_id.check_access("read")
        payments = self.env["xero.order.payment"]
        connection = self.connection_id.sudo()
        if connection.state == "draft" or not payments._xero_enabled(connection):
            raise UserError(
                self.env._(
                    "%s does not invoice its orders in Xero (Settings > Xero > Invoices): record "
                    "the payment in Xero itself.",
                    self.company_id.name,
                )
            )
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            raise UserError(self.env._("Enter the amount the customer paid."))
        if float_compare(self.amount, self.amount_due, self.currency_id.decimal_places) > 0:
            raise UserError(
                self.env._(
                    "Xero says %(due)s is due on %(order)s: record at most that. Record what the "
                    "customer paid beyond it in Xero, as an overpayment.",
                    due=self.currency_id.format(self.amount_due),
                    order=self.order_id.name,
                )
            )
        if not self.xero_account_id:
            raise UserError(
                self.env._(
                    "Map the journal %s to a Xero bank account: choose its Xero account on the "
                    "journal (Accounting > Configuration > Journals), or a default payment "
                    "account on the Xero connection (Xero > Configuration > Connections, "
                    "Invoices tab).",
                    self.journal_id.name or "-",
                )
            )
