import contextlib
import json
import logging
import random
import secrets
import time
from datetime import timedelta

import psycopg2
from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..const import BATCH_SIZE, DEAD_AFTER, PRIORITY, TOKEN_MARGIN
from ..exceptions import (
    XeroAuthError,
    XeroError,
    XeroNotFoundError,
    XeroRateLimitError,
    XeroValidationError,
)
from ..tools.actions import SOFT_RELOAD, notification
from ..tools.bulk import quiet_query, write_rows
from ..tools.outcomes import Done, Failed, Later, Refused, Review, Send, each
from ..tools.records import target_name_domain, target_names
from ..tools.sync_rules import batch_key, digest, retry_delay

_logger = logging.getLogger(__name__)
# hours within which Xero surely still replays an Idempotency-Key (24 in the sandbox)
KEY_MEMORY_HOURS = 12
# ready jobs counted for the cron's progress (enough to tell it to go on)
READY_COUNT_LIMIT = 1000
# times in a row a worker may find the queue changed under it before leaving it to others
MAX_CONFLICTS = 20
# times in a row a batch meeting another worker's change is sent again at once
CONFLICT_RETRIES = 3
FAILURE_TYPES = [
    ("network", "No answer from Xero"),
    ("unavailable", "Xero unavailable"),
    ("rate_limit", "Waiting for Xero's rate limit"),
    ("validation", "Refused by Xero"),
    ("caught", "Caught before sending"),
    ("auth", "Connection needs attention"),
    ("not_found", "Not found in Xero"),
    ("internal", "Error in Odoo"),
]


