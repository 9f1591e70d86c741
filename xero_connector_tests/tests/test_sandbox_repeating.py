"""Repeating invoices in the sandbox: templates as Xero shapes them, Xero's refusals, and the
invoices the sandbox clock makes of them (dates, numbers, due dates, drafts, sending)."""

import calendar
import pickle
from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import (
    Contact,
    CurrencyCode,
    HistoryRecord,
    HistoryRecords,
    LineAmountTypes,
    LineItem,
    LineItemTracking,
    RepeatingInvoice,
    RepeatingInvoices,
    Schedule,
)
from xero_python.exceptions import AccountingBadRequestException

from odoo.addons.xero_connector.tools.local_sandbox import web_url

from ..sandbox import XeroSandbox
from ..sandbox.admin import ACCOUNTANT
from .sandbox_client import Xero, checked_sandbox
from .test_sandbox_invoices import contact_id, line
from .test_sandbox_webhooks import receiver, subscribe  # noqa: F401

MUST_DELETE = "Repeating invoice status must be set to DELETED"
SENDING_DRAFT = "Only AUTHORISED repeating invoices may have ApprovedForSending updated."
SYSTEM = "System Generated"
# English month names, as Xero's placeholders write them (the C locale's)
MONTH_NAMES = tuple(calendar.month_name[1:])


# ------------------------------------------------------------------ helpers


def today(xero):
    """Today in the organisation's timezone (Kauri Tools: New Zealand)."""
    return xero.books.local_today()


def months_later(day, months, anchor_day):
    """``day`` plus ``months`` on ``anchor_day``, or the month's last day when shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_day_of_month(after, day_of_month):
    """The first date on ``day_of_month`` from ``after`` on, in a month that has that day."""
    day = after
    while day.day != day_of_month:
        day += timedelta(days=1)
    return day


def template(
    xero,
    start=None,
    lines=None,
    status="AUTHORISED",
    contact="Ridgeway Builders",
    period=1,
    unit="MONTHLY",
    due=20,
    due_type="OFFOLLOWINGMONTH",
    end=None,
    **extra,
):
    schedule = Schedule(
        period=period,
        unit=unit,
        due_date=due,
        due_date_type=due_type,
        start_date=start,
        end_date=end,
    )
    return RepeatingInvoice(
        type=extra.pop("type", "ACCREC"),
        contact=Contact(contact_id=contact_id(xero, contact)),
        schedule=schedule,
        line_items=lines or [line("Monthly service", 1, "100.00")],
        status=status,
        **extra,
    )


def create(xero, *templates, **kwargs):
    return xero.api.create_repeating_invoices(
        xero.tenant_id, RepeatingInvoices(repeating_invoices=list(templates)), **kwargs
    ).repeating_invoices


def read(xero, template_id):
    return xero.api.get_repeating_invoice(xero.tenant_id, template_id).repeating_invoices[0]


def resend(xero, *templates):
    return xero.api.update_or_create_repeating_invoices(
        xero.tenant_id, RepeatingInvoices(repeating_invoices=list(templates))
    ).repeating_invoices


def refused(call, *args, **kwargs):
    """Every validation message of a refused call (the SDK's reason holds the first)."""
    with pytest.raises(AccountingBadRequestException) as failure:
        call(*args, **kwargs)
    return [m["Message"] for m in failure.value.error_data["Elements"][0]["ValidationErrors"]]


def refusal(xero, *templates, **kwargs):
    return refused(
        xero.api.create_repeating_invoices,
        xero.tenant_id,
        RepeatingInvoices(repeating_invoices=list(templates)),
        **kwargs,
    )


def made_from(xero, template_id):
    """The invoices a template made, by date, as GET /Invoices lists them."""
    return xero.api.get_invoices(
        xero.tenant_id, where=f'RepeatingInvoiceID==Guid("{template_id}")', order="Date"
    ).invoices


def changes(xero, record_id):
    return [(h["Changes"], h["User"]) for h in xero.books.history_of(record_id)]


# ------------------------------------------------------------------ templates


def test_a_template_is_created_and_read_back_as_xero_shapes_it(xero):
    start = today(xero) + timedelta(days=10)
    theme = next(iter(xero.books.branding_themes))
    support = line(
        "Support for [Month]",
        2,
        "45.00",
        tax_type="OUTPUT2",
        discount_rate=Decimal(10),
        tracking=[LineItemTracking(name="Region", option="North Island")],
    )
    hammer = LineItem(item_code="TOOL-HAM", quantity=Decimal(1))
    (created,) = create(
        xero,
        template(
            xero,
            start,
            [support, hammer],
            reference="Plan [Month Year]",
            branding_theme_id=theme,
            mark_as_sent=True,
        ),
    )
    assert created.repeating_invoice_id == created.id and created.status == "AUTHORISED"
    schedule = created.schedule
    assert (schedule.period, schedule.unit, schedule.due_date, schedule.due_date_type) == (
        1,
        "MONTHLY",
        20,
        "OFFOLLOWINGMONTH",
    )
    # the first invoice is still to come; no EndDate when none is set
    assert (schedule.start_date, schedule.next_scheduled_date, schedule.end_date) == (
        start,
        start,
        None,
    )
    support_line, hammer_line = created.line_items
    # 2 x 45.00 less 10% = 81.00, GST 12.15; the hammer at its price, GST 4.485 -> 4.49
    assert (support_line.line_amount, support_line.tax_amount) == (
        Decimal("81.00"),
        Decimal("12.15"),
    )
    assert support_line.discount_rate == Decimal("10.00")
    assert support_line.description == "Support for [Month]"  # placeholders stay in templates
    tracking = support_line.tracking[0]
    assert (tracking.name, tracking.option) == ("Region", "North Island")
    assert tracking.tracking_category_id and tracking.tracking_option_id
    assert (
        hammer_line.description,
        hammer_line.item_code,
        hammer_line.unit_amount,
        hammer_line.account_code,
        hammer_line.tax_type,
    ) == ("Claw hammer", "TOOL-HAM", Decimal("29.90"), "200", "OUTPUT2")
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("110.90"),
        Decimal("16.64"),
        Decimal("127.54"),
    )
    assert created.currency_code == CurrencyCode.NZD
    assert created.line_amount_types == LineAmountTypes.EXCLUSIVE
    assert (created.reference, created.branding_theme_id) == ("Plan [Month Year]", theme)
    assert (created.mark_as_sent, created.approved_for_sending, created.send_copy) == (
        True,
        False,
        False,
    )
    assert created.contact.name == "Ridgeway Builders"
    again = read(xero, created.repeating_invoice_id)
    assert again.to_dict() == created.to_dict()
    assert made_from(xero, created.repeating_invoice_id) == []
    assert changes(xero, created.repeating_invoice_id) == [
        ("Created", xero.sandbox.app.name),
        ("Approved", xero.sandbox.app.name),
    ]


