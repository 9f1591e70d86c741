from dataclasses import replace

from odoo import api, fields, models
from odoo.tools import float_is_zero

from ..const import DOCUMENT_STATUSES, GONE, POSTED, PRIORITY
from ..exceptions import XeroError
from ..tools import xero_money as xm
from ..tools.bulk import write_rows
from ..tools.outcomes import Done


class XeroOrderCreditNote(models.Model):
    """A Xero sales credit note made from an order: what the order no longer invoices
    of an invoice Xero will not change any more (paid or part-paid). It is approved
    in Xero and allocated to what is still due on the invoice; the rest stays as the
    customer's credit in Xero. Xero takes no discounts on credit notes: a discounted
    line goes at its discounted price."""

    _name = "xero.order.credit.note"
    _inherit = ["xero.order.document"]
    _description = "Xero credit note of an order"

    _xero_object = "sale_credit_note"
    _xero_plural = "CreditNotes"
    _xero_id_key = "CreditNoteID"
    _xero_sdk = "credit_notes"
    _xero_document_type = "ACCRECCREDIT"
    _xero_discounts = False

    # ------------------------------------------------------------------ fields

    line_ids = fields.One2many("xero.order.invoice.line", "credit_note_id", "Lines", readonly=True)
    invoice_id = fields.Many2one(
        "xero.order.invoice", "Invoice credited", readonly=True, index="btree_not_null"
    )
    reason = fields.Char(readonly=True)
    number = fields.Char(readonly=True)
    xero_status = fields.Selection(DOCUMENT_STATUSES, "Xero status", readonly=True)
    allocated = fields.Monetary(
        "Allocated to the invoice", readonly=True, help="Of this credit, what pays the invoice."
    )

    # ------------------------------------------------------------------ compute

    @api.depends("number", "order_id.name")
    def _compute_display_name(self):
        for credit_note in self:
            credit_note.display_name = credit_note.number or self.env._(
                "Xero credit note of %s", credit_note.order_id.name
            )

    # ------------------------------------------------------------------ business

    def _xero_counts(self, posted=False):
        self.ensure_one()
        if self.state == "cancelled" or self.xero_status in GONE:
            return False
        return not posted or self.xero_status in POSTED

    @api.model
    def _xero_credit(self, invoice, lines, reason, quantities=None):
        """A credit note of ``lines`` of ``invoice`` (each for its whole quantity, or the
        quantity ``quantities`` gives per line), exactly as they were invoiced: in the
        same unit, at the same price; queued for Xero."""
        order = invoice.order_id
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        entries = [
            (
                line.sale_line_id,
                quantities.get(line, 0.0) if quantities else line.quantity,
                {
                    "product_uom_id": line._xero_own_unit(),
                    "price_unit": line.price_unit,
                    "discount": line.discount,
                    "tax_ids": line.tax_ids,
                },
            )
            for line in lines.filtered(lambda dl: dl.sale_line_id and not dl.display_type)
        ]
        entries = [
            entry for entry in entries if not float_is_zero(entry[1], precision_digits=digits)
        ]
        if not entries:
            return self
        summary, commands = self._xero_amounts(order, entries)
        earlier = self.search_count([("order_id", "=", order.id)])
        credit_note = self.create(
            self._xero_common_values(invoice.connection_id, order, summary)
            | {
                "invoice_id": invoice.id,
                "reference": f"{order.name}-C{earlier + 1}",
                "reason": reason,
                "line_ids": commands,
            }
        )
        credit_note._xero_enqueue_push(invoice.connection_id, priority=PRIORITY["invoice"])
        order._xero_tell(
            {
                order.id: self.env._(
                    "%(reason)s: a credit note of %(total)s %(currency)s on %(invoice)s goes to "
                    "Xero (Xero no longer changes a paid invoice).",
                    reason=reason,
                    total=credit_note.amount_total,
                    currency=credit_note.currency_id.name,
                    invoice=invoice.display_name,
                )
            }
        )
        return credit_note

    # ------------------------------------------------------------------ business: Odoo -> Xero

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """The Xero credit note, approved so that it can be allocated."""
        self.ensure_one()
        payload = self.sudo()._xero_common_payload(connection, "AUTHORISED")
        xero_id = xero_id or (link.xero_id if link else False)
        if xero_id:
            payload["CreditNoteID"] = xero_id
        return payload

    @api.model
    def _xero_pushed(self, jobs, elements, payloads):
        """Each credit note Xero made is allocated to what its invoice still owes."""
        outcomes = super()._xero_pushed(jobs, elements, payloads)
        connection = jobs.connection_id
        rows, made = {}, {}
        for job, element in zip(jobs, elements, strict=False):
            if not isinstance(outcomes.get(job.id), Done):
                continue
            rows[job.res_id] = {
                "number": element.get("CreditNoteNumber") or False,
                "xero_status": element.get("Status") or False,
                "rounding_amount": float(self._xero_rounding_of(connection, payloads[job.id])),
            }
            made[job.res_id] = (job, element)
        credit_notes = self.browse(list(rows)).sudo()
        write_rows(credit_notes, rows)
        credit_notes.modified(["xero_status"])
        allocations = credit_notes._xero_allocate(connection, made)
        for credit_note in credit_notes:
            job, element = made[credit_note.id]
            note = allocations.get(credit_note.id) or ""
            outcomes[job.id] = replace(
                outcomes[job.id],
                result=self.env._(
                    "Credit note %(number)s for %(total)s %(currency)s. %(note)s",
                    number=credit_note.number or "",
                    total=element.get("Total"),
                    currency=credit_note.currency_id.name,
                    note=note,
                ).strip(),
            )
        credit_notes.order_id._xero_tell(
            {
                credit_note.order_id.id: outcomes[made[credit_note.id][0].id].result
                for credit_note in credit_notes
            }
        )
        return outcomes

    def _xero_allocate(self, connection, made):
        """Allocate each credit note to what its invoice still owes in Xero (read afresh,
        in one call): {credit note id: what happened, in plain words}."""
        invoice_ids = [
            cn.invoice_id.xero_invoice_id.xero_id
            for cn in self
            if cn.invoice_id.xero_invoice_id and made[cn.id][1].get("Status") == "AUTHORISED"
        ]
        if not invoice_ids:
            return {}
        notes = {}
        try:
            answer = connection._xero_call_json(
                "get_invoices",
                i_ds=invoice_ids,
                summary_only=True,
                purpose="push",
                log={"direction": "in", "message": self.env._("What the invoices still owe")},
            )
        except XeroError as error:
            return dict.fromkeys(self.ids, error.message)
        due = {
            invoice["InvoiceID"].lower(): xm.cents(invoice.get("AmountDue") or 0)
            for invoice in answer.get("Invoices") or []
            if invoice.get("Status") == "AUTHORISED"
        }
        for credit_note in self:
            target = credit_note.invoice_id.xero_invoice_id.xero_id
            _job, element = made[credit_note.id]
            allocated = _allocated(element)
            if allocated:
                # found after a lost answer, already allocated: kept as Xero has it
                credit_note.allocated = float(allocated)
                notes[credit_note.id] = self.env._(
                    "%(amount)s allocated to the invoice.", amount=float(allocated)
                )
                continue
            amount = min(xm.cents(element.get("Total") or 0), due.get(target, xm.cents(0)))
            if amount <= 0:
                notes[credit_note.id] = self.env._(
                    "Nothing is due on the invoice: the credit stays with the customer in Xero."
                )
                continue
            try:
                connection._xero_call_json(
                    "create_credit_note_allocation",
                    element["CreditNoteID"],
                    {
                        "Allocations": [
                            {
                                "Amount": float(amount),
                                "Invoice": {"InvoiceID": target},
                                "Date": fields.Date.context_today(self).isoformat(),
                            }
                        ]
                    },
                    # the same allocation if the batch is replayed after a crash
                    idempotency_key=f"allocate-{element['CreditNoteID']}",
                    purpose="push",
                    log={"direction": "out", "message": self.env._("Credit allocated")},
                )
            except XeroError as error:
                notes[credit_note.id] = self.env._(
                    "Not allocated (%s): allocate it to the invoice in Xero.", error.message
                )
                continue
            credit_note.allocated = float(amount)
            # the next credit note of the same invoice gets what is left
            due[target] -= amount
            notes[credit_note.id] = self.env._(
                "%(amount)s allocated to the invoice.", amount=float(amount)
            )
        self.env["xero.sync.job"]._xero_enqueue_fetches(
            connection, self.env["xero.invoice"], invoice_ids
        )
        return notes


def _allocated(element):
    """What of a credit note Xero already allocated (as its element says), in cents."""
    return sum(
        (
            xm.cents(allocation.get("Amount") or 0)
            for allocation in element.get("Allocations") or []
        ),
        xm.cents(0),
    )
