"""Invoices in the sandbox: Xero's arithmetic, numbers, statuses, edit rules and extras."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import (
    Contact,
    CurrencyCode,
    HistoryRecord,
    HistoryRecords,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    RequestEmpty,
)
from xero_python.exceptions import AccountingBadRequestException

EDIT_ALLOCATED = (
    "This document cannot be edited as it has a payment or credit note allocated to it."
)


def contact_id(xero, name):
    return next(c["ContactID"] for c in xero.books.contacts.values() if c["Name"] == name)


def line(description="Widget", quantity=1, unit_amount="10.00", account_code="200", **extra):
    return LineItem(
        description=description,
        quantity=Decimal(str(quantity)),
        unit_amount=Decimal(str(unit_amount)),
        account_code=account_code,
        **extra,
    )


def invoice(xero, lines, contact="Ridgeway Builders", status="AUTHORISED", **extra):
    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id(xero, contact)),
        line_items=lines,
        status=status,
        **extra,
    )


def create(xero, *invoices, **kwargs):
    return xero.api.create_invoices(
        xero.tenant_id, Invoices(invoices=list(invoices)), **kwargs
    ).invoices


def refusal(xero, document, method="create_invoices"):
    with pytest.raises(AccountingBadRequestException) as failure:
        getattr(xero.api, method)(xero.tenant_id, Invoices(invoices=[document]))
    return failure.value.reason


def update(xero, invoice_id, **fields):
    return xero.api.update_invoice(
        xero.tenant_id, invoice_id, Invoices(invoices=[Invoice(**fields)])
    ).invoices[0]


def test_tax_is_rounded_half_up_per_line_then_summed(xero):
    (created,) = create(xero, invoice(xero, [line(unit_amount="0.10") for _ in range(3)]))
    # 0.015 per line rounds to 0.02; rounding the total (0.045) would give 0.05
    assert [item.tax_amount for item in created.line_items] == [Decimal("0.02")] * 3
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("0.30"),
        Decimal("0.06"),
        Decimal("0.36"),
    )
    assert created.amount_due == created.total and created.amount_paid == 0


def test_discounts_and_inclusive_amounts(xero):
    (discounted,) = create(
        xero, invoice(xero, [line(quantity=3, unit_amount="19.99", discount_rate=Decimal(10))])
    )
    item = discounted.line_items[0]
    assert (item.line_amount, item.tax_amount) == (Decimal("53.97"), Decimal("8.10"))
    assert discounted.total_discount == Decimal("6.00") and discounted.is_discounted
    (inclusive,) = create(
        xero,
        invoice(xero, [line(unit_amount="115.00")], line_amount_types=LineAmountTypes.INCLUSIVE),
    )
    assert (inclusive.sub_total, inclusive.total_tax, inclusive.total) == (
        Decimal("100.00"),
        Decimal("15.00"),
        Decimal("115.00"),
    )


def test_unit_prices_are_two_decimals_unless_unitdp_4(xero):
    (plain,) = create(xero, invoice(xero, [line(quantity=2, unit_amount="1.795")]))
    assert plain.line_items[0].unit_amount == Decimal("1.80")
    assert plain.line_items[0].line_amount == Decimal("3.60")
    (precise,) = create(xero, invoice(xero, [line(quantity=2, unit_amount="1.795")]), unitdp=4)
    assert precise.line_items[0].unit_amount == Decimal("1.7950")
    assert precise.line_items[0].line_amount == Decimal("3.59")
    assert precise.line_items[0].quantity == Decimal("2.0000")


def test_items_fill_lines_and_payment_terms_fill_the_due_date(xero):
    (created,) = create(xero, invoice(xero, [LineItem(item_code="TOOL-HAM", quantity=Decimal(2))]))
    item = created.line_items[0]
    assert (item.description, item.unit_amount, item.account_code, item.tax_type) == (
        "Claw hammer",
        Decimal("29.90"),
        "200",
        "OUTPUT2",
    )
    # the organisation's terms: the 20th of the following month
    issued = created.date
    following = (issued.replace(day=28) + timedelta(days=4)).replace(day=20)
    assert created.due_date == following


def test_numbers_are_automatic_and_unique_for_sales_only(xero):
    first, second = create(xero, invoice(xero, [line()]), invoice(xero, [line()]))
    number = int(first.invoice_number.split("-")[1])
    assert second.invoice_number == f"INV-{number + 1:04d}"
    assert refusal(xero, invoice(xero, [line()], invoice_number=first.invoice_number)) == (
        "Invoice # must be unique."
    )
    update(xero, first.invoice_id, status="VOIDED")
    # a voided number is still taken
    assert refusal(xero, invoice(xero, [line()], invoice_number=first.invoice_number)) == (
        "Invoice # must be unique."
    )
    bills = [
        Invoice(
            type="ACCPAY",
            contact=Contact(contact_id=contact_id(xero, "Hamilton Timber Co")),
            invoice_number="BILL-7",
            line_items=[line(account_code="310", tax_type="INPUT2")],
        )
        for _ in range(2)
    ]
    assert [b.invoice_number for b in create(xero, *bills)] == ["BILL-7", "BILL-7"]


def test_contacts_are_found_by_name_or_created_and_archived_ones_refused(xero):
    document = invoice(xero, [line()])
    document.contact = Contact(name="Walk-in Customer")
    (created,) = create(xero, document)
    assert created.contact.name == "Walk-in Customer"
    assert any(c["Name"] == "Walk-in Customer" for c in xero.books.contacts.values())
    archived = next(c for c in xero.books.contacts.values() if c["ContactStatus"] == "ARCHIVED")
    document.contact = Contact(contact_id=archived["ContactID"])
    assert refusal(xero, document) == (
        "The contact Old Harbour Traders has been archived. The contact must be un-archived "
        "before creating new invoices or credit notes."
    )
    document.contact = Contact()
    assert refusal(xero, document) == (
        "The Contact must contain at least 1 of the following elements to identify the contact: "
        "Name, ContactID, ContactNumber"
    )


def test_accounts_and_tax_types_must_exist_be_active_and_fit(xero):
    assert refusal(xero, invoice(xero, [line(account_code="999")])) == (
        "Account code '999' is not a valid code for this document."
    )
    assert refusal(xero, invoice(xero, [line(account_code="205")])) == (
        "Account code '205' has been archived, or deleted. "
        "Each line item must reference a valid account."
    )
    for tax_type in ("NOPE", "TAX001"):
        assert refusal(xero, invoice(xero, [line(tax_type=tax_type)])) == (
            f"The TaxType code {tax_type} does not exist or cannot be used for this type "
            "of transaction."
        )
    assert refusal(xero, invoice(xero, [line(tax_type="INPUT2")])) == (
        "The TaxType code 'INPUT2' cannot be used with account code '200'."
    )
    assert refusal(
        xero,
        invoice(xero, [LineItem(quantity=Decimal(1), unit_amount=Decimal(5), account_code="200")]),
    ) == ("Description must be specified for each line item.")


def test_currencies_must_be_enabled_and_get_a_rate(xero):
    (in_usd,) = create(xero, invoice(xero, [line()], currency_code=CurrencyCode.USD))
    assert in_usd.currency_code == CurrencyCode.USD and in_usd.currency_rate == Decimal("0.590000")
    assert refusal(xero, invoice(xero, [line()], currency_code=CurrencyCode.EUR)) == (
        "Organisation is not subscribed to currency EUR"
    )


def test_status_transitions(xero):
    (draft,) = create(xero, invoice(xero, [line()], status="DRAFT"))
    assert update(xero, draft.invoice_id, status="AUTHORISED").status == "AUTHORISED"
    with pytest.raises(AccountingBadRequestException) as failure:
        update(xero, draft.invoice_id, status="DELETED")
    assert failure.value.reason == "Invoice not of valid status for modification"
    assert update(xero, draft.invoice_id, status="VOIDED").status == "VOIDED"
    with pytest.raises(AccountingBadRequestException) as failure:
        update(xero, draft.invoice_id, reference="too late")
    assert failure.value.reason == "Invoice not of valid status for modification"
    (other,) = create(xero, invoice(xero, [line()], status="SUBMITTED"))
    assert update(xero, other.invoice_id, status="DELETED").status == "DELETED"
    assert refusal(xero, invoice(xero, [line()], status="PAID")) == (
        "Invoice Status must be DRAFT, SUBMITTED or AUTHORISED when created."
    )
    # deleted invoices are left out of lists unless asked for
    listed = {i.invoice_id for i in xero.api.get_invoices(xero.tenant_id).invoices}
    assert other.invoice_id not in listed
    asked = xero.api.get_invoices(xero.tenant_id, statuses=["DELETED"]).invoices
    assert [i.invoice_id for i in asked] == [other.invoice_id]


def test_paid_or_part_paid_invoices_keep_their_totals(xero, sandbox):
    part_paid = next(i for i in xero.books.invoices.values() if i["AmountPaid"] and i["AmountDue"])
    invoice_id = part_paid["InvoiceID"]
    with pytest.raises(AccountingBadRequestException) as failure:
        update(xero, invoice_id, date=date(2020, 1, 1))
    assert failure.value.reason == EDIT_ALLOCATED
    with pytest.raises(AccountingBadRequestException) as failure:
        update(xero, invoice_id, line_items=[line()])
    assert failure.value.reason == EDIT_ALLOCATED
    with pytest.raises(AccountingBadRequestException) as failure:
        update(xero, invoice_id, status="VOIDED")
    assert failure.value.reason == EDIT_ALLOCATED
    stamp = part_paid["UpdatedDateUTC"]
    sandbox.clock.advance(2)
    moved = update(xero, invoice_id, due_date=date.today() + timedelta(days=60))
    assert moved.due_date == date.today() + timedelta(days=60)
    # Xero does not bump UpdatedDateUTC for a new due date on a part-paid invoice
    assert part_paid["UpdatedDateUTC"] == stamp
    assert update(xero, invoice_id, reference="PO 77").reference == "PO 77"


def test_a_given_total_must_match_the_lines_and_cannot_be_negative(xero):
    assert refusal(
        xero, invoice(xero, [line(unit_amount="0.10") for _ in range(3)], total=Decimal("0.35"))
    ) == ("The document total does not equal the sum of the lines.")
    assert (
        refusal(xero, invoice(xero, [line(unit_amount="-5.00")]))
        == "The document total cannot be negative."
    )


def test_lists_without_page_have_no_lines_and_filters_work(xero):
    unpaged = xero.api.get_invoices(xero.tenant_id).invoices
    assert unpaged and all(i.line_items is None for i in unpaged)
    paged = xero.api.get_invoices(xero.tenant_id, page=1).invoices
    assert all(i.line_items for i in paged)
    single = xero.api.get_invoice(xero.tenant_id, unpaged[0].invoice_id).invoices[0]
    assert single.line_items
    ridgeway = contact_id(xero, "Ridgeway Builders")
    by_contact = xero.api.get_invoices(xero.tenant_id, contact_i_ds=[ridgeway]).invoices
    assert {i.contact.contact_id for i in by_contact} == {ridgeway}
    paid = xero.api.get_invoices(xero.tenant_id, statuses=["PAID"]).invoices
    assert paid and {i.status for i in paid} == {"PAID"}
    numbers = xero.api.get_invoices(
        xero.tenant_id, invoice_numbers=["INV-0001", "INV-0003"]
    ).invoices
    assert sorted(i.invoice_number for i in numbers) == ["INV-0001", "INV-0003"]
    assert xero.api.get_invoices(xero.tenant_id, created_by_my_app=True).invoices == []
    create(xero, invoice(xero, [line()], reference="Order SO042"))
    mine = xero.api.get_invoices(xero.tenant_id, created_by_my_app=True).invoices
    assert [i.reference for i in mine] == ["Order SO042"]
    assert [
        i.reference for i in xero.api.get_invoices(xero.tenant_id, search_term="so042").invoices
    ] == ["Order SO042"]
    overdue = xero.api.get_invoices(
        xero.tenant_id, where='Status=="AUTHORISED" AND AmountDue > 500'
    ).invoices
    assert {i.invoice_number for i in overdue} == {"INV-0003"}


def test_online_invoice_and_email(xero):
    (created,) = create(xero, invoice(xero, [line()]))
    url = (
        xero.api.get_online_invoice(xero.tenant_id, created.invoice_id)
        .online_invoices[0]
        .online_invoice_url
    )
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and created.invoice_number in page.text
    assert xero.api.email_invoice(xero.tenant_id, created.invoice_id, RequestEmpty()) is None
    assert (
        xero.api.get_invoice(xero.tenant_id, created.invoice_id).invoices[0].sent_to_contact is True
    )
    (draft,) = create(xero, invoice(xero, [line()], status="DRAFT"))
    with pytest.raises(AccountingBadRequestException):
        xero.api.get_online_invoice(xero.tenant_id, draft.invoice_id)
    with pytest.raises(AccountingBadRequestException):
        xero.api.email_invoice(xero.tenant_id, draft.invoice_id, RequestEmpty())


def test_history_records_creation_approval_and_notes(xero):
    (created,) = create(xero, invoice(xero, [line()]))
    changes = [
        r.changes
        for r in xero.api.get_invoice_history(xero.tenant_id, created.invoice_id).history_records
    ]
    assert changes == ["Created", "Approved"]
    notes = HistoryRecords(history_records=[HistoryRecord(details="Customer asked for a copy")])
    xero.api.create_invoice_history(xero.tenant_id, created.invoice_id, notes)
    last = xero.api.get_invoice_history(xero.tenant_id, created.invoice_id).history_records[-1]
    assert (last.changes, last.details) == ("Note", "Customer asked for a copy")


def test_update_or_create_matches_sales_invoices_by_number(xero):
    (created,) = create(xero, invoice(xero, [line()], invoice_number="WEB-1001", status="DRAFT"))
    document = invoice(xero, [line(unit_amount="20.00")], invoice_number="WEB-1001", status="DRAFT")
    (updated,) = xero.api.update_or_create_invoices(
        xero.tenant_id, Invoices(invoices=[document])
    ).invoices
    assert updated.invoice_id == created.invoice_id and updated.sub_total == Decimal("20.00")
