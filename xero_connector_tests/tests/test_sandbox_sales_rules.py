"""Xero's rules for sales documents in the sandbox: what a paid document may still change,
line totals and discounts, given tax amounts, due dates, credit-note allocations and
Xero's wording of its refusals."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account,
    Allocation,
    Allocations,
    Contact,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    LineItemTracking,
    Payment,
    RequestEmpty,
)
from xero_python.exceptions import AccountingBadRequestException

from ..sandbox.clock import zone
from .test_sandbox_invoices import contact_id, line

EDIT_ALLOCATED = (
    "This document cannot be edited as it has a payment or credit note allocated to it."
)
INVALID_STATUS = "Invoice not of valid status for modification"
PAID_OFF = "The invoice you are trying to allocate to has already been paid off"
TOO_MUCH = "Credit Note cannot be allocated as amount is greater than amount outstanding"
WRONG_TYPE = "Credit Note cannot be allocated to an incorrect invoice type"
ZERO_ID = "00000000-0000-0000-0000-000000000000"


def sale(xero, lines, kind="ACCREC", contact="Ridgeway Builders", status="AUTHORISED", **extra):
    return Invoice(
        type=kind,
        contact=Contact(contact_id=contact_id(xero, contact)),
        line_items=lines,
        status=status,
        **extra,
    )


def create(xero, document, **kwargs):
    return xero.api.create_invoices(
        xero.tenant_id, Invoices(invoices=[document]), **kwargs
    ).invoices[0]


def credit(xero, lines, kind="ACCRECCREDIT", contact="Ridgeway Builders", **extra):
    document = CreditNote(
        type=kind,
        contact=Contact(contact_id=contact_id(xero, contact)),
        line_items=lines,
        status=extra.pop("status", "AUTHORISED"),
        **extra,
    )
    return xero.api.create_credit_notes(
        xero.tenant_id, CreditNotes(credit_notes=[document])
    ).credit_notes[0]


def get(xero, invoice_id):
    return xero.api.get_invoice(xero.tenant_id, invoice_id).invoices[0]


def update(xero, invoice_id, **fields):
    return xero.api.update_invoice(
        xero.tenant_id, invoice_id, Invoices(invoices=[Invoice(**fields)])
    ).invoices[0]


def refused(call, *args, **kwargs):
    """Every validation message of a refused call (the SDK's reason holds the first)."""
    with pytest.raises(AccountingBadRequestException) as failure:
        call(*args, **kwargs)
    return [m["Message"] for m in failure.value.error_data["Elements"][0]["ValidationErrors"]]


def pay(xero, invoice_id, amount):
    xero.api.create_payment(
        xero.tenant_id,
        Payment(
            invoice=Invoice(invoice_id=invoice_id),
            account=Account(code="090"),
            amount=Decimal(amount),
            date=date.today(),
        ),
    )


def allocate(xero, credit_note_id, invoice_id, amount, day=None):
    allocation = Allocation(
        invoice=Invoice(invoice_id=invoice_id),
        amount=Decimal(amount),
        date=day or date.today(),
    )
    return xero.api.create_credit_note_allocation(
        xero.tenant_id, credit_note_id, Allocations(allocations=[allocation])
    ).allocations[0]


# ------------------------------------------------------------------ edits by payment state


def test_a_part_paid_sales_invoice_changes_its_words_not_its_amounts(xero):
    created = create(xero, sale(xero, [line("Hammers", 2, "30.00"), line("Saws", 1, "55.00")]))
    pay(xero, created.invoice_id, "50.00")
    paid = get(xero, created.invoice_id)
    hammers, saws = paid.line_items
    theme = next(iter(xero.books.branding_themes))
    hammers.description, hammers.account_code = "Claw hammers", "260"
    hammers.tracking = [LineItemTracking(name="Region", option="North Island")]
    changed = update(
        xero,
        created.invoice_id,
        reference="PO 12",
        due_date=date.today() + timedelta(days=45),
        expected_payment_date=date.today() + timedelta(days=40),
        invoice_number="SO-12",
        branding_theme_id=theme,
        url="https://shop.example/orders/12",
        sent_to_contact=True,
        # paid by a payment, not a credit note: the contact may change
        contact=Contact(contact_id=contact_id(xero, "Tasman Marine Supplies")),
        line_items=[hammers, saws],
    )
    assert (changed.reference, changed.invoice_number, changed.url) == (
        "PO 12",
        "SO-12",
        "https://shop.example/orders/12",
    )
    assert changed.due_date == date.today() + timedelta(days=45)
    assert changed.expected_payment_date == date.today() + timedelta(days=40)
    assert str(changed.branding_theme_id) == theme and changed.sent_to_contact is True
    assert changed.contact.name == "Tasman Marine Supplies"
    first = changed.line_items[0]
    assert (first.description, first.account_code, first.tracking[0].option) == (
        "Claw hammers",
        "260",
        "North Island",
    )
    assert [(i.line_item_id, i.line_amount) for i in changed.line_items] == [
        (hammers.line_item_id, Decimal("60.00")),
        (saws.line_item_id, Decimal("55.00")),
    ]
    assert (changed.total, changed.amount_paid, changed.amount_due, changed.status) == (
        Decimal("132.25"),
        Decimal("50.00"),
        Decimal("82.25"),
        "AUTHORISED",
    )


def test_a_part_paid_sales_invoice_refuses_any_other_change(xero):
    created = create(xero, sale(xero, [line("Hammers", 2, "30.00"), line("Saws", 1, "55.00")]))
    pay(xero, created.invoice_id, "50.00")
    hammers, saws = get(xero, created.invoice_id).line_items
    more = LineItem(line_item_id=hammers.line_item_id, quantity=Decimal(3))
    dearer = LineItem(line_item_id=saws.line_item_id, unit_amount=Decimal("56.00"))
    taxed = LineItem(line_item_id=saws.line_item_id, tax_type="NONE")
    changes = [
        {"line_items": [more, saws]},
        {"line_items": [hammers, dearer]},
        {"line_items": [hammers, taxed]},
        {"line_items": [hammers]},  # a line left out is deleted
        {"line_items": [hammers, saws, line("Nails")]},  # a line without LineItemID is new
        {"line_items": [hammers, line("Saws", 1, "55.00")]},  # same amounts, but a new line
        {"date": date(2020, 1, 1)},
        {"line_amount_types": LineAmountTypes.INCLUSIVE},
        {"currency_code": CurrencyCode.USD},
        {"status": "VOIDED"},
    ]
    for fields in changes:
        assert refused(update, xero, created.invoice_id, **fields) == [EDIT_ALLOCATED], fields
    after = get(xero, created.invoice_id)
    assert [(i.quantity, i.unit_amount) for i in after.line_items] == [
        (Decimal("2.0000"), Decimal("30.00")),
        (Decimal("1.0000"), Decimal("55.00")),
    ]
    # what it already has may be sent again
    same = update(
        xero,
        created.invoice_id,
        date=after.date,
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        line_items=[hammers, saws],
    )
    assert same.total == Decimal("132.25")


def test_a_credited_invoice_keeps_its_contact(xero):
    created = create(xero, sale(xero, [line(unit_amount="100.00")]))
    refund = credit(xero, [line("Refund", 1, "20.00")])
    allocate(xero, refund.credit_note_id, created.invoice_id, "23.00")
    other = Contact(contact_id=contact_id(xero, "Tasman Marine Supplies"))
    assert refused(update, xero, created.invoice_id, contact=other) == [EDIT_ALLOCATED]
    by_name = Contact(name="Someone New")
    assert refused(update, xero, created.invoice_id, contact=by_name) == [EDIT_ALLOCATED]
    assert not any(c["Name"] == "Someone New" for c in xero.books.contacts.values())
    same = Contact(contact_id=created.contact.contact_id)
    assert update(xero, created.invoice_id, contact=same, reference="R1").reference == "R1"
    # the credit note, credited itself, keeps its amounts too
    (line_item,) = refund.line_items
    line_item.quantity = Decimal(2)
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.update_credit_note(
            xero.tenant_id,
            refund.credit_note_id,
            CreditNotes(credit_notes=[CreditNote(line_items=[line_item])]),
        )
    assert failure.value.reason == EDIT_ALLOCATED


def test_a_paid_bill_cannot_change_at_all(xero):
    bill = create(
        xero,
        sale(
            xero,
            [line("Timber", 1, "80.00", account_code="429", tax_type="INPUT2")],
            kind="ACCPAY",
            contact="Hamilton Timber Co",
            due_date=date.today() + timedelta(days=30),
        ),
    )
    assert update(xero, bill.invoice_id, reference="unpaid: fine").reference == "unpaid: fine"
    pay(xero, bill.invoice_id, "10.00")
    for fields in (
        {"reference": "B-1"},
        {"due_date": date.today() + timedelta(days=60)},
        {"planned_payment_date": date.today() + timedelta(days=20)},
        {"status": "VOIDED"},
    ):
        assert refused(update, xero, bill.invoice_id, **fields) == [
            INVALID_STATUS,
            EDIT_ALLOCATED,
        ]
    assert get(xero, bill.invoice_id).reference == "unpaid: fine"


def test_wrong_statuses_are_not_valid_for_modification(xero):
    approved = create(xero, sale(xero, [line()]))
    for status in ("DELETED", "DRAFT", "SUBMITTED", "PAID"):
        assert refused(update, xero, approved.invoice_id, status=status) == [INVALID_STATUS]
    draft = create(xero, sale(xero, [line()], status="DRAFT"))
    assert refused(update, xero, draft.invoice_id, status="VOIDED") == [INVALID_STATUS]
    assert update(xero, draft.invoice_id, status="DELETED").status == "DELETED"
    assert refused(update, xero, draft.invoice_id, reference="again") == [INVALID_STATUS]
    note = credit(xero, [line("Refund")], status="DRAFT")
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.update_credit_note(
            xero.tenant_id,
            note.credit_note_id,
            CreditNotes(credit_notes=[CreditNote(status="VOIDED")]),
        )
    assert failure.value.reason == "Credit Note not of valid status for modification"
    # emailing a draft: Xero's words for it
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.email_invoice(xero.tenant_id, draft.invoice_id, RequestEmpty())
    assert failure.value.reason == INVALID_STATUS


def test_submitted_and_authorised_invoices_need_a_due_date(xero, sandbox):
    with sandbox.lock:  # no payment terms anywhere: nothing fills the due date in
        xero.books.organisation["PaymentTerms"] = {}
    for status in ("SUBMITTED", "AUTHORISED"):
        with pytest.raises(AccountingBadRequestException) as failure:
            create(xero, sale(xero, [line()], status=status))
        assert failure.value.reason == "Due Date must be specified."
    draft = create(xero, sale(xero, [line()], status="DRAFT"))
    assert draft.due_date is None
    assert refused(update, xero, draft.invoice_id, status="SUBMITTED") == [
        "Due Date must be specified."
    ]
    due = date.today() + timedelta(days=7)
    submitted = update(xero, draft.invoice_id, status="SUBMITTED", due_date=due)
    assert (submitted.status, submitted.due_date) == ("SUBMITTED", due)


# ------------------------------------------------------------------ line totals and tax


def test_a_given_line_amount_must_match_quantity_times_price(xero):
    assert refused(
        create,
        xero,
        sale(xero, [line(quantity=3, unit_amount="19.99", line_amount=Decimal("59.98"))]),
    ) == ["The line total 59.98 does not match the expected line total 59.97"]
    assert refused(
        create,
        xero,
        sale(xero, [line(quantity=1, unit_amount="11.25", line_amount=Decimal("-11.25"))]),
    ) == ["The line total -11.25 does not match the expected line total 11.25"]
    matching = line(quantity=3, unit_amount="19.99", discount_rate=Decimal(10))
    matching.line_amount = Decimal("53.97")
    assert create(xero, sale(xero, [matching])).line_items[0].line_amount == Decimal("53.97")
    # a LineAmount alone, or with one of the two, derives the missing one
    alone = LineItem(description="Fee", line_amount=Decimal("45.00"), account_code="200")
    per_unit = LineItem(
        description="Boxes", quantity=Decimal(4), line_amount=Decimal("30.00"), account_code="200"
    )
    how_many = LineItem(
        description="Hours",
        unit_amount=Decimal("2.50"),
        line_amount=Decimal("10.00"),
        account_code="200",
    )
    derived = create(xero, sale(xero, [alone, per_unit, how_many])).line_items
    assert [(i.quantity, i.unit_amount, i.line_amount) for i in derived] == [
        (Decimal("1.0000"), Decimal("45.00"), Decimal("45.00")),
        (Decimal("4.0000"), Decimal("7.50"), Decimal("30.00")),
        (Decimal("4.0000"), Decimal("2.50"), Decimal("10.00")),
    ]


def test_negative_quantities_are_refused(xero):
    assert refused(create, xero, sale(xero, [line(quantity=-1)])) == [
        "The quantity value '-1.0000' is invalid. Quantity must not be less than zero."
    ]
    # a negative price is fine (the total stays positive)
    lines = [line(unit_amount="20.00"), line("Trade-in", unit_amount="-5.00")]
    assert create(xero, sale(xero, lines)).sub_total == Decimal("15.00")


def test_a_discount_is_rounded_once(xero):
    (discounted,) = create(
        xero, sale(xero, [line(unit_amount="10.05", discount_rate=Decimal(10))])
    ).line_items
    # 10.05 x 90% = 9.045 -> 9.05; rounding the discount first (1.005 -> 1.01) gave 9.04
    assert discounted.line_amount == Decimal("9.05")
    created = create(
        xero, sale(xero, [line(unit_amount="1000.00", discount_rate=Decimal("12.345"))])
    )
    (kept,) = created.line_items
    # the rate is kept to 2 dp, the amount comes from the rate given
    assert (kept.discount_rate, kept.line_amount) == (Decimal("12.35"), Decimal("876.55"))
    assert created.total_discount == Decimal("123.45")
    # so posting the line back as read fails, as in Xero: drop one of the two
    draft = create(
        xero,
        sale(
            xero,
            [line(unit_amount="1000.00", discount_rate=Decimal("12.345"))],
            status="DRAFT",
        ),
    )
    (read,) = get(xero, draft.invoice_id).line_items
    assert refused(update, xero, draft.invoice_id, line_items=[read]) == [
        "The line total 876.55 does not match the expected line total 876.50"
    ]
    read.line_amount = None
    (again,) = update(xero, draft.invoice_id, line_items=[read]).line_items
    assert again.line_amount == Decimal("876.50")


def test_credit_notes_and_bills_take_no_discounts(xero):
    message = (
        "Discounts (DiscountRate or DiscountAmount) can only be given on sales invoices; "
        "bills and credit notes do not support them."
    )
    for discount in ({"discount_rate": Decimal(10)}, {"discount_amount": Decimal("1.00")}):
        for kind in ("ACCRECCREDIT", "ACCPAYCREDIT"):
            document = CreditNote(
                type=kind,
                contact=Contact(contact_id=contact_id(xero, "Ridgeway Builders")),
                line_items=[
                    line(account_code="429" if kind == "ACCPAYCREDIT" else "200", **discount)
                ],
            )
            assert refused(
                xero.api.create_credit_notes,
                xero.tenant_id,
                CreditNotes(credit_notes=[document]),
            ) == [message]
        bill = sale(xero, [line(account_code="429", **discount)], kind="ACCPAY")
        assert refused(create, xero, bill) == [message]


def test_a_given_tax_amount_is_kept_within_a_dollar(xero):
    created = create(xero, sale(xero, [line(unit_amount="100.00", tax_amount=Decimal("14.99"))]))
    assert (created.line_items[0].tax_amount, created.total_tax, created.total) == (
        Decimal("14.99"),
        Decimal("14.99"),
        Decimal("114.99"),
    )
    inclusive = create(
        xero,
        sale(
            xero,
            [line(unit_amount="115.00", tax_amount=Decimal("15.01"))],
            line_amount_types=LineAmountTypes.INCLUSIVE,
        ),
    )
    assert (inclusive.sub_total, inclusive.total_tax, inclusive.total) == (
        Decimal("99.99"),
        Decimal("15.01"),
        Decimal("115.00"),
    )
    too_far = (
        "The TaxAmount 16.01 of the line 'Widget' is more than 1.00 away from the calculated "
        "tax 15.00."
    )
    assert refused(
        create, xero, sale(xero, [line(unit_amount="100.00", tax_amount=Decimal("16.01"))])
    ) == [too_far]
    untaxed = sale(
        xero, [line(tax_amount=Decimal("0.01"))], line_amount_types=LineAmountTypes.NOTAX
    )
    assert refused(create, xero, untaxed) == [
        "The TaxAmount 0.01 of the line 'Widget' is more than 0 away from the calculated tax 0.00."
    ]


# ------------------------------------------------------------------ credit notes


def test_a_draft_credit_note_may_have_no_lines(xero):
    empty = CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=contact_id(xero, "Ridgeway Builders")),
        status="DRAFT",
    )
    (draft,) = xero.api.create_credit_notes(
        xero.tenant_id, CreditNotes(credit_notes=[empty])
    ).credit_notes
    assert (draft.status, draft.total, draft.line_items) == ("DRAFT", Decimal("0.00"), [])
    approve = CreditNotes(credit_notes=[CreditNote(status="AUTHORISED")])
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.update_credit_note(xero.tenant_id, draft.credit_note_id, approve)
    assert failure.value.reason == "One or more line items must be specified"
    empty.status = "AUTHORISED"
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_credit_notes(xero.tenant_id, CreditNotes(credit_notes=[empty]))
    assert failure.value.reason == "One or more line items must be specified"
    assert refused(create, xero, sale(xero, [], status="DRAFT")) == [
        "One or more line items must be specified"
    ]


