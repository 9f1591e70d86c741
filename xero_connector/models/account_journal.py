from odoo import fields, models

from ..const import GROUP_USER
from .payment_provider import BANK_ACCOUNTS


class AccountJournal(models.Model):
    _inherit = "account.journal"

    # ------------------------------------------------------------------ fields

    xero_account_id = fields.Many2one(
        "xero.account",
        "Xero account",
        domain=BANK_ACCOUNTS,
        groups=GROUP_USER,
        help="The Xero bank account where payments recorded in this journal go; the Xero "
        "connection's default when empty.",
    )