def test_without_due_terms_a_template_takes_the_payment_terms(xero):
    start = today(xero) + timedelta(days=3)
    sent = template(xero, start)
    sent.schedule.due_date = sent.schedule.due_date_type = None
    (created,) = create(xero, sent)
    # the organisation's terms: the 20th of the following month
    assert (created.schedule.due_date, created.schedule.due_date_type) == (20, "OFFOLLOWINGMONTH")
    assert created.status == "AUTHORISED"
    draft = template(xero, start, status=None)
    (saved,) = create(xero, draft)
    assert saved.status == "DRAFT"  # a template sent without a Status is a draft


def test_the_list_takes_where_and_order_but_no_paging_and_no_if_modified_since(xero):
    start = today(xero) + timedelta(days=3)
    small, large, draft = create(
        xero,
        template(xero, start, [line("Small", 1, "10.00")]),
        template(xero, start, [line("Large", 1, "500.00")], contact="Tasman Marine Supplies"),
        template(xero, start, [line("Draft", 1, "50.00")], status="DRAFT"),
    )

    def listed(**query):
        answer = xero.api.get_repeating_invoices(xero.tenant_id, **query)
        return [t.repeating_invoice_id for t in answer.repeating_invoices]

    assert listed(order="Total DESC") == [
        large.repeating_invoice_id,
        draft.repeating_invoice_id,
        small.repeating_invoice_id,
    ]
    assert listed(where='Status=="DRAFT"') == [draft.repeating_invoice_id]
    assert listed(where='Contact.Name=="Tasman Marine Supplies"') == [large.repeating_invoice_id]
    assert listed(where='Schedule.Unit=="MONTHLY" AND Total > 50') == [
        large.repeating_invoice_id,
        draft.repeating_invoice_id,
    ]
    answer = xero.raw(
        "GET",
        "/RepeatingInvoices",
        params={"page": 2},
        headers={"If-Modified-Since": "2100-01-01T00:00:00"},
    )
    body = answer.json()
    assert answer.status_code == 200 and "pagination" not in body
    assert len(body["RepeatingInvoices"]) == 3  # neither paged nor filtered by the header
    assert body["RepeatingInvoices"][0]["LineItems"]  # a list carries the lines


