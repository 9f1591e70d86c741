from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools.translate import LazyTranslate

from ..const import PRIORITY
from ..tools import xero_money as xm
from ..tools.outcomes import Done, Later, Refused, Send
from ..tools.sync_rules import COMMON_REFUSALS, digest, explain

_lt = LazyTranslate(__name__)

# a payment goes after the invoices it pays (queued with them, or before them)
PAYMENT_PRIORITY = PRIORITY["invoice"] + 1
# Xero's refusals of a payment, in plain words (see sync_rules.COMMON_REFUSALS)
PAYMENT_REFUSALS = (
    (
        r"exceeds the amount outstanding",
        "Amount",
        _lt(
            "Xero says less is due on the invoice than Odoo last read (it was paid or credited "
            "in Xero meanwhile): that part was not recorded. The invoice is read again from "
            "Xero; press Resync to record what is still due."
        ),
    ),
    (
        r"only be made against Authorised documents",
        "Invoice",
        _lt(
            "The invoice is not approved in Xero (a draft, voided or deleted), and Xero records "
            "payments only against approved invoices: approve it in Xero, then press Resync."
        ),
    ),
    (
        r"Account could not be found|not a bank account|specify an Account",
        "Account",
        _lt(
            "Xero does not take payments on the account this payment is mapped to: map a "
            "bank account (on the payment provider, the journal or the Xero connection), then "
            "press Resync."
        ),
    ),
)
STATES = [
    ("pending", "On its way to Xero"),
    ("recorded", "Recorded in Xero"),
    ("refused", "Refused"),
    ("not_sent", "Not sent to Xero"),
]


