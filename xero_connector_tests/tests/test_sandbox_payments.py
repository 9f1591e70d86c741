"""Payments and credit notes: amounts due, PAID, FullyPaidOnDate, deletion, allocations."""

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account,
    Allocation,
    Allocations,
    Contact,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    LineItem,
    Payment,
    PaymentDelete,
    Payments,
)
from xero_python.exceptions import AccountingBadRequestException

TODAY = date.today()


def new_invoice(xero, amount="100.00", contact="Ridgeway Builders", status="AUTHORISED"):
    contact_id = next(c["ContactID"] for c in xero.books.contacts.values() if c["Name"] == contact)
    document = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        status=status,
        line_items=[
            LineItem(
                description="Work",
                quantity=Decimal(1),
                unit_amount=Decimal(amount),
                account_code="200",
            )
        ],
    )
    return xero.api.create_invoices(xero.tenant_id, Invoices(invoices=[document])).invoices[0]


def payment(invoice_id, amount, day=TODAY, code="090"):
    return Payment(
        invoice=Invoice(invoice_id=invoice_id),
        account=Account(code=code),
        amount=Decimal(amount),
        date=day,
    )


def get(xero, invoice_id):
    return xero.api.get_invoice(xero.tenant_id, invoice_id).invoices[0]


def refund(contact_id, amount):
    line = LineItem(
        description="Refund", quantity=Decimal(1), unit_amount=Decimal(amount), account_code="200"
    )
    return CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=contact_id),
        status="AUTHORISED",
        line_items=[line],
    )


def test_partial_then_full_payment_marks_paid_with_the_date(xero):
    invoice = new_invoice(xero)  # 100 + 15% GST = 115
    (first,) = xero.api.create_payments(
        xero.tenant_id, Payments(payments=[payment(invoice.invoice_id, "15.00")])
    ).payments
    assert first.payment_type == "ACCRECPAYMENT" and first.status == "AUTHORISED"
    assert first.invoice.invoice_id == invoice.invoice_id
    part = get(xero, invoice.invoice_id)
    assert (part.status, part.amount_paid, part.amount_due) == (
        "AUTHORISED",
        Decimal("15.00"),
        Decimal("100.00"),
    )
    # the bare POST form xero-python's create_payment sends
    xero.api.create_payment(
        xero.tenant_id, payment(invoice.invoice_id, "100.00", day=date(2026, 1, 2))
    )
    paid = get(xero, invoice.invoice_id)
    assert (paid.status, paid.amount_due, paid.fully_paid_on_date) == (
        "PAID",
        Decimal("0.00"),
        date(2026, 1, 2),
    )
    assert sorted(p.amount for p in paid.payments) == [Decimal("15.00"), Decimal("100.00")]


def test_a_payment_cannot_exceed_what_is_due(xero):
    invoice = new_invoice(xero)
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_payment(xero.tenant_id, payment(invoice.invoice_id, "115.01"))
    assert failure.value.reason == "Payment amount exceeds the amount outstanding on this document"
    assert get(xero, invoice.invoice_id).amount_paid == 0


def test_payments_need_an_approved_invoice_and_a_bank_account(xero):
    draft = new_invoice(xero, status="DRAFT")
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_payment(xero.tenant_id, payment(draft.invoice_id, "1.00"))
    assert failure.value.reason == "Payments can only be made against Authorised documents"
    invoice = new_invoice(xero)
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_payment(xero.tenant_id, payment(invoice.invoice_id, "1.00", code="200"))
    assert "not a bank account" in failure.value.reason
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_payment(
            xero.tenant_id, payment("00000000-0000-0000-0000-000000000009", "1.00")
        )
    assert (
        failure.value.reason == "The document with the supplied id was not found for this endpoint."
    )


