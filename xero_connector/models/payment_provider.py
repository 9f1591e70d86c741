from odoo import fields, models

from ..const import GROUP_USER

BANK_ACCOUNTS = (
    "[('company_id', '=', company_id), ('status', '=', 'ACTIVE'), '|', "
    "('account_type', '=', 'BANK'), ('enable_payments', '=', True)]"
)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    # ------------------------------------------------------------------ fields

    xero_account_id = fields.Many2one(
        "xero.account",
        "Xero account",
        domain=BANK_ACCOUNTS,
        groups=GROUP_USER,
        help="The Xero bank (or clearing) account where the payments collected by this "
        "provider are recorded; the journal's, or the Xero connection's default, when empty.",
    )
