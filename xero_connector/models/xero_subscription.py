import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..exceptions import XeroAuthError, XeroError, XeroRateLimitError
from ..tools.schedule import STATES, next_dates

_logger = logging.getLogger(__name__)


class XeroSubscription(models.Model):
    """A recurring order billed by Xero: its recurring lines are a repeating invoice in
    Xero, which generates the invoices (linked back to the order as they come).

    It holds what the company decided (running, paused, ended, cancelled) and the
    versions of its template in Xero (``xero.subscription.template``): the current one
    says what it bills and what that is worth a month (MRR).
    """

    _name = "xero.subscription"
    _inherit = ["mail.thread"]
    _description = "Xero subscription"
    _order = "id desc"
    _rec_name = "order_id"

    # ------------------------------------------------------------------ fields

    order_id = fields.Many2one(
        "sale.order", required=True, index=True, ondelete="restrict", readonly=True
    )
    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, precompute=True)
    partner_id = fields.Many2one(
        related="order_id.partner_id", string="Customer", store=True, precompute=True
    )
    user_id = fields.Many2one(related="order_id.user_id", string="Salesperson", store=True)
    team_id = fields.Many2one(related="order_id.team_id", string="Sales team", store=True)
    currency_id = fields.Many2one(related="order_id.currency_id", store=True, precompute=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )
    state = fields.Selection(
        STATES, default="running", required=True, readonly=True, tracking=True, index=True
    )
    at_risk = fields.Boolean(
        "At risk",
        readonly=True,
        tracking=True,
        help="An invoice of the subscription is overdue or its online payment failed: "
        "until it is paid.",
    )
    template_ids = fields.One2many(
        "xero.subscription.template", "subscription_id", "Versions in Xero", readonly=True
    )
    template_id = fields.Many2one(
        "xero.subscription.template",
        "Current version",
        readonly=True,
        help="The repeating invoice that bills the subscription (the last one made).",
    )
    schedule = fields.Char(compute="_compute_schedule")
    start_date = fields.Date("Started", readonly=True, help="The date of the first invoice.")
    end_date = fields.Date("Ends", related="template_id.end_date")
    next_date = fields.Date(
        "Next invoice", compute="_compute_next_date", store=True, help="As Xero last said."
    )
    amount = fields.Monetary(
        "Per period", related="template_id.amount_untaxed", help="Untaxed, each invoice."
    )
    mrr = fields.Monetary(
        "MRR",
        compute="_compute_mrr",
        store=True,
        currency_field="company_currency_id",
        aggregator="sum",
        help="Monthly recurring revenue: what the running subscription bills a month, "
        "untaxed, in the company currency (0 once paused, ended or cancelled).",
    )
    arr = fields.Monetary(
        "ARR",
        compute="_compute_mrr",
        store=True,
        currency_field="company_currency_id",
        aggregator="sum",
        help="Annual recurring revenue: MRR x 12.",
    )
    invoice_ids = fields.One2many(
        "xero.order.invoice", "subscription_id", "Invoices", readonly=True
    )
    invoice_count = fields.Integer("Invoices so far", compute="_compute_invoiced", store=True)
    amount_unpaid = fields.Monetary(
        "Unpaid",
        compute="_compute_invoiced",
        store=True,
        aggregator="sum",
        help="What the subscription's approved invoices still owe in Xero.",
    )

    # ------------------------------------------------------------------ constraints

    _one_per_order = models.UniqueIndex("(order_id)", "An order has one subscription.")

    # ------------------------------------------------------------------ compute

    @api.depends("template_id.interval", "template_id.unit")
    def _compute_schedule(self):
        for subscription in self:
            subscription.schedule = subscription.template_id._xero_every()

    @api.depends("state", "template_id.next_date", "template_id.end_date")
    def _compute_next_date(self):
        for subscription in self:
            template = subscription.template_id
            next_date = template.next_date if subscription.state == "running" else False
            if next_date and template.end_date and next_date > template.end_date:
                next_date = False
            subscription.next_date = next_date

    @api.depends("state", "template_id.mrr")
    def _compute_mrr(self):
        for subscription in self:
            running = subscription.state == "running"
            subscription.mrr = subscription.template_id.mrr if running else 0.0
            subscription.arr = subscription.mrr * 12

    @api.depends("invoice_ids.state", "invoice_ids.xero_invoice_id.amount_due")
    def _compute_invoiced(self):
        for subscription in self:
            invoices = subscription.invoice_ids.filtered(lambda i: i._xero_counts())
            subscription.invoice_count = len(invoices)
            subscription.amount_unpaid = sum(
                invoice.xero_invoice_id.amount_due
                for invoice in invoices
                if invoice.status == "AUTHORISED"
            )

    # ------------------------------------------------------------------ actions

    def action_pause(self):
        """Pause: Xero's repeating invoice is deleted, so nothing more is billed; the
        invoices made stay as they are."""
        subscriptions = self._xero_changeable()
        for subscription in subscriptions:
            subscription._xero_check_state("running", self.env._("paused"))
        subscriptions._xero_stop("paused")
        return True

    def action_resume(self):
        """Resume: a new repeating invoice continues the schedule from its next date
        still to come (the paused periods are not billed)."""
        subscriptions = self._xero_changeable()
        for subscription in subscriptions:
            subscription._xero_check_state("paused", self.env._("resumed"))
        for subscription in subscriptions:
            today = subscription.connection_id._xero_today()
            template = subscription.template_id
            anchor = template.next_date or template.start_date or today
            # the first billing day from today on (today's own, when it is one)
            start = next_dates(
                anchor, template.unit, template.interval, 1, after=today - timedelta(days=1)
            )[0]
            subscription.state = "running"
            subscription._xero_new_version(start)
        return True

    def action_end(self):
        """End now: Xero bills no more (the invoices made stay, to be paid)."""
        subscriptions = self._xero_changeable()
        for subscription in subscriptions:
            if subscription.state not in ("running", "paused"):
                subscription._xero_check_state("running", self.env._("ended"))
        subscriptions._xero_stop("ended")
        return True

    def action_view_order(self):
        self.ensure_one()
        return self.order_id._get_records_action(name=self.order_id.name)

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_order_invoice"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------ business: lifecycle

    def _xero_changeable(self):
        """These subscriptions, for a user who may change their orders (whose
        salesperson pauses, resumes or ends them): as the system, which keeps them."""
        self.order_id.check_access("write")
        return self.sudo()

    @api.model
    def _xero_start(self, orders, connections):
        """The subscriptions of these confirmed orders (``connections``: {company: its
        connection}), each with its first version queued for Xero (all made at once). A
        first invoice in the past is kept only when the user said to bill the past
        periods; otherwise it is today."""
        today = fields.Date.context_today(self)
        subscriptions = self.create(
            [
                {
                    "order_id": order.id,
                    "connection_id": connections[order.company_id].id,
                    "start_date": order.xero_recurring_start
                    if order.xero_recurring_back_ok
                    else max(order.xero_recurring_start or today, today),
                }
                for order in orders
            ]
        )
        templates = self.env["xero.subscription.template"].sudo()
        templates = templates.create(
            [templates._xero_values(s, s.start_date) for s in subscriptions]
        )
        for subscription, template in zip(subscriptions, templates, strict=True):
            subscription.template_id = template
            subscription.order_id.xero_subscription_id = subscription
        return subscriptions

    def _xero_new_version(self, start):
        """A new version of this subscription's template, from the order as it is now,
        its first invoice on ``start``; the current one is deleted in Xero once the new
        one is there (or now, when it never reached Xero)."""
        self.ensure_one()
        templates = self.env["xero.subscription.template"].sudo()
        previous = self.template_id
        template = templates.create(templates._xero_values(self, start))
        self.template_id = template
        previous.valid_to = previous.valid_to or template.date
        if previous and not previous._xero_links(self.connection_id, ids=previous.ids):
            previous._xero_delete()  # never reached Xero: not sent at all
        return template

    def _xero_changed_order(self):
        """The order's recurring lines, prices or schedule changed: a running
        subscription gets a new version continuing the schedule (Xero lets no approved
        template change)."""
        for subscription in self.filtered(lambda s: s.state == "running"):
            template = subscription.template_id
            if template and template._xero_same_as_order():
                continue
            if not subscription.order_id.xero_recurring:  # no recurring line left
                subscription._xero_stop("ended")
                subscription.order_id._xero_tell(
                    {
                        subscription.order_id.id: self.env._(
                            "No line of the order recurs any more: the subscription ended, "
                            "its repeating invoice is deleted in Xero."
                        )
                    }
                )
                continue
            start = template.next_date or template.start_date
            subscription._xero_new_version(start)
            subscription.order_id._xero_tell(
                {
                    subscription.order_id.id: self.env._(
                        "The subscription changed: its repeating invoice in Xero is replaced, "
                        "from the invoice of %s on.",
                        start,
                    )
                }
            )

    def _xero_stop(self, state):
        """Paused, ended or cancelled: the current version is deleted in Xero."""
        for subscription in self:
            subscription.template_id._xero_delete(subscription.connection_id._xero_today())
            subscription.state = state
        return True

    def _xero_check_state(self, expected, verb):
        self.ensure_one()
        if self.state != expected:
            raise UserError(
                self.env._(
                    "%(order)s's subscription is %(state)s: it cannot be %(verb)s.",
                    order=self.order_id.name,
                    state=dict(STATES)[self.state].lower(),
                    verb=verb,
                )
            )

    def _xero_deleted_in_xero(self):
        """The accountant deleted the repeating invoice in Xero: the subscription ended
        there; the order says so."""
        running = self.filtered(lambda s: s.state in ("running", "paused"))
        running.state = "ended"
        for subscription in running:
            subscription.order_id._xero_tell(
                {
                    subscription.order_id.id: self.env._(
                        "The repeating invoice was deleted in Xero: the subscription ended "
                        "there, Xero bills no more. Resume it to bill again."
                    )
                }
            )

    def _xero_at_risk(self):
        """A payment of these subscriptions did not come (overdue, or failed online)."""
        self.filtered(lambda s: not s.at_risk).at_risk = True

    def _xero_check_risk(self, today):
        """Subscriptions at risk whose invoices are all paid (none overdue, none whose
        online payment failed still due) are no longer at risk."""
        for subscription in self.filtered("at_risk"):
            if not any(
                (invoice.xero_invoice_id and invoice.xero_invoice_id._xero_is_overdue(today))
                or invoice._xero_payment_pending_after_failure()
                for invoice in subscription.invoice_ids.filtered(lambda i: i.state == "open")
            ):
                subscription.at_risk = False

    # ------------------------------------------------------------------ business: Xero's invoices

    @api.model
    def _xero_link_generated(self, connection, mirrors):
        """The invoices Xero generated from the subscriptions' templates (``mirrors``
        carrying a RepeatingInvoiceID), each made an invoice of its order once, linked
        to Xero's invoice: it gets what an order's invoice gets (status, payments, pay
        link, overdue alerts). Returns the order invoices made."""
        generated = mirrors.filtered("repeating_xero_id")
        if not generated:
            return self.env["xero.order.invoice"]
        links = self.env["xero.subscription.template"]._xero_links(
            connection, xero_ids=list(set(generated.mapped("repeating_xero_id")))
        )
        templates = (
            self.env["xero.subscription.template"]
            .sudo()
            .browse([link.res_id for link in links.values()])
            .exists()
        )
        by_xero_id = {
            xero_id: templates.browse(link.res_id)
            for xero_id, link in links.items()
            if link.res_id in templates.ids
        }
        invoices = self.env["xero.order.invoice"].sudo()
        # a webhook's read and the poll linking the same invoice at once: the second
        # waits for the first on the mirror's row and is retried (a unique index backs it)
        known = set(invoices.search([("xero_invoice_id", "in", generated.ids)]).xero_invoice_id.ids)
        new = generated.filtered(
            lambda m: m.id not in known and m.repeating_xero_id in by_xero_id
        ).sorted("date")
        made = invoices.with_context(xero_inbound=True).create(
            [invoices._xero_generated_values(by_xero_id[m.repeating_xero_id], m) for m in new]
        )
        invoices._xero_link_write(
            connection,
            {
                invoice.id: {
                    "xero_id": invoice.xero_invoice_id.xero_id,
                    "state": "synced",
                    "last_sync_at": fields.Datetime.now(),
                }
                for invoice in made
            },
        )
        for template in made.template_id:
            template._xero_generated(made.filtered(lambda i, t=template: i.template_id == t))
        return made

    @api.model
    def _xero_unsure_generated(self, connection, mirrors):
        """Of new invoices read as summaries, those that may have been generated by a
        subscription's template without saying so: not linked to an order, of a
        customer whose subscription Xero bills."""
        candidates = mirrors.filtered(lambda m: m.status != "DELETED" and not m.repeating_xero_id)
        if not candidates:
            return candidates
        linked = (
            self.env["xero.order.invoice"]
            .sudo()
            .search([("xero_invoice_id", "in", candidates.ids)])
        )
        subscribed = (
            self.sudo()
            .search([("connection_id", "=", connection.id), ("state", "in", ("running", "paused"))])
            .partner_id.commercial_partner_id
        )
        links = self.env["res.partner"]._xero_links(connection, ids=subscribed.ids)
        contacts = {(link.xero_id or "").lower() for link in links.values()}
        return candidates.filtered(
            lambda m: m not in linked.xero_invoice_id and m.xero_contact_id in contacts
        )

    # ------------------------------------------------------------------ business: keeping in step

    @api.model
    def _cron_xero_check_templates(self):
        """Cron (daily): Xero has no webhook, paging or If-Modified-Since for repeating
        invoices, so each organisation's templates are read once a day, whole (one call):
        one the accountant deleted ends its subscription, and the next and end dates
        are Xero's. Between two reads, the invoices Xero generates say the rest."""
        connections = (
            self.env["xero.connection"]
            .sudo()
            .search([("state", "=", "connected"), ("sync_invoices", "=", True)])
        )
        cron = self.env["ir.cron"]
        for connection in connections:
            if not self.sudo().search_count(
                [("connection_id", "=", connection.id), ("state", "in", ("running", "paused"))],
                limit=1,
            ):
                continue
            try:
                connection._xero_ensure_token()
                self.sudo()._xero_check_templates(connection)
            except (XeroRateLimitError, XeroAuthError) as error:
                _logger.info("Xero repeating invoices not read: %s", error.message)
            except XeroError as error:
                _logger.warning("Xero repeating invoices read failed: %s", error.message)
            cron._commit_progress(1)

    @api.model
    def _xero_check_templates(self, connection):
        answer = connection._xero_call_json(
            "get_repeating_invoices",
            purpose="poll",
            log={"direction": "in", "message": self.env._("Repeating invoices")},
        )
        templates = self.env["xero.subscription.template"].sudo()
        changed = templates._xero_templates_read(connection, answer.get("RepeatingInvoices") or [])
        changed.subscription_id._xero_ended_by_date()
        return changed

    def _xero_ended_by_date(self):
        """Subscriptions whose repeating invoice made its last invoice (the next one would
        fall after its end date) have ended."""
        done = self.filtered(
            lambda s: (
                s.state == "running"
                and s.template_id.end_date
                and (
                    not s.template_id.next_date or s.template_id.next_date > s.template_id.end_date
                )
            )
        )
        done.state = "ended"
        for subscription in done:
            subscription.template_id.valid_to = subscription.template_id.end_date
        return done

    # ------------------------------------------------------------------ business: figures

    @api.model
    def _xero_movements(self, company, date_from, date_to):
        """The MRR movements of the company's subscriptions between two dates (the MRR
        of each customer on the day before ``date_from`` and on ``date_to``): MRR at
        start and end, new, expansion, contraction and churned MRR, and the customers
        at start and lost. In the company currency."""
        start = self._xero_mrr_on(company, date_from - timedelta(days=1))
        end = self._xero_mrr_on(company, date_to)
        figures = {
            "mrr_start": sum(start.values()),
            "mrr_end": sum(end.values()),
            "new": 0.0,
            "expansion": 0.0,
            "contraction": 0.0,
            "churned": 0.0,
            "customers_start": len(start),
            "customers_end": len(end),
            "customers_lost": 0,
        }
        for partner in start.keys() | end.keys():
            before, after = start.get(partner, 0.0), end.get(partner, 0.0)
            if not before:
                figures["new"] += after
            elif not after:
                figures["churned"] += before
                figures["customers_lost"] += 1
            elif after > before:
                figures["expansion"] += after - before
            else:
                figures["contraction"] += before - after
        currency = company.currency_id
        for key, value in figures.items():
            if isinstance(value, float):
                figures[key] = currency.round(value)
        figures["arr_end"] = currency.round(figures["mrr_end"] * 12)
        lost, first = figures["customers_lost"], figures["customers_start"]
        figures["logo_churn"] = round(100.0 * lost / first, 2) if first else 0.0
        return figures

    @api.model
    def _xero_mrr_on(self, company, day):
        """{customer id: MRR} of the company's subscriptions on ``day``: the version in
        effect that day (made on or before it, not replaced, paused or ended by then)."""
        templates = self.env["xero.subscription.template"].sudo()
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("date", "<=", day),
            ]
        ) & (Domain("valid_to", "=", False) | Domain("valid_to", ">", day))
        groups = templates._read_group(
            domain, ["subscription_id.partner_id.commercial_partner_id"], ["mrr:sum"]
        )
        return {partner.id: mrr for partner, mrr in groups if mrr}
