"""Many sales at once (the admin's bulk seeding, for tests and benchmarks), paging through
them, and the payments listed by type with ``OR`` (refunds among them)."""

from decimal import ROUND_HALF_UP, Decimal

from xero_python.accounting import Overpayment

from .test_sandbox_overpayments import bank, overpaid, refund  # noqa: F401

WINDOW = 'Type=="ACCREC" AND (Date >= DateTime(2000,1,1) OR Status=="AUTHORISED")'
REFUNDS = 'PaymentType=="ARCREDITPAYMENT" OR PaymentType=="AROVERPAYMENTPAYMENT"'


def bulk(xero, **body):
    status, answer = xero.admin("POST", f"tenants/{xero.tenant_id}/bulk", body)
    assert status == 200, answer
    return answer


def pages(xero, path, where, **params):
    """Every page of a listing (1,000 a page), as a poll reads them: [(page, its answer)]."""
    found, page = [], 1
    while True:
        answer = xero.raw(
            "GET", path, params={"page": page, "pageSize": 1000, "where": where, **params}
        ).json()
        found.append(answer)
        if answer["pagination"]["pageCount"] <= page:
            return found
        page += 1


def test_bulk_seeding_makes_invoices_with_their_payments_through_the_rules(xero):
    before = {i["InvoiceID"] for i in xero.books.invoices.values()}
    made = bulk(
        xero,
        invoices=25,
        contacts=4,
        payments=2,
        part_paid_every=5,
        currencies=["NZD", "USD"],
        days=10,
    )
    assert made | {"first_number": None, "last_number": None} == {
        "contacts": 4,
        "invoices": 25,
        "payments": 45,
        "part_paid": 5,
        "currencies": ["NZD", "USD"],
        "first_number": None,
        "last_number": None,
    }
    new = [i for i in xero.books.invoices.values() if i["InvoiceID"] not in before]
    assert [i["InvoiceNumber"] for i in (new[0], new[-1])] == [
        made["first_number"],
        made["last_number"],
    ]
    sales = [i for i in xero.books.invoices.values() if i["Type"] == "ACCREC"]
    assert len({i["InvoiceNumber"] for i in sales}) == len(sales)
    statuses = [i["Status"] for i in new]
    assert statuses.count("PAID") == 20 and statuses.count("AUTHORISED") == 5
    assert {i["CurrencyCode"] for i in new} == {"NZD", "USD"}
    assert len({i["Contact"]["ContactID"] for i in new}) == 4
    for invoice in new:  # the tax of account 200 (GST 15%), payments to the cent
        tax = (invoice["SubTotal"] * Decimal("0.15")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert invoice["TotalTax"] == tax
        paid = sum(xero.books.payments[p]["Amount"] for p in invoice["_payments"])
        assert paid == invoice["AmountPaid"] == invoice["Total"] - invoice["AmountDue"]
    usd = next(i for i in new if i["CurrencyCode"] == "USD")
    assert usd["CurrencyRate"] != 1


def test_bulk_seeding_refuses_what_it_does_not_know(xero):
    status, answer = xero.admin("POST", f"tenants/{xero.tenant_id}/bulk", {"invoces": 3})
    assert status == 400 and "invoces" in answer["error"][0]
    status, answer = xero.admin(
        "POST", f"tenants/{xero.tenant_id}/bulk", {"invoices": 1, "currencies": ["JPY"]}
    )
    assert status == 400 and "not subscribed to currency JPY" in answer["error"][0]


def test_paging_through_thousands_of_whole_invoices_reads_each_once(xero):
    bulk(xero, invoices=2100, contacts=5, payments=1, part_paid_every=2)
    kept = [i for i in xero.books.invoices.values() if i["Type"] == "ACCREC"]
    read = pages(xero, "/Invoices", WINDOW, order="InvoiceID ASC")
    invoices = [i for answer in read for i in answer["Invoices"]]
    assert len(read) == 3 and len(invoices) == len(kept)
    assert [i["InvoiceID"] for i in invoices] == sorted(i["InvoiceID"] for i in kept)
    # whole: lines, and the payments with them
    assert all(i["LineItems"] and "Payments" in i for i in invoices)
    # every other one left unpaid (its one payment left out)
    assert sum(len(i["Payments"]) for i in invoices) >= 1050


def test_a_change_between_pages_shows_on_the_next_page(xero):
    bulk(xero, invoices=1500, contacts=3)
    first = xero.raw(
        "GET", "/Invoices", params={"page": 1, "pageSize": 1000, "where": WINDOW}
    ).json()
    bulk(xero, invoices=600, contacts=1, prefix="Later")
    second = xero.raw(
        "GET", "/Invoices", params={"page": 2, "pageSize": 1000, "where": WINDOW}
    ).json()
    assert second["pagination"]["itemCount"] == first["pagination"]["itemCount"] + 600
    assert second["Invoices"][-1]["Reference"].startswith("Later sale")


def test_payments_are_listed_by_type_with_or_refunds_among_them(bank):  # noqa: F811
    bulk(bank, invoices=3, contacts=1, payments=1)
    overpayment = overpaid(bank, "50.00")
    back = refund(bank, "20.00", overpayment=Overpayment(overpayment_id=overpayment.overpayment_id))
    [answer] = pages(bank, "/Payments", REFUNDS)
    assert [p["PaymentID"] for p in answer["Payments"]] == [back.payment_id]
    assert answer["Payments"][0]["Overpayment"]["Contact"]["Name"] == "Ridgeway Builders"
    both = pages(bank, "/Payments", f'PaymentType=="ACCRECPAYMENT" OR {REFUNDS}')[0]
    assert {p["PaymentType"] for p in both["Payments"]} == {
        "ACCRECPAYMENT",
        "AROVERPAYMENTPAYMENT",
    }
    wanted = [
        p
        for p in bank.books.payments.values()
        if p["PaymentType"] in ("ACCRECPAYMENT", "AROVERPAYMENTPAYMENT")
    ]
    assert len(both["Payments"]) == len(wanted) >= 4
