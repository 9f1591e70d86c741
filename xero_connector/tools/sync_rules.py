"""Plain rules of the sync engine: keys, back-off, Xero's dates and filters, plain errors.

Nothing here touches the database or the network, so each rule is easy to read
and to test on its own.
"""

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime, timezone

from odoo.tools.translate import LazyTranslate

from ..const import RETRY_SCHEDULE

_lt = LazyTranslate(__name__)

_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def digest(*parts):
    """A stable hex digest of JSON-able parts (dict keys sorted)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(value):
    """The same JSON value with its keys in sorted order, at every level."""
    return json.loads(json.dumps(value, sort_keys=True))


def batch_key(job_keys):
    """The Idempotency-Key of one request: the same jobs with the same payloads give the
    same key, so a request resent after a lost answer is replayed by Xero, not redone."""
    return "xc-" + digest(sorted(job_keys))[:60]


def merge(odoo, xero, base, direction, policy, odoo_newer):
    """Who is right for one key: "agree", "take" (Xero's value into Odoo) or "push"
    (Odoo's value to Xero).

    ``base`` is the value both sides last agreed on (``None`` before the first link);
    ``direction`` one of both, to_xero, to_odoo; ``policy`` last, odoo or xero for a
    key changed on both sides; ``odoo_newer`` whether Odoo's change is the later one.
    """
    if odoo == xero:
        return "agree"
    if direction == "to_xero":
        return "push"
    if direction == "to_odoo":
        return "take"
    odoo_changed = base is None or odoo != base
    xero_changed = base is None or xero != base
    if not odoo_changed:
        return "take"
    if not xero_changed:
        return "push"
    if policy == "odoo" or (policy == "last" and odoo_newer):
        return "push"
    return "take"


def webhook_signature(key, body):
    """``x-xero-signature``: base64 of the HMAC-SHA256 of the raw body with the webhook key."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def signed_by(key, body, signature):
    """Whether ``signature`` is the webhook signature of ``body`` (constant time)."""
    return hmac.compare_digest(webhook_signature(key, body).encode(), signature.encode())


def retry_delay(failures):
    """Seconds to wait after the n-th transient failure, or None when retries are spent
    (a job is tried once, then once after each wait of the schedule)."""
    if failures < 1 or failures > len(RETRY_SCHEDULE):
        return None
    return RETRY_SCHEDULE[failures - 1]


def xero_datetime(value):
    """A naive UTC datetime from Xero's ``/Date(ms+zzzz)/`` or an ISO text; None if empty."""
    if not value:
        return None
    found = _DATE.fullmatch(value.strip())
    if found:
        moment = datetime.fromtimestamp(int(found.group(1)) / 1000, tz=timezone.utc)
        return moment.replace(tzinfo=None)
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def quoted(value):
    """A string literal for Xero's ``where`` filter (quotes and backslashes escaped)."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


# How Xero words its refusals, and what a user should do about them. Each entry:
# (pattern on Xero's message, Xero field concerned, plain explanation); the
# explanation may use the pattern's named groups.
COMMON_REFUSALS = (
    (
        r"The contact name (?P<name>.+) is already assigned to another contact",
        "Name",
        _lt(
            "Another active contact in Xero is already called “%(name)s”, and Xero needs "
            "unique names. Rename this record in Odoo, or archive or rename the other "
            "contact in Xero, then press Resync."
        ),
    ),
    (
        r"Contact Name cannot be empty",
        "Name",
        _lt("The name is empty, and Xero needs one. Enter a name, then press Resync."),
    ),
    (
        r"Email address must be valid",
        "EmailAddress",
        _lt("Xero does not accept this email address. Correct it, then press Resync."),
    ),
    (
        (
            r"(?P<what>[\w ]+?) (?:must not be more than|cannot be more than|cannot exceed|"
            r"must be less than) (?P<max>\d+) characters"
        ),
        None,
        _lt(
            "%(what)s is longer than Xero allows (%(max)s characters). Shorten it, then "
            "press Resync."
        ),
    ),
    (
        r"The currency code '(?P<code>\w+)' is not enabled",
        "DefaultCurrency",
        _lt(
            "The Xero organisation does not use the currency %(code)s. Enable it in Xero "
            "(Settings > Currencies) or give this customer a pricelist in another currency, "
            "then press Resync."
        ),
    ),
    (
        r"has been archived",
        None,
        _lt(
            "The contact is archived in Xero, which takes no new documents for it. Restore "
            "it in Xero, then press Resync."
        ),
    ),
)
UNKNOWN_REFUSAL = _lt(
    "Xero refused the record: %(messages)s Correct it in Odoo, then press Resync."
)
ALSO_SAID = _lt("Xero also said: %(messages)s")
NO_REASON = _lt("Xero refused the data without a reason.")


def explain(env, messages, refusals=COMMON_REFUSALS):
    """(plain explanation, Xero field) for Xero's validation messages, in the user's
    language. The first message a known pattern matches is explained; the others are
    quoted as Xero wrote them."""
    messages = [m for m in messages if m] or [env._(NO_REASON)]
    for message in messages:
        for pattern, field, text in refusals:
            found = re.search(pattern, message, re.IGNORECASE)
            if found:
                explanation = _formatted(env, text, found.groupdict())
                others = " ".join(m for m in messages if m != message)
                if others:
                    explanation += " " + _formatted(env, ALSO_SAID, {"messages": others})
                return explanation, field
    return _formatted(env, UNKNOWN_REFUSAL, {"messages": " ".join(messages)}), None


def _formatted(env, lazy, values):
    """A lazy template in the user's language, filled with ``values``."""
    template = env._(lazy)
    return template % values
