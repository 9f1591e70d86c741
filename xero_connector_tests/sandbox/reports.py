"""The Executive Summary report (``GET /Reports/ExecutiveSummary?date=YYYY-MM-DD``).

Computed from the organisation's ledger as it stands now, for the month the date falls
in and the month before; the formulas are the sandbox's (readme/USAGE.rst, *Executive
Summary*), checked against the arithmetic of the example in Xero's OpenAPI file.
"""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .common import money
from .xerojson import ms_date, parse_date

ZERO = Decimal("0.00")
LIVE = ("AUTHORISED", "PAID")
# payments that bring money in; every other payment type pays money out
RECEIVED_PAYMENTS = (
    "ACCRECPAYMENT",
    "APCREDITPAYMENT",
    "APOVERPAYMENTPAYMENT",
    "APPREPAYMENTPAYMENT",
)
# how a document's lines count in the profit and loss: +1 a credit (income), -1 a debit
SIGN = {"ACCREC": 1, "RECEIVE": 1, "ACCRECCREDIT": -1, "ACCPAY": -1, "SPEND": -1, "ACCPAYCREDIT": 1}
INCOME_TYPES = ("REVENUE", "SALES")
OTHER_INCOME_TYPES = ("OTHERINCOME",)
DIRECT_COST_TYPES = ("DIRECTCOSTS",)
EXPENSE_TYPES = ("EXPENSE", "OVERHEADS", "DEPRECIATN")


def executive_summary(context):
    books = context.books
    given = context.query.get("date")
    day = parse_date(given) if given else books.today()  # a bad date: ValueError, a 400
    this = _month(books, day.year, day.month)
    before = day.replace(day=1) - timedelta(days=1)
    last = _month(books, before.year, before.month)
    rows = [
        {
            "RowType": "Header",
            "Cells": [
                {"Value": ""},
                {"Value": this["label"]},
                {"Value": last["label"]},
                {"Value": "Variance"},
            ],
        }
    ]
    for title, lines in SECTIONS:
        rows.append(
            {
                "RowType": "Section",
                "Title": title,
                "Rows": [_row(label, kind, key, this, last) for label, kind, key in lines],
            }
        )
    today = books.today()
    report = {
        "ReportID": "ExecutiveSummary",
        "ReportName": "Executive Summary",
        "ReportType": "ExecutiveSummary",
        "ReportTitles": [
            "Executive Summary",
            books.organisation.get("Name", ""),
            f"For the month of {calendar.month_name[day.month]} {day.year}",
        ],
        "ReportDate": f"{today.day} {calendar.month_name[today.month]} {today.year}",
        "UpdatedDateUTC": ms_date(books.now(), offset=False),
        "Fields": [],
        "Rows": rows,
    }
    return context.envelope("Reports", [report])


# (label, how it is written, key of the month's figures)
SECTIONS = (
    (
        "Cash",
        (
            ("Cash received", "money", "received"),
            ("Cash spent", "money", "spent"),
            ("Cash surplus (deficit)", "money", "surplus"),
            ("Closing bank balance", "money", "bank"),
        ),
    ),
    (
        "Profitability",
        (
            ("Income", "money", "income"),
            ("Direct costs", "money", "direct"),
            ("Gross profit (loss)", "money", "gross"),
            ("Other Income", "money", "other"),
            ("Expenses", "money", "expenses"),
            ("Profit (loss)", "money", "profit"),
        ),
    ),
    (
        "Balance Sheet",
        (
            ("Debtors", "money", "debtors"),
            ("Creditors", "money", "creditors"),
            ("Net assets", "money", "net_assets"),
        ),
    ),
    (
        "Income",
        (
            ("Number of invoices issued", "count", "invoices"),
            ("Average value of invoices", "money", "average"),
        ),
    ),
    (
        "Performance",
        (
            ("Gross profit margin", "percent", "gross_margin"),
            ("Net profit margin", "percent", "net_margin"),
            ("Return on investment (p.a.)", "percent", "roi"),
        ),
    ),
    (
        "Position",
        (
            ("Average debtors days", "ratio", "debtor_days"),
            ("Average creditors days", "ratio", "creditor_days"),
            ("Short term cash forecast", "money", "forecast"),
            ("Current assets to liabilities", "ratio", "current_ratio"),
            ("Term assets to liabilities", "ratio", "term_ratio"),
        ),
    ),
)


def _row(label, kind, key, this, last):
    now, before = this[key], last[key]
    return {
        "RowType": "Row",
        "Cells": [
            {"Value": label},
            {"Value": _written(kind, now)},
            {"Value": _written(kind, before)},
            {"Value": variance(now, before)},
        ],
    }


def _written(kind, value):
    if value is None:  # a ratio whose divisor is zero
        return ""
    if kind == "count":
        return str(value)
    if kind == "percent":
        return f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    return str(money(value))


def variance(now, before):
    """(this month - last month) / abs(last month), in % to 1 decimal; 0.0% from nothing."""
    if now is None or not before:
        return "0.0%"
    change = (Decimal(now) - Decimal(before)) * 100 / abs(Decimal(before))
    return f"{change.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _ratio(numerator, divisor, times=1):
    return None if not divisor else Decimal(numerator) * times / Decimal(divisor)


# ------------------------------------------------------------------ one month's figures