def test_xero_s_refusals_in_its_words(xero):
    start = today(xero) + timedelta(days=5)
    no_type = template(xero, start)
    no_type.type = None
    assert refusal(xero, no_type) == ["Type must be specified"]
    no_contact = template(xero, start)
    no_contact.contact = None
    assert refusal(xero, no_contact) == [
        (
            "The Contact must contain at least 1 of the following elements to identify the "
            "contact: Name, ContactID, ContactNumber"
        )
    ]
    no_schedule = template(xero, start)
    no_schedule.schedule = None
    assert refusal(xero, no_schedule) == ["A Schedule (Period, Unit, StartDate) must be specified."]
    assert refusal(xero, template(xero, start, period=0)) == [
        "Schedule Period must be greater than zero."
    ]
    assert refusal(xero, template(xero, None)) == ["Schedule StartDate must be specified."]
    no_lines = template(xero, start)
    no_lines.line_items = []
    assert refusal(xero, no_lines) == ["One or more line items must be specified"]
    assert refusal(xero, template(xero, start, [line(account_code="999")])) == [
        "Account code '999' is not a valid code for this document."
    ]
    assert refusal(xero, template(xero, start, [line(tax_type="NOPE")])) == [
        "The TaxType code NOPE does not exist or cannot be used for this type of transaction."
    ]
    assert refusal(
        xero, template(xero, start, [LineItem(item_code="NOPE", quantity=Decimal(1))])
    ) == ["Item code 'NOPE' is not valid."]
    assert refusal(xero, template(xero, start, currency_code=CurrencyCode.EUR)) == [
        "Organisation is not subscribed to currency EUR"
    ]
    no_account = template(xero, start, [LineItem(description="x", quantity=1, unit_amount=1)])
    assert refusal(xero, no_account) == [
        "Account code must be specified for each line item of an approved document."
    ]
    assert refusal(xero, template(xero, start, status="DRAFT", approved_for_sending=True)) == [
        SENDING_DRAFT
    ]
    assert refusal(xero, template(xero, start, end=start - timedelta(days=1))) == [
        "Schedule EndDate must not be before its StartDate."
    ]
    assert refusal(xero, template(xero, start, due=0, due_type="OFCURRENTMONTH")) == [
        "Schedule DueDate must be a day of the month (1 to 31) for OFCURRENTMONTH."
    ]
    # what the SDK cannot send
    answer = xero.raw(
        "PUT",
        "/RepeatingInvoices",
        json={
            "RepeatingInvoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": "Ridgeway Builders"},
                    "Schedule": {"Period": 1, "Unit": "YEARLY", "StartDate": start.isoformat()},
                    "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 1}],
                }
            ]
        },
    )
    assert answer.status_code == 400
    errors = answer.json()["Elements"][0]["ValidationErrors"]
    assert errors == [{"Message": "Schedule Unit must be WEEKLY or MONTHLY."}]
    assert xero.books.repeating_invoices == {}


def test_a_refused_template_is_a_400_even_without_summarised_errors(xero):
    """RepeatingInvoice has no ValidationErrors in Xero's OpenAPI file: nowhere to put one."""
    start = today(xero) + timedelta(days=5)
    good, bad = template(xero, start), template(xero, start, period=0)
    assert refusal(xero, good, bad, summarize_errors=False) == [
        "Schedule Period must be greater than zero."
    ]
    # the valid element is saved, as in a summarised 400 of invoices
    assert len(xero.books.repeating_invoices) == 1
    (ok,) = create(xero, template(xero, start), summarize_errors=False)
    assert ok.status == "AUTHORISED"


