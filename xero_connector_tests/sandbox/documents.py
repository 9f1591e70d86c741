"""Invoices and credit notes: lines, tax per line, totals, numbers, statuses, edit rules."""

import calendar
from contextlib import contextmanager
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from .common import money, text
from .errors import ElementError
from .xerojson import parse_date

KINDS = {
    "invoice": {
        "store": "invoices",
        "id": "InvoiceID",
        "number": "InvoiceNumber",
        "types": ("ACCREC", "ACCPAY"),
        "category": "INVOICE",
        "label": "Invoice",
        "prefix": "INV-",
    },
    "credit": {
        "store": "credit_notes",
        "id": "CreditNoteID",
        "number": "CreditNoteNumber",
        "types": ("ACCRECCREDIT", "ACCPAYCREDIT"),
        "category": "CREDITNOTE",
        "label": "Credit Note",
        "prefix": "CN-",
    },
}
SALES_TYPES = ("ACCREC", "ACCRECCREDIT")
# a bill or purchase credit note with money allocated to it can no longer change at all
PURCHASE_TYPES = ("ACCPAY", "ACCPAYCREDIT")
AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
EDITABLE = ("DRAFT", "SUBMITTED")
SYSTEM_USER = "System Generated"  # Xero's user for what happens on an online invoice
ONLINE_VIEW_DETAILS = "The customer viewed the online invoice."  # [unconfirmed] text
QUANTITY = Decimal("0.0001")
# what a sales document with money allocated to it may still change (Contact too, unless
# a credit note is allocated to it; on lines only Description, AccountCode and Tracking)
FREE_FIELDS = {
    "Reference",
    "DueDate",
    "ExpectedPaymentDate",
    "PlannedPaymentDate",
    "SentToContact",
    "BrandingThemeID",
    "Url",
    "InvoiceNumber",
    "CreditNoteNumber",
}
# what may be sent again once money is allocated, if unchanged
FROZEN_FIELDS = (
    "Type",
    "Date",
    "CurrencyCode",
    "CurrencyRate",
    "LineAmountTypes",
    "SubTotal",
    "TotalTax",
    "Total",
)
# what a paid line may be sent with, if unchanged
LINE_AMOUNT_FIELDS = (
    "Quantity",
    "UnitAmount",
    "LineAmount",
    "TaxAmount",
    "DiscountRate",
    "DiscountAmount",
    "TaxType",
    "ItemCode",
)
# what clients (xero-python among them) send back although Xero ignores it
READ_ONLY = {
    "InvoiceID",
    "CreditNoteID",
    "RepeatingInvoiceID",
    "Status",
    "HasAttachments",
    "HasErrors",
    "IsDiscounted",
    "StatusAttributeString",
    "ValidationErrors",
    "Warnings",
    "AmountDue",
    "AmountPaid",
    "AmountCredited",
    "AppliedAmount",
    "RemainingCredit",
    "FullyPaidOnDate",
    "UpdatedDateUTC",
    "TotalDiscount",
    "Payments",
    "CreditNotes",
    "Prepayments",
    "Overpayments",
}
EDIT_ALLOCATED = (
    "This document cannot be edited as it has a payment or credit note allocated to it."
)
NO_LINES = "One or more line items must be specified"
NO_DISCOUNTS = (
    "Discounts (DiscountRate or DiscountAmount) can only be given on sales invoices; bills "
    "and credit notes do not support them."
)
# how far a line's given TaxAmount may be from the calculated one
TAX_TOLERANCE = Decimal("1.00")
ACCOUNT_TAX_FLAGS = {
    "REVENUE": "CanApplyToRevenue",
    "EXPENSE": "CanApplyToExpenses",
    "ASSET": "CanApplyToAssets",
    "LIABILITY": "CanApplyToLiabilities",
    "EQUITY": "CanApplyToEquity",
}


# a repeating invoice's DueDateType may name the invoice rather than the bill: the same terms
TERM_ALIASES = {
    "DAYSAFTERINVOICEDATE": "DAYSAFTERBILLDATE",
    "DAYSAFTERINVOICEMONTH": "DAYSAFTERBILLMONTH",
}


def due_from_terms(bill_date, term):
    """A due date from Xero payment terms (Day + Type): so many days after the date or after
    the end of its month, or a day of its month or of the following one (the month's last
    day when shorter)."""
    day, kind = term["Day"], TERM_ALIASES.get(term["Type"], term["Type"])
    if kind == "DAYSAFTERBILLDATE":
        return bill_date + timedelta(days=day)
    month_end = bill_date.replace(day=calendar.monthrange(bill_date.year, bill_date.month)[1])
    if kind == "DAYSAFTERBILLMONTH":
        return month_end + timedelta(days=day)
    if kind == "OFFOLLOWINGMONTH":
        bill_date = month_end + timedelta(days=1)
    last = calendar.monthrange(bill_date.year, bill_date.month)[1]
    return bill_date.replace(day=min(max(day, 1), last))


