from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import PRIORITY
from ..tools import contact_mapping as cm
from ..tools.bulk import insert_rows
from ..tools.outcomes import Done, Refused, Review, Send

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
    made in the methods below too (with the one rule of ``contact_mapping.decide``),
    so that all of them read in one place, for the queue and for going live.
    """

    _name = "xero.contact.review"
    _description = "Contact to review before it syncs"
    _order = "state, id desc"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    side = fields.Selection(
        [("odoo", "Customer in Odoo"), ("xero", "Contact in Xero")], required=True
    )
    partner_id = fields.Many2one("res.partner", "Customer", ondelete="cascade")
    xero_id = fields.Char("Xero ContactID")
    xero_name = fields.Char("Xero name")
    xero_email = fields.Char("Xero email")
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

    # ------------------------------------------------------------------ compute

    def _compute_display_name(self):
        for review in self:
            review.display_name = review.partner_id.display_name or review.xero_name or ""

    # ------------------------------------------------------------------ actions

    def action_create(self):
        """Create it on the other side: this customer in Xero, or this contact in Odoo."""
        self.ensure_one()
        self._check_open()
        if self.side == "xero":
            self._xero_create_partners(self.connection_id, [self.contact])
            return self._close("created", self.env._("Created in Odoo."))
        partners = self.env["res.partner"].with_context(active_test=False)
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

    # ------------------------------------------------------------------ business: creates in Xero

    @api.model
    def _xero_decide_creates(self, connection, jobs, sends, candidates):
        """Partners about to be created in Xero, and the Xero contacts that may be them
        (match rows): {job id: outcome} of those linked, renamed or left for review;
        the others are created as they are."""
        partners = self.env["res.partner"]
        index = cm.ContactIndex(candidates)
        taken = self._xero_taken(connection, [c["id"] for c in candidates])
        active_names = {cm.text(c["name"]) for c in candidates if c["active"]}
        by_name = connection.contact_name_rule == "email"
        waiting = Review(self.env._("Waits in Xero > Contacts to review."))
        outcomes, links, linked = {}, {}, []
        for job in jobs:
            payload = sends[job.id].payload
            partner = partners.browse(job.res_id)
            probe = partners._xero_probe(partner.id, payload)
            others = {xero_id for xero_id, owner in taken.items() if owner != partner.id}
            decision = cm.decide(probe, index.candidates(probe), others, by_name, active_names)
            if decision.verdict == "link":
                contact = decision.found[0]
                taken[contact["id"]] = partner.id
                links[partner.id] = {"xero_id": contact["id"], "lookup_done": True}
                linked.append((job, partner, contact, decision.rule))
            elif decision.verdict == "review":
                self._xero_review_partner(connection, partner, decision, taken)
                outcomes[job.id] = waiting
            elif decision.verdict == "name_taken":
                new_name = self._xero_name_taken(connection, partner, probe["name"], active_names)
                if new_name:
                    active_names.add(new_name)
                    links[partner.id] = {"lookup_done": True, "xero_name": new_name}
                    outcomes[job.id] = Send("create", dict(payload, Name=new_name))
                else:
                    outcomes[job.id] = waiting
        partners._xero_link_write(connection, links)
        for job, partner, contact, rule in linked:
            outcomes[job.id] = self._xero_linked(connection, partner, contact, rule)
        return outcomes

    @api.model
    def _xero_name_taken(self, connection, partner, name, taken_names):
        """Xero already has an active contact called ``name``, and it is another
        customer: the connection's rule decides. Returns the distinguishing name the
        partner takes in Xero, or None when it waits for review."""
        if connection.contact_name_rule == "review":
            self._xero_ask_review(connection, "odoo", "name_taken", partner=partner, xero_name=name)
            return None
        new_name = cm.distinct_name(name, taken_names, partner.city, partner.ref, partner.id)
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
        return new_name

    @api.model
    def _xero_taken(self, connection, xero_ids):
        """{Xero id (lower case): record id} of these contacts already linked."""
        links = self.env["res.partner"]._xero_links(
            connection, xero_ids=[x.lower() for x in xero_ids if x]
        )
        return {xero_id: link.res_id for xero_id, link in links.items()}

    @api.model
    def _xero_linked(self, connection, partner, contact, rule):
        """A partner found in Xero is linked; the contact is read and merged with it."""
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
        return Done(
            self.env._(
                "Linked to the Xero contact “%(name)s” (same %(rule)s); nothing was created.",
                name=contact["name"],
                rule=rule,
            ),
            contact["id"],
        )

    @api.model
    def _xero_review_partner(self, connection, partner, decision, taken):
        review = self._xero_ask_review(
            connection, "odoo", decision.reason, partner=partner, rule=decision.rule
        )
        review.candidate_ids = [
            fields.Command.create(
                {
                    "xero_id": c["id"].lower(),
                    "name": c["name"],
                    "email": c["email"],
                    "linked_partner_id": taken.get(c["id"].lower()),
                }
            )
            for c in decision.found
        ]

    # ------------------------------------------------------------------ business: name clashes

    @api.model
    def _xero_settle_clashes(self, connection, jobs, refusals, by_name):
        """Creates Xero refused because an active contact has their name (``refusals``:
        {job id: Refused}; ``by_name``: those contacts): {job id: outcome}. The contact
        is linked when it is the one this create made (a resent create, same values) or
        the same customer (same email or number); otherwise the refusal names it."""
        partners = self.env["res.partner"]
        taken = self._xero_taken(connection, [c["ContactID"] for c in by_name.values()])
        outcomes, links = {}, {}
        now = fields.Datetime.now()
        for job in jobs:
            contact = by_name.get(cm.text(job.payload.get("Name")))
            if not contact:
                continue  # no active contact has the name any more: the refusal stands
            xero_id = contact["ContactID"].lower()
            sent = {k: v for k, v in job.payload.items() if k != "ContactID"}
            mine = job.uncertain and cm.same_contact(contact, sent)
            probe = partners._xero_probe(job.res_id, sent)
            decision = cm.decide(probe, [cm.as_contact(contact)], by_name=False)
            owner = taken.get(xero_id, job.res_id)
            if owner == job.res_id and (mine or decision.verdict == "link"):
                taken[xero_id] = job.res_id
                links[job.res_id] = {
                    "xero_id": xero_id,
                    "state": "synced" if mine else "pending",
                    "last_sync_at": now,
                    "last_error": False,
                    "lookup_done": True,
                    "synced_values": sent if mine else False,
                    "xero_updated_at": partners._xero_updated(contact),
                }
                outcomes[job.id] = self._xero_clash_linked(connection, job, contact, mine)
            else:
                outcomes[job.id] = self._xero_clash_refused(contact, refusals[job.id])
        partners._xero_link_write(connection, links)
        return outcomes

    @api.model
    def _xero_clash_linked(self, connection, job, contact, mine):
        partner = self.env["res.partner"].browse(job.res_id)
        xero_id = contact["ContactID"].lower()
        if mine:
            message = self.env._(
                "Xero had already created “%(name)s” from an earlier attempt whose answer was "
                "lost: linked to it, nothing created twice.",
                name=contact.get("Name"),
            )
        else:
            message = self.env._(
                "Someone created “%(name)s” in Xero a moment earlier, with the same email or "
                "number: linked to it, nothing created twice.",
                name=contact.get("Name"),
            )
            self._xero_fetch(connection, [xero_id])
        self._xero_decided(connection, partner, message, xero_id)
        return Done(message, xero_id)

    @api.model
    def _xero_clash_refused(self, contact, refusal):
        details = ", ".join(
            filter(None, [contact.get("EmailAddress"), contact.get("AccountNumber")])
        ) or self.env._("no email or account number")
        explanation = self.env._(
            "Xero already has another active contact called “%(name)s” (%(details)s; "
            "ContactID %(id)s), and Xero needs unique names. Rename this customer in Odoo, "
            "or archive or rename that contact in Xero, then press Resync.",
            name=contact.get("Name"),
            details=details,
            id=contact["ContactID"],
        )
        return Refused(explanation, refusal.messages, refusal.field)

    # ------------------------------------------------------------------ business: new in Xero

    @api.model
    def _xero_decide_contacts(self, connection, contacts):
        """Xero contacts no partner is linked to: {xero id: outcome}. A single match is
        linked and merged, several go to review, none is created in Odoo."""
        if not contacts:
            return {}
        partners = self.env["res.partner"].with_context(active_test=False)
        rows = self._xero_candidate_partners(connection, contacts)
        index = cm.ContactIndex(rows)
        taken = set(partners._xero_links(connection, ids=[row["id"] for row in rows]))
        by_name = connection.contact_name_rule == "email"
        outcomes, new = {}, []
        for contact in contacts:
            xero_id = contact["ContactID"].lower()
            probe = cm.as_contact(contact)
            decision = cm.decide(probe, index.candidates(probe), taken, by_name)
            if decision.verdict == "link":
                partner = partners.browse(decision.found[0]["id"])
                outcomes[xero_id] = self._xero_link_partner(
                    connection, partner, contact, decision.rule
                )
                taken.add(partner.id)
            elif decision.verdict == "review":
                outcomes[xero_id] = self._xero_review_contact(connection, contact, decision, taken)
            elif (refusal := self._xero_not_importable(connection, contact)) is not None:
                outcomes[xero_id] = refusal
            else:
                new.append(contact)
        return outcomes | self._xero_create_partners(connection, new)

    @api.model
    def _xero_candidate_partners(self, connection, contacts):
        """Match rows of the partners in scope that share an email, a number or a name
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
        return partners._xero_match_rows(partners.search(domain))

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
        outcome, push = partner._xero_merge_inbound(connection, link, contact)
        if push:
            partner._xero_enqueue_push(connection)
        if isinstance(outcome, Done) and not outcome.result:
            return Done(self.env._("Linked to %s.", partner.display_name))
        return outcome

    @api.model
    def _xero_review_contact(self, connection, contact, decision, taken):
        xero_id = contact["ContactID"].lower()
        decided = self.search_count(
            [
                ("connection_id", "=", connection.id),
                ("xero_id", "=", xero_id),
                ("state", "!=", "open"),
            ],
            limit=1,
        )
        if decided:
            return Done(self.env._("A manager already decided about this contact."))
        review = self._xero_ask_review(
            connection, "xero", decision.reason, contact=contact, rule=decision.rule
        )
        review.candidate_ids = [
            fields.Command.create({"partner_id": row["id"], "linked": row["id"] in taken})
            for row in decision.found
        ]
        return Done(self.env._("Waits in Xero > Contacts to review."))

    @api.model
    def _xero_not_importable(self, connection, contact):
        """Why a Xero contact that is nobody in Odoo is not created there, or None."""
        if contact.get("ContactStatus") != "ACTIVE":
            return Done(self.env._("Archived in Xero: not created in Odoo."))
        if contact.get("IsSupplier") and not contact.get("IsCustomer"):
            return Done(self.env._("A supplier only: not created in Odoo."))
        if not connection.contact_create_in_odoo:
            return Done(self.env._("Not created in Odoo (see the connection's settings)."))
        return None

    @api.model
    def _xero_create_partners(self, connection, contacts):
        """Create the partners of new Xero contacts at once, each linked to its contact:
        {xero id: outcome}."""
        if not contacts:
            return {}
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
        done = Done(self.env._("Created in Odoo from Xero."))
        return {contact["ContactID"].lower(): done for contact in contacts}

    # ------------------------------------------------------------------ business: merged in Xero

    @api.model
    def _xero_follow_merge(self, connection, partner, link, merged_into):
        """Xero merged this partner's contact into another: the link follows, unless that
        one is some other partner's, which a person must merge in Odoo."""
        other = partner._xero_links(connection, xero_ids=[merged_into]).get(merged_into)
        if other and other.res_id != partner.id:
            self._xero_ask_review(
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
            return Done(self.env._("Merged in Xero into a contact linked elsewhere: to review."))
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
        return Done(self.env._("Merged in Xero: now linked to %s.", merged_into))

    # ------------------------------------------------------------------ business: a manager decides

    def _xero_link_candidate(self, candidate):
        """Link this customer and this Xero contact (the candidate a manager chose)."""
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

    def _check_open(self):
        self.env["xero.connection"]._check_xero_manager()
        if any(review.state != "open" for review in self):
            raise UserError(self.env._("This contact was already decided."))

    def _close(self, state, decision):
        self.write({"state": state, "decision": decision})
        self._xero_decided(self.connection_id, self.partner_id, decision, self.xero_id)
        return True

    # ------------------------------------------------------------------ business: helpers

    @api.model
    def _xero_ask_review(
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
        """Ask a manager to decide about this partner or contact: its open review (one at a
        time), created if new."""
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
                "Xero already has an active contact with this name, with another email."
            ),
            "merged": "",
        }
        return texts[reason]

    @api.model
    def _xero_decided(self, connection, partner, message, xero_id=None):
        """Every matching decision is in the audit log."""
        self.env["xero.sync.log"]._xero_log_decisions(
            connection, partner, [(partner.id, xero_id, message)]
        )

    @api.model
    def _xero_fetch(self, connection, xero_ids):
        """Read these contacts from Xero soon (through the queue)."""
        self.env["xero.sync.job"].sudo()._xero_enqueue_fetches(
            connection, self.env["res.partner"], xero_ids
        )
