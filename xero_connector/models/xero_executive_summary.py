import logging
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.misc import format_date

from ..exceptions import XeroAuthError, XeroError

_logger = logging.getLogger(__name__)

# the rows of the report the cache keeps, by (section title, row label) as Xero writes
# them (xero-api-sales.md §18), and the field each goes to
ROWS = {
    ("Cash", "Cash received"): "cash_received",
    ("Cash", "Cash spent"): "cash_spent",
    ("Cash", "Cash surplus (deficit)"): "cash_surplus",
    ("Cash", "Closing bank balance"): "bank_balance",
    ("Profitability", "Income"): "income",
    ("Profitability", "Direct costs"): "direct_costs",
    ("Profitability", "Gross profit (loss)"): "gross_profit",
    ("Profitability", "Other Income"): "other_income",
    ("Profitability", "Expenses"): "expenses",
    ("Profitability", "Profit (loss)"): "net_profit",
}
# the complete months the burn averages
BURN_MONTHS = 3


class XeroExecutiveSummary(models.Model):
    """One month of an organisation's Executive Summary, as Xero's report gave it.

    Xero answers ``GET /Reports/ExecutiveSummary?date=`` with the month of the date
    and the month before: one call a day (the cron, or a manager's *Refresh*) asks
    for today, and so rewrites the current month and the previous one. Older months
    are final: read once, when the burn needs them and they are not cached (a first
    read makes two calls, then one a day), and kept as last read; a change Xero
    makes to them later (a bill dated back more than a month) is not read again.
    The connection's burn and runway are figured from these rows
    (``xero_connection_burn.py``).
    """

    _name = "xero.executive.summary"
    _description = "Xero executive summary (one month)"
    _order = "month desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    month = fields.Date(
        "First day of the month", required=True, readonly=True, help="The month Xero reported."
    )
    month_name = fields.Char("Month", compute="_compute_month_name")
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        readonly=True,
        help="The base currency of the Xero organisation, in which Xero reports.",
    )
    cash_received = fields.Monetary("Cash received", readonly=True)
    cash_spent = fields.Monetary("Cash spent", readonly=True)
    cash_surplus = fields.Monetary("Cash surplus (deficit)", readonly=True)
    bank_balance = fields.Monetary("Closing bank balance", readonly=True)
    income = fields.Monetary(readonly=True)
    direct_costs = fields.Monetary(readonly=True)
    gross_profit = fields.Monetary("Gross profit (loss)", readonly=True)
    other_income = fields.Monetary(readonly=True)
    expenses = fields.Monetary(readonly=True)
    net_profit = fields.Monetary("Net profit (loss)", readonly=True)
    read_at = fields.Datetime("Read from Xero", readonly=True)
    period = fields.Selection(
        [
            ("current", "This month, so far"),
            ("previous", "Read again every day"),
            ("final", "Final"),
        ],
        compute="_compute_period",
        help="The current month and the previous one are read again every day; older "
        "months are kept as last read.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends("month")
    def _compute_period(self):
        months = {c: c._xero_today().replace(day=1) for c in self.connection_id.sudo()}
        for summary in self:
            current = months[summary.connection_id]
            if summary.month and summary.month >= current:
                summary.period = "current"
            elif summary.month and summary.month >= current - relativedelta(months=1):
                summary.period = "previous"
            else:
                summary.period = "final"

    @api.depends("month")
    def _compute_month_name(self):
        for summary in self:
            summary.month_name = summary._xero_month_label()

    @api.depends("connection_id.name", "month")
    def _compute_display_name(self):
        for summary in self:
            summary.display_name = self.env._(
                "%(connection)s, %(month)s",
                connection=summary.connection_id.name or "",
                month=summary._xero_month_label(),
            )

    # ------------------------------------------------------------------ constraints

    _month_uniq = models.UniqueIndex(
        "(connection_id, month)", "An organisation has one executive summary a month."
    )

    # ------------------------------------------------------------------ business: reading

    @api.model
    def _cron_xero_executive_summary(self):
        """Cron (daily): each connected organisation's Executive Summary, once a day (an
        organisation whose current month was read today is left alone when the run is
        resumed); a refusal or a failure of Xero is kept or logged, and the next
        organisation goes on."""
        cron = self.env["ir.cron"]
        connections = self.env["xero.connection"].sudo().search([("state", "=", "connected")])
        todo = connections.filtered(lambda c: not self._xero_read_today(c))
        cron._commit_progress(remaining=len(todo))
        for connection in todo:
            try:
                connection._xero_ensure_token()
                self._xero_refresh(connection)
            except XeroError as error:
                _logger.info(
                    "Xero executive summary of %s not read: %s",
                    connection.company_id.name,
                    error.message,
                )
            if not cron._commit_progress(1):
                break

    @api.model
    def _xero_refresh(self, connection, today=None, purpose="poll"):
        """Read the months the burn needs: today's call (this month and the previous),
        then one call for each pair of older months not cached. Returns the calls made:
        none when the connection may not read reports (its notice says so)."""
        connection = connection.sudo()
        connection._xero_check_usable()
        if not connection._xero_reads_reports():
            return 0
        today = today or connection._xero_today()
        current = today.replace(day=1)
        wanted = [current - relativedelta(months=n) for n in range(BURN_MONTHS + 1)]
        cached = set(
            self.sudo()
            .search([("connection_id", "=", connection.id), ("month", "in", wanted)])
            .mapped("month")
        )
        read = self._xero_read(connection, today, purpose)
        calls = 1
        for month in wanted:
            if month in read or month in cached:
                continue
            # the month's last day: Xero answers that month and the one before
            read |= self._xero_read(connection, month + relativedelta(months=1, days=-1), purpose)
            calls += 1
        if connection.burn_error:
            connection.burn_error = False  # read again: the last refusal is over
        return calls

    @api.model
    def _xero_read(self, connection, day, purpose):
        """One call: the report of ``day``'s month, its two months cached. Returns them.

        The call is made as a step of set-up (``setup``): Xero refusing this one report
        (a consent without it, a Xero user not allowed reports) leaves the connection
        and the rest of the sync alone; the refusal is kept for the Overview."""
        try:
            answer = connection._xero_call_json(
                "get_report_executive_summary",
                date=day,
                purpose=purpose,
                setup=True,
                log={
                    "direction": "in",
                    "message": self.env._(
                        "Executive Summary (burn and runway), %s", format_date(self.env, day)
                    ),
                },
            )
        except XeroAuthError as error:
            connection.burn_error = self.env._(
                "Xero refused the Executive Summary: %s", error.message
            )
            raise
        months = report_months(answer, day)
        self._xero_keep(connection, months)
        return set(months)

    @api.model
    def _xero_keep(self, connection, months):
        """Cache ``months`` ({first day: {field: Decimal}}) of ``connection``."""
        summaries = self.sudo()
        currency = connection.base_currency_id or connection.company_id.currency_id
        now = fields.Datetime.now()
        existing = {
            summary.month: summary
            for summary in summaries.search(
                [("connection_id", "=", connection.id), ("month", "in", list(months))]
            )
        }
        for month, figures in months.items():
            values = {name: float(figures.get(name, 0)) for name in ROWS.values()}
            values |= {"currency_id": currency.id, "read_at": now}
            if month in existing:
                existing[month].write(values)
            else:
                summaries.create(values | {"connection_id": connection.id, "month": month})

    @api.model
    def _xero_read_today(self, connection):
        """Whether the connection's current month was read from Xero today."""
        today = connection._xero_today()
        return bool(
            self.sudo().search_count(
                [
                    ("connection_id", "=", connection.id),
                    ("month", "=", today.replace(day=1)),
                    ("read_at", ">=", fields.Datetime.to_datetime(fields.Date.today())),
                ],
                limit=1,
            )
        )

    def _xero_month_label(self):
        self.ensure_one()
        return format_date(self.env, self.month, date_format="MMMM y") if self.month else ""


# ---------------------------------------------------------------- reading Xero's report


def report_months(answer, day):
    """{first day of the month: {field: Decimal}} of the two months of an Executive
    Summary asked for ``day``: its first column is ``day``'s month, the second the
    month before; rows Xero did not send are left out (read as 0)."""
    this = day.replace(day=1)
    before = (this - timedelta(days=1)).replace(day=1)
    figures = {this: {}, before: {}}
    for report in answer.get("Reports") or []:
        for section in report.get("Rows") or []:
            if section.get("RowType") != "Section":
                continue
            for row in section.get("Rows") or []:
                cells = [cell.get("Value") for cell in row.get("Cells") or []]
                name = cells and ROWS.get((section.get("Title"), cells[0]))
                if not name or len(cells) < 3:
                    continue
                for month, value in ((this, cells[1]), (before, cells[2])):
                    amount = report_amount(value)
                    if amount is not None:
                        figures[month][name] = amount
    return figures


def report_amount(value):
    """An amount as a report writes it ("1234.50", "-23.00", "1,234.50", "(23.00)"), or
    None when the cell holds none."""
    text = str(value or "").strip().replace(",", "")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return -amount if negative else amount