def line_tax(amount, rate, amount_type):
    """Tax of one line, rounded half-up to the cent (Xero rounds per line, then sums)."""
    if amount_type == "NoTax" or not rate:
        return Decimal("0.00")
    if amount_type == "Inclusive":
        return money(amount * rate / (100 + rate))
    return money(amount * rate / 100)


def _undiscounted(values, line_amount):
    """The Quantity x UnitAmount a discounted LineAmount comes from (for deriving one)."""
    rate, amount = values.get("DiscountRate"), values.get("DiscountAmount")
    if rate is not None and Decimal(str(rate)) != 100:
        return line_amount * 100 / (100 - Decimal(str(rate)))
    if amount is not None and rate is None:
        return line_amount + Decimal(str(amount))
    return line_amount


def _line_differs(old, values, key, unitdp):
    """Whether a paid line's ``key`` in ``values`` differs from the stored line (absent or
    null: unchanged); amounts compare at the precision Xero keeps them."""
    value = values.get(key)
    if value is None:
        return False
    stored = old.get(key)
    if key in ("TaxType", "ItemCode"):
        return value != stored
    places = {
        "Quantity": QUANTITY,
        "UnitAmount": Decimal("0.0001") if unitdp == 4 else Decimal("0.01"),
        "DiscountRate": Decimal("0.01"),
    }.get(key, Decimal("0.01"))
    try:
        given = Decimal(str(value)).quantize(places, ROUND_HALF_UP)
    except (ArithmeticError, ValueError):
        return True
    if stored is None:
        return given != 0 if key in ("DiscountRate", "DiscountAmount") else True
    return given != stored.quantize(places, ROUND_HALF_UP)


