"""Many sales at once, for tests and benchmarks (the admin's ``POST tenants/<id>/bulk``).

Contacts, approved sales invoices and their payments, made as the accountant would
make them one by one: through the same rules as the API (numbers, tax, totals,
statuses, ``UpdatedDateUTC``, history, webhooks).
"""

from datetime import timedelta
from decimal import Decimal

from .common import money
from .errors import ElementError

# what a bulk seeding accepts, and its defaults
OPTIONS = {
    "invoices": 0,
    "contacts": 10,
    "payments": 0,
    "part_paid_every": 0,
    "currencies": None,
    "days": 365,
    "prefix": "Bulk",
    "sales_account": "200",
    "bank_account": "090",
}
MAX_INVOICES = 500_000


def seed_sales(books, user, **options):
    """Make ``contacts`` customers named "<prefix> customer 00001"…, then ``invoices``
    approved sales invoices among them, round the customers and the ``currencies`` (the
    organisation's base currency alone by default), dated back over ``days`` days, one
    line of the ``sales_account`` each, its tax the account's; each paid by ``payments``
    payments into ``bank_account`` of equal shares (the last one of what is due), a week
    apart, none after today, but every ``part_paid_every``-th invoice, whose last payment
    is left out (part-paid; unpaid with one payment an invoice). Returns what was made:
    {"contacts", "invoices", "payments", "part_paid", "currencies", "first_number",
    "last_number"}."""
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise ValueError(f"unknown bulk option {sorted(unknown)}")
    given = OPTIONS | {key: value for key, value in options.items() if value is not None}
    count, per_invoice = int(given["invoices"]), int(given["payments"])
    every, days = int(given["part_paid_every"]), max(int(given["days"]), 1)
    if not 0 <= count <= MAX_INVOICES or per_invoice < 0 or every < 0:
        raise ElementError(f"invoices must be 0 to {MAX_INVOICES}; payments and the rest ≥ 0.")
    currencies = list(given["currencies"] or [books.base_currency()])
    for code in currencies:
        books.subscribed_currency(code)
    customers = [
        books.save_contact(
            {"Name": f"{given['prefix']} customer {index:05d}"}, user, create_only=True
        )["ContactID"]
        for index in range(1, max(int(given["contacts"]), 1) + 1)
    ]
    today = books.today()
    made = {"contacts": len(customers), "invoices": 0, "payments": 0, "part_paid": 0}
    numbers = []
    with books.numbers_indexed():
        for index in range(count):
            day = today - timedelta(days=index % days)
            invoice = books.save_document(
                "invoice",
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": customers[index % len(customers)]},
                    "Status": "AUTHORISED",
                    "CurrencyCode": currencies[index % len(currencies)],
                    "Date": day.isoformat(),
                    "DueDate": (day + timedelta(days=30)).isoformat(),
                    "Reference": f"{given['prefix']} sale {index + 1}",
                    "LineItems": [
                        {
                            "Description": f"{given['prefix']} sale {index + 1}",
                            "Quantity": 1,
                            "UnitAmount": _price(index),
                            "AccountCode": given["sales_account"],
                        }
                    ],
                },
                user,
            )
            numbers.append(invoice["InvoiceNumber"])
            made["invoices"] += 1
            part_paid = bool(every) and (index + 1) % every == 0
            made["part_paid"] += part_paid and per_invoice > 0
            made["payments"] += _pay(books, invoice, per_invoice, part_paid, given, user)
    return made | {
        "currencies": currencies,
        "first_number": numbers[0] if numbers else None,
        "last_number": numbers[-1] if numbers else None,
    }


def _price(index):
    """Unit prices that differ from one invoice to the next, cents included."""
    return str(Decimal(10 + index * 37 % 990) + Decimal(index % 100) / 100)


def _pay(books, invoice, count, part_paid, given, user):
    """Pay the invoice in ``count`` equal shares, a week apart (the last of what is due);
    a part-paid one misses its last. Returns the payments made."""
    made = count - 1 if part_paid else count
    share = money(invoice["Total"] / count) if count else 0
    for number in range(made):
        day = min(invoice["Date"] + timedelta(days=7 * (number + 1)), books.today())
        amount = invoice["AmountDue"] if number == count - 1 else share
        books.create_payment(
            {
                "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                "Account": {"Code": given["bank_account"]},
                "Date": day.isoformat(),
                "Amount": amount,
                "Reference": f"{given['prefix']} payment {number + 1}",
            },
            user,
        )
    return made
