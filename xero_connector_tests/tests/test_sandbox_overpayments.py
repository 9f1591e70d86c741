"""Overpayments and prepayments: created by bank transactions, listed, allocated to invoices
(what the invoice shows, and the webhook it raises), refunded by payments; and the admin
page's payment and overpayment forms."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import (
    Account,
    Allocation,
    Allocations,
    BankTransaction,
    BankTransactions,
    Contact,
    CurrencyCode,
    HistoryRecord,
    HistoryRecords,
    Invoice,
    Invoices,
    LineItem,
    Overpayment,
    Payment,
    Prepayment,
)
from xero_python.exceptions import AccountingBadRequestException

from ..sandbox.oauth import DEFAULT_SCOPES
from . import sandbox_client
from .test_sandbox_invoices import contact_id, line
from .test_sandbox_payment_rules import NOT_AUTHORISED, delete, events  # noqa: F401
from .test_sandbox_payments import get, new_invoice
from .test_sandbox_sales_rules import PAID_OFF, refused

ONE_LINE = "An overpayment can only have one line item."
NOT_EDITABLE = "Overpayments and prepayments cannot be updated or deleted through BankTransactions."
OTHER_CURRENCY = (
    "The currency of a bank transaction is its bank account's; only an overpayment may be in "
    "another currency."
)
EXCEEDS = "Payment amount exceeds the amount outstanding on this document"


@pytest.fixture
def bank(xero):
    """The first organisation's client, granted ``accounting.banktransactions`` as well
    (granular scopes: over/prepayments are read and allocated with ``accounting.payments``,
    created with ``accounting.banktransactions``)."""
    scopes = [*DEFAULT_SCOPES, "accounting.banktransactions"]
    xero.token = dict(xero.sandbox.connect([xero.tenant_id], scopes=scopes))
    return xero


def received(xero, kind, lines, contact="Ridgeway Builders", **extra):
    """A RECEIVE-OVERPAYMENT / RECEIVE-PREPAYMENT (or other) bank transaction, created."""
    transaction = BankTransaction(
        type=kind,
        contact=Contact(contact_id=contact_id(xero, contact)),
        bank_account=Account(code="090"),
        line_items=lines,
        **extra,
    )
    return xero.api.create_bank_transactions(
        xero.tenant_id, BankTransactions(bank_transactions=[transaction])
    ).bank_transactions[0]


def overpaid(xero, amount, contact="Ridgeway Builders", **extra):
    """An overpayment of ``amount`` from ``contact`` (its bank transaction's one line)."""
    money = LineItem(description="Paid twice", line_amount=Decimal(amount))
    transaction = received(xero, "RECEIVE-OVERPAYMENT", [money], contact, **extra)
    return xero.api.get_overpayment(xero.tenant_id, transaction.overpayment_id).overpayments[0]


def prepaid(xero, lines, contact="Ridgeway Builders", **extra):
    transaction = received(xero, "RECEIVE-PREPAYMENT", lines, contact, **extra)
    return xero.api.get_prepayment(xero.tenant_id, transaction.prepayment_id).prepayments[0]


def allocations(invoice_id, amount, day=None):
    allocation = Allocation(
        invoice=Invoice(invoice_id=invoice_id), amount=Decimal(amount), date=day or date.today()
    )
    return Allocations(allocations=[allocation])


def refund(xero, amount, **target):
    """A payment of an overpayment or a prepayment (``overpayment=Overpayment(...)``)."""
    payment = Payment(
        account=Account(code="090"), amount=Decimal(amount), date=xero.books.today(), **target
    )
    return xero.api.create_payment(xero.tenant_id, payment).payments[0]


# ------------------------------------------------------------------ creating


def test_a_receive_overpayment_makes_an_overpayment_on_accounts_receivable(bank, events):  # noqa: F811
    money = LineItem(
        description="Paid twice",
        quantity=Decimal(1),
        unit_amount=Decimal("50.00"),
        account_code="200",
        tax_type="OUTPUT2",
    )
    transaction = received(bank, "RECEIVE-OVERPAYMENT", [money], reference="Dup 4411")
    assert (transaction.type, transaction.status, transaction.total) == (
        "RECEIVE-OVERPAYMENT",
        "AUTHORISED",
        Decimal("50.00"),
    )
    (coded,) = transaction.line_items  # Xero codes it: receivables, no tax
    assert (coded.account_code, coded.tax_type, coded.tax_amount) == ("610", "NONE", 0)
    assert transaction.line_amount_types.value == "NoTax" and transaction.bank_account.code == "090"
    overpayment = bank.api.get_overpayment(bank.tenant_id, transaction.overpayment_id)
    (overpayment,) = overpayment.overpayments
    assert (overpayment.type, overpayment.status, overpayment.remaining_credit) == (
        "RECEIVE-OVERPAYMENT",
        "AUTHORISED",
        Decimal("50.00"),
    )
    assert overpayment.reference == "Dup 4411" and overpayment.allocations == []
    assert overpayment.contact.name == "Ridgeway Builders"
    # unused, it lowers what the contact owes, as a credit note does
    contact = bank.api.get_contact(bank.tenant_id, overpayment.contact.contact_id).contacts[0]
    assert contact.balances.accounts_receivable.outstanding == Decimal("640.00")
    seen = bank.api.get_bank_transaction(bank.tenant_id, transaction.bank_transaction_id)
    assert seen.bank_transactions[0].overpayment_id == overpayment.overpayment_id
    assert events == []  # no webhook category for bank transactions or overpayments
    history = bank.api.get_overpayment_history(bank.tenant_id, overpayment.overpayment_id)
    assert [r.changes for r in history.history_records] == ["Created"]
    note = HistoryRecords(history_records=[HistoryRecord(details="Customer paid twice")])
    bank.api.create_overpayment_history(bank.tenant_id, overpayment.overpayment_id, note)
    history = bank.api.get_overpayment_history(bank.tenant_id, overpayment.overpayment_id)
    assert [r.changes for r in history.history_records] == ["Created", "Note"]
    # a spend overpayment goes to accounts payable
    spent = received(
        bank, "SPEND-OVERPAYMENT", [LineItem(description="Overpaid", line_amount=Decimal(9))]
    )
    assert spent.line_items[0].account_code == "800"


def test_an_overpayment_has_one_line_and_only_it_may_choose_its_currency(bank):
    two = [LineItem(description=d, line_amount=Decimal(5)) for d in ("One", "Two")]
    assert refused(received, bank, "RECEIVE-OVERPAYMENT", two) == [ONE_LINE]
    usd = overpaid(bank, "20.00", currency_code=CurrencyCode.USD)
    assert (usd.currency_code, usd.currency_rate) == (CurrencyCode.USD, Decimal("0.59"))
    messages = refused(prepaid, bank, [line("Deposit", 1, "20.00")], currency_code=CurrencyCode.USD)
    assert messages == [OTHER_CURRENCY]
    missing = BankTransaction(
        type="RECEIVE-PREPAYMENT",
        contact=Contact(contact_id=contact_id(bank, "Ridgeway Builders")),
        bank_account=Account(code="200"),
        line_items=[line()],
    )
    with pytest.raises(AccountingBadRequestException) as failure:
        bank.api.create_bank_transactions(
            bank.tenant_id, BankTransactions(bank_transactions=[missing])
        )
    assert failure.value.reason == "The account '200' is not a bank account."


def test_a_receive_prepayment_keeps_its_lines_accounts_and_tax(bank):
    prepayment = prepaid(
        bank,
        [line("Deposit on boat", 1, "100.00"), line("Deposit on fitting", 2, "25.00", "260")],
        reference="DEP-7",
    )
    assert (prepayment.type, prepayment.status) == ("RECEIVE-PREPAYMENT", "AUTHORISED")
    assert [(li.account_code, li.tax_type, li.tax_amount) for li in prepayment.line_items] == [
        ("200", "OUTPUT2", Decimal("15.00")),
        ("260", "OUTPUT2", Decimal("7.50")),
    ]
    assert (prepayment.sub_total, prepayment.total_tax, prepayment.total) == (
        Decimal("150.00"),
        Decimal("22.50"),
        Decimal("172.50"),
    )
    assert prepayment.remaining_credit == Decimal("172.50") and prepayment.reference == "DEP-7"
    # plain receive money is served too, without a prepayment
    plain = received(bank, "RECEIVE", [line("Cash sale", 1, "10.00")])
    assert plain.prepayment_id is None and plain.total == Decimal("11.50")


def test_bank_transactions_of_over_and_prepayments_cannot_change(bank):
    transaction = received(
        bank, "RECEIVE-OVERPAYMENT", [LineItem(description="Twice", line_amount=Decimal(8))]
    )
    # what a client sends to delete one (the SDK insists on Type, BankAccount and LineItems)
    deletion = BankTransaction(
        type="RECEIVE", bank_account=Account(code="090"), line_items=[], status="DELETED"
    )
    deleting = BankTransactions(bank_transactions=[deletion])
    assert refused(
        bank.api.update_bank_transaction,
        bank.tenant_id,
        transaction.bank_transaction_id,
        deleting,
    ) == [NOT_EDITABLE]
    again = BankTransaction(
        bank_transaction_id=transaction.bank_transaction_id,
        type="RECEIVE-OVERPAYMENT",
        bank_account=Account(code="090"),
        line_items=[LineItem(description="Twice", line_amount=Decimal(9))],
    )
    assert refused(
        bank.api.update_or_create_bank_transactions,
        bank.tenant_id,
        BankTransactions(bank_transactions=[again]),
    ) == [NOT_EDITABLE]
    kept = bank.api.get_overpayment(bank.tenant_id, transaction.overpayment_id).overpayments[0]
    assert kept.total == Decimal("8.00") and kept.status == "AUTHORISED"
    plain = received(bank, "RECEIVE", [line()])
    assert refused(
        bank.api.update_bank_transaction, bank.tenant_id, plain.bank_transaction_id, deleting
    ) == ["The sandbox does not update or delete bank transactions."]


def test_over_and_prepayments_are_listed_paged_and_filtered(bank):
    first = overpaid(bank, "10.00", reference="A-1")
    bank.advance(60)
    second = overpaid(bank, "30.00", contact="Tasman Marine Supplies", reference="A-2")
    deposit = prepaid(bank, [line("Deposit", 1, "40.00")], reference="P-1")
    listed = bank.api.get_overpayments(bank.tenant_id).overpayments
    assert [o.overpayment_id for o in listed] == [first.overpayment_id, second.overpayment_id]
    assert all(o.line_items == [] for o in listed)  # lines come with a page
    paged = bank.api.get_overpayments(bank.tenant_id, page=1, page_size=1)
    assert [len(o.line_items) for o in paged.overpayments] == [1]
    assert (paged.pagination.page_count, paged.pagination.item_count) == (2, 2)
    by_reference = bank.api.get_overpayments(bank.tenant_id, references=["A-2", "Z"])
    assert [o.overpayment_id for o in by_reference.overpayments] == [second.overpayment_id]
    big = bank.api.get_overpayments(bank.tenant_id, where="Total > 20", order="Total DESC")
    assert [o.total for o in big.overpayments] == [Decimal("30.00")]
    since = bank.api.get_overpayments(bank.tenant_id, if_modified_since=first.updated_date_utc)
    assert [o.overpayment_id for o in since.overpayments] == [second.overpayment_id]
    prepayments = bank.api.get_prepayments(bank.tenant_id, references=["P-1"])
    assert [p.prepayment_id for p in prepayments.prepayments] == [deposit.prepayment_id]
    assert bank.api.get_prepayments(bank.tenant_id, invoice_numbers=["INV-9999"]).prepayments == []
    transactions = bank.api.get_bank_transactions(bank.tenant_id, references=["A-1"])
    assert [t.overpayment_id for t in transactions.bank_transactions] == [first.overpayment_id]


# ------------------------------------------------------------------ allocating


def test_allocating_an_overpayment_credits_the_invoice_and_raises_its_webhook(bank, events):  # noqa: F811
    invoice = new_invoice(bank)  # 115.00
    overpayment = overpaid(bank, "50.00")
    events.clear()
    (made,) = bank.api.create_overpayment_allocations(
        bank.tenant_id, overpayment.overpayment_id, allocations(invoice.invoice_id, "30.00")
    ).allocations
    assert made.amount == Decimal("30.00")
    assert [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in events] == [
        ("INVOICE", "UPDATE", invoice.invoice_id)
    ]
    seen = get(bank, invoice.invoice_id)
    assert (seen.status, seen.amount_credited, seen.amount_due) == (
        "AUTHORISED",
        Decimal("30.00"),
        Decimal("85.00"),
    )
    (listed,) = seen.overpayments
    assert (listed.overpayment_id, listed.applied_amount) == (
        overpayment.overpayment_id,
        Decimal("30.00"),
    )
    assert seen.prepayments == [] and seen.credit_notes == []
    left = bank.api.get_overpayment(bank.tenant_id, overpayment.overpayment_id).overpayments[0]
    assert (left.remaining_credit, left.status) == (Decimal("20.00"), "AUTHORISED")
    assert [a.allocation_id for a in left.allocations] == [made.allocation_id]
    # the rest, sent without a Date (read-only in Xero's documentation): the later date
    answer = bank.raw(
        "PUT",
        f"/Overpayments/{overpayment.overpayment_id}/Allocations",
        json={"Allocations": [{"Amount": "20.00", "Invoice": {"InvoiceID": invoice.invoice_id}}]},
    )
    assert answer.status_code == 200
    spent = bank.api.get_overpayment(bank.tenant_id, overpayment.overpayment_id).overpayments[0]
    assert (spent.remaining_credit, spent.status) == (Decimal("0.00"), "PAID")
    assert spent.allocations[1].date == max(invoice.date, overpayment.date)
    assert get(bank, invoice.invoice_id).amount_due == Decimal("65.00")
    # deleting an allocation gives the money back to the overpayment
    deleted = bank.api.delete_overpayment_allocations(
        bank.tenant_id, overpayment.overpayment_id, made.allocation_id
    )
    assert deleted.is_deleted is True
    back = bank.api.get_overpayment(bank.tenant_id, overpayment.overpayment_id).overpayments[0]
    assert (back.remaining_credit, back.status) == (Decimal("30.00"), "AUTHORISED")
    seen = get(bank, invoice.invoice_id)
    assert (seen.amount_credited, seen.amount_due) == (Decimal("20.00"), Decimal("95.00"))


def test_a_credit_note_and_a_prepayment_pay_an_invoice_off(bank):
    invoice = new_invoice(bank)  # 115.00
    deposit = prepaid(bank, [line("Deposit", 1, "80.00")])  # 92.00
    bank.api.create_prepayment_allocations(
        bank.tenant_id, deposit.prepayment_id, allocations(invoice.invoice_id, "92.00")
    )
    credit = bank.books.save_document(
        "credit",
        {
            "Type": "ACCRECCREDIT",
            "Contact": {"ContactID": invoice.contact.contact_id},
            "Status": "AUTHORISED",
            "LineItems": [{"Description": "Goodwill", "LineAmount": "20.00", "AccountCode": "200"}],
        },
        "test",
    )
    bank.books.allocate_credit(
        credit, {"Amount": "23.00", "Invoice": {"InvoiceID": invoice.invoice_id}}, "test"
    )
    paid = get(bank, invoice.invoice_id)
    assert (paid.status, paid.amount_credited, paid.amount_due) == (
        "PAID",
        Decimal("115.00"),
        Decimal("0.00"),
    )
    assert [p.applied_amount for p in paid.prepayments] == [Decimal("92.00")]
    assert [c.applied_amount for c in paid.credit_notes] == [Decimal("23.00")]
    spent = bank.api.get_prepayment(bank.tenant_id, deposit.prepayment_id).prepayments[0]
    assert spent.status == "PAID" and spent.allocations[0].invoice.invoice_id == invoice.invoice_id


def test_allocation_refusals_in_xeros_words(bank):
    invoice = new_invoice(bank)  # 115.00
    overpayment = overpaid(bank, "200.00")
    assert refused(
        bank.api.create_overpayment_allocations,
        bank.tenant_id,
        overpayment.overpayment_id,
        allocations(invoice.invoice_id, "115.01"),
    ) == ["Overpayment cannot be allocated as amount is greater than amount outstanding"]
    deposit = prepaid(bank, [line("Deposit", 1, "10.00")])  # 11.50
    assert refused(
        bank.api.create_prepayment_allocations,
        bank.tenant_id,
        deposit.prepayment_id,
        allocations(invoice.invoice_id, "12.00"),
    ) == ["Prepayment cannot be allocated as amount is greater than amount outstanding"]
    bill = bank.books.save_document(
        "invoice",
        {
            "Type": "ACCPAY",
            "Contact": {"ContactID": invoice.contact.contact_id},
            "Status": "AUTHORISED",
            "DueDate": bank.books.today().isoformat(),
            "LineItems": [{"Description": "Timber", "LineAmount": "10.00", "AccountCode": "310"}],
        },
        "test",
    )
    assert refused(
        bank.api.create_overpayment_allocations,
        bank.tenant_id,
        overpayment.overpayment_id,
        allocations(bill["InvoiceID"], "1.00"),
    ) == ["Overpayment cannot be allocated to an incorrect invoice type"]
    bank.api.create_overpayment_allocations(
        bank.tenant_id, overpayment.overpayment_id, allocations(invoice.invoice_id, "115.00")
    )
    assert refused(
        bank.api.create_overpayment_allocations,
        bank.tenant_id,
        overpayment.overpayment_id,
        allocations(invoice.invoice_id, "1.00"),
    ) == [PAID_OFF, "Overpayment cannot be allocated as amount is greater than amount outstanding"]
    other = new_invoice(bank, contact="Tasman Marine Supplies")
    assert refused(
        bank.api.create_overpayment_allocations,
        bank.tenant_id,
        overpayment.overpayment_id,
        allocations(other.invoice_id, "1.00"),
    ) == ["The overpayment and the invoice must be for the same contact."]
    # a paid invoice with an overpayment allocated cannot be voided or change contact
    voided = Invoice(status="VOIDED")
    messages = refused(
        bank.api.update_invoice,
        bank.tenant_id,
        invoice.invoice_id,
        Invoices(invoices=[voided]),
    )
    assert messages[-1] == (
        "This document cannot be edited as it has a payment or credit note allocated to it."
    )


# ------------------------------------------------------------------ refunds


def test_payments_refund_overpayments_and_prepayments(bank):
    overpayment = overpaid(bank, "50.00")
    target = {"overpayment": Overpayment(overpayment_id=overpayment.overpayment_id)}
    first = refund(bank, "20.00", **target)
    assert first.payment_type == "AROVERPAYMENTPAYMENT"
    assert first.overpayment.overpayment_id == overpayment.overpayment_id
    with pytest.raises(AccountingBadRequestException) as failure:
        refund(bank, "30.01", **target)
    assert failure.value.reason == EXCEEDS
    refund(bank, "30.00", **target)
    spent = bank.api.get_overpayment(bank.tenant_id, overpayment.overpayment_id).overpayments[0]
    assert (spent.status, spent.remaining_credit) == ("PAID", Decimal("0.00"))
    assert sorted(p.amount for p in spent.payments) == [Decimal("20.00"), Decimal("30.00")]
    with pytest.raises(AccountingBadRequestException) as failure:
        refund(bank, "1.00", **target)
    assert failure.value.reason == NOT_AUTHORISED
    # deleting a refund reopens the overpayment
    assert delete(bank, first.payment_id).status == "DELETED"
    reopened = bank.api.get_overpayment(bank.tenant_id, overpayment.overpayment_id).overpayments[0]
    assert (reopened.status, reopened.remaining_credit) == ("AUTHORISED", Decimal("20.00"))
    deposit = prepaid(bank, [line("Deposit", 1, "10.00")])
    back = refund(bank, "11.50", prepayment=Prepayment(prepayment_id=deposit.prepayment_id))
    assert back.payment_type == "ARPREPAYMENTPAYMENT"
    assert back.prepayment.prepayment_id == deposit.prepayment_id
    listed = bank.api.get_payment(bank.tenant_id, back.payment_id).payments[0]
    assert listed.prepayment.prepayment_id == deposit.prepayment_id


def test_a_fully_allocated_overpayment_takes_no_payment(bank):
    invoice = new_invoice(bank)
    overpayment = overpaid(bank, "15.00")
    bank.api.create_overpayment_allocations(
        bank.tenant_id, overpayment.overpayment_id, allocations(invoice.invoice_id, "15.00")
    )
    with pytest.raises(AccountingBadRequestException) as failure:
        refund(bank, "1.00", overpayment=Overpayment(overpayment_id=overpayment.overpayment_id))
    assert failure.value.reason == NOT_AUTHORISED


def test_over_and_prepayments_survive_a_restart(tmp_path):
    state = str(tmp_path / "state.pickle")
    sandbox = sandbox_client.checked_sandbox(state_file=state)
    scopes = [*DEFAULT_SCOPES, "accounting.transactions"]
    xero = sandbox_client.Xero(sandbox, tokens=sandbox.connect(scopes=scopes))
    overpayment = overpaid(xero, "12.00")
    sandbox.stop()
    again = sandbox_client.checked_sandbox(state_file=state)
    kept = again.tenant(0).books.overpayments[overpayment.overpayment_id]
    again.stop()
    assert kept["RemainingCredit"] == Decimal("12.00")
    assert sandbox.problems == [] and again.problems == []


# ------------------------------------------------------------------ the admin page


def test_the_admin_page_records_payments_and_overpayments_and_deletes_payments(xero):
    invoice = new_invoice(xero)
    page = requests.get(xero.sandbox.base_url + "/", timeout=10).text
    assert "Record payment" in page and "Record overpayment" in page
    assert '<option value="090">' in page
    tenant = f"tenants/{xero.tenant_id}"
    yesterday = (xero.books.today() - timedelta(days=1)).isoformat()
    # what the page's "Record payment" form sends: strings from its fields
    status, paid = xero.admin(
        "POST",
        f"{tenant}/payments",
        {
            "invoice_id": invoice.invoice_id,
            "amount": "15.00",
            "date": yesterday,
            "account_code": "090",
        },
    )
    assert status == 200 and paid["Amount"] == "15.00"
    seen = get(xero, invoice.invoice_id)
    assert seen.amount_paid == Decimal("15.00")
    assert seen.payments[0].date.isoformat() == yesterday
    page = requests.get(xero.sandbox.base_url + "/", timeout=10).text
    assert "Delete payment" in page and paid["PaymentID"] in page
    status, deleted = xero.admin("DELETE", f"{tenant}/payments/{paid['PaymentID']}")
    assert status == 200 and deleted["Status"] == "DELETED"
    assert get(xero, invoice.invoice_id).amount_paid == 0
    # the "Record overpayment" form
    contact = contact_id(xero, "Ridgeway Builders")
    status, overpayment = xero.admin(
        "POST",
        f"{tenant}/overpayments",
        {"contact_id": contact, "amount": "25.00", "date": "", "account_code": "090"},
    )
    assert status == 200 and overpayment["RemainingCredit"] == "25.00"
    listed = xero.api.get_overpayments(xero.tenant_id).overpayments
    assert [o.overpayment_id for o in listed] == [overpayment["OverpaymentID"]]
    status, shown = xero.admin("GET", f"{tenant}/overpayments")
    assert status == 200 and [o["OverpaymentID"] for o in shown] == [overpayment["OverpaymentID"]]
    status, error = xero.admin(
        "POST", f"{tenant}/overpayments", {"contact_id": contact, "amount": "0"}
    )
    assert status == 400 and error["error"] == [
        "The total of a bank transaction must be greater than zero."
    ]
    page = requests.get(xero.sandbox.base_url + "/", timeout=10).text
    assert "25.00" in page
    # merging the contact moves the overpayment with the documents
    into = contact_id(xero, "Tasman Marine Supplies")
    status, _merged = xero.admin("POST", f"{tenant}/contacts/{contact}/merge", {"into": into})
    moved = xero.api.get_overpayment(xero.tenant_id, overpayment["OverpaymentID"]).overpayments
    assert status == 200 and moved[0].contact.contact_id == into
