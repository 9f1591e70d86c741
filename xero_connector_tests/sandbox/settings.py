"""Organisation settings: tax rates, accounts, currencies, branding themes and items."""

from decimal import Decimal

from .errors import ElementError

ACCOUNT_CLASSES = {
    "ASSET": ("BANK", "CURRENT", "FIXED", "INVENTORY", "NONCURRENT", "PREPAYMENT"),
    "EQUITY": ("EQUITY",),
    "EXPENSE": ("DEPRECIATN", "DIRECTCOSTS", "EXPENSE", "OVERHEADS"),
    "LIABILITY": ("CURRLIAB", "LIABILITY", "TERMLIAB", "PAYG"),
    "REVENUE": ("OTHERINCOME", "REVENUE", "SALES"),
}
CLASS_OF_TYPE = {kind: klass for klass, kinds in ACCOUNT_CLASSES.items() for kind in kinds}
# ISO 4217 codes Xero knows (its CurrencyCode enum, the common part)
KNOWN_CURRENCIES = {
    "AUD": "Australian Dollar",
    "CAD": "Canadian Dollar",
    "CHF": "Swiss Franc",
    "CNY": "Yuan Renminbi",
    "DKK": "Danish Krone",
    "EUR": "Euro",
    "FJD": "Fiji Dollar",
    "GBP": "Pound Sterling",
    "HKD": "Hong Kong Dollar",
    "INR": "Indian Rupee",
    "JPY": "Yen",
    "NOK": "Norwegian Krone",
    "NZD": "New Zealand Dollar",
    "SEK": "Swedish Krona",
    "SGD": "Singapore Dollar",
    "USD": "US Dollar",
    "ZAR": "Rand",
}