class XeroOrderPayment(models.Model):
    """A payment taken in Odoo for an order (online through a payment provider, or
    recorded on the order), recorded in Xero against the order's invoices.

    It goes against the order's approved invoices with something due, oldest first,
    each for at most what Xero says is due on it (the mirror ``xero.invoice``); what
    is left waits while an invoice of the order is on its way to Xero, and is
    refused otherwise. Each Xero payment made is a line. The Xero bank account is
    mapped when it is sent: the provider's, its journal's, the journal's, else the
    connection's default, so a map fixed after a refusal applies to the next Resync.
    A payment's Reference is unique, so a payment whose answer was lost is found in
    Xero instead of being recorded twice.
    """

    _name = "xero.order.payment"
    _inherit = ["xero.sync.outbound.mixin"]
    _description = "Xero payment of an order"
    _order = "id desc"
    _check_company_auto = True

    _xero_object = "sale_payment"
    _xero_plural = "Payments"
    _xero_id_key = "PaymentID"
    _xero_sdk = "payments"
    # Xero records a second payment of the same amount without a word: a payment whose
    # answer was lost is looked up by its Reference before it is sent again
    _xero_look_before_resending = True
    _xero_gone_statuses = ("DELETED",)
    _xero_field_map = {"Amount": "amount", "Date": "date", "Invoice": "order_id"}

    # ------------------------------------------------------------------ fields

    order_id = fields.Many2one(
        "sale.order", required=True, index=True, ondelete="restrict", readonly=True
    )
    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    partner_id = fields.Many2one(related="order_id.partner_id", string="Customer")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    transaction_id = fields.Many2one(
        "payment.transaction",
        "Online payment",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
    )
    provider_id = fields.Many2one(
        related="transaction_id.provider_id", string="Payment provider", store=True
    )
    journal_id = fields.Many2one(
        "account.journal", readonly=True, check_company=True, ondelete="restrict"
    )
    memo = fields.Char(readonly=True)
    reference = fields.Char(
        readonly=True, copy=False, help="The payment's Reference in Xero (unique per payment)."
    )
    line_ids = fields.One2many("xero.order.payment.line", "payment_id", "In Xero", readonly=True)
    amount_recorded = fields.Monetary(
        "Recorded in Xero", compute="_compute_amount_recorded", store=True
    )
    state = fields.Selection(STATES, default="pending", required=True, readonly=True)
    note = fields.Text(readonly=True, help="Where the payment stands, in plain words.")

    # ------------------------------------------------------------------ compute

    @api.depends("line_ids.amount")
    def _compute_amount_recorded(self):
        for payment in self:
            payment.amount_recorded = sum(payment.line_ids.mapped("amount"))

    @api.depends("amount", "currency_id", "order_id.name")
    def _compute_display_name(self):
        for payment in self:
            payment.display_name = self.env._(
                "Payment of %(amount)s on %(order)s",
                amount=payment._xero_amount_text(payment.amount),
                order=payment.order_id.name,
            )

    # ------------------------------------------------------------------ constraints

    _transaction_uniq = models.UniqueIndex(
        "(transaction_id) WHERE transaction_id IS NOT NULL",
        "An online payment is recorded in Xero once.",
    )
    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "A payment recorded in Xero is more than zero."
    )

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        """Each payment gets its unique Reference; a payment of a company that does not
        invoice its orders in Xero says so, and is not sent."""
        payments = super().create(vals_list)
        for payment in payments:
            values = {"reference": payment._xero_make_reference()}
            if not self._xero_enabled(payment.connection_id):
                values |= {"state": "not_sent", "note": payment._xero_not_invoiced()}
            payment.write(values)
        return payments

    # ------------------------------------------------------------------ business: making payments

    @api.model
    def _xero_from_transactions(self, transactions):
        """The payments of these transactions collected for orders, each made once (a
        transaction processed again finds its payment): queued for Xero."""
        transactions = transactions.sudo().filtered(_collected)
        known = self.sudo().search([("transaction_id", "in", transactions.ids)]).transaction_id
        vals_list = []
        for tx in transactions - known:
            order = (tx.sale_order_ids or tx.source_transaction_id.sale_order_ids)[:1]
            connection = order.company_id.sudo()._xero_connection() if order else None
            if not connection or connection.state == "draft":
                continue  # the company does not use Xero
            vals_list.append(
                {
                    "order_id": order.id,
                    "connection_id": connection.id,
                    "currency_id": tx.currency_id.id,
                    "amount": tx.amount,
                    "date": fields.Date.context_today(tx, tx.last_state_change),
                    "transaction_id": tx.id,
                }
            )
        return self.sudo().create(vals_list)

    @api.model
    def _xero_invoices_approved(self, orders):
        """Invoices of these orders were just approved in Xero: their payments waiting for
        them go now, not after their wait."""
        payments = self.sudo().search([("order_id", "in", orders.ids), ("state", "=", "pending")])
        jobs = (
            self.env["xero.sync.job"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", payments.ids),
                    ("state", "=", "pending"),
                    ("next_attempt_at", ">", fields.Datetime.now()),
                ]
            )
        )
        if jobs:
            jobs.next_attempt_at = fields.Datetime.now()
            jobs._xero_wake_up()
        return jobs

    def _xero_make_reference(self):
        """Xero's Reference of this payment: unique (its id), with the order and what the
        provider or the person recording it calls it."""
        self.ensure_one()
        tx = self.transaction_id
        parts = [
            f"Odoo payment {self.id}",  # an identifier, the same in every language
            self.order_id.name,
            tx.provider_reference or tx.reference or self.memo,
        ]
        return " / ".join(part for part in parts if part)[:255]

    def _xero_changed(self):
        """Queued after the invoices it pays (priority), unless it came from Xero."""
        if self and not self.env.context.get("xero_inbound"):
            self._xero_enqueue_push(priority=PAYMENT_PRIORITY)

    # ------------------------------------------------------------------ business: what syncs

    @api.model
    def _xero_enabled(self, connection):
        return connection.sync_invoices and connection.sync_contacts

    def _xero_sync_domain(self, connection):
        return Domain("connection_id", "=", connection.id) & Domain("state", "!=", "not_sent")

    def _xero_scope_reason(self, connection):
        self.ensure_one()
        if self.state == "not_sent":
            return self.note
        return self.env._(
            "This payment belongs to the Xero organisation of %s.", self.company_id.name
        )

    @api.model
    def _xero_explain(self, messages):
        explanation, _xero_field = explain(self.env, messages, PAYMENT_REFUSALS + COMMON_REFUSALS)
        field = self._fields.get(self._xero_field_map.get(_xero_field or "", ""))
        return explanation, field.get_description(self.env)["string"] if field else None

    # ------------------------------------------------------------------ business: where it goes

    def _xero_left(self):
        """What of this payment Xero has not recorded yet."""
        self.ensure_one()
        return xm.cents(self.amount) - xm.cents(self.amount_recorded)

    def _xero_open_invoices(self, connection):
        """The order's invoices approved in Xero with something due (as last read), that
        this payment did not pay yet: oldest first."""
        self.ensure_one()
        paid = set(self.line_ids.mapped("xero_invoice_key"))
        return self._xero_open_invoices_of(self.order_id, connection).filtered(
            lambda i: i.xero_invoice_id.xero_id not in paid
        )

    @api.model
    def _xero_open_invoices_of(self, order, connection):
        """The invoices of ``order`` approved in Xero with something due, oldest first."""
        return (
            order.sudo()
            .xero_invoice_ids.filtered(
                lambda i: (
                    i.connection_id == connection
                    and i.state == "open"
                    and not i.to_cancel
                    and i.xero_invoice_id.status == "AUTHORISED"
                    and i.xero_invoice_id.amount_due > 0
                )
            )
            .sorted(lambda i: (i.xero_invoice_id.date or i.date, i.id))
        )

    def _xero_parts(self, connection):
        """[(order invoice, amount)]: what is left of this payment over the open invoices,
        oldest first, each for at most what Xero says is due on it."""
        left, parts = self._xero_left(), []
        for invoice in self._xero_open_invoices(connection):
            if left <= 0:
                break
            amount = min(left, xm.cents(invoice.xero_invoice_id.amount_due))
            parts.append((invoice, amount))
            left -= amount
        return parts

    def _xero_wait(self, connection):
        """(why, seconds) while an invoice of the order is still on its way to Xero (or to
        its approval), or the order to its invoice; None when nothing will come."""
        self.ensure_one()
        order = self.order_id.sudo()
        invoices = order.xero_invoice_ids.filtered(
            lambda i: i.connection_id == connection and i._xero_counts() and not i.to_cancel
        )
        if invoices._xero_pending_push(connection):
            return self.env._("Waits for the invoice of %s to be created in Xero.", order.name), 5
        unsent = invoices.filtered(lambda i: not i.xero_invoice_id)
        if unsent:
            return self.env._(
                "Waits for the invoice of %(order)s, which is not in Xero: %(problem)s",
                order=order.name,
                problem=unsent[:1].xero_last_error
                or self.env._("Resync it from the order (Xero invoices)."),
            ), 300
        drafts = invoices.filtered(lambda i: i.status in ("DRAFT", "SUBMITTED"))
        if drafts:
            return self.env._(
                "Waits for %s to be approved in Xero: Xero records payments only against "
                "approved invoices.",
                ", ".join(drafts.mapped("display_name")),
            ), 300
        if order.state in ("draft", "sent"):
            return self.env._("Waits for %s to be confirmed and invoiced in Xero.", order.name), 60
        if order.state == "sale" and order.invoice_status == "to invoice":
            return self.env._(
                "Waits for %s to be invoiced in Xero (Create Xero invoice on the order).",
                order.name,
            ), 60
        return None

    def _xero_account(self, connection):
        """The Xero account the payment goes to: its provider's, the provider's journal's,
        its journal's, else the connection's default payment account."""
        self.ensure_one()
        payment = self.sudo()
        provider = payment.provider_id
        for source in (provider, provider.journal_id, payment.journal_id):
            if source and source.xero_account_id.connection_id == connection:
                return source.xero_account_id
        return connection.payment_account_id

    # ------------------------------------------------------------------ business: guard rails

    def _xero_problems(self, payload):
        """What Xero would refuse, found before any call: an unmapped or unfit account, a
        currency other than the order's."""
        self.ensure_one()
        payment = self.sudo()
        account = payment._xero_account(payment.connection_id)
        problem = account._xero_payment_problem() if account else payment._xero_unmapped()
        if problem:
            return Refused(problem, field=self.env._("Xero account"))
        if payment.currency_id != payment.order_id.currency_id:
            return Refused(
                self.env._(
                    "The payment is in %(paid)s and %(order)s in %(currency)s: Xero records a "
                    "payment in its invoice's currency. Record it in Xero by hand.",
                    paid=payment.currency_id.name,
                    order=payment.order_id.name,
                    currency=payment.order_id.currency_id.name,
                ),
                field=self.env._("Currency"),
            )
        return None

    def _xero_unmapped(self):
        self.ensure_one()
        default = self.env._(
            "or choose a default payment account on the Xero connection (Xero > Configuration "
            "> Connections, Invoices tab), then press Resync."
        )
        if self.provider_id:
            return self.env._(
                "Map the payment provider %(provider)s to a Xero bank account: choose its Xero "
                "account on the provider (Configuration > Payment Providers), %(default)s",
                provider=self.provider_id.name,
                default=default,
            )
        if self.journal_id:
            return self.env._(
                "Map the journal %(journal)s to a Xero bank account: choose its Xero account on "
                "the journal (Accounting > Configuration > Journals), %(default)s",
                journal=self.journal_id.name,
                default=default,
            )
        return self.env._("No Xero bank account for this payment: choose one %s", default)

    def _xero_not_invoiced(self):
        self.ensure_one()
        return self.env._(
            "%(company)s does not invoice its orders in Xero (Settings > Xero > Invoices): "
            "%(order)s will never have a Xero invoice, so this payment is not sent to Xero. "
            "Record it in Xero by hand.",
            company=self.company_id.name,
            order=self.order_id.name,
        )

    def _xero_rest_reason(self):
        """Why what is left of this payment cannot go to Xero, with what to do."""
        self.ensure_one()
        order = self.order_id
        if order.state == "cancel":
            return self.env._(
                "%(order)s is cancelled: Xero has no invoice of it to pay, so %(left)s of this "
                "payment was not recorded. Record it in Xero as an overpayment, or refund the "
                "customer.",
                order=order.name,
                left=self._xero_amount_text(self._xero_left()),
            )
        return self.env._(
            "%(left)s of this payment of %(amount)s is more than Xero says is due on "
            "%(order)s, and was not recorded. Record it in Xero as an overpayment, or invoice "
            "the rest of the order in Xero, then press Resync.",
            left=self._xero_amount_text(self._xero_left()),
            amount=self._xero_amount_text(self.amount),
            order=order.name,
        )

    # ------------------------------------------------------------------ business: Odoo -> Xero

    def _xero_outbound(self, connection, link):
        """A payment is never changed in Xero: what is left of it is sent, or nothing."""
        self.ensure_one()
        if self._xero_left() <= 0:
            return None
        return self._xero_payload(connection, link)

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """The Xero payments of what is left of this payment (one per invoice it pays),
        under its Reference."""
        self.ensure_one()
        payment = self.sudo()
        account = payment._xero_account(connection)
        return {
            "Reference": payment.reference,
            "Payments": [
                {
                    "Invoice": {"InvoiceID": invoice.xero_invoice_id.xero_id},
                    "Account": {"AccountID": account.xero_key} if account else {},
                    "Date": payment.date.isoformat(),
                    "Amount": float(amount),
                    "Reference": payment.reference,
                }
                for invoice, amount in payment._xero_parts(connection)
            ],
        }

    @api.model
    def _xero_refusals(self, connection, checks):
        refusals = super()._xero_refusals(connection, checks)
        self._xero_mark(
            connection, {checks[job_id][0].id: refusal for job_id, refusal in refusals.items()}
        )
        return refusals

    @api.model
    def _xero_before_send(self, connection, jobs, outcomes, links):
        """A payment with nothing to pay yet waits for the order's invoice, or what is
        left of it is refused."""
        changed = {}
        for job in jobs:
            send = outcomes.get(job.id)
            if not isinstance(send, Send) or send.payload is None or send.payload["Payments"]:
                continue
            payment = self.browse(job.res_id).sudo()
            wait = payment._xero_wait(connection)
            changed[job.id] = (
                Later(*wait)
                if wait
                else Refused(payment._xero_rest_reason(), field=self.env._("Amount"))
            )
        self._xero_mark(connection, {jobs.browse(j).res_id: o for j, o in changed.items()})
        return changed

    @api.model
    def _xero_push_batch(self, jobs, operation):
        """One PUT of the Xero payments of the jobs (several per payment that pays several
        invoices): {job id: outcome}. What Xero recorded already (found after a lost
        answer) is not sent again."""
        jobs = jobs.sorted("id")
        connection = jobs.connection_id
        payments = self.browse(jobs.mapped("res_id")).sudo()
        sends = {job.id: payments.browse(job.res_id)._xero_unsent(job.payload) for job in jobs}
        body = [part for job in jobs for part in sends[job.id]]
        elements = []
        if body:
            answer = connection._xero_call_json(
                "create_payments",
                {"Payments": body},
                summarize_errors=False,
                idempotency_key=_key(jobs, body),
                purpose="push",
                log=self._xero_call_log(jobs),
            )
            elements = answer.get("Payments") or []
        return self._xero_recorded(jobs, sends, elements)

    def _xero_unsent(self, payload):
        """The Xero payments of ``payload`` for invoices this payment has not paid yet."""
        self.ensure_one()
        paid = set(self.line_ids.mapped("xero_invoice_key"))
        return [
            part
            for part in (payload or {}).get("Payments") or []
            if part["Invoice"]["InvoiceID"].lower() not in paid
        ]

    @api.model
    def _xero_recorded(self, jobs, sends, elements):
        """Xero's answer, element by element: the payments it made are kept (and the
        invoices' mirrors take them), each job's outcome told."""
        connection = jobs.connection_id
        outcomes, new_lines, position = {}, self.env["xero.order.payment.line"], 0
        for job in jobs:
            payment = self.browse(job.res_id).sudo()
            parts = sends[job.id]
            answers = elements[position : position + len(parts)]
            position += len(parts)
            accepted = [e for e in answers if self._xero_accepted(e)]
            messages = [
                error.get("Message")
                for element in answers
                for error in element.get("ValidationErrors") or []
            ]
            new_lines |= payment._xero_keep(connection, accepted)
            if len(answers) < len(parts):
                outcomes[job.id] = Refused(
                    self.env._("Xero's answer did not mention this payment; press Retry."),
                    failure="internal",
                )
            elif messages:
                explanation, field = self._xero_explain(messages)
                outcomes[job.id] = Refused(explanation, tuple(messages), field)
            else:
                outcomes[job.id] = payment._xero_after_answer(connection)
        new_lines._xero_settle_mirrors()
        self.env["xero.sync.job"]._xero_enqueue_fetches(
            connection,
            self.env["xero.invoice"],
            sorted(
                {part["Invoice"]["InvoiceID"].lower() for parts in sends.values() for part in parts}
            ),
        )
        self._xero_tell_recorded(new_lines)
        self._xero_mark(connection, {job.res_id: outcomes[job.id] for job in jobs})
        return outcomes

    def _xero_after_answer(self, connection):
        """The outcome of a payment Xero took what it was sent of: done when all of it is
        recorded, else the rest waits or is refused."""
        self.ensure_one()
        if self._xero_left() <= 0:
            return Done(self._xero_recorded_note(), self.line_ids[:1].xero_id)
        wait = self._xero_wait(connection)
        if wait:
            return Later(*wait)
        return Refused(self._xero_rest_reason(), field=self.env._("Amount"))

    def _xero_keep(self, connection, elements):
        """Keep the Xero payments made of this payment (Xero's elements) as its lines;
        returns the new lines."""
        self.ensure_one()
        known = set(self.line_ids.mapped("xero_id"))
        paid = set(self.line_ids.mapped("xero_invoice_key"))
        invoices = {
            invoice.xero_invoice_id.xero_id: invoice
            for invoice in self.order_id.sudo().xero_invoice_ids
            if invoice.xero_invoice_id
        }
        vals_list = []
        for element in elements:
            xero_id = element["PaymentID"].lower()
            target = element.get("Invoice") or {}
            key = (target.get("InvoiceID") or "").lower()
            if xero_id in known or key in paid:
                continue  # kept already (or a second payment of the invoice in Xero)
            known.add(xero_id)
            paid.add(key)
            vals_list.append(
                {
                    "payment_id": self.id,
                    "xero_id": xero_id,
                    "xero_invoice_key": key,
                    "invoice_id": invoices[key].id if key in invoices else False,
                    "number": target.get("InvoiceNumber") or False,
                    "amount": float(element.get("Amount") or 0),
                }
            )
        return self.env["xero.order.payment.line"].sudo().create(vals_list)

    @api.model
    def _xero_mark(self, connection, outcomes):
        """Each payment ({payment id: outcome}) shows where it stands; a refusal is told
        on its order, and its link shows the error."""
        states = {Done: "recorded", Refused: "refused", Later: "pending"}
        links, told = {}, {}
        for payment_id, outcome in outcomes.items():
            state = states.get(type(outcome))
            if not state:
                continue
            payment = self.browse(payment_id).sudo()
            reason = outcome.result if isinstance(outcome, Done) else outcome.reason
            payment.write({"state": state, "note": reason or False})
            if isinstance(outcome, Refused):
                links[payment.id] = {"state": "error", "last_error": outcome.reason}
                told[payment.order_id.id] = self.env._(
                    "Payment of %(amount)s (%(via)s) not recorded in Xero: %(reason)s",
                    amount=payment._xero_amount_text(payment._xero_left()),
                    via=payment._xero_source(),
                    reason=outcome.reason,
                )
            elif isinstance(outcome, Done):
                links[payment.id] = {
                    "xero_id": outcome.xero_id or payment.line_ids[:1].xero_id,
                    "state": "synced",
                    "last_sync_at": fields.Datetime.now(),
                    "last_error": False,
                    "synced_values": {"Reference": payment.reference},
                }
        self._xero_link_write(connection, links)
        self.env["sale.order"]._xero_tell(told)

    def _xero_recorded_note(self):
        self.ensure_one()
        return self.env._(
            "Recorded in Xero against %s.",
            ", ".join(
                f"{line.number or line.xero_invoice_key} ({self._xero_amount_text(line.amount)})"
                for line in self.line_ids
            ),
        )

    @api.model
    def _xero_tell_recorded(self, lines):
        """The orders say what Xero recorded: "Payment of 120.00 recorded in Xero against
        INV-0007 (Stripe)"."""
        told = {}
        for payment, mine in lines.grouped("payment_id").items():
            told.setdefault(payment.order_id.id, []).append(
                self.env._(
                    "Payment of %(amount)s recorded in Xero against %(invoices)s (%(via)s).",
                    amount=payment._xero_amount_text(sum(mine.mapped("amount"))),
                    invoices=self.env._(" and ").join(
                        line.number or line.xero_invoice_key
                        if len(mine) == 1
                        else f"{line.number or line.xero_invoice_key} "
                        f"({payment._xero_amount_text(line.amount)})"
                        for line in mine
                    ),
                    via=payment._xero_source(),
                )
            )
        self.env["sale.order"]._xero_tell({order: " ".join(notes) for order, notes in told.items()})

    def _xero_source(self):
        """Where the money came in: the payment provider, else the journal."""
        self.ensure_one()
        return self.provider_id.name or self.journal_id.name or self.env._("Odoo")

    def _xero_amount_text(self, amount):
        """An amount of this payment as Odoo shows money: with its currency."""
        self.ensure_one()
        return self.currency_id.format(float(amount))

    # ------------------------------------------------------------------ business: lost answers

    @api.model
    def _xero_find_created(self, jobs):
        """Payments whose answer was lost, looked up by their Reference: what Xero made of
        them is kept on the payment, and the push sends only the rest (a payment is never
        updated in Xero, so nothing is relinked)."""
        by_reference = {
            job.payload["Reference"]: job for job in jobs if (job.payload or {}).get("Reference")
        }
        connection = jobs.connection_id
        found = {}
        for element in self._xero_by_reference(jobs):
            job = by_reference.get(element.get("Reference"))
            if job:
                found.setdefault(job, []).append(element)
        lines = self.env["xero.order.payment.line"]
        for job, elements in found.items():
            lines |= self.browse(job.res_id).sudo()._xero_keep(connection, elements)
        lines._xero_settle_mirrors()
        self._xero_tell_recorded(lines)
        return {}