def test_an_approved_template_can_only_be_deleted_and_its_invoices_stay(xero):
    start = today(xero) - timedelta(days=1)
    (created,) = create(xero, template(xero, start))
    template_id = created.repeating_invoice_id
    (made,) = made_from(xero, template_id)
    created.reference = "Changed"
    assert refused(
        xero.api.update_or_create_repeating_invoices,
        xero.tenant_id,
        RepeatingInvoices(repeating_invoices=[created]),
    ) == [MUST_DELETE]
    assert refused(
        xero.api.update_repeating_invoice,
        xero.tenant_id,
        template_id,
        RepeatingInvoices(repeating_invoices=[RepeatingInvoice(status="AUTHORISED")]),
    ) == [MUST_DELETE]
    deleted = xero.api.update_repeating_invoice(
        xero.tenant_id,
        template_id,
        RepeatingInvoices(repeating_invoices=[RepeatingInvoice(status="DELETED")]),
    ).repeating_invoices[0]
    assert (deleted.repeating_invoice_id, deleted.status) == (template_id, "DELETED")
    assert changes(xero, template_id)[-1] == ("Deleted", xero.sandbox.app.name)
    # a POST naming a template by its id deletes it too
    (other,) = create(xero, template(xero, today(xero) + timedelta(days=30)))
    (gone,) = resend(
        xero, RepeatingInvoice(repeating_invoice_id=other.repeating_invoice_id, status="DELETED")
    )
    assert gone.status == "DELETED"
    listed = xero.api.get_repeating_invoices(xero.tenant_id).repeating_invoices
    assert listed == []  # deleted templates are left out...
    asked = xero.api.get_repeating_invoices(xero.tenant_id, where='Status=="DELETED"')
    assert len(asked.repeating_invoices) == 2  # ...unless asked for
    assert refused(
        xero.api.update_repeating_invoice,
        xero.tenant_id,
        template_id,
        RepeatingInvoices(repeating_invoices=[RepeatingInvoice(status="DELETED")]),
    ) == ["This repeating invoice has been deleted and cannot be changed."]
    unknown = RepeatingInvoice(
        repeating_invoice_id="6f1e0d52-3c4b-4f0a-9d7e-2a1b3c4d5e6f", status="DELETED"
    )
    assert refused(
        xero.api.update_or_create_repeating_invoices,
        xero.tenant_id,
        RepeatingInvoices(repeating_invoices=[unknown]),
    ) == ["An existing Repeating Invoice with the specified RepeatingInvoiceID could not be found"]
    # the invoice it made stays as it was, and no more come
    kept = xero.api.get_invoice(xero.tenant_id, made.invoice_id).invoices[0]
    assert (kept.status, kept.repeating_invoice_id) == ("AUTHORISED", template_id)
    assert xero.move_clock_to(today(xero) + timedelta(days=70)) == []
    assert len(made_from(xero, template_id)) == 1


def test_a_draft_template_is_edited_by_sending_it_again_whole(xero):
    start = today(xero) + timedelta(days=7)
    (draft,) = create(xero, template(xero, start, status="DRAFT"))
    template_id = draft.repeating_invoice_id
    edited = read(xero, template_id)
    edited.line_items = [line("Bigger service", 2, "80.00")]
    edited.reference = "Edited"
    # sent back with the totals read, which no longer add up: Xero's invoice rule
    assert refused(
        xero.api.update_or_create_repeating_invoices,
        xero.tenant_id,
        RepeatingInvoices(repeating_invoices=[edited]),
    ) == ["The document total does not equal the sum of the lines."]
    edited.sub_total = edited.total_tax = edited.total = None
    (saved,) = resend(xero, edited)
    assert saved.repeating_invoice_id == template_id and saved.status == "DRAFT"
    assert (saved.reference, saved.total) == ("Edited", Decimal("184.00"))
    assert saved.line_items[0].description == "Bigger service"
    assert saved.schedule.start_date == start
    assert changes(xero, template_id)[-1] == ("Updated", xero.sandbox.app.name)
    # a whole object: without its Type it is refused as a new one would be
    partial = read(xero, template_id)
    partial.type = None
    assert refused(
        xero.api.update_or_create_repeating_invoices,
        xero.tenant_id,
        RepeatingInvoices(repeating_invoices=[partial]),
    ) == ["Type must be specified"]
    sending = read(xero, template_id)
    sending.approved_for_sending = True
    assert refused(
        xero.api.update_repeating_invoice,
        xero.tenant_id,
        template_id,
        RepeatingInvoices(repeating_invoices=[sending]),
    ) == [SENDING_DRAFT]
    # approved by sending it again with AUTHORISED; from then on only a deletion goes
    sending.status = "AUTHORISED"
    approved = xero.api.update_repeating_invoice(
        xero.tenant_id, template_id, RepeatingInvoices(repeating_invoices=[sending])
    ).repeating_invoices[0]
    assert (approved.status, approved.approved_for_sending) == ("AUTHORISED", True)
    assert changes(xero, template_id)[-2:] == [
        ("Updated", xero.sandbox.app.name),
        ("Approved", xero.sandbox.app.name),
    ]
    assert refused(
        xero.api.update_or_create_repeating_invoices,
        xero.tenant_id,
        RepeatingInvoices(repeating_invoices=[read(xero, template_id)]),
    ) == [MUST_DELETE]


def test_a_key_replays_the_created_template_and_its_back_series(xero):
    start = today(xero) - timedelta(days=14)
    sent = template(xero, start, unit="WEEKLY")
    first = create(xero, sent, idempotency_key="repeat-1")[0]
    second = create(xero, sent, idempotency_key="repeat-1")[0]
    assert second.repeating_invoice_id == first.repeating_invoice_id
    assert len(xero.books.repeating_invoices) == 1
    assert len(made_from(xero, first.repeating_invoice_id)) == 3


