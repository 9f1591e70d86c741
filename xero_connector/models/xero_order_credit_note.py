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
                    "%(reason)s: a credit note of %(total)s on %(invoice)s goes to Xero (Xero "
                    "no longer changes a paid invoice).",
                    reason=reason,
                    total=credit_note.currency_id.format(credit_note.amount_total),
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
                    "Credit note %(number)s for %(total)s. %(note)s",
                    number=credit_note.number or "",
                    total=credit_note.currency_id.format(float(element.get("Total") or 0)),
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
        """Allocate each credit note Xero approved to what its order still owes: {credit
        note id: what happened, in plain words}. One found after a lost answer already
        allocated is kept as Xero has it."""
        notes, left = {}, {}
        for credit_note in self:
            _job, element = made[credit_note.id]
            if element.get("Status") != "AUTHORISED":
                continue
            allocated = _allocated(element)
            if allocated:
                credit_note.allocated = float(allocated)
                notes[credit_note.id] = credit_note._xero_allocated_note(
                    allocated, credit_note.invoice_id
                )
                continue
            left[credit_note] = (element["CreditNoteID"], xm.cents(element.get("Total") or 0))
        return notes | self._xero_spend(connection, left)

    @api.model
    def _xero_spend_on(self, connection, invoices):
        """The credit the orders of ``invoices`` (just approved in Xero) still hold, on
        credit notes Odoo made, allocated to what they owe: {order id: plain words}."""
        credit_notes = self.sudo().search(
            [
                ("order_id", "in", invoices.order_id.ids),
                ("connection_id", "=", connection.id),
                ("state", "=", "open"),
                ("xero_status", "=", "AUTHORISED"),
            ]
        )
        links = self._xero_links(connection, ids=credit_notes.ids)
        left = {
            credit_note: (links[credit_note.id].xero_id, credit_note._xero_left())
            for credit_note in credit_notes
            if credit_note.id in links and credit_note._xero_left() > 0
        }
        notes = {}
        for credit_note_id, note in self._xero_spend(connection, left).items():
            order = self.browse(credit_note_id).order_id
            notes[order.id] = " ".join(filter(None, [notes.get(order.id), note]))
        return notes

    def _xero_left(self):
        """What of this credit note Odoo has not allocated, in cents."""
        self.ensure_one()
        return xm.cents(self.amount_total) - xm.cents(self.allocated)

    @api.model
    def _xero_spend(self, connection, left):
        """Allocate credit (``left``: {credit note: (its Xero id, credit left in cents)})
        to what its order's invoices still owe in Xero, read afresh in one call: the
        invoice it credits first, then the order's others, oldest first. What nothing
        owes stays with the customer in Xero, to refund. Returns {credit note id: what
        happened, in plain words}."""
        if not left:
            return {}
        credit_notes = self.browse([credit_note.id for credit_note in left])
        targets = (
            self.env["xero.order.invoice"]
            .sudo()
            .search(
                [
                    ("order_id", "in", credit_notes.order_id.ids),
                    ("state", "=", "open"),
                    ("to_cancel", "=", False),
                ],
                order="id",
            )
        )
        invoice_links = targets._xero_links(connection, ids=targets.ids)
        xero_ids = {
            invoice.id: invoice_links[invoice.id].xero_id
            for invoice in targets
            if invoice.id in invoice_links and invoice_links[invoice.id].xero_id
        }
        if not xero_ids:
            return {
                credit_note.id: credit_note._xero_credit_kept_note(credit)
                for credit_note, (_xero_id, credit) in left.items()
            }
        try:
            answer = connection._xero_call_json(
                "get_invoices",
                i_ds=list(xero_ids.values()),
                summary_only=True,
                purpose="push",
                log={"direction": "in", "message": self.env._("What the invoices still owe")},
            )
        except XeroError as error:
            return dict.fromkeys(credit_notes.ids, error.message)
        due = {
            invoice["InvoiceID"].lower(): xm.cents(invoice.get("AmountDue") or 0)
            for invoice in answer.get("Invoices") or []
            if invoice.get("Status") == "AUTHORISED"
        }
        notes, touched = {}, set()
        for credit_note, (credit_note_xero_id, credit) in left.items():
            mine = targets.filtered(lambda i, cn=credit_note: i.order_id == cn.order_id)
            ordered = (mine & credit_note.invoice_id) | mine
            said = []
            for invoice in ordered.filtered(lambda i: i.id in xero_ids):
                target = xero_ids[invoice.id].lower()
                amount = min(credit, due.get(target, xm.cents(0)))
                if amount <= 0:
                    continue
                error = credit_note._xero_allocate_one(
                    connection, credit_note_xero_id, target, amount
                )
                if error:
                    said.append(
                        self.env._(
                            "Not allocated to %(invoice)s (%(error)s): allocate it in Xero.",
                            invoice=invoice.display_name,
                            error=error,
                        )
                    )
                    continue
                credit -= amount
                due[target] -= amount
                touched.add(target)
                credit_note.allocated += float(amount)
                said.append(credit_note._xero_allocated_note(amount, invoice))
            if credit > 0:
                said.append(credit_note._xero_credit_kept_note(credit))
            notes[credit_note.id] = " ".join(said)
        self.env["xero.sync.job"]._xero_enqueue_fetches(
            connection, self.env["xero.invoice"], sorted(touched)
        )
        return notes

    def _xero_allocate_one(self, connection, credit_note_xero_id, invoice_xero_id, amount):
        """One allocation in Xero; returns Xero's error, or None."""
        try:
            connection._xero_call_json(
                "create_credit_note_allocation",
                credit_note_xero_id,
                {
                    "Allocations": [
                        {
                            "Amount": float(amount),
                            "Invoice": {"InvoiceID": invoice_xero_id},
                            "Date": fields.Date.context_today(self).isoformat(),
                        }
                    ]
                },
                # the same allocation if the batch is replayed after a crash
                idempotency_key=f"allocate-{credit_note_xero_id}-{invoice_xero_id}-{amount}",
                purpose="push",
                log={"direction": "out", "message": self.env._("Credit allocated")},
            )
        except XeroError as error:
            return error.message
        return None

    def _xero_allocated_note(self, amount, invoice):
        self.ensure_one()
        if not self.connection_id._xero_figures_for():
            return self.env._("Allocated to %s.", invoice.display_name)
        return self.env._(
            "%(amount)s allocated to %(invoice)s.",
            amount=self.currency_id.format(float(amount)),
            invoice=invoice.display_name,
        )

    def _xero_credit_kept_note(self, credit):
        self.ensure_one()
        if not self.connection_id._xero_figures_for():
            return self.env._(
                "Credit is left: it stays with the customer in Xero, to refund (or to "
                "allocate to their next invoice)."
            )
        return self.env._(
            "%(amount)s stays with the customer in Xero as credit, to refund (or to allocate "
            "to their next invoice).",
            amount=self.currency_id.format(float(credit)),
        )


def _allocated(element):
    """What of a credit note Xero already allocated (as its element says), in cents."""
    return sum(
        (
            xm.cents(allocation.get("Amount") or 0)
            for allocation in element.get("Allocations") or []
        ),
        xm.cents(0),
    )