class XeroOrderPaymentLine(models.Model):
    """One Xero payment made of an Odoo payment: what it paid of one invoice."""

    _name = "xero.order.payment.line"
    _description = "Xero payment of an invoice"
    _order = "id"

    # ------------------------------------------------------------------ fields

    payment_id = fields.Many2one(
        "xero.order.payment", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="payment_id.company_id", store=True)
    currency_id = fields.Many2one(related="payment_id.currency_id")
    invoice_id = fields.Many2one("xero.order.invoice", readonly=True)
    number = fields.Char("Invoice number", readonly=True)
    xero_invoice_key = fields.Char("Xero InvoiceID", required=True, readonly=True)
    xero_id = fields.Char("Xero PaymentID", required=True, readonly=True)
    amount = fields.Monetary(readonly=True)

    # ------------------------------------------------------------------ constraints

    _xero_uniq = models.UniqueIndex("(xero_id)", "A Xero payment is kept once.")
    _invoice_uniq = models.UniqueIndex(
        "(payment_id, xero_invoice_key)", "A payment pays an invoice in Xero once."
    )

    # ------------------------------------------------------------------ business

    def _xero_settle_mirrors(self):
        """The invoices these Xero payments paid show them at once (the order shows its
        invoice paid); they are read again from Xero all the same."""
        for line in self.filtered("invoice_id.xero_invoice_id"):
            mirror = line.invoice_id.xero_invoice_id.sudo()
            currency = mirror.currency_id or line.currency_id
            due = currency.round(max(mirror.amount_due - line.amount, 0.0))
            ratio = due / mirror.amount_due if mirror.amount_due else 0.0
            values = {
                "amount_paid": mirror.amount_paid + line.amount,
                "amount_due": due,
                "amount_due_base": round(mirror.amount_due_base * ratio, 2),
            }
            if currency.is_zero(due) and mirror.status == "AUTHORISED":
                values |= {"status": "PAID", "fully_paid_on": line.payment_id.date}
            mirror.write(values)


def _collected(tx):
    """Whether a transaction collected money for orders (a capture of it, its own
    transactions, or a refund are not)."""
    return (
        tx.state == "done"
        and tx.operation != "validation"
        and tx.amount > 0
        and not tx.child_transaction_ids.filtered(lambda child: child.state in ("done", "cancel"))
    )


def _key(jobs, body):
    """The Idempotency-Key of the batch; another key when some of its payments were found
    in Xero already and are left out (another request than the one keyed)."""
    key = jobs[:1].idempotency_key
    planned = sum(len((job.payload or {}).get("Payments") or []) for job in jobs)
    return key if len(body) == planned else f"{key}-{digest(body)[:16]}"
