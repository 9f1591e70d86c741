"""Payments and allocations (of credit notes, overpayments and prepayments): what is due,
what is paid, when a document is PAID."""

from decimal import Decimal

from .common import money, text
from .errors import ElementError
from .xerojson import parse_date

NOT_FOUND = "The document with the supplied id was not found for this endpoint."
PAID_OFF = "The invoice you are trying to allocate to has already been paid off"
TOO_MUCH = "{} cannot be allocated as amount is greater than amount outstanding"
WRONG_TYPE = "{} cannot be allocated to an incorrect invoice type"
NOT_AUTHORISED = "Payments can only be made against Authorised documents"
RECONCILED = "This payment has been reconciled and cannot be deleted"
IN_BATCH = "Payments within a batch cannot be deleted."
PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
    "RECEIVE-OVERPAYMENT": "AROVERPAYMENTPAYMENT",
    "SPEND-OVERPAYMENT": "APOVERPAYMENTPAYMENT",
    "RECEIVE-PREPAYMENT": "ARPREPAYMENTPAYMENT",
    "SPEND-PREPAYMENT": "APPREPAYMENTPAYMENT",
}
# what a payment can point to: (kind, element, id key, number key)
PAYABLE = (
    ("invoice", "Invoice", "InvoiceID", "InvoiceNumber"),
    ("credit", "CreditNote", "CreditNoteID", "CreditNoteNumber"),
    ("overpayment", "Overpayment", "OverpaymentID", None),
    ("prepayment", "Prepayment", "PrepaymentID", None),
)
# what can be allocated to invoices: kind -> (id key, Xero's name in its refusals)
CREDITS = {
    "credit": ("CreditNoteID", "Credit Note"),
    "overpayment": ("OverpaymentID", "Overpayment"),
    "prepayment": ("PrepaymentID", "Prepayment"),
}
# webhook categories of the kinds that have one (over/prepayments have none)
CATEGORIES = {"invoice": "INVOICE", "credit": "CREDITNOTE"}


def _due_key(document):
    return "AmountDue" if "InvoiceID" in document else "RemainingCredit"


def _invoice_type(credit):
    """The invoice type a credit goes with: ACCREC for sales credit notes and money received."""
    if credit["Type"].startswith(("RECEIVE", "ACCREC")):
        return "ACCREC"
    return "ACCPAY"


