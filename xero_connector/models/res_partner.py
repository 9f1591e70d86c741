from ast import literal_eval
from collections.abc import Iterable

from odoo import api, fields, models
from odoo.fields import Domain

from ..const import GROUP_USER
from ..exceptions import XeroError
from ..tools import contact_mapping as cm
from ..tools.outcomes import Failed, Refused, Send, each
from ..tools.sync_rules import canonical, quoted, xero_datetime

NAME_CLASH = "is already assigned to another contact"
# what matching compares of a contact (see xero.contact)
IDENTITY_KEYS = {"Name", "EmailAddress", "AccountNumber", "ContactNumber", "ContactStatus"}


def _asks_true(operator, value):
    """Whether a search on a boolean field asks for True (Odoo may pass = or in)."""
    if operator in ("in", "not in"):
        return any(value) == (operator == "in")
    return bool(value) == (operator == "=")


class ResPartner(models.Model):
    """Companies and individuals are Xero contacts, both ways.

    Which partners sync is the connection's scope. A *customer* is a partner Odoo
    invoiced (its customer rank), or with a confirmed sales order, or with an
    opportunity in the CRM (of itself or of one of its contact persons).
    """

    _name = "res.partner"
    _inherit = ["res.partner", "xero.sync.mixin"]

    _xero_object = "contact"
    _xero_plural = "Contacts"
    _xero_id_key = "ContactID"
    _xero_sdk = "contacts"
    _xero_webhook_category = "CONTACT"
    _xero_synced_fields = (
        *{name for _label, names in cm.CONTACT_KEYS.values() for name in names},
        "customer_rank",
        "parent_id",
        "is_company",
        "type",
    )
    _xero_field_map = {
        "Name": "name",
        "EmailAddress": "email",
        "TaxNumber": "vat",
        "AccountNumber": "ref",
        "CompanyNumber": "company_registry",
        "PhoneNumber": "phone",
        "AddressLine1": "street",
        "AddressLine2": "street2",
        "City": "city",
        "PostalCode": "zip",
        "Region": "state_id",
        "Country": "country_id",
        "DefaultCurrency": "property_product_pricelist",
    }

    # ------------------------------------------------------------------ fields

    xero_contact_id = fields.Char(
        "Xero ContactID",
        compute="_compute_xero_contact_id",
        search="_search_xero_contact_id",
        groups=GROUP_USER,
        help="The Xero contact of this partner in the organisation of your current company.",
    )
    xero_in_scope = fields.Boolean(
        "Syncs with Xero",
        compute="_compute_xero_in_scope",
        search="_search_xero_in_scope",
        groups=GROUP_USER,
        help="Within what the company sends to Xero (its contact scope): contact persons, "
        "users and partners outside the scope never sync.",
    )
    xero_scope_note = fields.Char(
        "Why not in Xero", compute="_compute_xero_scope_note", groups=GROUP_USER
    )
    # what Xero says the customer owes, in the organisation's base currency
    xero_currency_id = fields.Many2one(
        "res.currency", compute="_compute_xero_finance", groups=GROUP_USER
    )
    xero_amount_due = fields.Monetary(
        "Outstanding in Xero",
        compute="_compute_xero_finance",
        currency_field="xero_currency_id",
        groups=GROUP_USER,
    )
    xero_amount_overdue = fields.Monetary(
        "Overdue in Xero",
        compute="_compute_xero_finance",
        currency_field="xero_currency_id",
        groups=GROUP_USER,
    )
    xero_overdue = fields.Boolean(
        "Has overdue Xero invoices",
        compute="_compute_xero_finance",
        search="_search_xero_overdue",
        groups=GROUP_USER,
    )
    xero_invoice_ids = fields.Many2many(
        "xero.invoice",
        string="Invoices in Xero",
        compute="_compute_xero_finance",
        groups=GROUP_USER,
    )
    xero_payment_ids = fields.Many2many(
        "xero.invoice.payment",
        string="Payments in Xero",
        compute="_compute_xero_finance",
        groups=GROUP_USER,
    )

    # ------------------------------------------------------------------ compute

    @api.depends_context("company")
    def _compute_xero_contact_id(self):
        links = self._xero_current_links()
        for partner in self:
            link = links.get(partner.id)
            partner.xero_contact_id = link.xero_id if link else False

    @api.depends_context("company")
    def _compute_xero_in_scope(self):
        connection = self.env.company.sudo()._xero_connection()
        in_scope = self.filtered("id")._xero_targets(connection).get(connection, self.browse())
        for partner in self:
            partner.xero_in_scope = partner in in_scope

    def _search_xero_in_scope(self, operator, value):
        # a search method is not checked against the field's groups by the ORM
        self._check_field_access(self._fields["xero_in_scope"], "read")
        if operator != "in":
            return NotImplemented
        connection = self.env.company.sudo()._xero_connection()
        domain = self._xero_sync_domain(connection) if connection else Domain.FALSE
        return domain if True in value else ~domain

    @api.depends_context("company")
    def _compute_xero_scope_note(self):
        connection = self.env.company.sudo()._xero_connection()
        linked = self._xero_current_links()
        real = self.filtered("id")
        in_scope = real._xero_targets(connection).get(connection, self.browse())
        for partner in self:
            if not partner.id or partner.id in linked:
                partner.xero_scope_note = False
            elif connection.state == "draft" or not connection.sync_contacts:
                partner.xero_scope_note = partner._xero_scope_reason(connection)
            elif partner in in_scope:
                partner.xero_scope_note = False
            else:
                partner.xero_scope_note = partner._xero_scope_reason(connection)

    @api.depends_context("company")
    def _compute_xero_finance(self):
        invoices_sudo = self.env["xero.invoice"].sudo()
        connection = self.env.company.sudo()._xero_connection()
        links = self.commercial_partner_id._xero_current_links()
        contact_ids = [link.xero_id for link in links.values() if link.xero_id]
        found = invoices_sudo.search(
            [("connection_id", "=", connection.id), ("xero_contact_id", "in", contact_ids)]
        )
        by_contact = found.grouped("xero_contact_id")
        today = connection._xero_today()
        start = invoices_sudo._xero_start(connection)
        currency = connection.base_currency_id or connection.company_id.currency_id
        for partner in self:
            link = links.get(partner.commercial_partner_id.id)
            mine = (
                by_contact.get(link.xero_id, invoices_sudo)
                if link and link.xero_id
                else invoices_sudo
            )
            due = mine.filtered("is_open")
            overdue = due.filtered_domain(invoices_sudo._xero_overdue_domain(today))
            partner.xero_currency_id = currency
            partner.xero_amount_due = sum(due.mapped("amount_due_base"))
            partner.xero_amount_overdue = sum(overdue.mapped("amount_due_base"))
            partner.xero_overdue = bool(overdue)
            partner.xero_invoice_ids = mine.filtered(
                lambda i, start=start, due=due: (i.date and i.date >= start) or i in due
            )
            partner.xero_payment_ids = partner.xero_invoice_ids.payment_ids

    def _invoice_total(self):
        """Odoo's "Invoiced", plus what Xero invoiced the customer, for a company that
        invoices in Xero: the figure beside the Xero balance agrees with it."""
        result = super()._invoice_total()
        connection = self.env.company.sudo()._xero_connection()
        if not connection or not connection.sync_invoices:
            return result
        invoiced = self.env["xero.invoice"]._xero_invoiced_by_contact(connection)
        links = self._xero_current_links()
        base = connection.base_currency_id
        company = connection.company_id
        for partner in self:
            link = links.get(partner.id)
            amount = invoiced.get(link.xero_id, 0.0) if link and link.xero_id else 0.0
            if amount and base and base != company.currency_id:
                amount = base._convert(amount, company.currency_id, company, fields.Date.today())
            partner.total_invoiced += amount
        return result

    def _search_xero_contact_id(self, operator, value):
        self._check_field_access(self._fields["xero_contact_id"], "read")
        connection = self.env.company.sudo()._xero_connection()
        domain = [("connection_id", "=", connection.id), ("res_model", "=", self._name)]
        links_sudo = self.env["xero.link"].sudo()
        values = (
            list(value) if isinstance(value, Iterable) and not isinstance(value, str) else [value]
        )
        if operator in ("=", "!=", "in", "not in") and not any(values):
            # not linked: no link with a Xero id
            linked = links_sudo._search([*domain, ("xero_id", "!=", False)])
            positive = operator in ("=", "in")
            return [("id", "not in" if positive else "in", linked.subselect("res_id"))]
        links = links_sudo._search([*domain, ("xero_id", operator, value)])
        return [("id", "in", links.subselect("res_id"))]

    def _search_xero_overdue(self, operator, value):
        self._check_field_access(self._fields["xero_overdue"], "read")
        connection = self.env.company.sudo()._xero_connection()
        overdue = self.env["xero.invoice"]._xero_overdue_contacts(connection)
        links = self._xero_links(connection, xero_ids=overdue)
        ids = [link.res_id for link in links.values()]
        return [("commercial_partner_id", "in" if _asks_true(operator, value) else "not in", ids)]

    # ------------------------------------------------------------------ actions

    def action_view_partner_invoices(self):
        """The customer's invoices in Xero, for a company that invoices there."""
        connection = self.env.company.sudo()._xero_connection()
        if not (connection and connection.sync_invoices and self.env.user.has_group(GROUP_USER)):
            return super().action_view_partner_invoices()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_invoice_mirror"
        )
        link = self.commercial_partner_id._xero_current_links().get(self.commercial_partner_id.id)
        action["domain"] = [
            ("connection_id", "=", connection.id),
            ("xero_contact_id", "=", link.xero_id if link and link.xero_id else "-"),
        ]
        action["display_name"] = self.env._("Xero invoices of %s", self.commercial_partner_id.name)
        return action

    # ------------------------------------------------------------------ business: overdue warning

    def _xero_overdue_warning(self):
        """What whoever quotes this customer should know of their overdue invoices in
        Xero, or False: which invoices, how late, Xero's amounts when the user may see
        them, and what to do."""
        if len(self) != 1:
            return False
        connection = self.env.company.sudo()._xero_connection()
        if not connection or not connection.sync_invoices:
            return False
        customer = self.commercial_partner_id.sudo()
        overdue = customer.xero_invoice_ids.filtered("overdue").sorted("due_date")
        if not overdue:
            return False
        today = connection._xero_today()
        figures = connection._xero_figures_for(self.env.user)
        invoices = "; ".join(
            self.env._(
                "%(number)s, %(days)s days late%(amount)s",
                number=invoice.number or invoice.reference or "",
                days=(today - invoice.due_date).days,
                amount=f" ({invoice.currency_id.format(invoice.amount_due)})" if figures else "",
            )
            for invoice in overdue[:5]
        )
        if len(overdue) > 5:
            invoices += self.env._("; and %s more", len(overdue) - 5)
        owes = (
            self.env._(
                "%(customer)s owes %(amount)s overdue in Xero: %(invoices)s.",
                customer=customer.name,
                amount=customer.xero_currency_id.format(customer.xero_amount_overdue),
                invoices=invoices,
            )
            if figures
            else self.env._(
                "%(customer)s has overdue invoices in Xero: %(invoices)s.",
                customer=customer.name,
                invoices=invoices,
            )
        )
        todo = self.env._(
            "Ask them to pay before you promise more: each order's pay link takes them to "
            "the invoice online."
        )
        if connection.credit_hold:
            todo += " " + self.env._(
                "Above the credit hold, a new order can be confirmed only once a Xero manager "
                "approves it."
            )
        return f"{owes} {todo}"

    # ------------------------------------------------------------------ business: what syncs

    @api.model
    def _xero_enabled(self, connection):
        return connection.sync_contacts

    @api.model
    def _xero_field_defaults(self):
        return [
            (key, label, "to_xero" if key in cm.ODOO_ONLY else "both")
            for key, (label, _names) in cm.CONTACT_KEYS.items()
        ]

    @api.model
    def _xero_directions(self, connection):
        return self.env["xero.field.rule"]._xero_directions(connection, self)

    @api.model
    def _xero_policy(self, connection):
        return connection.contact_conflict

    def _xero_sync_domain(self, connection):
        """Companies and individuals (not contact persons) of the connection's company or
        shared, as the connection's scope says; never users or companies of Odoo."""
        return self._xero_base_domain(connection) & self._xero_scope_domain(connection)

    def _xero_base_domain(self, connection):
        return Domain(
            [
                ("company_id", "in", [False, connection.company_id.id]),
                ("parent_id", "=", False),
                ("user_ids", "=", False),
                ("id", "not in", self._xero_company_partners()),
            ]
        )

    def _xero_scope_domain(self, connection):
        scope = connection.contact_scope
        if scope == "customers":
            return self._xero_customer_domain()
        if scope == "companies":
            return Domain("is_company", "=", True)
        if scope == "all":
            return Domain.TRUE
        return Domain(literal_eval(connection.contact_domain or "[]"))

    @api.model
    def _xero_customer_domain(self):
        """Customers: invoiced by Odoo (customer rank), or with a confirmed sales order or
        an opportunity, for themselves or one of their contact persons."""
        orders = self.env["sale.order"].sudo()._search([("state", "=", "sale")])
        leads = (
            self.env["crm.lead"]
            .sudo()
            ._search([("type", "=", "opportunity"), ("partner_id", "!=", False)])
        )
        partners_sudo = self.sudo().with_context(active_test=False)
        # the subqueries read these columns: what is pending in the cache must be there
        partners_sudo.flush_model(["commercial_partner_id"])
        buyers = partners_sudo._search([("id", "in", orders.subselect("partner_id"))])
        prospects = partners_sudo._search([("id", "in", leads.subselect("partner_id"))])
        return (
            Domain("customer_rank", ">", 0)
            | Domain("id", "in", buyers.subselect("commercial_partner_id"))
            | Domain("id", "in", prospects.subselect("commercial_partner_id"))
        )

    @api.model
    def _xero_company_partners(self):
        """The partners of Odoo's companies: never Xero contacts."""
        companies_sudo = self.env["res.company"].sudo().with_context(active_test=False)
        return companies_sudo.search([("partner_id", "!=", False)]).partner_id.ids

    def _xero_scope_reason(self, connection):
        """Why this partner does not sync with ``connection``, in plain words."""
        self.ensure_one()
        where = self.env._("Settings > Xero > Partners that sync")
        if connection.state == "draft":
            return self.env._(
                "%(company)s is not connected to Xero yet (Settings > Xero).",
                company=connection.company_id.name,
            )
        if not connection.sync_contacts:
            return self.env._(
                "Contact sync with Xero is off for %(company)s (Settings > Xero).",
                company=connection.company_id.name,
            )
        if self.parent_id:
            return self.env._(
                "A contact person goes to Xero with %(company)s, as one of its contact persons.",
                company=self.commercial_partner_id.display_name,
            )
        if self.user_ids or self.id in self._xero_company_partners():
            return self.env._("The partners of Odoo's users and companies are not sent to Xero.")
        if self.company_id and self.company_id != connection.company_id:
            return self.env._(
                "This partner belongs to %(company)s, not to %(other)s.",
                company=self.company_id.name,
                other=connection.company_id.name,
            )
        if connection.contact_scope == "customers":
            return self.env._(
                "Only customers sync with Xero (%(where)s): this partner has no invoice, "
                "confirmed order or opportunity yet. Resync makes it a customer and sends it.",
                where=where,
            )
        if connection.contact_scope == "companies":
            return self.env._(
                "Only companies sync with Xero (%(where)s): this partner is an individual.",
                where=where,
            )
        return self.env._(
            "This partner does not match the filter of the partners that sync (%(where)s).",
            where=where,
        )

    def _xero_bring_into_scope(self, connection):
        """A Resync makes a partner that is only missing a sale a customer."""
        self.ensure_one()
        if not connection.sync_contacts or connection.contact_scope != "customers":
            return False
        base = self.with_context(active_test=False).search(
            Domain("id", "=", self.id) & self._xero_base_domain(connection)
        )
        if not base:
            return False
        self._increase_rank("customer_rank")
        return True

    def _xero_changed(self):
        """A change of a contact person is a change of its company's contact."""
        if self.env.context.get("xero_inbound"):
            return
        persons = self.filtered("parent_id")
        parents = persons.commercial_partner_id - persons
        super(ResPartner, (self - persons) | parents)._xero_changed()

    def _xero_became_customer(self):
        """A confirmed order or an opportunity made these partners customers: the ones
        Xero does not know yet are sent."""
        partners = self.commercial_partner_id
        for connection in partners._xero_connections():
            links = partners._xero_links(connection, ids=partners.ids)
            new = partners.filtered(lambda p, links=links: not links.get(p.id))
            new._xero_enqueue_push(connection)

    @api.model
    def _xero_url(self, connection, xero_id):
        return connection._xero_web_url("contact", xero_id)

    # ------------------------------------------------------------------ business: Odoo -> Xero

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """The Xero contact of this partner, key by key in canonical form."""
        self.ensure_one()
        if keys is None:
            directions = self._xero_directions(connection)
            keys = [k for k, d in directions.items() if d in ("both", "to_xero")]
        partner = self
        if self.env.company != connection.company_id:
            partner = self.with_company(connection.company_id)
        payload = {}
        for key in keys:
            value = partner._xero_value(key, link)
            if value is not None:
                payload[key] = value
        xero_id = xero_id or (link.xero_id if link else False)
        if xero_id:
            payload["ContactID"] = xero_id
        return payload

    def _xero_value(self, key, link):
        if key == "Name":
            return cm.text(link.xero_name if link and link.xero_name else self.name)
        if key in ("EmailAddress", "TaxNumber", "AccountNumber", "CompanyNumber"):
            return cm.text(self[self._xero_field_map[key]])
        if key == "Phones":
            return cm.phones(self.phone)
        if key == "Addresses":
            return self._xero_addresses()
        if key == "PaymentTerms":
            return self._xero_payment_terms()
        if key == "DefaultCurrency":
            currency = self.property_product_pricelist.currency_id
            return currency.name if currency and currency != self.env.company.currency_id else None
        if key == "ContactPersons":
            persons = self.child_ids.filtered(lambda p: p.type == "contact" and p.email)
            return [cm.person(p.name, p.email) for p in persons[:5]]
        if key == "ContactStatus":
            return "ACTIVE" if self.active else "ARCHIVED"
        return None

    def _xero_addresses(self):
        """POBOX: the invoice address (or the partner's own); STREET: the delivery one."""
        children = self.child_ids.filtered("active")
        billing = children.filtered(lambda p: p.type == "invoice")[:1] or self
        delivery = children.filtered(lambda p: p.type == "delivery")[:1] or self
        return cm.addresses(billing._xero_address(), delivery._xero_address())

    def _xero_address(self):
        country = self.country_id
        name = country.name or ""
        return {
            "AddressLine1": self.street,
            "AddressLine2": self.street2,
            "City": self.city,
            "Region": self.state_id.name,
            "PostalCode": self.zip,
            # Xero takes a country as text of at most 50 characters
            "Country": name if len(name) <= cm.LIMITS["Country"] else country.code,
        }

    def _xero_payment_terms(self):
        term = self.property_payment_term_id
        line = term.line_ids if len(term.line_ids) == 1 else None
        if not line or line.value != "percent" or line.value_amount != 100:
            return None
        if line.delay_type == "days_end_of_month_on_the":
            if line.nb_days or not (line.days_next_month or "").isdigit():
                return None
            return cm.payment_terms(line.delay_type, int(line.days_next_month))
        return cm.payment_terms(line.delay_type, line.nb_days)

    def _xero_problems(self, payload):
        """What Xero would refuse, found before any call."""
        found = cm.problems(payload)
        if not found:
            return None
        message, key = found[0]
        field = self._fields.get(self._xero_field_map.get(key, ""))
        label = field.get_description(self.env)["string"] if field else key
        explanation = self.env._(
            "%(problem)s Correct the %(field)s of this customer, then press Resync.",
            problem=message,
            field=label,
        )
        return Refused(explanation, tuple(m for m, _k in found), label)

    # ------------------------------------------------------------------ business: before a create

    @api.model
    def _xero_before_send(self, connection, jobs, outcomes, links):
        """A partner never created in Xero may already be there: it is matched with the
        organisation's contacts (kept locally, read for what changed first) before its
        create is sent, and then linked, renamed, left for review or created."""
        creates = jobs.filtered(
            lambda j: (
                isinstance(outcomes[j.id], Send)
                and outcomes[j.id].operation == "create"
                and outcomes[j.id].payload is not None
                and not (links.get(j.res_id) and links[j.res_id].lookup_done)
            )
        )
        if not creates:
            return {}
        changed = self._xero_refuse_shared_emails(connection, creates, outcomes)
        creates = creates.filtered(lambda j: j.id not in changed)
        if not creates:
            return changed
        sends = {job.id: outcomes[job.id] for job in creates}
        probes = [self._xero_probe(job.res_id, sends[job.id].payload) for job in creates]
        try:
            candidates = self.env["xero.contact"]._xero_lookup(connection, probes)
        except XeroError as error:
            return changed | each(creates, Failed(error))
        reviews = self.env["xero.contact.review"]
        return changed | reviews._xero_decide_creates(connection, creates, sends, candidates)

    @api.model
    def _xero_probe(self, partner_id, payload):
        """The match row of a partner about to be created, from what would be sent."""
        return cm.as_partner(
            partner_id,
            payload.get("EmailAddress"),
            payload.get("AccountNumber"),
            payload.get("Name"),
        )

    @api.model
    def _xero_refuse_shared_emails(self, connection, jobs, outcomes):
        """Two customers with one email would be two Xero contacts that matching can no
        longer tell apart: such a create fails, explained, before any call."""
        emails = {}
        for job in jobs:
            email = cm.email_key(outcomes[job.id].payload.get("EmailAddress"))
            if email:
                emails.setdefault(email, []).append(job)
        if not emails:
            return {}
        others = self.with_context(active_test=False).search(
            Domain("email_normalized", "in", list(emails)) & self._xero_sync_domain(connection)
        )
        owners = others.grouped(lambda p: cm.email_key(p.email_normalized))
        refused, errors = {}, {}
        for email, mine in emails.items():
            for job in mine:
                rivals = owners.get(email, self.browse()).filtered(
                    lambda p, job=job: p.commercial_partner_id.id != job.res_id
                )
                if not rivals:
                    continue
                explanation = self.env._(
                    "Another customer, %(other)s, has the same email address %(email)s: Xero "
                    "would hold two contacts that cannot be told apart. Merge the two in Odoo "
                    "or correct one email, then press Resync.",
                    other=rivals[0].display_name,
                    email=email,
                )
                refused[job.id] = Refused(explanation, field=self._fields["email"].string)
                errors[job.res_id] = {"state": "error", "last_error": explanation}
        self._xero_link_write(connection, errors)
        return refused

    # ------------------------------------------------------------------ business: after a create

    @api.model
    def _xero_after_push(self, jobs, outcomes):
        """A create refused because Xero already has an active contact with its name:
        when that contact is the one this create made (an uncertain create resent) or
        the same customer (same email or number), it is linked; otherwise the refusal
        says which contact clashed."""
        clashes = self._xero_refused_creates(jobs, outcomes, NAME_CLASH)
        if not clashes:
            return {}
        connection = clashes.connection_id
        names = {cm.text(job.payload.get("Name")) for job in clashes}
        try:
            answer = connection._xero_call_json(
                "get_contacts",
                where=" OR ".join(f"Name=={quoted(name)}" for name in names),
                purpose="push",
                log={"direction": "in", "message": self.env._("Contacts with a clashing name")},
            )
        except XeroError:
            return {}  # the refusals stand; Resync looks again
        active = [c for c in answer.get("Contacts") or [] if c.get("ContactStatus") == "ACTIVE"]
        self.env["xero.contact"]._xero_store(connection, active)
        by_name = {cm.text(c.get("Name")): c for c in active}
        refusals = {job.id: outcomes[job.id] for job in clashes}
        reviews = self.env["xero.contact.review"]
        return reviews._xero_settle_clashes(connection, clashes, refusals, by_name)

    @api.model
    def _xero_find_created(self, jobs):
        """Creates that may have reached Xero: an active contact with the same name is the
        one created (Xero allows one active contact per name)."""
        names = {job.id: job.payload.get("Name") for job in jobs if job.payload.get("Name")}
        if not names:
            return {}
        answer = jobs.connection_id._xero_call_json(
            "get_contacts",
            where=" OR ".join(f"Name=={quoted(n)}" for n in set(names.values())),
            purpose="push",
            log={"direction": "in", "message": self.env._("Contacts that may exist already")},
        )
        found = {
            c["Name"]: c
            for c in answer.get("Contacts") or []
            if c.get("ContactStatus") == "ACTIVE" and c.get("ContactID")
        }
        return {job_id: found[name] for job_id, name in names.items() if name in found}

    @api.model
    def _xero_pushed(self, jobs, elements, payloads):
        """What Xero now holds is kept in the local copy of its contacts too, when what
        matching compares may have changed."""
        self.env["xero.contact"]._xero_store(
            jobs.connection_id,
            [
                element
                for job, element in zip(jobs, elements, strict=False)
                if self._xero_accepted(element)
                and (job.operation == "create" or IDENTITY_KEYS & set(payloads[job.id]))
            ],
        )
        return super()._xero_pushed(jobs, elements, payloads)

    # ------------------------------------------------------------------ business: Xero -> Odoo

    @api.model
    def _xero_fetch_params(self, xero_ids):
        return {"i_ds": list(xero_ids), "include_archived": True}

    @api.model
    def _xero_poll_params(self, connection, since, page):
        return super()._xero_poll_params(connection, since, page) | {"include_archived": True}

    @api.model
    def _xero_normalize(self, element):
        return cm.normalize(element)

    @api.model
    def _xero_odoo_values(self, connection, key, value):
        if key == "Name":
            return {"name": value} if value else {}
        if key in ("EmailAddress", "TaxNumber", "AccountNumber", "CompanyNumber"):
            return {self._xero_field_map[key]: value or False}
        if key == "Phones":
            return {"phone": value[0]["PhoneNumber"] or False}
        if key == "Addresses":
            return self._xero_address_values(value)
        if key == "PaymentTerms":
            term = self._xero_find_term(connection, value)
            return {"property_payment_term_id": term.id} if term else {}
        if key == "ContactStatus":
            return {"active": value == "ACTIVE"}
        return {}

    @api.model
    def _xero_address_values(self, value):
        """The partner's own address: Xero's postal address, or its street address."""
        kinds = {entry["AddressType"]: entry for entry in value}
        source = kinds.get("POBOX") or {}
        if not any(source.get(k) for k in cm.ADDRESS_KEYS):
            source = kinds.get("STREET") or {}
        values = {
            "street": source.get("AddressLine1") or False,
            "street2": source.get("AddressLine2") or False,
            "city": source.get("City") or False,
            "zip": source.get("PostalCode") or False,
        }
        country = self._xero_country(source.get("Country"))
        if source.get("Country") and not country:
            # a country Odoo does not know: the partner keeps its own
            return values
        state = self._xero_state(country, source.get("Region"))
        return values | {"country_id": country.id, "state_id": state.id}

    @api.model
    def _xero_country(self, text):
        text = cm.text(text)
        if not text:
            return self.env["res.country"]
        countries = self.env["res.country"].with_context(lang="en_US")
        return countries.search(["|", ("name", "=ilike", text), ("code", "=ilike", text)], limit=1)

    @api.model
    def _xero_state(self, country, text):
        text = cm.text(text)
        if not country or not text:
            return self.env["res.country.state"]
        return self.env["res.country.state"].search(
            [
                ("country_id", "=", country.id),
                "|",
                ("name", "=ilike", text),
                ("code", "=ilike", text),
            ],
            limit=1,
        )

    @api.model
    def _xero_find_term(self, connection, value):
        """The Odoo payment term with Xero's sales terms (one line, 100%), if any."""
        sales = (value or {}).get("Sales")
        if not sales:
            return self.env["account.payment.term"]
        company = connection.company_id
        terms = self.env["account.payment.term"].search([("company_id", "in", [False, company.id])])
        for term in terms:
            if self.new({"property_payment_term_id": term.id})._xero_payment_terms() == value:
                return term
        return self.env["account.payment.term"]

    @api.model
    def _xero_apply_inbound(self, connection, elements):
        """Contacts Xero merged into others are followed first, so that the surviving
        contact is read as the linked partner's, not as a new customer. Every contact
        read is kept in the local copy used for matching."""
        self.env["xero.contact"]._xero_store(connection, elements)
        merged = {
            e["ContactID"].lower(): e["MergedToContactID"].lower()
            for e in elements
            if e.get("MergedToContactID") and e.get("ContactID")
        }
        followed = {}
        reviews = self.env["xero.contact.review"]
        for source, link in self._xero_links(connection, xero_ids=list(merged)).items():
            partner = self.browse(link.res_id).exists()
            if partner:
                followed[source] = reviews._xero_follow_merge(
                    connection, partner, link, merged[source]
                )
        rest = [e for e in elements if (e.get("ContactID") or "").lower() not in followed]
        return super()._xero_apply_inbound(connection, rest) | followed

    @api.model
    def _xero_apply_unlinked(self, connection, elements):
        """Xero contacts no partner is linked to: matched, created in Odoo or reviewed."""
        return self.env["xero.contact.review"]._xero_decide_contacts(connection, elements)

    # ------------------------------------------------------------------ business: matching rows

    @api.model
    def _xero_partners_in_scope(self, connection):
        """The partners that sync with ``connection`` (for matching and going live)."""
        return self.with_context(active_test=False).search(self._xero_sync_domain(connection))

    @api.model
    def _xero_match_rows(self, partners):
        """What matching compares of each partner (see ``contact_mapping.as_partner``)."""
        return [
            cm.as_partner(row["id"], row["email"], row["ref"], row["name"])
            for row in partners.read(["email", "ref", "name"])
        ]

    @api.model
    def _xero_values_for_new(self, connection, contact, directions):
        """The values of an Odoo partner created from a Xero contact, and the values
        both sides then agree on."""
        incoming = cm.normalize(contact)
        values = {"customer_rank": 1, "company_id": connection.company_id.id}
        for key, value in incoming.items():
            if directions.get(key) in ("both", "to_odoo"):
                values |= self._xero_odoo_values(connection, key, value)
        values["name"] = values.get("name") or cm.text(contact.get("Name"))
        person = f"{contact.get('FirstName') or ''} {contact.get('LastName') or ''}".strip()
        values["is_company"] = not person or person != values["name"]
        return values, {k: canonical(v) for k, v in incoming.items()}

    @api.model
    def _xero_updated(self, contact):
        return xero_datetime(contact.get("UpdatedDateUTC"))