def test_history_notes_on_a_template(xero):
    (created,) = create(xero, template(xero, today(xero) + timedelta(days=3)))
    template_id = created.repeating_invoice_id
    xero.api.create_repeating_invoice_history(
        xero.tenant_id,
        template_id,
        HistoryRecords(history_records=[HistoryRecord(details="Agreed by phone")]),
    )
    records = xero.api.get_repeating_invoice_history(xero.tenant_id, template_id).history_records
    assert [r.changes for r in records] == ["Created", "Approved", "Note"]
    assert records[-1].details == "Agreed by phone"


# ------------------------------------------------------------------ the generator


def test_invoices_are_made_month_by_month_on_the_31st_or_the_month_s_last_day(xero):
    start = next_day_of_month(today(xero) + timedelta(days=2), 31)
    (created,) = create(
        xero,
        template(
            xero,
            start,
            [line("Service for [Month+1]", 1, "100.00")],
            reference="[Month Year]",
        ),
    )
    template_id = created.repeating_invoice_id
    dates = [months_later(start, n, 31) for n in range(5)]
    assert any(day.day < 31 for day in dates)  # a short month on the way
    assert xero.move_clock_to(dates[1] - timedelta(days=1))[-1]["Date"] == dates[0].isoformat()
    assert xero.move_clock_to(dates[1] - timedelta(days=1)) == []  # not its day yet
    for day in dates[1:]:
        (made,) = xero.move_clock_to(day)
        assert (made["Date"], made["RepeatingInvoiceID"]) == (day.isoformat(), template_id)
    invoices = made_from(xero, template_id)
    assert [i.date for i in invoices] == dates
    numbers = [int(i.invoice_number.split("-")[1]) for i in invoices]
    assert numbers == list(range(numbers[0], numbers[0] + 5))
    assert [i.due_date for i in invoices] == [
        months_later(day.replace(day=1), 1, 20) for day in dates
    ]
    assert {(i.status, i.repeating_invoice_id, i.type) for i in invoices} == {
        ("AUTHORISED", template_id, "ACCREC")
    }
    first = xero.api.get_invoice(xero.tenant_id, invoices[0].invoice_id).invoices[0]
    following = months_later(dates[0].replace(day=1), 1, 1)
    assert first.reference == f"{MONTH_NAMES[dates[0].month - 1]} {dates[0].year}"
    assert first.line_items[0].description == (f"Service for {MONTH_NAMES[following.month - 1]}")
    assert first.total == Decimal("115.00") and first.sent_to_contact is False
    assert changes(xero, first.invoice_id) == [("Created", SYSTEM), ("Approved", SYSTEM)]
    assert read(xero, template_id).schedule.next_scheduled_date == months_later(start, 5, 31)


def test_due_dates_follow_each_due_date_type(xero):
    start = next_day_of_month(today(xero) + timedelta(days=2), 15)
    terms = [
        ("DAYSAFTERINVOICEDATE", 0),
        ("DAYSAFTERBILLDATE", 10),
        ("DAYSAFTERINVOICEMONTH", 5),
        ("DAYSAFTERBILLMONTH", 0),
        ("OFCURRENTMONTH", 31),
        ("OFFOLLOWINGMONTH", 31),
    ]
    created = create(xero, *[template(xero, start, due=due, due_type=kind) for kind, due in terms])

    def expected(day):
        return [
            day,  # 0 days after the invoice date: due the same day
            day + timedelta(days=10),
            month_end(day) + timedelta(days=5),
            month_end(day),
            month_end(day),  # the 31st of a shorter month: its last day
            month_end(months_later(day, 1, 1)),
        ]

    for months in range(3):
        day = months_later(start, months, 15)
        made = xero.move_clock_to(day)
        assert [m["RepeatingInvoiceID"] for m in made] == [t.repeating_invoice_id for t in created]
        due = [
            xero.api.get_invoice(xero.tenant_id, m["InvoiceID"]).invoices[0].due_date for m in made
        ]
        assert due == expected(day)


