"""The events of a Xero webhook delivery, read defensively.

A delivery reaches this only once its signature is checked, but its content is
still whatever was signed: only events of the shape Xero documents are passed on
to the queue. Nothing here touches the database.
"""

import json
import re

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# what an event must hold as strings, and what it may
REQUIRED = ("tenantId", "resourceId", "eventCategory", "eventType")
OPTIONAL = ("eventDateUtc",)


def read_delivery(body):
    """``(events, dropped)`` of a delivery's raw body: its well-formed events, each with
    its ``resourceId`` in lower case, and one short phrase per part left out, for the
    log (the phrases quote nothing from the body)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested too deep
        return [], ["the body is not JSON"]
    if not isinstance(payload, dict):
        return [], ["the body is not a JSON object"]
    events = payload.get("events")
    if not isinstance(events, list):
        return [], ["its events are not a list"]
    kept, dropped = [], []
    for position, event in enumerate(events, start=1):
        problem = event_problem(event)
        if problem:
            dropped.append(f"event {position}: {problem}")
        else:
            kept.append({**event, "resourceId": event["resourceId"].lower()})
    return kept, dropped


def event_problem(event):
    """Why ``event`` is not an event as Xero sends them, or None when it is."""
    if not isinstance(event, dict):
        return "not an object"
    for key in REQUIRED:
        if not isinstance(event.get(key), str):
            return f"{key} missing or not a string"
    if not _UUID.fullmatch(event["resourceId"]):
        return "resourceId not a UUID"
    for key in OPTIONAL:
        if key in event and not isinstance(event[key], str):
            return f"{key} not a string"
    return None