class SettingsMixin:
    # ------------------------------------------------------------ tax rates

    def tax_rate(self, tax_type):
        return self.tax_rates.get(tax_type)

    def active_tax_rate(self, tax_type):
        rate = self.tax_rates.get(tax_type)
        if not rate or rate["Status"] != "ACTIVE":
            raise ElementError(
                f"The TaxType code '{tax_type}' does not exist or cannot be used for this "
                "type of transaction."
            )
        return rate

    def save_tax_rate(self, values):
        """PUT/POST /TaxRates: a new rate, or a change of an existing one (by TaxType or Name)."""
        existing = self.tax_rates.get(values.get("TaxType")) or next(
            (r for r in self.tax_rates.values() if r["Name"] == values.get("Name")), None
        )
        name = values.get("Name")
        if not existing and not name:
            raise ElementError("Name must be specified.")
        components = values.get("TaxComponents")
        if not existing and not components:
            raise ElementError("At least one tax component must be specified.")
        rate = existing or {"TaxType": self._next_tax_type(), "Status": "ACTIVE"}
        if name:
            rate["Name"] = name
        if components:
            rate["TaxComponents"] = [self._tax_component(c) for c in components]
        if values.get("Status") in ("ACTIVE", "DELETED", "ARCHIVED"):
            rate["Status"] = values["Status"]
        rate.setdefault("ReportTaxType", values.get("ReportTaxType") or "OUTPUT")
        for flag in ("Assets", "Equity", "Expenses", "Liabilities", "Revenue"):
            rate.setdefault(f"CanApplyTo{flag}", True)
        total = sum((c["Rate"] for c in rate["TaxComponents"]), Decimal(0))
        rate["DisplayTaxRate"] = rate["EffectiveRate"] = total.quantize(Decimal("0.0001"))
        self.tax_rates[rate["TaxType"]] = rate
        return rate

    def _next_tax_type(self):
        number = 1 + sum(1 for key in self.tax_rates if key.startswith("TAX"))
        return f"TAX{number:03d}"

    @staticmethod
    def _tax_component(values):
        if not values.get("Name") or values.get("Rate") is None:
            raise ElementError("A tax component needs a Name and a Rate.")
        return {
            "Name": values["Name"],
            "Rate": Decimal(str(values["Rate"])).quantize(Decimal("0.0001")),
            "IsCompound": bool(values.get("IsCompound", False)),
            "IsNonRecoverable": bool(values.get("IsNonRecoverable", False)),
        }

    # ------------------------------------------------------------ accounts

    def account_by_code(self, code):
        return next((a for a in self.accounts.values() if a.get("Code") == code), None)

    def usable_account(self, code):
        account = self.account_by_code(code)
        if not account:
            raise ElementError(f"Account code '{code}' is not a valid code for this document.")
        if account["Status"] != "ACTIVE":
            raise ElementError(
                f"Account code '{code}' has been archived, or deleted. Each line item must "
                "reference a valid account."
            )
        return account

    def create_account(self, values):
        code, name, kind = values.get("Code"), values.get("Name"), values.get("Type")
        if not name:
            raise ElementError("Name must be specified.")
        if kind not in CLASS_OF_TYPE:
            raise ElementError("Type must be specified and be a valid account type.")
        if code and self.account_by_code(code):
            raise ElementError("Please enter a unique Code.")
        if any(a["Name"] == name for a in self.accounts.values()):
            raise ElementError("Please enter a unique Name.")
        if kind == "BANK" and not values.get("BankAccountNumber"):
            raise ElementError("Bank account number must be specified for a bank account.")
        if values.get("TaxType"):
            self.active_tax_rate(values["TaxType"])
        account = {
            "AccountID": self.new_id(),
            "Code": code,
            "Name": name,
            "Type": kind,
            "Status": "ACTIVE",
            "Description": values.get("Description"),
            "TaxType": values.get("TaxType") or "NONE",
            "Class": CLASS_OF_TYPE[kind],
            "EnablePaymentsToAccount": bool(values.get("EnablePaymentsToAccount", False)),
            "ShowInExpenseClaims": bool(values.get("ShowInExpenseClaims", False)),
            "BankAccountNumber": values.get("BankAccountNumber"),
            "BankAccountType": "BANK" if kind == "BANK" else None,
            "CurrencyCode": values.get("CurrencyCode") if kind == "BANK" else None,
            "ReportingCode": values.get("ReportingCode"),
            "HasAttachments": False,
            "AddToWatchlist": False,
        }
        self.touch(account)
        self.accounts[account["AccountID"]] = account
        return account

    def update_account(self, account, values):
        if "Status" in values and values["Status"] not in ("ACTIVE", "ARCHIVED"):
            raise ElementError("Status must be ACTIVE or ARCHIVED.")
        for key in ("Name", "Description", "Status", "TaxType", "EnablePaymentsToAccount"):
            if key in values:
                account[key] = values[key]
        self.touch(account)
        return account

    def delete_account(self, account):
        used = any(
            line.get("AccountCode") == account["Code"]
            for document in (*self.invoices.values(), *self.credit_notes.values())
            for line in document["LineItems"]
        ) or any(p["Account"]["AccountID"] == account["AccountID"] for p in self.payments.values())
        if used:
            raise ElementError(
                "This account has transactions and cannot be deleted; archive it instead."
            )
        del self.accounts[account["AccountID"]]
        account["Status"] = "DELETED"
        return account

    def payment_account(self, values):
        """The account a payment goes to: a bank account or one that accepts payments."""
        account = None
        if values.get("AccountID"):
            account = self.accounts.get(values["AccountID"])
        elif values.get("Code"):
            account = self.account_by_code(values["Code"])
        if not account or account["Status"] != "ACTIVE":
            raise ElementError("Account could not be found")
        if account["Type"] != "BANK" and not account.get("EnablePaymentsToAccount"):
            raise ElementError(
                f"Payments cannot be made to account '{account.get('Code')}': it is not a bank "
                "account and does not accept payments."
            )
        return account

    # ------------------------------------------------------------ currencies

    def add_currency(self, values):
        code = values.get("Code")
        if code not in KNOWN_CURRENCIES:
            raise ElementError(f"Currency code '{code}' is not a valid currency code.")
        currency = {"Code": code, "Description": KNOWN_CURRENCIES[code]}
        self.currencies[code] = currency
        return currency

    def enabled_currency(self, code):
        if code not in self.currencies:
            raise ElementError(f"The currency code '{code}' is not enabled for this organisation.")
        return code

    # ------------------------------------------------------------ items

    def item_by_code(self, code):
        return next((i for i in self.items.values() if i["Code"] == code), None)

    def save_item(self, values, create_only=False):
        """PUT creates; POST creates or updates (by ItemID, then by Code)."""
        item = self.items.get(values.get("ItemID")) or (
            None if create_only else self.item_by_code(values.get("Code"))
        )
        if values.get("ItemID") and not item:
            raise ElementError("The document with the supplied id was not found for this endpoint.")
        code = self.text(values, "Code", 30, required=not item)
        other = self.item_by_code(code) if code else None
        if other and other is not item:
            raise ElementError(f"Price List Item with Code ''{code}'' already exists")
        item = item or {"ItemID": self.new_id(), "IsTrackedAsInventory": False}
        changes = self._item_changes(values)
        item.update({k: v for k, v in changes.items() if v is not None or k in values})
        if code:
            item["Code"] = code
        item["IsSold"] = bool(values.get("IsSold", item.get("IsSold") or "SalesDetails" in item))
        item["IsPurchased"] = bool(
            values.get("IsPurchased", item.get("IsPurchased") or "PurchaseDetails" in item)
        )
        self.touch(item)
        self.items[item["ItemID"]] = item
        return item

    def _item_changes(self, values):
        changes = {
            "Name": self.text(values, "Name", 50),
            "Description": self.text(values, "Description", 4000),
            "PurchaseDescription": self.text(values, "PurchaseDescription", 4000),
        }
        for key in ("SalesDetails", "PurchaseDetails"):
            if key in values:
                changes[key] = self._price_details(values[key] or {})
        if values.get("IsTrackedAsInventory"):
            asset = values.get("InventoryAssetAccountCode")
            if not asset:
                raise ElementError(
                    "An inventory asset account must be specified for a tracked item."
                )
            self.usable_account(asset)
            changes.update(
                IsTrackedAsInventory=True,
                InventoryAssetAccountCode=asset,
                QuantityOnHand=Decimal("0.0000"),
                TotalCostPool=Decimal("0.00"),
            )
        return changes

    def _price_details(self, values):
        details = {}
        if values.get("UnitPrice") is not None:
            details["UnitPrice"] = Decimal(str(values["UnitPrice"]))
        if values.get("AccountCode"):
            details["AccountCode"] = self.usable_account(values["AccountCode"])["Code"]
        if values.get("COGSAccountCode"):
            details["COGSAccountCode"] = self.usable_account(values["COGSAccountCode"])["Code"]
        if values.get("TaxType"):
            details["TaxType"] = self.active_tax_rate(values["TaxType"])["TaxType"]
        return details

    def delete_item(self, item):
        del self.items[item["ItemID"]]