def test_a_past_start_makes_the_whole_series_at_once_and_sends_only_today_s(xero):
    now = today(xero)
    start = now - timedelta(weeks=3)
    (created,) = create(
        xero,
        template(
            xero,
            start,
            unit="WEEKLY",
            due=7,
            due_type="DAYSAFTERINVOICEDATE",
            approved_for_sending=True,
            reference="[Week Year]",
        ),
    )
    assert created.schedule.start_date == start
    assert created.schedule.next_scheduled_date == now + timedelta(weeks=1)
    invoices = made_from(xero, created.repeating_invoice_id)
    assert [i.date for i in invoices] == [start + timedelta(weeks=n) for n in range(4)]
    assert [i.due_date for i in invoices] == [i.date + timedelta(days=7) for i in invoices]
    numbers = [int(i.invoice_number.split("-")[1]) for i in invoices]
    assert numbers == sorted(numbers)  # numbered in date order
    assert {i.status for i in invoices} == {"AUTHORISED"}
    # only the invoice dated today is emailed; the back series is approved, not sent
    assert [i.sent_to_contact for i in invoices] == [False, False, False, True]
    assert changes(xero, invoices[-1].invoice_id)[-1] == ("Emailed", SYSTEM)
    assert all("Emailed" not in dict(changes(xero, i.invoice_id)) for i in invoices[:-1])
    week, year = now.isocalendar()[1], now.isocalendar()[0]
    assert invoices[-1].reference == f"Week {week} {year}"


def test_a_schedule_sent_with_only_its_next_date_starts_today(xero):
    """Integrators report it: without a StartDate Xero starts today, and makes that invoice."""
    sent = template(xero, None)
    sent.schedule.next_scheduled_date = today(xero) + timedelta(days=10)
    (created,) = create(xero, sent)
    assert created.schedule.start_date == today(xero)
    (made,) = made_from(xero, created.repeating_invoice_id)
    assert made.date == today(xero)


def test_a_template_with_a_tracked_item_makes_drafts(xero):
    drill = xero.books.item_by_code("TOOL-DRL")
    on_hand = xero.books.stock_of(drill)["quantity"]
    lines = [LineItem(item_code="TOOL-DRL", quantity=Decimal(2)), line("Setup", 1, "20.00")]
    (created,) = create(xero, template(xero, today(xero), lines, approved_for_sending=True))
    assert created.status == "AUTHORISED"
    (made,) = made_from(xero, created.repeating_invoice_id)
    assert (made.status, made.sent_to_contact) == ("DRAFT", False)
    assert xero.books.stock_of(drill)["quantity"] == on_hand  # a draft moves no stock
    assert dict(changes(xero, made.invoice_id)) == {"Created": SYSTEM}


def test_sending_marking_as_sent_and_draft_templates(xero):
    now = today(xero)
    sending, marked, draft = create(
        xero,
        template(xero, now + timedelta(days=3), approved_for_sending=True),
        template(xero, now, mark_as_sent=True),
        template(xero, now, status="DRAFT", mark_as_sent=True),
    )
    (marked_invoice,) = made_from(xero, marked.repeating_invoice_id)
    assert (marked_invoice.status, marked_invoice.sent_to_contact) == ("AUTHORISED", True)
    assert "Emailed" not in dict(changes(xero, marked_invoice.invoice_id))
    (draft_invoice,) = made_from(xero, draft.repeating_invoice_id)
    assert (draft_invoice.status, draft_invoice.sent_to_contact) == ("DRAFT", False)
    # made on its own day: emailed
    (made,) = xero.move_clock_to(now + timedelta(days=3))
    sent = xero.api.get_invoice(xero.tenant_id, made["InvoiceID"]).invoices[0]
    assert sent.sent_to_contact is True
    emailed = xero.books.history_of(made["InvoiceID"])[-1]
    assert (emailed["Changes"], emailed["User"]) == ("Emailed", SYSTEM)
    assert emailed["Details"] == "Invoice emailed to office@ridgeway-builders.example."
    # the clock moved past the next one's day: it comes a day late, dated in the past, and
    # is approved, not sent
    late_day = months_later(now + timedelta(days=3), 1, (now + timedelta(days=3)).day)
    made = xero.move_clock_to(late_day + timedelta(days=1))
    late = next(m for m in made if m["RepeatingInvoiceID"] == sending.repeating_invoice_id)
    assert late["Date"] == late_day.isoformat()
    assert xero.api.get_invoice(xero.tenant_id, late["InvoiceID"]).invoices[0].sent_to_contact is (
        False
    )


def test_the_series_stops_at_its_end_date(xero):
    now = today(xero)
    start, end = now - timedelta(weeks=2), now + timedelta(weeks=1)
    (created,) = create(xero, template(xero, start, unit="WEEKLY", end=end))
    template_id = created.repeating_invoice_id
    assert len(made_from(xero, template_id)) == 3
    assert (created.schedule.next_scheduled_date, created.schedule.end_date) == (
        now + timedelta(weeks=1),
        end,
    )
    made = xero.move_clock_to(now + timedelta(days=8))
    assert [m["Date"] for m in made] == [end.isoformat()]  # the EndDate's own invoice is made
    over = read(xero, template_id)
    assert over.schedule.next_scheduled_date is None and over.schedule.end_date == end
    assert over.status == "AUTHORISED"
    assert xero.move_clock_to(now + timedelta(days=60)) == []
    assert len(made_from(xero, template_id)) == 4


