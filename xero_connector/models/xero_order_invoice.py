from dataclasses import replace

from odoo import api, fields, models
from odoo.fields import Command, Domain

from ..const import PRIORITY
from ..tools import xero_money as xm
from ..tools.outcomes import Done, Later, Refused, Send
from ..tools.sync_rules import quoted

# Xero statuses after which an invoice no longer counts as invoiced
GONE = ("VOIDED", "DELETED")
# a rounding line above this many cents per line is not rounding: the send is refused
ROUNDING_CENTS_PER_LINE = 2


class XeroOrderInvoice(models.Model):
    """A Xero sales invoice made from a confirmed order: what the order invoiced.

    Its lines freeze what Odoo invoiced (order line, quantity, price, discount, taxes
    and Odoo's amounts), so that the order's invoiced quantities count it at once and a
    second click or trigger finds nothing left to invoice. What Xero makes of them
    (item, account, tax type, customer, rounding line) is mapped when it is sent, so a
    map fixed after a refusal applies to the next Resync. Xero's own view of the
    invoice (number, status, amount due) is its mirror, ``xero.invoice``.
    """

    _name = "xero.order.invoice"
    _inherit = ["xero.sync.outbound.mixin"]
    _description = "Xero invoice of an order"
    _order = "id desc"

    _xero_object = "sale_invoice"
    _xero_plural = "Invoices"
    _xero_id_key = "InvoiceID"
    _xero_sdk = "invoices"
    # Xero makes a second invoice of the same lines without a word: a create whose answer
    # was lost is looked up by its reference before it is sent again
    _xero_look_before_resending = True
    _xero_field_map = {
        "Contact": "partner_id",
        "CurrencyCode": "currency_id",
        "LineItems": "line_ids",
        "DueDate": "due_date",
        "Date": "date",
    }

    # ------------------------------------------------------------------ fields

    order_id = fields.Many2one(
        "sale.order", required=True, index=True, ondelete="restrict", readonly=True
    )
    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, help="The Xero contact invoiced."
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    date = fields.Date("Invoice date", required=True, readonly=True)
    due_date = fields.Date("Due date", readonly=True)
    reference = fields.Char(readonly=True)
    is_down_payment = fields.Boolean("Down payment", readonly=True)
    line_ids = fields.One2many("xero.order.invoice.line", "invoice_id", "Lines", readonly=True)
    amount_untaxed = fields.Monetary("Untaxed amount", readonly=True)
    amount_tax = fields.Monetary("Taxes", readonly=True)
    amount_total = fields.Monetary("Total", readonly=True)
    rounding_amount = fields.Monetary(
        "Rounding line", readonly=True, help="What Xero's per-line tax rounding needed added."
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
    def _xero_enabled(self, connection):
        return connection.sync_invoices and connection.sync_contacts

    def _xero_sync_domain(self, connection):
        return Domain("connection_id", "=", connection.id)

    def _xero_scope_reason(self, connection):
        self.ensure_one()
        return self.env._(
            "This invoice belongs to the Xero organisation of %s.", self.company_id.name
        )

    @api.model
    def _xero_url(self, connection, xero_id):
        return connection._xero_web_url("invoice", xero_id)

    @api.model
    def _xero_call_options(self):
        return {"unitdp": 4}

    @api.model
    def _xero_push_options(self, connection):
        return super()._xero_push_options(connection) | {
            "allow_backorders": bool(connection.allow_backorders)
        }

    # ------------------------------------------------------------------ business: making invoices

    @api.model
    def _xero_values(self, connection, order, quantities, down_payment=False):
        """The values of the invoice of ``quantities`` ({order line: quantity}), with
        Odoo's amounts of exactly those quantities."""
        priced = [line for line in quantities if not line.display_type]
        base_lines = [
            line._prepare_base_line_for_taxes_computation(quantity=quantities[line])
            for line in priced
        ]
        taxes = self.env["account.tax"]
        company = order.company_id
        taxes._add_tax_details_in_base_lines(base_lines, company)
        taxes._round_base_lines_tax_details(base_lines, company)
        summary = taxes._get_tax_totals_summary(base_lines, order.currency_id, company)
        amounts = {base_line["record"]: _base_line_amounts(base_line) for base_line in base_lines}
        today = fields.Date.context_today(order)
        due, instalments = order._xero_terms(today, summary)
        lines = [
            Command.create(line._xero_invoice_line_values(quantity, amounts.get(line)))
            for line, quantity in quantities.items()
        ]
        if instalments:
            lines.append(
                Command.create(
                    {"display_type": "line_note", "name": instalments, "sequence": 99999}
                )
            )
        return {
            "order_id": order.id,
            "connection_id": connection.id,
            "partner_id": order.partner_invoice_id.commercial_partner_id.id,
            "currency_id": order.currency_id.id,
            "date": today,
            "due_date": due,
            "reference": order._xero_reference(),
            "is_down_payment": down_payment,
            "amount_untaxed": summary["base_amount_currency"],
            "amount_tax": summary["tax_amount_currency"],
            "amount_total": summary["total_amount_currency"],
            "line_ids": lines,
        }

    # ------------------------------------------------------------------ business: Odoo -> Xero

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """The Xero invoice: the customer, the lines mapped, and the rounding line that
        makes Xero's total Odoo's, to the cent."""
        self.ensure_one()
        invoice = self.sudo()
        order = invoice.order_id
        contact = self.env["res.partner"]._xero_links(connection, ids=invoice.partner_id.ids)
        contact = contact.get(invoice.partner_id.id)
        amount_type, lines, _gap = invoice._xero_mapped_lines(connection)
        payload = {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact.xero_id}
            if contact and contact.xero_id
            else {"Name": invoice.partner_id.name},
            "Date": invoice.date.isoformat(),
            "DueDate": (invoice.due_date or invoice.date).isoformat(),
            "Status": connection.invoice_status,
            "CurrencyCode": invoice.currency_id.name,
            "LineAmountTypes": amount_type,
            "Reference": invoice.reference or order.name,
            "Url": invoice._xero_odoo_url(),
            "LineItems": [_xero_keys(line) for line in lines],
        }
        theme = order.team_id.xero_branding_theme_id or connection.branding_theme_id
        if theme:
            payload["BrandingThemeID"] = theme.xero_key
        if connection.invoice_number_from == "order":
            payload["InvoiceNumber"] = invoice._xero_number()
        xero_id = xero_id or (link.xero_id if link else False)
        if xero_id:
            payload["InvoiceID"] = xero_id
        return payload

    def _xero_mapped_lines(self, connection):
        """(LineAmountTypes, the lines in Xero's terms with their effective ``Rate``, the
        rounding gap): the rounding line, when Odoo's total and Xero's differ, is the
        last line."""
        self.ensure_one()
        amount_type = self._xero_amount_type()
        lines = []
        for line in self.line_ids:
            lines.append(line._xero_line(connection, amount_type))
            if not line.display_type:
                lines += line._xero_fixed_tax_lines(connection)
        priced = [line for line in lines if "LineAmount" in line]
        gap = xm.rounding_gap(self.amount_total, priced, amount_type)
        if gap:
            lines.append(self._xero_rounding_line(connection, gap))
        return amount_type, lines, gap

    def _xero_amount_type(self):
        """Inclusive when every taxed line's price includes its taxes, else Exclusive
        (prices including tax are then sent without it)."""
        self.ensure_one()
        taxed = self.line_ids.filtered(lambda line: not line.display_type and line.tax_ids)
        if taxed and all(line._xero_price_include() for line in taxed):
            return xm.INCLUSIVE
        return xm.EXCLUSIVE

    def _xero_rounding_line(self, connection, gap):
        self.ensure_one()
        return {
            "Description": self.env._("Rounding (Odoo's total %s)", self.amount_total),
            "Quantity": 1.0,
            "UnitAmount": float(gap),
            "LineAmount": gap,
            "AccountCode": connection.rounding_account_id.code or None,
            "TaxType": connection.no_tax_rate_id.xero_key or None,
            "Rate": 0,
        }

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
    def _xero_refusals(self, connection, checks):
        """What Xero would refuse, found before any call, for the whole batch: the
        customer, the currency, each line's item, account and tax type, and a rounding
        difference too large to be rounding."""
        currencies = set(
            self.env["xero.currency"]
            .sudo()
            .search([("connection_id", "=", connection.id)])
            .mapped("xero_key")
        )
        refusals = {}
        for job_id, (invoice, payload) in checks.items():
            problem = invoice._xero_problem(connection, payload, currencies)
            if problem:
                reason, field = problem
                refusals[job_id] = Refused(reason, field=field)
        return refusals

    def _xero_problem(self, connection, payload, currencies):
        """(plain reason, field to fix) of the first thing Xero would refuse, or None."""
        self.ensure_one()
        invoice = self.sudo()
        order = invoice.order_id
        if not invoice.line_ids.filtered(lambda line: not line.display_type):
            return self.env._("%s has nothing to invoice.", order.name), None
        if currencies and invoice.currency_id.name not in currencies:
            return (
                self.env._(
                    "Xero does not use %(currency)s in this organisation: add it in Xero "
                    "(Settings > Currencies), or quote %(order)s in %(base)s, then Resync.",
                    currency=invoice.currency_id.name,
                    order=order.name,
                    base=connection.base_currency or "",
                ),
                self.env._("Currency"),
            )
        contact = (
            self.env["xero.contact"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", connection.id),
                    ("xero_id", "=", payload["Contact"].get("ContactID") or "-"),
                    ("archived", "=", True),
                ],
                limit=1,
            )
        )
        if contact:
            return (
                self.env._(
                    "The customer %s is archived in Xero: restore the contact in Xero, then "
                    "Resync.",
                    invoice.partner_id.display_name,
                ),
                self.env._("Customer"),
            )
        for line in invoice.line_ids:
            problem = line._xero_problem(connection)
            if problem:
                return problem, self.env._("Lines")
        _amount_type, _lines, gap = invoice._xero_mapped_lines(connection)
        if gap:
            limit = ROUNDING_CENTS_PER_LINE * len(invoice.line_ids) / 100
            if abs(gap) > max(limit, 0.05):
                return (
                    self.env._(
                        "Odoo's total %(odoo)s and Xero's total of the same lines differ by "
                        "%(gap)s: more than rounding. Check the taxes of %(order)s in the tax "
                        "map.",
                        odoo=invoice.amount_total,
                        gap=gap,
                        order=order.name,
                    ),
                    self.env._("Lines"),
                )
            if not connection.rounding_account_id:
                return (
                    self.env._(
                        "Odoo's total and Xero's differ by %(gap)s (tax rounded per line in "
                        "Xero): choose a rounding account in Settings > Xero > Invoices, "
                        "then Resync.",
                        gap=gap,
                    ),
                    self.env._("Rounding account"),
                )
        return None

    @api.model
    def _xero_before_send(self, connection, jobs, outcomes, links):
        """An invoice waits for its customer and its products to be in Xero: they are
        queued (before it) if they are not, and a customer Xero refused stops it."""
        changed = {}
        for job in jobs:
            send = outcomes[job.id]
            if not isinstance(send, Send) or send.payload is None:
                continue
            invoice = self.browse(job.res_id).sudo()
            waiting = invoice._xero_waits_for(connection, send.payload)
            if waiting:
                changed[job.id] = waiting
        return changed

    def _xero_waits_for(self, connection, payload):
        """Later while the customer or a product is still being sent to Xero; Refused
        when the customer cannot be."""
        self.ensure_one()
        partner = self.partner_id
        if not payload["Contact"].get("ContactID"):
            link = partner._xero_links(connection, ids=partner.ids).get(partner.id)
            if partner._xero_pending_push(connection):
                return Later(self.env._("Waits for the customer to be created in Xero."), 3)
            if not link:
                partner._xero_bring_into_scope(connection)
                partner._xero_enqueue_push(connection, priority=PRIORITY["push"])
                return Later(self.env._("Waits for the customer to be created in Xero."), 3)
            return Refused(
                self.env._(
                    "The customer %(customer)s is not in Xero: %(error)s Fix the customer "
                    "(or decide it in Xero > Contacts to review), then Resync the order.",
                    customer=partner.display_name,
                    error=link.last_error or self.env._("nothing is sending it."),
                ),
                field=self.env._("Customer"),
            )
        products = self.line_ids.product_id.filtered(
            lambda p: connection.sync_products and p.default_code
        )
        if products and products._xero_pending_push(connection):
            return Later(self.env._("Waits for its products to be sent to Xero."), 3)
        return None

    @api.model
    def _xero_pushed(self, jobs, elements, payloads):
        """The mirror of what Xero created is kept at once (number, status, amount due)."""
        outcomes = super()._xero_pushed(jobs, elements, payloads)
        connection = jobs.connection_id
        created = [
            element
            for element in elements
            if element.get("StatusAttributeString") != "ERROR"
            and not element.get("ValidationErrors")
            and element.get("InvoiceID")
        ]
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
        for job, element in zip(jobs, elements, strict=False):
            if not isinstance(outcomes.get(job.id), Done):
                continue
            invoice = self.browse(job.res_id).sudo()
            gap = invoice._xero_mapped_lines(connection)[2]
            mirror = found.get((element.get("InvoiceID") or "").lower())
            invoice.write(
                {
                    "xero_invoice_id": mirror.id if mirror else False,
                    "rounding_amount": float(gap),
                }
            )
            outcomes[job.id] = replace(outcomes[job.id], result=invoice._xero_sent_note(element))
            invoice.order_id._xero_invoice_posted(invoice, element)
        return outcomes

    def _xero_sent_note(self, element):
        self.ensure_one()
        note = self.env._(
            "Invoice %(number)s for %(total)s %(currency)s.",
            number=element.get("InvoiceNumber") or "",
            total=element.get("Total"),
            currency=self.currency_id.name,
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
    def _xero_find_created(self, jobs):
        """Creates that may have reached Xero: an invoice with the job's reference and
        the same link back to Odoo is the one created."""
        wanted = {job.id: (job.payload or {}).get("Reference") for job in jobs}
        references = {reference for reference in wanted.values() if reference}
        if not references:
            return {}
        answer = jobs.connection_id._xero_call_json(
            "get_invoices",
            where=" OR ".join(f"Reference=={quoted(r)}" for r in sorted(references)),
            purpose="push",
            log={"direction": "in", "message": self.env._("Invoices that may exist already")},
        )
        by_url = {
            invoice.get("Url"): invoice["InvoiceID"]
            for invoice in answer.get("Invoices") or []
            if invoice.get("Status") not in GONE and invoice.get("Url")
        }
        return {
            job.id: by_url[job.payload["Url"]]
            for job in jobs
            if (job.payload or {}).get("Url") in by_url
        }


class XeroOrderInvoiceLine(models.Model):
    """A line of a Xero invoice made from an order: what of an order line it invoiced,
    with Odoo's amounts of it. Section and note lines go as description-only lines."""

    _name = "xero.order.invoice.line"
    _description = "Line of a Xero invoice of an order"
    _order = "invoice_id, sequence, id"

    # ------------------------------------------------------------------ fields

    invoice_id = fields.Many2one(
        "xero.order.invoice", required=True, index=True, ondelete="cascade"
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", "Order line", index="btree_not_null", ondelete="set null"
    )
    currency_id = fields.Many2one(related="invoice_id.currency_id")
    sequence = fields.Integer(default=10)
    display_type = fields.Selection(
        [("line_section", "Section"), ("line_note", "Note")], readonly=True
    )
    name = fields.Text("Description", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    quantity = fields.Float(digits="Product Unit", readonly=True)
    price_unit = fields.Float("Unit price", digits="Product Price", readonly=True)
    discount = fields.Float("Discount (%)", digits="Discount", readonly=True)
    tax_ids = fields.Many2many("account.tax", string="Taxes", readonly=True)
    price_subtotal = fields.Monetary("Subtotal", readonly=True)
    price_total = fields.Monetary("Total", readonly=True)
    is_down_payment = fields.Boolean(readonly=True)

    # ------------------------------------------------------------------ business

    def _xero_price_include(self):
        self.ensure_one()
        return any(self.tax_ids.flatten_taxes_hierarchy().mapped("price_include"))

    def _xero_rate(self, connection):
        """(Xero tax rate, problem) of this line's percentage taxes."""
        return self.env["xero.tax.map"].sudo()._xero_lookup(connection, self.tax_ids)

    def _xero_account(self, connection):
        self.ensure_one()
        if self.is_down_payment and connection.deposit_account_id:
            return connection.deposit_account_id
        if self.product_id:
            return self.product_id._xero_sales_account(connection)
        return connection.sales_account_id

    def _xero_problem(self, connection):
        """Why Xero would refuse this line, in plain words, or None."""
        self.ensure_one()
        if self.display_type:
            return None
        rate, problem = self._xero_rate(connection)
        if problem:
            return problem
        account = self._xero_account(connection)
        if not account:
            return self.env._(
                "%s has no Xero sales account: choose the default one in Settings > Xero > "
                "Products, or one on the product or its category.",
                self.product_id.display_name or self.name,
            )
        problem = account._xero_sales_problem(rate)
        if problem:
            return problem
        if (
            connection.sync_products
            and self.product_id
            and self.product_id.sale_ok
            and not (self.product_id.default_code or "").strip()
        ):
            return self.env._(
                "The product %s has no internal reference, and Xero needs it as the item "
                "code: give the product an internal reference, then Resync.",
                self.product_id.display_name,
            )
        fixed = self.env["xero.tax.map"]._xero_tax_info(self.tax_ids)["fixed"]
        if fixed and not connection.no_tax_rate_id:
            return self.env._(
                "%s is a fixed amount, sent as a line of its own without tax: choose the tax "
                "rate of lines without tax in Settings > Xero > Taxes.",
                " + ".join(fixed.mapped("name")),
            )
        return None

    def _xero_line(self, connection, amount_type):
        """This line in Xero's terms (with the effective ``Rate`` of its tax type, for
        Xero's arithmetic; keys starting with ``_`` are not sent)."""
        self.ensure_one()
        if self.display_type:
            return {"Description": self.name or "-"}
        rate, _problem = self._xero_rate(connection)
        info = self.env["xero.tax.map"]._xero_tax_info(self.tax_ids)
        quantity, price = self.quantity, self.price_unit
        if quantity < 0:  # a down payment deducted: Xero refuses negative quantities
            quantity, price = -quantity, -price
        if info["price_include"] and amount_type == xm.EXCLUSIVE and info["rate"]:
            price = price * 100 / (100 + info["rate"])
        price = round(price, 4)
        amount = xm.line_amount(round(quantity, 4), price, self.discount or None)
        line = {
            "Description": self.name or self.product_id.display_name or "-",
            "Quantity": round(quantity, 4),
            "UnitAmount": price,
            "LineAmount": amount,
            "AccountCode": self._xero_account(connection).code or None,
            "TaxType": rate.xero_key or None,
            "Rate": rate.effective_rate if rate else 0,
        }
        if self.discount:
            line["DiscountRate"] = round(self.discount, 2)
        code = (self.product_id.default_code or "").strip()
        if code and self.product_id._xero_links(connection, ids=self.product_id.ids):
            line["ItemCode"] = code
        return line

    def _xero_fixed_tax_lines(self, connection):
        """Fixed-amount taxes of this line, as lines of their own without tax."""
        self.ensure_one()
        fixed = self.env["xero.tax.map"]._xero_tax_info(self.tax_ids)["fixed"]
        return [
            {
                "Description": tax.name,
                "Quantity": round(abs(self.quantity), 4),
                "UnitAmount": round(tax.amount, 4),
                "LineAmount": xm.line_amount(round(abs(self.quantity), 4), tax.amount),
                "AccountCode": self._xero_account(connection).code or None,
                "TaxType": connection.no_tax_rate_id.xero_key or None,
                "Rate": 0,
            }
            for tax in fixed
        ]


def _base_line_amounts(base_line):
    """(subtotal, total) of one of Odoo's base lines, after its rounding."""
    details = base_line["tax_details"]
    subtotal = details["total_excluded_currency"] + details.get("delta_total_excluded_currency", 0)
    tax = sum(data["tax_amount_currency"] for data in details["taxes_data"])
    return subtotal, subtotal + tax


def _xero_keys(line):
    """A line as sent: Xero's keys only, amounts as numbers."""
    return {
        key: float(value) if key == "LineAmount" else value
        for key, value in line.items()
        if not key.startswith("_") and key != "Rate" and value is not None
    }
