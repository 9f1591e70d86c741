"""The sandbox clock: real time plus an offset that tests and the demo move forward."""

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
# Xero's names of the organisations' timezones (Organisation.Timezone) the sandbox knows
ZONES = {
    "NEWZEALANDSTANDARDTIME": "Pacific/Auckland",
    "GMTSTANDARDTIME": "Europe/London",
    "AUSEASTERNSTANDARDTIME": "Australia/Sydney",
    "EASTERNSTANDARDTIME": "America/New_York",
    "CENTRALSTANDARDTIME": "America/Chicago",
    "PACIFICSTANDARDTIME": "America/Los_Angeles",
    "SINGAPORESTANDARDTIME": "Asia/Singapore",
    "SOUTHAFRICASTANDARDTIME": "Africa/Johannesburg",
}


def zone(xero_name):
    """The timezone of a Xero timezone name; UTC for one the sandbox does not know."""
    try:
        return ZoneInfo(ZONES[xero_name]) if xero_name in ZONES else UTC
    except ZoneInfoNotFoundError:  # a system without timezone data
        return UTC


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

    def today_in(self, xero_name):
        """Today's date in the timezone Xero calls ``xero_name`` (e.g. NEWZEALANDSTANDARDTIME)."""
        return self.now().astimezone(zone(xero_name)).date()

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