def test_made_invoices_raise_invoice_create_events_and_show_to_if_modified_since(
    xero,
    sandbox,
    receiver,  # noqa: F811
):
    subscribe(xero)
    since = sandbox.clock.now()
    xero.advance(5)  # the seed's invoices are older than ``since``
    (created,) = create(
        xero, template(xero, today(xero) - timedelta(weeks=2), unit="WEEKLY", period=1)
    )
    made = made_from(xero, created.repeating_invoice_id)
    events = receiver.wait_for(3)
    assert [(e["eventCategory"], e["eventType"]) for e in events] == [("INVOICE", "CREATE")] * 3
    assert [e["resourceId"] for e in events] == [i.invoice_id for i in made]
    polled = xero.api.get_invoices(xero.tenant_id, if_modified_since=since).invoices
    assert {i.invoice_id for i in polled} == {i.invoice_id for i in made}
    assert {i.repeating_invoice_id for i in polled} == {created.repeating_invoice_id}
    (later,) = xero.move_clock_to(today(xero) + timedelta(weeks=1))
    events = receiver.wait_for(4)
    assert events[3]["resourceId"] == later["InvoiceID"]
    assert (events[3]["eventCategory"], events[3]["eventType"]) == ("INVOICE", "CREATE")


def test_the_clock_moved_directly_is_caught_up_by_the_next_call_or_the_admin_run(xero):
    now = today(xero)
    later, sooner = create(
        xero,
        template(xero, now + timedelta(days=3), [line("Later", 1, "10.00")]),
        template(xero, now + timedelta(days=2), [line("Sooner", 1, "10.00")]),
    )
    xero.advance(4 * 86400)  # the clock alone, not the admin's: nothing made yet
    assert not any(i.get("RepeatingInvoiceID") for i in xero.books.invoices.values())
    made = xero.run_repeating()
    assert [m["RepeatingInvoiceID"] for m in made] == [
        sooner.repeating_invoice_id,  # by date across templates, then numbered in that order
        later.repeating_invoice_id,
    ]
    numbers = [int(m["InvoiceNumber"].split("-")[1]) for m in made]
    assert numbers[1] == numbers[0] + 1
    assert made[0]["tenant_id"] == xero.tenant_id
    assert xero.run_repeating() == []
    xero.advance(31 * 86400)
    # any call of the organisation first makes what is due, as Xero's daily run would have
    invoices = made_from(xero, later.repeating_invoice_id)
    assert [i.date for i in invoices] == [
        now + timedelta(days=3),
        months_later(now + timedelta(days=3), 1, (now + timedelta(days=3)).day),
    ]


def test_a_repeating_bill_is_approved_without_a_number(xero):
    bill = template(
        xero,
        today(xero),
        [line("Timber delivery", 3, "40.00", account_code="310", tax_type="INPUT2")],
        contact="Hamilton Timber Co",
        type="ACCPAY",
        reference="Delivery [Month]",
    )
    (created,) = create(xero, bill)
    (made,) = made_from(xero, created.repeating_invoice_id)
    assert (made.type, made.status, made.invoice_number, made.total) == (
        "ACCPAY",
        "AUTHORISED",
        None,
        Decimal("138.00"),
    )
    assert made.reference == f"Delivery {MONTH_NAMES[today(xero).month - 1]}"


def test_a_refused_invoice_waits_on_its_date_until_it_can_be_made(xero):
    """The contact archived after the template was made: the invoice is refused as any
    invoice to an archived contact would be; the template waits and tells it once."""
    now = today(xero)
    (created,) = create(xero, template(xero, now + timedelta(days=2)))
    template_id = created.repeating_invoice_id
    people = contact_id(xero, "Ridgeway Builders")
    assert xero.admin("POST", f"tenants/{xero.tenant_id}/contacts/{people}/archive")[0] == 200
    (refusal_made,) = xero.move_clock_to(now + timedelta(days=3))
    assert refusal_made["Error"] == (
        "The contact Ridgeway Builders has been archived. The contact must be un-archived "
        "before creating new invoices or credit notes."
    )
    assert xero.run_repeating() == []  # tried again, told once
    assert [c for c in changes(xero, template_id) if c[0] == "Not generated"] == [
        ("Not generated", SYSTEM)
    ]
    assert read(xero, template_id).schedule.next_scheduled_date == now + timedelta(days=2)
    xero.admin("POST", f"tenants/{xero.tenant_id}/contacts/{people}", {"ContactStatus": "ACTIVE"})
    (made,) = xero.run_repeating()
    assert made["Date"] == (now + timedelta(days=2)).isoformat()


