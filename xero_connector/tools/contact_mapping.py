"""Xero contacts in the addon's canonical form, and the rules that compare them.

A contact is compared key by key, each key being a top-level field of Xero's
contact (``Name``, ``Phones``...) holding the value in one canonical shape: what
Odoo would send and what Xero answered are reduced to the same form, so that equal
means equal. Nothing here touches the database.
"""

import re
from typing import NamedTuple

from .sync_rules import canonical

# key: (label, Odoo fields whose change is that key's change)
CONTACT_KEYS = {
    "Name": ("Name", ("name",)),
    "EmailAddress": ("Email", ("email",)),
    "Phones": ("Phone", ("phone",)),
    "Addresses": (
        "Addresses",
        ("street", "street2", "city", "zip", "state_id", "country_id"),
    ),
    "TaxNumber": ("Tax ID (VAT)", ("vat",)),
    "AccountNumber": ("Reference (account number)", ("ref",)),
    "CompanyNumber": ("Company ID (company number)", ("company_registry",)),
    "PaymentTerms": ("Payment terms", ("property_payment_term_id",)),
    "DefaultCurrency": ("Currency", ("property_product_pricelist",)),
    "ContactPersons": ("Contact persons", ()),
    "ContactStatus": ("Archived", ("active",)),
}
# keys Xero does not let an Odoo value come back from, by default
ODOO_ONLY = ("DefaultCurrency", "ContactPersons")
ADDRESS_KEYS = ("AddressLine1", "AddressLine2", "City", "Region", "PostalCode", "Country")
# Xero's length limits, checked before sending
LIMITS = {
    "Name": 255,
    "EmailAddress": 255,
    "TaxNumber": 50,
    "AccountNumber": 50,
    "CompanyNumber": 50,
    "AddressLine1": 500,
    "AddressLine2": 500,
    "City": 255,
    "Region": 255,
    "PostalCode": 50,
    "Country": 50,
    "PhoneNumber": 50,
}
EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
# Odoo payment term (one line, 100%) <-> Xero's sales terms
TERM_TYPES = {
    "days_after": "DAYSAFTERBILLDATE",
    "days_after_end_of_month": "DAYSAFTERBILLMONTH",
    "days_end_of_month_on_the": "OFFOLLOWINGMONTH",
}


def text(value):
    return (value or "").strip()


def email_key(value):
    """An email as matching compares it: trimmed, lower case."""
    return text(value).lower()


# ---------------------------------------------------------------- canonical values


def address(kind, values):
    """A Xero address of ``kind`` (POBOX or STREET) from {Xero key: text}."""
    return {"AddressType": kind, **{key: text(values.get(key)) for key in ADDRESS_KEYS}}


def addresses(billing, delivery):
    return [address("POBOX", billing), address("STREET", delivery)]


def phones(number):
    return [{"PhoneType": "DEFAULT", "PhoneNumber": text(number)}]


def person(name, email):
    first, _space, last = text(name).partition(" ")
    return {
        "FirstName": first,
        "LastName": last,
        "EmailAddress": text(email),
        "IncludeInEmails": True,
    }


def payment_terms(delay_type, days):
    """Xero's sales terms of an Odoo term, or None when Xero has no such kind."""
    kind = TERM_TYPES.get(delay_type)
    if not kind or not 0 <= days <= 31:
        return None
    return {"Sales": {"Day": days, "Type": kind}}


def normalize(contact):
    """A contact as Xero answered it, reduced to the canonical form of each key."""
    values = {}
    for key in ("Name", "EmailAddress", "TaxNumber", "AccountNumber", "CompanyNumber"):
        values[key] = text(contact.get(key))
    by_type = {p.get("PhoneType"): text(p.get("PhoneNumber")) for p in contact.get("Phones") or []}
    # Odoo 19 has one phone per partner: a contact with only a mobile number gives that
    values["Phones"] = phones(by_type.get("DEFAULT") or by_type.get("MOBILE"))
    kinds = {a.get("AddressType"): a for a in contact.get("Addresses") or []}
    values["Addresses"] = addresses(kinds.get("POBOX") or {}, kinds.get("STREET") or {})
    sales = (contact.get("PaymentTerms") or {}).get("Sales")
    values["PaymentTerms"] = (
        {"Sales": {"Day": sales.get("Day"), "Type": sales.get("Type")}} if sales else None
    )
    values["DefaultCurrency"] = contact.get("DefaultCurrency") or None
    values["ContactPersons"] = [
        person(f"{p.get('FirstName') or ''} {p.get('LastName') or ''}", p.get("EmailAddress"))
        for p in contact.get("ContactPersons") or []
    ]
    values["ContactStatus"] = "ACTIVE" if contact.get("ContactStatus") == "ACTIVE" else "ARCHIVED"
    return values


def same_contact(contact, sent):
    """Whether a contact as Xero answered it holds every value of ``sent`` (a payload in
    canonical form): the contact a create made."""
    values = normalize(contact)
    return all(
        key in values and canonical(values[key]) == canonical(value) for key, value in sent.items()
    )


