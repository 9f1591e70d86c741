import logging
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain

from ..const import DOCUMENT_STATUSES, GONE, OPEN, PAYMENT_STATUSES, POSTED, STOCK_MOVING
from ..exceptions import XeroAuthError, XeroError, XeroRateLimitError
from ..tools.bulk import insert_rows, write_rows
from ..tools.outcomes import Done
from ..tools.sync_rules import xero_datetime

_logger = logging.getLogger(__name__)


class XeroInvoice(models.Model):
    """A customer's invoice as Xero has it: a read-only mirror for sales people.

    It holds the sales invoices of the last years (``history_years`` of the
    connection) and every invoice still unpaid, whatever its age, whoever made them,
    with what settled them (``xero.invoice.payment``). A new connection's first poll
    reads them whole, 1,000 a call; then Xero's webhooks and the poll keep it current;
    a customer's outstanding and overdue balances are summed from it.
    """

    _name = "xero.invoice"
    _inherit = ["xero.sync.inbound.mixin"]
    _description = "Xero invoice"
    _order = "date desc, id desc"

    _xero_object = "invoice"
    _xero_plural = "Invoices"
    _xero_id_key = "InvoiceID"
    _xero_sdk = "invoices"
    _xero_webhook_category = "INVOICE"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_id = fields.Char("Xero InvoiceID", required=True, readonly=True)
    xero_contact_id = fields.Char("Xero ContactID", index=True, readonly=True)
    number = fields.Char(readonly=True)
    reference = fields.Char(readonly=True)
    date = fields.Date(readonly=True)
    due_date = fields.Date(readonly=True)
    status = fields.Selection(DOCUMENT_STATUSES, readonly=True)
    currency_code = fields.Char("Currency code", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    base_currency_id = fields.Many2one(related="connection_id.base_currency_id")
    total = fields.Monetary(readonly=True, currency_field="currency_id")
    sub_total = fields.Monetary("Untaxed total", readonly=True, currency_field="currency_id")
    sub_total_base = fields.Monetary(
        "Untaxed total (base currency)", readonly=True, currency_field="base_currency_id"
    )
    amount_due = fields.Monetary("Amount due", readonly=True, currency_field="currency_id")
    # in the organisation's base currency (Xero's rate: invoice currency per base unit)
    amount_due_base = fields.Monetary(
        "Amount due (base currency)", readonly=True, currency_field="base_currency_id"
    )
    amount_paid = fields.Monetary("Paid", readonly=True, currency_field="currency_id")
    amount_credited = fields.Monetary(
        "Credited", readonly=True, currency_field="currency_id", help="Credit notes allocated."
    )
    fully_paid_on = fields.Date("Fully paid on", readonly=True)
    expected_payment_date = fields.Date("Expected payment", readonly=True)
    sent_to_contact = fields.Boolean("Sent", readonly=True)
    repeating_xero_id = fields.Char(
        "Xero RepeatingInvoiceID",
        readonly=True,
        index="btree_not_null",
        help="The repeating invoice that generated it, if any.",
    )
    payment_status = fields.Selection(
        PAYMENT_STATUSES,
        "Where it stands",
        compute="_compute_payment_status",
        help="Xero's status, with what Xero does not say as a status: sent, viewed, "
        "part-paid, overdue, credited.",
    )
    is_open = fields.Boolean(compute="_compute_overdue", help="Approved and not fully paid.")
    overdue = fields.Boolean(compute="_compute_overdue")
    updated_at = fields.Datetime("Updated in Xero", readonly=True)
    payment_ids = fields.One2many(
        "xero.invoice.payment", "invoice_id", "Payments and credits", readonly=True
    )
    viewed_at = fields.Datetime(
        "Viewed", readonly=True, help="When the customer first opened the online invoice."
    )
    viewed_source = fields.Selection(
        [("link", "Pay link sent by Odoo"), ("history", "Xero's history of the invoice")],
        "Viewed according to",
        readonly=True,
    )
    history_read_at = fields.Datetime(
        "History read", readonly=True, help="When Xero's history was last read for a view."
    )

    # ------------------------------------------------------------------ constraints

    _xero_uniq = models.UniqueIndex(
        "(connection_id, xero_id)", "An invoice is mirrored once per organisation."
    )
    # the newest change of an organisation's invoices (the health check's webhook finding)
    _updated_idx = models.Index("(connection_id, updated_at)")

    # ------------------------------------------------------------------ compute

    @api.depends("status", "amount_due", "due_date")
    @api.depends_context("date")
    def _compute_overdue(self):
        today = self.connection_id._xero_today()
        for invoice in self:
            invoice.is_open = invoice.status in OPEN
            invoice.overdue = invoice._xero_is_overdue(today)

    @api.depends("status", "amount_due", "due_date", "amount_paid", "sent_to_contact", "viewed_at")
    @api.depends_context("date")
    def _compute_payment_status(self):
        today = self.connection_id._xero_today()
        for invoice in self:
            invoice.payment_status = invoice._xero_payment_status(today)

    # ------------------------------------------------------------------ business: the rules

    @api.model
    def _xero_overdue_domain(self, today):
        """The one overdue rule: approved, not fully paid, due before ``today``."""
        return Domain([("status", "in", OPEN), ("amount_due", ">", 0), ("due_date", "<", today)])

    def _xero_payment_status(self, today):
        """One status for these invoices (an order's, or one): the most pressing."""
        counting = self.filtered(lambda m: m.status not in GONE)
        if not counting:
            return "voided" if self else False
        approved = counting.filtered(lambda m: m.status == "AUTHORISED")
        if any(m._xero_is_overdue(today) for m in approved):
            return "overdue"
        if all(m.status == "PAID" for m in counting):
            # settled by credit notes alone (an order cancelled once paid, say): credited
            return "paid" if any(m.amount_paid for m in counting) else "credited"
        if any(m.amount_paid or m.amount_credited for m in approved):
            return "partial"
        if approved.filtered("viewed_at"):
            return "viewed"
        if approved.filtered("sent_to_contact"):
            return "sent"
        if approved:
            return "awaiting"
        return "submitted" if counting.filtered(lambda m: m.status == "SUBMITTED") else "draft"

    @api.model
    def _xero_status_label(self, status):
        """Xero's status in the user's words ("Awaiting payment")."""
        labels = dict(self._fields["status"]._description_selection(self.env))
        return labels.get(status, status)

    def _xero_is_overdue(self, today):
        self.ensure_one()
        return bool(self.filtered_domain(self._xero_overdue_domain(today)))

    @api.model
    def _xero_overdue_contacts(self, connection):
        """The Xero ids of the contacts with an overdue invoice."""
        today = connection._xero_today()
        overdue = self.sudo().search(
            Domain("connection_id", "=", connection.id) & self._xero_overdue_domain(today)
        )
        return set(overdue.mapped("xero_contact_id"))

    @api.model
    def _xero_enabled(self, connection):
        """Mirrored for the organisations whose contacts sync."""
        return connection.sync_contacts

    @api.model
    def _xero_url(self, connection, xero_id):
        return connection._xero_web_url("invoice", xero_id)

    @api.model
    def _xero_fetch_params(self, xero_ids):
        # without summaryOnly: the invoices come with their payments and credits (and
        # without their lines, which a list of ids never carries)
        return {"i_ds": list(xero_ids)}

    @api.model
    def _xero_poll(self, connection, cursor):
        if not cursor.next_page:  # a sweep begins: the whole window again if it widened
            cursor._xero_window_from(self._xero_start(connection))
        if not cursor.modified_since:
            # the whole window: what its invoices did to the stock is in the items'
            # quantities, which this poll read just before (items come first)
            invoices = self.with_context(xero_history_read=True)
            return super(XeroInvoice, invoices)._xero_poll(connection, cursor)
        return super()._xero_poll(connection, cursor)

    @api.model
    def _xero_poll_params(self, connection, since, page):
        """What changed, as summaries (the invoices whose payments or credits changed are
        then read whole); the first sweep (a new connection, or the history widened) reads
        the invoices whole at once, 1,000 a page with their payments and credits, so that
        filling the mirror costs a call per 1,000 invoices."""
        params = super()._xero_poll_params(connection, since, page)
        params["where"] = self._xero_window(connection)
        if since:
            params["summary_only"] = True
        return params

    @api.model
    def _xero_start(self, connection):
        return date.today() - relativedelta(years=connection.history_years or 3)

    @api.model
    def _xero_window(self, connection):
        """Sales invoices of the history, and every unpaid one."""
        start = self._xero_start(connection)
        return (
            f'Type=="ACCREC" AND (Date >= DateTime({start.year},{start.month},{start.day}) '
            f'OR Status=="AUTHORISED")'
        )

    # ------------------------------------------------------------------ business: Xero -> Odoo

    @api.model
    def _xero_apply_inbound(self, connection, elements):
        """Invoices read from Xero (a webhook's fetch, the poll, a push read back): the
        mirror is kept, then what depends on it reacts."""
        changes = self._xero_mirror(connection, elements)
        self._xero_react(connection, changes)
        return changes["outcomes"]

    @api.model
    def _xero_mirror(self, connection, elements):
        """Create or update the mirror of these invoices, with their payments, and link
        the orders' invoices to it. Changes nothing else: returns what changed, for
        ``_xero_react``: {"outcomes": {Xero id: outcome}, "changed": mirrors written or
        made, "received"/"reversed": {mirror id: (settled before, Xero's values)},
        "moved": whether a document moved tracked stock}."""
        by_id = {(e.get("InvoiceID") or "").lower(): e for e in elements}
        by_id.pop("", None)
        domain = Domain([("connection_id", "=", connection.id), ("xero_id", "in", list(by_id))])
        existing = {invoice.xero_id: invoice for invoice in self.search(domain)}
        start = self._xero_start(connection)
        currencies = self._xero_currencies({e.get("CurrencyCode") for e in elements})
        rows, new, outcomes, before, moved = {}, {}, {}, {}, False
        for xero_id, element in by_id.items():
            if element.get("Type") != "ACCREC":
                outcomes[xero_id] = Done(self.env._("Not a sales invoice: not shown."))
                continue
            values = self._xero_invoice_values(element, currencies)
            mirror = existing.get(xero_id)
            moved = moved or _moves_stock(mirror.status if mirror else None, values["status"])
            if mirror:
                if "RepeatingInvoiceID" not in element:  # a summary may not say it
                    values.pop("repeating_xero_id")
                rows[mirror.id] = values
                before[mirror.id] = mirror._xero_settled()
            elif values["status"] in OPEN or (values["date"] and values["date"] >= start):
                new[xero_id] = values | {
                    "connection_id": connection.id,
                    "company_id": connection.company_id.id,
                    "xero_id": xero_id,
                }
            outcomes[xero_id] = Done()
        write_rows(self, rows)
        # a mirror another transaction made meanwhile is left out, then written
        made = insert_rows(self, list(new.values()), unique=("connection_id", "xero_id"))
        mirrors = {mirror.xero_id: mirror for mirror in self.search(domain)}
        late = {
            mirrors[xero_id].id: values
            for xero_id, values in new.items()
            if xero_id in mirrors and mirrors[xero_id] not in made
        }
        write_rows(self, {mirror_id: _mirror_values(v) for mirror_id, v in late.items()})
        rows |= late
        self.env["xero.invoice.payment"]._xero_from_invoices(mirrors, elements)
        changed = self.browse(list(rows)) | made
        # what depends on Xero's status (the invoiced quantities of orders) is recomputed
        changed.modified(["status", "total", "amount_due", "amount_paid", "amount_credited"])
        received, reversed_ = {}, {}
        for mirror in changed:
            values = rows.get(mirror.id) or new[mirror.xero_id]
            settled = values["amount_paid"] + values["amount_credited"]
            was = before.get(mirror.id, 0.0)
            if settled > was:
                received[mirror.id] = (was, values)
            elif settled < was:
                reversed_[mirror.id] = (was, values)
        self._xero_link_orders(connection, mirrors)
        self.env["xero.subscription"]._xero_link_generated(connection, changed)
        return {
            "outcomes": outcomes,
            "changed": changed,
            "made": made | self.browse(list(late)),
            "received": received,
            "reversed": reversed_,
            "moved": moved,
            "summaries": {e["InvoiceID"].lower() for e in elements if "Payments" not in e},
        }

    @api.model
    def _xero_link_orders(self, connection, mirrors):
        """The orders' invoices Xero holds as these mirrors ({Xero id: mirror}) are linked
        to them, once (their links say which they are)."""
        links = self.env["xero.order.invoice"]._xero_links(connection, xero_ids=list(mirrors))
        invoices = (
            self.env["xero.order.invoice"]
            .sudo()
            .browse([link.res_id for link in links.values()])
            .exists()
        )
        linked = {invoice.id: invoice.xero_invoice_id for invoice in invoices}  # one read
        rows = {
            link.res_id: {"xero_invoice_id": mirrors[xero_id].id}
            for xero_id, link in links.items()
            if link.res_id in linked and linked[link.res_id] != mirrors[xero_id]
        }
        write_rows(invoices, rows)
        invoices.browse(list(rows)).modified(["xero_invoice_id"])

    @api.model
    def _xero_react(self, connection, changes):
        """The one subscriber of the mirror's changes (``_xero_mirror``): the orders
        are told of payments, an approved invoice gets its pay link, the open forms
        show it, the stock Xero moved is read and overdue alerts follow. Reads and
        scans are queued, never made here."""
        changed = changes["changed"]
        received, reversed_ = changes["received"], changes["reversed"]
        # a summary says nothing of the payments: the invoices whose payments or credits
        # changed are read again, whole
        to_read = [
            mirror.xero_id
            for mirror in changed
            if mirror.xero_id in changes["summaries"] and mirror.id in {**received, **reversed_}
        ]
        # nor, Xero does not say, which repeating invoice generated it: a new invoice of
        # a customer with a subscription is read whole
        to_read += (
            self.env["xero.subscription"]
            ._xero_unsure_generated(
                connection, changes["made"].filtered(lambda m: m.xero_id in changes["summaries"])
            )
            .mapped("xero_id")
        )
        jobs = self.env["xero.sync.job"]
        if to_read:
            jobs._xero_enqueue_fetches(connection, self, to_read)
        of_orders = (
            self.env["xero.order.invoice"].sudo().search([("xero_invoice_id", "in", changed.ids)])
        )
        of_orders._xero_approved()
        of_orders._xero_payments_received(received)
        of_orders._xero_payments_reversed(reversed_)
        self.env["xero.link"]._xero_live_changed(
            connection.company_id, "sale.order", of_orders.order_id.ids
        )
        if changes["moved"] and not self.env.context.get("xero_history_read"):
            self.env["product.product"]._xero_stock_moved(connection)
        # the alerts of these invoices only: the scan of all of them is the cron's
        of_orders._xero_overdue_alerts_of(connection)

    def _xero_owner_values(self):
        """What a row of this invoice's payments repeats of it (rows are inserted in bulk)."""
        self.ensure_one()
        return {
            "invoice_id": self.id,
            "connection_id": self.connection_id.id,
            "company_id": self.company_id.id,
            "xero_contact_id": self.xero_contact_id,
        }

    def _xero_settled(self):
        """What payments and credits settled of this invoice."""
        self.ensure_one()
        return self.amount_paid + self.amount_credited

    @api.model
    def _xero_currencies(self, codes):
        """{code: currency id} of Xero's currency codes (inactive currencies too)."""
        currencies = self.env["res.currency"].with_context(active_test=False)
        found = currencies.search([("name", "in", [code for code in codes if code])])
        return {currency.name: currency.id for currency in found}

    @api.model
    def _xero_invoice_values(self, element, currencies):
        contact_id = ((element.get("Contact") or {}).get("ContactID") or "").lower()
        amount_due = float(element.get("AmountDue") or 0)
        rate = float(element.get("CurrencyRate") or 1) or 1
        due = xero_datetime(element.get("DueDate"))
        day = xero_datetime(element.get("Date"))
        return {
            "xero_contact_id": contact_id,
            "number": element.get("InvoiceNumber") or False,
            "reference": element.get("Reference") or False,
            "date": day.date() if day else False,
            "due_date": due.date() if due else False,
            "status": element.get("Status"),
            "currency_code": element.get("CurrencyCode") or False,
            "currency_id": currencies.get(element.get("CurrencyCode")) or False,
            "total": float(element.get("Total") or 0),
            "sub_total": float(element.get("SubTotal") or 0),
            "amount_paid": float(element.get("AmountPaid") or 0),
            "amount_credited": float(element.get("AmountCredited") or 0),
            "fully_paid_on": _date(element.get("FullyPaidOnDate")),
            "expected_payment_date": _date(element.get("ExpectedPaymentDate")),
            "sent_to_contact": bool(element.get("SentToContact")),
            "repeating_xero_id": (element.get("RepeatingInvoiceID") or "").lower() or False,
            "sub_total_base": round(float(element.get("SubTotal") or 0) / rate, 2),
            "amount_due": amount_due,
            "amount_due_base": round(amount_due / rate, 2),
            "updated_at": xero_datetime(element.get("UpdatedDateUTC")),
        }

    @api.model
    def _xero_invoiced_by_contact(self, connection):
        """{Xero ContactID: untaxed total of its approved invoices, in the organisation's
        base currency} (the invoices of the history the mirror keeps)."""
        groups = self.sudo()._read_group(
            [("connection_id", "=", connection.id), ("status", "in", POSTED)],
            ["xero_contact_id"],
            ["sub_total_base:sum"],
        )
        return dict(groups)

    # ------------------------------------------------------------------ business: viewed

    @api.model
    def _cron_xero_read_views(self):
        """Cron (hourly): Xero has no Viewed status; its history of an invoice records
        the customer's visits to the online invoice. It is read for the sent, unpaid
        invoices of orders not known as viewed, least recently read first, within the
        connection's share of the day's calls (a 24th of it per run)."""
        cron = self.env["ir.cron"]
        connections = (
            self.env["xero.connection"]
            .sudo()
            .search([("state", "=", "connected"), ("sync_invoices", "=", True)])
        )
        for connection in connections.filtered("view_history_share"):
            per_run = max(1, connection.day_limit * connection.view_history_share // 2400)
            invoices = self.sudo()._xero_unviewed(connection, per_run)
            cron._commit_progress(remaining=len(invoices))
            try:
                with self.env["xero.connection.budget"]._xero_flushing(connection):
                    for invoice in invoices:
                        connection._xero_ensure_token()
                        invoice._xero_read_view(connection)
                        cron._commit_progress(1)
            except (XeroRateLimitError, XeroAuthError) as error:
                _logger.info("Xero history reads stopped: %s", error.message)
            except XeroError as error:
                _logger.warning("Xero history read failed: %s", error.message)
            cron._commit_progress(0)

    @api.model
    def _xero_unviewed(self, connection, limit):
        """The sent, unpaid invoices of orders whose customer's view is not known yet."""
        of_orders = (
            self.env["xero.order.invoice"]
            .sudo()
            .search([("connection_id", "=", connection.id), ("state", "=", "open")])
            .xero_invoice_id
        )
        return self.search(
            [
                ("id", "in", of_orders.ids),
                ("status", "=", "AUTHORISED"),
                ("sent_to_contact", "=", True),
                ("amount_due", ">", 0),
                ("viewed_at", "=", False),
            ],
            order="history_read_at asc nulls first, id",
            limit=limit,
        )

    def _xero_read_view(self, connection):
        """Read this invoice's history in Xero for the customer's first visit."""
        self.ensure_one()
        answer = connection._xero_call_json(
            "get_invoice_history",
            self.xero_id,
            purpose="history",
            log={"direction": "in", "message": self.env._("History of %s", self.number)},
        )
        views = [
            xero_datetime(record.get("DateUTC"))
            for record in answer.get("HistoryRecords") or []
            if _is_view(record)
        ]
        values = {"history_read_at": fields.Datetime.now()}
        if any(views):
            values |= {"viewed_at": min(filter(None, views)), "viewed_source": "history"}
        self.write(values)
        if "viewed_at" in values:
            orders = (
                self.env["xero.order.invoice"]
                .sudo()
                .search([("xero_invoice_id", "=", self.id)])
                .order_id
            )
            orders._xero_tell(
                {
                    order.id: self.env._(
                        "Xero's history says the customer viewed %s online.", self.number
                    )
                    for order in orders
                }
            )
        return values

    @api.autovacuum
    def _gc_xero_history(self):
        """Forget the paid or voided invoices that left each organisation's history."""
        for connection in self._xero_connections():
            self.sudo().search(
                [
                    ("connection_id", "=", connection.id),
                    ("status", "not in", OPEN),
                    ("date", "<", self._xero_start(connection)),
                ]
            ).unlink()


def _mirror_values(values):
    """What a mirror made by another transaction meanwhile takes of this one's values."""
    return {k: v for k, v in values.items() if k not in ("connection_id", "company_id", "xero_id")}


def _moves_stock(before, after):
    """Whether Xero moved the stock of a document's tracked items: approved (from a draft,
    or first seen approved) or voided; a payment (approved to paid) moves nothing."""
    if after not in STOCK_MOVING or after == before:
        return False
    return not (after in POSTED and before in POSTED)


def _is_view(record):
    """Whether a record of Xero's history is a customer's visit to the online invoice:
    Xero logs what happens to online invoices as the user "System Generated"; the
    wording of a view is not documented, so any change naming a view counts."""
    text = f"{record.get('Changes') or ''} {record.get('Details') or ''}".lower()
    return "viewed" in text


def _date(value):
    moment = xero_datetime(value)
    return moment.date() if moment else False
