"""Organisation settings: tax rates, accounts, currencies and branding themes."""

import re
from decimal import Decimal

from .codes import CURRENCIES, REPORT_TAX_TYPES
from .common import text
from .errors import ElementError

ACCOUNT_CLASSES = {
    "ASSET": ("BANK", "CURRENT", "FIXED", "INVENTORY", "NONCURRENT", "PREPAYMENT"),
    "EQUITY": ("EQUITY",),
    "EXPENSE": ("DEPRECIATN", "DIRECTCOSTS", "EXPENSE", "OVERHEADS"),
    "LIABILITY": ("CURRLIAB", "LIABILITY", "TERMLIAB", "PAYG"),
    "REVENUE": ("OTHERINCOME", "REVENUE", "SALES"),
}
CLASS_OF_TYPE = {kind: klass for klass, kinds in ACCOUNT_CLASSES.items() for kind in kinds}
# ISO 4217 codes Xero knows: its CurrencyCode enum
KNOWN_CURRENCIES = CURRENCIES
RATE_PLACES = Decimal("0.0001")
# custom tax rates get TAX001, TAX002...; every other TaxType is one of Xero's system rates
CUSTOM_TAX_TYPE = re.compile(r"^TAX(\d+)$")
# countries where Xero wants a ReportTaxType on a new tax rate
REPORTING_COUNTRIES = ("AU", "NZ", "GB")
TAX_FLAGS = ("Assets", "Equity", "Expenses", "Liabilities", "Revenue")
TAX_RATE_STATUSES = ("ACTIVE", "DELETED", "ARCHIVED")


def unknown_tax_type(tax_type):
    """Xero's answer to a TaxType it does not know or that is not active (no quotes)."""
    return ElementError(
        f"The TaxType code {tax_type} does not exist or cannot be used for this type of "
        "transaction."
    )


def effective_rate(components):
    """The rate a line pays: plain components add up; a compound one is charged on the
    amount plus the taxes before it, so 5% then 10% compound gives (1.05 x 1.10) - 1."""
    factor = Decimal(1)
    for component in components:
        rate = component["Rate"] / 100
        if component["IsCompound"]:
            factor *= 1 + rate
        else:
            factor += rate
    return ((factor - 1) * 100).quantize(RATE_PLACES)


def tax_flags(report_tax_type):
    """Which account classes a new rate applies to, from its ReportTaxType: a sales
    (output) rate not to expenses, a purchase (input) rate not to revenue, others to all."""
    sales = "OUTPUT" in report_tax_type or "SALES" in report_tax_type
    purchases = any(word in report_tax_type for word in ("INPUT", "IMPORT", "PURCHASE"))
    flags = dict.fromkeys(TAX_FLAGS, True)
    if sales and not purchases:
        flags["Expenses"] = False
    elif purchases and not sales:
        flags["Revenue"] = False
    return {f"CanApplyTo{flag}": value for flag, value in flags.items()}


