from dataclasses import replace

from odoo import api, fields, models

from ..tools.bulk import write_rows
from ..tools.outcomes import Done, Send
from ..tools.schedule import (
    APPROVALS,
    DUE_TYPES,
    MONTHS_PER_UNIT,
    UNITS,
    next_dates,
    xero_schedule_unit,
)
from ..tools.sync_rules import quoted, xero_datetime


class XeroSubscriptionTemplate(models.Model):
    """A version of a subscription in Xero: one repeating invoice template.

    Xero does not let an approved template change: a change of the order's recurring
    lines, prices or schedule makes a new version that continues the schedule, and the
    version it replaces is then deleted in Xero. A version holds the lines it was made
    of (they count as invoiced on the order while it is the subscription's) and the
    monthly recurring revenue they are worth.
    """

    _name = "xero.subscription.template"
    _inherit = ["xero.order.document"]
    _description = "Xero repeating invoice of a subscription"
    _order = "id desc"

    _xero_object = "repeating_invoice"
    _xero_plural = "RepeatingInvoices"
    _xero_id_key = "RepeatingInvoiceID"
    _xero_sdk = "repeating_invoices"
    _xero_document_type = "ACCREC"
    _xero_gone_statuses = ("DELETED",)

    # ------------------------------------------------------------------ fields

    subscription_id = fields.Many2one(
        "xero.subscription", required=True, index=True, ondelete="cascade", readonly=True
    )
    line_ids = fields.One2many("xero.order.invoice.line", "template_id", "Lines", readonly=True)
    interval = fields.Integer("Every", required=True, readonly=True)
    unit = fields.Selection(UNITS, required=True, readonly=True)
    start_date = fields.Date(
        "First invoice", readonly=True, help="The date of this version's first invoice."
    )
    end_date = fields.Date("Last invoice by", readonly=True)
    due_days = fields.Integer("Due", readonly=True)
    due_type = fields.Selection(DUE_TYPES, "Due rule", readonly=True)
    approval = fields.Selection(APPROVALS, "Generated invoices", readonly=True)
    mark_sent = fields.Boolean("Marked as sent", readonly=True)
    xero_status = fields.Selection(
        [("DRAFT", "Draft"), ("AUTHORISED", "Approved"), ("DELETED", "Deleted")],
        "Xero status",
        readonly=True,
    )
    next_date = fields.Date("Next invoice", readonly=True, help="As Xero last said.")
    to_delete = fields.Boolean(
        "To delete", readonly=True, help="Replaced, paused, ended or cancelled: Xero is told."
    )
    valid_to = fields.Date(
        "Replaced on", readonly=True, help="When another version, a pause or the end took over."
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )
    mrr = fields.Monetary(
        "MRR",
        currency_field="company_currency_id",
        readonly=True,
        help="What the version's lines are worth a month, untaxed, in the company currency.",
    )
    # what the version was made of (the order's recurring lines and schedule): a change
    # of the order makes a new version only when it changes this
    signature = fields.Json(readonly=True, copy=False)

    # ------------------------------------------------------------------ compute

    @api.depends("subscription_id.order_id.name", "start_date")
    def _compute_display_name(self):
        for template in self:
            template.display_name = self.env._(
                "%(order)s from %(date)s",
                order=template.order_id.name,
                date=template.start_date or template.date,
            )

    # ------------------------------------------------------------------ business: what counts

    def _xero_counts(self, posted=False):
        """The subscription's version counts as invoiced (its lines are the subscription
        Xero bills), until the subscription is cancelled; it is never posted itself:
        the invoices Xero generates from it are."""
        self.ensure_one()
        subscription = self.subscription_id
        return not posted and subscription.state != "cancelled" and subscription.template_id == self

    @api.model
    def _xero_call_options(self):
        return {}  # Xero takes no unitdp on repeating invoices: unit prices of 2 decimals

    @api.model
    def _xero_url(self, connection, xero_id):
        return connection._xero_web_url("repeating_invoice", xero_id)

    # ------------------------------------------------------------------ business: making versions

    @api.model
    def _xero_values(self, subscription, start):
        """The values of a version of ``subscription`` from the order's recurring lines
        and schedule, its first invoice on ``start``."""
        order = subscription.order_id
        summary, commands = self._xero_amounts(
            order, [(line, line.product_uom_qty, None) for line in _recurring_lines(order)]
        )
        values = self._xero_common_values(subscription.connection_id, order, summary)
        return values | {
            "subscription_id": subscription.id,
            "reference": order._xero_reference(),
            "line_ids": commands,
            "interval": order.xero_recurring_interval,
            "unit": order.xero_recurring_unit,
            "start_date": start,
            "next_date": start,
            "end_date": order.xero_recurring_end,
            "due_days": order.xero_recurring_due_days,
            "due_type": order.xero_recurring_due_type,
            "approval": order.xero_recurring_approval,
            "mark_sent": order.xero_recurring_mark_sent,
            "mrr": self._xero_mrr(order, summary["base_amount_currency"], values["date"]),
            "signature": order._xero_recurring_signature(),
        }

    @api.model
    def _xero_mrr(self, order, untaxed, day):
        """What ``untaxed`` per period of the order's schedule is worth a month, in the
        company currency (at ``day``'s rate)."""
        interval = max(order.xero_recurring_interval, 1)
        monthly = untaxed / (MONTHS_PER_UNIT[order.xero_recurring_unit] * interval)
        company = order.company_id
        return order.currency_id._convert(monthly, company.currency_id, company, day)

    def _xero_same_as_order(self):
        """Whether the order's recurring lines and schedule are still this version's."""
        self.ensure_one()
        return self.signature == self.order_id._xero_recurring_signature()

    def _xero_every(self):
        """ "every 2 months" (empty without a schedule)."""
        if not self:
            return ""
        self.ensure_one()
        label = dict(UNITS)[self.unit].lower()
        if self.interval == 1:
            label = {"week": self.env._("week"), "month": self.env._("month")}.get(
                self.unit, self.env._("year")
            )
            return self.env._("every %s", label)
        return self.env._("every %(n)s %(unit)s", n=self.interval, unit=label)

    def _xero_generated(self, invoices):
        """Xero generated ``invoices`` (order invoices) from this version: its next date
        follows them, and the order says what came."""
        self.ensure_one()
        last = max(invoices.mapped("date"))
        after = next_dates(self.start_date or last, self.unit, self.interval, 1, after=last)[0]
        if not self.next_date or after > self.next_date:
            self.next_date = after
        subscription = self.subscription_id
        subscription._xero_ended_by_date()
        figures = self.connection_id._xero_figures_for()
        notes = [invoice._xero_generated_note(figures) for invoice in invoices]
        self.order_id._xero_tell({self.order_id.id: " ".join(notes)})

    def _xero_tracked(self):
        """Whether a line of this version sells an item Xero tracks: Xero generates the
        invoices of such a template as drafts (they move stock once approved)."""
        self.ensure_one()
        return any(self.line_ids.product_id.mapped("xero_tracked"))

    def _xero_schedule(self):
        self.ensure_one()
        period, unit = xero_schedule_unit(self.unit, self.interval)
        schedule = {
            "Period": period,
            "Unit": unit,
            "DueDate": self.due_days,
            "DueDateType": self.due_type,
            "StartDate": self.start_date.isoformat(),
        }
        if self.end_date:
            schedule["EndDate"] = self.end_date.isoformat()
        return schedule

    # ------------------------------------------------------------------ business: Odoo -> Xero

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """The repeating invoice; once in Xero, only its deletion (Xero lets no approved
        template change: a change is a new version)."""
        self.ensure_one()
        template = self.sudo()
        xero_id = xero_id or (link.xero_id if link else False)
        if xero_id:
            if template.to_delete:
                return {"RepeatingInvoiceID": xero_id, "Status": "DELETED"}
            return {"RepeatingInvoiceID": xero_id}
        tracked = template._xero_tracked()
        approved = template.approval != "draft" and not tracked
        payload = template._xero_common_payload(connection, "AUTHORISED" if approved else "DRAFT")
        payload.pop("Date")
        return payload | {
            "Schedule": template._xero_schedule(),
            "ApprovedForSending": approved and template.approval == "send",
            "MarkAsSent": bool(template.mark_sent),
            "SendCopy": False,
            "IncludePDF": approved and template.approval == "send",
        }

    @api.model
    def _xero_before_send(self, connection, jobs, outcomes, links):
        """A version deleted before it reached Xero is not sent at all; one that
        replaces another starts on the next date Xero has for it now."""
        changed, replacing = {}, {}
        for job in jobs:
            template = self.browse(job.res_id).sudo()
            send = outcomes[job.id]
            if not isinstance(send, Send) or send.operation != "create":
                continue
            if template.to_delete:
                changed[job.id] = Done(self.env._("Replaced before it reached Xero."))
                template.write({"state": "cancelled", "to_delete": False})
            elif send.payload is not None:  # not a resend of what may have reached Xero
                replacing[job.id] = template
        changed |= self._xero_continue_schedules(connection, replacing)
        rest = {job_id: o for job_id, o in outcomes.items() if job_id not in changed}
        return changed | super()._xero_before_send(connection, jobs, rest, links)

    @api.model
    def _xero_continue_schedules(self, connection, templates):
        """{job id: Send} of the new versions (``templates``: {job id: version}) whose
        start moves to the next date Xero has for the version they replace, read now
        (one call for the batch): Xero may have generated an invoice since Odoo last
        heard, and the new version must neither bill that period again nor skip one."""
        replaced = {job_id: template._xero_replaced() for job_id, template in templates.items()}
        every = self.browse([t.id for previous in replaced.values() for t in previous])
        links = every._xero_links(connection, ids=every.ids)  # one query for the batch
        older = {}
        for job_id, previous in replaced.items():
            xero_ids = [links[t.id].xero_id for t in previous if t.id in links]
            if any(xero_ids):
                older[job_id] = [x for x in xero_ids if x]
        if not older:
            return {}
        wanted = sorted({x for ids in older.values() for x in ids})
        answer = connection._xero_call_json(
            "get_repeating_invoices",
            where=" OR ".join(f"RepeatingInvoiceID==Guid({quoted(x)})" for x in wanted),
            purpose="push",
            log={"direction": "in", "message": self.env._("Repeating invoices replaced")},
        )
        next_of = {}
        for element in answer.get("RepeatingInvoices") or []:
            moment = xero_datetime((element.get("Schedule") or {}).get("NextScheduledDate"))
            if moment and element.get("Status") != "DELETED":
                next_of[(element.get("RepeatingInvoiceID") or "").lower()] = moment.date()
        sends = {}
        for job_id, xero_ids in older.items():
            dates = [next_of[x.lower()] for x in xero_ids if x.lower() in next_of]
            template = templates[job_id]
            if dates and max(dates) != template.start_date:
                template.write({"start_date": max(dates), "next_date": max(dates)})
                sends[job_id] = Send("create", template._xero_payload(connection))
        return sends

    def _xero_problem(self, connection, payload, currencies, archived):
        problem = super()._xero_problem(connection, payload, currencies, archived)
        if problem:
            return problem
        cents = [
            line
            for line in payload.get("LineItems") or []
            if "UnitAmount" in line and round(line["UnitAmount"], 2) != line["UnitAmount"]
        ]
        if cents:
            return (
                self.env._(
                    "Xero keeps 2 decimals of a repeating invoice's unit prices: %(lines)s. "
                    "Round them on %(order)s.",
                    lines=", ".join(line["Description"] for line in cents),
                    order=self.order_id.name,
                ),
                self.env._("Lines"),
            )
        return None

    @api.model
    def _xero_pushed(self, jobs, elements, payloads):
        """Xero's answer on each version (its status, next date); a new version takes
        over from the one it replaces, which is deleted in Xero now."""
        outcomes = super()._xero_pushed(jobs, elements, payloads)
        rows, made, gone = {}, self.browse(), self.browse()
        for job, element in zip(jobs, elements, strict=False):
            if not isinstance(outcomes.get(job.id), Done):
                continue
            schedule = element.get("Schedule") or {}
            status = element.get("Status") or False
            rows[job.res_id] = {"xero_status": status}
            next_date = xero_datetime(schedule.get("NextScheduledDate"))
            if next_date:
                rows[job.res_id]["next_date"] = next_date.date()
            if status == "DELETED":
                rows[job.res_id] |= {"state": "cancelled", "to_delete": False}
                gone |= self.browse(job.res_id)
            elif "LineItems" in payloads[job.id]:
                made |= self.browse(job.res_id)
                rows[job.res_id]["rounding_amount"] = float(
                    self._xero_rounding_of(jobs.connection_id, payloads[job.id])
                )
        templates = self.browse(list(rows)).sudo()
        write_rows(templates, rows)
        templates.modified(["state", "xero_status", "next_date"])
        notes = made.sudo()._xero_took_over()
        for job in jobs.filtered(lambda j: j.res_id in made.ids):
            outcomes[job.id] = replace(outcomes[job.id], result=notes[job.res_id])
        made.sudo().order_id._xero_tell(
            {template.order_id.id: notes[template.id] for template in made.sudo()}
        )
        return outcomes

    def _xero_took_over(self):
        """These versions are in Xero: the ones they replace are deleted there now.
        Returns {version id: what the order says}."""
        notes = {}
        for template in self:
            older = template._xero_replaced()
            older._xero_delete()
            notes[template.id] = template._xero_made_note(bool(older))
        return notes

    def _xero_replaced(self):
        """The earlier versions of this one's subscription still live in Xero (or on
        their way): those it replaces."""
        self.ensure_one()
        return self.subscription_id.template_ids.filtered(
            lambda t: t.id < self.id and t.state == "open" and not t.to_delete
        )

    def _xero_made_note(self, replaced):
        self.ensure_one()
        every = self._xero_every()
        note = self.env._(
            "Xero repeating invoice %(verb)s: %(total)s %(every)s, next invoice on %(date)s.",
            verb=self.env._("replaced") if replaced else self.env._("created"),
            total=self.currency_id.format(self.amount_total),
            every=every,
            date=self.next_date or self.start_date,
        )
        if self._xero_tracked():
            note += " " + self.env._(
                "It sells items Xero tracks: Xero saves each invoice as a draft, to approve "
                "in Xero."
            )
        return note

    def _xero_delete(self, day=None):
        """Delete these versions in Xero (those not in Xero yet are simply not sent)."""
        day = day or fields.Date.context_today(self)
        for template in self.filtered(lambda t: t.state == "open"):
            template.write({"to_delete": True, "valid_to": template.valid_to or day})
            template._xero_enqueue_push(template.connection_id)

    # ------------------------------------------------------------------ business: lost answers

    @api.model
    def _xero_find_created(self, jobs):
        """A create whose answer was lost: the template of Xero with the job's reference
        that no version of Odoo holds is the one created (older versions share the
        reference)."""
        found = self._xero_by_reference(jobs)
        known = {
            link.xero_id
            for link in self.env["xero.link"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", jobs.connection_id.id),
                    ("res_model", "=", self._name),
                    ("xero_id", "in", [f.get("RepeatingInvoiceID") for f in found]),
                ]
            )
        }
        new = [f for f in found if f.get("RepeatingInvoiceID") not in known]
        return {
            job.id: element
            for job in jobs
            for element in new
            if element.get("Reference") == (job.payload or {}).get("Reference")
        }

    # ------------------------------------------------------------------ business: Xero -> Odoo

    @api.model
    def _xero_templates_read(self, connection, elements):
        """Xero's templates as a full read gave them (the daily check): each version of
        Odoo's takes Xero's next and end dates; one deleted in Xero (by the accountant)
        ends its subscription. Returns the versions that changed."""
        by_id = {(e.get("RepeatingInvoiceID") or "").lower(): e for e in elements}
        links = (
            self.env["xero.link"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", connection.id),
                    ("res_model", "=", self._name),
                    ("xero_id", "!=", False),
                ]
            )
        )
        live = self.sudo().browse(links.mapped("res_id")).exists()
        live = live.filtered(lambda t: t.state == "open" and not t.to_delete)
        xero_ids = {link.res_id: link.xero_id for link in links}
        rows, deleted = {}, self.browse()
        for template in live:
            element = by_id.get(xero_ids[template.id])
            if not element or element.get("Status") == "DELETED":
                deleted |= template
                continue
            schedule = element.get("Schedule") or {}
            next_date = xero_datetime(schedule.get("NextScheduledDate"))
            end_date = xero_datetime(schedule.get("EndDate"))
            values = {
                "next_date": next_date.date() if next_date else False,
                "end_date": end_date.date() if end_date else False,
                "xero_status": element.get("Status"),
            }
            if any(template[name] != value for name, value in values.items()):
                rows[template.id] = values
        write_rows(live, rows)
        live.browse(list(rows)).modified(["next_date", "end_date", "xero_status"])
        today = connection._xero_today()
        deleted.write({"state": "cancelled", "valid_to": today, "xero_status": "DELETED"})
        deleted.subscription_id._xero_deleted_in_xero()
        return live.browse(list(rows)) | deleted


def _recurring_lines(order):
    """The order's recurring lines, each with the sections and notes just before it."""
    kept, pending = [], []
    for line in order.order_line:
        if line.display_type:
            pending.append(line)
            continue
        if line.xero_recurring:
            kept += [*pending, line]
        pending = []
    return kept
