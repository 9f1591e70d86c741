from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain

from ..tools.bulk import insert_rows, write_rows
from ..tools.outcomes import Done
from ..tools.sync_rules import xero_datetime

# Xero's statuses of a sales document
STATUSES = [
    ("DRAFT", "Draft"),
    ("SUBMITTED", "Awaiting approval"),
    ("AUTHORISED", "Awaiting payment"),
    ("PAID", "Paid"),
    ("VOIDED", "Voided"),
    ("DELETED", "Deleted"),
]
OPEN = ("AUTHORISED", "SUBMITTED")
# the statuses a document reaches when Xero moves the stock of its tracked items
STOCK_MOVING = ("AUTHORISED", "PAID", "VOIDED")


class XeroInvoice(models.Model):
    """A customer's invoice as Xero has it: a read-only mirror for sales people.

    It holds the sales invoices of the last years (``history_years`` of the
    connection) and every invoice still unpaid, whatever its age. Xero's webhooks and
    the poll keep it current; a customer's outstanding and overdue balances are
    summed from it.
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
    status = fields.Selection(STATUSES, readonly=True)
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
    is_open = fields.Boolean(compute="_compute_overdue", help="Approved and not fully paid.")
    overdue = fields.Boolean(compute="_compute_overdue")
    updated_at = fields.Datetime("Updated in Xero", readonly=True)

    # ------------------------------------------------------------------ constraints

    _xero_uniq = models.UniqueIndex(
        "(connection_id, xero_id)", "An invoice is mirrored once per organisation."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("status", "amount_due", "due_date")
    @api.depends_context("date")
    def _compute_overdue(self):
        today = fields.Date.context_today(self)
        for invoice in self:
            invoice.is_open = invoice.status in OPEN
            invoice.overdue = invoice._xero_is_overdue(today)

    # ------------------------------------------------------------------ business: the rules

    @api.model
    def _xero_overdue_domain(self, today):
        """The one overdue rule: approved, not fully paid, due before ``today``."""
        return Domain([("status", "in", OPEN), ("amount_due", ">", 0), ("due_date", "<", today)])

    def _xero_is_overdue(self, today):
        self.ensure_one()
        return bool(self.filtered_domain(self._xero_overdue_domain(today)))

    @api.model
    def _xero_overdue_contacts(self, connection):
        """The Xero ids of the contacts with an overdue invoice."""
        today = fields.Date.context_today(self)
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
        return {"i_ds": list(xero_ids), "summary_only": True}

    @api.model
    def _xero_poll_params(self, connection, since, page):
        return super()._xero_poll_params(connection, since, page) | {
            "summary_only": True,
            "where": self._xero_window(connection),
        }

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
        """Create or update the mirror of these invoices, each with its customer."""
        by_id = {(e.get("InvoiceID") or "").lower(): e for e in elements}
        by_id.pop("", None)
        existing = {
            invoice.xero_id: invoice
            for invoice in self.search(
                [("connection_id", "=", connection.id), ("xero_id", "in", list(by_id))]
            )
        }
        existing_by_id = {invoice.id: invoice for invoice in existing.values()}
        start = self._xero_start(connection)
        currencies = self._xero_currencies({e.get("CurrencyCode") for e in elements})
        rows, new, outcomes = {}, [], {}
        moved = False
        for xero_id, element in by_id.items():
            values = self._xero_invoice_values(element, currencies)
            before = existing[xero_id].status if xero_id in existing else None
            moved = moved or (values["status"] in STOCK_MOVING and values["status"] != before)
            if element.get("Type") != "ACCREC":
                outcomes[xero_id] = Done(self.env._("Not a sales invoice: not shown."))
                continue
            if xero_id in existing:
                rows[existing[xero_id].id] = values
            elif values["status"] in OPEN or (values["date"] and values["date"] >= start):
                new.append(values | {"connection_id": connection.id, "xero_id": xero_id})
            outcomes[xero_id] = Done()
        received = {
            mirror_id: (existing_by_id[mirror_id]._xero_settled(), values)
            for mirror_id, values in rows.items()
            if values["amount_paid"] + values["amount_credited"]
            > existing_by_id[mirror_id]._xero_settled()
        }
        write_rows(self, rows)
        # what depends on Xero's status (the invoiced quantities of orders) is recomputed
        changed = self.browse(list(rows))
        changed.modified(["status", "total", "amount_due"])
        # an invoice of an order approved in Xero gets its pay link
        of_orders = (
            self.env["xero.order.invoice"].sudo().search([("xero_invoice_id", "in", changed.ids)])
        )
        of_orders._xero_approved()
        # ... and a payment Xero recorded is told to the order's salesperson
        of_orders._xero_payments_received(received)
        if new:
            insert_rows(self, [v | {"company_id": connection.company_id.id} for v in new])
        if moved:
            # an approved or voided document may have moved tracked stock
            self.env["product.product"]._xero_stock_moved(connection)
        return outcomes

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
            [("connection_id", "=", connection.id), ("status", "in", ("AUTHORISED", "PAID"))],
            ["xero_contact_id"],
            ["sub_total_base:sum"],
        )
        return dict(groups)

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


def _date(value):
    moment = xero_datetime(value)
    return moment.date() if moment else False