def problems(payload):
    """What Xero would refuse in a payload: [(message, Xero key)], before any call."""
    found = []
    if "Name" in payload and not payload["Name"]:
        found.append(("The name is empty, and Xero needs one.", "Name"))
    email = payload.get("EmailAddress")
    if email and not EMAIL.match(email):
        found.append((f"“{email}” is not an email address Xero accepts.", "EmailAddress"))
    for key, value in _texts(payload):
        if len(value) > LIMITS[key]:
            found.append(
                (f"{key} is {len(value)} characters long; Xero allows {LIMITS[key]}.", key)
            )
    return found


def _texts(payload):
    for key in ("Name", "EmailAddress", "TaxNumber", "AccountNumber", "CompanyNumber"):
        if payload.get(key):
            yield key, payload[key]
    for entry in payload.get("Addresses") or []:
        for key in ADDRESS_KEYS:
            if entry.get(key):
                yield key, entry[key]
    for entry in payload.get("Phones") or []:
        if entry.get("PhoneNumber"):
            yield "PhoneNumber", entry["PhoneNumber"]


# ---------------------------------------------------------------- matching


def as_contact(contact):
    """What matching compares of a Xero contact."""
    return {
        "id": (contact.get("ContactID") or "").lower(),
        "email": contact.get("EmailAddress"),
        "account": contact.get("AccountNumber"),
        "number": contact.get("ContactNumber"),
        "name": contact.get("Name"),
        "active": contact.get("ContactStatus", "ACTIVE") == "ACTIVE",
    }


def as_partner(partner_id, email, ref, name):
    """What matching compares of an Odoo partner (its reference is both numbers)."""
    return {"id": partner_id, "email": email, "account": ref, "number": ref, "name": name}


MATCH_RULES = (
    ("email", "email", email_key),
    ("account number", "account", text),
    ("contact number", "number", text),
    ("name", "name", text),
)


def match(probe, candidates, by_name=True):
    """The candidates ``probe`` is, by the first rule that finds any: email (trimmed,
    case-insensitive), account number, contact number, exact name. Returns
    (rule, [candidates]): one is a match, several an ambiguity for a person.

    A same-named candidate with another email is another customer, not a match;
    ``by_name=False`` never matches by name."""
    for rule, key, norm in MATCH_RULES:
        wanted = norm(probe.get(key))
        if not wanted or (rule == "name" and not by_name):
            continue
        found = [c for c in candidates if norm(c.get(key)) == wanted]
        if rule == "name":
            email = email_key(probe.get("email"))
            found = [c for c in found if not email or email_key(c.get("email")) in ("", email)]
        if found:
            return rule, found
    return None, []


class Decision(NamedTuple):
    """What matching decided for one record: ``link`` to ``found[0]``, ``review`` the
    candidates ``found`` (``reason``: ambiguous or linked_elsewhere), ``name_taken``
    (no match, but Xero has an active contact with its name) or ``new``."""

    verdict: str
    rule: str | None = None
    found: tuple = ()
    reason: str | None = None


def decide(probe, candidates, taken=frozenset(), by_name=True, active_names=None):
    """The one matching rule, for the queue, the review list and going live.

    ``candidates`` are match rows of the other side, ``taken`` the ids among them
    already linked to another record, ``active_names`` (for a partner about to be
    created in Xero) the names of Xero's active contacts."""
    rule, found = match(probe, candidates, by_name=by_name)
    if len(found) == 1 and found[0]["id"] not in taken:
        return Decision("link", rule, tuple(found))
    if found:
        reason = "ambiguous" if len(found) > 1 else "linked_elsewhere"
        return Decision("review", rule, tuple(found), reason)
    if active_names is not None and text(probe.get("name")) in active_names:
        return Decision("name_taken")
    return Decision("new")


class ContactIndex:
    """Match rows (see ``as_contact``/``as_partner``) indexed by email, numbers and name,
    so that each probe is compared with its few possible candidates only."""

    def __init__(self, rows):
        self.by = {}
        for row in rows:
            for value in self._keys(row):
                self.by.setdefault(value, []).append(row)

    @staticmethod
    def _keys(row):
        keys = {("email", email_key(row.get("email"))), ("name", text(row.get("name")))}
        keys |= {("number", text(row.get(k))) for k in ("account", "number")}
        return {key for key in keys if key[1]}

    def candidates(self, probe):
        found = {}
        for key in self._keys(probe):
            for row in self.by.get(key, []):
                found[id(row)] = row
        return list(found.values())


def distinct_name(name, taken, city=None, ref=None, odoo_id=None):
    """A name Xero does not have yet: the name with the city, the reference or the Odoo
    id in brackets, whichever is free first."""
    for hint in (city, ref, f"#{odoo_id}" if odoo_id else None):
        candidate = f"{name} ({text(hint)})" if text(hint) else None
        if candidate and candidate not in taken:
            return candidate
    index = 2
    while f"{name} ({index})" in taken:
        index += 1
    return f"{name} ({index})"
