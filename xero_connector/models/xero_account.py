from odoo import api, fields, models

CLASSES = [
    ("ASSET", "Asset"),
    ("EQUITY", "Equity"),
    ("EXPENSE", "Expense"),
    ("LIABILITY", "Liability"),
    ("REVENUE", "Revenue"),
]


class XeroAccount(models.Model):
    """An account of the Xero organisation's chart (by AccountID; lines use its code)."""

    _name = "xero.account"
    _inherit = ["xero.reference.mixin"]
    _description = "Xero account"
    _order = "connection_id, code, name"

    _xero_plural = "Accounts"
    _xero_key = "AccountID"
    _xero_method = "get_accounts"
    _xero_incremental = True

    # ------------------------------------------------------------------ fields

    code = fields.Char(readonly=True, index=True)
    account_type = fields.Char("Type", readonly=True)
    xero_class = fields.Selection(CLASSES, "Class", readonly=True)
    tax_type = fields.Char("Default tax type", readonly=True)
    status = fields.Selection(
        [("ACTIVE", "Active"), ("ARCHIVED", "Archived"), ("DELETED", "Deleted")],
        readonly=True,
        default="ACTIVE",
    )
    system_account = fields.Char(readonly=True)
    enable_payments = fields.Boolean(
        "Takes payments", readonly=True, help="Xero lets payments go to this account."
    )

    # ------------------------------------------------------------------ constraints

    _key_uniq = models.UniqueIndex(
        "(connection_id, xero_key)", "A Xero account is listed once per organisation."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("code", "name")
    def _compute_display_name(self):
        for account in self:
            account.display_name = " ".join(filter(None, (account.code, account.name)))

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_values(self, element):
        return {
            "name": element.get("Name"),
            "code": element.get("Code") or False,
            "account_type": element.get("Type"),
            "xero_class": element.get("Class") or False,
            "tax_type": element.get("TaxType") or False,
            "status": element.get("Status") or "ACTIVE",
            "system_account": element.get("SystemAccount") or False,
            "enable_payments": bool(element.get("EnablePaymentsToAccount")),
        }

    def _xero_gone(self):
        self.write({"status": "DELETED"})

    def _xero_sales_problem(self, tax_rate=None):
        """Why Xero would refuse a sales line on this account (with ``tax_rate``), in
        plain words, or None."""
        self.ensure_one()
        if self.status != "ACTIVE":
            return self.env._(
                "The Xero account %(account)s is archived or deleted in Xero: choose another "
                "account.",
                account=self.display_name,
            )
        if not self.code:
            return self.env._(
                "The Xero account %(account)s has no code, and invoice lines need one.",
                account=self.display_name,
            )
        if self.account_type in ("INVENTORY", "BANK"):
            return self.env._(
                "Xero does not take sales on the %(kind)s account %(account)s: choose a "
                "revenue account.",
                kind=self.account_type.lower(),
                account=self.display_name,
            )
        if tax_rate and not tax_rate._xero_allowed_on(self):
            return self.env._(
                "Xero does not allow the tax rate %(rate)s on the account %(account)s "
                "(%(klass)s): choose another tax rate or account.",
                rate=tax_rate.display_name,
                account=self.display_name,
                klass=dict(CLASSES).get(self.xero_class, self.xero_class),
            )
        return None

    def _xero_payment_problem(self):
        """Why Xero would refuse a payment to this account, in plain words, or None."""
        self.ensure_one()
        if self.status != "ACTIVE":
            return self.env._(
                "The Xero account %(account)s is archived or deleted in Xero: choose another "
                "bank account.",
                account=self.display_name,
            )
        if self.account_type != "BANK" and not self.enable_payments:
            return self.env._(
                "Xero takes payments only on bank accounts or accounts with payments enabled, "
                "and %(account)s is neither: choose a bank account (or enable payments to the "
                "account in Xero).",
                account=self.display_name,
            )
        return None