class DocumentsMixin:
    # ------------------------------------------------------------ lookups

    def store(self, kind):
        return getattr(self, KINDS[kind]["store"])

    def document_by_number(self, kind, number, doc_type=None):
        key = KINDS[kind]["number"]
        index = (getattr(self, "_number_index", None) or {}).get(kind)
        if index is not None:  # many documents being made at once: no scan of them all
            return index.get((number, doc_type))
        return next(
            (
                d
                for d in self.store(kind).values()
                if d.get(key) == number and (doc_type is None or d["Type"] == doc_type)
            ),
            None,
        )

    def document_for_upsert(self, kind, values, create_only):
        meta = KINDS[kind]
        if values.get(meta["id"]):
            document = self.store(kind).get(values[meta["id"]])
            if not document:
                raise ElementError(
                    f"An existing {meta['label']} with the specified {meta['id']} "
                    "could not be found"
                )
            return document
        if create_only or not values.get(meta["number"]):
            return None
        return self.document_by_number(kind, values[meta["number"]], self._sales_type(kind))

    @contextmanager
    def numbers_indexed(self):
        """Many documents made at once (the admin's bulk seeding): their numbers are looked
        up in an index of the documents instead of a scan of them all, each document made
        meanwhile joining it."""
        self._number_index = {kind: {} for kind in KINDS}
        for kind in KINDS:
            for document in self.store(kind).values():
                self._index_number(kind, document)
        try:
            yield
        finally:
            self._number_index = None

    def _index_number(self, kind, document):
        """The first document of each number, of each type and of any, as a scan finds it."""
        index = (getattr(self, "_number_index", None) or {}).get(kind)
        number = document.get(KINDS[kind]["number"])
        if index is not None and number:
            index.setdefault((number, document["Type"]), document)
            index.setdefault((number, None), document)

    @staticmethod
    def _sales_type(kind):
        return KINDS[kind]["types"][0]

    # ------------------------------------------------------------ saving

    def save_document(
        self,
        kind,
        values,
        user,
        app=None,
        create_only=False,
        target=None,
        unitdp=2,
        allow_backorders=False,
    ):
        """Create or update; approving, voiding or editing an approved document moves the
        stock of its tracked items (``allow_backorders`` lets a sale go below zero)."""
        document = target or self.document_for_upsert(kind, values, create_only)
        if document is None:
            return self._create_document(kind, values, user, app, unitdp, allow_backorders)
        return self._update_document(kind, document, values, user, unitdp, allow_backorders)

    def _create_document(self, kind, values, user, app, unitdp, allow_backorders):
        meta = KINDS[kind]
        doc_type = values.get("Type")
        if doc_type not in meta["types"]:
            raise ElementError(f"{meta['label']} Type must be {' or '.join(meta['types'])}.")
        status = values.get("Status") or "DRAFT"
        if status not in CREATE_STATUSES:
            raise ElementError(
                f"{meta['label']} Status must be DRAFT, SUBMITTED or AUTHORISED when created."
            )
        document = {
            meta["id"]: self.new_id(),
            "Type": doc_type,
            "Status": "DRAFT",
            "LineAmountTypes": "Exclusive",
            "AmountPaid": Decimal("0.00"),
            "AmountCredited": Decimal("0.00"),
            "SentToContact": False,
            "HasAttachments": False,
            "_payments": [],
            "_allocations": [],
            "_app": app,
        }
        document["LineItems"] = []  # a DRAFT credit note may have none
        self._fill_document(kind, document, values, status, unitdp)
        self.move_stock(document, None, allow_backorders, self._label(kind, document), user)
        self.touch(document)
        self.store(kind)[document[meta["id"]]] = document
        self._index_number(kind, document)
        self.log(document[meta["id"]], "Created", self._describe(kind, document), user)
        if status == "AUTHORISED":
            self.log(document[meta["id"]], "Approved", self._describe(kind, document), user)
        self.notify(meta["category"], "CREATE", document[meta["id"]])
        return document

    def _update_document(self, kind, document, values, user, unitdp, allow_backorders):
        meta = KINDS[kind]
        status = values.get("Status") or document["Status"]
        self._check_editable(kind, document, values, status)
        before = dict(document)
        try:
            if status in ("VOIDED", "DELETED"):
                document["Status"] = status
                self._zero_due(document)
            else:
                self._fill_document(kind, document, values, status, unitdp)
            label = self._label(kind, document)
            self.move_stock(document, before, allow_backorders, label, user)
        except ElementError:  # a refused change leaves the document as it was
            document.clear()
            document.update(before)
            raise
        if before != document:
            if not self._quiet_change(document, values):
                self.touch(document)
            change = {"VOIDED": "Voided", "DELETED": "Deleted"}.get(status, "Updated")
            if status == "AUTHORISED" and before["Status"] != "AUTHORISED":
                change = "Approved"
            self.log(document[meta["id"]], change, self._describe(kind, document), user)
            self.notify(meta["category"], "UPDATE", document[meta["id"]])
        return document

    @staticmethod
    def _quiet_change(document, values):
        """A new due date or SentToContact keeps a part-paid document's UpdatedDateUTC."""
        part_paid = document["AmountPaid"] or document["AmountCredited"]
        keys = {k for k in values if k not in READ_ONLY}
        return bool(part_paid) and keys <= {"DueDate", "SentToContact"}

    def _check_editable(self, kind, document, values, status):
        invalid = f"{KINDS[kind]['label']} not of valid status for modification"
        current = document["Status"]
        allocated = self._allocated(document)
        if current in ("VOIDED", "DELETED") or status not in STATUSES:
            raise ElementError(invalid)
        if allocated and document["Type"] in PURCHASE_TYPES:
            raise ElementError(invalid, EDIT_ALLOCATED)
        if status == "DELETED" and current not in EDITABLE:
            raise ElementError(invalid)
        if status == "VOIDED" and current not in ("AUTHORISED", "PAID"):
            raise ElementError(invalid)
        if status == "PAID" and current != "PAID":
            raise ElementError(invalid)
        if current in ("AUTHORISED", "PAID") and status in EDITABLE:
            raise ElementError(invalid)
        if allocated and status == "VOIDED":
            raise ElementError(EDIT_ALLOCATED)
        if allocated:
            self._check_allocated_changes(document, values)

    @staticmethod
    def _allocated(document):
        return bool(document["AmountPaid"] or document["AmountCredited"])

    def _check_allocated_changes(self, document, values):
        """A paid or credited sales document: the free fields, the Contact unless a credit
        note is allocated to it, the lines as ``_paid_lines`` allows; the rest only unchanged."""
        for key, value in values.items():
            if key in READ_ONLY or key in FREE_FIELDS or key == "LineItems":
                continue
            if key == "Contact":
                changed = self._other_contact(document, value or {})
                if changed and document["_allocations"]:
                    raise ElementError(EDIT_ALLOCATED)
            elif key in FROZEN_FIELDS and self._differs(document, key, value):
                raise ElementError(EDIT_ALLOCATED)

    def _other_contact(self, document, given):
        """Whether ``given`` names another contact than the document's (without creating one)."""
        current = document["Contact"]["ContactID"]
        if given.get("ContactID"):
            return str(given["ContactID"]).lower() != current
        if given.get("ContactNumber"):
            found = self.contact_by_number(given["ContactNumber"])
        elif given.get("Name"):
            found = self.active_contact_named(given["Name"])
        else:
            return False
        return not found or found["ContactID"] != current

    @staticmethod
    def _differs(document, key, value):
        stored = document.get(key)
        try:
            if key == "Date":
                return parse_date(value) != stored
            if key == "CurrencyRate":
                return Decimal(str(value)) != stored
            if key in ("SubTotal", "TotalTax", "Total"):
                return money(Decimal(str(value))) != stored
        except (ArithmeticError, ValueError, TypeError):
            return True
        return value != stored

    def _paid_lines(self, document, given, unitdp):
        """The lines of a paid or credited document: each line named by its LineItemID, none
        added or left out, amounts unchanged; Description, AccountCode and Tracking may change."""
        stored = {line["LineItemID"].lower(): line for line in document["LineItems"]}
        ids = [
            str(values.get("LineItemID") or "").lower() if isinstance(values, dict) else ""
            for values in given
        ]
        if "" in ids or len(set(ids)) != len(ids) or set(ids) != set(stored):
            raise ElementError(EDIT_ALLOCATED)
        lines = []
        for line_id, values in zip(ids, given, strict=True):
            old = stored[line_id]
            if any(_line_differs(old, values, key, unitdp) for key in LINE_AMOUNT_FIELDS):
                raise ElementError(EDIT_ALLOCATED)
            line = dict(old)
            if values.get("Description"):
                line["Description"] = text(values, "Description", 4000)
            code = values.get("AccountCode")
            if code and code != old.get("AccountCode") and "TaxType" in old:
                account = self.usable_account(code)
                if account["Type"] == "INVENTORY":
                    raise ElementError(
                        "You cannot save this transaction using an inventory account type"
                    )
                self._tax_rate_for_account(old["TaxType"], account)
                line.update(AccountCode=account["Code"], AccountID=account["AccountID"])
            if values.get("Tracking") is not None:
                line["Tracking"] = self.line_tracking(values["Tracking"])
                if not line["Tracking"]:
                    line.pop("Tracking")
            lines.append(line)
        return lines

    def _zero_due(self, document):
        if "AmountDue" in document:
            document["AmountDue"] = Decimal("0.00")
        if "RemainingCredit" in document:
            document["RemainingCredit"] = Decimal("0.00")

    # ------------------------------------------------------------ filling in

    def _fill_document(self, kind, document, values, status, unitdp):
        if values.get("Contact") is not None or "Contact" not in document:
            document["Contact"] = {
                "ContactID": self._document_contact(values.get("Contact"), document)
            }
        if values.get("LineAmountTypes") is not None:
            if values["LineAmountTypes"] not in AMOUNT_TYPES:
                raise ElementError("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
            document["LineAmountTypes"] = values["LineAmountTypes"]
        document["CurrencyCode"] = self.subscribed_currency(
            values.get("CurrencyCode") or document.get("CurrencyCode") or self.base_currency()
        )
        document["CurrencyRate"] = self._currency_rate(document, values)
        self._fill_dates(kind, document, values)
        self._fill_texts(kind, document, values)
        if values.get("LineItems") is not None:
            if self._allocated(document):
                document["LineItems"] = self._paid_lines(document, values["LineItems"], unitdp)
            else:
                document["LineItems"] = [
                    self._line(document, line, unitdp) for line in values["LineItems"]
                ]
        self._compute_totals(document)
        self._check_total(document, values)
        self._fill_number(kind, document, values)
        self._set_status(kind, document, status)

    def _document_contact(self, given, document):
        if given is None:
            raise ElementError(
                "The Contact must contain at least 1 of the following elements to identify the "
                "contact: Name, ContactID, ContactNumber"
            )
        contact = self._find_document_contact(given)
        if contact["ContactStatus"] == "ARCHIVED" and (
            "Contact" not in document or document["Contact"]["ContactID"] != contact["ContactID"]
        ):
            raise ElementError(
                f"The contact {contact['Name']} has been archived. The contact must be "
                "un-archived before creating new invoices or credit notes."
            )
        return contact["ContactID"]

    def _find_document_contact(self, given):
        if given.get("ContactID"):
            contact = self.contacts.get(given["ContactID"])
            if not contact:
                raise ElementError(f"Contact with ContactID {given['ContactID']} does not exist.")
            return contact
        if given.get("ContactNumber"):
            contact = self.contact_by_number(given["ContactNumber"])
            if not contact:
                raise ElementError(
                    f"Contact with ContactNumber {given['ContactNumber']} does not exist."
                )
            return contact
        if not given.get("Name"):
            raise ElementError(
                "The Contact must contain at least 1 of the following elements to identify the "
                "contact: Name, ContactID, ContactNumber"
            )
        # Xero creates a contact on the fly when none has that name
        return self.active_contact_named(given["Name"]) or self.save_contact(
            {"Name": given["Name"]}, "System Generated"
        )

    def base_currency(self):
        return self.organisation["BaseCurrency"]

    def _currency_rate(self, document, values):
        if document["CurrencyCode"] == self.base_currency():
            return Decimal("1.000000")
        if values.get("CurrencyRate") is not None:
            return Decimal(str(values["CurrencyRate"]))
        return document.get("CurrencyRate") or self.organisation.get("_rates", {}).get(
            document["CurrencyCode"], Decimal("1.000000")
        )

    def _fill_dates(self, kind, document, values):
        for key in ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"):
            if values.get(key) is not None:
                try:
                    document[key] = parse_date(values[key])
                except ValueError as error:
                    raise ElementError(f"{key} is not a valid date.") from error
        document.setdefault("Date", self.local_today())
        if kind == "invoice" and not document.get("DueDate"):
            document["DueDate"] = self._default_due_date(document)

    def _default_due_date(self, document):
        term = self.payment_term(document)
        return due_from_terms(document["Date"], term) if term else None

    def payment_term(self, document):
        """The contact's payment terms for the document's side (sales or bills), else the
        organisation's; None when neither has any."""
        side = "Sales" if document["Type"] in SALES_TYPES else "Bills"
        contact = self.contacts[document["Contact"]["ContactID"]]
        return (contact.get("PaymentTerms") or {}).get(side) or (
            self.organisation.get("PaymentTerms") or {}
        ).get(side)

    def _fill_texts(self, kind, document, values):
        for key, limit in (("Reference", 255), ("Url", 2000)):
            if key in values:
                document[key] = text(values, key, limit)
        if values.get("BrandingThemeID"):
            if values["BrandingThemeID"] not in self.branding_themes:
                raise ElementError("The BrandingThemeID is not valid for this organisation.")
            document["BrandingThemeID"] = values["BrandingThemeID"]
        if values.get("SentToContact") and kind == "invoice":  # read-only on credit notes
            if (
                document["Status"] not in ("AUTHORISED", "PAID")
                and values.get("Status") != "AUTHORISED"
            ):
                raise ElementError("SentToContact can only be set on an approved document.")
            document["SentToContact"] = True

    # ------------------------------------------------------------ lines and totals

    def _line(self, document, values, unitdp):
        sales = document["Type"] in SALES_TYPES
        item = self._line_item(values)
        details = (item or {}).get("SalesDetails" if sales else "PurchaseDetails") or {}
        description = (
            values.get("Description")
            or (item or {}).get("Description" if sales else "PurchaseDescription")
            or (item or {}).get("Name")
        )
        if not description:
            raise ElementError("Description must be specified for each line item.")
        line = {"LineItemID": values.get("LineItemID") or self.new_id(), "Description": description}
        if item:
            line["ItemCode"] = item["Code"]
        quantity, unit, kept = self._line_quantity_and_price(values, details, unitdp)
        if quantity is None:
            line.update(LineAmount=Decimal("0.00"), TaxAmount=Decimal("0.00"))
            return line
        line.update(Quantity=quantity, UnitAmount=unit)
        account = self._line_account(values, details, document, item)
        if account:
            line["AccountCode"] = account["Code"]
            line["AccountID"] = account["AccountID"]
        line["TaxType"] = self._line_tax_type(values, details, document, account)
        self._line_amounts(line, values, document, kept)
        if values.get("Tracking"):
            line["Tracking"] = self.line_tracking(values["Tracking"])
        return line

    def _line_item(self, values):
        if not values.get("ItemCode"):
            return None
        item = self.item_by_code(values["ItemCode"])
        if not item:
            raise ElementError(f"Item code '{values['ItemCode']}' is not valid.")
        return item

    @staticmethod
    def _line_quantity_and_price(values, details, unitdp):
        """(Quantity, UnitAmount, kept LineAmount) of a line. A LineAmount given without a
        Quantity or a UnitAmount derives the missing one and is kept as given; given with both,
        ``_line_amounts`` checks it."""
        given = {k: values.get(k) for k in ("Quantity", "UnitAmount", "LineAmount")}
        if all(v is None for v in given.values()) and details.get("UnitPrice") is None:
            return None, None, None
        try:
            quantity, unit, amount = (
                None if v is None else Decimal(str(v)) for v in given.values()
            )
            kept = None
            if amount is not None and (quantity is None or unit is None):
                kept = money(amount)
                gross = _undiscounted(values, kept)
                if unit is None:
                    quantity = Decimal(1) if quantity is None else quantity
                    unit = gross / quantity if quantity else Decimal(0)
                else:
                    quantity = gross / unit if unit else Decimal(1)
            else:
                quantity = Decimal(1) if quantity is None else quantity
                if unit is None:
                    unit = details.get("UnitPrice") or Decimal(0)
            places = Decimal("0.0001") if unitdp == 4 else Decimal("0.01")
            quantity = quantity.quantize(QUANTITY, ROUND_HALF_UP)
            unit = unit.quantize(places, ROUND_HALF_UP)
        except (ArithmeticError, ValueError) as error:
            raise ElementError("Quantity, UnitAmount and LineAmount must be numbers.") from error
        if quantity < 0:
            raise ElementError(
                f"The quantity value '{quantity}' is invalid. Quantity must not be less than zero."
            )
        return quantity, unit, kept

    def _line_account(self, values, details, document, item):
        """The line's account; a bill's line for a tracked item always goes to the item's
        inventory asset account, and no other line may use an INVENTORY account."""
        if item and item.get("IsTrackedAsInventory") and document["Type"] not in SALES_TYPES:
            return self.usable_account(item["InventoryAssetAccountCode"])
        account = self._chosen_account(values, details, document)
        if account and account["Type"] == "INVENTORY":
            raise ElementError("You cannot save this transaction using an inventory account type")
        return account

    def _chosen_account(self, values, details, document):
        code = values.get("AccountCode") or details.get("AccountCode")
        if not code:
            contact = self.contacts[document["Contact"]["ContactID"]]
            key = (
                "SalesDefaultAccountCode"
                if document["Type"] in SALES_TYPES
                else "PurchasesDefaultAccountCode"
            )
            code = contact.get(key)
        return self.usable_account(code) if code else None

    def _line_tax_type(self, values, details, document, account):
        contact = self.contacts[document["Contact"]["ContactID"]]
        side = (
            "AccountsReceivableTaxType"
            if document["Type"] in SALES_TYPES
            else "AccountsPayableTaxType"
        )
        tax_type = (
            values.get("TaxType")
            or details.get("TaxType")
            or contact.get(side)
            or (account or {}).get("TaxType")
            or "NONE"
        )
        self._tax_rate_for_account(tax_type, account)
        return tax_type

    def _tax_rate_for_account(self, tax_type, account):
        """The active tax rate ``tax_type``, refused if it cannot go with ``account``."""
        rate = self.active_tax_rate(tax_type)
        flag = ACCOUNT_TAX_FLAGS.get((account or {}).get("Class"))
        if account and flag and not rate.get(flag, True):
            raise ElementError(
                f"The TaxType code '{tax_type}' cannot be used with account code "
                f"'{account['Code']}'."
            )
        return rate

    def _line_amounts(self, line, values, document, kept=None):
        """LineAmount = Quantity x UnitAmount x (100 - DiscountRate) / 100 (or less the
        DiscountAmount), rounded once; a given LineAmount must match it (unless it derived the
        UnitAmount or Quantity: ``kept``); a given TaxAmount is kept within TAX_TOLERANCE."""
        gross = line["Quantity"] * line["UnitAmount"]
        rate, amount = values.get("DiscountRate"), values.get("DiscountAmount")
        discounted = rate is not None or amount is not None
        line_amount = money(gross)
        if discounted:
            if document["Type"] != "ACCREC":
                raise ElementError(NO_DISCOUNTS)
            if rate is not None and amount is not None:
                raise ElementError(
                    "A line item can have a DiscountRate or a DiscountAmount, not both."
                )
            if rate is not None:
                rate = Decimal(str(rate))
                if not 0 <= rate <= 100:
                    raise ElementError("DiscountRate must be between 0 and 100.")
                # Xero keeps the rate to 2 dp, but the amount comes from the rate given
                line["DiscountRate"] = rate.quantize(Decimal("0.01"), ROUND_HALF_UP)
                line_amount = money(gross * (100 - rate) / 100)
            else:
                line["DiscountAmount"] = money(Decimal(str(amount)))
                line_amount = money(gross - line["DiscountAmount"])
        if kept is not None:
            line_amount = kept
        elif values.get("LineAmount") is not None:
            given = money(Decimal(str(values["LineAmount"])))
            if given != line_amount:
                raise ElementError(
                    f"The line total {given} does not match the expected line total {line_amount}"
                )
        line["LineAmount"] = line_amount
        line["_discount"] = money(gross) - line_amount if discounted else Decimal("0.00")
        line["TaxAmount"] = self._line_tax_amount(line, values, document)

    def _line_tax_amount(self, line, values, document):
        amount_type = document["LineAmountTypes"]
        tax_rate = self.tax_rates[line["TaxType"]]["EffectiveRate"]
        calculated = line_tax(line["LineAmount"], tax_rate, amount_type)
        if values.get("TaxAmount") is None:
            return calculated
        try:
            given = money(Decimal(str(values["TaxAmount"])))
        except (ArithmeticError, ValueError) as error:
            raise ElementError("TaxAmount must be a number.") from error
        limit = TAX_TOLERANCE if tax_rate and amount_type != "NoTax" else Decimal(0)
        if abs(given - calculated) > limit:
            raise ElementError(
                f"The TaxAmount {given} of the line '{line['Description']}' is more than "
                f"{limit} away from the calculated tax {calculated}."
            )
        return given

    def _compute_totals(self, document):
        lines = document.get("LineItems", [])
        tax = sum((line["TaxAmount"] for line in lines), Decimal("0.00"))
        amounts = sum((line["LineAmount"] for line in lines), Decimal("0.00"))
        if document["LineAmountTypes"] == "Inclusive":
            total, subtotal = amounts, amounts - tax
        else:
            total, subtotal = amounts + tax, amounts
        document.update(
            SubTotal=money(subtotal),
            TotalTax=money(tax),
            Total=money(total),
            TotalDiscount=money(sum((line.get("_discount", 0) for line in lines), Decimal(0))),
        )
        allocated = document["AmountPaid"] + document["AmountCredited"]
        due_key = "RemainingCredit" if "CreditNoteID" in document else "AmountDue"
        document[due_key] = money(document["Total"] - allocated)

    @staticmethod
    def _check_total(document, values):
        if (
            values.get("Total") is not None
            and money(Decimal(str(values["Total"]))) != document["Total"]
        ):
            raise ElementError("The document total does not equal the sum of the lines.")
        if document["Total"] < 0:
            raise ElementError("The document total cannot be negative.")

    def _fill_number(self, kind, document, values):
        meta = KINDS[kind]
        number = text(values, meta["number"], 255, label=f"{meta['label']} Number")
        sales = document["Type"] == self._sales_type(kind)
        if number and sales:
            other = self.document_by_number(kind, number, document["Type"])
            if other and other is not document:
                raise ElementError(f"{meta['label'].split()[0]} # must be unique.")
        if number:
            document[meta["number"]] = number
        elif sales and not document.get(meta["number"]):
            document[meta["number"]] = self._next_number(kind, document["Type"])

    def _next_number(self, kind, doc_type):
        while True:
            self.numbers[doc_type] += 1
            number = f"{KINDS[kind]['prefix']}{self.numbers[doc_type]:04d}"
            if not self.document_by_number(kind, number, doc_type):
                return number

    def _set_status(self, kind, document, status):
        if not document["LineItems"] and (kind == "invoice" or status != "DRAFT"):
            raise ElementError(NO_LINES)
        if status in ("SUBMITTED", "AUTHORISED"):
            missing = [
                line
                for line in document["LineItems"]
                if line.get("Quantity") is not None and not line.get("AccountCode")
            ]
            if missing:
                raise ElementError(
                    "Account code must be specified for each line item of an approved document."
                )
            if kind == "invoice" and not document.get("DueDate"):
                raise ElementError("Due Date must be specified.")
        if document["Status"] == "PAID":
            return
        document["Status"] = status
        due_key = "RemainingCredit" if "CreditNoteID" in document else "AmountDue"
        if status == "AUTHORISED" and document[due_key] == 0 and document["Total"] > 0:
            document["Status"] = "PAID"

    def _label(self, kind, document):
        return f"{KINDS[kind]['label']} {document.get(KINDS[kind]['number']) or '(no number)'}"

    def _describe(self, kind, document):
        meta = KINDS[kind]
        number = document.get(meta["number"]) or "(no number)"
        contact = self.contacts[document["Contact"]["ContactID"]]["Name"]
        return (
            f"{meta['label']} {number} to {contact} for {document['Total']} "
            f"{document['CurrencyCode']}."
        )

    # ------------------------------------------------------------ invoice-only actions

    def email_document(self, document, user):
        if (
            document["Status"] not in ("SUBMITTED", "AUTHORISED", "PAID")
            or document["Type"] != "ACCREC"
        ):
            raise ElementError("Invoice not of valid status for modification")
        contact = self.contacts[document["Contact"]["ContactID"]]
        if not contact.get("EmailAddress"):
            raise ElementError(f"The contact {contact['Name']} does not have an email address.")
        if not document["SentToContact"]:
            document["SentToContact"] = True
            if not (document["AmountPaid"] or document["AmountCredited"]):
                self.touch(document)
            self.notify("INVOICE", "UPDATE", document["InvoiceID"])
        self.log(
            document["InvoiceID"], "Emailed", f"Invoice emailed to {contact['EmailAddress']}.", user
        )

    def online_invoice_token(self, document):
        if document["Type"] != "ACCREC" or document["Status"] not in (
            "SUBMITTED",
            "AUTHORISED",
            "PAID",
        ):
            raise ElementError("An online invoice is only available for an approved sales invoice.")
        return document.setdefault("_online", self.new_id().replace("-", ""))

    def record_online_view(self, document, touch=False, notify=False):
        """The customer opened the invoice's online page: one "Viewed" History record each time.

        Xero logs online-invoice actions as "System Generated"; the texts, and whether a
        view bumps ``UpdatedDateUTC`` or raises INVOICE UPDATE, are [unconfirmed]: the
        sandbox's switches (``XeroSandbox.online_views``) decide, both off by default."""
        self.log(document["InvoiceID"], "Viewed", ONLINE_VIEW_DETAILS, SYSTEM_USER)
        if touch:
            self.touch(document)
        if notify:
            self.notify("INVOICE", "UPDATE", document["InvoiceID"])

    # ------------------------------------------------------------ reading

    def document_view(self, kind, document, lines=True, summary=False, unitdp=2):
        view = {k: v for k, v in document.items() if not k.startswith("_")}
        view["Contact"] = self.contact_reference(document["Contact"]["ContactID"])
        view["HasErrors"] = False
        view["IsDiscounted"] = any(line.get("_discount") for line in document.get("LineItems", []))
        if kind == "invoice":
            view.setdefault("AmountDue", Decimal("0.00"))
        if summary or not lines:
            view.pop("LineItems", None)
        else:
            view["LineItems"] = [self._line_view(line, unitdp) for line in document["LineItems"]]
        if not summary:
            view.update(self._allocations_view(kind, document))
        if kind == "credit":
            view["AppliedAmount"] = money(view.pop("AmountPaid") + view.pop("AmountCredited"))
            for key in ("AmountDue", "TotalDiscount", "IsDiscounted"):
                view.pop(key, None)
        else:
            view.pop("RemainingCredit", None)
        return view

    def _line_view(self, line, unitdp):
        view = {k: v for k, v in line.items() if not k.startswith("_")}
        if "UnitAmount" in view and unitdp != 4:
            view["UnitAmount"] = view["UnitAmount"].quantize(Decimal("0.01"), ROUND_HALF_UP)
        view["Tracking"] = self.line_tracking_view(line.get("Tracking", []))
        return view

    def _allocations_view(self, kind, document):
        payments = [self.payments[p] for p in document["_payments"]]
        view = {
            "Payments": [self.payment_summary(p) for p in payments if p["Status"] != "DELETED"],
        }
        if kind == "invoice":
            allocations = document["_allocations"]
            view["CreditNotes"] = [
                self._credit_summary(a) for a in allocations if "CreditNoteID" in a
            ]
            for plural, id_key in (
                ("Prepayments", "PrepaymentID"),
                ("Overpayments", "OverpaymentID"),
            ):
                view[plural] = [self.credit_summary(a) for a in allocations if id_key in a]
        else:
            view["Allocations"] = [self.allocation_view(a) for a in document["_allocations"]]
        return view

    def _credit_summary(self, allocation):
        credit = self.credit_notes[allocation["CreditNoteID"]]
        return {
            "CreditNoteID": credit["CreditNoteID"],
            "CreditNoteNumber": credit.get("CreditNoteNumber"),
            "Total": credit["Total"],
            "AppliedAmount": allocation["Amount"],
            "Date": allocation["Date"],
            "HasErrors": False,
        }
