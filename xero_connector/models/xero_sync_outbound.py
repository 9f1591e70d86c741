from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import groupby

from ..const import GROUP_USER, PRIORITY
from ..tools.actions import SOFT_RELOAD, notification
from ..tools.bulk import insert_rows, write_rows
from ..tools.outcomes import Done, Later, Refused, Send, caught
from ..tools.sync_rules import canonical, quoted, xero_datetime

SYNC_STATES = [
    ("none", "Not linked"),
    ("pending", "Waiting to sync"),
    ("synced", "Synced"),
    ("error", "Error"),
]


class XeroSyncOutboundMixin(models.AbstractModel):
    """The outbound half: a model whose records are pushed to Xero.

    Each record is linked to its Xero object per organisation (``xero.link``); a
    change of a synced field queues a push; the queue calls the steps below, which
    build the payloads, send them in batches and say what happened to each job
    (``tools/outcomes.py``). The model implements ``_xero_payload`` (and may refuse
    before sending with ``_xero_problems``, or for a whole batch with
    ``_xero_refusals``).
    """

    _name = "xero.sync.outbound.mixin"
    _inherit = ["xero.sync.base"]
    _description = "Record pushed to Xero"

    _xero_synced_fields = ()  # fields whose change is pushed
    _xero_gone_statuses = ()  # Xero's statuses of an object that no longer counts
    _xero_fetch_kind = None  # the kind of the reads of its Xero objects, when not its own

    # ------------------------------------------------------------------ fields

    xero_link_ids = fields.One2many(
        "xero.link", "res_id", "Xero links", groups=GROUP_USER, copy=False
    )
    xero_sync_state = fields.Selection(
        SYNC_STATES,
        "Xero sync",
        compute="_compute_xero_status",
        search="_search_xero_sync_state",
        groups=GROUP_USER,
    )
    xero_last_sync = fields.Datetime(
        "Last Xero sync", compute="_compute_xero_status", groups=GROUP_USER
    )
    xero_last_error = fields.Text("Xero error", compute="_compute_xero_status", groups=GROUP_USER)
    xero_url = fields.Char("Open in Xero", compute="_compute_xero_status", groups=GROUP_USER)
    xero_sync_queued = fields.Boolean(
        "Sending to Xero",
        compute="_compute_xero_sync_queued",
        groups=GROUP_USER,
        help="A push of this record to the organisation of the current company is queued: "
        "its last error, if any, is about to be replaced by what Xero answers.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends_context("company")
    @api.depends("xero_link_ids.state", "xero_link_ids.last_sync_at", "xero_link_ids.last_error")
    def _compute_xero_status(self):
        links = self._xero_current_links()
        for record in self:
            link = links.get(record.id)
            record.xero_sync_state = link.state if link else "none"
            record.xero_last_sync = link.last_sync_at if link else False
            record.xero_last_error = link.last_error if link else False
            record.xero_url = link.xero_url if link else False

    @api.depends_context("company")
    def _compute_xero_sync_queued(self):
        connection = self.env.company.sudo()._xero_connection()
        saved = self.browse([record_id for record_id in self.ids if record_id])
        queued = saved._xero_pending_push(connection) if connection and saved else self.browse()
        for record in self:
            record.xero_sync_queued = record.id in queued.ids

    def _search_xero_sync_state(self, operator, value):
        """Records by their state with the organisation of the current company."""
        # a search method is not checked against the field's groups by the ORM
        self._check_field_access(self._fields["xero_sync_state"], "read")
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on the Xero sync state."))
        states = {value} if isinstance(value, str) else set(value)
        connection = self.env.company.sudo()._xero_connection()
        links_sudo = self.env["xero.link"].sudo()
        domain = [("connection_id", "=", connection.id), ("res_model", "=", self._name)]
        linked = links_sudo._search([*domain, ("state", "in", list(states - {"none"}))])
        ids = Domain("id", "in", linked.subselect("res_id"))
        if "none" in states:
            ids |= Domain("id", "not in", links_sudo._search(domain).subselect("res_id"))
        return ids if operator in ("=", "in") else ~ids

    def _xero_current_links(self):
        """{record id: link} with the organisation of the user's current company."""
        connection = self.env.company.sudo()._xero_connection()
        ids = [record_id for record_id in self.ids if record_id]
        return self._xero_links(connection, ids=ids) if connection and ids else {}

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._xero_changed()
        return records

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("xero_inbound") and set(vals) & set(self._xero_synced_fields):
            self._xero_changed()
        return result

    # ------------------------------------------------------------------ actions

    def action_xero_resync(self):
        """Resync with the organisation of the current company: push now; a failed job of
        the record is tried again, not duplicated."""
        return self._xero_resync()

    def action_xero_open_links(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_connector.action_xero_link")
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ business: what syncs where

    @api.model
    def _xero_kinds(self):
        return [
            *super()._xero_kinds(),
            (f"{self._xero_object}.push", self.env._("%s to Xero", self._description)),
        ]

    def _xero_targets(self, connections=None):
        """{connection: records} this recordset syncs to (the connections that sync
        this object, each with the records in its scope)."""
        if connections is None:
            connections = self._xero_connections()
        targets = {}
        records = self.with_context(active_test=False)
        for connection in connections:
            found = records.search(
                Domain("id", "in", self.ids) & self._xero_sync_domain(connection)
            )
            if found:
                targets[connection] = self.browse(found.ids)
        return targets

    def _xero_sync_domain(self, connection):
        """The records of this model that sync with ``connection`` (override per model)."""
        return Domain("company_id", "in", [False, connection.company_id.id])

    def _xero_scope_reason(self, connection):
        """Why this record does not sync with ``connection``, in plain words (override)."""
        self.ensure_one()
        return self.env._("This record does not sync with %s.", connection.display_name)

    def _xero_bring_into_scope(self, connection):
        """Make this record one that syncs, when a user's Resync asks for it (override);
        returns whether it now does."""
        return False

    # ------------------------------------------------------------------ business: queueing

    def _xero_changed(self):
        """Queue a push of these records, unless the change came from Xero itself."""
        if self and not self.env.context.get("xero_inbound"):
            self._xero_enqueue_push()

    def _xero_enqueue_push(self, connections=None, priority=PRIORITY["push"]):
        vals_list = [
            {
                "connection_id": connection.id,
                "direction": "out",
                "kind": f"{self._xero_object}.push",
                "res_model": self._name,
                "res_id": record.id,
                "priority": priority,
            }
            for connection, records in self._xero_targets(connections).items()
            for record in records
        ]
        return self.env["xero.sync.job"].sudo()._xero_enqueue(vals_list)

    def _xero_pending_push(self, connection):
        """Those of these records with a push to ``connection`` still to run."""
        jobs = (
            self.env["xero.sync.job"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", connection.id),
                    ("kind", "=", f"{self._xero_object}.push"),
                    ("res_id", "in", self.ids),
                    ("state", "in", ("pending", "processing")),
                ]
            )
        )
        return self.browse(set(jobs.mapped("res_id")))

    def _xero_resync(self, connections=None):
        """Resync with ``connections`` (by default the current company's): failed jobs are
        tried again, a record out of scope is brought into it when it can be, and the
        user is told plainly what happens."""
        if not self.env.user.has_group(GROUP_USER):
            raise AccessError(self.env._("Only Xero users can resync records with Xero."))
        self.check_access("read")
        if connections is None:
            connections = self.env.company.sudo()._xero_connection()
        connections = connections.filtered(self._xero_enabled)
        if not connections:
            return self._xero_resync_notice(
                self.env._(
                    "Nothing was sent: the Xero connection of %s does not sync this kind of "
                    "record (Settings > Xero).",
                    self.env.company.name,
                ),
                "warning",
            )
        reasons = []
        for connection in connections:
            targets = self._xero_targets(connection).get(connection, self.browse())
            for record in self - targets:
                if not record._xero_bring_into_scope(connection):
                    reasons.append(record._xero_scope_reason(connection))
        failed = (
            self.env["xero.sync.job"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("state", "=", "error"),
                    ("direction", "=", "out"),
                    ("connection_id", "in", connections.ids),
                ]
            )
        )
        # a record whose error is not fixed would fail again: said now, not queued
        blocked = self._xero_still_failing(failed, reasons)
        for job in failed.filtered(lambda j: j.res_id not in blocked.ids):
            job._xero_requeue()
        queued = (self - blocked)._xero_enqueue_push(connections, priority=PRIORITY["push"] - 5)
        if queued and not reasons:
            return self._xero_resync_notice(
                self.env._("Queued for Xero: it is sent within seconds."), "info"
            )
        if queued:
            reasons.insert(0, self.env._("%s queued for Xero.", len(queued)))
        elif blocked:
            reasons.insert(0, self.env._("Not sent: it would fail again."))
        return self._xero_resync_notice(" ".join(reasons), "warning")

    def _xero_still_failing(self, failed, reasons):
        """Those records of the ``failed`` jobs that the push would refuse again, before
        any call; their reasons are added to ``reasons``."""
        blocked = self.browse()
        for connection, jobs in failed.grouped("connection_id").items():
            refusals = self.browse(jobs.mapped("res_id"))._xero_guard_rails(connection)
            for record, refusal in refusals.items():
                blocked |= record
                reasons.append(refusal.reason)
        return blocked

    def _xero_guard_rails(self, connection):
        """{record: Refused} of these records that the push would refuse before any call,
        by the same checks (``_xero_refusals``), run now."""
        records = self.with_company(connection.company_id).with_context(active_test=False)
        links = self._xero_links(connection, ids=records.exists().ids)
        checks = {}
        for record in records.exists():
            link = links.get(record.id)
            if link and link.state == "excluded":
                continue
            payload = record._xero_outbound(connection, link)
            if payload is not None:
                checks[record.id] = (record, payload)
        refusals = self._xero_refusals(connection, checks) if checks else {}
        return {checks[key][0]: refusal for key, refusal in refusals.items()}

    def _xero_resync_notice(self, message, kind):
        title = self.env._("Xero")
        return notification(title, message, kind, sticky=kind == "warning", then=SOFT_RELOAD)

    # ------------------------------------------------------------------ business: links

    @api.model
    def _xero_links(self, connection, ids=None, xero_ids=None):
        """{res_id: link} (or {xero_id: link}) of this model for ``connection``."""
        links_sudo = self.env["xero.link"].sudo()
        domain = [("connection_id", "=", connection.id), ("res_model", "=", self._name)]
        if ids is not None:
            found = links_sudo.search([*domain, ("res_id", "in", list(ids))])
            return {link.res_id: link for link in found}
        found = links_sudo.search([*domain, ("xero_id", "in", list(xero_ids))])
        return {link.xero_id: link for link in found}

    @api.model
    def _xero_link_write(self, connection, values_by_id):
        """Create or update the links of several records at once: {res_id: values}."""
        links = self._xero_links(connection, ids=values_by_id)
        new, rows = [], {}
        defaults = {
            "connection_id": connection.id,
            "company_id": connection.company_id.id,
            "res_model": self._name,
            "state": "pending",
        }
        live = []  # the records whose form shows something new
        for res_id, values in values_by_id.items():
            if res_id in links:
                rows[links[res_id].id] = values
                if links[res_id]._xero_live_differs(values):
                    live.append(res_id)
            else:
                new.append(dict(defaults, res_id=res_id, **values))
                live.append(res_id)
        links_sudo = self.env["xero.link"].sudo()
        write_rows(links_sudo, rows)
        for _fields, values_list in groupby(new, key=lambda vals: tuple(sorted(vals))):
            # a link another worker made meanwhile is a conflict to retry, never a crash
            insert_rows(links_sudo, values_list, unique=("connection_id", "res_model", "res_id"))
        links_sudo._xero_live_changed(connection.company_id, self._name, live)

    # ------------------------------------------------------------------ business: pushing (queue)

    @api.model
    def _xero_prepare_push(self, jobs):
        """{job id: outcome} before any call: what needs no call is done, what Xero would
        refuse is refused, a record whose change in Xero is still to be read waits for
        it (its change is merged first), the rest is sent."""
        connection = jobs.connection_id
        records = self.browse(jobs.mapped("res_id")).with_company(connection.company_id)
        records = records.with_context(active_test=False).exists()
        by_id = {record.id: record for record in records}  # iterated: fetched together
        links = self._xero_links(connection, ids=records.ids)
        inbound = self._xero_pending_fetches(
            connection, [link.xero_id for link in links.values() if link.xero_id]
        )
        outcomes, checks = {}, {}
        for job in jobs:
            record, link = by_id.get(job.res_id), links.get(job.res_id)
            xero_id = link.xero_id if link else False
            if not record:
                outcomes[job.id] = Done(
                    self.env._("The record no longer exists in Odoo; nothing was sent.")
                )
            elif job.uncertain and job.operation == "create" and not xero_id:
                # resend exactly what may have reached Xero; later changes follow it
                outcomes[job.id] = Send("create")
            elif link and link.state == "excluded":
                outcomes[job.id] = Done(
                    self.env._("A manager chose not to sync this record; nothing was sent.")
                )
            elif xero_id and xero_id in inbound:
                outcomes[job.id] = Later(
                    self.env._("Waits for the change made in Xero to be read first.")
                )
            elif (payload := record._xero_outbound(connection, link)) is None:
                outcomes[job.id] = Done(
                    self.env._("Xero already has these values; nothing was sent.")
                )
            else:
                checks[job.id] = (record, payload)
                outcomes[job.id] = Send("update" if xero_id else "create", payload, xero_id)
        refusals = self._xero_refusals(connection, checks)
        outcomes |= refusals
        errors = {
            checks[job_id][0].id: {"state": "error", "last_error": refusal.reason}
            for job_id, refusal in refusals.items()
        }
        self._xero_link_write(connection, errors)
        outcomes |= self._xero_before_send(connection, jobs, outcomes, links)
        # nothing was sent yet: a refusal here is Odoo's, not Xero's
        return {job_id: caught(outcome) for job_id, outcome in outcomes.items()}

    @api.model
    def _xero_before_send(self, connection, jobs, outcomes, links):
        """A last look at the jobs about to be sent: {job id: new outcome} for those whose
        outcome changes (override: look creates up in Xero first)."""
        return {}

    @api.model
    def _xero_pending_fetches(self, connection, xero_ids):
        """The Xero ids among ``xero_ids`` with an inbound job still to run."""
        if not xero_ids:
            return set()
        pending = (
            self.env["xero.sync.job"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", connection.id),
                    ("kind", "=", self._xero_fetch_kind or f"{self._xero_object}.fetch"),
                    ("state", "in", ("pending", "processing")),
                    ("xero_id", "in", [x.lower() for x in xero_ids]),
                ]
            )
        )
        return set(pending.mapped("xero_id"))

    def _xero_outbound(self, connection, link):
        """What to send for this record: everything for a create, the keys changed since
        Xero and Odoo last agreed for an update, or None when nothing changed."""
        self.ensure_one()
        xero_id = link.xero_id if link else False
        full = self._xero_payload(connection, link)
        if not xero_id:
            return full
        base = link.synced_values or {}
        changed = {
            key: value
            for key, value in full.items()
            if key != self._xero_id_key and base.get(key) != canonical(value)
        }
        return {self._xero_id_key: xero_id, **changed} if changed else None

    @api.model
    def _xero_push_batch(self, jobs, operation):
        """One PUT (creates) or POST (updates) of the jobs' payloads: {job id: outcome}.

        The body is the same bytes every time the same jobs are sent (jobs in id
        order, keys sorted), so Xero recognises a resent request by its key."""
        jobs = jobs.sorted("id")
        # read once: each read of a JSON field is a deep copy
        payloads = {job.id: canonical(job.payload) for job in jobs}
        method = f"{'create' if operation == 'create' else 'update_or_create'}_{self._xero_sdk}"
        answer = jobs.connection_id._xero_call_json(
            method,
            {self._xero_plural: [payloads[job.id] for job in jobs]},
            summarize_errors=False,
            idempotency_key=jobs[:1].idempotency_key,
            purpose="push",
            log=self._xero_call_log(jobs),
            **self._xero_push_options(jobs.connection_id),
        )
        return self._xero_pushed(jobs, answer.get(self._xero_plural) or [], payloads)

    @api.model
    def _xero_push_options(self, connection):
        """Options of the pushes to ``connection`` (override: a setting of it)."""
        return self._xero_call_options()

    @api.model
    def _xero_pushed(self, jobs, elements, payloads):
        """Each element's outcome, and its link: what Xero now holds is what both sides
        agree on, and what it overwrote goes to the log."""
        connection = jobs.connection_id
        now = fields.Datetime.now()
        known = self._xero_links(connection, ids=jobs.mapped("res_id"))
        links, outcomes = {}, {}
        for job, element in zip(jobs, elements, strict=False):
            messages = [e.get("Message") for e in element.get("ValidationErrors") or []]
            if not self._xero_accepted(element):
                explanation, field = self._xero_explain(messages)
                outcomes[job.id] = Refused(explanation, tuple(messages), field)
                links[job.res_id] = {"state": "error", "last_error": explanation}
                continue
            xero_id = element.get(self._xero_id_key)
            warnings = " ".join(w.get("Message") or "" for w in element.get("Warnings") or [])
            link = known.get(job.res_id)
            base = dict(link.synced_values or {}) if link and link.xero_id else {}
            sent = {k: v for k, v in payloads[job.id].items() if k != self._xero_id_key}
            outcomes[job.id] = Done(
                warnings.strip() or None,
                xero_id,
                {"old": {k: base.get(k) for k in sent}, "new": sent} if base else None,
            )
            links[job.res_id] = {
                "xero_id": xero_id,
                "state": "synced",
                "last_sync_at": now,
                "last_error": False,
                "synced_values": base | sent,
                "xero_updated_at": xero_datetime(element.get("UpdatedDateUTC")),
            }
        self._xero_link_write(connection, links)
        for job in jobs[len(elements) :]:
            outcomes[job.id] = Refused(
                self.env._("Xero's answer did not mention this record; press Retry."),
                failure="internal",
            )
        # a create resent as it was may lag behind the record: push the rest after it
        resent = jobs.filtered(
            lambda j: j.uncertain and j.operation == "create" and isinstance(outcomes[j.id], Done)
        )
        self.browse(resent.mapped("res_id")).exists()._xero_enqueue_push(connection)
        return outcomes | self._xero_after_push(jobs, outcomes)

    @api.model
    def _xero_read_back(self, jobs):
        """Read back from Xero what these finished jobs pushed, after their answers were
        committed (override: queue reads; by default nothing is read)."""
        return

    @api.model
    def _xero_after_push(self, jobs, outcomes):
        """A last look at what Xero answered: {job id: new outcome} for those whose outcome
        changes (override: a create refused for its own name after all)."""
        return {}

    @api.model
    def _xero_refused_creates(self, jobs, outcomes, text):
        """The creates among ``jobs`` that Xero refused with a message containing ``text``."""
        return jobs.filtered(
            lambda j: (
                j.operation == "create"
                and isinstance(outcomes[j.id], Refused)
                and any(text in m for m in outcomes[j.id].messages)
            )
        )

    @api.model
    def _xero_find_created(self, jobs):
        """{job id: the Xero element} of the creates Xero already made (override per
        model).

        By default nothing is found: only the Idempotency-Key protects the create."""
        return {}

    @api.model
    def _xero_accepted(self, element):
        """Whether Xero accepted this element of a batch: no error, and its id."""
        return (
            element.get("StatusAttributeString") != "ERROR"
            and not element.get("ValidationErrors")
            and bool(element.get(self._xero_id_key))
        )

    @api.model
    def _xero_by_reference(self, jobs):
        """What Xero holds with the References of these creates, except what is gone
        (``_xero_gone_statuses``): what a create whose answer was lost may have made."""
        references = {(job.payload or {}).get("Reference") for job in jobs} - {None}
        if not references:
            return []
        answer = jobs.connection_id._xero_call_json(
            f"get_{self._xero_sdk}",
            where=" OR ".join(f"Reference=={quoted(r)}" for r in sorted(references)),
            purpose="push",
            log={
                "direction": "in",
                "message": self.env._("%s that may exist already", self._description),
            },
        )
        return [
            element
            for element in answer.get(self._xero_plural) or []
            if element.get("Status") not in self._xero_gone_statuses
            and element.get(self._xero_id_key)
        ]

    @api.model
    def _xero_adopt(self, jobs, found):
        """Creates that reached Xero although their answer did not reach Odoo, or Odoo's
        transaction recording it failed: each is adopted as Xero holds it ({job id: the
        element found}), as if its answer had come: linked, with what the create sent as
        what both sides agree on; never edited blind. What changed in Odoo since follows
        as an update of the changed keys only. Returns {job id: outcome}."""
        payloads = {job.id: canonical(job.payload or {}) for job in jobs}
        outcomes = self._xero_pushed(jobs, [found[job.id] for job in jobs], payloads)
        adopted = self.env._("Found in Xero after a lost answer, and linked as Xero has it.")
        return {
            job_id: replace(outcome, result=f"{adopted} {outcome.result or ''}".strip())
            if isinstance(outcome, Done)
            else outcome
            for job_id, outcome in outcomes.items()
        }

    # ------------------------------------------------------------------ hooks

    def _xero_live_forms(self):
        """The (model, id) of the forms that show these records' sync state: their own
        (override: an order shows its invoices')."""
        return [(self._name, record_id) for record_id in self.ids]

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """This record in Xero's field names, each key in its canonical form (the keys
        that go to Xero, or ``keys``), with Xero's id (the link's, or ``xero_id``)."""
        raise NotImplementedError

    @api.model
    def _xero_refusals(self, connection, checks):
        """{job id: Refused} for what Xero would refuse, found before any call, among
        ``checks`` ({job id: (record, payload)}); by default each record's
        ``_xero_problems`` (override to check a whole batch at once)."""
        refusals = {}
        for job_id, (record, payload) in checks.items():
            refusal = record._xero_problems(payload)
            if refusal:
                refusals[job_id] = refusal
        return refusals

    def _xero_problems(self, payload):
        """The ``Refused`` outcome for what Xero would refuse in the payload, found before
        any call; None when it may be sent (override)."""
        return
