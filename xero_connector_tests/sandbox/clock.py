"""The sandbox clock: real time plus an offset that tests and the demo move forward."""

import threading
from datetime import datetime, timedelta, timezone

UTC = timezone.utc


class Clock:
    def __init__(self):
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self):
        """The sandbox's current time, timezone-aware UTC."""
        with self._lock:
            return datetime.now(UTC) + self._offset

    def today(self):
        return self.now().date()

    def advance(self, seconds):
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def set(self, moment):
        """Jump to ``moment`` (aware or naive UTC); never before the real time."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        with self._lock:
            self._offset = max(moment - datetime.now(UTC), timedelta())

    @property
    def offset_seconds(self):
        with self._lock:
            return self._offset.total_seconds()
