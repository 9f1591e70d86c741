"""The Executive Summary report (``/Reports/ExecutiveSummary``), through xero-python, on a
small ledger built by hand (the seeded documents are cleared first)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account,
    BankTransaction,
    BankTransactions,
    Contact,
    Invoice,
    Invoices,
    LineItem,
    Payment,
    Payments,
)
from xero_python.exceptions import ApiException

from ..sandbox.oauth import DEFAULT_SCOPES

SCOPES = [*DEFAULT_SCOPES, "accounting.banktransactions", "accounting.reports.read"]


@pytest.fixture
def ledger(xero):
    """The first organisation with an empty ledger and a token that may read reports."""
    books = xero.books
    with xero.sandbox.lock:
        for store in (
            books.invoices,
            books.credit_notes,
            books.payments,
            books.bank_transactions,
            books.overpayments,
            books.prepayments,
            books.repeating_invoices,
        ):
            store.clear()
    xero.token = dict(xero.sandbox.connect([xero.tenant_id], scopes=SCOPES))
    return xero


def contact_id(xero):
    return next(
        c["ContactID"] for c in xero.books.contacts.values() if c["Name"] == "Ridgeway Builders"
    )


def line(amount, code):
    return LineItem(
        description="Work", quantity=Decimal(1), unit_amount=Decimal(amount), account_code=code
    )


def document(xero, kind, day, amount, code):
    invoice = Invoice(
        type=kind,
        contact=Contact(contact_id=contact_id(xero)),
        status="AUTHORISED",
        date=day,
        due_date=day + timedelta(days=20),
        reference="Bill 1" if kind == "ACCPAY" else None,
        invoice_number="B-1" if kind == "ACCPAY" else None,
        line_items=[line(amount, code)],
    )
    return xero.api.create_invoices(xero.tenant_id, Invoices(invoices=[invoice])).invoices[0]


def pay(xero, invoice, amount, day):
    paid = Payment(
        invoice=Invoice(invoice_id=invoice.invoice_id),
        account=Account(code="090"),
        amount=Decimal(amount),
        date=day,
    )
    xero.api.create_payments(xero.tenant_id, Payments(payments=[paid]))


def summary(xero, day):
    answer = xero.api.get_report_executive_summary(xero.tenant_id, date=day)
    (report,) = answer.reports
    return report


def cells(report):
    """{label: [this month, previous month, variance]} of every row of every section."""
    found = {}
    for section in report.rows[1:]:
        for row in section.rows:
            label, *values = (cell.value for cell in row.cells)
            found[label] = values
    return found


def test_executive_summary_of_a_small_ledger(ledger):
    xero = ledger
    today = xero.books.today()
    first = today.replace(day=1)  # this month
    previous = (first - timedelta(days=1)).replace(day=1)  # the month before
    # last month: a sale of 200 + 15% GST, 50 of it paid
    old = document(xero, "ACCREC", previous, "200.00", "200")
    pay(xero, old, "50.00", previous)
    # this month: sales of 100 (paid in full, 115) and 300 (345, unpaid); a bill of 80 on
    # Cost of Goods Sold (92, paid); bank spend of 40 on General Expenses (46)
    paid_sale = document(xero, "ACCREC", first, "100.00", "200")
    pay(xero, paid_sale, "115.00", first)
    document(xero, "ACCREC", first, "300.00", "200")
    bill = document(xero, "ACCPAY", first, "80.00", "310")
    pay(xero, bill, "92.00", first)
    spend = BankTransaction(
        type="SPEND",
        contact=Contact(contact_id=contact_id(xero)),
        bank_account=Account(code="090"),
        date=first,
        line_items=[line("40.00", "429")],
    )
    xero.api.create_bank_transactions(xero.tenant_id, BankTransactions(bank_transactions=[spend]))

    report = summary(xero, today)
    assert (report.report_id, report.report_name, report.report_type) == (
        "ExecutiveSummary",
        "Executive Summary",
        "ExecutiveSummary",
    )
    assert report.report_titles == [
        "Executive Summary",
        "Kauri Tools Ltd",
        f"For the month of {first:%B %Y}",
    ]
    header = report.rows[0]
    assert header.row_type.value == "Header"
    assert [c.value for c in header.cells] == [
        "",
        f"{first:%b %Y}",
        f"{previous:%b %Y}",
        "Variance",
    ]
    assert [s.title for s in report.rows[1:]] == [
        "Cash",
        "Profitability",
        "Balance Sheet",
        "Income",
        "Performance",
        "Position",
    ]
    rows = cells(report)
    assert list(rows)[:6] == [
        "Cash received",
        "Cash spent",
        "Cash surplus (deficit)",
        "Closing bank balance",
        "Income",
        "Direct costs",
    ]
    # received 115 (50 last month); spent 92 + 46 (none); bank 50 + 115 - 138 = 27
    assert rows["Cash received"] == ["115.00", "50.00", "130.0%"]
    assert rows["Cash spent"] == ["138.00", "0.00", "0.0%"]
    assert rows["Cash surplus (deficit)"] == ["-23.00", "50.00", "-146.0%"]
    assert rows["Closing bank balance"] == ["27.00", "50.00", "-46.0%"]
    # income 100 + 300 (200); costs untaxed: 80 direct, 40 expenses
    assert rows["Income"] == ["400.00", "200.00", "100.0%"]
    assert rows["Direct costs"] == ["80.00", "0.00", "0.0%"]
    assert rows["Gross profit (loss)"] == ["320.00", "200.00", "60.0%"]
    assert rows["Other Income"] == ["0.00", "0.00", "0.0%"]
    assert rows["Expenses"] == ["40.00", "0.00", "0.0%"]
    assert rows["Profit (loss)"] == ["280.00", "200.00", "40.0%"]
    # still owed at each month's end: 230 - 50 + 345 = 525 (180 last month)
    assert rows["Debtors"] == ["525.00", "180.00", "191.7%"]
    assert rows["Creditors"] == ["0.00", "0.00", "0.0%"]
    assert rows["Number of invoices issued"] == ["2", "1", "100.0%"]
    assert rows["Average value of invoices"] == ["200.00", "200.00", "0.0%"]
    assert rows["Gross profit margin"] == ["80.0%", "100.0%", "-20.0%"]
    assert rows["Term assets to liabilities"] == ["", "", "0.0%"]

    # asked for a day of last month, the report moves back a month
    older = summary(xero, previous + timedelta(days=3))
    assert [c.value for c in older.rows[0].cells][1] == f"{previous:%b %Y}"
    assert cells(older)["Income"][:2] == ["200.00", "0.00"]


def test_executive_summary_needs_the_reports_scope(xero):
    # the default grant (contacts, settings, invoices, payments) has no accounting.reports.read
    with pytest.raises(ApiException) as refused:
        xero.api.get_report_executive_summary(xero.tenant_id)
    assert refused.value.status == 401
    answer = xero.raw("GET", "/Reports/ExecutiveSummary")
    assert answer.status_code == 401 and answer.json()["Detail"] == "AuthorizationUnsuccessful"
