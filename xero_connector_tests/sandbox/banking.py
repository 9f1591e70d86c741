"""Bank transactions, and the overpayments and prepayments that some of them create.

Xero creates an overpayment or a prepayment only through ``/BankTransactions`` (Type
RECEIVE-/SPEND-OVERPAYMENT, RECEIVE-/SPEND-PREPAYMENT); it is then allocated to invoices
(payments.py ``allocate_credit``) or refunded by a payment (``create_payment``), and
cannot be changed or deleted through ``/BankTransactions``.
"""

from .common import text
from .errors import ElementError
from .xerojson import parse_date

RECEIVE_TYPES = ("RECEIVE", "RECEIVE-OVERPAYMENT", "RECEIVE-PREPAYMENT")
SPEND_TYPES = ("SPEND", "SPEND-OVERPAYMENT", "SPEND-PREPAYMENT")
TRANSFER_TYPES = ("RECEIVE-TRANSFER", "SPEND-TRANSFER")
# the kind of credit each type makes, with its id key
CREDIT_OF_TYPE = {
    "RECEIVE-OVERPAYMENT": ("overpayment", "OverpaymentID"),
    "SPEND-OVERPAYMENT": ("overpayment", "OverpaymentID"),
    "RECEIVE-PREPAYMENT": ("prepayment", "PrepaymentID"),
    "SPEND-PREPAYMENT": ("prepayment", "PrepaymentID"),
}
# the sandbox's texts where Xero publishes none [unconfirmed]
NOT_EDITABLE = "Overpayments and prepayments cannot be updated or deleted through BankTransactions."
NOT_SERVED_EDIT = "The sandbox does not update or delete bank transactions."
ONE_LINE = "An overpayment can only have one line item."
ONLY_OVERPAYMENT_CURRENCY = (
    "The currency of a bank transaction is its bank account's; only an overpayment may be in "
    "another currency."
)
NOT_POSITIVE = "The total of a bank transaction must be greater than zero."