# ------------------------------------------------------------------ the accountant


def test_the_accountant_edits_an_approved_template_in_place_and_deletes_it(xero, sandbox):
    now = today(xero)
    (created,) = create(xero, template(xero, now + timedelta(days=10)))
    template_id = created.repeating_invoice_id
    path = f"tenants/{xero.tenant_id}/repeating/{template_id}"
    status, edited = xero.admin(
        "POST",
        path,
        {
            "Schedule": {"Period": 2},
            "Reference": "Every other month",
            "LineItems": [
                {
                    "Description": "Retainer",
                    "Quantity": 1,
                    "UnitAmount": "200.00",
                    "AccountCode": "200",
                }
            ],
        },
    )
    assert status == 200 and edited["RepeatingInvoiceID"] == template_id
    changed = read(xero, template_id)
    assert (changed.status, changed.schedule.period, changed.reference, changed.total) == (
        "AUTHORISED",
        2,
        "Every other month",
        Decimal("230.00"),
    )
    assert changed.schedule.next_scheduled_date == now + timedelta(days=10)
    assert changes(xero, template_id)[-1] == ("Updated", ACCOUNTANT)
    status, answer = xero.admin(
        "POST", path, {"LineItems": [{"Description": "x", "Quantity": 1, "AccountCode": "999"}]}
    )
    assert status == 400 and answer["error"] == [
        "Account code '999' is not a valid code for this document."
    ]
    page = requests.get(sandbox.base_url + "/", timeout=10).text
    assert "<h3>Repeating invoices</h3>" in page and "<td>every 2 months</td>" in page
    assert f"{path}/delete" in page and "Delete template" in page
    # "Open in Xero" on a template lands on its row, as on any record
    fragment = web_url(sandbox.base_url, "repeating_invoice", template_id).partition("#")[2]
    assert f'<tr id="{fragment}">' in page
    # the next invoice date moved into the past: the invoices from there are made again
    past = now - timedelta(days=5)
    status, edited = xero.admin("POST", path, {"Schedule": {"NextScheduledDate": past.isoformat()}})
    assert status == 200
    (made,) = made_from(xero, template_id)
    assert made.date == past
    moved = read(xero, template_id).schedule
    assert (moved.start_date, moved.next_scheduled_date) == (past, months_later(past, 2, past.day))
    status, deleted = xero.admin("POST", f"{path}/delete")
    assert status == 200 and deleted["Status"] == "DELETED"
    assert changes(xero, template_id)[-1] == ("Deleted", ACCOUNTANT)
    assert xero.api.get_invoice(xero.tenant_id, made.invoice_id).invoices[0].status == (
        "AUTHORISED"
    )
    page = requests.get(sandbox.base_url + "/", timeout=10).text
    assert f"{path}/delete" not in page and "<td>DELETED</td>" in page
    assert xero.admin("POST", f"{path}/delete")[0] == 400
    status, listed = xero.admin("GET", f"tenants/{xero.tenant_id}/repeating")
    assert status == 200 and [t["Status"] for t in listed] == ["DELETED"]


# ------------------------------------------------------------------ the state file


def test_a_state_file_keeps_templates_and_their_schedule(tmp_path):
    state_file = str(tmp_path / "sandbox.state")
    first = checked_sandbox(state_file=state_file)
    try:
        xero = Xero(first)
        start = today(xero) + timedelta(days=5)
        (created,) = create(xero, template(xero, start, reference="Kept"))
    finally:
        first.stop()
    second = checked_sandbox(state_file=state_file)
    try:
        again = Xero(second)
        kept = read(again, created.repeating_invoice_id)
        assert kept.to_dict() == created.to_dict()
        (made,) = again.move_clock_to(start)
        assert made["RepeatingInvoiceID"] == created.repeating_invoice_id
        assert again.books.invoices[made["InvoiceID"]]["Reference"] == "Kept"
    finally:
        second.stop()
    assert first.problems == second.problems == []


def test_a_state_file_from_before_repeating_invoices_still_loads(tmp_path):
    state_file = tmp_path / "sandbox.state"
    older = XeroSandbox()
    data = older.snapshot()
    older.stop()
    for saved in data["tenants"].values():
        del saved["repeating_invoices"]
    state_file.write_bytes(pickle.dumps(data))
    sandbox = XeroSandbox(state_file=str(state_file))
    try:
        assert all(t.books.repeating_invoices == {} for t in sandbox.tenants.values())
    finally:
        sandbox.stop()
