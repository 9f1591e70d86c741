from odoo import api, fields, models

from ..tools.bulk import insert_rows, write_rows
from ..tools.outcomes import Done
from ..tools.sync_rules import xero_datetime

KINDS = [
    ("payment", "Payment"),
    ("credit_note", "Credit note"),
    ("overpayment", "Overpayment"),
    ("prepayment", "Prepayment"),
]
# where an invoice read from Xero lists what settled it: (list, id key, amount key)
ON_INVOICE = {
    "payment": ("Payments", "PaymentID", "Amount"),
    "credit_note": ("CreditNotes", "CreditNoteID", "AppliedAmount"),
    "overpayment": ("Overpayments", "OverpaymentID", "AppliedAmount"),
    "prepayment": ("Prepayments", "PrepaymentID", "AppliedAmount"),
}
# the payments of customers (Xero's payments list holds the bills' payments too), and
# the refunds to customers: payments of their credit notes, overpayments and prepayments
SALES_PAYMENTS = 'PaymentType=="ACCRECPAYMENT"'
REFUND_TYPES = ("ARCREDITPAYMENT", "AROVERPAYMENTPAYMENT", "ARPREPAYMENTPAYMENT")
REFUNDS = " OR ".join(f'PaymentType=="{payment_type}"' for payment_type in REFUND_TYPES)