class BankingMixin:
    # ------------------------------------------------------------ creating

    def save_bank_transaction(self, values, user, unitdp=2, target=None):
        """PUT/POST ``/BankTransactions``: a new transaction; updates are refused."""
        existing = target
        if existing is None and values.get("BankTransactionID"):
            existing = self.bank_transactions.get(str(values["BankTransactionID"]).lower())
            if existing is None:
                raise ElementError(
                    "An existing Bank Transaction with the specified BankTransactionID could "
                    "not be found"
                )
        if existing is not None:
            raise ElementError(
                NOT_EDITABLE if existing["Type"] in CREDIT_OF_TYPE else NOT_SERVED_EDIT
            )
        return self._create_bank_transaction(values, user, unitdp)

    def _create_bank_transaction(self, values, user, unitdp):
        kind = values.get("Type")
        if kind in TRANSFER_TYPES:
            raise ElementError(f"{kind} transactions are made by transfers, not created here.")
        if kind not in RECEIVE_TYPES + SPEND_TYPES:
            raise ElementError(
                "Type must be RECEIVE, RECEIVE-OVERPAYMENT, RECEIVE-PREPAYMENT, SPEND, "
                "SPEND-OVERPAYMENT or SPEND-PREPAYMENT."
            )
        overpayment = kind.endswith("OVERPAYMENT")
        # a sales or purchase credit note lends its rules to the lines (no discounts)
        proxy = {"Type": "ACCRECCREDIT" if kind in RECEIVE_TYPES else "ACCPAYCREDIT"}
        proxy["Contact"] = {"ContactID": self._document_contact(values.get("Contact"), {})}
        bank = self._bank_account(values.get("BankAccount") or {})
        proxy["LineAmountTypes"] = self._bank_amount_types(values, overpayment)
        proxy["CurrencyCode"] = self._bank_currency(values, overpayment)
        proxy["CurrencyRate"] = self._currency_rate(proxy, values)
        lines = values.get("LineItems") or []
        if not isinstance(lines, list) or not lines:
            raise ElementError("One or more line items must be specified")
        if overpayment:
            lines = [self._overpayment_line(proxy, kind, lines, unitdp)]
        else:
            lines = [self._bank_line(proxy, line, unitdp) for line in lines]
        work = {**proxy, "LineItems": lines, "AmountPaid": 0, "AmountCredited": 0}
        self._compute_totals(work)
        self._check_total(work, values)
        if work["Total"] <= 0:
            raise ElementError(NOT_POSITIVE)
        transaction = {
            "BankTransactionID": self.new_id(),
            "Type": kind,
            "Contact": proxy["Contact"],
            "BankAccount": {
                "AccountID": bank["AccountID"],
                "Code": bank["Code"],
                "Name": bank["Name"],
            },
            "IsReconciled": bool(values.get("IsReconciled", False)),
            "Date": self._bank_date(values),
            "Reference": text(values, "Reference", 255),
            "Url": text(values, "Url", 2000),
            "CurrencyCode": proxy["CurrencyCode"],
            "CurrencyRate": proxy["CurrencyRate"],
            "Status": "AUTHORISED",
            "LineAmountTypes": proxy["LineAmountTypes"],
            "LineItems": lines,
            "SubTotal": work["SubTotal"],
            "TotalTax": work["TotalTax"],
            "Total": work["Total"],
            "HasAttachments": False,
        }
        if kind in CREDIT_OF_TYPE:
            credit_kind, id_key = CREDIT_OF_TYPE[kind]
            credit = self._new_credit(credit_kind, id_key, transaction)
            transaction[id_key] = credit[id_key]
            self.log(credit[id_key], "Created", self._describe_credit(credit), user)
        self.touch(transaction)
        self.bank_transactions[transaction["BankTransactionID"]] = transaction
        self.log(
            transaction["BankTransactionID"],
            "Created",
            f"{kind} transaction of {transaction['Total']} {transaction['CurrencyCode']} "
            f"in {bank['Name']}.",
            user,
        )
        return transaction

    def _bank_account(self, given):
        if not given.get("AccountID") and not given.get("Code"):
            raise ElementError("A BankAccount (its AccountID or Code) must be specified.")
        if given.get("AccountID"):
            account = self.accounts.get(str(given["AccountID"]).lower())
        else:
            account = self.account_by_code(given["Code"])
        if not account or account["Status"] != "ACTIVE":
            raise ElementError("Account could not be found")
        if account["Type"] != "BANK":
            raise ElementError(f"The account '{account.get('Code')}' is not a bank account.")
        return account

    @staticmethod
    def _bank_amount_types(values, overpayment):
        """Overpayments carry no tax (Xero codes their one line itself); others as given."""
        if overpayment:
            return "NoTax"
        amount_types = values.get("LineAmountTypes") or "Exclusive"
        if amount_types not in ("Exclusive", "Inclusive", "NoTax"):
            raise ElementError("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
        return amount_types

    def _bank_currency(self, values, overpayment):
        """The bank account's currency (the sandbox's bank accounts are in the base
        currency); only an overpayment may be set in another."""
        base = self.base_currency()
        given = values.get("CurrencyCode")
        if not given or given == base:
            return base
        if not overpayment:
            raise ElementError(ONLY_OVERPAYMENT_CURRENCY)
        return self.subscribed_currency(given)

    def _bank_date(self, values):
        if values.get("Date") is None:
            return self.local_today()
        try:
            return parse_date(values["Date"])
        except ValueError as error:
            raise ElementError("Date is not a valid date.") from error

    def _overpayment_line(self, proxy, kind, lines, unitdp):
        """An overpayment's one line, coded to the accounts receivable (payable) control
        account without tax, whatever account or tax type it names."""
        if len(lines) > 1:
            raise ElementError(ONE_LINE)
        (given,) = lines
        if not isinstance(given, dict):
            raise TypeError("each of LineItems must be an object")
        system = "DEBTORS" if kind.startswith("RECEIVE") else "CREDITORS"
        control = next(a for a in self.accounts.values() if a.get("SystemAccount") == system)
        values = {
            key: given.get(key)
            for key in ("Description", "Quantity", "UnitAmount", "LineAmount", "Tracking")
        }
        values.update(AccountCode=control["Code"], TaxType="NONE")
        line = self._line(proxy, values, unitdp)
        if "Quantity" not in line:
            raise ElementError("The overpayment's line must have an amount.")
        return line

    def _bank_line(self, proxy, given, unitdp):
        if not isinstance(given, dict):
            raise TypeError("each of LineItems must be an object")
        line = self._line(proxy, given, unitdp)
        if "Quantity" in line and not line.get("AccountCode"):
            raise ElementError("Account code must be specified for each line item.")
        return line

    def _new_credit(self, kind, id_key, transaction):
        """The overpayment or prepayment a bank transaction makes: its money, still to use."""
        credit = {
            id_key: self.new_id(),
            "Type": transaction["Type"],
            "Contact": dict(transaction["Contact"]),
            "Date": transaction["Date"],
            "Status": "AUTHORISED",
            "LineAmountTypes": transaction["LineAmountTypes"],
            "LineItems": [dict(line) for line in transaction["LineItems"]],
            "SubTotal": transaction["SubTotal"],
            "TotalTax": transaction["TotalTax"],
            "Total": transaction["Total"],
            "CurrencyCode": transaction["CurrencyCode"],
            "CurrencyRate": transaction["CurrencyRate"],
            "RemainingCredit": transaction["Total"],
            "Reference": transaction.get("Reference"),
            "HasAttachments": False,
            "_allocations": [],
            "_payments": [],
            "_bank_transaction": transaction["BankTransactionID"],
        }
        self.touch(credit)
        self.records(kind)[credit[id_key]] = credit
        return credit

    def _describe_credit(self, credit):
        contact = self.contacts[credit["Contact"]["ContactID"]]["Name"]
        label = "Overpayment" if "OverpaymentID" in credit else "Prepayment"
        return f"{label} from {contact} for {credit['Total']} {credit['CurrencyCode']}."

    # ------------------------------------------------------------ reading

    def bank_transaction_view(self, transaction, lines=True, unitdp=2):
        view = {k: v for k, v in transaction.items() if not k.startswith("_")}
        view["Contact"] = self.contact_reference(transaction["Contact"]["ContactID"])
        view["LineItems"] = (
            [self._line_view(line, unitdp) for line in transaction["LineItems"]] if lines else []
        )
        return view

    def credit_view(self, kind, credit, lines=True, unitdp=2):
        """An overpayment or a prepayment, with its allocations and refunds."""
        view = {k: v for k, v in credit.items() if not k.startswith("_") and k != "FullyPaidOnDate"}
        view["Contact"] = self.contact_reference(credit["Contact"]["ContactID"])
        view["LineItems"] = (
            [self._line_view(line, unitdp) for line in credit["LineItems"]] if lines else []
        )
        view["Allocations"] = [self.allocation_view(a) for a in credit["_allocations"]]
        payments = [self.payments[p] for p in credit["_payments"]]
        view["Payments"] = [self.payment_summary(p) for p in payments if p["Status"] != "DELETED"]
        return view

    def credit_summary(self, allocation):
        """An overpayment or prepayment as an invoice it is allocated to lists it."""
        for id_key, store in (
            ("OverpaymentID", self.overpayments),
            ("PrepaymentID", self.prepayments),
        ):
            if id_key in allocation:
                credit = store[allocation[id_key]]
                return {
                    id_key: credit[id_key],
                    "Type": credit["Type"],
                    "Date": allocation["Date"],
                    "Total": credit["Total"],
                    "AppliedAmount": allocation["Amount"],
                    "CurrencyCode": credit["CurrencyCode"],
                }
        raise KeyError(allocation["AllocationID"])

    # ------------------------------------------------------------ the accountant

    def record_overpayment(self, contact_id, amount, user, account_code="090", day=None):
        """The accountant receives more money than is owed (admin page)."""
        values = {
            "Type": "RECEIVE-OVERPAYMENT",
            "Contact": {"ContactID": contact_id},
            "BankAccount": {"Code": account_code},
            "LineItems": [{"Description": "Overpayment", "LineAmount": amount}],
        }
        if day:
            values["Date"] = day
        return self._create_bank_transaction(values, user, 2)