class PaymentsMixin:
    # ------------------------------------------------------------ payments

    def payment_document(self, values):
        """The invoice, credit note, overpayment or prepayment a payment element points to (by
        id, or by number for invoices and credit notes); a payment of the last three is a refund."""
        for kind, key, id_key, number_key in PAYABLE:
            ref = values.get(key) or {}
            number = number_key and (ref.get(number_key) or values.get(number_key))
            found = self.records(kind).get(ref.get(id_key)) if ref.get(id_key) else None
            if not found and number:
                found = self.document_by_number(kind, number)
            if ref or number:
                if not found:
                    raise ElementError(NOT_FOUND)
                return kind, found
        raise ElementError(
            "A payment must reference an Invoice, a CreditNote, an Overpayment or a Prepayment."
        )

    def records(self, kind):
        """The store of invoices, credit notes, overpayments or prepayments."""
        if kind == "overpayment":
            return self.overpayments
        if kind == "prepayment":
            return self.prepayments
        return self.store(kind)

    def create_payment(self, values, user):
        kind, document = self.payment_document(values)
        if document["Status"] != "AUTHORISED":
            raise ElementError(NOT_AUTHORISED)
        amount = self._payment_amount(values, document)
        account = self.payment_account(values.get("Account") or {})
        if not values.get("Date"):
            raise ElementError("Payment Date must be specified.")
        try:
            payment_date = parse_date(values["Date"])
        except ValueError as error:
            raise ElementError("Payment Date is not a valid date.") from error
        payment = {
            "PaymentID": self.new_id(),
            "Date": payment_date,
            "Amount": amount,
            "BankAmount": amount,
            "Reference": text(values, "Reference", 255),
            "CurrencyRate": Decimal(str(values.get("CurrencyRate") or document["CurrencyRate"])),
            "PaymentType": PAYMENT_TYPES[document["Type"]],
            "Status": "AUTHORISED",
            "IsReconciled": bool(values.get("IsReconciled", False)),
            "HasAccount": True,
            "HasValidationErrors": False,
            "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
            "_document": (kind, self._document_id(document)),
        }
        self.touch(payment)
        self.payments[payment["PaymentID"]] = payment
        document["_payments"].append(payment["PaymentID"])
        self._apply_money(kind, document, amount, payment_date, "AmountPaid", user)
        self.log(payment["PaymentID"], "Created", f"Payment of {amount} received.", user)
        return payment

    def reconcile_payment(self, payment):
        """The accountant matches the payment with a bank statement line (admin action)."""
        if payment["Status"] == "DELETED":
            raise ElementError("This payment has already been deleted.")
        if not payment["IsReconciled"]:
            payment["IsReconciled"] = True
            self.touch(payment)
        return payment

    def batch_payment(self, payment, batch_id=None):
        """The payment becomes part of a batch payment (admin action; no /BatchPayments here)."""
        if payment["Status"] == "DELETED":
            raise ElementError("This payment has already been deleted.")
        if not payment.get("BatchPaymentID"):
            payment["BatchPaymentID"] = str(batch_id or self.new_id())
            self.touch(payment)
        return payment

    @staticmethod
    def _payment_amount(values, document):
        try:
            amount = money(Decimal(str(values.get("Amount"))))
        except (ArithmeticError, ValueError) as error:
            raise ElementError("Payment Amount must be a number.") from error
        if amount <= 0:
            raise ElementError("Payment amount must be greater than zero.")
        if amount > document[_due_key(document)]:
            raise ElementError("Payment amount exceeds the amount outstanding on this document")
        return amount

    def delete_payment(self, payment, user):
        if payment["Status"] == "DELETED":
            raise ElementError("This payment has already been deleted.")
        if payment.get("BatchPaymentID"):
            raise ElementError(IN_BATCH)
        if payment["IsReconciled"]:
            raise ElementError(RECONCILED)
        kind, document_id = payment["_document"]
        document = self.records(kind)[document_id]
        payment["Status"] = "DELETED"
        self.touch(payment)
        self._apply_money(kind, document, -payment["Amount"], None, "AmountPaid", user)
        self.log(payment["PaymentID"], "Deleted", "Payment deleted.", user)
        return payment

    def _apply_money(self, kind, document, amount, when, field, user):
        """Move ``amount`` into ``field`` (paid or credited) and settle the status."""
        due_key = _due_key(document)
        if field in document:
            document[field] = money(document[field] + amount)
        document[due_key] = money(document[due_key] - amount)
        if document[due_key] == 0 and document["Status"] == "AUTHORISED":
            document["Status"] = "PAID"
            document["FullyPaidOnDate"] = when
            self.log(self._document_id(document), "Paid", "Fully paid.", user)
        elif document[due_key] > 0 and document["Status"] == "PAID":
            document["Status"] = "AUTHORISED"
            document.pop("FullyPaidOnDate", None)
        self.touch(document)
        if kind in CATEGORIES:
            self.notify(CATEGORIES[kind], "UPDATE", self._document_id(document))

    @staticmethod
    def _document_id(document):
        return next(
            document[key]
            for key in ("InvoiceID", "CreditNoteID", "OverpaymentID", "PrepaymentID")
            if key in document
        )

    def payment_summary(self, payment):
        """A payment as listed on its invoice."""
        return {
            "PaymentID": payment["PaymentID"],
            "Date": payment["Date"],
            "Amount": payment["Amount"],
            "Reference": payment.get("Reference"),
            "CurrencyRate": payment["CurrencyRate"],
            "HasAccount": True,
            "HasValidationErrors": False,
        }

    def payment_view(self, payment):
        view = {k: v for k, v in payment.items() if not k.startswith("_")}
        kind, document_id = payment["_document"]
        document = self.records(kind)[document_id]
        reference = {
            "Type": document["Type"],
            "Contact": self.contact_reference(document["Contact"]["ContactID"]),
            "CurrencyCode": document["CurrencyCode"],
        }
        if kind == "invoice":
            reference |= {"InvoiceID": document_id, "InvoiceNumber": document.get("InvoiceNumber")}
            view["Invoice"] = reference | {"HasErrors": False}
        elif kind == "credit":
            reference |= {
                "CreditNoteID": document_id,
                "CreditNoteNumber": document.get("CreditNoteNumber"),
            }
            view["CreditNote"] = reference | {"HasErrors": False}
        else:
            element, id_key = (
                ("Overpayment", "OverpaymentID")
                if kind == "overpayment"
                else (
                    "Prepayment",
                    "PrepaymentID",
                )
            )
            view[element] = reference | {id_key: document_id}
        return view

    # ------------------------------------------------------------ allocations to invoices

    def allocate_credit(self, credit, values, user, kind="credit"):
        """Allocate (part of) a credit note, an overpayment or a prepayment (``kind``) to an
        invoice: the invoice's AmountCredited grows, the credit's RemainingCredit shrinks."""
        id_key, label = CREDITS[kind]
        if credit["Status"] not in ("AUTHORISED", "PAID"):
            raise ElementError(f"Only an AUTHORISED {label.lower()} can be allocated.")
        invoice_ref, amount = values.get("Invoice") or {}, values.get("Amount")
        if not invoice_ref.get("InvoiceID") or amount is None:
            raise ElementError("An allocation needs an Invoice and an Amount.")
        invoice = self.invoices.get(str(invoice_ref["InvoiceID"]).lower())
        if not invoice:
            raise ElementError(NOT_FOUND)
        try:
            amount = money(Decimal(str(amount)))
        except (ArithmeticError, ValueError) as error:
            raise ElementError("Allocation Amount must be a number.") from error
        if amount <= 0:
            raise ElementError("Allocation Amount must be greater than zero.")
        self._check_allocation(credit, invoice, amount, label)
        allocation = {
            "AllocationID": self.new_id(),
            "Amount": amount,
            "Date": self._allocation_date(credit, invoice, values.get("Date")),
            "InvoiceID": invoice["InvoiceID"],
            id_key: credit[id_key],
        }
        credit["_allocations"].append(allocation)
        invoice["_allocations"].append(allocation)
        self._apply_money(kind, credit, amount, allocation["Date"], "AmountCredited", user)
        self._apply_money("invoice", invoice, amount, allocation["Date"], "AmountCredited", user)
        return allocation

    @staticmethod
    def _allocation_date(credit, invoice, given):
        """The date given, else the later of the invoice's and the credit's dates."""
        if not given:
            return max(invoice["Date"], credit["Date"])
        try:
            return parse_date(given)
        except ValueError as error:
            raise ElementError("Allocation Date is not a valid date.") from error

    def _check_allocation(self, credit, invoice, amount, label="Credit Note"):
        """Xero's refusals come together, as it sends them, naming the kind of credit."""
        messages = []
        if invoice["Status"] == "PAID":
            messages.append(PAID_OFF)
        elif invoice["Status"] != "AUTHORISED":
            messages.append("Credit can only be allocated to an AUTHORISED invoice.")
        if amount > credit["RemainingCredit"] or amount > invoice["AmountDue"]:
            messages.append(TOO_MUCH.format(label))
        if _invoice_type(credit) != invoice["Type"]:
            messages.append(WRONG_TYPE.format(label))
        if messages:
            raise ElementError(*messages)
        name = label.lower()
        if credit["Contact"]["ContactID"] != invoice["Contact"]["ContactID"]:
            raise ElementError(f"The {name} and the invoice must be for the same contact.")
        if credit["CurrencyCode"] != invoice["CurrencyCode"]:
            raise ElementError(f"The {name} and the invoice must be in the same currency.")

    def delete_allocation(self, credit, allocation_id, user, kind="credit"):
        allocation = next(
            (a for a in credit["_allocations"] if a["AllocationID"] == allocation_id), None
        )
        if not allocation:
            raise ElementError(NOT_FOUND)
        invoice = self.invoices[allocation["InvoiceID"]]
        credit["_allocations"].remove(allocation)
        invoice["_allocations"].remove(allocation)
        self._apply_money(kind, credit, -allocation["Amount"], None, "AmountCredited", user)
        self._apply_money("invoice", invoice, -allocation["Amount"], None, "AmountCredited", user)
        return allocation

    def allocation_view(self, allocation):
        """An allocation as its credit lists it; those of over/prepayments name them too."""
        invoice = self.invoices[allocation["InvoiceID"]]
        view = {
            "AllocationID": allocation["AllocationID"],
            "Amount": allocation["Amount"],
            "Date": allocation["Date"],
            "Invoice": {
                "InvoiceID": invoice["InvoiceID"],
                "InvoiceNumber": invoice.get("InvoiceNumber"),
                "Type": invoice["Type"],
                "HasErrors": False,
            },
            "IsDeleted": False,
        }
        for element, id_key in (("Overpayment", "OverpaymentID"), ("Prepayment", "PrepaymentID")):
            if id_key in allocation:
                view[element] = {id_key: allocation[id_key]}
        return view