def test_deleting_a_payment_reopens_the_invoice(xero):
    invoice = new_invoice(xero)
    (paid,) = xero.api.create_payments(
        xero.tenant_id, Payments(payments=[payment(invoice.invoice_id, "115.00")])
    ).payments
    assert get(xero, invoice.invoice_id).status == "PAID"
    deleted = xero.api.delete_payment(
        xero.tenant_id, paid.payment_id, PaymentDelete(status="DELETED")
    ).payments[0]
    assert deleted.status == "DELETED"
    reopened = get(xero, invoice.invoice_id)
    assert (reopened.status, reopened.amount_due, reopened.fully_paid_on_date) == (
        "AUTHORISED",
        Decimal("115.00"),
        None,
    )
    assert reopened.payments == []
    assert xero.api.get_payment(xero.tenant_id, paid.payment_id).payments[0].status == "DELETED"
    # a voided invoice takes no payment
    voided = xero.api.update_invoice(
        xero.tenant_id, invoice.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")])
    )
    assert voided.invoices[0].status == "VOIDED"
    with pytest.raises(AccountingBadRequestException):
        xero.api.create_payment(xero.tenant_id, payment(invoice.invoice_id, "1.00"))


def test_payments_are_listed_paged_and_filtered(xero):
    payments = xero.api.get_payments(xero.tenant_id, page=1).payments
    assert len(payments) == 2 and all(p.invoice.invoice_number for p in payments)
    big = xero.api.get_payments(xero.tenant_id, where="Amount > 150").payments
    assert [p.amount for p in big] == [Decimal("188.03")]


def test_credit_note_allocation_reduces_what_is_due(xero):
    invoice = new_invoice(xero)
    (credit,) = xero.api.create_credit_notes(
        xero.tenant_id, CreditNotes(credit_notes=[refund(invoice.contact.contact_id, "20.00")])
    ).credit_notes
    assert credit.credit_note_number.startswith("CN-") and credit.remaining_credit == Decimal(
        "23.00"
    )
    allocation = Allocation(
        invoice=Invoice(invoice_id=invoice.invoice_id), amount=Decimal("23.00"), date=TODAY
    )
    (made,) = xero.api.create_credit_note_allocation(
        xero.tenant_id, credit.credit_note_id, Allocations(allocations=[allocation])
    ).allocations
    after = get(xero, invoice.invoice_id)
    assert (after.amount_credited, after.amount_due) == (Decimal("23.00"), Decimal("92.00"))
    assert after.credit_notes[0].credit_note_id == credit.credit_note_id
    spent = xero.api.get_credit_note(xero.tenant_id, credit.credit_note_id).credit_notes[0]
    assert (spent.status, spent.remaining_credit) == ("PAID", Decimal("0.00"))
    too_much = Allocation(
        invoice=Invoice(invoice_id=invoice.invoice_id), amount=Decimal("1.00"), date=TODAY
    )
    with pytest.raises(AccountingBadRequestException):
        xero.api.create_credit_note_allocation(
            xero.tenant_id, credit.credit_note_id, Allocations(allocations=[too_much])
        )
    xero.api.delete_credit_note_allocations(
        xero.tenant_id, credit.credit_note_id, made.allocation_id
    )
    assert get(xero, invoice.invoice_id).amount_due == Decimal("115.00")
    restored = xero.api.get_credit_note(xero.tenant_id, credit.credit_note_id).credit_notes[0]
    assert (restored.status, restored.remaining_credit) == ("AUTHORISED", Decimal("23.00"))


def test_credit_for_another_contact_is_refused(xero):
    invoice = new_invoice(xero)
    other = next(
        c["ContactID"]
        for c in xero.books.contacts.values()
        if c["Name"] == "Tasman Marine Supplies"
    )
    (credit,) = xero.api.create_credit_notes(
        xero.tenant_id, CreditNotes(credit_notes=[refund(other, "5.00")])
    ).credit_notes
    allocation = Allocation(
        invoice=Invoice(invoice_id=invoice.invoice_id), amount=Decimal("1.00"), date=TODAY
    )
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_credit_note_allocation(
            xero.tenant_id, credit.credit_note_id, Allocations(allocations=[allocation])
        )
    assert failure.value.reason == "The credit note and the invoice must be for the same contact."