class XeroInvoicePayment(models.Model):
    """What settled a customer's Xero invoice, as Xero has it: a payment, or a credit
    note, overpayment or prepayment allocated to it.

    Read with the invoice (webhooks fetch invoices with what settled them, a new
    connection reads its invoices whole) and, for payments, by a poll of Xero's
    payments (the safety net: Xero has no payment webhook), which also reads the
    refunds to customers (``xero.refund``). A payment deleted in Xero stays listed,
    marked deleted, and counts no more.
    """

    _name = "xero.invoice.payment"
    _inherit = ["xero.sync.inbound.mixin"]
    _description = "Payment or credit of a Xero invoice"
    _order = "date desc, id desc"

    _xero_object = "payment"
    _xero_plural = "Payments"
    _xero_id_key = "PaymentID"
    _xero_sdk = "payments"

    # ------------------------------------------------------------------ fields

    invoice_id = fields.Many2one(
        "xero.invoice", required=True, ondelete="cascade", index=True, readonly=True
    )
    connection_id = fields.Many2one(related="invoice_id.connection_id", store=True, index=True)
    company_id = fields.Many2one(related="invoice_id.company_id", store=True)
    xero_contact_id = fields.Char(related="invoice_id.xero_contact_id", store=True, index=True)
    invoice_number = fields.Char(related="invoice_id.number", string="Invoice number")
    kind = fields.Selection(KINDS, required=True, readonly=True)
    xero_id = fields.Char("Xero id", required=True, readonly=True)
    number = fields.Char(readonly=True, help="The credit note's number.")
    date = fields.Date(readonly=True)
    reference = fields.Char(readonly=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id")
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    base_currency_id = fields.Many2one(related="invoice_id.base_currency_id")
    amount_base = fields.Monetary(
        "Amount (base currency)", readonly=True, currency_field="base_currency_id"
    )
    deleted = fields.Boolean(readonly=True, help="Deleted in Xero: it no longer counts.")
    is_reconciled = fields.Boolean("Reconciled", readonly=True)

    # ------------------------------------------------------------------ constraints

    _xero_uniq = models.UniqueIndex(
        "(invoice_id, kind, xero_id)", "A payment or credit is listed once per invoice."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("kind", "number", "reference", "date")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for row in self:
            row.display_name = " ".join(
                part for part in (kinds.get(row.kind), row.number or row.reference) if part
            )

    # ------------------------------------------------------------------ actions

    def action_xero_view_refunds(self):
        """The refunds Xero made to the customers of these payments (of every customer
        when none is selected)."""
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_connector.action_xero_refund")
        if self:
            action["domain"] = [("xero_contact_id", "in", self.mapped("xero_contact_id"))]
        return action

    # ------------------------------------------------------------------ business: what syncs

    @api.model
    def _xero_enabled(self, connection):
        return self.env["xero.invoice"]._xero_enabled(connection)

    @api.model
    def _xero_poll_since(self, connection, cursor):
        # the first sweep reads every refund, and no payment: the invoices' first sweep
        # read them whole, with their payments
        return cursor.modified_since if cursor.filled_at else False

    @api.model
    def _xero_poll_params(self, connection, since, page):
        where = f"{SALES_PAYMENTS} OR {REFUNDS}" if since else REFUNDS
        return super()._xero_poll_params(connection, since, page) | {"where": where}

    @api.model
    def _xero_filled(self, connection, cursor, before):
        """Every refund was read: the payments that changed since the invoices' sweep
        began are read next (a payment made while the invoices were read whole may have
        missed them), or since the sweep before this one, if earlier (a connection that
        polled payments before it read refunds)."""
        invoices = cursor.search(
            [("connection_id", "=", connection.id), ("res_model", "=", "xero.invoice")]
        )
        cursor._xero_read_since(before)
        if invoices:
            cursor._xero_read_since(invoices._xero_since_sweep())
        return super()._xero_filled(connection, cursor, before)

    # ------------------------------------------------------------------ business: from invoices

    @api.model
    def _xero_from_invoices(self, mirrors, elements):
        """Keep the payments and credits of the invoices read from Xero with them
        (``mirrors``: {Xero InvoiceID: xero.invoice}). Invoices read as a summary say
        nothing of them and are left alone. Returns {mirror: [amounts of payments Xero
        no longer lists]}, the deleted payments."""
        listed = [e for e in elements if "Payments" in e and e["InvoiceID"].lower() in mirrors]
        if not listed:
            return {}
        ids = [mirrors[e["InvoiceID"].lower()].id for e in listed]
        existing = self.search([("invoice_id", "in", ids)]).grouped(
            lambda row: (row.invoice_id.id, row.kind, row.xero_id)
        )
        rows, new, stale, deleted = {}, [], self.browse(), {}
        for element in listed:
            mirror = mirrors[element["InvoiceID"].lower()]
            rate = float(element.get("CurrencyRate") or 1) or 1
            listed_now = _settlements(element, rate)
            for (kind, xero_id), values in listed_now.items():
                key = (mirror.id, kind, xero_id)
                if key in existing:
                    rows[existing[key].id] = values | {"deleted": False}
                else:
                    new.append(values | mirror._xero_owner_values() | {"kind": kind})
            for key, row in existing.items():
                if key[0] != mirror.id or key[1:] in listed_now:
                    continue
                if row.kind != "payment":
                    stale |= row  # an allocation taken back
                elif not row.deleted:
                    rows[row.id] = {"deleted": True}
                    deleted.setdefault(mirror, []).append(row.amount)
        write_rows(self, rows)
        stale.unlink()
        insert_rows(self, new)
        return deleted

    # ------------------------------------------------------------------ business: Xero -> Odoo

    @api.model
    def _xero_apply_inbound(self, connection, elements):
        """Payments read by the poll: each is kept on its invoice's mirror; an invoice
        whose payments changed is read again (its amounts, status and credits). Refunds
        are kept apart (``xero.refund``)."""
        refunds = [e for e in elements if e.get("PaymentType") in REFUND_TYPES]
        outcomes = self.env["xero.refund"]._xero_from_payments(connection, refunds)
        by_invoice = {}
        for element in elements:
            payment_id = (element.get("PaymentID") or "").lower()
            invoice_id = ((element.get("Invoice") or {}).get("InvoiceID") or "").lower()
            if not payment_id or element.get("PaymentType") in REFUND_TYPES:
                continue
            outcomes[payment_id] = Done()
            if invoice_id:
                by_invoice.setdefault(invoice_id, []).append(element)
        mirrors = {
            mirror.xero_id: mirror
            for mirror in self.env["xero.invoice"].search(
                [("connection_id", "=", connection.id), ("xero_id", "in", list(by_invoice))]
            )
        }
        existing = self.search(
            [
                ("invoice_id", "in", [m.id for m in mirrors.values()]),
                ("kind", "=", "payment"),
            ]
        ).grouped(lambda row: (row.invoice_id.id, row.xero_id))
        changed, rows, new = set(), {}, []
        for invoice_id, payments in by_invoice.items():
            mirror = mirrors.get(invoice_id)
            if not mirror:
                continue  # an invoice the mirror does not keep (outside the history)
            for element in payments:
                values = _payment_values(element)
                row = existing.get((mirror.id, values["xero_id"]))
                if not row:
                    if not values["deleted"]:
                        new.append(values | mirror._xero_owner_values() | {"kind": "payment"})
                        changed.add(invoice_id)
                    continue
                if row.deleted != values["deleted"]:
                    changed.add(invoice_id)
                rows[row.id] = values
        write_rows(self, rows)
        insert_rows(self, new)
        if changed:
            self.env["xero.sync.job"]._xero_enqueue_fetches(
                connection, self.env["xero.invoice"], sorted(changed)
            )
        return outcomes


def _payment_values(element):
    rate = float(element.get("CurrencyRate") or 1) or 1
    moment = xero_datetime(element.get("Date"))
    amount = float(element.get("Amount") or 0)
    return {
        "xero_id": element["PaymentID"].lower(),
        "date": moment.date() if moment else False,
        "reference": element.get("Reference") or False,
        "amount": amount,
        "amount_base": round(amount / rate, 2),
        "deleted": element.get("Status") == "DELETED",
        "is_reconciled": bool(element.get("IsReconciled")),
    }


def _settlements(element, rate):
    """{(kind, Xero id): values} of what an invoice read from Xero lists as settling it
    (a credit allocated twice to it is one row of both amounts)."""
    found = {}
    for kind, (key, id_key, amount_key) in ON_INVOICE.items():
        for entry in element.get(key) or []:
            if not entry.get(id_key):
                continue
            moment = xero_datetime(entry.get("Date"))
            amount = float(entry.get(amount_key) or entry.get("Amount") or 0)
            earlier = found.get((kind, entry[id_key].lower()), {}).get("amount", 0.0)
            found[kind, entry[id_key].lower()] = {
                "xero_id": entry[id_key].lower(),
                "number": entry.get("CreditNoteNumber") or False,
                "reference": entry.get("Reference") or False,
                "date": moment.date() if moment else False,
                "amount": earlier + amount,
                "amount_base": round((earlier + amount) / rate, 2),
            }
    return found
