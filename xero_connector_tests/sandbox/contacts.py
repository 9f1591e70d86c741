"""Contacts: Xero's rules for names, numbers, e-mails, addresses, phones and balances."""

from decimal import Decimal

from .common import EMAIL, money, text
from .errors import ElementError

TEXT_LIMITS = {
    "ContactNumber": 50,
    "AccountNumber": 50,
    "Name": 255,
    "FirstName": 255,
    "LastName": 255,
    "EmailAddress": 255,
    "CompanyNumber": 50,
    "TaxNumber": 50,
    "BankAccountDetails": 255,
    "Website": 255,
}
ADDRESS_LIMITS = {
    "AddressLine1": 500,
    "AddressLine2": 500,
    "AddressLine3": 500,
    "AddressLine4": 500,
    "City": 255,
    "Region": 255,
    "PostalCode": 50,
    "Country": 50,
    "AttentionTo": 255,
}
PHONE_LIMITS = {"PhoneNumber": 50, "PhoneAreaCode": 10, "PhoneCountryCode": 20}
ADDRESS_TYPES = ("POBOX", "STREET")
PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE")
BLANK_PHONES = ("DEFAULT", "DDI", "FAX", "MOBILE")
TERM_TYPES = ("DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH", "OFCURRENTMONTH", "OFFOLLOWINGMONTH")
SUMMARY_KEYS = (
    "ContactID",
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "EmailAddress",
    "UpdatedDateUTC",
    "IsSupplier",
    "IsCustomer",
    "HasAttachments",
)
OPEN = ("AUTHORISED",)
NOT_FOUND = "The document with the supplied id was not found for this endpoint."


def _email(value, label="Email address"):
    if value and not EMAIL.match(value):
        raise ElementError(f"{label} must be valid.")
    return value


