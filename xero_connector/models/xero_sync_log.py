from datetime import timedelta

from odoo import api, fields, models

from ..const import LOG_DAYS
from ..tools.bulk import insert_rows
from ..tools.plain_words import call_summary, changes_text
from ..tools.records import target_name_domain, target_names
from .xero_sync_job import FAILURE_TYPES

GC_LIMIT = 10000
OUTCOMES = [
    ("ok", "Done"),
    ("retry", "Will be retried"),
    ("error", "Failed"),
    ("skipped", "Nothing to do"),
]


class XeroSyncLog(models.Model):
    """The audit log: every call to Xero and every record that moved, kept a while."""

    _name = "xero.sync.log"
    _description = "Xero sync log"
    _order = "id desc"

    # ------------------------------------------------------------------ fields

    create_date = fields.Datetime("Time", readonly=True, index=True)
    # the company is the connection's: nothing to check between the two
    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    job_id = fields.Many2one("xero.sync.job", index="btree_not_null", ondelete="set null")
    direction = fields.Selection([("out", "Odoo → Xero"), ("in", "Xero → Odoo")])
    # written with the line, in the user's words (never computed when the log is shown)
    summary = fields.Char("What happened")
    operation = fields.Char(required=True, help="The SDK method or step, for integrators.")
    res_model = fields.Char("Model")
    res_id = fields.Many2oneReference("Record ID", model_field="res_model")
    record_name = fields.Char(
        "Record", compute="_compute_record_name", search="_search_record_name"
    )
    xero_id = fields.Char("Xero ID")
    http_status = fields.Integer("HTTP status")
    correlation_id = fields.Char("Xero correlation id")
    duration_ms = fields.Integer("Duration (ms)")
    outcome = fields.Selection(OUTCOMES, required=True)
    failure_type = fields.Selection(FAILURE_TYPES, "Failure")
    record_count = fields.Integer("Records", help="The records a read of what changed brought.")
    message = fields.Text()
    old_values = fields.Json(readonly=True)
    new_values = fields.Json(readonly=True)

    # ------------------------------------------------------------------ constraints

    # the calls to the Accounting API by the hour (the health check's busiest hour)
    _calls_idx = models.Index(
        "(connection_id, create_date) WHERE duration_ms IS NOT NULL "
        "AND left(operation, 6) <> 'token '"
    )

    # ------------------------------------------------------------------ compute

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        names = target_names(self)
        for log in self:
            log.record_name = names[log]

    def _search_record_name(self, operator, value):
        return target_name_domain(self, operator, value)

    def _compute_display_name(self):
        for log in self:
            log.display_name = log.summary or log.operation or self.env._("Sync log line")

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_insert_calls(self, connection, lines):
        """One line per call to Xero (``lines``: operation, status, duration...)."""
        insert_rows(
            self.sudo(),
            [
                {
                    "connection_id": connection.id,
                    "company_id": connection.company_id.id,
                    "direction": False,
                    "operation": False,
                    "http_status": False,
                    "correlation_id": False,
                    "duration_ms": False,
                    "outcome": "ok",
                    "message": False,
                    "res_model": False,
                    "record_count": False,
                    "summary": call_summary(self.env, line.get("operation") or ""),
                }
                | line
                for line in lines
            ],
        )

    @api.model
    def _xero_log_jobs(self, jobs, moved=True):
        """One line per record a batch moved (or failed to move, or had no need to)."""
        if not jobs:
            return
        outcome = {"done": "ok", "error": "error", "pending": "retry", "cancelled": "skipped"}
        if not moved:
            outcome["done"] = "skipped"
        names = target_names(jobs)
        insert_rows(
            self.sudo(),
            [
                {
                    "connection_id": job.connection_id.id,
                    "company_id": job.company_id.id,
                    "job_id": job.id,
                    "direction": job.direction,
                    "operation": job.operation or job.kind,
                    "res_model": job.res_model,
                    "res_id": job.res_id,
                    "xero_id": job.xero_id,
                    "outcome": outcome.get(job.state, "retry"),
                    "failure_type": job.failure_type if job.state == "error" else False,
                    "summary": self._xero_job_summary(job, names[job] or job.xero_id, moved),
                    "message": job.failure_reason or job.result,
                    "old_values": (job.changes or {}).get("old"),
                    "new_values": (job.changes or {}).get("new"),
                }
                for job in jobs
                if job.state != "processing"
            ],
        )

    @api.model
    def _xero_job_summary(self, job, name, moved=True):
        """What happened to the record of a job, in plain words."""
        if job.state == "error":
            failures = dict(job._fields["failure_type"]._description_selection(self.env))
            label = failures.get(job.failure_type) or self.env._("Failed")
            return self.env._("%(failure)s: %(record)s", failure=label, record=name)
        if job.state == "pending":
            return self.env._("%s will be tried again", name)
        if job.state == "cancelled" or not moved:
            return self.env._("%s: nothing to send", name) if job.direction == "out" else name
        if job.direction == "in":
            return self.env._("Read %s from Xero", name)
        changes = job.changes or {}
        if changes.get("new"):
            return self.env._(
                "Updated %(record)s in Xero: %(changes)s",
                record=name,
                changes=changes_text(self.env[job.res_model], changes.get("old"), changes["new"]),
            )
        if job.operation == "create":
            return self.env._("Created %s in Xero", name)
        return self.env._("Updated %s in Xero", name)

    @api.model
    def _xero_log_change(self, connection, record, xero_id, old, new, message=None, direction="in"):
        """An overwrite of an Odoo record by Xero (or the reverse), old and new values."""
        return self.sudo().create(
            {
                "connection_id": connection.id,
                "direction": direction,
                "operation": "apply",
                "summary": self.env._(
                    "Updated %(record)s: %(changes)s",
                    record=record.display_name,
                    changes=changes_text(record, old, new),
                )
                if direction == "in"
                else self.env._(
                    "Updated %(record)s in Xero: %(changes)s",
                    record=record.display_name,
                    changes=changes_text(record, old, new),
                ),
                "res_model": record._name,
                "res_id": record.id,
                "xero_id": xero_id,
                "outcome": "ok",
                "old_values": old,
                "new_values": new,
                "message": message,
            }
        )

    @api.model
    def _xero_log_decisions(self, connection, model, decisions):
        """Many decisions of matching at once: [(record id, Xero id, message)]."""
        insert_rows(
            self.sudo(),
            [
                {
                    "connection_id": connection.id,
                    "company_id": connection.company_id.id,
                    "direction": "out",
                    "operation": "match",
                    "res_model": model._name if res_id else False,
                    "res_id": res_id or False,
                    "xero_id": xero_id or False,
                    "outcome": "ok",
                    "message": message,
                    "summary": message,
                }
                for res_id, xero_id, message in decisions
            ],
        )

    @api.autovacuum
    def _gc_xero_logs(self):
        """Forget log lines older than the retention (xero_connector.log_days)."""
        days = self.env["ir.config_parameter"].sudo().get_param("xero_connector.log_days")
        days = int(days) if days and days.isdigit() else LOG_DAYS
        limit = fields.Datetime.now() - timedelta(days=days)
        old = self.sudo().search([("create_date", "<", limit)], limit=GC_LIMIT)
        old.unlink()
        return len(old), len(old) == GC_LIMIT
