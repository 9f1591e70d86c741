from dataclasses import replace

from odoo import api, fields, models

from ..const import PRIORITY
from ..exceptions import XeroError
from ..tools.bulk import write_rows
from ..tools.outcomes import Done, Failed, Refused, Send
from .xero_order_document import GONE, POSTED

# what Xero lets change on an invoice with a payment or a credit allocated to it
EDITABLE_WHEN_PAID = (
    "InvoiceID",
    "Reference",
    "DueDate",
    "Url",
    "BrandingThemeID",
    "SentToContact",
)
# the jobs that read an approved invoice's pay link (and have Xero e-mail it)
LINK_KIND = "sale_invoice.link"
PAID_MESSAGE = "cannot be edited as it has a payment or credit note allocated"


class XeroOrderInvoice(models.Model):
    """A Xero sales invoice made from a confirmed order: what the order invoiced.

    Xero's own view of the invoice (number, status, amount due) is its mirror,
    ``xero.invoice``. A change of the order updates the invoice while Xero allows it
    (draft, awaiting approval, or approved and unpaid); cancelling the order deletes
    or voids it, or credits it once it is paid.
    """

    _name = "xero.order.invoice"
    _inherit = ["xero.order.document"]
    _description = "Xero invoice of an order"

    _xero_object = "sale_invoice"
    _xero_plural = "Invoices"
    _xero_id_key = "InvoiceID"
    _xero_sdk = "invoices"
    _xero_document_type = "ACCREC"
    # an order's invoices share its reference: each has its own link back to Odoo
    _xero_match_key = "Url"

    # ------------------------------------------------------------------ fields

    line_ids = fields.One2many("xero.order.invoice.line", "invoice_id", "Lines", readonly=True)
    due_date = fields.Date("Due date", readonly=True)
    is_down_payment = fields.Boolean("Down payment", readonly=True)
    to_cancel = fields.Boolean(
        "To delete or void", readonly=True, help="The order was cancelled: Xero is told."
    )
    credit_note_ids = fields.One2many(
        "xero.order.credit.note", "invoice_id", "Credit notes", readonly=True
    )
    online_url = fields.Char(
        "Pay link", readonly=True, help="Xero's online invoice, where the customer pays."
    )
    sent_to_contact = fields.Boolean(
        "Sent to the customer", readonly=True, help="Xero shows the invoice as sent."
    )
    xero_invoice_id = fields.Many2one("xero.invoice", "In Xero", readonly=True, index=True)
    number = fields.Char(related="xero_invoice_id.number")
    status = fields.Selection(related="xero_invoice_id.status", string="Xero status")
    amount_due = fields.Monetary(related="xero_invoice_id.amount_due")

    # ------------------------------------------------------------------ compute

    @api.depends("number", "order_id.name")
    def _compute_display_name(self):
        for invoice in self:
            invoice.display_name = invoice.number or self.env._(
                "Xero invoice of %s", invoice.order_id.name
            )

    # ------------------------------------------------------------------ business: what syncs

    @api.model
    def _xero_kinds(self):
        return [
            *super()._xero_kinds(),
            (LINK_KIND, self.env._("Pay link of an invoice, from Xero")),
        ]

    @api.model
    def _xero_url(self, connection, xero_id):
        return connection._xero_web_url("invoice", xero_id)

    @api.model
    def _xero_push_options(self, connection):
        return super()._xero_push_options(connection) | {
            "allow_backorders": bool(connection.allow_backorders)
        }

    def _xero_counts(self, posted=False):
        self.ensure_one()
        if self.state == "cancelled" or self.status in GONE:
            return False
        return not posted or self.status in POSTED

    def _xero_is_paid(self):
        """Whether Xero holds a payment or a credit against this invoice (as last read)."""
        self.ensure_one()
        mirror = self.sudo().xero_invoice_id
        return bool(mirror) and (
            mirror.status == "PAID"
            or (mirror.status == "AUTHORISED" and mirror.amount_due < mirror.total)
        )

    def _xero_amendable(self):
        """Whether Xero lets this invoice's lines change: not yet approved, or approved
        without any payment or credit."""
        self.ensure_one()
        if self.state != "open" or self.to_cancel or self.is_down_payment:
            return False
        return self.status in (False, "DRAFT", "SUBMITTED") or (
            self.status == "AUTHORISED" and not self._xero_is_paid()
        )

    # ------------------------------------------------------------------ business: making invoices

    @api.model
    def _xero_values(self, connection, order, quantities, down_payment=False):
        """The values of the invoice of ``quantities`` ({order line: quantity}), with
        Odoo's amounts of exactly those quantities."""
        summary, lines = self._xero_amounts(
            order, [(line, qty, None) for line, qty in quantities.items()]
        )
        values = self._xero_common_values(connection, order, summary)
        due, instalments = order._xero_terms(values["date"], summary)
        if instalments:
            lines.append(
                fields.Command.create(
                    {"display_type": "line_note", "name": instalments, "sequence": 99999}
                )
            )
        return values | {
            "due_date": due,
            "reference": order._xero_reference(),
            "is_down_payment": down_payment,
            "line_ids": lines,
        }

    def _xero_amend(self):
        """The invoice made to match its order again, while Xero lets its lines change:
        what the order has to invoice now is added to it (or taken off it), at the
        order's current prices; then it is sent."""
        self.ensure_one()
        invoice = self.sudo()
        order = invoice.order_id
        on_invoice = {}
        for line in invoice.line_ids.filtered("sale_line_id"):
            on_invoice[line.sale_line_id] = on_invoice.get(line.sale_line_id, 0.0) + line.quantity
        quantities = {}
        for line in order.order_line.filtered(lambda ol: not ol.is_downpayment):
            target = on_invoice.get(line, 0.0) + line._xero_quantity_to_invoice()
            if line.display_type or target > 0:
                quantities[line] = max(target, 0.0)
        if not any(q for line, q in quantities.items() if not line.display_type):
            invoice._xero_cancel()
            return invoice
        values = self._xero_values(invoice.connection_id, order, quantities)
        invoice.line_ids.unlink()
        invoice.write(
            {
                key: values[key]
                for key in ("line_ids", "amount_untaxed", "amount_tax", "amount_total")
            }
            | {"due_date": values["due_date"], "reference": values["reference"]}
        )
        invoice._xero_enqueue_push(invoice.connection_id, priority=PRIORITY["invoice"])
        return invoice

    def _xero_cancel(self):
        """The order was cancelled: a draft is deleted, an approved unpaid invoice voided
        (sent to Xero), a paid or part-paid one credited. Returns the credit notes."""
        credit_notes = self.env["xero.order.credit.note"].sudo()
        for invoice in self.sudo().filtered(lambda i: i.state == "open" and not i.to_cancel):
            if invoice._xero_is_paid():
                credit_notes |= credit_notes._xero_credit(
                    invoice, invoice.line_ids, self.env._("Order cancelled")
                )
                continue
            invoice.to_cancel = True
            invoice._xero_enqueue_push(invoice.connection_id, priority=PRIORITY["invoice"])
        return credit_notes

    # ------------------------------------------------------------------ business: Odoo -> Xero

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """The Xero invoice, or what Xero lets change of it: its status alone to delete
        or void it, the fields still free once it is paid."""
        self.ensure_one()
        invoice = self.sudo()
        xero_id = xero_id or (link.xero_id if link else False)
        if invoice.to_cancel and xero_id:
            status = "VOIDED" if invoice.status == "AUTHORISED" else "DELETED"
            return {"InvoiceID": xero_id, "Status": status}
        payload = invoice._xero_common_payload(connection, connection.invoice_status)
        payload |= {
            "DueDate": (invoice.due_date or invoice.date).isoformat(),
            "Url": invoice._xero_odoo_url(),
        }
        if connection.invoice_number_from == "order":
            payload["InvoiceNumber"] = invoice._xero_number()
        if xero_id:
            payload["InvoiceID"] = xero_id
            # once approved, Xero keeps its own status (it moves to paid by itself)
            payload.pop("Status")
            if invoice.sent_to_contact and invoice.status in POSTED:
                payload["SentToContact"] = True
            if invoice._xero_is_paid():
                payload = {key: payload[key] for key in EDITABLE_WHEN_PAID if key in payload}
        return payload

    def _xero_odoo_url(self):
        """Where the order is in Odoo (unique per invoice: a lost answer's invoice is
        found by it)."""
        self.ensure_one()
        base = self.order_id.get_base_url()
        return f"{base}/odoo/sale.order/{self.order_id.id}?xero_invoice={self.id}"

    def _xero_number(self):
        """The order's number; a later invoice of the same order gets a suffix."""
        self.ensure_one()
        earlier = self.search_count([("order_id", "=", self.order_id.id), ("id", "<", self.id)])
        return self.order_id.name if not earlier else f"{self.order_id.name}-{earlier + 1}"

    @api.model
    def _xero_before_send(self, connection, jobs, outcomes, links):
        """An invoice cancelled before it reached Xero is not sent at all."""
        changed, unsent = {}, self.browse()
        for job in jobs:
            send = outcomes[job.id]
            invoice = self.browse(job.res_id).sudo()
            if isinstance(send, Send) and send.operation == "create" and invoice.to_cancel:
                changed[job.id] = Done(
                    self.env._("The order was cancelled before its invoice reached Xero.")
                )
                unsent |= invoice
        unsent.write({"state": "cancelled"})
        rest = {job_id: o for job_id, o in outcomes.items() if job_id not in changed}
        return changed | super()._xero_before_send(connection, jobs, rest, links)

    @api.model
    def _xero_pushed(self, jobs, elements, payloads):
        """The mirror of what Xero holds is kept at once (number, status, amount due);
        the order is told."""
        outcomes = super()._xero_pushed(jobs, elements, payloads)
        connection = jobs.connection_id
        created = self._xero_created_elements(elements)
        mirrors = self.env["xero.invoice"].sudo()
        mirrors._xero_apply_inbound(connection, created)
        found = {
            mirror.xero_id: mirror
            for mirror in mirrors.search(
                [
                    ("connection_id", "=", connection.id),
                    ("xero_id", "in", [e["InvoiceID"].lower() for e in created]),
                ]
            )
        }
        rows, posted = {}, {}
        for job, element in zip(jobs, elements, strict=False):
            if not isinstance(outcomes.get(job.id), Done):
                continue
            mirror = found.get((element.get("InvoiceID") or "").lower())
            rows[job.res_id] = {"xero_invoice_id": mirror.id if mirror else False}
            if "LineItems" in payloads[job.id]:
                rounding = self._xero_rounding_of(connection, payloads[job.id])
                rows[job.res_id]["rounding_amount"] = float(rounding)
            if element.get("Status") in GONE:
                rows[job.res_id] |= {"state": "cancelled", "to_cancel": False}
            posted[job.res_id] = (element, job.operation)
        invoices = self.browse(list(rows)).sudo()
        write_rows(invoices, rows)
        invoices.modified(["xero_invoice_id", "state"])  # the orders' invoiced amounts follow
        for job in jobs.filtered(lambda j: j.res_id in posted):
            invoice = invoices.browse(job.res_id)
            outcomes[job.id] = replace(
                outcomes[job.id], result=invoice._xero_sent_note(*posted[job.res_id])
            )
        invoices.order_id._xero_tell(
            {
                invoice.order_id.id: invoice._xero_sent_note(*posted[invoice.id])
                for invoice in invoices
            }
        )
        invoices._xero_approved()
        return outcomes

    def _xero_sent_note(self, element, operation):
        self.ensure_one()
        number = element.get("InvoiceNumber") or ""
        if element.get("Status") in GONE:
            return self.env._(
                "Xero invoice %(number)s %(done)s: the order was cancelled.",
                number=number,
                done=self.env._("voided")
                if element.get("Status") == "VOIDED"
                else self.env._("deleted"),
            )
        statuses = dict(self.env["xero.invoice"]._fields["status"]._description_selection(self.env))
        note = self.env._(
            "Xero invoice %(number)s %(done)s: %(total)s %(currency)s, %(status)s.",
            number=number,
            done=self.env._("created") if operation == "create" else self.env._("updated"),
            total=element.get("Total"),
            currency=self.currency_id.name,
            status=statuses.get(element.get("Status"), element.get("Status")),
        )
        if self.rounding_amount:
            note += " " + self.env._(
                "A rounding line of %(gap)s makes Xero's total equal Odoo's (%(total)s): Xero "
                "rounds tax per line.",
                gap=self.rounding_amount,
                total=self.amount_total,
            )
        return note

    @api.model
    def _xero_after_push(self, jobs, outcomes):
        """An invoice to void that Xero says was paid meanwhile is credited instead."""
        paid = jobs.filtered(
            lambda j: (
                isinstance(outcomes[j.id], Refused)
                and any(PAID_MESSAGE in m for m in outcomes[j.id].messages)
            )
        )
        changed = {}
        credit_notes = self.env["xero.order.credit.note"].sudo()
        for job in paid:
            invoice = self.browse(job.res_id).sudo()
            if not invoice.to_cancel:
                continue
            invoice.to_cancel = False
            credit_notes._xero_credit(invoice, invoice.line_ids, self.env._("Order cancelled"))
            changed[job.id] = Done(
                self.env._("Paid in Xero meanwhile: credited instead of voided.")
            )
        if paid:
            mirrors = paid.mapped("xero_id")
            self.env["xero.sync.job"]._xero_enqueue_fetches(
                jobs.connection_id, self.env["xero.invoice"], [m for m in mirrors if m]
            )
        return changed

    # ------------------------------------------------------------------ business: pay link

    def _xero_approved(self):
        """Approved invoices without their pay link yet: it is read from Xero, once (and
        Xero e-mails them, when the company says so)."""
        waiting = self.sudo().filtered(
            lambda i: i.status == "AUTHORISED" and not i.online_url and i.state == "open"
        )
        return (
            self.env["xero.sync.job"]
            .sudo()
            ._xero_enqueue(
                [
                    {
                        "connection_id": invoice.connection_id.id,
                        "direction": "in",
                        "kind": LINK_KIND,
                        "res_model": self._name,
                        "res_id": invoice.id,
                        "priority": PRIORITY["fetch"] + 5,
                    }
                    for invoice in waiting
                ]
            )
        )

    @api.model
    def _xero_fetch(self, jobs):
        """The pay links of approved invoices (one call each: Xero has no batch of them),
        and Xero's e-mail of each when the company asks for it: {job id: outcome}."""
        connection = jobs.connection_id
        invoices = self.browse(jobs.mapped("res_id")).sudo().exists()
        outcomes, notes = {}, {}
        for job in jobs:
            invoice = invoices.filtered(lambda i, job=job: i.id == job.res_id)
            xero_id = invoice and _xero_id(invoice, connection)
            if not xero_id or invoice.status != "AUTHORISED":
                outcomes[job.id] = Done(self.env._("Not an approved invoice: no pay link."))
                continue
            try:
                outcome, note = invoice._xero_read_link(connection, xero_id)
            except XeroError as error:
                for rest in jobs.filtered(lambda j: j.id not in outcomes):
                    outcomes[rest.id] = Failed(error)
                break
            outcomes[job.id] = outcome
            notes[invoice.order_id.id] = note
        invoices.order_id._xero_tell(notes)
        return outcomes

    def _xero_read_link(self, connection, xero_id):
        """Read this invoice's pay link (and have Xero e-mail it): (outcome, note)."""
        self.ensure_one()
        answer = connection._xero_call_json(
            "get_online_invoice",
            xero_id,
            purpose="link",
            log={"direction": "in", "message": self.env._("Pay link of %s", self.display_name)},
        )
        url = next((o.get("OnlineInvoiceUrl") for o in answer.get("OnlineInvoices") or []), False)
        values = {"online_url": url}
        note = self.env._("Pay link of %(invoice)s: %(url)s", invoice=self.display_name, url=url)
        if connection.invoice_email == "xero" and not self.sent_to_contact:
            connection._xero_call_json(
                "email_invoice",
                xero_id,
                {},
                purpose="push",
                log={"direction": "out", "message": self.env._("%s e-mailed", self.display_name)},
            )
            values["sent_to_contact"] = True
            note += " " + self.env._("Xero e-mailed the invoice to the customer.")
        self.write(values)
        return Done(note), note

    def _xero_payments_received(self, received):
        """Payments and credits Xero recorded against these invoices ({mirror id: (what
        was settled before, Xero's new values)}): the order's salesperson is told on
        the order, once per change."""
        for invoice in self.filtered(lambda i: i.xero_invoice_id.id in received):
            before, values = received[invoice.xero_invoice_id.id]
            order = invoice.order_id
            amount = invoice.currency_id.format(
                values["amount_paid"] + values["amount_credited"] - before
            )
            if values["status"] == "PAID":
                body = self.env._(
                    "%(amount)s received in Xero for %(invoice)s: the order is paid in full.",
                    amount=amount,
                    invoice=invoice.display_name,
                )
            else:
                body = self.env._(
                    "%(amount)s received in Xero for %(invoice)s: %(due)s still due.",
                    amount=amount,
                    invoice=invoice.display_name,
                    due=invoice.currency_id.format(values["amount_due"]),
                )
            order.message_post(
                body=body,
                partner_ids=order.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )

    def _xero_mark_sent(self):
        """Odoo e-mailed the order with the pay link: Xero shows these invoices as sent."""
        invoices = self.sudo().filtered(
            lambda i: i.online_url and not i.sent_to_contact and i.status == "AUTHORISED"
        )
        invoices.sent_to_contact = True
        for invoice in invoices:
            invoice._xero_enqueue_push(invoice.connection_id, priority=PRIORITY["invoice"])
        return invoices


def _xero_id(invoice, connection):
    link = invoice._xero_links(connection, ids=invoice.ids).get(invoice.id)
    return link.xero_id if link else False
