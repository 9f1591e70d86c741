from odoo import fields, models


class XeroConnection(models.Model):
    """Getting paid: where payments taken in Odoo go in Xero, what a payment starts,
    the customer's view of an invoice, overdue alerts and the credit hold."""

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

    payment_account_id = fields.Many2one(
        "xero.account",
        "Default payment account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE'), '|', "
        "('account_type', '=', 'BANK'), ('enable_payments', '=', True)]",
        help="The Xero bank (or clearing) account of payments taken in Odoo whose payment "
        "provider or journal names none.",
    )
    payment_activity = fields.Selection(
        [
            ("none", "No activity"),
            ("first", "At the first payment"),
            ("paid", "When the order is paid in full"),
        ],
        "Start fulfilment",
        default="none",
        required=True,
        help="A payment Xero recorded is always told to the order's salesperson; this also "
        "schedules a Start fulfilment activity for them, once per order.",
    )
    view_history_share = fields.Integer(
        "Share of the day's calls for Viewed (%)",
        default=5,
        help="Xero has no Viewed status: for sent, unpaid invoices of orders, Xero's history "
        "of the invoice is read for the customer's visit to the online invoice, within this "
        "share of the day's calls (0 = never; the pay link sent by Odoo tells it anyway).",
    )
    # overdue invoices: alerts to sales people, and the credit hold of orders
    overdue_alerts = fields.Boolean(
        "Overdue alerts",
        default=True,
        help="Once an order's Xero invoice is overdue, its salesperson gets an activity on "
        "the order (once); it is marked done by itself when Xero says the invoice is paid.",
    )
    overdue_escalation_days = fields.Integer(
        "Escalate after (days)",
        help="Days overdue after which the sales team leader gets an activity too (once); "
        "0: never.",
    )
    credit_hold = fields.Boolean(
        "Credit hold",
        help="An order of a customer whose overdue balance in Xero is above the threshold "
        "cannot be confirmed unless a Xero manager approves it.",
    )
    credit_hold_threshold = fields.Monetary(
        "Credit hold above",
        currency_field="base_currency_id",
        help="The overdue balance in Xero (in the organisation's base currency) above which "
        "orders are held; 0: any overdue amount.",
    )
