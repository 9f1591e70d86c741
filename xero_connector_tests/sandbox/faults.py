"""Fault injection: the next N matching requests fail the way Xero and networks fail."""

import itertools
import re
import threading
import time

from .http import Response, problem

KINDS = ("500", "503", "429", "slow", "drop", "accept_then_fail")
# faults that happen after the request was processed (the change is stored)
AFTER = ("slow", "accept_then_fail")


class Faults:
    def __init__(self):
        self._rules = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, kind, count=1, method=None, path=None, tenant=None, delay=5.0, retry_after=30):
        """Fail the next ``count`` requests matching ``method``, ``path`` (regex), ``tenant``."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; use one of {', '.join(KINDS)}")
        rule = {
            "id": next(self._ids),
            "kind": kind,
            "remaining": int(count),
            "method": method.upper() if method else None,
            "path": path,
            "tenant": tenant,
            "delay": float(delay),
            "retry_after": int(retry_after),
        }
        re.compile(path or "")
        with self._lock:
            self._rules.append(rule)
        return dict(rule)

    def take(self, method, path, tenant):
        """The fault for this request, consuming one use of the first matching rule."""
        with self._lock:
            for rule in self._rules:
                if self._matches(rule, method, path, tenant):
                    rule["remaining"] -= 1
                    if rule["remaining"] <= 0:
                        self._rules.remove(rule)
                    return dict(rule)
        return None

    @staticmethod
    def _matches(rule, method, path, tenant):
        return (
            (rule["method"] is None or rule["method"] == method)
            and (rule["path"] is None or re.search(rule["path"], path, re.IGNORECASE))
            and (rule["tenant"] is None or rule["tenant"] == tenant)
        )

    def pending(self):
        with self._lock:
            return [dict(rule) for rule in self._rules]

    def clear(self):
        with self._lock:
            self._rules.clear()


def faulty(faults, method, path, tenant, run):
    """Answer ``run()``, unless an injected fault says otherwise."""
    fault = faults.take(method, path, tenant)
    if fault is None:
        return run()
    kind = fault["kind"]
    if kind == "drop":
        return Response(drop=True)
    if kind == "429":
        response = Response(429, b"", content_type="text/plain")
        response.headers.update(
            {"X-Rate-Limit-Problem": "minute", "Retry-After": str(fault["retry_after"])}
        )
        return response
    if kind == "503":
        text = "The Xero API is currently unavailable, please try again later."
        return Response(503, text, content_type="text/plain")
    if kind == "500":
        return problem(500, "An error occurred", "An error occurred in Xero. Please try again.")
    response = run()
    if kind == "slow":
        time.sleep(fault["delay"])
        return response
    return problem(500, "An error occurred", "An error occurred in Xero. Please try again.")
