"""Repeating invoices: templates, their schedules, and the invoices the clock makes of them.

A template is checked with the invoices' own rules (contact, accounts, tax types, items,
currency, branding theme, line arithmetic: documents.py); the invoices it makes go through
``save_document`` like any other, so they are numbered, logged and announced (INVOICE
CREATE) the same way. ``run_schedules`` makes every invoice whose date has come, today in
the organisation's timezone; the sandbox runs it before each Accounting call of the
organisation, when the admin moves the clock, when a template is created or edited, and on
``POST /admin/repeating/run``.
"""

import calendar
import re
from datetime import date, timedelta
from decimal import Decimal

from .documents import AMOUNT_TYPES, SYSTEM_USER, due_from_terms
from .errors import ElementError
from .xerojson import parse_date

TYPES = ("ACCREC", "ACCPAY")
UNITS = ("WEEKLY", "MONTHLY")
DUE_DATE_TYPES = (
    "DAYSAFTERBILLDATE",
    "DAYSAFTERBILLMONTH",
    "DAYSAFTERINVOICEDATE",
    "DAYSAFTERINVOICEMONTH",
    "OFCURRENTMONTH",
    "OFFOLLOWINGMONTH",
)
DAY_OF_MONTH_TYPES = ("OFCURRENTMONTH", "OFFOLLOWINGMONTH")
TEMPLATE_STATUSES = ("DRAFT", "AUTHORISED")
FLAGS = ("ApprovedForSending", "SendCopy", "MarkAsSent", "IncludePDF")
# the line fields a template keeps and hands on to the invoices it makes (amounts and tax
# are worked out again for each invoice)
LINE_FIELDS = (
    "Description",
    "ItemCode",
    "Quantity",
    "UnitAmount",
    "AccountCode",
    "TaxType",
    "DiscountRate",
    "DiscountAmount",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# [Week], [Month], [Year], [Week Year], [Month Year], each with an optional +n or -n
PLACEHOLDER = re.compile(
    r"\[(week year|month year|week|month|year)\s*(?:([+-])\s*(\d{1,3}))?\]", re.IGNORECASE
)
# Xero's words (integrators report them)
TYPE_MISSING = "Type must be specified"
MUST_DELETE = "Repeating invoice status must be set to DELETED"
SENDING_DRAFT = "Only AUTHORISED repeating invoices may have ApprovedForSending updated."
# the sandbox's words [unconfirmed]
NOT_FOUND = "An existing Repeating Invoice with the specified RepeatingInvoiceID could not be found"
DELETED = "This repeating invoice has been deleted and cannot be changed."
NO_SCHEDULE = "A Schedule (Period, Unit, StartDate) must be specified."
NO_START = "Schedule StartDate must be specified."
NO_TERMS = (
    "Schedule DueDate and DueDateType must be specified (neither the contact nor the "
    "organisation has payment terms)."
)


# ------------------------------------------------------------------ dates and words


def add_months(day, months, anchor_day):
    """``day`` moved by ``months`` months, on ``anchor_day``, or the month's last day when
    the month is shorter (a schedule on the 31st: 28 February, then 31 March)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor_day, last))


def schedule_text(schedule):
    """ "every 1 month", "every 2 weeks"..."""
    period = schedule["Period"]
    unit = "week" if schedule["Unit"] == "WEEKLY" else "month"
    return f"every {period} {unit}{'s' if period != 1 else ''}"


def _placeholder(match, day):
    name = match[1].lower()
    shift = int(match[3] or 0) * (-1 if match[2] == "-" else 1)
    if name.startswith("week"):
        iso_year, week, _weekday = (day + timedelta(weeks=shift)).isocalendar()
        return f"Week {week}" + (f" {iso_year}" if name == "week year" else "")
    if name.startswith("month"):
        moved = add_months(day, shift, 1)
        return MONTHS[moved.month - 1] + (f" {moved.year}" if name == "month year" else "")
    return str(day.year + shift)


def fill_placeholders(value, day):
    """A Reference or a line Description for the invoice of ``day``: [Week] is "Week 7" (ISO
    weeks, from Monday), [Month] "March", [Year] "2027", [Week Year] "Week 7 2027" (the ISO
    week's year), [Month Year] "March 2027"; [Month+1], [Year-1]... shift them."""
    if not value:
        return value
    return PLACEHOLDER.sub(lambda match: _placeholder(match, day), value)


def _whole(values, key, label):
    """An integer field of a Schedule (JSON numbers, or their text)."""
    value = values.get(key)
    if isinstance(value, bool) or value is None:
        raise ElementError(f"{label} must be a whole number.")
    try:
        number = Decimal(str(value))
    except ArithmeticError as error:
        raise ElementError(f"{label} must be a whole number.") from error
    if number != number.to_integral_value():
        raise ElementError(f"{label} must be a whole number.")
    return int(number)


def _date(values, key):
    if values.get(key) in (None, ""):
        return None
    try:
        return parse_date(values[key])
    except ValueError as error:
        raise ElementError(f"Schedule {key} is not a valid date.") from error


class RepeatingMixin:
    # ------------------------------------------------------------ saving (the API)

    def save_repeating(self, values, user, target=None):
        """One element of PUT/POST /RepeatingInvoices: without a RepeatingInvoiceID a new
        template; with one (or POST /{id}), Status DELETED deletes it, a DRAFT one is edited by
        sending it again whole, an AUTHORISED one cannot be edited through the API."""
        template = target or self._repeating_for(values)
        if template is None:
            template = self._create_repeating(values, user)
        elif template["Status"] == "DELETED":
            raise ElementError(DELETED)
        elif values.get("Status") == "DELETED":
            self.delete_repeating(template, user)
        elif template["Status"] == "AUTHORISED":
            raise ElementError(MUST_DELETE)
        else:
            start = self._api_start(values.get("Schedule"))
            moved = start if start != template["Schedule"]["StartDate"] else None
            self._update_repeating(template, values, user, moved)
        self.run_schedules()
        return template

    def _repeating_for(self, values):
        template_id = values.get("RepeatingInvoiceID") or values.get("ID")
        if not template_id:
            return None
        template = self.repeating_invoices.get(str(template_id).lower())
        if template is None:
            raise ElementError(NOT_FOUND)
        return template

    def _api_start(self, schedule):
        """The StartDate a Schedule sent through the API asks for: Xero starts today when
        only a NextScheduledDate is sent (integrators report it), and needs one of them."""
        if not isinstance(schedule, dict):
            raise ElementError(NO_SCHEDULE)
        start = _date(schedule, "StartDate")
        if start is None and _date(schedule, "NextScheduledDate") is not None:
            start = self.local_today()
        if start is None:
            raise ElementError(NO_START)
        return start

    def _create_repeating(self, values, user):
        template = {"RepeatingInvoiceID": self.new_id(), "HasAttachments": False, "_invoices": []}
        if not values.get("Type"):  # an element without RepeatingInvoiceID is a new template
            raise ElementError(TYPE_MISSING)
        start = self._api_start(values.get("Schedule"))
        template.update(self._checked_repeating(values, template, start))
        template_id = template["RepeatingInvoiceID"]
        self.repeating_invoices[template_id] = template
        self.log(template_id, "Created", self._describe_repeating(template), user)
        if template["Status"] == "AUTHORISED":
            self.log(template_id, "Approved", self._describe_repeating(template), user)
        return template

    def _update_repeating(self, template, values, user, moved):
        """Check ``values`` as a whole template and put them in place (the template is left
        as it was when they are refused); ``moved``: a new next date, or None."""
        fields = self._checked_repeating(values, template, moved)
        approved = fields["Status"] == "AUTHORISED" and template["Status"] != "AUTHORISED"
        template.update(fields)
        template_id = template["RepeatingInvoiceID"]
        self.log(template_id, "Updated", self._describe_repeating(template), user)
        if approved:
            self.log(template_id, "Approved", self._describe_repeating(template), user)

    def delete_repeating(self, template, user):
        """Status DELETED: no more invoices; those it made are kept."""
        if template["Status"] == "DELETED":
            raise ElementError(DELETED)
        template["Status"] = "DELETED"
        count = len(template["_invoices"])
        self.log(
            template["RepeatingInvoiceID"],
            "Deleted",
            f"{self._describe_repeating(template)} The invoices it made ({count}) are kept.",
            user,
        )
        return template

    # ------------------------------------------------------------ saving (the accountant)

    def edit_repeating(self, template, changes, user):
        """The accountant's edit in Xero's screens: in place, the same RepeatingInvoiceID, even
        of an AUTHORISED template (only the API refuses that). ``changes`` holds the fields to
        change, as the API names them; a Schedule's NextScheduledDate (or StartDate) is the
        screen's next invoice date: a date in the past makes the invoices from there again."""
        if template["Status"] == "DELETED":
            raise ElementError(DELETED)
        values = self._repeating_values(template)
        given = changes.get("Schedule") or {}
        if not isinstance(given, dict):
            raise ElementError(NO_SCHEDULE)
        values["Schedule"].update(
            {k: v for k, v in given.items() if k not in ("StartDate", "NextScheduledDate")}
        )
        wanted = _date(given, "NextScheduledDate") or _date(given, "StartDate")
        moved = wanted if wanted and wanted != template["Schedule"]["NextScheduledDate"] else None
        values.update({k: v for k, v in changes.items() if k != "Schedule"})
        self._update_repeating(template, values, user, moved)
        self.run_schedules()
        return template

    def _repeating_values(self, template):
        """The template as the API's whole object (what an edit starts from)."""
        schedule = template["Schedule"]
        values = {
            key: template.get(key)
            for key in (
                "Type",
                "LineAmountTypes",
                "CurrencyCode",
                "Reference",
                "BrandingThemeID",
                "Status",
                *FLAGS,
            )
        }
        values["Contact"] = {"ContactID": template["Contact"]["ContactID"]}
        values["Schedule"] = {
            key: schedule.get(key)
            for key in ("Period", "Unit", "DueDate", "DueDateType", "EndDate")
        }
        values["LineItems"] = [self._template_line_values(line) for line in template["LineItems"]]
        return values

    @staticmethod
    def _template_line_values(line, day=None):
        """A template's line as it is sent again: to an edit, or (with the invoice's ``day``,
        placeholders filled) to the invoice it makes."""
        values = {key: line[key] for key in LINE_FIELDS if line.get(key) is not None}
        if day is not None:
            values["Description"] = fill_placeholders(values.get("Description"), day)
        if line.get("Tracking"):
            values["Tracking"] = [
                {k: entry[k] for k in ("TrackingCategoryID", "TrackingOptionID")}
                for entry in line["Tracking"]
            ]
        return values

    # ------------------------------------------------------------ the checks

    def _checked_repeating(self, values, template, moved):
        """The fields of a template made of ``values`` (a whole object), checked with the
        invoices' rules; nothing is changed yet."""
        kind = values.get("Type")
        if not kind:
            raise ElementError(TYPE_MISSING)
        if kind not in TYPES:
            raise ElementError("Repeating invoice Type must be ACCREC or ACCPAY.")
        status = values.get("Status") or "DRAFT"
        if status not in TEMPLATE_STATUSES:
            raise ElementError("Repeating invoice Status must be DRAFT or AUTHORISED.")
        flags = {key: bool(values.get(key) or False) for key in FLAGS}
        if flags["ApprovedForSending"] and status != "AUTHORISED":
            raise ElementError(SENDING_DRAFT)
        invoice = self._template_invoice(values, template)
        schedule, day = self._checked_schedule(values.get("Schedule"), template, invoice, moved)
        # what an approved invoice needs (lines, their accounts, a due date), checked now
        invoice["DueDate"] = self._scheduled_due(schedule, schedule["StartDate"])
        self._set_status("invoice", invoice, status)
        fields = {
            key: invoice.get(key)
            for key in (
                "Type",
                "Contact",
                "LineAmountTypes",
                "CurrencyCode",
                "Reference",
                "BrandingThemeID",
                "LineItems",
                "SubTotal",
                "TotalTax",
                "Total",
            )
        }
        return {**fields, **flags, "Status": status, "Schedule": schedule, "_day": day}

    def _template_invoice(self, values, template):
        """The template's contact, currency, texts, lines and totals, checked and worked out
        as those of an invoice (documents.py)."""
        invoice = {
            "Type": values["Type"],
            "Status": "DRAFT",
            "LineAmountTypes": "Exclusive",
            "AmountPaid": Decimal("0.00"),
            "AmountCredited": Decimal("0.00"),
            "LineItems": [],
        }
        if "Contact" in template:  # an archived contact may stay on its template
            invoice["Contact"] = template["Contact"]
        invoice["Contact"] = {"ContactID": self._document_contact(values.get("Contact"), invoice)}
        if values.get("LineAmountTypes") is not None:
            if values["LineAmountTypes"] not in AMOUNT_TYPES:
                raise ElementError("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
            invoice["LineAmountTypes"] = values["LineAmountTypes"]
        invoice["CurrencyCode"] = self.subscribed_currency(
            values.get("CurrencyCode") or self.base_currency()
        )
        invoice["CurrencyRate"] = self._currency_rate(invoice, {})
        texts = {key: values[key] for key in ("Reference", "BrandingThemeID") if key in values}
        self._fill_texts("invoice", invoice, texts)
        invoice["LineItems"] = [
            self._line(invoice, line, 2) for line in values.get("LineItems") or []
        ]
        self._compute_totals(invoice)
        self._check_total(invoice, values)
        return invoice

    def _checked_schedule(self, given, template, invoice, moved):
        """(Schedule, anchor day) from the Schedule sent. ``moved`` (a new template's start,
        or an edit's new next date) starts the series there; otherwise it goes on from the
        template's next date, which becomes the StartDate of this version of it (as Xero
        says: "changes when repeating invoice is edited"), while the series is not over."""
        if not isinstance(given, dict):
            raise ElementError(NO_SCHEDULE)
        period = _whole(given, "Period", "Schedule Period")
        if period < 1:
            raise ElementError("Schedule Period must be greater than zero.")
        if given.get("Unit") not in UNITS:
            raise ElementError("Schedule Unit must be WEEKLY or MONTHLY.")
        schedule = {"Period": period, "Unit": given["Unit"]}
        schedule["DueDate"], schedule["DueDateType"] = self._due_terms(given, invoice)
        schedule["EndDate"] = _date(given, "EndDate")
        if moved is not None:
            schedule.update(StartDate=moved, NextScheduledDate=moved)
            day = moved.day
            if schedule["EndDate"] and schedule["EndDate"] < moved:
                raise ElementError("Schedule EndDate must not be before its StartDate.")
        else:
            current = template["Schedule"]
            following = current["NextScheduledDate"]
            ended = schedule["EndDate"] and following > schedule["EndDate"]
            schedule["StartDate"] = current["StartDate"] if ended else following
            schedule["NextScheduledDate"] = following
            day = template["_day"]
        return schedule, day

    def _due_terms(self, given, invoice):
        """(DueDate, DueDateType) of a Schedule; both left out: the payment terms an invoice
        without a DueDate gets (the contact's, else the organisation's)."""
        kind = given.get("DueDateType")
        if kind is None and given.get("DueDate") is None:
            term = self.payment_term(invoice)
            if not term:
                raise ElementError(NO_TERMS)
            return term["Day"], term["Type"]
        if kind not in DUE_DATE_TYPES:
            raise ElementError(f"Schedule DueDateType must be one of {', '.join(DUE_DATE_TYPES)}.")
        due = _whole(given, "DueDate", "Schedule DueDate")
        if due < 0:
            raise ElementError("Schedule DueDate must not be negative.")
        if kind in DAY_OF_MONTH_TYPES and not 1 <= due <= 31:
            raise ElementError(f"Schedule DueDate must be a day of the month (1 to 31) for {kind}.")
        return due, kind

    # ------------------------------------------------------------ the generator

    def run_schedules(self):
        """Make every invoice whose scheduled date has come (today in the organisation's
        timezone) and is not past the EndDate, oldest date first across templates; returns
        what was made (and each new refusal)."""
        today = self.local_today()
        made, blocked = [], set()
        while True:
            due = [
                t
                for t in self.repeating_invoices.values()
                if t["RepeatingInvoiceID"] not in blocked and self._due(t, today)
            ]
            if not due:
                return made
            template = min(due, key=lambda t: t["Schedule"]["NextScheduledDate"])
            result = self._generate(template, today)
            if "InvoiceID" not in (result or {}):
                blocked.add(template["RepeatingInvoiceID"])
            if result:
                made.append(result)

    @staticmethod
    def _due(template, today):
        schedule = template["Schedule"]
        following, end = schedule["NextScheduledDate"], schedule.get("EndDate")
        return (
            template["Status"] in TEMPLATE_STATUSES
            and following <= today
            and (end is None or following <= end)
        )

    def _following(self, template, day):
        """The date after ``day`` in the template's schedule: monthly ones stay on the day
        of the month they started on (31, 28 or 29 February, 31 March...)."""
        schedule = template["Schedule"]
        if schedule["Unit"] == "WEEKLY":
            return day + timedelta(weeks=schedule["Period"])
        return add_months(day, schedule["Period"], template["_day"])

    @staticmethod
    def _scheduled_due(schedule, day):
        return due_from_terms(day, {"Day": schedule["DueDate"], "Type": schedule["DueDateType"]})

    def _generate(self, template, today):
        """The invoice of the template's next date: as any invoice, by "System Generated"."""
        schedule = template["Schedule"]
        day = schedule["NextScheduledDate"]
        status = self._generated_status(template)
        try:
            invoice = self.save_document(
                "invoice", self._generated_values(template, day, status), SYSTEM_USER
            )
        except ElementError as error:
            return self._not_generated(template, day, error)
        invoice["RepeatingInvoiceID"] = template["RepeatingInvoiceID"]
        template["_invoices"].append(invoice["InvoiceID"])
        template.pop("_failure", None)
        schedule["NextScheduledDate"] = self._following(template, day)
        self._send_generated(template, invoice, on_its_day=day == today)
        return {
            "RepeatingInvoiceID": template["RepeatingInvoiceID"],
            "InvoiceID": invoice["InvoiceID"],
            "InvoiceNumber": invoice.get("InvoiceNumber"),
            "Date": day.isoformat(),
            "Status": invoice["Status"],
        }

    def _generated_status(self, template):
        """AUTHORISED from an AUTHORISED template, DRAFT from a DRAFT one; always DRAFT when a
        line has an item tracked as inventory (Xero's screens save such templates as drafts)."""
        tracked = any(
            (self.item_by_code(line["ItemCode"]) or {}).get("IsTrackedAsInventory")
            for line in template["LineItems"]
            if line.get("ItemCode")
        )
        return "AUTHORISED" if template["Status"] == "AUTHORISED" and not tracked else "DRAFT"

    def _generated_values(self, template, day, status):
        values = {
            "Type": template["Type"],
            "Contact": {"ContactID": template["Contact"]["ContactID"]},
            "Date": day,
            "DueDate": self._scheduled_due(template["Schedule"], day),
            "LineAmountTypes": template["LineAmountTypes"],
            "CurrencyCode": template["CurrencyCode"],
            "Reference": fill_placeholders(template.get("Reference"), day),
            "BrandingThemeID": template.get("BrandingThemeID"),
            "Status": status,
            "LineItems": [self._template_line_values(line, day) for line in template["LineItems"]],
        }
        if status == "AUTHORISED" and template["MarkAsSent"] and template["Type"] == "ACCREC":
            values["SentToContact"] = True
        return values

    def _send_generated(self, template, invoice, on_its_day):
        """ApprovedForSending: an approved invoice made on its own date is emailed (one of
        a back series, already dated in the past, is approved, not sent)."""
        wanted = template["ApprovedForSending"] and on_its_day and template["Type"] == "ACCREC"
        if not wanted or invoice["Status"] != "AUTHORISED":
            return
        try:
            self.email_document(invoice, SYSTEM_USER)
        except ElementError as error:
            self.log(
                template["RepeatingInvoiceID"],
                "Not sent",
                f"Invoice {invoice.get('InvoiceNumber')} was not emailed: {error.messages[0]}",
                SYSTEM_USER,
            )

    def _not_generated(self, template, day, error):
        """A refused invoice (an archived contact or account...): the template waits on that
        date and tries again at each run; its History tells once per reason."""
        message = " ".join(error.messages)
        if template.get("_failure") == message:
            return None
        template["_failure"] = message
        self.log(
            template["RepeatingInvoiceID"],
            "Not generated",
            f"The invoice of {day.isoformat()} could not be made: {message}",
            SYSTEM_USER,
        )
        return {
            "RepeatingInvoiceID": template["RepeatingInvoiceID"],
            "Date": day.isoformat(),
            "Error": message,
        }

    # ------------------------------------------------------------ reading

    def repeating_view(self, template):
        """The template as Xero's RepeatingInvoice; NextScheduledDate is left out once the
        series is over (past its EndDate), EndDate when none is set."""
        schedule = template["Schedule"]
        shown = {
            key: schedule[key] for key in ("Period", "Unit", "DueDate", "DueDateType", "StartDate")
        }
        if not self.repeating_over(template):
            shown["NextScheduledDate"] = schedule["NextScheduledDate"]
        if schedule.get("EndDate"):
            shown["EndDate"] = schedule["EndDate"]
        template_id = template["RepeatingInvoiceID"]
        return {
            "Schedule": shown,
            "RepeatingInvoiceID": template_id,
            "Type": template["Type"],
            "Reference": template.get("Reference"),
            "HasAttachments": False,
            **{key: template[key] for key in FLAGS},
            "ID": template_id,
            "Contact": self.contact_reference(template["Contact"]["ContactID"]),
            "Status": template["Status"],
            "LineAmountTypes": template["LineAmountTypes"],
            "LineItems": [self._line_view(line, 2) for line in template["LineItems"]],
            "SubTotal": template["SubTotal"],
            "TotalTax": template["TotalTax"],
            "Total": template["Total"],
            "CurrencyCode": template["CurrencyCode"],
            "BrandingThemeID": template.get("BrandingThemeID"),
        }

    @staticmethod
    def repeating_over(template):
        schedule = template["Schedule"]
        end = schedule.get("EndDate")
        return bool(end) and schedule["NextScheduledDate"] > end

    def _describe_repeating(self, template):
        contact = self.contacts[template["Contact"]["ContactID"]]["Name"]
        schedule = template["Schedule"]
        return (
            f"Repeating invoice to {contact} for {template['Total']} {template['CurrencyCode']}, "
            f"{schedule_text(schedule)} from {schedule['StartDate'].isoformat()}."
        )