def test_sent_to_contact_is_read_only_on_credit_notes(xero):
    note = credit(xero, [line("Refund")], sent_to_contact=True)
    assert note.sent_to_contact is False
    again = xero.api.update_credit_note(
        xero.tenant_id,
        note.credit_note_id,
        CreditNotes(credit_notes=[CreditNote(sent_to_contact=True)]),
    ).credit_notes[0]
    assert again.sent_to_contact is False


# ------------------------------------------------------------------ allocations


def test_allocation_refusals_in_xeros_words(xero):
    invoice = create(xero, sale(xero, [line(unit_amount="100.00")]))  # 115.00
    big = credit(xero, [line("Refund", 1, "200.00")])  # 230.00
    small = credit(xero, [line("Refund", 1, "10.00")])  # 11.50
    assert refused(
        xero.api.create_credit_note_allocation,
        xero.tenant_id,
        small.credit_note_id,
        Allocations(
            allocations=[
                Allocation(
                    invoice=Invoice(invoice_id=invoice.invoice_id),
                    amount=Decimal("11.51"),
                    date=date.today(),
                )
            ]
        ),
    ) == [TOO_MUCH]
    with pytest.raises(AccountingBadRequestException) as failure:
        allocate(xero, big.credit_note_id, invoice.invoice_id, "115.01")
    assert failure.value.reason == TOO_MUCH
    allocate(xero, big.credit_note_id, invoice.invoice_id, "115.00")
    assert get(xero, invoice.invoice_id).status == "PAID"
    # Xero sends every reason at once
    assert refused(allocate, xero, big.credit_note_id, invoice.invoice_id, "1.00") == [
        PAID_OFF,
        TOO_MUCH,
    ]
    purchase = credit(
        xero, [line("Returned", 1, "10.00", account_code="429", tax_type="INPUT2")], "ACCPAYCREDIT"
    )
    other = create(xero, sale(xero, [line(unit_amount="50.00")]))
    assert refused(allocate, xero, purchase.credit_note_id, other.invoice_id, "1.00") == [
        WRONG_TYPE
    ]


