"""Webhooks as Xero sends them: signed batches, intent to receive, retries, a delivery log."""

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request

TIMEOUT = 5  # Xero wants an answer within 5 seconds
GIVE_UP_AFTER = 24 * 3600  # sandbox seconds of failing before the webhook is disabled


def sign(key, body):
    """``x-xero-signature``: base64 of the HMAC-SHA256 of the raw body with the webhook key."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def post(url, body, signature):
    """POST a payload; returns (status, body bytes, headers) or (None, error text, {})."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "x-xero-signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)
    except (OSError, ValueError) as error:
        return None, str(error).encode(), {}


class Webhooks:
    """One webhook subscription (the app's); delivers from a background thread."""

    def __init__(self, clock, key, url=None, retry_schedule=(1, 5, 30, 120, 600), batch_delay=0.2):
        self.clock = clock
        self.key = key
        self.url = url
        self.status = "pending"  # until the receiver passes the intent-to-receive check
        self.retry_schedule = tuple(retry_schedule)
        self.batch_delay = batch_delay
        self.log = []
        self._sequence = itertools.count(1)
        self._waiting = []  # events not yet sent
        self._retries = []  # (due monotonic time, attempt, batch)
        self._busy = False
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="xero-sandbox-webhooks", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ configuration

    def configure(self, url=None, key=None, status=None):
        with self._cond:
            if url is not None:
                self.url = url or None
                self.status = "pending"
            if key:
                self.key = key
            if status:
                self.status = status

    def intent_to_receive(self):
        """Post empty, correctly and wrongly signed payloads; the receiver must answer 200/401."""
        if not self.url:
            raise ValueError("no webhook URL is configured")
        checks = []
        for good in (True, False, True, False):
            body = json.dumps(
                {
                    "events": [],
                    "firstEventSequence": 0,
                    "lastEventSequence": 0,
                    "entropy": secrets.token_hex(10),
                },
                separators=(",", ":"),
            ).encode()
            signature = sign(self.key, body) if good else sign(secrets.token_hex(16), body)
            started = time.monotonic()
            status, answer, headers = post(self.url, body, signature)
            expected = 200 if good else 401
            checks.append(
                {
                    "signed_correctly": good,
                    "expected": expected,
                    "status": status,
                    "seconds": round(time.monotonic() - started, 3),
                    "empty_body": not answer,
                    "sets_cookie": any(k.lower() == "set-cookie" for k in headers),
                    "ok": status == expected
                    and not answer
                    and time.monotonic() - started < TIMEOUT,
                }
            )
        passed = all(check["ok"] for check in checks)
        with self._cond:
            self.status = "ok" if passed else "failed"
            self._cond.notify_all()
        return {"ok": passed, "status": self.status, "checks": checks}

    # ------------------------------------------------------------ events

    def emit(self, event):
        """Queue one event for the next batch; dropped unless the webhook is verified."""
        with self._cond:
            if not self.url or self.status != "ok":
                return False
            self._waiting.append(event)
            self._cond.notify_all()
            return True

    def flush(self, timeout=10):
        """Wait until every queued event has been delivered or has failed for good."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._waiting or self._retries or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------ delivery thread

    def _run(self):
        while True:
            job = self._next_job()
            if job is None:
                return
            attempt, batch, first_failure = job
            self._deliver(attempt, batch, first_failure)

    def _next_job(self):
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                due = [r for r in self._retries if r[0] <= now]
                if due:
                    self._retries.remove(due[0])
                    self._busy = True
                    return due[0][1:]
                if self._waiting:
                    self._cond.wait(self.batch_delay)
                    events, self._waiting = self._waiting[:100], self._waiting[100:]
                    self._busy = True
                    return 1, self._batch(events), None
                wait = min((r[0] - now for r in self._retries), default=None)
                self._cond.wait(wait)
            return None

    def _batch(self, events):
        numbers = [next(self._sequence) for _event in events]
        return {
            "events": events,
            "firstEventSequence": numbers[0],
            "lastEventSequence": numbers[-1],
            "entropy": secrets.token_urlsafe(15),
        }

    def _deliver(self, attempt, batch, first_failure):
        body = json.dumps(batch, separators=(",", ":")).encode()
        status, answer, _headers = post(self.url, body, sign(self.key, body))
        entry = {
            "attempt": attempt,
            "at": self.clock.now().isoformat(),
            "status": status,
            "events": len(batch["events"]),
            "firstEventSequence": batch["firstEventSequence"],
            "ok": status == 200,
            "answer": answer[:200].decode(errors="replace"),
        }
        with self._cond:
            self.log.append(entry)
            if status != 200:
                self._schedule_retry(attempt, batch, first_failure or self.clock.now())
            self._busy = False
            self._cond.notify_all()

    def _schedule_retry(self, attempt, batch, first_failure):
        waited = (self.clock.now() - first_failure).total_seconds()
        if attempt > len(self.retry_schedule) or waited > GIVE_UP_AFTER:
            self.status = "disabled"
            self.log.append(
                {"attempt": attempt, "disabled": True, "at": self.clock.now().isoformat()}
            )
            return
        delay = self.retry_schedule[attempt - 1]
        self._retries.append((time.monotonic() + delay, attempt + 1, batch, first_failure))
