from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import groupby

from ..const import PAGE_SIZE, PRIORITY
from ..tools.bulk import insert_rows, write_rows
from ..tools.sync_rules import batch_key, canonical, digest, explain, merge, xero_datetime

USER = "xero_connector.group_xero_user"
SYNC_STATES = [
    ("none", "Not linked"),
    ("pending", "Waiting to sync"),
    ("synced", "Synced"),
    ("error", "Error"),
]


class XeroSyncMixin(models.AbstractModel):
    """What a model that syncs with Xero inherits: links, sync status, Resync, and the
    generic push, fetch and poll steps the queue calls.

    A synced model declares its Xero object (``_xero_object``, ``_xero_plural``,
    ``_xero_id_key``, ``_xero_sdk``, ``_xero_webhook_category``) and the fields whose
    change is pushed (``_xero_synced_fields``), and implements the mapping hooks
    ``_xero_payload`` and ``_xero_apply_inbound``; the queue knows nothing else of it.
    """

    _name = "xero.sync.mixin"
    _description = "Record synchronised with Xero"

    _xero_object = None  # kind prefix: "contact" gives the kinds contact.push and contact.fetch
    _xero_plural = None  # Xero's collection: "Contacts"
    _xero_id_key = None  # Xero's id field: "ContactID"
    _xero_sdk = None  # xero-python's method suffix: "contacts" for get_contacts...
    _xero_webhook_category = None  # "CONTACT"
    _xero_synced_fields = ()
    # Xero field -> Odoo field, to tell the user which field to fix after a refusal
    _xero_field_map = {}

    xero_link_ids = fields.One2many("xero.link", "res_id", "Xero links", groups=USER, copy=False)
    xero_sync_state = fields.Selection(
        SYNC_STATES,
        "Xero sync",
        compute="_compute_xero_status",
        search="_search_xero_sync_state",
        groups=USER,
    )
    xero_last_sync = fields.Datetime("Last Xero sync", compute="_compute_xero_status", groups=USER)
    xero_last_error = fields.Text("Xero error", compute="_compute_xero_status", groups=USER)
    xero_url = fields.Char("Open in Xero", compute="_compute_xero_status", groups=USER)

    # ------------------------------------------------------------------ kinds

    @api.model
    def _xero_kinds(self):
        label = self._description
        return [
            (f"{self._xero_object}.push", self.env._("%s to Xero", label)),
            (f"{self._xero_object}.fetch", self.env._("%s from Xero", label)),
        ]

    # ------------------------------------------------------------------ status

    def _xero_current_links(self):
        """{record id: link} with the organisation of the user's current company."""
        connection = self.env.company.sudo()._xero_connection()
        ids = [record_id for record_id in self.ids if record_id]
        return self._xero_links(connection, ids=ids) if connection and ids else {}

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

    def _search_xero_sync_state(self, operator, value):
        """Records by their state with the organisation of the current company."""
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on the Xero sync state."))
        states = {value} if isinstance(value, str) else set(value)
        connection = self.env.company.sudo()._xero_connection()
        links = self.env["xero.link"].sudo()
        domain = [("connection_id", "=", connection.id), ("res_model", "=", self._name)]
        linked = links._search([*domain, ("state", "in", list(states - {"none"}))])
        ids = Domain("id", "in", linked.subselect("res_id"))
        if "none" in states:
            ids |= Domain("id", "not in", links._search(domain).subselect("res_id"))
        return ids if operator in ("=", "in") else ~ids

    @api.model
    def _xero_url(self, connection, xero_id):
        """Where a user sees the Xero object (override per model)."""
        return False

    # ------------------------------------------------------------------ what syncs where

    def _xero_targets(self, connections=None):
        """{connection: records} this recordset syncs to (the connections that sync
        this object, each limited to its company's records)."""
        if connections is None:
            connections = self.env["xero.connection"].sudo()._xero_syncing(self._xero_object)
        targets = {}
        for connection in connections:
            records = self.filtered_domain(self._xero_sync_domain(connection))
            if records:
                targets[connection] = records
        return targets

    def _xero_sync_domain(self, connection):
        """The records of this model that sync with ``connection`` (override per model)."""
        return [("company_id", "in", [False, connection.company_id.id])]

    # ------------------------------------------------------------------ enqueueing

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

    def action_xero_resync(self, connections=None):
        """Resync: push now; a failed job of the record is tried again, not duplicated."""
        if not self.env.user.has_group(USER):
            raise AccessError(self.env._("Only Xero users can resync records with Xero."))
        self.check_access("read")
        jobs = self.env["xero.sync.job"].sudo()
        failed = jobs.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
                ("state", "=", "error"),
                ("direction", "=", "out"),
            ]
        )
        if connections is not None:
            failed = failed.filtered(lambda job: job.connection_id in connections)
        for job in failed:
            job._xero_requeue()
        self._xero_enqueue_push(connections, priority=PRIORITY["push"] - 5)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Xero"),
                "message": self.env._("Queued for Xero: it is sent within seconds."),
                "type": "info",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_xero_open_links(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_connector.action_xero_link")
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ links

    @api.model
    def _xero_links(self, connection, ids=None, xero_ids=None):
        """{res_id: link} (or {xero_id: link}) of this model for ``connection``."""
        links = self.env["xero.link"].sudo()
        domain = [("connection_id", "=", connection.id), ("res_model", "=", self._name)]
        if ids is not None:
            return {
                link.res_id: link for link in links.search([*domain, ("res_id", "in", list(ids))])
            }
        found = links.search([*domain, ("xero_id", "in", list(xero_ids))])
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
        for res_id, values in values_by_id.items():
            if res_id in links:
                rows[links[res_id].id] = values
            else:
                new.append(dict(defaults, res_id=res_id, **values))
        write_rows(self.env["xero.link"].sudo(), rows)
        for _fields, values_list in groupby(new, key=lambda vals: tuple(sorted(vals))):
            insert_rows(self.env["xero.link"].sudo(), values_list)

    # ------------------------------------------------------------------ pushing (queue)

    @api.model
    def _xero_prepare_push(self, jobs):
        """{job id: values} of the jobs to send, with their payloads; what needs no call
        is finished at once, what Xero would refuse fails at once, and a record whose
        change in Xero is still to be read waits for it (its change is merged first)."""
        connection = jobs.connection_id
        records = self.browse(jobs.mapped("res_id")).with_company(connection.company_id)
        records = records.with_context(active_test=False).exists()
        by_id = {record.id: record for record in records}  # iterated: fetched together
        links = self._xero_links(connection, ids=records.ids)
        inbound = self._xero_pending_fetches(
            connection, [link.xero_id for link in links.values() if link.xero_id]
        )
        missing = unchanged = deferred = excluded = jobs.browse()
        rows = {}
        for job in jobs:
            record, link = by_id.get(job.res_id), links.get(job.res_id)
            xero_id = link.xero_id if link else False
            if not record:
                missing |= job
            elif job.uncertain and job.operation == "create" and not xero_id:
                rows[job.id] = {}  # resend exactly what may have reached Xero; changes follow
            elif link and link.state == "excluded":
                excluded |= job
            elif xero_id and xero_id in inbound:
                deferred |= job
            elif (payload := record._xero_outbound(connection, link)) is None:
                unchanged |= job
            elif refusals := record._xero_problems(payload):
                job._xero_refused(*refusals)
                self._xero_link_write(
                    connection, {record.id: {"state": "error", "last_error": refusals[0]}}
                )
            else:
                operation = "update" if xero_id else "create"
                rows[job.id] = {"payload": payload, "operation": operation, "xero_id": xero_id}
        missing._xero_done(self.env._("The record no longer exists in Odoo; nothing was sent."))
        unchanged._xero_done(self.env._("Xero already has these values; nothing was sent."))
        deferred._xero_defer(self.env._("Waits for the change made in Xero to be read first."))
        excluded._xero_done(
            self.env._("A manager chose not to sync this record; nothing was sent.")
        )
        return self._xero_before_send(connection, jobs, rows, links)

    @api.model
    def _xero_before_send(self, connection, jobs, rows, links):
        """Last look at the jobs about to be sent ({job id: values}); returns the rows
        still to send (override: look creates up in Xero first)."""
        return rows

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
                    ("kind", "=", f"{self._xero_object}.fetch"),
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

    def _xero_problems(self, payload):
        """(plain explanation, [Xero's words], Odoo field) of what Xero would refuse in
        the payload, found before any call; empty when it may be sent (override)."""
        return ()

    @api.model
    def _xero_push_jobs(self, jobs, client, operation):
        """Send one batch; a create that may already be in Xero is looked up first."""
        if operation == "create" and (maybe := jobs.filtered("recover")):
            found = self._xero_recover(maybe, client)
            maybe.write({"recover": False})  # looked up: what was not found is created
            if found:
                again = jobs.browse([job.id for job in found])
                self._xero_relink(again, found)
                jobs -= again
                self._xero_send(again, client, "update")
        if jobs:
            self._xero_send(jobs, client, operation)

    @api.model
    def _xero_relink(self, jobs, found):
        """Jobs whose create reached Xero after all: update the object found instead."""
        connection = jobs.connection_id
        self._xero_link_write(connection, {job.res_id: {"xero_id": found[job]} for job in jobs})
        records = self.browse(jobs.mapped("res_id"))
        for job in jobs:
            payload = records.browse(job.res_id)._xero_payload(connection, xero_id=found[job])
            job.write({"payload": payload, "operation": "update", "xero_id": found[job]})
        key = batch_key(digest(job.id, "recovered", job.payload) for job in jobs)
        jobs.write({"idempotency_key": key, "recover": False})

    @api.model
    def _xero_recover(self, jobs, client):
        """{job: xero_id} of the creates Xero already made (override per model).

        By default nothing is found: only the Idempotency-Key protects the create."""
        return {}

    @api.model
    def _xero_send(self, jobs, client, operation):
        """One PUT (creates) or POST (updates) of the jobs' payloads.

        The body is the same bytes every time the same jobs are sent (jobs in id
        order, keys sorted), so Xero recognises a resent request by its key."""
        jobs = jobs.sorted("id")
        # read once: each read of a JSON field is a deep copy
        payloads = {job.id: canonical(job.payload) for job in jobs}
        method = f"{'create' if operation == 'create' else 'update_or_create'}_{self._xero_sdk}"
        answer = client.call_json(
            method,
            {self._xero_plural: [payloads[job.id] for job in jobs]},
            summarize_errors=False,
            idempotency_key=jobs[:1].idempotency_key,
        )
        self._xero_pushed(jobs, answer.get(self._xero_plural) or [], payloads)

    @api.model
    def _xero_pushed(self, jobs, elements, payloads):
        """Record each element's outcome on its own job and link; what Xero now holds is
        what both sides agree on, and what it overwrote goes to the log."""
        connection = jobs.connection_id
        now = fields.Datetime.now()
        known = self._xero_links(connection, ids=jobs.mapped("res_id"))
        # a create resent as it was may lag behind the record: push the rest after it
        follow_up = jobs.filtered(lambda j: j.uncertain and j.operation == "create")
        succeeded = jobs.browse()
        links, rows = {}, {}
        for job, element in zip(jobs, elements, strict=False):
            messages = [e.get("Message") for e in element.get("ValidationErrors") or []]
            if element.get("StatusAttributeString") == "ERROR" or messages:
                explanation, field = self._xero_explain(messages)
                job._xero_refused(explanation, messages, field)
                links[job.res_id] = {"state": "error", "last_error": explanation}
                continue
            succeeded |= job
            xero_id = element.get(self._xero_id_key)
            warnings = " ".join(w.get("Message") or "" for w in element.get("Warnings") or [])
            link = known.get(job.res_id)
            base = dict(link.synced_values or {}) if link and link.xero_id else {}
            sent = {k: v for k, v in payloads[job.id].items() if k != self._xero_id_key}
            rows[job.id] = {
                "xero_id": xero_id,
                "result": warnings.strip() or False,
                "changes": {"old": {k: base.get(k) for k in sent}, "new": sent} if base else False,
            }
            links[job.res_id] = {
                "xero_id": xero_id,
                "state": "synced",
                "last_sync_at": now,
                "last_error": False,
                "synced_values": base | sent,
                "xero_updated_at": xero_datetime(element.get("UpdatedDateUTC")),
            }
        succeeded._xero_done(rows=rows)
        self._xero_link_write(connection, links)
        follow_up = follow_up.filtered(lambda j: j.state == "done")
        self.browse(follow_up.mapped("res_id")).exists()._xero_enqueue_push(connection)
        if len(elements) < len(jobs):
            jobs[len(elements) :]._xero_refused(
                self.env._("Xero's answer did not mention this record; press Retry."),
                [],
                failure_type="internal",
            )

    @api.model
    def _xero_explain(self, messages):
        """(plain explanation, Odoo field label) for Xero's refusal messages."""
        explanation, xero_field = explain(self.env, messages)
        field = self._fields.get(self._xero_field_map.get(xero_field or "", ""))
        return explanation, field.get_description(self.env)["string"] if field else None

    # ------------------------------------------------------------------ fetching (queue)

    @api.model
    def _xero_fetch_jobs(self, jobs, client):
        """Read the Xero objects of a batch of inbound jobs in one call and apply them."""
        answer = client.call_json(
            f"get_{self._xero_sdk}", **self._xero_fetch_params(jobs.mapped("xero_id"))
        )
        elements = answer.get(self._xero_plural) or []
        outcomes = self._xero_apply_inbound(jobs.connection_id, elements)
        gone = self.env._("Xero has no such record (any more).")
        outcome_of = {job: outcomes.get(job.xero_id.lower(), (None, gone)) for job in jobs}
        for (ok, message), done in jobs.grouped(lambda job: outcome_of[job]).items():
            if ok:
                done._xero_done(message)
            else:
                done._xero_refused(
                    message, [], failure_type="internal" if ok is False else "not_found"
                )

    @api.model
    def _xero_fetch_params(self, xero_ids):
        return {"i_ds": list(xero_ids)}

    @api.model
    def _xero_apply_inbound(self, connection, elements):
        """Apply Xero objects to their records: {xero id (lower case): (ok, message)}.

        Linked records take Xero's changes key by key (``_xero_take``); objects not
        linked yet go to ``_xero_apply_unlinked``. Writes use the ``xero_inbound``
        context, so a change that came from Xero is not pushed back."""
        by_id = {(e.get(self._xero_id_key) or "").lower(): e for e in elements}
        by_id.pop("", None)
        links = self._xero_links(connection, xero_ids=list(by_id))
        records = self.browse([link.res_id for link in links.values()])
        records = records.with_company(connection.company_id)
        records = records.with_context(active_test=False).exists()
        by_record = {record.id: record for record in records}
        outcomes = self._xero_apply_unlinked(
            connection, [e for key, e in by_id.items() if key not in links]
        )
        pushes = []
        for xero_id, link in links.items():
            record = by_record.get(link.res_id)
            if record:
                outcomes[xero_id] = record._xero_take(connection, link, by_id[xero_id], pushes)
            else:
                outcomes[xero_id] = (True, self.env._("Its Odoo record was deleted."))
        self.browse(pushes)._xero_enqueue_push(connection)
        return outcomes

    @api.model
    def _xero_apply_unlinked(self, connection, elements):
        """Xero objects no record is linked to yet (override: match, create, review)."""
        return {
            (e.get(self._xero_id_key) or "").lower(): (True, self.env._("Not linked in Odoo."))
            for e in elements
        }

    def _xero_take(self, connection, link, element, pushes=None):
        """Bring Xero's changes onto this record, key by key, against what both sides
        last agreed on: a key Odoo changed meanwhile is pushed instead, and a key both
        changed is settled by the connection's conflict policy. Every value Xero
        overwrites is logged with its old and new value."""
        self.ensure_one()
        incoming = self._xero_normalize(element)
        directions = self._xero_directions(connection)
        keys = [k for k in incoming if directions.get(k, "none") != "none"]
        current = self._xero_payload(connection, link, keys=keys)
        base = link.synced_values if link.synced_values else None
        updated = xero_datetime(element.get("UpdatedDateUTC"))
        odoo_newer = bool(updated and self.write_date and self.write_date > updated)
        agreed, take, push, overruled = dict(base or {}), {}, [], {}
        for key in keys:
            odoo, xero = canonical(current.get(key)), canonical(incoming[key])
            before = base.get(key) if base is not None and key in base else None
            outcome = merge(
                key, odoo, xero, before, directions[key], self._xero_policy(connection), odoo_newer
            )
            if outcome == "push":
                push.append(key)
                if before is not None and xero != before:
                    overruled[key] = (xero, odoo)
                continue
            agreed[key] = xero
            if outcome == "take":
                take[key] = xero
        try:
            changed = self._xero_write_inbound(connection, link, take)
        except (ValidationError, UserError) as error:
            message = self.env._(
                "Xero's values could not be written on %(record)s: %(error)s",
                record=self.display_name,
                error=error.args[0],
            )
            link.write({"state": "error", "last_error": message})
            return False, message
        link.write(
            {
                "synced_values": agreed,
                "state": "synced",
                "last_sync_at": fields.Datetime.now(),
                "last_error": False,
                "xero_updated_at": updated,
            }
        )
        if overruled:
            # both sides changed these keys and Odoo's values win: Xero's are overwritten
            self.env["xero.sync.log"]._xero_log_change(
                connection,
                self,
                link.xero_id,
                {key: x for key, (x, _o) in overruled.items()},
                {key: o for key, (_x, o) in overruled.items()},
                self.env._("Changed in Odoo and in Xero: Odoo's value is kept and sent to Xero."),
                direction="out",
            )
        if push and pushes is not None:
            pushes.append(self.id)  # the caller queues them all at once
        elif push:
            self._xero_enqueue_push(connection)
        return True, self.env._("Updated from Xero.") if changed else None

    def _xero_write_inbound(self, connection, link, take):
        """Write Xero's values of the keys in ``take``; log what they overwrote."""
        values = {}
        for key, value in take.items():
            values |= self._xero_odoo_values(connection, key, value)
        changed = {name: value for name, value in values.items() if self._xero_differs(name, value)}
        if not changed:
            return {}
        old = {name: self._xero_loggable(name) for name in changed}
        with self.env.cr.savepoint():  # a value Odoo refuses fails this record only
            self.with_context(xero_inbound=True).write(changed)
        new = {name: self._xero_loggable(name) for name in changed}
        self.env["xero.sync.log"]._xero_log_change(
            connection, self, link.xero_id, old, new, self.env._("Changed in Xero.")
        )
        return changed

    def _xero_differs(self, name, value):
        field = self._fields[name]
        current = self[name]
        if field.type == "many2one":
            return current.id != (value or False)
        return (current or False) != (value or False)

    def _xero_loggable(self, name):
        value = self[name]
        return value.display_name if isinstance(value, models.BaseModel) else value

    # hooks of the synced model

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """This record in Xero's field names, each key in its canonical form (the keys
        that go to Xero, or ``keys``), with Xero's id (the link's, or ``xero_id``)."""
        raise NotImplementedError

    @api.model
    def _xero_normalize(self, element):
        """A Xero object reduced to the same keys and forms as ``_xero_payload``."""
        raise NotImplementedError

    @api.model
    def _xero_odoo_values(self, connection, key, value):
        """The Odoo field values of one key of a Xero object."""
        raise NotImplementedError

    @api.model
    def _xero_directions(self, connection):
        """{key: both | to_xero | to_odoo | none} (override: configured per connection)."""
        return {}

    @api.model
    def _xero_policy(self, connection):
        """Who wins a key changed on both sides: last, odoo or xero."""
        return "last"

    # ------------------------------------------------------------------ polling (cron)

    @api.model
    def _xero_poll(self, connection, cursor):
        """Read one page of what changed in Xero since the cursor and apply it.

        A sweep keeps one If-Modified-Since for all its pages and orders them by
        Xero's id, which changes never move, so no record slips between two pages.
        Returns whether another page follows."""
        client = connection._xero_client(purpose="poll")
        page = cursor.next_page or 1
        try:
            answer = client.call_json(
                f"get_{self._xero_sdk}",
                **self._xero_poll_params(connection, cursor.modified_since, page),
            )
        finally:
            client.note_budget()
            self.env["xero.sync.log"]._xero_log_calls(connection, client.journal, direction="in")
        elements = answer.get(self._xero_plural) or []
        outcomes = self._xero_apply_inbound(connection, elements)
        self.env["xero.sync.job"].sudo()._xero_poll_failures(connection, self, outcomes)
        return cursor._xero_advance(answer.get("DateTimeUTC"), page, len(elements))

    @api.model
    def _xero_enabled(self, connection):
        """Whether this model syncs with ``connection`` (webhooks and polling)."""
        return connection._xero_syncs(self._xero_object)

    @api.model
    def _xero_poll_params(self, connection, since, page):
        params = {"page": page, "page_size": PAGE_SIZE, "order": f"{self._xero_id_key} ASC"}
        if since:
            params["if_modified_since"] = since
        return params
