from dataclasses import replace

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import float_compare, hash_sign

from ..const import GONE, POSTED, PRIORITY
from ..exceptions import XeroError
from ..tools.bulk import write_rows
from ..tools.outcomes import Done, Failed, Later, Refused, Send

# what Xero lets change on an invoice with a payment or a credit allocated to it
EDITABLE_WHEN_PAID = (
    "InvoiceID",
    "Reference",
    "DueDate",
    "Url",
    "BrandingThemeID",
    "SentToContact",
    "ExpectedPaymentDate",
)
# the scope of the signed tokens of tracked pay links
PAY_SCOPE = "xero_connector.pay_link"
# the jobs that have Xero email an approved invoice
EMAIL_KIND = "sale_invoice.email"
PAID_MESSAGE = "cannot be edited as it has a payment or credit note allocated"
# what an amendment changes of an invoice
AMENDED = ("line_ids", "amount_untaxed", "amount_tax", "amount_total")


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
    # Xero's invoice is read as the mirror's: a push waits for a read queued
    _xero_fetch_kind = "invoice.fetch"

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
        "Online invoice",
        readonly=True,
        help="Xero's online invoice, where the customer pays: read the first time its pay "
        "link is opened.",
    )
    pay_url = fields.Char(
        "Pay link",
        compute="_compute_pay_url",
        help="The link the customer pays through: Odoo notes their first visit, then opens "
        "Xero's online invoice.",
    )
    sent_to_contact = fields.Boolean(
        "Sent to the customer", readonly=True, help="Xero shows the invoice as sent."
    )
    # the lines Xero holds while an amendment of them is on its way: put back if Xero
    # refuses it (paid meanwhile), when the change is credited instead
    lines_in_xero = fields.Json(readonly=True, copy=False)
    # an invoice Xero generated from the order's subscription (its repeating invoice):
    # Xero's own, linked back, never amended from Odoo
    subscription_id = fields.Many2one("xero.subscription", readonly=True, index="btree_not_null")
    template_id = fields.Many2one("xero.subscription.template", "Repeating invoice", readonly=True)
    # online payments of it that failed (a subscription's invoice is followed up)
    payment_failed_on = fields.Date("Online payment failed on", readonly=True, copy=False)
    payment_failures = fields.Integer("Failed online payments", readonly=True, copy=False)
    xero_invoice_id = fields.Many2one("xero.invoice", "In Xero", readonly=True, index=True)
    number = fields.Char(related="xero_invoice_id.number")
    status = fields.Selection(related="xero_invoice_id.status", string="Xero status")
    amount_due = fields.Monetary(related="xero_invoice_id.amount_due")
    payment_status = fields.Selection(
        related="xero_invoice_id.payment_status",
        help="Where the invoice stands, as the order says it: overdue, part-paid, paid...",
    )
    # the overdue alerts of this invoice (each raised once, whatever happens next)
    overdue_alerted_on = fields.Date("Overdue alert raised on", readonly=True, copy=False)
    overdue_activity_id = fields.Many2one(
        "mail.activity", "Overdue activity", readonly=True, copy=False, ondelete="set null"
    )
    overdue_escalated_on = fields.Date("Overdue escalated on", readonly=True, copy=False)
    overdue_escalation_activity_id = fields.Many2one(
        "mail.activity",
        "Overdue escalation activity",
        readonly=True,
        copy=False,
        ondelete="set null",
    )

    # ------------------------------------------------------------------ constraints

    _generated_once = models.UniqueIndex(
        "(xero_invoice_id) WHERE subscription_id IS NOT NULL",
        "An invoice Xero generated for a subscription is an invoice of its order once.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends("number", "order_id.name")
    def _compute_display_name(self):
        for invoice in self:
            invoice.display_name = invoice.number or self.env._(
                "Xero invoice of %s", invoice.order_id.name
            )

    @api.depends("xero_invoice_id.status", "state")
    def _compute_pay_url(self):
        for invoice in self:
            invoice.pay_url = invoice._xero_tracked_pay_url()

    # ------------------------------------------------------------------ business: what syncs

    @api.model
    def _xero_kinds(self):
        return [
            *super()._xero_kinds(),
            (EMAIL_KIND, self.env._("Invoice emailed by Xero")),
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
        if self.state != "open" or self.to_cancel or self.is_down_payment or self.subscription_id:
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

    @api.model
    def _xero_generated_values(self, template, mirror):
        """The values of the order's invoice of an invoice Xero generated from
        ``template`` (as its mirror holds it): Xero's amounts, no lines of Odoo's."""
        return {
            "order_id": template.order_id.id,
            "connection_id": template.connection_id.id,
            "partner_id": template.partner_id.id,
            "currency_id": mirror.currency_id.id or template.currency_id.id,
            "date": mirror.date or fields.Date.context_today(self),
            "due_date": mirror.due_date,
            "reference": mirror.reference or template.reference,
            "amount_untaxed": mirror.sub_total,
            "amount_tax": mirror.total - mirror.sub_total,
            "amount_total": mirror.total,
            "sent_to_contact": mirror.sent_to_contact,
            "subscription_id": template.subscription_id.id,
            "template_id": template.id,
            "xero_invoice_id": mirror.id,
        }

    def _xero_generated_note(self, figures=True):
        """ "Xero generated INV-0042 for the subscription: $ 115.00, due on 2027-01-14." """
        self.ensure_one()
        mirror = self.xero_invoice_id
        status = mirror._xero_status_label(mirror.status)
        if not figures:
            return self.env._(
                "Xero generated %(number)s for the subscription (%(status)s).",
                number=mirror.number or "",
                status=status,
            )
        return self.env._(
            "Xero generated %(number)s for the subscription: %(total)s, %(status)s, due on "
            "%(due)s.",
            number=mirror.number or "",
            total=(mirror.currency_id or self.currency_id).format(mirror.total),
            status=status,
            due=mirror.due_date,
        )

    def _xero_amend(self):
        """The invoice made to match its order again, while Xero lets its lines change:
        what the order has to invoice now is added to it (or taken off it), at the
        order's current prices; then it is sent."""
        self.ensure_one()
        invoice = self.sudo()
        order = invoice.order_id
        on_invoice = {}
        for line in invoice.line_ids.filtered("sale_line_id"):
            quantity = line._xero_quantity_and_price(line.sale_line_id.product_uom_id)[0]
            on_invoice[line.sale_line_id] = on_invoice.get(line.sale_line_id, 0.0) + quantity
        quantities = {}
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        for line in order.order_line.filtered(lambda ol: not ol.is_downpayment):
            target = on_invoice.get(line, 0.0) + line._xero_quantity_to_invoice()
            if line.display_type or float_compare(target, 0.0, precision_digits=digits) > 0:
                quantities[line] = max(target, 0.0)
        if not any(q for line, q in quantities.items() if not line.display_type):
            invoice._xero_cancel()
            return invoice
        values = self._xero_values(invoice.connection_id, order, quantities)
        kept = invoice.lines_in_xero
        if not kept and invoice._xero_links(invoice.connection_id, ids=invoice.ids):
            kept = invoice._xero_lines_kept()
        invoice.line_ids.unlink()
        invoice.write(
            {key: values[key] for key in AMENDED}
            | {"due_date": values["due_date"], "reference": values["reference"]}
            | {"lines_in_xero": kept or False}
        )
        invoice._xero_enqueue_push(invoice.connection_id, priority=PRIORITY["invoice"])
        return invoice

    def _xero_lines_kept(self):
        """This invoice's lines and amounts, as values that put them back."""
        self.ensure_one()
        lines = [
            {
                key: value
                for key, value in line.copy_data()[0].items()
                if key not in ("invoice_id", "credit_note_id")
            }
            for line in self.line_ids
        ]
        return {key: self[key] for key in AMENDED[1:]} | {"lines": lines}

    def _xero_amendment_refused(self):
        """Xero refused to change the lines (paid meanwhile): they are put back as Xero
        holds them, and what the order changed is credited (and invoiced again at once
        when the company invoices automatically), as for any paid invoice."""
        for invoice in self.filtered("lines_in_xero"):
            kept = invoice.lines_in_xero
            invoice.line_ids.unlink()
            invoice.write(
                {key: kept[key] for key in AMENDED[1:]}
                | {
                    "line_ids": [fields.Command.create(line) for line in kept["lines"]],
                    "lines_in_xero": False,
                }
            )
            order = invoice.order_id
            order._xero_credit_changes(order.xero_invoice_ids.filtered(lambda i: i._xero_counts()))
            if order._xero_invoices_on_confirm():
                order._xero_make_invoices()

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
        if invoice.subscription_id:
            return {"InvoiceID": xero_id}  # Xero made it: Odoo only voids or deletes it
        payload = invoice._xero_common_payload(connection, connection.invoice_status)
        payload |= {
            "DueDate": (invoice.due_date or invoice.date).isoformat(),
            "Url": invoice._xero_odoo_url(),
        }
        if invoice.order_id.xero_promised_date:
            payload["ExpectedPaymentDate"] = invoice.order_id.xero_promised_date.isoformat()
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
        """Xero's answer is recorded on the invoice (its rounding line, voided or
        deleted) and told to the order. Xero's view of it (number, status, amount due,
        payments) is the mirror's, which only Xero's reads write: the invoices pushed
        are read back once the answer is committed (``_xero_read_back``)."""
        outcomes = super()._xero_pushed(jobs, elements, payloads)
        connection = jobs.connection_id
        rows, posted = {}, {}
        for job, element in zip(jobs, elements, strict=False):
            if not isinstance(outcomes.get(job.id), Done):
                continue
            rows[job.res_id] = {}
            if "LineItems" in payloads[job.id]:
                rounding = self._xero_rounding_of(connection, payloads[job.id])
                rows[job.res_id]["rounding_amount"] = float(rounding)
                rows[job.res_id]["lines_in_xero"] = False
            if element.get("Status") in GONE:
                rows[job.res_id] |= {"state": "cancelled", "to_cancel": False}
            # a first send is a create, whatever the job was queued as
            operation = "update" if payloads[job.id].get("InvoiceID") else "create"
            posted[job.res_id] = (element, operation)
        invoices = self.browse(list(rows)).sudo()
        write_rows(invoices, {res_id: values for res_id, values in rows.items() if values})
        invoices.modified(["state"])  # the orders' invoiced amounts follow
        # each invoice's note, said once: on its job, its order and its opportunity
        sent = {invoice.id: invoice._xero_sent_note(*posted[invoice.id]) for invoice in invoices}
        for job in jobs.filtered(lambda j: j.res_id in posted):
            outcomes[job.id] = replace(outcomes[job.id], result=sent[job.res_id])
        notes = {invoice.order_id.id: sent[invoice.id] for invoice in invoices}
        # credit an order holds (a paid line changed) pays its new invoice
        owing = invoices.filtered(
            lambda i: (
                posted[i.id][0].get("Status") == "AUTHORISED"
                and float(posted[i.id][0].get("AmountDue") or 0) > 0
            )
        )
        if owing:
            spent = self.env["xero.order.credit.note"]._xero_spend_on(connection, owing)
            notes = {
                order_id: " ".join(filter(None, [notes.get(order_id), spent.get(order_id)]))
                for order_id in notes.keys() | spent.keys()
            }
        invoices.order_id._xero_tell(notes)
        created = invoices.filtered(lambda i: posted[i.id][1] == "create")
        self.env["crm.lead"]._xero_invoice_created(
            {
                invoice: (
                    sent[invoice.id],
                    self._xero_url(connection, posted[invoice.id][0].get("InvoiceID")),
                )
                for invoice in created
            }
        )
        return outcomes

    @api.model
    def _xero_read_back(self, jobs):
        """The invoices these finished jobs pushed are read from Xero (in batches, as a
        webhook's read of them would be, and joined with it when one is queued)."""
        for connection, same in jobs.grouped("connection_id").items():
            xero_ids = [x for x in same.mapped("xero_id") if x]
            self.env["xero.sync.job"]._xero_enqueue_fetches(
                connection, self.env["xero.invoice"], xero_ids
            )

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
        note = self.env._(
            "Xero invoice %(number)s %(done)s: %(total)s, %(status)s.",
            number=number,
            done=self.env._("created") if operation == "create" else self.env._("updated"),
            total=self.currency_id.format(float(element.get("Total") or 0)),
            status=self.env["xero.invoice"]._xero_status_label(element.get("Status")),
        )
        if self.rounding_amount:
            note += " " + self._xero_rounding_note()
        return note

    @api.model
    def _xero_after_push(self, jobs, outcomes):
        """An invoice Xero says was paid meanwhile: one to void is credited instead;
        an edit is tried again once Xero's invoice is read, with only what Xero still
        lets change (or nothing)."""
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
                invoice._xero_amendment_refused()
                if not invoice._xero_is_paid():  # sent whole: Odoo did not know yet
                    changed[job.id] = Later(
                        self.env._(
                            "Paid in Xero meanwhile: read again, then only what Xero still "
                            "lets change is sent."
                        ),
                        3,
                    )
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
        """Invoices Xero approved: payments taken in Odoo that waited for them go now,
        and Xero emails them when the company says so. Their pay link is not read: it
        is read when someone opens it (``_xero_pay_link``)."""
        approved = self.sudo().filtered(lambda i: i.status == "AUTHORISED" and i.state == "open")
        self.env["xero.order.payment"]._xero_invoices_approved(approved.order_id)
        # the repeating invoice says whether Xero e-mails the invoices it generates
        to_email = approved.filtered(
            lambda i: (
                i.connection_id.invoice_email == "xero"
                and not i.sent_to_contact
                and not i.subscription_id
            )
        )
        return (
            self.env["xero.sync.job"]
            .sudo()
            ._xero_enqueue(
                [
                    {
                        "connection_id": invoice.connection_id.id,
                        "direction": "in",
                        "kind": EMAIL_KIND,
                        "res_model": self._name,
                        "res_id": invoice.id,
                        "priority": PRIORITY["fetch"] + 5,
                    }
                    for invoice in to_email
                ]
            )
        )

    @api.model
    def _xero_fetch(self, jobs):
        """Xero emails these approved invoices to their customers (one call each: Xero
        has no batch of them): {job id: outcome}."""
        connection = jobs.connection_id
        invoices = self.browse(jobs.mapped("res_id")).sudo().exists()
        outcomes, notes = {}, {}
        for job in jobs:
            invoice = invoices.filtered(lambda i, job=job: i.id == job.res_id)
            xero_id = invoice and _xero_id(invoice, connection)
            if not xero_id or invoice.status != "AUTHORISED" or invoice.sent_to_contact:
                outcomes[job.id] = Done(self.env._("Not an approved invoice to email."))
                continue
            try:
                note = invoice._xero_email(connection, xero_id)
            except XeroError as error:
                for rest in jobs.filtered(lambda j: j.id not in outcomes):
                    outcomes[rest.id] = Failed(error)
                break
            outcomes[job.id] = Done(note)
            notes[invoice.order_id.id] = note
        invoices.order_id._xero_tell(notes)
        return outcomes

    def _xero_email(self, connection, xero_id):
        """Have Xero email this invoice to its customer; returns the note."""
        self.ensure_one()
        connection._xero_call_json(
            "email_invoice",
            xero_id,
            {},
            purpose="push",
            log={"direction": "out", "message": self.env._("%s emailed", self.display_name)},
        )
        self.sent_to_contact = True
        self.xero_invoice_id.sent_to_contact = True  # as Xero now has it
        return self.env._("Xero emailed %s to the customer.", self.display_name)

    def _xero_pay_link(self):
        """Xero's online invoice of this invoice, read the first time someone opens its
        pay link (one call), then kept: False when Xero has none (not approved)."""
        self.ensure_one()
        invoice = self.sudo()
        if invoice.online_url:
            return invoice.online_url
        connection = invoice.connection_id
        xero_id = _xero_id(invoice, connection)
        if not xero_id or invoice.status not in POSTED:
            return False
        answer = connection._xero_call_json(
            "get_online_invoice",
            xero_id,
            purpose="link",
            log={"direction": "in", "message": self.env._("Pay link of %s", self.display_name)},
        )
        url = next((o.get("OnlineInvoiceUrl") for o in answer.get("OnlineInvoices") or []), False)
        invoice.online_url = url
        return url

    def _xero_payments_received(self, received):
        """Payments and credits Xero recorded against these invoices ({mirror id: (what
        was settled before, Xero's new values)}): the order's salesperson is told on
        the order, once per change; an order paid in full is marked so, and fulfilment
        is asked for when the company wants it."""
        paid = self.env["sale.order"]
        for invoice in self.filtered(lambda i: i.xero_invoice_id.id in received):
            before, values = received[invoice.xero_invoice_id.id]
            order = invoice.order_id
            amount = invoice.currency_id.format(
                values["amount_paid"] + values["amount_credited"] - before
            )
            figures = invoice.connection_id._xero_figures_for()
            if values["status"] == "PAID" and figures:
                body = self.env._(
                    "%(amount)s received in Xero for %(invoice)s: it is paid in full.",
                    amount=amount,
                    invoice=invoice.display_name,
                )
            elif values["status"] == "PAID":
                body = self.env._(
                    "Payment received in Xero for %s: it is paid in full.", invoice.display_name
                )
            elif figures:
                body = self.env._(
                    "%(amount)s received in Xero for %(invoice)s: %(due)s still due.",
                    amount=amount,
                    invoice=invoice.display_name,
                    due=invoice.currency_id.format(values["amount_due"]),
                )
            else:
                body = self.env._(
                    "Part payment received in Xero for %s: the rest is still due.",
                    invoice.display_name,
                )
            order.message_post(
                body=body,
                partner_ids=order.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )
            paid |= order
        paid._xero_payment_changed()

    def _xero_payments_reversed(self, reversed_):
        """Payments deleted (or credits taken back) in Xero ({mirror id: (what was
        settled before, Xero's new values)}): the order is told what is due again. Every
        order of these invoices is looked at again (a new or voided invoice changes
        whether it is paid)."""
        for invoice in self.filtered(lambda i: i.xero_invoice_id.id in reversed_):
            before, values = reversed_[invoice.xero_invoice_id.id]
            order = invoice.order_id
            body = self.env._(
                "A payment or credit of %s was taken back in Xero (a payment deleted): it is "
                "due again.",
                invoice.display_name,
            )
            if invoice.connection_id._xero_figures_for():
                body = self.env._(
                    "%(amount)s of payments or credits of %(invoice)s was taken back in "
                    "Xero (a payment deleted): %(due)s is due again.",
                    amount=invoice.currency_id.format(
                        before - values["amount_paid"] - values["amount_credited"]
                    ),
                    invoice=invoice.display_name,
                    due=invoice.currency_id.format(values["amount_due"]),
                )
            order.message_post(
                body=body,
                partner_ids=order.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )
        # every order whose invoices changed: a new or voided invoice changes "paid" too
        self.order_id._xero_payment_changed()

    def _xero_promise_changed(self):
        """The customer promised a payment date: Xero's Expected payment date of the
        order's invoices still owing is set to it."""
        owing = self.sudo().filtered(
            lambda i: i.state == "open" and i.status == "AUTHORISED" and i.amount_due > 0
        )
        for invoice in owing:
            invoice._xero_enqueue_push(invoice.connection_id, priority=PRIORITY["invoice"])
        return owing

    # ------------------------------------------------------------------ business: viewed

    def _xero_tracked_pay_url(self):
        """The pay link as the customer gets it from Odoo: through Odoo, which notes the
        customer's first visit (and reads Xero's link then), then on to Xero's online
        invoice. An approved invoice has one."""
        if not self or self.status not in POSTED or self.state != "open":
            return False
        self.ensure_one()
        token = hash_sign(self.env(su=True), PAY_SCOPE, self.id)
        return f"{self.order_id.get_base_url()}/xero/pay/{token}"

    def _xero_viewed_by_link(self):
        """The customer opened the pay link Odoo gave them: the invoice is viewed (the
        first time only), and the salesperson can see it on the order."""
        self.ensure_one()
        mirror = self.sudo().xero_invoice_id
        if not mirror or mirror.viewed_at:
            return False
        mirror.write({"viewed_at": fields.Datetime.now(), "viewed_source": "link"})
        self.order_id._xero_tell(
            {
                self.order_id.id: self.env._(
                    "The customer opened the pay link of %s.", self.display_name
                )
            }
        )
        return True

    def _xero_mark_sent(self):
        """Odoo emailed the order with the pay link: Xero shows these invoices as sent."""
        invoices = self.sudo().filtered(
            lambda i: i.state == "open" and not i.sent_to_contact and i.status == "AUTHORISED"
        )
        invoices.sent_to_contact = True
        for invoice in invoices:
            invoice._xero_enqueue_push(invoice.connection_id, priority=PRIORITY["invoice"])
        return invoices

    # ------------------------------------------------------------------ business: overdue alerts

    @api.model
    def _cron_xero_overdue_alerts(self):
        """Cron: the overdue alerts of every organisation raised, escalated or closed
        (idempotent: an alert is raised once per invoice)."""
        connections = self.env["xero.connection"].sudo().search([("sync_invoices", "=", True)])
        for connection in connections:
            self.sudo()._xero_overdue_alerts(connection)
            self.env["ir.cron"]._commit_progress(1)

    @api.model
    def _xero_overdue_alerts(self, connection, only=None):
        """The overdue invoices of this organisation's orders (those of the domain
        ``only``, when given): each told once to the order's salesperson (an activity),
        escalated once to the sales team leader after the days set; the activities of
        those no longer overdue are marked done."""
        today = connection._xero_today()
        only = Domain(only or Domain.TRUE)
        self._xero_close_overdue_alerts(connection, today, only)
        if not connection.overdue_alerts:
            return
        self._xero_raise_overdue_alerts(connection, today, only)
        days = connection.overdue_escalation_days
        if days > 0:
            self._xero_escalate_overdue(connection, today, days, only)

    def _xero_overdue_alerts_of(self, connection):
        """The overdue alerts of these invoices only (what a read of them changed): the
        scan of all of them is the cron's and the poll's."""
        if self:
            self._xero_overdue_alerts(connection, Domain("id", "in", self.ids))

    @api.model
    def _xero_overdue_of(self, connection, today):
        """The open invoices of the organisation's orders overdue on ``today``."""
        overdue = self.env["xero.invoice"]._xero_overdue_domain(today)
        return fields.Domain(
            [("connection_id", "=", connection.id), ("state", "=", "open")]
        ) & fields.Domain("xero_invoice_id", "any", overdue)

    @api.model
    def _xero_raise_overdue_alerts(self, connection, today, only):
        invoices = self.search(
            self._xero_overdue_of(connection, today)
            & fields.Domain("overdue_alerted_on", "=", False)
            & only
        )
        if not invoices:
            return
        kind = self.env.ref("xero_connector.mail_activity_type_xero_overdue")
        with_user = invoices.filtered(lambda i: i.order_id.user_id)
        activities = self.env["mail.activity"].create(
            [
                invoice._xero_overdue_activity(kind, invoice.order_id.user_id, today)
                for invoice in with_user
            ]
        )
        rows = {invoice.id: {"overdue_alerted_on": today} for invoice in invoices}
        for invoice, activity in zip(with_user, activities, strict=True):
            rows[invoice.id]["overdue_activity_id"] = activity.id
        write_rows(self, rows)
        invoices.subscription_id._xero_at_risk()
        invoices.order_id._xero_tell(
            {
                invoice.order_id.id: self.env._(
                    "%s: the order has no salesperson to tell.",
                    invoice._xero_overdue_summary(today, connection._xero_figures_for()),
                )
                for invoice in invoices - with_user
            }
        )

    @api.model
    def _xero_escalate_overdue(self, connection, today, days, only):
        """Invoices ``days`` overdue or more: an activity for the sales team leader, or a
        note on the order saying why nobody else is told."""
        since = fields.Date.subtract(today, days=days - 1)
        invoices = self.search(
            self._xero_overdue_of(connection, since)
            & fields.Domain("overdue_escalated_on", "=", False)
            & only
        )
        if not invoices:
            return
        kind = self.env.ref("xero_connector.mail_activity_type_xero_overdue")
        leaders = {}
        for invoice in invoices:
            leader = invoice.order_id.team_id.user_id
            if leader and leader != invoice.order_id.user_id:
                leaders[invoice] = leader
        activities = self.env["mail.activity"].create(
            [
                invoice._xero_overdue_activity(kind, leader, today, escalated=True)
                for invoice, leader in leaders.items()
            ]
        )
        rows = {invoice.id: {"overdue_escalated_on": today} for invoice in invoices}
        for invoice, activity in zip(leaders, activities, strict=True):
            rows[invoice.id]["overdue_escalation_activity_id"] = activity.id
        write_rows(self, rows)
        invoices.order_id._xero_tell(
            {
                invoice.order_id.id: invoice._xero_no_escalation_note(today)
                for invoice in invoices
                if invoice not in leaders
            }
        )

    @api.model
    def _xero_close_overdue_alerts(self, connection, today, only):
        """The open overdue activities of invoices no longer overdue (paid, voided,
        credited, or given a later due date in Xero), marked done."""
        open_activity = fields.Domain.OR(
            [
                [("overdue_activity_id.active", "=", True)],
                [("overdue_escalation_activity_id.active", "=", True)],
            ]
        )
        invoices = self.search(
            fields.Domain("connection_id", "=", connection.id)
            & open_activity
            & ~self._xero_overdue_of(connection, today)
            & only
        )
        by_feedback = {}
        # a failed online payment is followed up until the invoice is paid, overdue or not
        invoices = invoices.filtered(lambda i: not i._xero_payment_pending_after_failure())
        for invoice in invoices:
            activities = (
                invoice.overdue_activity_id | invoice.overdue_escalation_activity_id
            ).filtered("active")
            feedback = invoice._xero_overdue_closed_feedback()
            by_feedback[feedback] = by_feedback.get(feedback, activities.browse()) | activities
        for feedback, activities in by_feedback.items():
            activities.action_feedback(feedback=feedback)
        invoices.subscription_id._xero_check_risk(today)

    def _xero_overdue_summary(self, today, figures=True):
        """ "INV-0012: $ 690.00 due, 3 days overdue in Xero" (without the amount when
        Xero's figures are not to be shown)."""
        self.ensure_one()
        mirror = self.xero_invoice_id
        days = (today - mirror.due_date).days
        days = self.env._("1 day") if days == 1 else self.env._("%s days", days)
        if not figures:
            return self.env._(
                "%(invoice)s: %(days)s overdue in Xero", invoice=self.display_name, days=days
            )
        return self.env._(
            "%(invoice)s: %(amount)s due, %(days)s overdue in Xero",
            invoice=self.display_name,
            amount=(mirror.currency_id or self.currency_id).format(mirror.amount_due),
            days=days,
        )

    def _xero_overdue_activity(self, kind, user, today, escalated=False):
        """The values of the overdue activity of this invoice for ``user``, on its order
        (Xero's amount in it when ``user`` may see it)."""
        self.ensure_one()
        figures = self.connection_id._xero_figures_for(user)
        summary = self._xero_overdue_summary(today, figures)
        if self.subscription_id:
            if not figures:  # what the subscription bills is the order's own figure
                summary = self.env._(
                    "%(summary)s (an invoice of %(total)s)",
                    summary=summary,
                    total=self.currency_id.format(self.amount_total),
                )
            return self._xero_follow_up_activity(summary, user, escalated)
        if escalated:
            summary = self.env._("Escalated: %s", summary)
            note = self.env._(
                "%(customer)s has not paid %(invoice)s of %(order)s (due on %(due)s). The "
                "salesperson, %(salesperson)s, was told when it fell overdue.",
                customer=self.partner_id.name,
                invoice=self.display_name,
                order=self.order_id.name,
                due=self.xero_invoice_id.due_date,
                salesperson=self.order_id.user_id.name or self.env._("nobody"),
            )
        else:
            note = self.env._(
                "%(customer)s has not paid %(invoice)s (due on %(due)s): remind them. This "
                "activity is marked done by itself once Xero says the invoice is paid.",
                customer=self.partner_id.name,
                invoice=self.display_name,
                due=self.xero_invoice_id.due_date,
            )
        return {
            "res_model_id": self.env["ir.model"]._get_id("sale.order"),
            "res_id": self.order_id.id,
            "activity_type_id": kind.id,
            "summary": summary,
            "note": note,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self),
        }

    def _xero_payment_pending_after_failure(self):
        """Whether an online payment of this invoice failed and Xero still has it due."""
        self.ensure_one()
        return (
            bool(self.payment_failed_on)
            and self.status == "AUTHORISED"
            and (self.xero_invoice_id.amount_due > 0)
        )

    @api.model
    def _xero_payments_failed(self, transactions):
        """Online payments that failed (in error or cancelled) for orders billed by a
        subscription: the subscription's oldest invoice still due is followed up (one
        activity for its salesperson; a second failure escalates to the sales team
        leader) and the subscription is at risk until it is paid."""
        today = fields.Date.context_today(self)
        for tx in transactions:
            for order in tx.sale_order_ids.sudo().filtered("xero_subscription_id"):
                invoice = order.xero_subscription_id.invoice_ids.filtered(
                    lambda i: i.state == "open" and i.status == "AUTHORISED" and i.amount_due > 0
                ).sorted(lambda i: (i.date, i.id))[:1]
                if invoice:
                    invoice._xero_payment_failed(tx, today)

    def _xero_payment_failed(self, tx, today):
        self.ensure_one()
        reason = self.env._(
            "%(invoice)s of %(total)s: the online payment failed on %(date)s "
            "(%(state)s%(message)s)",
            invoice=self.display_name,
            total=self.currency_id.format(self.amount_total),
            date=today,
            state=dict(tx._fields["state"]._description_selection(self.env))[tx.state].lower(),
            message=f": {tx.state_message}" if tx.state_message else "",
        )
        failures = self.payment_failures + 1
        values = {"payment_failed_on": today, "payment_failures": failures}
        salesperson = self.order_id.user_id
        if salesperson and not self.overdue_activity_id.active:
            activity = self.env["mail.activity"].create(
                self._xero_follow_up_activity(reason, salesperson)
            )
            # one follow-up per invoice: its falling overdue later says nothing new
            values |= {"overdue_activity_id": activity.id, "overdue_alerted_on": today}
        leader = self.order_id.team_id.user_id
        if failures >= 2 and not self.overdue_escalated_on and leader and leader != salesperson:
            activity = self.env["mail.activity"].create(
                self._xero_follow_up_activity(reason, leader, escalated=True)
            )
            values |= {"overdue_escalation_activity_id": activity.id, "overdue_escalated_on": today}
        self.write(values)
        self.subscription_id._xero_at_risk()
        self.order_id._xero_tell({self.order_id.id: reason})

    def _xero_follow_up_activity(self, reason, user, escalated=False):
        """The values of the activity asking ``user`` to follow up this subscription
        invoice's payment (overdue, or its online payment failed), with the customer's
        contact details."""
        self.ensure_one()
        kind = self.env.ref("xero_connector.mail_activity_type_xero_subscription_payment")
        partner = self.order_id.partner_invoice_id or self.partner_id
        contact = ", ".join(filter(None, [partner.name, partner.email, partner.phone]))
        summary = self.env._("Follow up the subscription payment: %s", reason)
        if escalated:
            summary = self.env._("Escalated: %s", summary)
        note = self.env._(
            "%(reason)s. Contact %(contact)s about the subscription of %(order)s (salesperson: "
            "%(salesperson)s). The subscription shows as at risk until Xero says it is paid; "
            "this activity is then marked done by itself.",
            reason=reason,
            contact=contact,
            order=self.order_id.name,
            salesperson=self.order_id.user_id.name or self.env._("nobody"),
        )
        return {
            "res_model_id": self.env["ir.model"]._get_id("sale.order"),
            "res_id": self.order_id.id,
            "activity_type_id": kind.id,
            "summary": summary[:250],
            "note": note,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self),
        }

    def _xero_no_escalation_note(self, today):
        self.ensure_one()
        order = self.order_id
        if not order.team_id:
            reason = self.env._("the order has no sales team")
        elif not order.team_id.user_id:
            reason = self.env._("the sales team %s has no leader", order.team_id.name)
        else:
            reason = self.env._("the salesperson leads the sales team %s", order.team_id.name)
        return self.env._(
            "%(summary)s: not escalated, %(reason)s.",
            summary=self._xero_overdue_summary(today, self.connection_id._xero_figures_for()),
            reason=reason,
        )

    def _xero_overdue_closed_feedback(self):
        """Why this invoice's overdue activity is done."""
        self.ensure_one()
        status = self.xero_invoice_id.status
        if status == "PAID":
            return self.env._("Paid in Xero")
        if status in GONE or self.state == "cancelled":
            return self.env._("Voided in Xero")
        return self.env._("No longer overdue in Xero")


def _xero_id(invoice, connection):
    link = invoice._xero_links(connection, ids=invoice.ids).get(invoice.id)
    return link.xero_id if link else False