class SettingsMixin:
    # ------------------------------------------------------------ tax rates

    def tax_rate(self, tax_type):
        return self.tax_rates.get(tax_type)

    def active_tax_rate(self, tax_type):
        rate = self.tax_rates.get(tax_type)
        if not rate or rate["Status"] != "ACTIVE":
            raise unknown_tax_type(tax_type)
        return rate

    def save_tax_rate(self, values, create_only=False):
        """PUT /TaxRates creates; POST updates the rate with that TaxType (or Name), or creates."""
        existing = self._tax_rate_for(values)
        if existing and create_only:
            raise ElementError(f"A tax rate named '{existing['Name']}' already exists.")
        if existing:
            return self._update_tax_rate(existing, values)
        if values.get("TaxType") and not create_only:
            raise ElementError(f"The tax rate {values['TaxType']} does not exist.")
        return self._create_tax_rate(values)

    def _tax_rate_for(self, values):
        if values.get("TaxType") in self.tax_rates:
            return self.tax_rates[values["TaxType"]]
        name = values.get("Name")
        return next(
            (r for r in self.tax_rates.values() if r["Name"] == name and r["Status"] != "DELETED"),
            None,
        )

    def _create_tax_rate(self, values):
        name = text(values, "Name", 255, required=True)
        report = values.get("ReportTaxType")
        if not report and self.organisation["CountryCode"] in REPORTING_COUNTRIES:
            raise ElementError("ReportTaxType is required.")
        rate = {
            "Name": name,
            "TaxType": self._next_tax_type(),
            "Status": "ACTIVE",
            "ReportTaxType": self._report_tax_type(report or "OUTPUT"),
            "TaxComponents": self._tax_components(values.get("TaxComponents")),
        }
        rate.update(tax_flags(rate["ReportTaxType"]))
        self._rate_totals(rate)
        self.tax_rates[rate["TaxType"]] = rate
        return rate

    def _update_tax_rate(self, rate, values):
        if not CUSTOM_TAX_TYPE.match(rate["TaxType"]):
            raise ElementError(f"The system tax rate {rate['TaxType']} cannot be updated.")
        name = text(values, "Name", 255)
        if name and name != rate["Name"]:
            if any(r is not rate and r["Name"] == name for r in self.tax_rates.values()):
                raise ElementError(f"A tax rate named '{name}' already exists.")
            rate["Name"] = name
        if "TaxComponents" in values:  # all of them: those left out are deleted
            rate["TaxComponents"] = self._tax_components(values["TaxComponents"])
        if values.get("ReportTaxType"):
            rate["ReportTaxType"] = self._report_tax_type(values["ReportTaxType"])
            rate.update(tax_flags(rate["ReportTaxType"]))
        if values.get("Status"):
            if values["Status"] not in TAX_RATE_STATUSES:
                raise ElementError("Status must be ACTIVE, ARCHIVED or DELETED.")
            rate["Status"] = values["Status"]
        self._rate_totals(rate)
        return rate

    @staticmethod
    def _report_tax_type(value):
        if value not in REPORT_TAX_TYPES:
            raise ElementError(f"ReportTaxType {value} is not valid.")
        return value

    def _tax_components(self, components):
        if not components:
            raise ElementError("At least one tax component must be specified.")
        return [self._tax_component(c) for c in components]

    @staticmethod
    def _rate_totals(rate):
        components = rate["TaxComponents"]
        rate["DisplayTaxRate"] = sum((c["Rate"] for c in components), Decimal(0)).quantize(
            RATE_PLACES
        )
        rate["EffectiveRate"] = effective_rate(components)

    def _next_tax_type(self):
        numbers = [int(m[1]) for m in map(CUSTOM_TAX_TYPE.match, self.tax_rates) if m]
        return f"TAX{max(numbers, default=0) + 1:03d}"

    @staticmethod
    def _tax_component(values):
        if not values.get("Name") or values.get("Rate") is None:
            raise ElementError("A tax component needs a Name and a Rate.")
        return {
            "Name": values["Name"],
            "Rate": Decimal(str(values["Rate"])).quantize(RATE_PLACES),
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
        code = text(values, "Code", 10)
        name = text(values, "Name", 150, required=True)
        kind = values.get("Type")
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
            "Description": text(values, "Description", 4000),
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
        if values.get("Status") == "ARCHIVED" and account.get("SystemAccount"):
            raise ElementError(f"The system account {account['Code']} cannot be archived.")
        name = text(values, "Name", 150)
        if name and any(a is not account and a["Name"] == name for a in self.accounts.values()):
            raise ElementError("Please enter a unique Name.")
        text(values, "Description", 4000)
        for key in ("Name", "Description", "Status", "TaxType", "EnablePaymentsToAccount"):
            if key in values:
                account[key] = values[key]
        self.touch(account)
        return account

    def delete_account(self, account):
        if account.get("SystemAccount"):
            raise ElementError(f"The system account {account['Code']} cannot be deleted.")
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
        if not values.get("AccountID") and not values.get("Code"):
            raise ElementError("You must specify an Account code or Account ID for the payment.")
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
        """A currency for a contact's DefaultCurrency."""
        if code not in self.currencies:
            raise ElementError(f"The currency code '{code}' is not enabled for this organisation.")
        return code

    def subscribed_currency(self, code):
        """A currency for a document: Xero's words when the organisation lacks it."""
        if code not in self.currencies:
            raise ElementError(f"Organisation is not subscribed to currency {code}")
        return code
