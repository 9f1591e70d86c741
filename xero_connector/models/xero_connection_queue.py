from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..exceptions import XeroAuthError
from ..tools.actions import SOFT_RELOAD, notification

# seconds Sync now sends for before it leaves the rest to the scheduler
SYNC_NOW_SECONDS = 60
# minutes work may wait, ready to go, before the queue is said not to move (a moving
# queue takes ready work within seconds: the cron is woken whenever work is queued)
STALL_MINUTES = 10


class XeroConnection(models.Model):
    """The queue of one organisation at a glance, and Sync now."""

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

    job_pending_count = fields.Integer("Pending", compute="_compute_job_counts")
    job_error_count = fields.Integer("Failed", compute="_compute_job_counts")
    job_waiting_count = fields.Integer("Waiting for the rate limit", compute="_compute_job_counts")
    last_sync_at = fields.Datetime("Last successful sync", compute="_compute_job_counts")
    queue_stalled_since = fields.Datetime(
        "Queue not moving since",
        compute="_compute_queue_stalled_since",
        help="Work ready to be sent or read has waited since then: the queue is not moving.",
    )

    # ------------------------------------------------------------------ compute

    def _compute_job_counts(self):
        jobs_sudo = self.env["xero.sync.job"].sudo()
        domain = [("connection_id", "in", self.ids)]
        counts = {
            (connection, state, failure): count
            for connection, state, failure, count in jobs_sudo._read_group(
                [*domain, ("state", "in", ("pending", "error"))],
                ["connection_id", "state", "failure_type"],
                ["__count"],
            )
        }
        last = dict(
            jobs_sudo._read_group(
                [*domain, ("state", "=", "done")], ["connection_id"], ["done_at:max"]
            )
        )
        # a poll that read Xero (even finding nothing new) is a successful sync too
        polled = dict(
            self.env["xero.poll.cursor"]
            .sudo()
            ._read_group(domain, ["connection_id"], ["last_poll_at:max"])
        )
        for connection in self:
            mine = {k[1:]: v for k, v in counts.items() if k[0] == connection}
            connection.job_pending_count = sum(v for k, v in mine.items() if k[0] == "pending")
            connection.job_error_count = sum(v for k, v in mine.items() if k[0] == "error")
            connection.job_waiting_count = mine.get(("pending", "rate_limit"), 0)
            moments = [m for m in (last.get(connection), polled.get(connection)) if m]
            connection.last_sync_at = max(moments, default=False)

    def _compute_queue_stalled_since(self):
        jobs_sudo = self.env["xero.sync.job"].sudo()
        limit = fields.Datetime.now() - timedelta(minutes=STALL_MINUTES)
        oldest = dict(
            jobs_sudo._read_group(
                jobs_sudo._xero_ready_domain(self) & Domain("next_attempt_at", "<", limit),
                ["connection_id"],
                ["next_attempt_at:min"],
            )
        )
        for connection in self:
            connection.queue_stalled_since = oldest.get(connection, False)

    # ------------------------------------------------------------------ actions

    def action_xero_sync_now(self):
        """Read what changed in this organisation and send what waits for it, now (other
        companies' organisations and budgets are left alone); say what moved, in the
        notification and in the sync log."""
        self.ensure_one()
        self._check_xero_manager()
        connection_sudo = self.sudo()
        try:
            connection_sudo._xero_check_usable()
        except XeroAuthError as error:
            raise UserError(error.message) from None
        # as the scheduler runs them: on a cursor of their own, each step committing its
        # progress; what they did is read on it too (this request's snapshot predates it)
        with self.env.registry.cursor() as cr:
            message = self.with_env(self.env(cr=cr, su=True))._xero_sync_now_run()
        self.env.invalidate_all()
        return notification(self.env._("Xero"), message, "success", then=SOFT_RELOAD)

    def action_open_pending_jobs(self):
        return self._xero_jobs_action([("state", "in", ("pending", "processing"))])

    def action_open_failed_jobs(self):
        return self._xero_jobs_action([("state", "=", "error")])

    def action_open_waiting_jobs(self):
        return self._xero_jobs_action(
            [("state", "=", "pending"), ("failure_type", "=", "rate_limit")]
        )

    def action_open_logs(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_sync_log"
        )
        action["domain"] = [("connection_id", "in", self.ids)]
        return action

    # ------------------------------------------------------------------ business: Sync now

    def _xero_sync_now_run(self):
        """Poll this organisation and send what waits for it; returns what happened in
        words, also kept in the sync log."""
        self.ensure_one()
        logs = self.env["xero.sync.log"]
        cursors = self.env["xero.poll.cursor"].search([("connection_id", "=", self.id)])
        since = max(filter(None, cursors.mapped("last_poll_at")), default=False)
        last_line = logs.search([], limit=1).id
        polled = self.env["xero.poll.cursor"]._xero_poll_connections(self)
        self.env["xero.sync.job"]._xero_process_queue(self, seconds=SYNC_NOW_SECONDS)
        message = self._xero_sync_report(last_line, since)
        if not polled:
            # a worker was reading this organisation at the same time: what it read is its own
            message = self.env._("%s The scheduler was syncing at the same time.", message)
        logs._xero_insert_calls(self, [{"operation": "sync_now", "summary": message}])
        return message

    def _xero_sync_report(self, last_line, since):
        """What a run of the poll and the queue did, from the sync log lines after
        ``last_line``: "Read 3 changed contacts and 1 invoice from Xero; sent 2
        customers."; ``since``: the poll before."""
        self.ensure_one()
        read, sent, failed = {}, {}, 0
        lines = (
            self.env["xero.sync.log"]
            .sudo()
            .search([("id", ">", last_line), ("connection_id", "=", self.id)])
        )
        for line in lines:
            if not line.job_id:
                if line.record_count and line.res_model:  # a page of the poll
                    read[line.res_model] = read.get(line.res_model, 0) + line.record_count
            elif line.outcome == "error":
                failed += 1
            elif line.outcome == "ok":
                moved = read if line.direction == "in" else sent
                moved[line.res_model] = moved.get(line.res_model, 0) + 1
        read = {model: count for model, count in read.items() if count}
        if read:
            said = self._xero_and(self._xero_counted(read, "in", changed=True))
            message = self.env._("Read %s from Xero", said)
        elif since:
            message = self.env._("Nothing changed in Xero since %s", self._xero_clock(since))
        else:
            message = self.env._("Nothing changed in Xero")
        jobs_sudo = self.env["xero.sync.job"].sudo()
        waiting = jobs_sudo.search_count(
            [("connection_id", "=", self.id), ("state", "=", "pending"), ("direction", "=", "out")]
        )
        if sent:
            sent_said = self._xero_and(self._xero_counted(sent, "out"))
            message = self.env._("%(read)s; sent %(sent)s", read=message, sent=sent_said)
        elif not waiting:
            message = self.env._("%s; nothing waiting to send", message)
        if failed:
            message = self.env._(
                "%(said)s; %(count)s failed (see the queue)", said=message, count=failed
            )
        if waiting:
            message = self.env._("%(said)s; %(count)s still waiting", said=message, count=waiting)
        return message + "."

    def _xero_counted(self, counts, direction, changed=False):
        """["2 customers", "1 product"] of {model: count}; with ``changed``, the first
        says so: ["3 changed contacts", "1 invoice"]."""
        said = []
        for model, count in counts.items():
            noun = self.env[model]._xero_noun(count, direction) if model in self.env else model
            if changed and not said:
                said.append(self.env._("%(count)s changed %(noun)s", count=count, noun=noun))
            else:
                said.append(f"{count} {noun}")
        return said

    def _xero_and(self, items):
        """Items in a sentence: "a, b and c"."""
        if len(items) < 2:
            return "".join(items)
        return self.env._("%(some)s and %(last)s", some=", ".join(items[:-1]), last=items[-1])

    def _xero_jobs_action(self, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "xero_connector.action_xero_sync_job"
        )
        action["domain"] = [("connection_id", "in", self.ids), *domain]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ business: the watch

    @api.model
    def _cron_xero_watch_queue(self):
        """Cron: tell the Xero managers when an organisation's queue has not moved for
        minutes while work waits (a stuck worker, a job Odoo keeps failing on...), once,
        and close the to-do when it moves again."""
        for connection in self.sudo().search([("state", "=", "connected")]):
            connection._xero_watch_queue()

    def _xero_watch_queue(self):
        self.ensure_one()
        summary = self.env._("The Xero queue of %s is not moving", self.company_id.name)
        if self.queue_stalled_since:
            self._xero_tell_managers(
                summary,
                self.env._(
                    "Work ready for Xero has waited since %(since)s. Open Xero > Overview: the "
                    "failed jobs and the server log say why; Sync now tries at once.",
                    since=self._xero_clock(self.queue_stalled_since),
                ),
            )
        else:
            self.activity_ids.filtered(lambda a: a.summary == summary).action_feedback(
                feedback=self.env._("The queue moves again.")
            )