class XeroSyncJob(models.Model):
    """The durable queue of everything that moves between Odoo and Xero, and the only
    owner of the jobs' states.

    Synced models enqueue pushes of their records and fetches of Xero objects; one
    pending job per record and direction at most (``dedup_key``), so repeated changes
    coalesce. Cron workers take ready jobs with row locks that skip locked rows, send
    them in batches of up to 50 elements per Xero call, and record each element's
    outcome on its own job: the synced models' hooks say what happened
    (``tools/outcomes.py``), the queue settles it (``_xero_settle``).
    """

    _name = "xero.sync.job"
    _description = "Xero sync job"
    _order = "priority, next_attempt_at, id"

    # ------------------------------------------------------------------ fields

    # the company is the connection's: nothing to check between the two
    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    direction = fields.Selection(
        [("out", "Odoo → Xero"), ("in", "Xero → Odoo")], required=True, readonly=True
    )
    kind = fields.Selection(selection="_selection_kind", required=True, readonly=True)
    res_model = fields.Char("Model", required=True, readonly=True)
    model_name = fields.Char("Document", compute="_compute_model_name")
    res_id = fields.Many2oneReference(
        "Record ID", model_field="res_model", readonly=True, index="btree_not_null"
    )
    record_name = fields.Char(
        "Record", compute="_compute_record_name", search="_search_record_name"
    )
    xero_id = fields.Char("Xero ID", readonly=True)
    operation = fields.Selection(
        [("create", "Create"), ("update", "Update"), ("fetch", "Fetch")], readonly=True
    )
    payload = fields.Json("Payload data", readonly=True, copy=False)
    payload_text = fields.Text("Payload", compute="_compute_payload_text")
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("processing", "Processing"),
            ("done", "Done"),
            ("error", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        index=True,
        readonly=True,
    )
    priority = fields.Integer(default=10, readonly=True)
    attempts = fields.Integer(readonly=True, help="Transient failures so far.")
    next_attempt_at = fields.Datetime(
        "Next attempt", default=fields.Datetime.now, required=True, readonly=True
    )
    failure_type = fields.Selection(FAILURE_TYPES, readonly=True)
    failure_reason = fields.Text("Explanation", readonly=True)
    xero_messages = fields.Text("Xero said", readonly=True)
    error_field = fields.Char("Field to fix", readonly=True)
    result = fields.Char(readonly=True)
    changes = fields.Json(readonly=True, copy=False, help="Xero's values it overwrote: old, new.")
    dedup_key = fields.Char(required=True, readonly=True, copy=False)
    idempotency_key = fields.Char(
        readonly=True, copy=False, help="Idempotency-Key of the last request carrying this job."
    )
    uncertain = fields.Boolean(
        readonly=True,
        copy=False,
        help="The last request may have reached Xero without its answer reaching Odoo.",
    )
    generation = fields.Integer(readonly=True, copy=False)
    conflicts = fields.Integer(
        readonly=True,
        copy=False,
        help="Times in a row another worker changed the same records while this job's "
        "answer was recorded.",
    )
    recover = fields.Boolean(
        readonly=True, copy=False, help="Look for the object in Xero before creating it again."
    )
    started_at = fields.Datetime(readonly=True, copy=False)
    done_at = fields.Datetime(readonly=True, copy=False)

    # ------------------------------------------------------------------ constraints

    _pending_uniq = models.UniqueIndex(
        "(dedup_key) WHERE state = 'pending'", "One pending job per record and direction."
    )
    _ready_idx = models.Index("(priority, next_attempt_at, id) WHERE state = 'pending'")
    # the last webhook delivery of an organisation (the health check)
    _webhook_idx = models.Index("(connection_id, create_date) WHERE payload ? 'eventType'")

    # ------------------------------------------------------------------ compute

    @api.model
    def _selection_kind(self):
        kinds = []
        for model in self._xero_synced_models():
            kinds += model._xero_kinds()
        return kinds

    @api.depends("res_model")
    def _compute_model_name(self):
        for job in self:
            job.model_name = self.env["ir.model"]._get(job.res_model).name if job.res_model else ""

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        names = target_names(self)
        for job in self:
            job.record_name = names[job] or job.xero_id or ""

    def _search_record_name(self, operator, value):
        return target_name_domain(self, operator, value)

    @api.depends("payload")
    def _compute_payload_text(self):
        for job in self:
            job.payload_text = (
                json.dumps(job.payload, indent=2, ensure_ascii=False) if job.payload else ""
            )

    def _compute_display_name(self):
        for job in self:
            label = dict(self._fields["kind"]._description_selection(self.env)).get(job.kind)
            job.display_name = f"{label or job.kind}: {job.record_name or job.res_id}"

    # ------------------------------------------------------------------ actions

    def action_retry(self):
        """Send failed or cancelled jobs again as soon as possible, and say so; the list
        stays as it is (a soft reload shows the rows' new state)."""
        self._check_xero_manager()
        retried = self.filtered(lambda j: j.state in ("error", "cancelled", "pending"))
        for job in retried.sorted("id"):
            job._xero_requeue()
        self._xero_wake_up()
        if not retried:
            message = self.env._("Nothing to retry: these jobs are done or being sent.")
        elif len(retried) == 1:
            message = self.env._(
                "%s is queued again: it is sent within seconds.",
                retried.record_name or retried.display_name,
            )
        else:
            message = self.env._(
                "%s jobs are queued again: they are sent within seconds.", len(retried)
            )
        kind = "info" if retried else "warning"
        return notification(self.env._("Xero"), message, kind, then=SOFT_RELOAD)

    def action_cancel(self):
        self._check_xero_manager()
        self.filtered(lambda j: j.state in ("pending", "error")).write(
            {"state": "cancelled", "done_at": fields.Datetime.now()}
        )
        return True

    def action_open_record(self):
        self.ensure_one()
        if not self.res_id:
            raise UserError(self.env._("This job is not about an Odoo record."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------ business: the models

    @api.model
    def _xero_synced_models(self):
        """The models that sync with Xero: every model inheriting ``xero.sync.base``."""
        names = self.env.registry.descendants(["xero.sync.base"], "_inherit")
        return [
            self.env[name]
            for name in sorted(names)
            if not self.env[name]._abstract and self.env[name]._xero_object
        ]

    def _xero_model(self):
        """The synced model handling these jobs (a batch is always of one kind)."""
        return self.env[self[:1].res_model]

    def _check_xero_manager(self):
        self.env["xero.connection"]._check_xero_manager()
        self.check_access("write")

    # ------------------------------------------------------------------ business: enqueueing

    @api.model
    def _xero_enqueue(self, vals_list):
        """Queue work; a job for a record that already has a pending one joins it.

        Each value dict holds connection_id, direction, kind, res_model, res_id or
        xero_id, and optionally payload and priority. Coalescing is one atomic
        INSERT ... ON CONFLICT on the partial unique index of pending jobs, so two
        transactions enqueueing the same record at once still leave one job.
        """
        # one row per key: a second row for the same key in one INSERT would fail
        unique = {self._xero_dedup_key(vals): vals for vals in vals_list}
        if not unique:
            return self.browse()
        self.flush_model()
        now = fields.Datetime.now()
        query = SQL(
            """
            INSERT INTO xero_sync_job (connection_id, company_id, direction, kind, res_model,
                res_id, xero_id, payload, priority, dedup_key, state, attempts, generation,
                uncertain, next_attempt_at, create_uid, create_date, write_uid, write_date)
            SELECT v.connection_id, c.company_id, v.direction, v.kind, v.res_model, v.res_id,
                v.xero_id, v.payload, v.priority, v.dedup_key, 'pending', 0, 0, FALSE, %(now)s,
                %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM (VALUES %(rows)s) AS v(connection_id, direction, kind, res_model, res_id,
                   xero_id, payload, priority, dedup_key)
              JOIN xero_connection c ON c.id = v.connection_id
            ON CONFLICT (dedup_key) WHERE state = 'pending' DO UPDATE
               SET payload = COALESCE(EXCLUDED.payload, xero_sync_job.payload),
                   priority = LEAST(xero_sync_job.priority, EXCLUDED.priority),
                   write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
            RETURNING id
            """,
            now=now,
            uid=self.env.uid,
            rows=SQL(", ").join(self._xero_row(key, vals) for key, vals in unique.items()),
        )
        # two transactions enqueueing the same record: one of them retries
        ids = [row[0] for row in quiet_query(self.env, query)]
        self.invalidate_model()
        self._xero_wake_up()
        return self.browse(ids)

    @api.model
    def _xero_enqueue_fetches(self, connection, model, xero_ids, payloads=None):
        """Read these Xero objects of ``model`` soon (one job each, coalesced)."""
        payloads = payloads or {}
        return self._xero_enqueue(
            [self._xero_fetch_vals(connection, model, x, payloads.get(x)) for x in xero_ids]
        )

    @api.model
    def _xero_fetch_vals(self, connection, model, xero_id, payload=None):
        return {
            "connection_id": connection.id,
            "direction": "in",
            "kind": f"{model._xero_object}.fetch",
            "res_model": model._name,
            "xero_id": xero_id.lower(),
            "priority": PRIORITY["fetch"],
            "payload": payload,
        }

    @api.model
    def _xero_row(self, key, vals):
        payload = vals.get("payload")
        return SQL(
            "(%s::int, %s, %s, %s, %s::int, %s, %s::jsonb, %s::int, %s)",
            vals["connection_id"],
            vals["direction"],
            vals["kind"],
            vals["res_model"],
            vals.get("res_id") or None,
            vals.get("xero_id") or None,
            Json(payload) if payload is not None else None,
            vals.get("priority", 10),
            key,
        )

    @api.model
    def _xero_dedup_key(self, vals):
        target = vals.get("res_id") or vals.get("xero_id")
        return f"{vals['connection_id']}:{vals['kind']}:{target}"

    @api.model
    def _xero_wake_up(self, at=None):
        """Have the queue's cron run now (once per transaction), or at a given time."""
        cron = self.env.ref("xero_connector.ir_cron_xero_process_queue", raise_if_not_found=False)
        if not cron:
            return
        if at:
            cron.sudo()._trigger(at)
        elif not self.env.cr.precommit.data.get("xero_connector.woken"):
            self.env.cr.precommit.data["xero_connector.woken"] = True
            cron.sudo()._trigger()

    def _xero_requeue(self):
        """Back to pending (a pending job of the same record absorbs this one instead)."""
        self.ensure_one()
        definitive = self.state in ("error", "cancelled") and not self.uncertain
        self._xero_set_pending(
            {
                "next_attempt_at": fields.Datetime.now(),
                "attempts": 0,
                "failure_type": False,
                "failure_reason": False,
                "xero_messages": False,
                "error_field": False,
                "result": False,
                "conflicts": 0,
                # Xero answered the last request for good: a new request gets a new key
                "generation": self.generation + (1 if definitive else 0),
            }
        )

    # ------------------------------------------------------------------ business: the queue's state

    @api.model
    def _xero_ready_domain(self, connections=None):
        """Jobs that may be sent now: due, of a connected organisation (not paused) that
        is not waiting for Xero's rate limit; of ``connections`` only, when given."""
        now = fields.Datetime.now()
        budgets_sudo = self.env["xero.connection.budget"].sudo()
        waiting = budgets_sudo.search([("wait_until", ">", now)]).connection_id
        domain = Domain(
            [
                ("state", "=", "pending"),
                ("next_attempt_at", "<=", now),
                ("connection_id.state", "=", "connected"),
                ("connection_id", "not in", waiting.ids),
            ]
        )
        if connections is not None:
            domain &= Domain("connection_id", "in", connections.ids)
        return domain

    @api.model
    def _xero_ready_count(self, limit=READY_COUNT_LIMIT, connections=None):
        """Jobs ready now (counted up to ``limit``: enough to tell the cron to go on)."""
        return self.sudo().search_count(self._xero_ready_domain(connections), limit=limit)

    @api.model
    def _xero_requeue_stale(self, connections=None):
        """Jobs left "processing" by a worker that died (no worker holds them): try them
        again at once, as uncertain. A live worker's jobs are locked, and left alone."""
        limit = fields.Datetime.now() - timedelta(seconds=DEAD_AFTER)
        domain = Domain([("state", "=", "processing"), ("started_at", "<", limit)])
        if connections is not None:
            domain &= Domain("connection_id", "in", connections.ids)
        try:
            stale = self._xero_lock_ready(domain, None)
        except psycopg2.errors.SerializationFailure:
            # a worker finished some of them meanwhile: the next run looks again
            self.env.cr.rollback()
            return self.browse()
        stale._xero_set_pending(
            {
                "uncertain": True,
                "next_attempt_at": fields.Datetime.now(),
                "failure_type": "network",
                "failure_reason": self.env._(
                    "The worker sending this job stopped before Xero's answer was recorded; "
                    "it is checked in Xero and tried again."
                ),
            }
        )
        return stale

    def _xero_set_pending(self, values):
        """Back to pending, with ``values``. A record has one pending job at most: when it
        was queued again meanwhile, the newer job carries on instead, no earlier than this
        one would have and uncertain when this one's request may have reached Xero, and
        this one is cancelled as merged into it."""
        twins = self._xero_pending_twins()
        (self - self.browse(job.id for job in twins)).write(values | {"state": "pending"})
        now = fields.Datetime.now()
        at = values.get("next_attempt_at")
        uncertain = bool(values.get("uncertain"))
        for job, twin in twins.items():
            twin.write(
                {
                    "next_attempt_at": max(twin.next_attempt_at, at or twin.next_attempt_at),
                    "uncertain": twin.uncertain or job.uncertain or uncertain,
                }
            )
            job.write(
                {
                    "state": "cancelled",
                    "done_at": now,
                    "result": self.env._("Merged into job %s, queued since.", twin.id),
                }
            )

    def _xero_pending_twins(self):
        """{job: the other pending job of the same record} for these jobs."""
        others = self.search(
            [
                ("dedup_key", "in", list(set(self.mapped("dedup_key")))),
                ("state", "=", "pending"),
                ("id", "not in", self.ids),
            ]
        )
        by_key = {twin.dedup_key: twin for twin in others}
        return {job: by_key[job.dedup_key] for job in self if job.dedup_key in by_key}

    def _xero_set_aside_broken(self, error):
        """Odoo fails on these jobs (a bug, or data it cannot handle): they land in the error
        log with the reason, so that the rest of the queue goes on."""
        _logger.error("Xero sync jobs %s set aside: Odoo failed on them", self.ids, exc_info=error)
        self.write(
            {
                "state": "error",
                "done_at": fields.Datetime.now(),
                "failure_type": "internal",
                "failure_reason": self.env._(
                    "Odoo failed on this job (%s) and set it aside so that the rest of the "
                    "queue goes on; the server log has the details. Press Retry once it is "
                    "fixed.",
                    str(error)[:200] or type(error).__name__,
                ),
            }
        )

    # ------------------------------------------------------------------ business: processing

    @api.model
    def _cron_process_queue(self):
        """Cron: send what is ready, batch after batch, until done or out of time."""
        self._xero_process_queue()

    @api.model
    def _xero_process_queue(self, only=None, seconds=None):
        """Send what is ready (of the connections ``only``, when given), batch after
        batch, until done or out of time (the cron's, or ``seconds``).

        Each batch is marked processing and committed before Xero hears of it, so a
        crashed worker leaves a trace (the job is retried as uncertain); its results
        are committed as soon as Xero answered.
        """
        with self.env["xero.connection.budget"]._xero_batching():
            self._xero_process_batches(only, seconds)

    @api.model
    def _xero_process_batches(self, only, seconds):
        # one run of the queue, over many transactions (what it read of Xero is shared)
        jobs_sudo = self.sudo().with_context(xero_queue_run=secrets.token_hex(8))
        cron = self.env["ir.cron"]
        deadline = time.monotonic() + seconds if seconds else None
        jobs_sudo._xero_requeue_stale(only)
        cron._commit_progress(0)
        connections = jobs_sudo.env["xero.connection"]
        conflicts = 0
        while conflicts < MAX_CONFLICTS and not (deadline and time.monotonic() > deadline):
            # a token about to expire is renewed before the batch's own transaction: a
            # renewal during it would change the connection under that transaction
            if jobs_sudo._xero_renew_tokens(only):
                cron._commit_progress(0)
            try:
                batch = jobs_sudo._xero_lock_batch(only)
            except psycopg2.errors.SerializationFailure:
                # another worker took or finished jobs meanwhile: look again afresh
                self.env.cr.rollback()
                conflicts += 1
                continue
            except Exception as error:  # noqa: BLE001 - set aside below, the run goes on
                self.env.cr.rollback()
                if not jobs_sudo._xero_set_aside_unprepared(only, error):
                    break
                cron._commit_progress(0)
                continue
            if not batch:
                break
            conflicts = 0
            connections |= batch.connection_id
            # what needed no call is finished, the rest marked processing: both are
            # committed before Xero hears of the batch
            todo = batch.filtered(lambda job: job.state == "processing")
            jobs_sudo.env["xero.sync.log"]._xero_log_jobs(batch - todo, moved=False)
            cron._commit_progress(len(batch - todo))
            if not todo:
                continue
            done = todo._xero_send()
            remaining = jobs_sudo._xero_ready_count(connections=only)
            more = cron._commit_progress(done, remaining=remaining)
            # what the answers changed in Xero is read back in a transaction of its own
            if todo._xero_read_back():
                cron._commit_progress(0)
            if not more:
                break
        # what the calls left to write (not when Odoo failed: written with the next call)
        for connection in connections:
            self.env["xero.connection.budget"]._xero_flush(connection)

    @api.model
    def _xero_lock_batch(self, connections=None):
        """Lock a batch of ready jobs of one connection and kind and prepare it: the jobs
        that need a call are marked processing, the others are finished already."""
        batch = self._xero_lock_next(connections)
        batch._xero_settle(batch._xero_prepare())
        return batch

    @api.model
    def _xero_lock_next(self, connections=None):
        """The next batch of ready jobs of one connection and kind, locked."""
        ready = self._xero_ready_domain(connections)
        lead = self._xero_lock_ready(ready, 1)
        if not lead:
            return lead
        mates = ready & Domain(
            [("connection_id", "=", lead.connection_id.id), ("kind", "=", lead.kind)]
        )
        mates &= Domain("id", "!=", lead.id)
        if not lead.uncertain:
            return lead | self._xero_lock_ready(
                mates & Domain("uncertain", "=", False), BATCH_SIZE - 1
            )
        # what may have reached Xero: the same request again (Xero replays it); a job
        # left alone goes with the other uncertain jobs, looked up together in one read
        # (a recovery costs a batch's calls, not one per record)
        batch = lead
        if lead.idempotency_key:
            same = mates & Domain("idempotency_key", "=", lead.idempotency_key)
            batch |= self._xero_lock_ready(same, BATCH_SIZE - 1)
        if len(batch) == 1:
            others = mates & Domain([("uncertain", "=", True), ("id", "not in", batch.ids)])
            batch |= self._xero_lock_ready(others, BATCH_SIZE - len(batch))
        return batch

    @api.model
    def _xero_set_aside_unprepared(self, connections, error):
        """Preparing the next batch failed in Odoo: the jobs that fail alone are set
        aside (the first one, when none does alone); returns whether the run may go on."""
        try:
            batch = self._xero_lock_next(connections)
            broken = {}
            for job in batch:
                # each one alone, rolled back whatever it did
                try:
                    with contextlib.closing(self.env.cr.savepoint()):
                        job._xero_prepare()
                        self.env.flush_all()
                except Exception as failure:  # noqa: BLE001 - that is what is looked for
                    broken[job] = failure
                finally:
                    self.env.invalidate_all(flush=False)
            for job, failure in broken.items() or [(batch[:1], error)]:
                job._xero_set_aside_broken(failure)
        except Exception:
            _logger.exception("Xero sync: a job Odoo fails on could not be set aside")
            self.env.cr.rollback()
            return False
        return bool(batch)

    @api.model
    def _xero_renew_tokens(self, connections=None):
        """Renew the access tokens about to expire of the connected organisations (of
        ``connections``, when given); returns whether any was."""
        soon = fields.Datetime.now() + timedelta(seconds=TOKEN_MARGIN)
        domain = Domain([("state", "=", "connected"), ("token_expires_at", "<", soon)])
        if connections is not None:
            domain &= Domain("id", "in", connections.ids)
        connections = self.env["xero.connection"].sudo().search(domain)
        for connection in connections:
            connection._xero_ensure_token()
        return bool(connections)

    @api.model
    def _xero_lock_ready(self, domain, limit):
        """Up to ``limit`` jobs matching ``domain`` in queue order, row-locked in the same
        statement; jobs another worker holds are skipped, never waited for."""
        query = self._search(domain, order=self._order, limit=limit)
        sql = SQL("%s FOR UPDATE OF %s SKIP LOCKED", query.select(), SQL.identifier(self._table))
        self.env.flush_all()
        # a job another worker changed since this transaction began cannot be locked in
        # it (SerializationFailure): the cron starts a new transaction and looks again
        self.env.cr.execute(sql, log_exceptions=False)
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _xero_prepare(self):
        """{job id: outcome} before any call: pushes are built by their model, fetches
        are all sent."""
        if self[:1].direction == "out":
            return self._xero_model()._xero_prepare_push(self)
        return each(self, Send("fetch"))

    def _xero_send(self):
        """Send a prepared batch; returns the jobs finished. Its rows are held meanwhile,
        so that no worker takes them for a dead worker's; whatever fails in Odoo, the run
        goes on."""
        try:
            self._xero_lock_ready(Domain("id", "in", self.ids), None)
            done = self._xero_run()
            # Xero's answer is recorded with what it changed in Odoo (invoiced
            # quantities...): another worker may have changed the same rows
            self.env.flush_all()
            return done
        except Exception as error:  # noqa: BLE001 - the batch is retried, the run goes on
            self.env.cr.rollback()
            crash = error
        try:
            return self._xero_crashed(crash)
        except Exception as failure:  # noqa: BLE001 - set aside, the run goes on
            self.env.cr.rollback()
            self.invalidate_recordset()
            self.exists()._xero_set_aside_broken(failure)
            return len(self)

    def _xero_read_back(self):
        """Once a batch's answers are committed, its model reads back what it pushed
        (``_xero_read_back`` of the model: queued reads, joined with webhooks' reads of
        the same objects). Never in the transaction that records Xero's answers, so
        that a webhook's read of the same objects cannot undo it; a conflict here loses
        nothing the next read or poll does not bring. Returns whether anything was."""
        self.invalidate_recordset()
        jobs = self.exists().filtered(
            lambda j: j.direction == "out" and j.state == "done" and j.xero_id
        )
        if not jobs:
            return False
        try:
            jobs._xero_model()._xero_read_back(jobs)
            self.env.flush_all()
        except psycopg2.errors.SerializationFailure:
            self.env.cr.rollback()
            _logger.info("Xero sync batch %s: read-back left to the webhook and poll", jobs.ids)
            return False
        return True

    def _xero_run(self):
        """Send the prepared batch and settle each job's outcome; returns jobs finished."""
        model = self._xero_model()
        for operation, jobs in self.grouped("operation").items():
            if operation == "fetch":
                outcomes = jobs._xero_guarded(model._xero_fetch)
            else:
                outcomes = jobs._xero_push(operation)
            jobs._xero_settle(outcomes)
        self.env["xero.sync.log"]._xero_log_jobs(self)
        return len(self.filtered(lambda j: j.state in ("done", "error", "cancelled")))

    def _xero_push(self, operation):
        """Push the batch; the creates that may already be in Xero are looked up first
        (together) and those found are adopted as Xero holds them, not sent again."""
        model = self._xero_model()
        jobs, outcomes = self, {}
        if operation == "create" and (maybe := jobs.filtered("recover")):
            try:
                found = model._xero_find_created(maybe)
            except XeroError as error:
                return each(jobs, Failed(error))
            maybe.write({"recover": False})  # looked up: what was not found is created
            if found:
                adopted = jobs.browse(list(found))
                outcomes |= adopted._xero_guarded(lambda a: model._xero_adopt(a, found))
                jobs -= adopted
        if jobs:
            outcomes |= jobs._xero_guarded(lambda sent: model._xero_push_batch(sent, operation))
        return outcomes

    def _xero_guarded(self, step):
        """``step(self)``'s outcomes; a request that failed as a whole fails every job."""
        try:
            return step(self)
        except XeroError as error:
            return each(self, Failed(error))

    def _xero_crashed(self, error):
        """After an unexpected error in Odoo (rolled back): try again, as uncertain; a
        batch Odoo keeps failing on is set aside once the retries are spent. Returns the
        number of jobs finished."""
        self.invalidate_recordset()
        jobs = self.exists().filtered(lambda j: j.state == "processing")
        if isinstance(error, psycopg2.errors.SerializationFailure):
            # the connection changed meanwhile (its token renewed, or it was stopped), or
            # another worker changed what recording Xero's answer changes: not the user's
            # error, so the same request is sent again at once (Xero answers it as before)
            _logger.info("Xero sync batch %s met a concurrent change; retried", self.ids)
            jobs._xero_after_conflict()
            return 0
        _logger.error("Xero sync batch %s failed in Odoo", self.ids, exc_info=error)
        finished = 0
        for attempts, same in jobs.grouped(lambda j: j.attempts + 1).items():
            delay = retry_delay(attempts)
            if delay is None:
                same._xero_set_aside_broken(error)
                finished += len(same)
                continue
            same._xero_set_pending(
                {
                    "attempts": attempts,
                    "uncertain": True,
                    "next_attempt_at": fields.Datetime.now() + timedelta(seconds=delay),
                    "failure_type": "internal",
                    "failure_reason": self.env._(
                        "Odoo failed while recording Xero's answer; the job is checked in "
                        "Xero and tried again. The server log has the details."
                    ),
                }
            )
            self._xero_wake_up(fields.Datetime.now() + timedelta(seconds=delay))
        return finished

    def _xero_after_conflict(self):
        """Another worker changed the same records while these jobs' answer was recorded:
        sent again within a second (a few times, at a random moment so that the two
        workers part), then after the retry delays, saying what they wait for."""
        now = fields.Datetime.now()
        for conflicts, jobs in self.grouped(lambda j: j.conflicts + 1).items():
            if conflicts <= CONFLICT_RETRIES:
                at = now + timedelta(seconds=random.uniform(0.1, 1.0))
                reason = self.env._(
                    "Another worker changed the same records while Xero's answer was "
                    "recorded; sent again at once (Xero answers it as before)."
                )
            else:
                at = now + timedelta(seconds=retry_delay(conflicts - CONFLICT_RETRIES) or 3600)
                reason = self.env._(
                    "Waiting for another worker that keeps changing the same records; tried "
                    "again at %s (UTC).",
                    at.strftime("%H:%M:%S"),
                )
            jobs._xero_set_pending(
                {
                    "uncertain": True,
                    "conflicts": conflicts,
                    "next_attempt_at": at,
                    "failure_type": "internal",
                    "failure_reason": reason,
                }
            )
            self._xero_wake_up(at)

    # ------------------------------------------------------------------ business: outcomes

    def _xero_settle(self, outcomes):
        """Turn what the synced model reported ({job id: outcome}) into job states, kind
        by kind, each in as few writes as possible. A job without an outcome is left
        as it is."""
        by_kind = {}
        for job in self:
            if (outcome := outcomes.get(job.id)) is not None:
                by_kind.setdefault(type(outcome), {})[job.id] = outcome
        for kind, found in by_kind.items():
            jobs = self.browse(list(found))
            if kind is Send:
                jobs._xero_processing(found)
            elif kind is Done:
                jobs._xero_done(found)
            else:
                settle = {
                    Refused: "_xero_refused",
                    Later: "_xero_defer",
                    Review: "_xero_set_aside",
                    Failed: "_xero_failed",
                }[kind]
                for outcome, same in jobs.grouped(lambda j, found=found: found[j.id]).items():
                    getattr(same, settle)(outcome)

    def _xero_processing(self, sends):
        """One request will carry these jobs: mark them processing and give the request
        its Idempotency-Key, in one UPDATE.

        The same jobs with the same payloads give the same key, so resending a request
        whose answer was lost is replayed by Xero instead of done twice. A create that
        may have reached Xero and cannot be replayed that way (other jobs, other
        payloads, or too long ago for Xero to remember the key) is looked up in Xero
        before it is sent again (``recover``).
        """
        now = fields.Datetime.now()
        long_ago = now - timedelta(hours=KEY_MEMORY_HOURS)
        # a model whose duplicates Xero would not refuse trusts no replay: it looks first
        look_first = self[:1].res_model and self._xero_model()._xero_look_before_resending
        rows = {}
        for operation, jobs in self.grouped(lambda j: sends[j.id].operation).items():
            payloads = {}
            for job in jobs:
                send = sends[job.id]
                payloads[job] = job.payload if send.payload is None else send.payload
                rows[job.id] = {"operation": operation, "state": "processing", "started_at": now}
                if send.payload is not None:
                    rows[job.id] |= {"payload": send.payload, "xero_id": send.xero_id or False}
            key = batch_key(
                digest(job.id, job.generation, operation, payloads[job] or job.xero_id)
                for job in jobs
            )
            for job in jobs:
                rows[job.id] |= {
                    "idempotency_key": key,
                    "recover": job.recover
                    or (
                        operation == "create"
                        and job.uncertain
                        and (
                            look_first
                            or job.idempotency_key != key
                            or (job.started_at or now) < long_ago
                        )
                    ),
                }
        write_rows(self, rows)

    def _xero_done(self, dones):
        """Finished, each with its result ({job id: Done})."""
        now = fields.Datetime.now()
        rows = {}
        for job in self:
            done = dones[job.id]
            rows[job.id] = {
                "state": "done",
                "done_at": now,
                "uncertain": False,
                "failure_type": False,
                "failure_reason": False,
                "conflicts": 0,
                "result": done.result or False,
            }
            if done.xero_id:
                rows[job.id]["xero_id"] = done.xero_id
            if done.changes:
                rows[job.id]["changes"] = done.changes
        write_rows(self, rows)
        self._xero_close_older_failures()

    def _xero_close_older_failures(self):
        """A later success makes earlier failures of the same record obsolete."""
        keys = set(self.mapped("dedup_key"))
        if not keys:
            return
        older = self.search(
            [("dedup_key", "in", list(keys)), ("state", "=", "error"), ("id", "not in", self.ids)]
        )
        older.write(
            {
                "state": "cancelled",
                "result": self.env._("Superseded by a later successful sync."),
            }
        )

    def _xero_refused(self, refusal):
        """Refused for good: the jobs land in the error log with a plain reason."""
        self.write(
            {
                "state": "error",
                "done_at": fields.Datetime.now(),
                "uncertain": False,
                "failure_type": refusal.failure,
                "failure_reason": refusal.reason,
                "xero_messages": "\n".join(refusal.messages) if refusal.messages else False,
                "error_field": refusal.field or False,
            }
        )

    def _xero_failed(self, failed):
        """A whole request failed: wait, retry or give up according to the failure."""
        error = failed.error
        if isinstance(error, XeroRateLimitError):
            self._xero_wait(error)
        elif isinstance(error, XeroAuthError):
            self._xero_hold(error)
        elif isinstance(error, XeroValidationError):
            messages = [m for e in error.elements for m in e["messages"]]
            explanation, field = self._xero_model()._xero_explain(messages)
            self._xero_refused(Refused(explanation, (error.message,), field))
        elif isinstance(error, XeroNotFoundError):
            self._xero_refused(Refused(error.message, failure="not_found"))
        elif error.retryable:
            self._xero_retry_later(error)
        else:
            self._xero_refused(Refused(error.message, failure="internal"))

    def _xero_set_aside(self, review):
        """Nothing to send until a person decides (the record is in a review list)."""
        self.write(
            {"state": "cancelled", "done_at": fields.Datetime.now(), "result": review.reason}
        )

    def _xero_defer(self, later):
        """Not now: the jobs are tried again in a few seconds, without counting a failure."""
        at = fields.Datetime.now() + timedelta(seconds=later.seconds)
        self._xero_set_pending({"next_attempt_at": at, "result": later.reason})
        if self:
            self._xero_wake_up(at)

    def _xero_wait(self, error):
        """Xero's rate limit (or our own budget): come back exactly when it allows."""
        at = fields.Datetime.now() + timedelta(seconds=error.retry_after)
        self._xero_set_pending(
            {"next_attempt_at": at, "failure_type": "rate_limit", "failure_reason": error.message}
        )
        if error.status == 429:
            for connection in self.connection_id:
                self.env["xero.connection.budget"]._xero_hold(connection, error.retry_after)
        self._xero_wake_up(at)

    def _xero_hold(self, error):
        """The connection cannot work: keep the jobs pending until it is reconnected."""
        self._xero_set_pending({"failure_type": "auth", "failure_reason": error.message})

    def _xero_retry_later(self, error):
        """No answer or Xero unavailable: the request may have arrived, so it is uncertain."""
        for attempts, jobs in self.grouped(lambda j: j.attempts + 1).items():
            delay = retry_delay(attempts)
            values = {
                "attempts": attempts,
                "uncertain": True,
                "failure_type": "network" if error.status is None else "unavailable",
            }
            if delay is None:
                jobs.write(
                    values
                    | {
                        "state": "error",
                        "done_at": fields.Datetime.now(),
                        "failure_reason": self.env._(
                            "%(reason)s Xero did not answer after %(count)s attempts; press "
                            "Retry when Xero is reachable again.",
                            reason=error.message,
                            count=attempts,
                        ),
                    }
                )
                continue
            at = fields.Datetime.now() + timedelta(seconds=delay)
            jobs._xero_set_pending(
                values | {"next_attempt_at": at, "failure_reason": error.message}
            )
            self._xero_wake_up(at)

    # ------------------------------------------------------------------ business: inbound

    @api.model
    def _xero_intake(self, connections, events):
        """Inbound jobs for webhook events, deduplicated: an object changed twice, or an
        event delivered twice or late, is fetched once, in its state of that moment.

        ``connections`` are the ones whose webhook key signed the delivery: an event
        for an organisation of another connection is ignored."""
        by_tenant = {c.tenant_id: c for c in connections if c.tenant_id}
        models = {
            m._xero_webhook_category: m
            for m in self._xero_synced_models()
            if m._xero_webhook_category
        }
        wanted = {}
        for event in events:
            connection = by_tenant.get(event.get("tenantId"))
            model = models.get(event.get("eventCategory"))
            resource = str(event.get("resourceId") or "").lower()
            if connection and model is not None and resource and model._xero_enabled(connection):
                wanted.setdefault((connection, model), {})[resource] = event
        jobs = self.browse()
        for (connection, model), events_by_id in wanted.items():
            payloads = {
                xero_id: {"eventType": e.get("eventType"), "eventDateUtc": e.get("eventDateUtc")}
                for xero_id, e in events_by_id.items()
            }
            jobs |= self._xero_enqueue_fetches(connection, model, list(payloads), payloads)
        return jobs

    @api.model
    def _xero_poll_failures(self, connection, model, outcomes):
        """Records a poll could not apply land in the error log, with Retry."""
        now = fields.Datetime.now()
        vals_list = []
        for xero_id, outcome in outcomes.items():
            if not isinstance(outcome, Refused):
                continue
            vals = self._xero_fetch_vals(connection, model, xero_id)
            vals_list.append(
                vals
                | {
                    "operation": "fetch",
                    "dedup_key": self._xero_dedup_key(vals),
                    "state": "error",
                    "done_at": now,
                    "failure_type": outcome.failure,
                    "failure_reason": outcome.reason,
                }
            )
        self.create(vals_list)
