"""Xero's rate limits per organisation and app: fixed windows on the sandbox clock."""

import math
import threading
from dataclasses import dataclass


@dataclass
class Limits:
    per_minute: int = 60
    per_day: int = 5000
    concurrent: int = 5
    app_per_minute: int = 10000


class RateLimited(Exception):
    def __init__(self, problem, retry_after):
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after


class RateLimiter:
    """Counts calls in fixed minute and day windows and calls in flight."""

    def __init__(self, clock, limits=None):
        self.clock = clock
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        self._minute = {}  # (tenant, app) -> (window, count)
        self._day = {}
        self._app_minute = {}  # app -> (window, count)
        self._in_flight = {}

    @staticmethod
    def _count(table, key, window):
        current = table.get(key)
        return current[1] if current and current[0] == window else 0

    def acquire(self, tenant, app):
        """Take one call from every budget, or raise RateLimited with Retry-After seconds."""
        now = self.clock.now().timestamp()
        minute, day = int(now // 60), int(now // 86400)
        key = (tenant, app)
        with self._lock:
            if self._in_flight.get(key, 0) >= self.limits.concurrent:
                raise RateLimited("concurrent", 1)
            if self._count(self._day, key, day) >= self.limits.per_day:
                raise RateLimited("day", math.ceil((day + 1) * 86400 - now))
            if self._count(self._minute, key, minute) >= self.limits.per_minute:
                raise RateLimited("minute", math.ceil((minute + 1) * 60 - now))
            if self._count(self._app_minute, app, minute) >= self.limits.app_per_minute:
                raise RateLimited("appminute", math.ceil((minute + 1) * 60 - now))
            self._minute[key] = (minute, self._count(self._minute, key, minute) + 1)
            self._day[key] = (day, self._count(self._day, key, day) + 1)
            self._app_minute[app] = (minute, self._count(self._app_minute, app, minute) + 1)
            self._in_flight[key] = self._in_flight.get(key, 0) + 1

    def in_flight(self, tenant, app):
        with self._lock:
            return self._in_flight.get((tenant, app), 0)

    def release(self, tenant, app):
        with self._lock:
            self._in_flight[(tenant, app)] -= 1

    def remaining(self, tenant, app):
        """The three headers Xero puts on every response of an organisation."""
        now = self.clock.now().timestamp()
        minute, day = int(now // 60), int(now // 86400)
        key = (tenant, app)
        with self._lock:
            return {
                "X-DayLimit-Remaining": str(
                    max(self.limits.per_day - self._count(self._day, key, day), 0)
                ),
                "X-MinLimit-Remaining": str(
                    max(self.limits.per_minute - self._count(self._minute, key, minute), 0)
                ),
                "X-AppMinLimit-Remaining": self.app_remaining(app, minute),
            }

    def app_remaining(self, app, minute=None):
        if minute is None:
            minute = int(self.clock.now().timestamp() // 60)
        used = self._count(self._app_minute, app, minute)
        return str(max(self.limits.app_per_minute - used, 0))

    def reset(self):
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app_minute.clear()
