from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.tools import float_compare

from ..const import GONE, PRIORITY
from ..tools import xero_money as xm
from ..tools.outcomes import Later, Refused, Send

# a rounding line above this many cents per line is not rounding: the send is refused;
# nor is a line that Xero's decimals alone change by more
ROUNDING_CENTS_PER_LINE = 2
# what a line in Xero's terms carries for Xero's arithmetic, and is not sent
PRIVATE_KEYS = ("Rate", "Exact")


class XeroOrderDocument(models.AbstractModel):
    """A Xero sales document made from a confirmed order (an invoice, a credit note).

    Its lines freeze what Odoo invoiced or credited (order line, quantity, price,
    discount, taxes and Odoo's amounts), so that the order's invoiced quantities count
    it at once. What Xero makes of them (item, account, tax type, customer, rounding
    line) is mapped when it is sent, so a map fixed after a refusal applies to the next
    Resync.
    """

    _name = "xero.order.document"
    _inherit = ["xero.sync.outbound.mixin"]
    _description = "Xero document of an order"
    _order = "id desc"

    _xero_document_type = None  # ACCREC, ACCRECCREDIT
    _xero_discounts = True  # Xero takes discounts on the document's lines
    # Xero makes a second document of the same lines without a word: a create whose
    # answer was lost is looked up by its reference before it is sent again
    _xero_look_before_resending = True
    # what tells apart the documents one order made: their reference (unique per order)
    _xero_match_key = "Reference"
    _xero_gone_statuses = GONE
    _xero_field_map = {
        "Contact": "partner_id",
        "CurrencyCode": "currency_id",
        "LineItems": "line_ids",
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
        "res.partner", "Customer", required=True, readonly=True, help="The Xero contact."
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    reference = fields.Char(readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        readonly=True,
        help="Cancelled: voided or deleted in Xero, or cancelled before it reached Xero.",
    )
    amount_untaxed = fields.Monetary("Untaxed amount", readonly=True)
    amount_tax = fields.Monetary("Taxes", readonly=True)
    amount_total = fields.Monetary("Total", readonly=True)
    rounding_amount = fields.Monetary(
        "Rounding line", readonly=True, help="What Xero's per-line tax rounding needed added."
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
            "This document belongs to the Xero organisation of %s.", self.company_id.name
        )

    @api.model
    def _xero_call_options(self):
        return {"unitdp": 4}

    def _xero_live_forms(self):
        """The order's form shows its documents' problems too."""
        documents = self.exists()
        orders = [("sale.order", order_id) for order_id in documents.order_id.ids]
        return [*super()._xero_live_forms(), *orders]

    # ------------------------------------------------------------------ business: Odoo's amounts

    @api.model
    def _xero_amounts(self, order, entries):
        """Odoo's arithmetic of ``entries`` of the order: [(order line, quantity, its
        values or None for the line's own price, discount and taxes)]. Returns (the tax
        totals summary, the line commands)."""
        base_lines = [
            line._prepare_base_line_for_taxes_computation(quantity=quantity, **(values or {}))
            for line, quantity, values in entries
            if not line.display_type
        ]
        taxes = self.env["account.tax"]
        company = order.company_id
        taxes._add_tax_details_in_base_lines(base_lines, company)
        taxes._round_base_lines_tax_details(base_lines, company)
        summary = taxes._get_tax_totals_summary(base_lines, order.currency_id, company)
        amounts = iter(_base_line_amounts(base_line) for base_line in base_lines)
        lines = [
            Command.create(
                line._xero_invoice_line_values(
                    quantity, None if line.display_type else next(amounts), values
                )
            )
            for line, quantity, values in entries
        ]
        return summary, lines

    @api.model
    def _xero_common_values(self, connection, order, summary):
        return {
            "order_id": order.id,
            "connection_id": connection.id,
            "partner_id": order.partner_invoice_id.commercial_partner_id.id,
            "currency_id": order.currency_id.id,
            "date": fields.Date.context_today(order),
            "amount_untaxed": summary["base_amount_currency"],
            "amount_tax": summary["tax_amount_currency"],
            "amount_total": summary["total_amount_currency"],
        }

    # ------------------------------------------------------------------ business: Odoo -> Xero

    def _xero_common_payload(self, connection, status):
        """What every sales document carries: the customer, the lines mapped (with the
        rounding line that makes Xero's total Odoo's, to the cent)."""
        self.ensure_one()
        document = self.sudo()
        contact = _link(document.partner_id, connection)
        amount_type, lines, _gap = document._xero_line_items(connection)
        payload = {
            "Type": self._xero_document_type,
            "Contact": {"ContactID": contact.xero_id}
            if contact
            else {"Name": document.partner_id.name},
            "Date": document.date.isoformat(),
            "Status": status,
            "CurrencyCode": document.currency_id.name,
            "LineAmountTypes": amount_type,
            "Reference": document.reference or document.order_id.name,
            "LineItems": lines,
        }
        theme = document.order_id.team_id.xero_branding_theme_id
        if theme.connection_id != connection:  # the team's, of this organisation only
            theme = connection.branding_theme_id
        if theme:
            payload["BrandingThemeID"] = theme.xero_key
        return payload

    def _xero_line_items(self, connection):
        """(LineAmountTypes, the lines exactly as Xero receives them, the rounding gap):
        what the document sends, and what a product's preview of its first sale shows
        (of a document never saved)."""
        self.ensure_one()
        amount_type, lines, gap = self._xero_mapped_lines(connection)
        return amount_type, [_xero_keys(line) for line in lines], gap

    def _xero_mapped_lines(self, connection):
        """(LineAmountTypes, the lines in Xero's terms with their effective ``Rate``, the
        rounding gap): the rounding line, when Odoo's total and Xero's differ, is the
        last line."""
        self.ensure_one()
        amount_type = self._xero_amount_type()
        tracking = self.order_id.team_id._xero_tracking(connection)
        lines = []
        for line in self.line_ids:
            lines.append(line._xero_line(connection, amount_type, self._xero_discounts))
            if not line.display_type:
                lines += line._xero_fixed_tax_lines(connection)
        if tracking:
            lines = [
                line | {"Tracking": tracking} if "AccountCode" in line else line for line in lines
            ]
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

    @api.model
    def _xero_rounding_of(self, connection, payload):
        """The amount of the rounding line of a payload (its last line, on the rounding
        account), or 0."""
        lines = payload.get("LineItems") or []
        code = connection.rounding_account_id.code
        if lines and code and lines[-1].get("AccountCode") == code and "ItemCode" not in lines[-1]:
            return xm.cents(lines[-1].get("LineAmount") or 0)
        return xm.cents(0)

    def _xero_rounding_line(self, connection, gap):
        self.ensure_one()
        return {
            "Description": self.env._(
                "Rounding (Odoo's total %s)", self.currency_id.format(self.amount_total)
            ),
            "Quantity": 1.0,
            "UnitAmount": float(gap),
            "LineAmount": gap,
            "AccountCode": connection.rounding_account_id.code or None,
            "TaxType": connection.no_tax_rate_id.xero_key or None,
            "Rate": 0,
        }

    # ------------------------------------------------------------------ business: guard rails

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
        contact_ids = [p.get("Contact", {}).get("ContactID") for _d, p in checks.values()]
        archived = set(
            self.env["xero.contact"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", connection.id),
                    ("xero_id", "in", [c for c in contact_ids if c]),
                    ("archived", "=", True),
                ]
            )
            .mapped("xero_id")
        )
        refusals = {}
        for job_id, (document, payload) in checks.items():
            if "LineItems" not in payload:
                continue  # a change of its status or reference only
            problem = document._xero_problem(connection, payload, currencies, archived)
            if problem:
                reason, field = problem
                refusals[job_id] = Refused(reason, field=field)
        return refusals

    def _xero_problem(self, connection, payload, currencies, archived):
        """(plain reason, field to fix) of the first thing Xero would refuse, or None."""
        self.ensure_one()
        document = self.sudo()
        order = document.order_id
        if not document.line_ids.filtered(lambda line: not line.display_type):
            return self.env._("%s has nothing to invoice.", order.name), None
        if currencies and document.currency_id.name not in currencies:
            return (
                self.env._(
                    "Xero does not use %(currency)s in this organisation: add it in Xero "
                    "(Settings > Currencies), or quote %(order)s in %(base)s, then Resync.",
                    currency=document.currency_id.name,
                    order=order.name,
                    base=connection.base_currency or "",
                ),
                self.env._("Currency"),
            )
        if payload.get("Contact", {}).get("ContactID") in archived:
            return (
                self.env._(
                    "The customer %s is archived in Xero: restore the contact in Xero, then "
                    "Resync.",
                    document.partner_id.display_name,
                ),
                self.env._("Customer"),
            )
        for line in document.line_ids:
            problem = line._xero_problem(connection)
            if problem:
                return problem, self.env._("Lines")
        _amount_type, lines, gap = document._xero_mapped_lines(connection)
        problem = document._xero_decimals_problem(lines)
        if problem:
            return problem, self.env._("Lines")
        if not gap:
            return None
        limit = ROUNDING_CENTS_PER_LINE * len(document.line_ids) / 100
        if abs(gap) > max(limit, 0.05):
            return (
                self.env._(
                    "Odoo's total %(odoo)s and Xero's total of the same lines differ by "
                    "%(gap)s: more than rounding. Check the taxes of %(order)s in the tax map.",
                    odoo=document.currency_id.format(document.amount_total),
                    gap=document.currency_id.format(float(gap)),
                    order=order.name,
                ),
                self.env._("Lines"),
            )
        if not connection.rounding_account_id:
            return (
                self.env._(
                    "Odoo's total and Xero's differ by %(gap)s: a rounding line is needed. "
                    "Choose a rounding account in Settings > Xero > Invoices, then Resync.",
                    gap=document.currency_id.format(float(gap)),
                ),
                self.env._("Rounding account"),
            )
        return None

    def _xero_decimals_problem(self, lines):
        """Why Xero cannot hold ``lines`` (in Xero's terms) to the cent, in plain words, or
        None: a line whose amount Xero's decimals change by more than rounding."""
        self.ensure_one()
        limit = xm.cents(ROUNDING_CENTS_PER_LINE / 100)
        beyond = [(line, gap) for line, gap in _inexact(lines) if abs(gap) > limit]
        if not beyond:
            return None
        problem = self.env._(
            "Xero keeps 4 decimals of a unit price (in the product's unit) and of a quantity: "
            "%(lines)s, more than rounding. Give the line a unit price of 4 decimals at most "
            "on %(order)s (or sell it in the product's unit): its invoice follows.",
            lines=self._xero_said(beyond),
            order=self.order_id.name,
        )
        if not self._xero_discounts:
            problem += " " + self.env._(
                "Xero takes no discount on a credit note: a discounted line goes at its "
                "discounted unit price."
            )
        return problem

    def _xero_rounding_note(self):
        """What the rounding line of this document carries, in plain words ("" without
        one)."""
        self.ensure_one()
        if not self.rounding_amount:
            return ""
        document = self.sudo()
        inexact = _inexact(document._xero_mapped_lines(document.connection_id)[1])
        gap = self.currency_id.format(self.rounding_amount)
        total = self.currency_id.format(self.amount_total)
        if inexact:
            return self.env._(
                "A rounding line of %(gap)s makes Xero's total equal Odoo's (%(total)s): Xero "
                "keeps 4 decimals of a unit price and of a quantity (%(lines)s).",
                gap=gap,
                total=total,
                lines=self._xero_said(inexact),
            )
        if self.company_id.tax_calculation_rounding_method == "round_globally":
            return self.env._(
                "A rounding line of %(gap)s makes Xero's total equal Odoo's (%(total)s): Odoo "
                "rounds tax on the total (Settings > Invoicing > Rounding method), Xero on "
                "each line.",
                gap=gap,
                total=total,
            )
        return self.env._(
            "A rounding line of %(gap)s makes Xero's total equal Odoo's (%(total)s).",
            gap=gap,
            total=total,
        )

    def _xero_said(self, inexact):
        """Lines Xero's decimals change, in words: "Widget: 10.00 in Odoo, 10.01 in
        Xero"."""
        return "; ".join(
            self.env._(
                "%(line)s: %(odoo)s in Odoo, %(xero)s in Xero",
                line=line["Description"].splitlines()[0][:80],
                odoo=line["Exact"],
                xero=line["LineAmount"],
            )
            for line, _gap in inexact
        )

    @api.model
    def _xero_before_send(self, connection, jobs, outcomes, links):
        """A document waits for its customer and its products to be in Xero: they are
        queued (before it) if they are not, and a customer Xero refused stops it."""
        sends = {
            job.res_id: (job, outcomes[job.id])
            for job in jobs
            if isinstance(outcomes.get(job.id), Send) and outcomes[job.id].payload is not None
        }
        documents = self.browse(list(sends)).sudo()
        products = documents.line_ids.product_id if connection.sync_products else None
        pending = products._xero_pending_push(connection) if products else None
        changed = {}
        for document in documents:
            job, send = sends[document.id]
            waiting = document._xero_waits_for(connection, send.payload, pending)
            if waiting:
                changed[job.id] = waiting
        return changed

    def _xero_waits_for(self, connection, payload, pending_products=None):
        """Later while the customer or a product is still being sent to Xero; Refused
        when the customer cannot be."""
        self.ensure_one()
        partner = self.partner_id
        if "Contact" in payload and not payload["Contact"].get("ContactID"):
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
        if pending_products and self.line_ids.product_id & pending_products:
            return Later(self.env._("Waits for its products to be sent to Xero."), 3)
        return None

    # ------------------------------------------------------------------ business: lost answers

    @api.model
    def _xero_find_created(self, jobs):
        """Creates that may have reached Xero: the document of Xero with the job's
        reference and the same ``_xero_match_key`` is the one created."""
        key = self._xero_match_key
        found = {
            document[key]: document
            for document in self._xero_by_reference(jobs)
            if document.get(key)
        }
        return {
            job.id: found[job.payload[key]] for job in jobs if (job.payload or {}).get(key) in found
        }

    # ------------------------------------------------------------------ business: what counts

    def _xero_counts(self, posted=False):
        """Whether this document counts in what the order invoiced: not cancelled, or
        (``posted``) approved in Xero."""
        raise NotImplementedError


