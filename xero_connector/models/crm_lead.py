from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Command

from ..const import GROUP_USER, PAYMENT_STATUSES


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # ------------------------------------------------------------------ fields

    xero_won_without_order = fields.Boolean(
        "Won without an order",
        readonly=True,
        copy=False,
        help="The opportunity reached the stage that invoices in Xero without a confirmed "
        "order: nothing was invoiced.",
    )
    xero_payment_status = fields.Selection(
        PAYMENT_STATUSES,
        "Xero payment",
        compute="_compute_xero_payment",
        groups=GROUP_USER,
        help="Where the Xero invoices of the opportunity's confirmed orders stand.",
    )
    xero_currency_id = fields.Many2one(
        "res.currency", compute="_compute_xero_payment", groups=GROUP_USER
    )
    xero_amount_due = fields.Monetary(
        "Due in Xero",
        compute="_compute_xero_payment",
        currency_field="xero_currency_id",
        groups=GROUP_USER,
        help="What the invoices of the opportunity's orders still owe, in the organisation's "
        "currency.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends_context("date", "company")
    def _compute_xero_payment(self):
        today = fields.Date.context_today(self)
        invoices = (
            self.env["xero.order.invoice"]
            .sudo()
            .search(
                [
                    ("order_id.opportunity_id", "in", self.ids),
                    ("xero_invoice_id", "!=", False),
                ]
            )
        )
        by_lead = invoices.grouped(lambda i: i.order_id.opportunity_id)
        for lead in self:
            mirrors = by_lead.get(lead, invoices.browse()).xero_invoice_id
            lead.xero_payment_status = mirrors._xero_payment_status(today)
            lead.xero_currency_id = (
                mirrors.base_currency_id[:1] or lead.company_id.currency_id or lead.company_currency
            )
            lead.xero_amount_due = sum(mirrors.filtered("is_open").mapped("amount_due_base"))

    # ------------------------------------------------------------------ compute

    @api.onchange("partner_id")
    def _onchange_partner_id_xero_overdue(self):
        """An opportunity for a customer who has overdue invoices in Xero: the salesperson
        is warned."""
        company = self.company_id or self.env.company
        message = self.partner_id.with_company(company)._xero_overdue_warning()
        if message:
            return {
                "warning": {
                    "title": self.env._("Overdue in Xero"),
                    "message": message,
                    "type": "notification",
                }
            }
        return None

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._xero_customers_changed()
        leads._xero_stage_reached()
        return leads

    def write(self, vals):
        result = super().write(vals)
        if {"partner_id", "type", "active"} & set(vals):
            self._xero_customers_changed()
        if "stage_id" in vals:
            self._xero_stage_reached()
        return result

    # ------------------------------------------------------------------ business

    def _xero_customers_changed(self):
        """An opportunity makes its customer one that syncs with Xero."""
        opportunities = self.filtered(lambda lead: lead.type == "opportunity" and lead.active)
        opportunities.partner_id._xero_became_customer()

    def _xero_stage_reached(self):
        """Opportunities reaching the stage that invoices: their confirmed orders are
        invoiced in Xero (what is left to invoice only: moving a deal back and forth
        invoices nothing twice)."""
        for company, leads in self.grouped("company_id").items():
            connection = (company or self.env.company).sudo()._xero_connection()
            if not (
                connection
                and connection.sync_invoices
                and connection.invoice_trigger in ("stage", "both")
                and connection.invoice_stage_id
            ):
                continue
            won = leads.filtered(lambda lead, c=connection: lead.stage_id == c.invoice_stage_id)
            if won:
                won._xero_invoice_won(connection)

    def _xero_invoice_won(self, connection):
        orders = self.order_ids.filtered(lambda order: order.state == "sale")
        without = self.filtered(
            lambda lead: not lead.order_ids.filtered(lambda o: o.state == "sale")
        )
        if connection.invoice_without_order == "revenue":
            made = without._xero_revenue_orders(connection)
            orders |= made
            without = without.filtered(lambda lead: lead not in made.opportunity_id)
        without._xero_flag_without_order()
        (self - without).filtered("xero_won_without_order").xero_won_without_order = False
        if orders:
            invoices, skipped = orders._xero_make_invoices()
            self._xero_tell_won(orders, invoices, skipped)

    def _xero_tell_won(self, orders, invoices, skipped):
        """The won opportunities say what became of them, with links: each order and
        whether its invoice goes to Xero (or why not); the activities asking for a
        quotation are marked done, since the order exists."""
        bodies = {}
        for lead in self:
            said = []
            for order in orders.filtered(lambda o, lead=lead: o.opportunity_id == lead):
                link = order._get_html_link()
                if order in invoices.order_id:
                    said.append(
                        Markup(self.env._("%(order)s is confirmed: its invoice goes to Xero now."))
                        % {"order": link}
                    )
                elif order in skipped:
                    said.append(Markup("%s: %s") % (link, skipped[order]))
            if said:
                bodies[lead.id] = Markup("<br/>").join([self.env._("Won."), *said])
        self.browse(list(bodies)).sudo()._message_log_batch(bodies)
        self.browse(list(bodies))._xero_quotation_done(orders)

    def _xero_quotation_done(self, orders):
        """The open activities asking to make a quotation of these opportunities are
        marked done: their order exists (an activity type or summary that speaks of a
        quote or quotation)."""
        words = {self.env._("quote").lower(), self.env._("quotation").lower(), "quote"}
        for lead in self.sudo():
            order = orders.filtered(lambda o, lead=lead: o.opportunity_id == lead)[:1]
            asking = lead.activity_ids.filtered(
                lambda a: any(
                    word in f"{a.summary or ''} {a.activity_type_id.name or ''}".lower()
                    for word in words
                )
            )
            if order and asking:
                asking.action_feedback(feedback=self.env._("Done: %s was confirmed.", order.name))

    def _xero_invoice_created(self, notes):
        """The Xero invoices of won opportunities' orders were created: each opportunity
        says so, with links to the order and to the invoice in Xero ({invoice: (note,
        its address in Xero)})."""
        bodies = {}
        for invoice, (note, xero_url) in notes.items():
            lead = invoice.order_id.opportunity_id
            if not lead:
                continue
            parts = [invoice.order_id._get_html_link(), Markup(": "), note]
            if xero_url:
                parts += [
                    Markup(" "),
                    Markup('<a href="%s" target="_blank">%s</a>')
                    % (xero_url, self.env._("Open in Xero")),
                ]
            body = Markup("").join(parts)
            bodies[lead.id] = Markup("<br/>").join(filter(None, [bodies.get(lead.id), body]))
        self.browse(list(bodies)).sudo()._message_log_batch(bodies)

    def _xero_revenue_orders(self, connection):
        """An order of the expected revenue, with the configured product, confirmed: for
        the opportunities that have a customer and an expected revenue."""
        product = connection.invoice_revenue_product_id
        leads = self.filtered(lambda lead: lead.partner_id and lead.expected_revenue > 0)
        if not product or not leads:
            return self.env["sale.order"]
        orders = (
            self.env["sale.order"]
            .sudo()
            .with_company(connection.company_id)
            .create(
                [
                    {
                        "partner_id": lead.partner_id.id,
                        "opportunity_id": lead.id,
                        "team_id": lead.team_id.id,
                        "user_id": lead.user_id.id,
                        "company_id": connection.company_id.id,
                        "origin": lead.name,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "name": lead.name,
                                    "product_uom_qty": 1.0,
                                    "price_unit": lead.expected_revenue,
                                }
                            )
                        ],
                    }
                    for lead in leads
                ]
            )
        )
        orders.action_confirm()
        for order in orders:
            order.message_post(
                body=self.env._(
                    "Made from the expected revenue of %s, won: it is invoiced in Xero.",
                    order.opportunity_id.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return orders

    def _xero_flag_without_order(self):
        """Won without an order: marked, and the salesperson told once."""
        new = self.filtered(lambda lead: not lead.xero_won_without_order)
        if not new:
            return
        new.sudo().xero_won_without_order = True
        for lead in new:
            lead.sudo().message_post(
                body=self.env._(
                    "Won without a confirmed order: nothing was invoiced in Xero. Confirm an "
                    "order of this opportunity to invoice it."
                ),
                subtype_xmlid="mail.mt_note",
            )
