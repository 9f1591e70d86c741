import math
import threading
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from odoo import api, fields, models

from ..const import DAY_LIMIT, DAY_RESERVE, MINUTE_LIMIT, MINUTE_RESERVE
from ..exceptions import XeroError
from ..tools.aside import commit_aside, run_aside
from ..tools.bulk import insert_rows
from ..tools.xero_client import rate_limits

# (database, connection, thread) -> {"left": what the last answer said is left, "lines":
# the sync log's lines of the calls since}: written with the next reservation (one
# committed write per call instead of three), or when a run of calls ends; kept by the
# process, as a run of calls spans many transactions, and per thread, so that no worker
# writes (or loses) the lines of another
_PENDING = {}
# (database, thread) -> depth of the runs of calls (``_xero_batching``) the thread is in:
# outside one, a call's line is written at once (a user's click, a pay link opened)
_BATCHING = {}


class XeroConnectionBudget(models.Model):
    """The calls Xero still allows one organisation, shared by all workers.

    Every call is first reserved here, so that no worker meets Xero's rate limit:
    the calls of the last 60 seconds are counted (a sliding minute never holds more
    calls than any fixed window Xero may use) with the day's count. Xero's
    remaining-call headers correct both. The row changes with every call, so it is
    written on a cursor of its own that commits at once, and it lives apart from the
    connection: updating the connection that often would make every transaction that
    links a job, a log line or a record to it fail to serialise.
    """

    _name = "xero.connection.budget"
    _description = "Xero calls budget"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    recent_calls = fields.Json(help="Times (epoch seconds) of the calls of the last minute.")
    day = fields.Char(help="UTC date the day's count belongs to.")
    day_used = fields.Integer("Calls made today")
    wait_until = fields.Datetime("No call before")
    minute_left = fields.Integer("Calls left this minute (Xero)")
    day_left = fields.Integer("Calls left today (Xero)")
    left_at = fields.Datetime("Xero's figures as of", help="When Xero last said what is left.")
    last_call_at = fields.Datetime("Last successful call")

    # ------------------------------------------------------------------ constraints

    _connection_uniq = models.UniqueIndex("(connection_id)", "One budget per connection.")

    # ------------------------------------------------------------------ business: for the seam

    @api.model
    def _xero_reserve(self, connection, purpose):
        """Reserve one call of ``purpose`` (push, fetch, poll, link): 0, or the seconds to wait
        before one is allowed. What the calls before it left to write is written first."""
        pending = self._xero_pop_pending(connection)

        def reserve(budget):
            budget._write_pending(pending)
            return budget._reserve_one(purpose)

        wait = self._xero_written(connection, pending, reserve)
        return 5 if wait is None else wait

    @api.model
    def _xero_answered(self, connection, line, headers, ok, later=False):
        """A call's log line and what Xero's answer said is left: with ``later``, written
        with the next reservation (or ``_xero_flush``), otherwise now."""
        answered = {"left": (rate_limits(headers), ok), "lines": [line]}
        if later and _BATCHING.get(self._xero_thread_key()):
            self._xero_keep_pending(connection, answered)
        else:
            self._xero_written(connection, answered, lambda b: b._write_pending(answered))

    @contextmanager
    def _xero_batching(self):
        """A run of calls of this thread whose lines may wait for the next reservation
        (or the run's ``_xero_flush``)."""
        key = self._xero_thread_key()
        _BATCHING[key] = _BATCHING.get(key, 0) + 1
        try:
            yield
        finally:
            _BATCHING[key] -= 1
            if not _BATCHING[key]:
                del _BATCHING[key]

    @contextmanager
    def _xero_flushing(self, connection):
        """A run of calls, then what they left to write written (``_xero_flush``): also
        when Xero failed, not when Odoo did (that error is the one to see, and the
        transaction is gone): the lines are then written with the next call."""
        with self._xero_batching():
            try:
                yield
            except XeroError:
                self._xero_flush(connection)
                raise
        self._xero_flush(connection)

    @api.model
    def _xero_flush(self, connection):
        """Write what the last calls left to write (at the end of a run of calls)."""
        pending = self._xero_pop_pending(connection)
        if pending:
            self._xero_written(connection, pending, lambda b: b._write_pending(pending))

    @api.model
    def _xero_hold(self, connection, seconds):
        """Xero answered 429: no call for this organisation before Retry-After."""
        self._xero_locked(connection, lambda budget: budget._hold_for(seconds))

    @api.model
    def _xero_written(self, connection, pending, step):
        """``step(budget)`` on the locked row (see ``_xero_locked``), which writes
        ``pending``: kept for the next write when the row could not be had, or the step
        failed. Returns what the step returned, or None."""
        try:
            result = self._xero_locked(connection, step)
        except Exception:
            self._xero_keep_pending(connection, pending)
            raise
        if result is None:
            self._xero_keep_pending(connection, pending)
        return result

    @api.model
    def _xero_pop_pending(self, connection):
        return _PENDING.pop(self._xero_pending_key(connection), None)

    @api.model
    def _xero_keep_pending(self, connection, pending):
        """Keep ``pending`` for the next write, after what is already kept."""
        if not pending:
            return
        kept = _PENDING.setdefault(self._xero_pending_key(connection), {"left": None, "lines": []})
        kept["left"] = pending["left"] or kept["left"]
        kept["lines"] = kept["lines"] + pending["lines"]

    @api.model
    def _xero_pending_key(self, connection):
        return (*self._xero_thread_key(), connection.id)

    @api.model
    def _xero_thread_key(self):
        return (self.env.cr.dbname, threading.get_ident())

    @api.model
    def _xero_locked(self, connection, step, wait=True):
        """``step(budget)`` on the connection's budget row, locked, on a cursor that
        commits at once; None when the row stays locked (or, without ``wait``, is)."""
        result = run_aside(
            self._xero_row(connection),
            step,
            wait=wait,
            timeout="10s" if wait else "2s",
            attempts=5,
        )
        connection.invalidate_recordset(["budget_ids"])
        return result

    @api.model
    def _xero_row(self, connection):
        """The connection's budget row, made (and committed) on its first call."""
        budget = self.sudo().search([("connection_id", "=", connection.id)], limit=1)
        if budget:
            return budget

        def make(env):
            budgets_sudo = env["xero.connection.budget"].sudo()
            row = {"connection_id": connection.id, "company_id": connection.company_id.id}
            insert_rows(budgets_sudo, [row], unique=("connection_id",))
            return budgets_sudo.search([("connection_id", "=", connection.id)]).id

        return self.sudo().browse(commit_aside(self.env, make))

    # ------------------------------------------------------------------ business: the counts

    def _recent(self, moment):
        return sorted(t for t in (self.recent_calls or []) if t > moment - 60)

    def _minute_left(self, moment=None):
        """Xero's calls per rolling minute less the calls of the last 60 seconds."""
        limit = self.connection_id.minute_limit or MINUTE_LIMIT
        if moment is None:
            moment = fields.Datetime.now().timestamp()
        return max(limit - len(self._recent(moment)), 0) if self else limit

    def _day_used(self, today):
        return self.day_used if self.day == today else 0

    def _reserve_one(self, purpose):
        """Count one call: 0, or the seconds until one is allowed for this purpose."""
        limits = self.connection_id
        now = fields.Datetime.now()
        moment = now.timestamp()
        calls = self._recent(moment)
        today = now.date().isoformat()
        day_used = self._day_used(today)
        minute_limit = limits.minute_limit or MINUTE_LIMIT
        day_limit = limits.day_limit or DAY_LIMIT
        values = {"recent_calls": calls, "day": today, "day_used": day_used}
        wait = 0
        if self.wait_until and self.wait_until > now:
            wait = (self.wait_until - now).total_seconds()
        elif len(calls) >= minute_limit:
            wait = calls[len(calls) - minute_limit] + 60 - moment
            values["wait_until"] = now + timedelta(seconds=math.ceil(wait))
        elif len(calls) >= (allowed := int(minute_limit * (1 - MINUTE_RESERVE.get(purpose, 0)))):
            # this purpose leaves the rest of the minute to the others: it alone waits
            wait = calls[len(calls) - allowed] + 60 - moment
        elif day_limit - day_used <= DAY_RESERVE.get(purpose, 0) * day_limit:
            tomorrow = datetime.combine(now.date() + timedelta(days=1), time.min)
            wait = (tomorrow - now).total_seconds()
            if purpose == "push":
                values["wait_until"] = tomorrow
        else:
            values |= {"recent_calls": [*calls, moment], "day_used": day_used + 1}
        self.write(values)
        return math.ceil(wait)

    def _merge_left(self, left, ok):
        """Xero's remaining-call headers: calls it counted that Odoo did not (another
        worker of the same app, a manual test) are added to the budget."""
        limits = self.connection_id
        now = fields.Datetime.now()
        moment = now.timestamp()
        values = {"last_call_at": now} if ok else {}
        if "minute" in left:
            calls = self._recent(moment)
            missing = (limits.minute_limit or MINUTE_LIMIT) - left["minute"] - len(calls)
            values |= {
                "recent_calls": calls + [moment] * max(missing, 0),
                "minute_left": left["minute"],
            }
        if "day" in left:
            today = now.date().isoformat()
            used = max(self._day_used(today), (limits.day_limit or DAY_LIMIT) - left["day"])
            values |= {"day": today, "day_used": used, "day_left": left["day"], "left_at": now}
        if values:
            self.write(values)

    def _write_pending(self, pending):
        """The log lines and the calls left that the last calls left to write."""
        if pending:
            left, ok = pending["left"] or ({}, False)
            if left or ok:
                self._merge_left(left, ok)
            self.env["xero.sync.log"]._xero_insert_calls(self.connection_id, pending["lines"])
        return True

    def _hold_for(self, seconds):
        self.wait_until = max(
            self.wait_until or datetime.min,
            fields.Datetime.now() + timedelta(seconds=seconds),
        )
