"""The rules of a subscription's schedule, as Xero's repeating invoices have them."""

from dateutil.relativedelta import relativedelta

STATES = [
    ("running", "Running"),
    ("paused", "Paused"),
    ("ended", "Ended"),
    ("cancelled", "Cancelled"),
]
# the order's fields a version of its subscription is made of
SCHEDULE_FIELDS = (
    "xero_recurring_interval",
    "xero_recurring_unit",
    "xero_recurring_end",
    "xero_recurring_due_days",
    "xero_recurring_due_type",
    "xero_recurring_approval",
    "xero_recurring_mark_sent",
)

# Xero's due-date rules of a repeating invoice (Schedule.DueDateType)
DUE_TYPES = [
    ("DAYSAFTERINVOICEDATE", "days after the invoice date"),
    ("DAYSAFTERINVOICEMONTH", "days after the end of the invoice month"),
    ("OFCURRENTMONTH", "of the invoice month"),
    ("OFFOLLOWINGMONTH", "of the following month"),
    ("DAYSAFTERBILLDATE", "days after the bill date"),
    ("DAYSAFTERBILLMONTH", "days after the end of the bill month"),
]
UNITS = [("week", "Weeks"), ("month", "Months"), ("year", "Years")]
APPROVALS = [
    ("draft", "Save as drafts"),
    ("approve", "Approve"),
    ("send", "Approve and e-mail"),
]
# how many months each unit lasts: MRR = amount per period / (months * interval)
MONTHS_PER_UNIT = {"week": 12 / 52, "month": 1, "year": 12}


def xero_schedule_unit(unit, interval):
    """(Xero's Period, Unit) of every ``interval`` ``unit``: a year is 12 months."""
    if unit == "week":
        return interval, "WEEKLY"
    return interval * (12 if unit == "year" else 1), "MONTHLY"


def next_dates(start, unit, interval, count, after=None):
    """The first ``count`` dates of a schedule from ``start`` (those after ``after``
    when given), each computed from the start (a 31st stays the month's last day)."""
    step = relativedelta(weeks=interval) if unit == "week" else relativedelta(months=interval)
    step = relativedelta(months=12 * interval) if unit == "year" else step
    dates, n = [], 0
    while len(dates) < count:
        moment = start + step * n
        n += 1
        if after is None or moment > after:
            dates.append(moment)
    return dates