class XeroOrderDocumentLine(models.Model):
    """A line of a Xero document made from an order: what of an order line it invoiced
    or credited, with Odoo's amounts of it. Section and note lines go as
    description-only lines."""

    _name = "xero.order.invoice.line"
    _description = "Line of a Xero document of an order"
    _order = "sequence, id"

    # ------------------------------------------------------------------ fields

    invoice_id = fields.Many2one("xero.order.invoice", index=True, ondelete="cascade")
    template_id = fields.Many2one(
        "xero.subscription.template", index="btree_not_null", ondelete="cascade"
    )
    credit_note_id = fields.Many2one(
        "xero.order.credit.note", index="btree_not_null", ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, precompute=True, index=True
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", "Order line", index="btree_not_null", ondelete="set null"
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    sequence = fields.Integer(default=10)
    display_type = fields.Selection(
        [("line_section", "Section"), ("line_note", "Note")], readonly=True
    )
    name = fields.Text("Description", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    # as Odoo's order and invoice lines hold them: the price whole (Odoo's price
    # precision is for display), the quantity and the price in the line's unit
    product_uom_id = fields.Many2one("uom.uom", "Unit", readonly=True)
    quantity = fields.Float(digits="Product Unit", readonly=True)
    price_unit = fields.Float("Unit price", min_display_digits="Product Price", readonly=True)
    discount = fields.Float("Discount (%)", digits="Discount", readonly=True)
    tax_ids = fields.Many2many("account.tax", string="Taxes", readonly=True)
    price_subtotal = fields.Monetary("Subtotal", readonly=True)
    price_total = fields.Monetary("Total", readonly=True)
    is_down_payment = fields.Boolean(readonly=True)

    # ------------------------------------------------------------------ compute

    @api.depends("invoice_id.company_id", "credit_note_id.company_id", "template_id.company_id")
    def _compute_company_id(self):
        for line in self:
            line.company_id = line._xero_document().company_id

    @api.depends("invoice_id.currency_id", "credit_note_id.currency_id", "template_id.currency_id")
    def _compute_currency_id(self):
        for line in self:
            line.currency_id = line._xero_document().currency_id

    # ------------------------------------------------------------------ constraints

    _one_document = models.Constraint(
        "CHECK(num_nonnulls(invoice_id, credit_note_id, template_id) = 1)",
        "A line belongs to one invoice, one credit note or one repeating invoice.",
    )

    # ------------------------------------------------------------------ business

    def _xero_document(self):
        self.ensure_one()
        return self.invoice_id or self.credit_note_id or self.template_id

    def _xero_sign(self, posted=False):
        """+1 for what an invoice invoiced, -1 for what a credit note credited, 0 when its
        document does not count (cancelled, or not approved when ``posted``)."""
        self.ensure_one()
        if not self._xero_document()._xero_counts(posted):
            return 0
        return -1 if self.credit_note_id else 1

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

    def _xero_own_unit(self):
        """The unit of the line's quantity and price (the order line's, for a line made
        before lines kept their unit)."""
        self.ensure_one()
        return self.product_uom_id or self.sale_line_id.product_uom_id

    def _xero_unit(self):
        """The unit Xero counts this line's item in: the product's, when the line's unit
        converts to it (Xero's items have no units, and its stock counts the product's),
        else the line's own."""
        self.ensure_one()
        unit, product_unit = self._xero_own_unit(), self.product_id.uom_id
        if (
            unit
            and product_unit
            and unit != product_unit
            and unit._has_common_reference(product_unit)
        ):
            return product_unit
        return unit

    def _xero_quantity_and_price(self, unit=None):
        """(quantity, unit price) of this line in ``unit`` (Xero's unit of its item by
        default), exact, as Odoo converts them."""
        self.ensure_one()
        own = self._xero_own_unit()
        unit = unit if unit is not None else self._xero_unit()
        quantity, price = self.quantity, self.price_unit
        if unit and own and unit != own:
            quantity = own._compute_quantity(quantity, unit, round=False)
            price = own._compute_price(price, unit)
        return quantity, price

    def _xero_priced_as(self, sale_line):
        """Whether this line was priced as ``sale_line`` is now: the same unit price (in
        the product's unit), discount and taxes."""
        self.ensure_one()
        unit = sale_line.product_id.uom_id
        price = sale_line.product_uom_id._compute_price(sale_line.price_unit, unit)
        digits = max(self.env["decimal.precision"].precision_get("Product Price"), xm.UNIT_DECIMALS)
        return (
            float_compare(self._xero_quantity_and_price(unit)[1], price, precision_digits=digits)
            == 0
            and float_compare(
                self.discount,
                sale_line.discount,
                precision_digits=self.env["decimal.precision"].precision_get("Discount"),
            )
            == 0
            and self.tax_ids == sale_line.tax_ids
        )

    def _xero_line(self, connection, amount_type, discounts=True):
        """This line in Xero's terms, in the unit of its item, with the effective
        ``Rate`` of its tax type and its ``Exact`` amount (of its values before Xero's
        decimals), for Xero's arithmetic. Without ``discounts`` (credit notes), the
        discount is in the unit price."""
        self.ensure_one()
        if self.display_type:
            return {"Description": self.name or "-"}
        rate, _problem = self._xero_rate(connection)
        info = self.env["xero.tax.map"]._xero_tax_info(self.tax_ids)
        quantity, price = map(xm.decimal, self._xero_quantity_and_price())
        discount = xm.decimal(self.discount)
        if quantity < 0:  # a down payment deducted: Xero refuses negative quantities
            quantity, price = -quantity, -price
        if info["price_include"] and amount_type == xm.EXCLUSIVE and info["rate"]:
            price = price * xm.HUNDRED / (xm.HUNDRED + xm.decimal(info["rate"]))
        if discount and not discounts:
            price, discount = price * (xm.HUNDRED - discount) / xm.HUNDRED, xm.decimal(0)
        held_quantity, held_price, held_discount = xm.held(quantity, price, discount)
        line = {
            "Description": self._xero_description(),
            "Quantity": float(held_quantity),
            "UnitAmount": float(held_price),
            "LineAmount": xm.line_amount(held_quantity, held_price, held_discount),
            "AccountCode": self._xero_account(connection).code or None,
            "TaxType": rate.xero_key or None,
            "Rate": rate.effective_rate if rate else 0,
            "Exact": xm.line_amount(quantity, price, discount),
        }
        if held_discount:
            line["DiscountRate"] = float(held_discount)
        code = (self.product_id.default_code or "").strip()
        if code and _link(self.product_id, connection):
            line["ItemCode"] = code
        return line

    def _xero_description(self):
        """The line's description; a line sold in another unit than its item's says the
        quantity ordered, in its unit (Xero gets the quantity in the item's unit)."""
        self.ensure_one()
        description = self.name or self.product_id.display_name or "-"
        own = self._xero_own_unit()
        if self._xero_unit() != own:
            ordered = f"{xm.decimal(self.quantity).normalize():f}"
            description = f"{description} ({ordered} {own.name})"
        return description

    def _xero_fixed_tax_lines(self, connection):
        """Fixed-amount taxes of this line, as lines of their own without tax (an amount
        per unit of the line's own unit, as Odoo computes it)."""
        self.ensure_one()
        fixed = self.env["xero.tax.map"]._xero_tax_info(self.tax_ids)["fixed"]
        quantity = abs(xm.decimal(self.quantity))
        lines = []
        for tax in fixed:
            held_quantity, held_amount, _discount = xm.held(quantity, tax.amount)
            lines.append(
                {
                    "Description": tax.name,
                    "Quantity": float(held_quantity),
                    "UnitAmount": float(held_amount),
                    "LineAmount": xm.line_amount(held_quantity, held_amount),
                    "AccountCode": self._xero_account(connection).code or None,
                    "TaxType": connection.no_tax_rate_id.xero_key or None,
                    "Rate": 0,
                    "Exact": xm.line_amount(quantity, tax.amount),
                }
            )
        return lines


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
        if key not in PRIVATE_KEYS and value is not None
    }


def _inexact(lines):
    """[(line, what Xero's decimals change its amount by)] of ``lines`` in Xero's terms
    whose amount in Xero is not their exact amount."""
    return [
        (line, line["LineAmount"] - line["Exact"])
        for line in lines
        if "Exact" in line and line["LineAmount"] != line["Exact"]
    ]


def _link(record, connection):
    """The link of ``record`` with ``connection`` that has a Xero id, read through the
    record's links (prefetched for every record of a batch at once)."""
    return next(
        (
            link
            for link in record.sudo().xero_link_ids
            if link.connection_id == connection and link.xero_id
        ),
        None,
    )