def test_an_allocation_without_a_date_takes_the_later_document_date(xero):
    invoice = create(xero, sale(xero, [line(unit_amount="100.00")], date=date(2026, 3, 2)))
    note = credit(xero, [line("Refund", 1, "10.00")], date=date(2026, 3, 9))
    # the SDK always sends a Date: without one only raw JSON can ask
    answer = xero.raw(
        "PUT",
        f"/CreditNotes/{note.credit_note_id}/Allocations",
        json={"Allocations": [{"Amount": 5, "Invoice": {"InvoiceID": str(invoice.invoice_id)}}]},
    )
    assert answer.status_code == 200, answer.text
    read = xero.api.get_credit_note(xero.tenant_id, note.credit_note_id).credit_notes[0]
    assert [(a.amount, a.date) for a in read.allocations] == [(Decimal("5.00"), date(2026, 3, 9))]
    # a date sent is kept
    later = allocate(xero, note.credit_note_id, invoice.invoice_id, "1.00", date(2026, 4, 1))
    assert later.date == date(2026, 4, 1)


# ------------------------------------------------------------------ batches and dates


def test_refused_documents_carry_the_zero_id_without_summarised_errors(xero):
    bad = sale(xero, [line(quantity=-1)])
    answer = xero.api.create_invoices(
        xero.tenant_id, Invoices(invoices=[sale(xero, [line()]), bad]), summarize_errors=False
    ).invoices
    assert [(i.status_attribute_string, i.has_errors) for i in answer] == [
        ("OK", False),
        ("ERROR", True),
    ]
    assert str(answer[0].invoice_id) != ZERO_ID and str(answer[1].invoice_id) == ZERO_ID
    refused_note = CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=contact_id(xero, "Ridgeway Builders")),
        line_items=[line(discount_rate=Decimal(5))],
    )
    (note,) = xero.api.create_credit_notes(
        xero.tenant_id, CreditNotes(credit_notes=[refused_note]), summarize_errors=False
    ).credit_notes
    assert (str(note.credit_note_id), note.status_attribute_string) == (ZERO_ID, "ERROR")
    # a refused update keeps the id of the document it was for
    with pytest.raises(AccountingBadRequestException) as failure:
        update(xero, answer[0].invoice_id, status="DRAFT")
    assert failure.value.error_data["Elements"][0]["InvoiceID"] == str(answer[0].invoice_id)


def test_the_default_date_is_today_in_the_organisations_timezone(xero, xero_uk, sandbox):
    if zone("NEWZEALANDSTANDARDTIME") is timezone.utc:
        pytest.skip("no timezone data on this system: the sandbox counts every date in UTC")
    # noon UTC on 1 January: already 2 January in New Zealand, still 1 January in London
    sandbox.clock.set(datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc))
    for client in (xero, xero_uk):
        client.token = dict(sandbox.connect([client.tenant_id]))
    in_nz = create(xero, sale(xero, [line()], due_date=date(2027, 2, 1)))
    uk_line = line(tax_type="OUTPUT2")
    in_uk = create(xero_uk, sale(xero_uk, [uk_line], contact=uk_contact(xero_uk)))
    assert (in_nz.date, in_uk.date) == (date(2027, 1, 2), date(2027, 1, 1))


def uk_contact(xero_uk):
    return next(
        c["Name"] for c in xero_uk.books.contacts.values() if c["ContactStatus"] == "ACTIVE"
    )
