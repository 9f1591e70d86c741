"""Xero's JSON dialect: exact decimals, ``/Date(ms+0000)/`` dates, absent (not null) keys."""

import json
import re
from datetime import date, datetime, time, timezone
from decimal import Decimal

UTC = timezone.utc
MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<tz>[+-]\d{4})?\)/$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_encode_string = json.JSONEncoder(ensure_ascii=False).encode


def ms(moment):
    """Milliseconds since the epoch of a date (midnight UTC) or an aware datetime."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), UTC)
    return int(moment.timestamp() * 1000)


def ms_date(moment, offset=True):
    return f"/Date({ms(moment)}+0000)/" if offset else f"/Date({ms(moment)})/"


def _encode(value, out):
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, Decimal):
        out.append(format(value, "f"))
    elif isinstance(value, int | float):
        out.append(repr(value))
    elif isinstance(value, date):
        out.append(f'"{ms_date(value)}"')
    elif isinstance(value, dict):
        _encode_object(value, out)
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as Xero JSON")


def _encode_object(value, out):
    out.append("{")
    first = True
    for key, item in value.items():
        if item is None:
            continue
        if not first:
            out.append(",")
        first = False
        out.append(_encode_string(key))
        out.append(":")
        _encode(item, out)
    out.append("}")


def dumps(value):
    """Encode as Xero does: None values are left out, decimals keep their digits."""
    out = []
    _encode(value, out)
    return "".join(out).encode()


def loads(body):
    """Decode a request body; numbers with a fraction become Decimals."""
    return json.loads(body, parse_float=Decimal)


def parse_date(value):
    """A date as clients send it: ``/Date(ms)/``, ``YYYY-MM-DD`` or an ISO datetime."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = MS_DATE.match(text)
    if match:
        return datetime.fromtimestamp(int(match["ms"]) / 1000, UTC).date()
    if ISO_DATE.match(text):
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def parse_datetime(value):
    """An aware UTC datetime from ``/Date(ms)/`` or ISO text (naive means UTC)."""
    text = str(value).strip()
    match = MS_DATE.match(text)
    if match:
        return datetime.fromtimestamp(int(match["ms"]) / 1000, UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
