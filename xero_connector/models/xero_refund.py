from odoo import api, fields, models
from odoo.fields import Domain

from ..tools.bulk import insert_rows, write_rows
from ..tools.outcomes import Done
from ..tools.sync_rules import xero_datetime
from .xero_invoice_payment import _payment_values

# Xero's payment types of refunds to customers: (kind, the element naming what was
# refunded, its id key)
REFUNDED = {
    "ARCREDITPAYMENT": ("credit_note", "CreditNote", "CreditNoteID"),
    "AROVERPAYMENTPAYMENT": ("overpayment", "Overpayment", "OverpaymentID"),
    "ARPREPAYMENTPAYMENT": ("prepayment", "Prepayment", "PrepaymentID"),
}


class XeroRefund(models.Model):
    """Money paid back to a customer in Xero: a credit note, an overpayment or a
    prepayment refunded (Xero records it as a payment of the credit).

    Read by the poll of Xero's payments, all of them on a connection's first sweep,
    then those that changed. What a customer paid, net of credit notes and refunds, is
    summed from the invoices' payments and credits and from these. A refund deleted
    in Xero stays listed, marked deleted, and counts no more.
    """

    _name = "xero.refund"
    _description = "Refund to a customer in Xero"
    _order = "date desc, id desc"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_id = fields.Char("Xero PaymentID", required=True, readonly=True)
    xero_contact_id = fields.Char("Xero ContactID", index=True, readonly=True)
    contact_name = fields.Char("Customer", readonly=True)
    kind = fields.Selection(
        [
            ("credit_note", "Credit note refunded"),
            ("overpayment", "Overpayment refunded"),
            ("prepayment", "Prepayment refunded"),
        ],
        required=True,
        readonly=True,
    )
    credit_xero_id = fields.Char(
        "Xero id of the credit", readonly=True, help="The credit note, overpayment or prepayment."
    )
    number = fields.Char(readonly=True, help="The credit note's number.")
    reference = fields.Char(readonly=True)
    date = fields.Date(readonly=True)
    currency_code = fields.Char("Currency code", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    base_currency_id = fields.Many2one(related="connection_id.base_currency_id")
    # in the organisation's base currency (Xero's rate of the refund)
    amount_base = fields.Monetary(
        "Amount (base currency)", readonly=True, currency_field="base_currency_id"
    )
    deleted = fields.Boolean(readonly=True, help="Deleted in Xero: it no longer counts.")
    is_reconciled = fields.Boolean("Reconciled", readonly=True)
    updated_at = fields.Datetime("Updated in Xero", readonly=True)

    # ------------------------------------------------------------------ constraints

    _xero_uniq = models.UniqueIndex(
        "(connection_id, xero_id)", "A refund is mirrored once per organisation."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("kind", "number", "reference")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for refund in self:
            refund.display_name = " ".join(
                part for part in (kinds.get(refund.kind), refund.number or refund.reference) if part
            )

    # ------------------------------------------------------------------ business: Xero -> Odoo

    @api.model
    def _xero_from_payments(self, connection, elements):
        """Keep the refunds among payments read from Xero: {Xero PaymentID: Done}. A
        refund first seen deleted is not listed."""
        values = {}
        for element in elements:
            found = _refund_values(element)
            if found:
                values[found["xero_id"]] = found
        if not values:
            return {}
        domain = Domain([("connection_id", "=", connection.id), ("xero_id", "in", list(values))])
        existing = {refund.xero_id: refund.id for refund in self.search(domain)}
        currencies = self.env["xero.invoice"]._xero_currencies(
            {found["currency_code"] for found in values.values()}
        )
        rows, new = {}, []
        for xero_id, found in values.items():
            found["currency_id"] = currencies.get(found["currency_code"]) or False
            if xero_id in existing:
                rows[existing[xero_id]] = found
            elif not found["deleted"]:
                new.append(
                    found | {"connection_id": connection.id, "company_id": connection.company_id.id}
                )
        write_rows(self, rows)
        # a refund another transaction listed meanwhile is left to it
        insert_rows(self, new, unique=("connection_id", "xero_id"))
        return {xero_id: Done() for xero_id in values}


def _refund_values(element):
    """A refund's values from Xero's payment, or None when it is no refund to a customer."""
    if element.get("PaymentType") not in REFUNDED or not element.get("PaymentID"):
        return None
    kind, key, id_key = REFUNDED[element["PaymentType"]]
    credit = element.get(key) or {}
    contact = credit.get("Contact") or {}
    values = _payment_values(element)
    return values | {
        "kind": kind,
        "xero_contact_id": (contact.get("ContactID") or "").lower() or False,
        "contact_name": contact.get("Name") or False,
        "credit_xero_id": (credit.get(id_key) or "").lower() or False,
        "number": credit.get("CreditNoteNumber") or False,
        "currency_code": credit.get("CurrencyCode") or element.get("CurrencyCode") or False,
        "updated_at": xero_datetime(element.get("UpdatedDateUTC")),
    }
