"""Contacts in the sandbox behave as Xero's: names, limits, e-mails, filters, paging, history."""

from datetime import timedelta

import pytest
from xero_python.accounting import (
    Address,
    Bill,
    Contact,
    ContactPerson,
    Contacts,
    HistoryRecord,
    HistoryRecords,
    PaymentTerm,
    PaymentTermType,
    Phone,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

UNIQUE = (
    "The contact name {} is already assigned to another contact. "
    "The contact name must be unique across all active contacts."
)


def create(xero, *contacts, **kwargs):
    return xero.api.create_contacts(
        xero.tenant_id, Contacts(contacts=list(contacts)), **kwargs
    ).contacts


def refused(xero, contact, method="create_contacts"):
    with pytest.raises(AccountingBadRequestException) as failure:
        getattr(xero.api, method)(xero.tenant_id, Contacts(contacts=[contact]))
    return failure.value.reason


def test_create_fills_blank_addresses_and_phones_and_reads_back(xero):
    (created,) = create(
        xero,
        Contact(
            name="Harbour Kayaks",
            email_address="info@harbour-kayaks.example",
            phones=[Phone(phone_type="MOBILE", phone_number="021 555 010")],
            addresses=[
                Address(
                    address_type="STREET", address_line1="3 Quay St", city="Auckland", country="NZ"
                )
            ],
            contact_persons=[
                ContactPerson(first_name="Ana", email_address="ana@harbour-kayaks.example")
            ],
            payment_terms=PaymentTerm(sales=Bill(day=14, type=PaymentTermType.DAYSAFTERBILLDATE)),
        ),
    )
    assert created.contact_status == "ACTIVE" and created.updated_date_utc
    assert {a.address_type for a in created.addresses} == {"STREET", "POBOX"}
    assert {p.phone_type for p in created.phones} == {"DEFAULT", "DDI", "FAX", "MOBILE"}
    assert created.payment_terms.sales.day == 14
    fetched = xero.api.get_contact(xero.tenant_id, created.contact_id).contacts[0]
    assert fetched.email_address == "info@harbour-kayaks.example"
    assert fetched.contact_persons[0].first_name == "Ana"
    assert fetched.balances.accounts_receivable.outstanding == 0
    assert fetched.is_customer is False


def test_name_is_required_unique_among_active_contacts_and_reusable_once_archived(xero):
    assert refused(xero, Contact(email_address="x@example.com")) == "Contact Name cannot be empty."
    assert refused(xero, Contact(name="Ridgeway Builders")) == UNIQUE.format("Ridgeway Builders")
    # the archived seed contact's name is free again
    (reused,) = create(xero, Contact(name="Old Harbour Traders"))
    assert reused.contact_status == "ACTIVE"
    archived = next(c for c in xero.books.contacts.values() if c["ContactStatus"] == "ARCHIVED")
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.update_contact(
            xero.tenant_id,
            archived["ContactID"],
            Contacts(contacts=[Contact(contact_status="ACTIVE")]),
        )
    assert failure.value.reason == UNIQUE.format("Old Harbour Traders")


def raw_refusal(xero, contact):
    """xero-python checks some lengths itself; other clients do not, so send raw JSON."""
    answer = xero.raw("PUT", "/Contacts", json={"Contacts": [contact]})
    assert answer.status_code == 400
    return answer.json()["Elements"][0]["ValidationErrors"][0]["Message"]


def test_field_lengths_and_emails_are_checked(xero):
    assert raw_refusal(xero, {"Name": "x" * 256}) == (
        "Contact Name must not be more than 255 characters long."
    )
    assert raw_refusal(xero, {"Name": "Ok", "AccountNumber": "A" * 51}) == (
        "Account Number must not be more than 50 characters long."
    )
    assert (
        refused(xero, Contact(name="Ok", email_address="not-an-email"))
        == "Email address must be valid."
    )
    phone = {"PhoneType": "DEFAULT", "PhoneNumber": "1" * 51}
    assert raw_refusal(xero, {"Name": "Ok", "Phones": [phone]}) == (
        "PhoneNumber must not be more than 50 characters long."
    )
    address = {"AddressType": "POBOX", "PostalCode": "9" * 51}
    assert raw_refusal(xero, {"Name": "Ok", "Addresses": [address]}) == (
        "PostalCode must not be more than 50 characters long."
    )
    assert not any(c["Name"] == "Ok" for c in xero.books.contacts.values())


def test_account_numbers_are_unique(xero):
    assert refused(xero, Contact(name="Someone", account_number="BAY001")) == (
        "The Account Number already exists. Please enter a different Account Number."
    )


def test_put_creates_post_updates_by_id_number_or_name(xero):
    (created,) = create(xero, Contact(name="Kiwi Fencing", contact_number="KF-1"))
    xero.api.update_or_create_contacts(
        xero.tenant_id,
        Contacts(contacts=[Contact(contact_number="KF-1", email_address="a@kf.example")]),
    )
    xero.api.update_or_create_contacts(
        xero.tenant_id, Contacts(contacts=[Contact(name="Kiwi Fencing", tax_number="12-345-678")])
    )
    fetched = xero.api.get_contact_by_contact_number(xero.tenant_id, "KF-1").contacts[0]
    assert fetched.contact_id == created.contact_id
    assert (fetched.email_address, fetched.tax_number) == ("a@kf.example", "12-345-678")
    assert sum(c["Name"] == "Kiwi Fencing" for c in xero.books.contacts.values()) == 1


def test_archived_contacts_need_include_archived(xero):
    names = {c.name for c in xero.api.get_contacts(xero.tenant_id).contacts}
    assert "Old Harbour Traders" not in names
    everyone = xero.api.get_contacts(xero.tenant_id, include_archived=True).contacts
    assert "Old Harbour Traders" in {c.name for c in everyone}


def test_where_order_ids_and_search(xero):
    api, tenant = xero.api, xero.tenant_id
    found = api.get_contacts(tenant, where='Name.StartsWith("Ta")').contacts
    assert [c.name for c in found] == ["Tasman Marine Supplies"]
    ordered = api.get_contacts(tenant, order="Name DESC").contacts
    assert [c.name for c in ordered] == sorted((c.name for c in ordered), reverse=True)
    some = [c.contact_id for c in ordered[:2]]
    assert {c.contact_id for c in api.get_contacts(tenant, i_ds=some).contacts} == set(some)
    assert [c.name for c in api.get_contacts(tenant, search_term="BAYSIDE").contacts] == [
        "Bayside Boating Club"
    ]
    email = 'EmailAddress=="office@ridgeway-builders.example"'
    assert [c.name for c in api.get_contacts(tenant, where=email).contacts] == ["Ridgeway Builders"]


def test_a_bad_where_is_a_clear_400(xero):
    answer = xero.raw("GET", "/Contacts", params={"where": 'Name=="unterminated'})
    assert answer.status_code == 400
    assert "Invalid where clause" in answer.json()["Message"]


def test_paging_up_to_1000_with_the_pagination_object(xero):
    create(xero, *[Contact(name=f"Paged {n:03d}") for n in range(120)])
    first = xero.api.get_contacts(xero.tenant_id, page=1, order="Name")
    assert len(first.contacts) == 100
    assert (first.pagination.page, first.pagination.page_size) == (1, 100)
    assert first.pagination.item_count == 124 and first.pagination.page_count == 2
    second = xero.api.get_contacts(xero.tenant_id, page=2, page_size=100, order="Name")
    assert len(second.contacts) == 24
    big = xero.api.get_contacts(xero.tenant_id, page=1, page_size=5000)
    assert big.pagination.page_size == 1000 and len(big.contacts) == 124
    assert xero.api.get_contacts(xero.tenant_id).pagination is None


def test_if_modified_since_returns_only_later_changes(xero, sandbox):
    cursor = sandbox.clock.now()
    assert xero.api.get_contacts(xero.tenant_id, if_modified_since=cursor).contacts == []
    sandbox.clock.advance(5)
    create(xero, Contact(name="Fresh Fish Ltd"))
    changed = xero.api.get_contacts(xero.tenant_id, if_modified_since=cursor).contacts
    assert [c.name for c in changed] == ["Fresh Fish Ltd"]


def test_summary_only_leaves_out_heavy_fields(xero):
    light = xero.api.get_contacts(xero.tenant_id, summary_only=True).contacts[0]
    assert light.contact_id and light.name
    assert light.addresses is None and light.balances is None


def test_updated_date_moves_on_change_only(xero, sandbox):
    contact = xero.api.get_contacts(xero.tenant_id).contacts[0]
    sandbox.clock.advance(3)
    same = xero.api.update_contact(
        xero.tenant_id, contact.contact_id, Contacts(contacts=[Contact(name=contact.name)])
    )
    assert same.contacts[0].updated_date_utc == contact.updated_date_utc
    changed = xero.api.update_contact(
        xero.tenant_id,
        contact.contact_id,
        Contacts(contacts=[Contact(website="https://example.com")]),
    )
    assert changed.contacts[0].updated_date_utc > contact.updated_date_utc


def test_history_is_recorded_and_notes_can_be_added(xero):
    (created,) = create(xero, Contact(name="Noted Ltd"))
    records = xero.api.get_contact_history(xero.tenant_id, created.contact_id).history_records
    assert [r.changes for r in records] == ["Created"]
    note = HistoryRecords(
        history_records=[HistoryRecord(details="Called about the overdue invoice")]
    )
    xero.api.create_contact_history(xero.tenant_id, created.contact_id, note)
    records = xero.api.get_contact_history(xero.tenant_id, created.contact_id).history_records
    assert records[-1].details == "Called about the overdue invoice" and records[-1].date_utc


def test_unknown_contact_is_404(xero):
    with pytest.raises(NotFoundException):
        xero.api.get_contact(xero.tenant_id, "00000000-0000-0000-0000-000000000001")


def test_balances_follow_invoices_and_the_clock(xero, sandbox):
    bayside = next(c for c in xero.books.contacts.values() if c["Name"] == "Bayside Boating Club")
    balances = xero.api.get_contact(xero.tenant_id, bayside["ContactID"]).contacts[0].balances
    due = sum(
        i["AmountDue"]
        for i in xero.books.invoices.values()
        if i["Contact"]["ContactID"] == bayside["ContactID"] and i["Status"] == "AUTHORISED"
    )
    assert balances.accounts_receivable.outstanding == due
    assert balances.accounts_receivable.overdue == 0
    xero.advance(timedelta(days=70).total_seconds())
    later = xero.api.get_contact(xero.tenant_id, bayside["ContactID"]).contacts[0].balances
    assert later.accounts_receivable.overdue == due
