from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import PRIORITY
from ..tools import contact_mapping as cm
from ..tools.bulk import insert_rows

REASONS = [
    ("ambiguous", "Several possible matches"),
    ("linked_elsewhere", "Its match is linked to another record"),
    ("name_taken", "Its name is used by another Xero contact"),
    ("merged", "Merged in Xero into a contact linked elsewhere"),
]


class XeroContactReview(models.Model):
    """A customer or a Xero contact that could not be linked without a person.

    Matching never guesses: several candidates, a candidate already linked to
    another record, or (when configured) a name Xero already has, wait here until a
    manager links, creates or skips. The decisions of matching that need nobody are
    made in the methods below too, so that all of them read in one place.
    """

    _name = "xero.contact.review"
    _description = "Contact to review before it syncs"
    _order = "state, id desc"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    side = fields.Selection(
        [("odoo", "Customer in Odoo"), ("xero", "Contact in Xero")], required=True
    )
    partner_id = fields.Many2one("res.partner", "Customer", ondelete="cascade")
    xero_id = fields.Char("Xero ContactID")
    xero_name = fields.Char("Xero name")
    xero_email = fields.Char("Xero e-mail")
    contact = fields.Json("Xero contact", help="The contact as Xero last sent it.")
    reason = fields.Selection(REASONS, required=True)
    explanation = fields.Text()
    candidate_ids = fields.One2many("xero.contact.candidate", "review_id", "Candidates")
    state = fields.Selection(
        [
            ("open", "To review"),
            ("linked", "Linked"),
            ("created", "Created"),
            ("skipped", "Not synced"),
        ],
        default="open",
        required=True,
    )
    decision = fields.Char(readonly=True)

    def _compute_display_name(self):
        for review in self:
            review.display_name = review.partner_id.display_name or review.xero_name or ""

    # ------------------------------------------------------------------ creates (Odoo side)

    @api.model
    def _xero_decide_creates(self, connection, jobs, rows, contacts):
        """Partners about to be created in Xero, and the Xero contacts that may be them:
        link, rename, review or create. Returns the rows still to send."""
        partners = self.env["res.partner"]
        candidates = [cm.as_contact(c) for c in contacts]
        index = cm.ContactIndex(candidates)
        taken = self._xero_taken(connection, [c["id"] for c in candidates])
        active_names = {cm.text(c["name"]) for c in candidates if c["active"]}
        links, decisions = {}, []
        for job in jobs:
            payload = rows[job.id]["payload"]
            partner = partners.browse(job.res_id)
            probe = cm.as_partner(
                partner.id,
                payload.get("EmailAddress"),
                payload.get("AccountNumber"),
                payload.get("Name"),
            )
            rule, found = cm.match(
                probe, index.candidates(probe), by_name=connection.contact_name_rule == "email"
            )
            mine = [c for c in found if taken.get(c["id"].lower(), partner.id) == partner.id]
            if len(found) == 1 and mine:
                links[partner.id] = {"xero_id": found[0]["id"].lower(), "lookup_done": True}
                decisions.append((job, partner, found[0], rule))
                del rows[job.id]
            elif found:
                self._xero_review_partner(connection, partner, found, taken, rule)
                job._xero_set_aside(self.env._("Waits in Xero > Contacts to review."))
                del rows[job.id]
            elif cm.text(payload.get("Name")) in active_names:
                if not self._xero_rename(connection, job, partner, rows, active_names, links):
                    del rows[job.id]
            else:
                links[partner.id] = {"lookup_done": True}
        partners._xero_link_write(connection, links)
        for job, partner, contact, rule in decisions:
            self._xero_linked(connection, job, partner, contact, rule)
        return rows

    @api.model
    def _xero_taken(self, connection, xero_ids):
        """{Xero id (lower case): record id} of these contacts already linked."""
        links = self.env["res.partner"]._xero_links(
            connection, xero_ids=[x.lower() for x in xero_ids if x]
        )
        return {xero_id: link.res_id for xero_id, link in links.items()}

    @api.model
    def _xero_rename(self, connection, job, partner, rows, active_names, links):
        """Xero already has an active contact with this name and it is another customer:
        the configured rule decides. Returns whether the create goes on."""
        name = cm.text(rows[job.id]["payload"]["Name"])
        if connection.contact_name_rule == "review":
            self._xero_open(connection, "odoo", "name_taken", partner=partner, xero_name=name)
            job._xero_set_aside(self.env._("Waits in Xero > Contacts to review."))
            return False
        new_name = cm.distinct_name(name, active_names, partner.city, partner.ref, partner.id)
        rows[job.id]["payload"]["Name"] = new_name
        links[partner.id] = {"lookup_done": True, "xero_name": new_name}
        active_names.add(new_name)
        self._xero_decided(
            connection,
            partner,
            self.env._(
                "Xero already has another active contact named “%(name)s”: this customer is "
                "created there as “%(new)s”.",
                name=name,
                new=new_name,
            ),
        )
        return True

    @api.model
    def _xero_linked(self, connection, job, partner, contact, rule):
        """A partner found in Xero: linked; the contact is read and merged with it."""
        job._xero_done(
            self.env._(
                "Linked to the Xero contact “%(name)s” (same %(rule)s); nothing was created.",
                name=contact["name"],
                rule=rule,
            )
        )
        self._xero_decided(
            connection,
            partner,
            self.env._(
                "Linked to the Xero contact “%(name)s” by %(rule)s.",
                name=contact["name"],
                rule=rule,
            ),
            contact["id"],
        )
        self._xero_fetch(connection, [contact["id"]])

    @api.model
    def _xero_review_partner(self, connection, partner, found, taken, rule):
        reason = "ambiguous" if len(found) > 1 else "linked_elsewhere"
        review = self._xero_open(connection, "odoo", reason, partner=partner, rule=rule)
        review.candidate_ids = [
            fields.Command.create(
                {
                    "xero_id": c["id"].lower(),
                    "name": c["name"],
                    "email": c["email"],
                    "linked_partner_id": taken.get(c["id"].lower()),
                }
            )
            for c in found
        ]

    # ------------------------------------------------------------------ new Xero contacts

    @api.model
    def _xero_decide_contacts(self, connection, contacts):
        """Xero contacts no partner is linked to: {xero id: (ok, message)}. A single
        match is linked and merged, several go to review, none is created in Odoo."""
        if not contacts:
            return {}
        partners = self.env["res.partner"].with_context(active_test=False)
        rows = self._xero_candidate_partners(connection, contacts)
        index = cm.ContactIndex(rows)
        linked = partners._xero_links(connection, ids=[row["id"] for row in rows])
        outcomes, new = {}, []
        for contact in contacts:
            xero_id = contact["ContactID"].lower()
            probe = cm.as_contact(contact)
            rule, found = cm.match(
                probe, index.candidates(probe), by_name=connection.contact_name_rule == "email"
            )
            free = [row for row in found if row["id"] not in linked]
            if len(found) == 1 and free:
                outcomes[xero_id] = self._xero_link_partner(
                    connection, partners.browse(free[0]["id"]), contact, rule
                )
                linked[free[0]["id"]] = True
            elif found:
                outcomes[xero_id] = self._xero_review_contact(connection, contact, found, linked)
            else:
                outcomes[xero_id] = self._xero_new_in_odoo(connection, contact, new)
        self._xero_create_partners(connection, new, outcomes)
        return outcomes

    @api.model
    def _xero_candidate_partners(self, connection, contacts):
        """Match rows of the partners in scope that share an e-mail, a number or a name
        with one of the contacts (one search, not one per contact)."""
        probes = [cm.as_contact(c) for c in contacts]
        emails = {cm.email_key(p["email"]) for p in probes} - {""}
        numbers = {cm.text(p[k]) for p in probes for k in ("account", "number")} - {""}
        names = {cm.text(p["name"]) for p in probes} - {""}
        partners = self.env["res.partner"].with_context(active_test=False)
        domain = fields.Domain.OR(
            [
                [("email_normalized", "in", list(emails))],
                [("ref", "in", list(numbers))],
                [("name", "in", list(names))],
            ]
        ) & partners._xero_sync_domain(connection)
        found = partners.search(domain)
        return [
            cm.as_partner(row["id"], row["email"], row["ref"], row["name"])
            for row in found.read(["email", "ref", "name"])
        ]

    @api.model
    def _xero_link_partner(self, connection, partner, contact, rule):
        partner._xero_link_write(
            connection, {partner.id: {"xero_id": contact["ContactID"].lower(), "lookup_done": True}}
        )
        link = partner._xero_links(connection, ids=partner.ids)[partner.id]
        self._xero_decided(
            connection,
            partner,
            self.env._(
                "Linked to the Xero contact “%(name)s” by %(rule)s.",
                name=contact.get("Name"),
                rule=rule,
            ),
            link.xero_id,
        )
        ok, message = partner._xero_take(connection, link, contact)
        return ok, message or self.env._("Linked to %s.", partner.display_name)

    @api.model
    def _xero_review_contact(self, connection, contact, found, linked):
        xero_id = contact["ContactID"].lower()
        skipped = self.search(
            [
                ("connection_id", "=", connection.id),
                ("xero_id", "=", xero_id),
                ("state", "!=", "open"),
            ],
            limit=1,
        )
        if skipped:
            return True, self.env._("A manager already decided about this contact.")
        reason = "ambiguous" if len(found) > 1 else "linked_elsewhere"
        review = self._xero_open(connection, "xero", reason, contact=contact)
        review.candidate_ids = [
            fields.Command.create({"partner_id": row["id"], "linked": row["id"] in linked})
            for row in found
        ]
        return True, self.env._("Waits in Xero > Contacts to review.")

    @api.model
    def _xero_new_in_odoo(self, connection, contact, new):
        """A Xero contact that is nobody in Odoo: created as a customer, when allowed."""
        if contact.get("ContactStatus") != "ACTIVE":
            return True, self.env._("Archived in Xero: not created in Odoo.")
        if contact.get("IsSupplier") and not contact.get("IsCustomer"):
            return True, self.env._("A supplier only: not created in Odoo.")
        if not connection.contact_create_in_odoo:
            return True, self.env._("Not created in Odoo (see the connection's settings).")
        new.append(contact)
        return None

    @api.model
    def _xero_create_partners(self, connection, contacts, outcomes):
        """Create the partners of new Xero contacts at once, each linked to its contact."""
        if not contacts:
            return
        partners = self.env["res.partner"].with_context(xero_inbound=True)
        directions = partners._xero_directions(connection)
        values = [
            partners._xero_values_for_new(connection, contact, directions) for contact in contacts
        ]
        created = partners.create([vals for vals, _agreed in values])
        now = fields.Datetime.now()
        insert_rows(
            self.env["xero.link"].sudo(),
            [
                {
                    "connection_id": connection.id,
                    "company_id": connection.company_id.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "xero_id": contact["ContactID"].lower(),
                    "state": "synced",
                    "lookup_done": True,
                    "last_sync_at": now,
                    "synced_values": agreed,
                    "xero_updated_at": partners._xero_updated(contact),
                }
                for partner, contact, (_vals, agreed) in zip(created, contacts, values, strict=True)
            ],
        )
        message = self.env._("Created in Odoo from Xero.")
        for contact in contacts:
            outcomes[contact["ContactID"].lower()] = (True, message)

    # ------------------------------------------------------------------ merged in Xero

    @api.model
    def _xero_follow_merge(self, connection, partner, link, merged_into):
        """Xero merged this partner's contact into another: the link follows, unless that
        one is some other partner's, which a person must merge in Odoo."""
        other = partner._xero_links(connection, xero_ids=[merged_into]).get(merged_into)
        if other and other.res_id != partner.id:
            self._xero_open(
                connection,
                "odoo",
                "merged",
                partner=partner,
                xero_name=other.record_name,
                explanation=self.env._(
                    "In Xero this contact was merged into the one of %s: merge the two "
                    "partners in Odoo, then link the one kept.",
                    other.record_name,
                ),
            )
            link.write(
                {
                    "state": "error",
                    "last_error": self.env._("Merged in Xero: see Contacts to review."),
                }
            )
            return True, self.env._("Merged in Xero into a contact linked elsewhere: to review.")
        old = link.xero_id
        link.write({"xero_id": merged_into, "synced_values": False})
        self._xero_decided(
            connection,
            partner,
            self.env._(
                "Xero merged contact %(old)s into %(new)s: the link follows it.",
                old=old,
                new=merged_into,
            ),
            merged_into,
        )
        self._xero_fetch(connection, [merged_into])
        return True, self.env._("Merged in Xero: now linked to %s.", merged_into)

    # ------------------------------------------------------------------ helpers

    @api.model
    def _xero_open(
        self,
        connection,
        side,
        reason,
        partner=None,
        contact=None,
        rule=None,
        xero_name=None,
        explanation=None,
    ):
        """The open review of this partner or contact (one at a time), created if new."""
        contact = contact or {}
        xero_id = (contact.get("ContactID") or "").lower() or False
        domain = [("connection_id", "=", connection.id), ("state", "=", "open")]
        domain.append(("partner_id", "=", partner.id) if partner else ("xero_id", "=", xero_id))
        review = self.search(domain, limit=1)
        values = {
            "connection_id": connection.id,
            "side": side,
            "partner_id": partner.id if partner else False,
            "xero_id": xero_id,
            "xero_name": contact.get("Name") or xero_name,
            "xero_email": contact.get("EmailAddress"),
            "contact": contact or False,
            "reason": reason,
            "explanation": explanation or self._xero_explain(reason, rule),
        }
        if review:
            review.candidate_ids.unlink()
            review.write(values)
            return review
        return self.create(values)

    @api.model
    def _xero_explain(self, reason, rule):
        texts = {
            "ambiguous": self.env._(
                "Several candidates have the same %s: choose the right one, create a new "
                "one, or do not sync it.",
                rule or "",
            ),
            "linked_elsewhere": self.env._(
                "The only candidate (same %s) is already linked to another record: link it "
                "anyway, create a new one, or do not sync it.",
                rule or "",
            ),
            "name_taken": self.env._(
                "Xero already has an active contact with this name, with another e-mail."
            ),
            "merged": "",
        }
        return texts[reason]

    @api.model
    def _xero_decided(self, connection, partner, message, xero_id=None):
        """Every matching decision is in the audit log."""
        self.env["xero.sync.log"].sudo()._xero_log_decision(connection, partner, xero_id, message)

    @api.model
    def _xero_fetch(self, connection, xero_ids):
        """Read these contacts from Xero soon (through the queue)."""
        self.env["xero.sync.job"].sudo()._xero_enqueue(
            [
                {
                    "connection_id": connection.id,
                    "direction": "in",
                    "kind": "contact.fetch",
                    "res_model": "res.partner",
                    "xero_id": xero_id.lower(),
                    "priority": PRIORITY["fetch"],
                }
                for xero_id in xero_ids
            ]
        )

    # ------------------------------------------------------------------ a manager decides

    def action_link(self, candidate):
        """Link this customer and this Xero contact (the candidate chosen)."""
        self.ensure_one()
        self._check_open()
        partners = self.env["res.partner"].with_context(active_test=False)
        partner = self.partner_id if self.side == "odoo" else candidate.partner_id
        xero_id = candidate.xero_id if self.side == "odoo" else self.xero_id
        for other in partners._xero_links(self.connection_id, xero_ids=[xero_id]).values():
            if other.res_id != partner.id:
                other.write({"xero_id": False, "state": "excluded"})
        partners._xero_link_write(
            self.connection_id,
            {
                partner.id: {
                    "xero_id": xero_id,
                    "lookup_done": True,
                    "state": "pending",
                    "synced_values": False,
                }
            },
        )
        self._xero_fetch(self.connection_id, [xero_id])
        return self._close(
            "linked",
            self.env._(
                "Linked %(partner)s to %(xero)s.", partner=partner.display_name, xero=xero_id
            ),
        )

    def action_create(self):
        """Create it on the other side: this customer in Xero, or this contact in Odoo."""
        self.ensure_one()
        self._check_open()
        partners = self.env["res.partner"].with_context(active_test=False)
        if self.side == "xero":
            outcomes = {}
            self._xero_create_partners(self.connection_id, [self.contact], outcomes)
            return self._close("created", self.env._("Created in Odoo."))
        names = {c.name for c in self.candidate_ids} | {self.xero_name or ""}
        partner = self.partner_id
        values = {"lookup_done": True, "xero_id": False, "state": "pending"}
        if cm.text(partner.name) in names:
            values["xero_name"] = cm.distinct_name(
                partner.name, names, partner.city, partner.ref, partner.id
            )
        partners._xero_link_write(self.connection_id, {partner.id: values})
        partner._xero_enqueue_push(self.connection_id, priority=PRIORITY["push"] - 5)
        return self._close("created", self.env._("Created in Xero."))

    def action_skip(self):
        """Do not sync it (a customer stays out of Xero; a contact out of Odoo)."""
        self._check_open()
        for review in self:
            if review.partner_id:
                review.partner_id._xero_link_write(
                    review.connection_id, {review.partner_id.id: {"state": "excluded"}}
                )
            review._close("skipped", self.env._("Not synced, by decision."))
        return True

    def _check_open(self):
        self.env["xero.connection"]._check_xero_manager()
        if any(review.state != "open" for review in self):
            raise UserError(self.env._("This contact was already decided."))

    def _close(self, state, decision):
        self.write({"state": state, "decision": decision})
        self._xero_decided(self.connection_id, self.partner_id, decision, self.xero_id)
        return True