class ContactsMixin:
    # ------------------------------------------------------------ lookups

    def active_contact_named(self, name, exclude=None):
        return next(
            (
                c
                for c in self.contacts.values()
                if c["Name"] == name and c["ContactStatus"] == "ACTIVE" and c is not exclude
            ),
            None,
        )

    def contact_by_number(self, number):
        return next((c for c in self.contacts.values() if c.get("ContactNumber") == number), None)

    def contact_for_upsert(self, values, create_only):
        """The contact a PUT/POST element targets, or None for a new one."""
        if values.get("ContactID"):
            contact = self.contacts.get(values["ContactID"])
            if not contact:
                raise ElementError(NOT_FOUND)
            return contact
        if create_only:
            return None
        if values.get("ContactNumber"):
            return self.contact_by_number(values["ContactNumber"])
        return self.active_contact_named(values.get("Name"))

    # ------------------------------------------------------------ saving

    def save_contact(self, values, user, create_only=False, target=None):
        contact = target or self.contact_for_upsert(values, create_only)
        changes = self._contact_changes(values, creating=contact is None)
        status = changes.get("ContactStatus") or (contact or {}).get("ContactStatus", "ACTIVE")
        name = changes.get("Name") or (contact or {}).get("Name")
        if status == "ACTIVE" and self.active_contact_named(name, exclude=contact):
            raise ElementError(
                f"The contact name {name} is already assigned to another contact. "
                "The contact name must be unique across all active contacts."
            )
        number = changes.get("AccountNumber")
        if number and any(
            c.get("AccountNumber") == number and c is not contact for c in self.contacts.values()
        ):
            raise ElementError(
                "The Account Number already exists. Please enter a different Account Number."
            )
        if contact is None:
            return self._create_contact(changes, user)
        return self._update_contact(contact, changes, user)

    def _create_contact(self, changes, user):
        contact = {
            "ContactID": self.new_id(),
            "ContactStatus": "ACTIVE",
            "Addresses": [{"AddressType": kind} for kind in ADDRESS_TYPES],
            "Phones": [{"PhoneType": kind} for kind in BLANK_PHONES],
            "ContactPersons": [],
            "ContactGroups": [],
            "HasAttachments": False,
        }
        self._apply_contact_changes(contact, changes)
        self.touch(contact)
        self.contacts[contact["ContactID"]] = contact
        self.log(contact["ContactID"], "Created", f"Contact {contact['Name']} created.", user)
        self.notify("CONTACT", "CREATE", contact["ContactID"])
        return contact

    def _update_contact(self, contact, changes, user):
        before = {key: contact.get(key) for key in changes}
        self._apply_contact_changes(contact, changes)
        if before != {key: contact.get(key) for key in changes}:
            self.touch(contact)
            what = "Archived" if changes.get("ContactStatus") == "ARCHIVED" else "Updated"
            self.log(contact["ContactID"], what, f"Contact {contact['Name']} {what.lower()}.", user)
            self.notify("CONTACT", "UPDATE", contact["ContactID"])
        return contact

    @staticmethod
    def _apply_contact_changes(contact, changes):
        for key, value in changes.items():
            if key in ("Addresses", "Phones"):
                kind = "AddressType" if key == "Addresses" else "PhoneType"
                # each given type replaces the entry of its type where it stands: the same
                # phones sent again are no change (no UpdatedDateUTC bump, no webhook)
                given = {entry[kind]: entry for entry in value}
                kept = [given.pop(e[kind], e) for e in contact.get(key, [])]
                contact[key] = kept + list(given.values())
            elif value is None:
                contact.pop(key, None)
            else:
                contact[key] = value

    def _contact_changes(self, values, creating):
        changes = {}
        for key, limit in TEXT_LIMITS.items():
            if key in values:
                changes[key] = text(values, key, limit, label=_label(key))
        if creating and not changes.get("Name"):
            raise ElementError("Contact Name cannot be empty.")
        if "Name" in values and not changes.get("Name"):
            raise ElementError("Contact Name cannot be empty.")
        _email(changes.get("EmailAddress"))
        if "ContactStatus" in values:
            if values["ContactStatus"] not in ("ACTIVE", "ARCHIVED"):
                raise ElementError("ContactStatus must be ACTIVE or ARCHIVED.")
            changes["ContactStatus"] = values["ContactStatus"]
        if values.get("Addresses") is not None:
            changes["Addresses"] = [self._address(a) for a in values["Addresses"]]
        if values.get("Phones") is not None:
            changes["Phones"] = [self._phone(p) for p in values["Phones"]]
        if values.get("ContactPersons") is not None:
            changes["ContactPersons"] = self._persons(values["ContactPersons"])
        changes.update(self._contact_settings(values))
        return changes

    def _contact_settings(self, values):
        changes = {}
        if values.get("DefaultCurrency"):
            changes["DefaultCurrency"] = self.enabled_currency(values["DefaultCurrency"])
        for key in ("AccountsReceivableTaxType", "AccountsPayableTaxType"):
            if values.get(key):
                changes[key] = self.active_tax_rate(values[key])["TaxType"]
        for key in ("SalesDefaultAccountCode", "PurchasesDefaultAccountCode"):
            if values.get(key):
                changes[key] = self.usable_account(values[key])["Code"]
        if values.get("PaymentTerms") is not None:
            changes["PaymentTerms"] = self._payment_terms(values["PaymentTerms"])
        if values.get("Discount") is not None:
            changes["Discount"] = Decimal(str(values["Discount"]))
        return changes

    @staticmethod
    def _address(values):
        if values.get("AddressType") not in ADDRESS_TYPES:
            raise ElementError("AddressType must be POBOX or STREET.")
        address = {"AddressType": values["AddressType"]}
        for key, limit in ADDRESS_LIMITS.items():
            address[key] = text(values, key, limit, label=_label(key))
        return {k: v for k, v in address.items() if v is not None}

    @staticmethod
    def _phone(values):
        if values.get("PhoneType") not in PHONE_TYPES:
            raise ElementError("PhoneType must be DEFAULT, DDI, MOBILE, FAX or OFFICE.")
        phone = {"PhoneType": values["PhoneType"]}
        for key, limit in PHONE_LIMITS.items():
            phone[key] = text(values, key, limit, label=_label(key))
        return {k: v for k, v in phone.items() if v is not None}

    @staticmethod
    def _persons(persons):
        if len(persons) > 5:
            raise ElementError("A contact can have at most 5 contact persons.")
        result = []
        for person in persons:
            entry = {
                key: text(person, key, 255, label=_label(key)) for key in ("FirstName", "LastName")
            }
            entry["EmailAddress"] = _email(
                text(person, "EmailAddress", 255, label="Email address"),
                label="Contact person email address",
            )
            entry["IncludeInEmails"] = bool(person.get("IncludeInEmails", False))
            result.append({k: v for k, v in entry.items() if v is not None})
        return result

    @staticmethod
    def _payment_terms(terms):
        result = {}
        for side in ("Sales", "Bills"):
            term = terms.get(side)
            if not term:
                continue
            day, kind = term.get("Day"), term.get("Type")
            if kind not in TERM_TYPES:
                raise ElementError(f"{side} payment terms need a valid Type.")
            if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 31:
                raise ElementError(f"{side} payment terms Day must be between 0 and 31.")
            result[side] = {"Day": day, "Type": kind}
        return result

    # ------------------------------------------------------------ accountant's actions

    def merge_contacts(self, source, target, user):
        """Merge ``source`` into ``target`` as a Xero user does: documents move, source archives."""
        if source is target:
            raise ElementError("A contact cannot be merged into itself.")
        for document in (*self.invoices.values(), *self.credit_notes.values()):
            if document["Contact"]["ContactID"] == source["ContactID"]:
                document["Contact"] = {"ContactID": target["ContactID"]}
                self.touch(document)
                category = "INVOICE" if "InvoiceID" in document else "CREDITNOTE"
                self.notify(
                    category, "UPDATE", document.get("InvoiceID") or document["CreditNoteID"]
                )
        # money received or spent moves too (no webhook category for it)
        for record in (
            *self.bank_transactions.values(),
            *self.overpayments.values(),
            *self.prepayments.values(),
        ):
            if record["Contact"]["ContactID"] == source["ContactID"]:
                record["Contact"] = {"ContactID": target["ContactID"]}
                self.touch(record)
        source.update(ContactStatus="ARCHIVED", MergedToContactID=target["ContactID"])
        self.touch(source)
        self.touch(target)
        self.log(source["ContactID"], "Merged", f"Merged into {target['Name']}.", user)
        self.log(target["ContactID"], "Merged", f"{source['Name']} merged into this contact.", user)
        self.notify("CONTACT", "UPDATE", source["ContactID"])
        self.notify("CONTACT", "UPDATE", target["ContactID"])
        return target

    # ------------------------------------------------------------ reading

    def documents_of(self, contact_id, types):
        return [d for d in self._documents_by_contact().get(contact_id, ()) if d["Type"] in types]

    def _documents_by_contact(self):
        """{ContactID: its invoices and credit notes}: made once for a listing of many
        contacts, again when a document was made or changed (its contact may have)."""
        key = (len(self.invoices), len(self.credit_notes), self.touches)
        kept = getattr(self, "_by_contact", None)
        if kept and kept[0] == key:
            return kept[1]
        found = {}
        for document in (*self.invoices.values(), *self.credit_notes.values()):
            found.setdefault(document["Contact"]["ContactID"], []).append(document)
        self._by_contact = (key, found)
        return found

    def balances(self, contact_id):
        today = self.today()
        result = {}
        for side, (invoice, credit) in {
            "AccountsReceivable": ("ACCREC", "ACCRECCREDIT"),
            "AccountsPayable": ("ACCPAY", "ACCPAYCREDIT"),
        }.items():
            outstanding = overdue = Decimal(0)
            for document in self.documents_of(contact_id, (invoice, credit)):
                if document["Status"] not in OPEN:
                    continue
                if document["Type"] == invoice:
                    outstanding += document["AmountDue"]
                    if document.get("DueDate") and document["DueDate"] < today:
                        overdue += document["AmountDue"]
                else:
                    outstanding -= document["RemainingCredit"]
            # money received (spent) in advance and not yet used sits on the same account
            prefix = "RECEIVE" if invoice == "ACCREC" else "SPEND"
            for credit in (*self.overpayments.values(), *self.prepayments.values()):
                if (
                    credit["Contact"]["ContactID"] == contact_id
                    and credit["Status"] == "AUTHORISED"
                    and credit["Type"].startswith(prefix)
                ):
                    outstanding -= credit["RemainingCredit"]
            result[side] = {"Outstanding": money(outstanding), "Overdue": money(overdue)}
        return result

    def _is_party(self, contact_id, invoice_type):
        return any(
            d["Status"] in ("AUTHORISED", "PAID")
            for d in self.documents_of(contact_id, (invoice_type,))
        )

    def contact_view(self, contact, summary=False, balances=True):
        view = {key: value for key, value in contact.items() if not key.startswith("_")}
        view["IsCustomer"] = self._is_party(contact["ContactID"], "ACCREC")
        view["IsSupplier"] = self._is_party(contact["ContactID"], "ACCPAY")
        if summary:
            return {key: view[key] for key in SUMMARY_KEYS if key in view}
        view["HasValidationErrors"] = False
        if balances:
            view["Balances"] = self.balances(contact["ContactID"])
        return view

    def contact_reference(self, contact_id):
        """The contact as it appears inside an invoice, a credit note or a payment."""
        contact = self.contacts[contact_id]
        keys = (
            "ContactID",
            "ContactNumber",
            "AccountNumber",
            "ContactStatus",
            "Name",
            "EmailAddress",
        )
        return {key: contact[key] for key in keys if contact.get(key) is not None} | {
            "HasAttachments": False,
            "HasValidationErrors": False,
        }


def _label(key):
    labels = {
        "EmailAddress": "Email address",
        "AccountNumber": "Account Number",
        "ContactNumber": "Contact Number",
        "Name": "Contact Name",
    }
    return labels.get(key, key)
