from odoo import fields, models

from ..const import GROUP_USER


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
    leakage_days = fields.Integer(
        "Revenue at risk after (days)",
        default=7,
        help="Days after which a won opportunity without a confirmed order, or a confirmed "
        "order not fully invoiced in Xero, is a case of revenue leakage for its salesperson.",
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
    share_figures = fields.Boolean(
        "Salespeople see Xero's figures",
        help="The amounts Xero holds (paid, due, overdue, credit) in the notes on orders, "
        "the activities and the warnings every salesperson gets. Off: they see where an "
        "invoice stands and its number, never Xero's amounts; the Xero user group sees "
        "them on the order either way.",
    )

    # ------------------------------------------------------------------ business

    def _xero_figures_for(self, user=None):
        """Whether Xero's amounts may be shown: in notes on orders (``user`` None: every
        salesperson reads them), or to ``user`` (an activity, a warning)."""
        if self.share_figures:
            return True
        return bool(user) and user.has_group(GROUP_USER)