def _base(amount, rate):
    """An amount in the organisation's base currency (Xero's rate: units of the
    document's currency for one unit of the base currency)."""
    return Decimal(amount) / Decimal(rate or 1)


def _month(books, year, month):
    first = date(year, month, 1)
    days = calendar.monthrange(year, month)[1]
    last = date(year, month, days)
    received, spent = _cash(books, first, last)
    bank_in, bank_out = _cash(books, None, last)
    figures = {
        "label": f"{calendar.month_abbr[month]} {year}",
        "received": received,
        "spent": spent,
        "surplus": received - spent,
        "bank": bank_in - bank_out,
    }
    figures.update(_profit_and_loss(books, first, last))
    figures["gross"] = figures["income"] - figures["direct"]
    figures["profit"] = figures["gross"] + figures["other"] - figures["expenses"]
    debtors = _due(books, "ACCREC", last)
    creditors = _due(books, "ACCPAY", last)
    net_assets = figures["bank"] + debtors - creditors
    issued = [
        i
        for i in books.invoices.values()
        if i["Type"] == "ACCREC" and i["Status"] in LIVE and first <= i["Date"] <= last
    ]
    issued_total = sum((_base(i["SubTotal"], i["CurrencyRate"]) for i in issued), ZERO)
    costs = figures["direct"] + figures["expenses"]
    figures.update(
        debtors=debtors,
        creditors=creditors,
        net_assets=net_assets,
        invoices=len(issued),
        average=issued_total / len(issued) if issued else ZERO,
        gross_margin=_ratio(figures["gross"], figures["income"], 100),
        net_margin=_ratio(figures["profit"], figures["income"], 100),
        roi=_ratio(figures["profit"], net_assets, 1200),
        debtor_days=_ratio(debtors, figures["income"], days) if figures["income"] else ZERO,
        creditor_days=_ratio(creditors, costs, days) if costs else ZERO,
        forecast=debtors - creditors,
        current_ratio=_ratio(figures["bank"] + debtors, creditors),
        term_ratio=None,  # the sandbox holds no fixed assets nor term liabilities
    )
    return figures


def _cash(books, first, last):
    """Money in and out of the bank accounts between two dates (``first`` None: since
    the beginning), in the base currency: payments and bank transactions."""
    received = spent = ZERO

    def inside(day):
        return (first is None or first <= day) and day <= last

    for payment in books.payments.values():
        if payment["Status"] == "DELETED" or not inside(payment["Date"]):
            continue
        amount = _base(payment["Amount"], payment["CurrencyRate"])
        if payment["PaymentType"] in RECEIVED_PAYMENTS:
            received += amount
        else:
            spent += amount
    for transaction in books.bank_transactions.values():
        if transaction["Status"] != "AUTHORISED" or not inside(transaction["Date"]):
            continue
        amount = _base(transaction["Total"], transaction["CurrencyRate"])
        if transaction["Type"].startswith("RECEIVE"):
            received += amount
        else:
            spent += amount
    return received, spent


def _profit_and_loss(books, first, last):
    """Untaxed line amounts of the month's approved invoices, bills, credit notes and
    RECEIVE/SPEND bank transactions, by the type of each line's account."""
    types = {a["Code"]: a["Type"] for a in books.accounts.values() if a.get("Code")}
    totals = {"income": ZERO, "other": ZERO, "direct": ZERO, "expenses": ZERO}
    documents = [
        *(d for d in books.invoices.values() if d["Status"] in LIVE),
        *(d for d in books.credit_notes.values() if d["Status"] in LIVE),
        *(t for t in books.bank_transactions.values() if t["Status"] == "AUTHORISED"),
    ]
    for document in documents:
        sign = SIGN.get(document["Type"])  # over/prepayments are not profit or loss
        if sign is None or not first <= document["Date"] <= last:
            continue
        inclusive = document.get("LineAmountTypes") == "Inclusive"
        for line in document.get("LineItems", []):
            amount = line.get("LineAmount", ZERO)
            if inclusive:
                amount -= line.get("TaxAmount", ZERO)
            amount = sign * _base(amount, document["CurrencyRate"])
            kind = types.get(line.get("AccountCode"))
            if kind in INCOME_TYPES:
                totals["income"] += amount
            elif kind in OTHER_INCOME_TYPES:
                totals["other"] += amount
            elif kind in DIRECT_COST_TYPES:
                totals["direct"] -= amount
            elif kind in EXPENSE_TYPES:
                totals["expenses"] -= amount
    return totals


def _due(books, invoice_type, last):
    """What the approved invoices (or bills) dated up to ``last`` still owed at the end
    of that day: total less the payments and allocations made by then, in base currency."""
    paid = {}
    for payment in books.payments.values():
        kind, document_id = payment["_document"]
        if kind == "invoice" and payment["Status"] != "DELETED" and payment["Date"] <= last:
            paid[document_id] = paid.get(document_id, ZERO) + payment["Amount"]
    due = ZERO
    for invoice in books.invoices.values():
        if invoice["Type"] != invoice_type or invoice["Status"] not in LIVE:
            continue
        if invoice["Date"] > last:
            continue
        allocated = sum((a["Amount"] for a in invoice["_allocations"] if a["Date"] <= last), ZERO)
        owed = invoice["Total"] - paid.get(invoice["InvoiceID"], ZERO) - allocated
        due += _base(owed, invoice["CurrencyRate"])
    return due
