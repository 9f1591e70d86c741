from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_compare

from ..const import GONE, GROUP_MANAGER, GROUP_USER, PAYMENT_STATUSES, PRIORITY
from ..tools.actions import SOFT_RELOAD, notification
from ..tools.schedule import APPROVALS, DUE_TYPES, SCHEDULE_FIELDS, UNITS, next_dates

# the terms of an Odoo payment term line Xero's due-date rules say the same way
TERM_DUE_TYPES = {
    "days_after": "DAYSAFTERINVOICEDATE",
    "days_after_end_of_month": "DAYSAFTERINVOICEMONTH",
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ fields

    xero_stock_warning = fields.Text(
        "Stock in Xero",
        compute="_compute_xero_stock_warning",
        help="Lines asking more than Xero has.",
    )
    xero_invoicing = fields.Boolean(
        "Invoiced in Xero",
        compute="_compute_xero_invoicing",
        help="The company invoices its orders in Xero.",
    )
    xero_invoice_ids = fields.One2many(
        "xero.order.invoice", "order_id", "Xero invoices", groups=GROUP_USER, copy=False
    )
    xero_invoice_count = fields.Integer(
        "Xero invoice count", compute="_compute_xero_invoice_count", groups=GROUP_USER
    )
    xero_payment_status = fields.Selection(
        PAYMENT_STATUSES,
        "Xero payment",
        compute="_compute_xero_payment",
        groups=GROUP_USER,
        help="Where the order's Xero invoices stand, as Xero last said.",
    )
    xero_amount_paid = fields.Monetary(
        "Paid in Xero",
        compute="_compute_xero_payment",
        groups=GROUP_USER,
        currency_field="currency_id",
    )
    xero_amount_due = fields.Monetary(
        "Due in Xero",
        compute="_compute_xero_payment",
        groups=GROUP_USER,
        currency_field="currency_id",
    )
    xero_amount_to_refund = fields.Monetary(
        "Credit to refund",
        compute="_compute_xero_payment",
        groups=GROUP_USER,
        currency_field="currency_id",
        help="What the order's credit notes give back that no invoice of the order took: "
        "the customer's credit in Xero, to refund there (or to allocate to their next "
        "invoice). Total = paid + due - credit to refund.",
    )
    xero_paid_on = fields.Date(
        "Paid in full in Xero",
        readonly=True,
        copy=False,
        help="Every Xero invoice of the order is paid: fulfilment may start.",
    )
    xero_fulfilment_asked = fields.Boolean(
        "Fulfilment asked", readonly=True, copy=False, groups=GROUP_USER
    )
    xero_promised_date = fields.Date(
        "Promised payment date",
        copy=False,
        tracking=True,
        groups=GROUP_USER,
        help="The date the customer promised to pay: Xero's Expected payment date of the "
        "order's unpaid invoices.",
    )
    xero_payment_ids = fields.Many2many(
        "xero.invoice.payment",
        string="Xero payments",
        compute="_compute_xero_payment",
        groups=GROUP_USER,
    )
    xero_payment_count = fields.Integer(
        "Xero payment count", compute="_compute_xero_payment", groups=GROUP_USER
    )
    xero_pay_url = fields.Char(
        "Pay online",
        compute="_compute_xero_pay_url",
        help="Xero's online invoice of the order, where the customer pays what is due (through "
        "Odoo, which tells the salesperson that the customer viewed it).",
    )
    xero_online_url = fields.Char(
        "Online invoice",
        compute="_compute_xero_pay_url",
        help="Xero's online invoice, as the customer sees it (opening it here is not counted "
        "as the customer's view).",
    )
    xero_invoice_problem = fields.Text(
        "Xero invoice problem",
        compute="_compute_xero_invoice_problem",
        help="Why the order's invoice is not in Xero yet, and what to fix.",
    )
    xero_invoice_sending = fields.Boolean(
        "Xero invoice being sent",
        compute="_compute_xero_invoice_problem",
        help="The invoice that failed is queued for Xero again: its problem is replaced by "
        "what Xero answers.",
    )
    xero_credit_hold = fields.Text(
        "Credit hold",
        compute="_compute_xero_credit_hold",
        help="Why the order cannot be confirmed yet: its customer's overdue balance in Xero "
        "is above the credit hold.",
    )
    xero_overdue_warning = fields.Text(
        "Overdue in Xero",
        compute="_compute_xero_overdue_warning",
        help="The customer's overdue invoices in Xero, shown while quoting them.",
    )
    xero_credit_hold_approved_by = fields.Many2one(
        "res.users", "Approved despite overdue by", readonly=True, copy=False
    )
    xero_credit_hold_approved_on = fields.Datetime(
        "Approved despite overdue on", readonly=True, copy=False
    )

    xero_recurring = fields.Boolean(
        "Subscription",
        compute="_compute_xero_recurring",
        store=True,
        help="A line of the order is billed again and again by Xero.",
    )
    xero_recurring_interval = fields.Integer(
        "Bill every", default=1, copy=True, help="How many weeks, months or years apart."
    )
    xero_recurring_unit = fields.Selection(UNITS, "Billing period", default="month")
    xero_recurring_start = fields.Date(
        "First invoice on",
        copy=False,
        help="Empty: the day the order is confirmed. Xero generates the invoice of each "
        "period on its date.",
    )
    xero_recurring_end = fields.Date(
        "Last invoice by", copy=False, help="Empty: until the subscription is ended."
    )
    xero_recurring_due_days = fields.Integer(
        "Due", compute="_compute_xero_recurring_due_days", store=True, readonly=False
    )
    xero_recurring_due_type = fields.Selection(
        DUE_TYPES,
        "Due rule",
        compute="_compute_xero_recurring_due_type",
        store=True,
        readonly=False,
    )
    xero_recurring_approval = fields.Selection(
        APPROVALS,
        "Xero's invoices",
        default="approve",
        help="What Xero does with each invoice it generates: keep it a draft (to approve in "
        "Xero), approve it, or approve it and e-mail it to the customer.",
    )
    xero_recurring_mark_sent = fields.Boolean(
        "Mark as sent", help="Xero shows each generated invoice as sent."
    )
    xero_recurring_back_ok = fields.Boolean(
        "Bill the past periods",
        copy=False,
        help="The first invoice is in the past: Xero generates every invoice up to today at once.",
    )
    xero_recurring_back_count = fields.Integer(
        "Invoices Xero generates at once", compute="_compute_xero_recurring_back"
    )
    xero_recurring_back_note = fields.Char(compute="_compute_xero_recurring_back")
    xero_subscription_id = fields.Many2one(
        "xero.subscription", "Xero subscription", readonly=True, copy=False, index="btree_not_null"
    )
    xero_subscription_state = fields.Selection(
        string="Subscription state", related="xero_subscription_id.state"
    )
    xero_subscription_at_risk = fields.Boolean(related="xero_subscription_id.at_risk")
    xero_next_invoice_date = fields.Date(
        "Next Xero invoice", related="xero_subscription_id.next_date"
    )
    xero_subscription_invoices = fields.Integer(
        "Invoices so far", related="xero_subscription_id.invoice_count"
    )

    # ------------------------------------------------------------------ compute

    @api.depends("order_line.xero_stock_warning")
    def _compute_xero_stock_warning(self):
        for order in self:
            short = order.order_line.filtered("xero_stock_warning")
            if not short:
                order.xero_stock_warning = False
                continue
            connection = order.company_id.sudo()._xero_connection()
            then = (
                self.env._("Xero puts the rest on back order when the order is invoiced.")
                if connection.allow_backorders
                else self.env._(
                    "Xero refuses to invoice more than it has in stock: receive the stock in "
                    "Xero first, or allow back orders in Settings > Xero > Products and stock."
                )
            )
            lines = "; ".join(
                f"{line.product_id.display_name}: {line.xero_stock_warning}"
                for line in short.grouped("product_id").values()
                for line in line[:1]
            )
            order.xero_stock_warning = self.env._(
                "Not enough stock in Xero. %(lines)s. %(then)s", lines=lines, then=then
            )

    @api.depends("company_id")
    def _compute_xero_invoicing(self):
        for company, orders in self.grouped("company_id").items():
            connection = company.sudo()._xero_connection()
            orders.xero_invoicing = bool(connection and connection.sync_invoices)

    @api.depends("xero_invoice_ids")
    def _compute_xero_invoice_count(self):
        for order in self:
            order.xero_invoice_count = len(order.xero_invoice_ids)

    @api.depends_context("date")
    def _compute_xero_payment(self):
        """The payment status and amounts of each order's Xero invoices."""
        invoices = (
            self.env["xero.order.invoice"]
            .sudo()
            .search([("order_id", "in", self.ids), ("xero_invoice_id", "!=", False)])
        )
        today = invoices.connection_id._xero_today()
        credit_notes = (
            self.env["xero.order.credit.note"]
            .sudo()
            .search(
                [
                    ("order_id", "in", self.ids),
                    ("state", "=", "open"),
                    ("xero_status", "=", "AUTHORISED"),
                ]
            )
        )
        for order in self:
            mirrors = invoices.filtered(lambda i, order=order: i.order_id == order).xero_invoice_id
            order.xero_amount_to_refund = sum(
                credit_note.amount_total - credit_note.allocated
                for credit_note in credit_notes
                if credit_note.order_id == order
            )
            order.xero_payment_status = mirrors._xero_payment_status(today)
            counting = mirrors.filtered(lambda m: m.status not in GONE)
            order.xero_amount_paid = sum(counting.mapped("amount_paid"))
            order.xero_amount_due = sum(counting.filtered("is_open").mapped("amount_due"))
            order.xero_payment_ids = mirrors.payment_ids
            order.xero_payment_count = len(mirrors.payment_ids.filtered(lambda p: not p.deleted))

    def _compute_xero_pay_url(self):
        """The pay link of the order's latest approved invoice with something due."""
        self.xero_pay_url = False
        self.xero_online_url = False
        invoices = (
            self.env["xero.order.invoice"]
            .sudo()
            .search([("order_id", "in", self.ids), ("state", "=", "open")], order="id desc")
        )
        for order in self:
            due = invoices.filtered(
                lambda i, order=order: (
                    i.order_id == order and i.status == "AUTHORISED" and i.amount_due > 0
                )
            )[:1]
            order.xero_pay_url = due._xero_tracked_pay_url()
            # Xero's own link once read; until then Odoo's, which reads it when opened
            order.xero_online_url = due.online_url or order.xero_pay_url

    @api.depends_context("company")
    def _compute_xero_invoice_problem(self):
        """The plain reason of the latest failed invoice of each order (no figures: every
        salesperson may read it)."""
        self.xero_invoice_problem = False
        self.xero_invoice_sending = False
        invoices = (
            self.env["xero.order.invoice"]
            .sudo()
            .search([("order_id", "in", self.ids)], order="id desc")
        )
        for order in self:
            failed = invoices.filtered(
                lambda i, order=order: i.order_id == order and i.xero_sync_state == "error"
            )
            if failed and failed[0].xero_sync_queued:
                # sent again (after a Resync): the old problem is not the next step any more
                order.xero_invoice_sending = True
            elif failed:
                order.xero_invoice_problem = failed[0].xero_last_error

    @api.depends("partner_id", "company_id", "state", "xero_credit_hold_approved_by")
    @api.depends_context("uid")
    def _compute_xero_credit_hold(self):
        for order in self:
            order.xero_credit_hold = order._xero_held_reason()

    @api.depends("partner_id", "company_id", "state")
    @api.depends_context("uid")
    def _compute_xero_overdue_warning(self):
        for order in self:
            order.xero_overdue_warning = (
                order.state in ("draft", "sent")
                and order.partner_id.with_company(order.company_id)._xero_overdue_warning()
            )

    @api.onchange("partner_id")
    def _onchange_partner_id_xero_overdue(self):
        """Quoting a customer who has overdue invoices in Xero: the salesperson is warned
        (a notification, not a dialog to close: the quotation keeps saying it)."""
        message = self.partner_id.with_company(self.company_id)._xero_overdue_warning()
        if message:
            return {
                "warning": {
                    "title": self.env._("Overdue in Xero"),
                    "message": message,
                    "type": "notification",
                }
            }
        return None

    @api.depends("order_line.xero_recurring")
    def _compute_xero_recurring(self):
        for order in self:
            order.xero_recurring = any(order.order_line.mapped("xero_recurring"))

    @api.depends("payment_term_id")
    def _compute_xero_recurring_due_days(self):
        for order in self:
            order.xero_recurring_due_days = order._xero_term_due()[1]

    @api.depends("payment_term_id")
    def _compute_xero_recurring_due_type(self):
        for order in self:
            order.xero_recurring_due_type = order._xero_term_due()[0]

    @api.depends(
        "xero_recurring_start",
        "xero_recurring_unit",
        "xero_recurring_interval",
        "xero_recurring_end",
    )
    @api.depends_context("date")
    def _compute_xero_recurring_back(self):
        today = fields.Date.context_today(self)
        for order in self:
            dates = order._xero_back_dates(today)
            order.xero_recurring_back_count = len(dates)
            order.xero_recurring_back_note = (
                self.env._(
                    "The first invoice is in the past: Xero generates %(count)s invoice(s) "
                    "at once, dated %(first)s to %(last)s.",
                    count=len(dates),
                    first=dates[0],
                    last=dates[-1],
                )
                if dates
                else False
            )

    # ------------------------------------------------------------------ constraints

    @api.constrains("xero_recurring_interval", "xero_recurring_start", "xero_recurring_end")
    def _check_xero_recurring(self):
        for order in self.filtered("xero_recurring"):
            if order.xero_recurring_interval < 1:
                raise UserError(self.env._("%s: bill every 1 period or more.", order.name))
            start = order.xero_recurring_start
            if start and order.xero_recurring_end and order.xero_recurring_end < start:
                raise UserError(
                    self.env._("%s: the last invoice cannot come before the first.", order.name)
                )

    @api.onchange("order_line")
    def _onchange_order_line_xero_recurrence(self):
        """A first recurring product gives the order its billing period."""
        products = self.order_line.filtered("xero_recurring").product_id.product_tmpl_id
        product = products.filtered("xero_recurring_interval")[:1]
        untouched = self.xero_recurring_interval == 1 and self.xero_recurring_unit == "month"
        if product and untouched:
            self.xero_recurring_interval = product.xero_recurring_interval
            self.xero_recurring_unit = product.xero_recurring_unit

    # ------------------------------------------------------------------ CRUD

    def write(self, vals):
        # the lines changed by one save of the order make one change for Xero
        result = super(SaleOrder, self.with_context(xero_order_write=True)).write(vals)
        if "client_order_ref" in vals:
            self._xero_reference_changed()
        if "order_line" in vals:
            self._xero_edited()
        if "xero_promised_date" in vals:
            self.sudo().xero_invoice_ids._xero_promise_changed()
        if set(vals) & set(SCHEDULE_FIELDS) and "order_line" not in vals:
            self.sudo().xero_subscription_id._xero_changed_order()
        return result

    # ------------------------------------------------------------------ actions

    def action_xero_invoice(self):
        """Create Xero invoice: what each confirmed order has to invoice goes to Xero."""
        invoices, skipped = self._xero_make_invoices()
        message = " ".join(skipped.values())
        if invoices:
            message = self.env._(
                "%s Xero invoice(s) queued: they are in Xero within seconds.", len(invoices)
            ) + (" " + message if message else "")
        kind = "info" if invoices and not skipped else "warning"
        return notification(
            self.env._("Xero"), message, kind, sticky=bool(skipped), then=SOFT_RELOAD
        )

    def action_xero_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_order_invoice"
        )
        action["domain"] = [("order_id", "in", self.ids)]
        action["context"] = {"create": False}
        if len(self.xero_invoice_ids) == 1:
            action |= {
                "view_mode": "form",
                "views": [(False, "form")],
                "res_id": self.xero_invoice_ids.id,
            }
        return action

    def action_xero_view_payments(self):
        """The payments and credits of the order's Xero invoices."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_invoice_payment"
        )
        action["domain"] = [("id", "in", self.xero_payment_ids.ids)]
        action["display_name"] = self.env._("Payments of %s in Xero", self.name)
        return action

    def action_xero_resync_invoices(self):
        """Send again the order's invoices Xero has not got (after a fix)."""
        invoices = self.xero_invoice_ids.filtered(
            lambda i: i.xero_sync_state in ("error", "pending", "none")
        )
        if not invoices:
            raise UserError(self.env._("Every Xero invoice of this order is in Xero already."))
        return invoices._xero_resync(invoices.connection_id)

    def action_confirm(self):
        """Orders held by the credit hold are confirmed by a user once a Xero manager
        approved them; confirmed by the system (the customer signed or paid online), they
        are confirmed, and say so."""
        held = {order.id: order._xero_held_reason() for order in self}
        held = {order_id: reason for order_id, reason in held.items() if reason}
        if held and not self.env.su:
            raise UserError("\n".join(held.values()))
        self._xero_check_back_dated()
        result = super().action_confirm()
        self._xero_tell(
            {
                order.id: self.env._(
                    "Confirmed online despite the credit hold: %s",
                    order._xero_credit_hold_figures(),
                )
                for order in self.browse(list(held))
            }
        )
        return result

    def action_xero_approve_credit_hold(self):
        """Approve despite overdue: a Xero manager lets these orders be confirmed although
        their customer's overdue balance in Xero is above the credit hold (who and when
        is kept, and logged on the order)."""
        if not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only a Xero manager can approve an order despite overdue invoices.")
            )
        self.check_access("read")
        orders = self.filtered(lambda o: not o.xero_credit_hold_approved_by)
        bodies = {
            order.id: self.env._(
                "Approved despite overdue invoices in Xero by %(user)s: it can be confirmed. "
                "%(reason)s",
                user=self.env.user.name,
                reason=order._xero_credit_hold_figures(),
            )
            for order in orders
        }
        orders.sudo().write(
            {
                "xero_credit_hold_approved_by": self.env.uid,
                "xero_credit_hold_approved_on": fields.Datetime.now(),
            }
        )
        self._xero_tell(bodies)
        return True

    def action_xero_view_subscription(self):
        self.ensure_one()
        return self.xero_subscription_id._get_records_action(
            name=self.env._("Subscription of %s", self.name)
        )

    def action_xero_pause_subscription(self):
        return self._xero_subscriptions().action_pause()

    def action_xero_resume_subscription(self):
        return self._xero_subscriptions().action_resume()

    def action_xero_end_subscription(self):
        return self._xero_subscriptions().action_end()

    # ------------------------------------------------------------------ business

    def _action_confirm(self):
        """A confirmed order makes its customer one that syncs with Xero, and is invoiced
        in Xero when the company invoices on confirmation."""
        result = super()._action_confirm()
        self.partner_id._xero_became_customer()
        self._xero_start_subscriptions()
        automatic = self.filtered(lambda order: order._xero_invoices_on_confirm())
        if automatic:
            automatic._xero_make_invoices()
        won = self.opportunity_id.filtered("xero_won_without_order")
        won.sudo().xero_won_without_order = False
        return result

    def _action_cancel(self):
        """Cancelling an order tells Xero: its subscription's repeating invoice is deleted,
        its invoices are deleted, voided or credited."""
        result = super()._action_cancel()
        subscriptions = self.sudo().xero_subscription_id.filtered(lambda s: s.state != "cancelled")
        subscriptions._xero_stop("cancelled")
        invoices = self.sudo().xero_invoice_ids.filtered(lambda i: i.state == "open")
        for invoice in invoices:
            if not invoice._xero_is_paid():
                self._xero_tell(
                    {
                        invoice.order_id.id: self.env._(
                            "The order is cancelled: %s goes to Xero to be deleted or voided.",
                            invoice.display_name,
                        )
                    }
                )
        invoices._xero_cancel()
        return result

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=False):
        """The order's emails to the customer carry a Pay now button to Xero's online
        invoice, once the order is invoiced in Xero."""
        groups = super()._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )
        if len(self) != 1 or not self.xero_pay_url:
            return groups
        for name, _check, data in groups:
            if name in ("portal_customer", "customer"):
                data["has_button_access"] = True
                data["button_access"] = {"title": self.env._("Pay now"), "url": self.xero_pay_url}
        return groups

    def _message_post_after_hook(self, message, msg_vals):
        """An order emailed to its customer with its pay link: Xero shows its invoices
        as sent, when the company says so."""
        result = super()._message_post_after_hook(message, msg_vals)
        if (
            len(self) == 1
            and message.message_type == "comment"
            and self.partner_id in message.partner_ids
            and self.xero_pay_url
        ):
            connection = self.company_id.sudo()._xero_connection()
            if connection.invoice_email == "mark_sent":
                self.sudo().xero_invoice_ids._xero_mark_sent()
        return result

    def _xero_payment_changed(self):
        """Xero recorded (or took back) payments of these orders' invoices: an order
        whose invoices are all paid is marked paid, and its salesperson is asked to
        start fulfilment when the company wants it (once per order)."""
        connections = {company: company._xero_connection() for company in self.sudo().company_id}
        for order in self.sudo():
            mirrors = order.xero_invoice_ids.xero_invoice_id.filtered(
                lambda m: m.status not in GONE
            )
            paid = bool(mirrors) and all(m.status == "PAID" for m in mirrors)
            paid_on = False
            if paid:
                paid_on = max(filter(None, mirrors.mapped("fully_paid_on")), default=None)
                paid_on = paid_on or fields.Date.context_today(order)
            if order.xero_paid_on != paid_on:
                order.xero_paid_on = paid_on
            if paid or any(m.amount_paid for m in mirrors):
                order._xero_ask_fulfilment(paid, connections[order.company_id])

    def _xero_ask_fulfilment(self, paid, connection):
        """Once something is paid: the salesperson is asked to start fulfilment, when
        the company wants it (at the first payment, or once paid in full)."""
        self.ensure_one()
        wanted = connection.payment_activity
        if self.xero_fulfilment_asked or wanted == "none" or (wanted == "paid" and not paid):
            return
        # what Xero's mirror says now (the order's figures are not stored)
        self.invalidate_recordset(["xero_amount_paid", "xero_amount_due"])
        self.activity_schedule(
            "xero_connector.mail_activity_start_fulfilment",
            user_id=self.user_id.id or self.env.uid,
            summary=self.env._("Start fulfilment: paid in Xero")
            if paid
            else self.env._("Start fulfilment: first payment in Xero"),
            note=self._xero_fulfilment_note(paid, connection),
        )
        self.xero_fulfilment_asked = True

    def _xero_fulfilment_note(self, paid, connection):
        self.ensure_one()
        if connection._xero_figures_for(self.user_id or self.env.user):
            return self.env._(
                "%(order)s: Xero recorded %(paid)s paid, %(due)s still due.",
                order=self.name,
                paid=self.currency_id.format(self.xero_amount_paid),
                due=self.currency_id.format(self.xero_amount_due),
            )
        if paid:
            return self.env._("%s is paid in full in Xero.", self.name)
        return self.env._("%s has a first payment in Xero.", self.name)

    def _xero_edited(self):
        """A confirmed order changed after it was invoiced in Xero: its invoice is made
        to match while Xero lets it change; otherwise what was taken off (or repriced)
        is credited, and what was added is to invoice (at once when the company
        invoices automatically)."""
        self.sudo().xero_subscription_id._xero_changed_order()
        # a confirmed order whose line became recurring starts its subscription
        self.filtered(lambda o: o.state == "sale")._xero_start_subscriptions()
        for order in self.sudo().filtered(lambda o: o.state == "sale" and o.xero_invoice_ids):
            connection = order.company_id._xero_connection()
            if not connection.sync_invoices:
                continue
            # the invoices Xero generated for the subscription are Xero's own, never amended
            invoices = order.xero_invoice_ids.filtered(
                lambda i: i._xero_counts() and not i.subscription_id
            )
            amendable = invoices.filtered(lambda i: i._xero_amendable())[:1]
            if amendable:
                amendable._xero_amend()
                continue
            order._xero_credit_changes(invoices)
            if order._xero_invoices_on_confirm():
                order._xero_make_invoices()

    def _xero_credit_changes(self, invoices):
        """Credit, on the latest of ``invoices`` (paid ones), what the order no longer
        invoices: quantities taken off, and lines whose price, discount or taxes changed
        (credited as invoiced, then to invoice again at the new price)."""
        self.ensure_one()
        credit_notes = self.env["xero.order.credit.note"].sudo()
        if not invoices:
            return credit_notes
        quantities, lines = {}, self.env["xero.order.invoice.line"]
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        for line in self.order_line.filtered(
            lambda ol: not ol.display_type and not ol.is_downpayment
        ):
            invoiced = invoices.line_ids.filtered(lambda il, line=line: il.sale_line_id == line)
            if not invoiced:
                continue
            repriced = invoiced.filtered(lambda il, line=line: not il._xero_priced_as(line))
            if repriced:
                lines |= repriced
                quantities |= {il: il.quantity for il in repriced}
                continue
            excess = -line._xero_quantity_to_invoice()
            if float_compare(excess, 0.0, precision_digits=digits) > 0:
                last = invoiced.sorted("id")[-1]
                lines |= last
                # in the unit it was invoiced in
                quantities[last] = line.product_uom_id._compute_quantity(
                    excess, last._xero_own_unit(), round=False
                )
        if not lines:
            return credit_notes
        return credit_notes._xero_credit(
            invoices.sorted("id")[-1], lines, self.env._("Order changed"), quantities
        )

    def _xero_reference_changed(self):
        """The customer's reference is on the order's invoices in Xero (a paid invoice
        may still change its reference)."""
        for invoice in self.sudo().xero_invoice_ids.filtered(lambda i: i._xero_counts()):
            invoice.reference = invoice.order_id._xero_reference()
            invoice._xero_enqueue_push(invoice.connection_id, priority=PRIORITY["invoice"])

    def _xero_invoices_on_confirm(self):
        """Whether confirming this order invoices it: the company invoices confirmed
        orders, or the order's opportunity is won already (at the stage that invoices)."""
        self.ensure_one()
        connection = self.company_id.sudo()._xero_connection()
        if not connection or not connection.sync_invoices:
            return False
        if connection.invoice_trigger in ("confirm", "both"):
            return True
        return (
            connection.invoice_trigger == "stage"
            and bool(connection.invoice_stage_id)
            and self.opportunity_id.stage_id == connection.invoice_stage_id
        )

    def _xero_make_invoices(self, final=False):
        """The Xero invoices of what these orders have to invoice (Odoo's invoicing
        policy), queued for Xero: (invoices, {order: why nothing was made}).

        The orders are locked first: a second click, trigger or worker at the same time
        waits, then finds what the first invoiced (or is retried by Odoo), and never
        makes a second invoice of the same quantities."""
        orders = self._xero_lock()
        skipped, vals_list = {}, []
        invoices = self.env["xero.order.invoice"].sudo()
        for order in orders:
            connection = order.company_id.sudo()._xero_connection()
            reason = order._xero_invoice_blocker(connection)
            lines = order._get_invoiceable_lines(final) if not reason else None
            if lines:  # the recurring lines are the subscription's, billed by Xero
                lines = lines.filtered(lambda line: not line.xero_recurring)
            if not reason and not lines.filtered(lambda line: not line.display_type):
                reason = (
                    self.env._(
                        "%s has nothing to invoice once: its subscription is billed by Xero.",
                        order.name,
                    )
                    if order.xero_recurring
                    else self.env._(
                        "%s has nothing to invoice: every ordered (or delivered) quantity is "
                        "invoiced already.",
                        order.name,
                    )
                )
            if reason:
                skipped[order] = reason
                continue
            quantities = {line: line._xero_quantity_to_invoice() for line in lines}
            vals_list.append(invoices._xero_values(connection, order, quantities))
        return self._xero_queue_invoices(vals_list), skipped

    def _xero_queue_invoices(self, vals_list):
        invoices = self.env["xero.order.invoice"].sudo().create(vals_list)
        invoices._xero_enqueue_push(invoices.connection_id, priority=PRIORITY["invoice"])
        return invoices

    def _xero_invoice_blocker(self, connection):
        """Why this order cannot be invoiced in Xero at all, or None."""
        self.ensure_one()
        if not connection or not connection.sync_invoices:
            return self.env._(
                "%(company)s does not invoice its orders in Xero (Settings > Xero > Invoices).",
                company=self.company_id.name,
            )
        if self.state != "sale":
            return self.env._("%s is not confirmed: confirm it first.", self.name)
        return None

    def _xero_lock(self):
        """Lock these orders for invoicing (a write, so a transaction that read them
        before fails and is retried instead of invoicing the same quantities)."""
        if not self.ids:
            return self
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE sale_order SET write_date = write_date WHERE id IN %s",
                tuple(sorted(self.ids)),
            )
        )
        self.order_line.invalidate_recordset(["qty_invoiced", "qty_to_invoice"])
        return self

    def _xero_reference(self):
        """Xero's Reference: the order's name and the customer's reference."""
        self.ensure_one()
        parts = [self.name, (self.client_order_ref or "").strip()]
        return " / ".join(part for part in parts if part)[:255]

    def _xero_terms(self, date, summary):
        """(due date, instalments note): a Xero invoice has one due date, that of the
        last instalment; the instalments are told on the invoice as a note."""
        self.ensure_one()
        term = self.payment_term_id
        if not term:
            return date, None  # due at once, as Odoo's own invoice would be
        untaxed, tax = summary["base_amount_currency"], summary["tax_amount_currency"]
        terms = term._compute_terms(
            date, self.currency_id, self.company_id, tax, tax, 1, untaxed, untaxed
        )["line_ids"]
        due = max(line["date"] for line in terms)
        if len(terms) < 2:
            return due, None
        parts = [
            self.env._(
                "%(amount)s due %(date)s",
                amount=self.currency_id.format(line["foreign_amount"]),
                date=fields.Date.to_string(line["date"]),
            )
            for line in terms
        ]
        return due, self.env._("Payable in instalments: %s.", "; ".join(parts))

    def _xero_tell(self, bodies):
        """Notes on the orders ({order id: text}), in one go and without notifying
        anyone: what Xero made of their invoices."""
        self.browse(list(bodies)).sudo()._message_log_batch(bodies)

    # ------------------------------------------------------------------ business: subscription

    def _xero_subscriptions(self):
        """The subscriptions of these orders, for a user who may change the orders."""
        self.check_access("write")
        subscriptions = self.sudo().xero_subscription_id
        if not subscriptions:
            raise UserError(self.env._("This order is not billed by a Xero subscription."))
        return subscriptions

    def _xero_term_due(self):
        """(Xero's due-date rule, days) of the order's payment term, where Xero has the
        same rule (the last instalment's days); otherwise due on the invoice date."""
        self.ensure_one()
        last = self.payment_term_id.line_ids.sorted("nb_days")[-1:]
        due_type = TERM_DUE_TYPES.get(last.delay_type) if last else None
        return (due_type, last.nb_days) if due_type else ("DAYSAFTERINVOICEDATE", 0)

    def _xero_back_dates(self, today):
        """The invoice dates Xero would generate at once for this order's schedule (a
        first invoice before ``today``)."""
        self.ensure_one()
        start = self.xero_recurring_start
        if not self.xero_recurring or not start or start >= today:
            return []
        interval = max(self.xero_recurring_interval, 1)
        dates = [
            day
            for day in next_dates(start, self.xero_recurring_unit, interval, 400)
            if day <= today
        ]
        end = self.xero_recurring_end
        return [day for day in dates if not end or day <= end]

    def _xero_recurring_signature(self):
        """What a version of the subscription is made of: the recurring lines (product,
        description, quantity, unit, price, discount, taxes) and the schedule."""
        self.ensure_one()
        lines = [
            [
                line.id,
                line.product_id.id,
                line.name,
                line.product_uom_qty,
                line.product_uom_id.id,
                line.price_unit,
                line.discount,
                sorted(line.tax_ids.ids),
            ]
            for line in self.order_line.filtered(lambda ol: ol.xero_recurring)
        ]
        schedule = [
            self.xero_recurring_interval,
            self.xero_recurring_unit,
            fields.Date.to_string(self.xero_recurring_end) or None,
            self.xero_recurring_due_days,
            self.xero_recurring_due_type,
            self.xero_recurring_approval,
            self.xero_recurring_mark_sent,
        ]
        return {"lines": lines, "schedule": schedule}

    def _xero_check_back_dated(self):
        """A first invoice in the past is confirmed only once the user said so, knowing
        how many invoices Xero makes at once."""
        today = fields.Date.context_today(self)
        for order in self.filtered(lambda o: o.xero_recurring and not o.xero_recurring_back_ok):
            dates = order._xero_back_dates(today)
            if dates:
                raise UserError(
                    self.env._(
                        "%(order)s: %(note)s Tick 'Bill the past periods' to confirm it, or "
                        "move the first invoice to today or later.",
                        order=order.name,
                        note=order.xero_recurring_back_note,
                    )
                )

    def _xero_start_subscriptions(self):
        """Confirmed recurring orders of companies that invoice in Xero: their
        subscription starts, its repeating invoice queued for Xero."""
        orders = self.filtered(lambda o: o.xero_recurring and not o.xero_subscription_id)
        invoicing = {
            company: connection
            for company in orders.company_id
            if (connection := company.sudo()._xero_connection()).sync_invoices
        }
        orders = orders.filtered(lambda o: o.company_id in invoicing)
        return self.env["xero.subscription"].sudo()._xero_start(orders, invoicing)

    # ------------------------------------------------------------------ business: credit hold

    def _xero_credit_hold_excess(self):
        """(overdue balance, credit hold, currency) when this order's customer owes more
        overdue in Xero than the company's credit hold, else None."""
        self.ensure_one()
        connection = self.company_id.sudo()._xero_connection()
        if not (connection and connection.credit_hold and self.partner_id):
            return None
        customer = self.partner_id.commercial_partner_id.with_company(self.company_id).sudo()
        overdue, currency = customer.xero_amount_overdue, customer.xero_currency_id
        threshold = connection.credit_hold_threshold
        if currency.compare_amounts(overdue, max(threshold, 0.0)) <= 0:
            return None
        return overdue, threshold, currency

    def _xero_credit_hold_figures(self):
        """ "Ridgeway Builders owes $ 690.00 overdue in Xero, above the credit hold of
        $ 500.00." (no figure for those who may not see Xero's)."""
        self.ensure_one()
        excess = self._xero_credit_hold_excess()
        customer = self.partner_id.commercial_partner_id.name
        if not excess:
            return ""
        if not self.env.user.has_group(GROUP_USER):
            return self.env._("%s has overdue invoices in Xero above the credit hold.", customer)
        overdue, threshold, currency = excess
        return self.env._(
            "%(customer)s owes %(overdue)s overdue in Xero, above the credit hold of "
            "%(threshold)s.",
            customer=customer,
            overdue=currency.format(overdue),
            threshold=currency.format(threshold),
        )

    def _xero_held_reason(self):
        """Why this quotation cannot be confirmed yet (the credit hold, not approved), and
        what to do; False when it can."""
        self.ensure_one()
        if self.state not in ("draft", "sent") or self.xero_credit_hold_approved_by:
            return False
        figures = self._xero_credit_hold_figures()
        if not figures:
            return False
        return self.env._(
            "%(figures)s A Xero manager can approve this order (button Approve despite "
            "overdue); then it can be confirmed.",
            figures=figures,
        )
