from odoo import fields, models
from odoo.exceptions import UserError

from ..const import PAGE_SIZE, PRIORITY
from ..exceptions import XeroError
from ..tools import contact_mapping as cm
from ..tools.actions import reopen


class XeroContactGolive(models.TransientModel):
    """Going live with contact sync: the data to clean, a dry run, a test batch, then
    everything.

    First the customers to merge, without a valid e-mail or an address, and the fiscal
    positions without a Xero tax rate are counted (``xero.data.audit``).

    The dry run reads every Xero contact (a page of 1,000 per call) and matches them
    with the partners that sync, changing nothing: it counts and lists what would be
    linked, created in Xero, created in Odoo and left for review. The test batch does
    it for a few chosen partners only. Going live reads Xero again (what changed in
    the meantime counts), does it all and switches the contact sync on.
    """

    _name = "xero.contact.golive"
    _inherit = ["xero.golive.mixin"]
    _description = "Go live with contacts"
    _xero_audit_kinds = ("duplicates", "emails", "addresses", "positions")

    # ------------------------------------------------------------------ fields

    audit_duplicates = fields.Integer(
        "Duplicate customers to merge",
        compute="_compute_xero_audit",
        help="Groups of customers sharing an e-mail, a name (without case, accents, "
        "punctuation or a legal form like Ltd), a tax ID or the last 9 digits of a phone "
        "number: in Xero each would be a contact of its own.",
    )
    audit_emails = fields.Integer(
        "Customers without a valid e-mail",
        compute="_compute_xero_audit",
        help="Xero refuses an e-mail that is not one address, and cannot send invoices "
        "to a customer without one.",
    )
    audit_addresses = fields.Integer(
        "Customers without an address",
        compute="_compute_xero_audit",
        help="A street, a city and a country: the postal address Xero prints on invoices.",
    )
    audit_positions = fields.Integer(
        "Fiscal positions without a Xero tax rate",
        compute="_compute_xero_audit",
        help="Fiscal positions that turn a sales tax in use into taxes the tax map gives "
        "no Xero tax rate (the invoices of their customers would be refused), or only a "
        "proposal nobody has accepted yet.",
    )

    count_xero = fields.Integer("Contacts in Xero", readonly=True)
    count_left = fields.Integer(
        "Left as they are in Xero",
        readonly=True,
        help="Xero contacts nobody in Odoo matches and that are not created in Odoo: "
        "archived, suppliers only, or creating in Odoo is off. The list says which.",
    )
    already_live = fields.Boolean(related="connection_id.sync_contacts")
    calls = fields.Integer("Calls to Xero", readonly=True)
    test_partner_ids = fields.Many2many(
        "res.partner",
        string="Test batch",
        help="A few partners to sync first; check them in Xero before going live.",
    )

    # ------------------------------------------------------------------ actions

    def action_dry_run(self):
        """Count and list what going live would do; nothing is changed."""
        self.ensure_one()
        self._check_manager()
        contacts, calls, _pulled_at = self._xero_pull()
        plan = self._xero_plan(contacts)
        self.write(
            self._xero_counts(plan)
            | {
                "state": "planned",
                "calls": calls,
                "count_xero": len(contacts),
                "count_left": len(plan["left"]),
                "preview": self._xero_preview(plan, contacts),
            }
        )
        self.test_partner_ids = [
            fields.Command.set((plan["create_xero"] + [p for p, _c, _r in plan["link"]])[:5])
        ]
        return reopen(self)

    def action_test_batch(self):
        """Link or create the chosen partners only, through the queue."""
        self.ensure_one()
        self._check_manager()
        if not self.test_partner_ids:
            raise UserError(self.env._("Choose the partners of the test batch first."))
        contacts, _calls, _pulled_at = self._xero_pull()
        plan = self._xero_plan(contacts, only=set(self.test_partner_ids.ids))
        plan["create_odoo"] = []
        done = self._xero_apply(plan, contacts)
        self.result = self.env._(
            "Test batch: %(done)s. They are in Xero within seconds: check them there and in "
            "Xero > Queue, then go live.",
            done=done,
        )
        return reopen(self)

    # ------------------------------------------------------------------ business: going live

    def _xero_go_live(self):
        """Do it all, and keep contacts in sync from now on (run in the background)."""
        self.ensure_one()
        contacts, calls, pulled_at = self._xero_pull()
        self._xero_progress(50, self.env._("Read %s contacts from Xero", len(contacts)))
        plan = self._xero_plan(contacts)
        done = self._xero_apply(plan, contacts)
        connection_sudo = self.connection_id.sudo()
        connection_sudo.sync_contacts = True
        # what changes from now on is read by the poll (and the webhook)
        cursor = self.env["xero.poll.cursor"].sudo()._xero_for(connection_sudo, "res.partner")
        cursor._xero_start_at(pulled_at)
        self.write(
            self._xero_counts(plan)
            | {
                "state": "live",
                "calls": calls,
                "count_left": len(plan["left"]),
                "preview": self._xero_preview(plan, contacts, done=True),
                "result": self.env._("Live: %s.", done),
            }
        )
        return self.result

    # ------------------------------------------------------------------ business: reading Xero

    def _xero_pull(self):
        """(every Xero contact, archived ones too, the calls made, Xero's time at the
        start); a page of 1,000 contacts per call. They are kept in the local copy of
        the organisation's contacts, which is complete from then on."""
        connection_sudo = self.connection_id.sudo()
        contacts, page, pulled_at = [], 1, None
        try:
            with self.env["xero.connection.budget"]._xero_flushing(connection_sudo):
                while True:
                    answer = connection_sudo._xero_call_json(
                        "get_contacts",
                        page=page,
                        page_size=PAGE_SIZE,
                        include_archived=True,
                        order="ContactID ASC",
                        purpose="push",
                        log={"direction": "in", "message": self.env._("Going live: every contact")},
                    )
                    if page == 1:
                        pulled_at = answer.get("DateTimeUTC")
                    rows = answer.get("Contacts") or []
                    contacts += rows
                    if len(rows) < PAGE_SIZE:
                        break
                    page += 1
        except XeroError as error:
            raise UserError(error.message) from None
        directory = self.env["xero.contact"].sudo()
        directory._xero_store(connection_sudo, contacts)
        directory._xero_start_at(connection_sudo, pulled_at)
        return contacts, page, pulled_at

    # ------------------------------------------------------------------ business: the plan

    def _xero_plan(self, contacts, only=None):
        """What going live does, decided by the queue's own matching rule
        (``contact_mapping.decide``): {link: [(partner, contact, rule)], create_xero:
        [partner], review: [(partner, [contacts], rule)], create_odoo: [contact],
        linked: n}. A partner whose name Xero already has is created with a
        distinguishing name, or reviewed, as the connection says."""
        connection_sudo = self.connection_id.sudo()
        partners = self.env["res.partner"]._xero_partners_in_scope(connection_sudo)
        links = partners._xero_links(connection_sudo, ids=partners.ids)
        every_link = (
            self.env["xero.link"]
            .sudo()
            .search([("connection_id", "=", connection_sudo.id), ("res_model", "=", "res.partner")])
        )
        linked_contacts = set(every_link.filtered("xero_id").mapped("xero_id"))
        free = partners.filtered(lambda p: p.id not in links or not links[p.id].xero_id)
        if only is not None:
            free = free.filtered(lambda p: p.id in only)
        rows = [cm.as_contact(c) for c in contacts]
        unlinked = [row for row in rows if row["id"] not in linked_contacts]
        index = cm.ContactIndex(unlinked)
        active_names = {cm.text(row["name"]) for row in rows if row["active"]}
        by_name = connection_sudo.contact_name_rule == "email"
        plan = {"link": [], "create_xero": [], "create_odoo": [], "review": []}
        plan["linked"] = len(links) - len(free)
        claimed = set()
        for partner in partners._xero_match_rows(free):
            decision = cm.decide(partner, index.candidates(partner), claimed, by_name, active_names)
            ids = [c["id"] for c in decision.found]
            claimed.update(ids)
            if decision.verdict == "link":
                plan["link"].append((partner["id"], ids[0], decision.rule))
            elif decision.verdict == "review" or (
                decision.verdict == "name_taken" and connection_sudo.contact_name_rule == "review"
            ):
                plan["review"].append((partner["id"], ids, decision.rule))
            else:
                plan["create_xero"].append(partner["id"])
        reviews = self.env["xero.contact.review"]
        by_id = {c["ContactID"].lower(): c for c in contacts}
        plan["left"] = []
        for row in unlinked:
            if row["id"] in claimed:
                continue
            why = reviews._xero_not_importable(connection_sudo, by_id[row["id"]])
            if why is None:
                plan["create_odoo"].append(row["id"])
            else:
                plan["left"].append((row["id"], why.result))
        return plan

    def _xero_preview(self, plan, contacts, done=False):
        """The names under each heading: what a dry run would do, or what going live did."""
        partners = self.env["res.partner"].with_context(active_test=False)
        names = {c["ContactID"].lower(): c.get("Name") for c in contacts}
        section = self._xero_section
        return "".join(
            [
                section(
                    self.env._("Linked") if done else self.env._("To link"),
                    [
                        f"{partners.browse(p).display_name} ↔ {names[c]} ({rule})"
                        for p, c, rule in plan["link"]
                    ],
                ),
                section(
                    self.env._("Sent to Xero") if done else self.env._("To create in Xero"),
                    partners.browse(plan["create_xero"]).mapped("display_name"),
                ),
                section(
                    self.env._("Created in Odoo") if done else self.env._("To create in Odoo"),
                    [names[c] for c in plan["create_odoo"]],
                ),
                section(
                    self.env._("To review"),
                    [
                        f"{partners.browse(p).display_name}: {', '.join(names[c] for c in ids)}"
                        for p, ids, _rule in plan["review"]
                    ],
                ),
                section(
                    self.env._("Left as they are in Xero"),
                    [f"{names[c]}: {why}" for c, why in plan["left"]],
                ),
            ]
        )

    # ------------------------------------------------------------------ business: doing it

    def _xero_apply(self, plan, contacts):
        """Link and merge the matches and create the new Xero contacts in Odoo at once;
        every other partner goes through the queue, which decides with the same rule
        (create, distinguishing name, review). Returns a summary."""
        connection_sudo = self.connection_id.sudo()
        reviews = self.env["xero.contact.review"].sudo()
        partners = self.env["res.partner"].with_context(active_test=False)
        by_id = {c["ContactID"].lower(): c for c in contacts}
        self._xero_link_all(connection_sudo, plan["link"], by_id)
        for start in range(0, len(plan["create_odoo"]), PAGE_SIZE):
            chunk = plan["create_odoo"][start : start + PAGE_SIZE]
            reviews._xero_create_partners(connection_sudo, [by_id[c] for c in chunk])
        queued = plan["create_xero"] + [p for p, _ids, _rule in plan["review"]]
        partners.browse(queued)._xero_enqueue_push(connection_sudo, priority=PRIORITY["push"])
        return self.env._(
            "%(link)s linked, %(xero)s sent to Xero, %(odoo)s created in Odoo, %(review)s to "
            "review",
            link=len(plan["link"]),
            xero=len(plan["create_xero"]),
            odoo=len(plan["create_odoo"]),
            review=len(plan["review"]),
        )

    def _xero_link_all(self, connection, pairs, contacts):
        """Link matched pairs and merge each with the contact as Xero sent it."""
        partners = self.env["res.partner"].with_context(active_test=False)
        partners._xero_link_write(
            connection,
            {p: {"xero_id": c, "lookup_done": True, "state": "pending"} for p, c, _r in pairs},
        )
        links = partners._xero_links(connection, ids=[p for p, _c, _r in pairs])
        rules = {p: c for p, c, _r in pairs}
        pushes = []
        # browsed together: their fields are read together
        for partner in partners.browse(list(rules)):
            _outcome, push = partner._xero_merge_inbound(
                connection, links[partner.id], contacts[rules[partner.id]]
            )
            if push:
                pushes.append(partner.id)
        partners.browse(pushes)._xero_enqueue_push(connection)
        self.env["xero.sync.log"]._xero_log_decisions(
            connection,
            partners,
            [
                (partner_id, contact_id, self.env._("Linked when going live, by %s.", rule))
                for partner_id, contact_id, rule in pairs
            ],
        )
