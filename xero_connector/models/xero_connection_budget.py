import math
from datetime import datetime, time, timedelta

from odoo import fields, models

from ..const import DAY_LIMIT, DAY_RESERVE, MINUTE_LIMIT


class XeroConnectionBudget(models.Model):
    """The calls Xero still allows one organisation, shared by all workers.

    It changes with every call, so it lives in a row of its own that nothing
    references: updating the connection itself that often would make every
    concurrent transaction that links a job, a log line or a record to the
    connection fail to serialise.
    """

    _name = "xero.connection.budget"
    _description = "Xero calls budget"

    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade"
    )
    recent_calls = fields.Json(help="Times (epoch seconds) of the calls of the last minute.")
    day = fields.Char(help="UTC date the day's count belongs to.")
    day_used = fields.Integer("Calls made today")
    wait_until = fields.Datetime("No call before")
    minute_left = fields.Integer("Calls left this minute (Xero)")
    day_left = fields.Integer("Calls left today (Xero)")
    last_call_at = fields.Datetime("Last successful call")

    _connection_uniq = models.UniqueIndex("(connection_id)", "One budget per connection.")

    def _recent(self, moment):
        return sorted(t for t in (self.recent_calls or []) if t > moment - 60)

    def _day_used(self, today):
        return self.day_used if self.day == today else 0

    def _take_call(self, purpose):
        """Take one call: 0, or the seconds until one is allowed for this purpose."""
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
            values |= {"day": today, "day_used": used, "day_left": left["day"]}
        self.write(values)

    def _wait(self, seconds):
        self.wait_until = max(
            self.wait_until or datetime.min,
            fields.Datetime.now() + timedelta(seconds=seconds),
        )
