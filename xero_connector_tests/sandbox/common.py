"""Small helpers shared by the sandbox's books."""

import re
import uuid
from decimal import ROUND_HALF_UP, Decimal

from .errors import ElementError

CENT = Decimal("0.01")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def money(value):
    """Half-up to the cent, as Xero rounds every amount it stores."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def new_id():
    return str(uuid.uuid4())


def is_id(value):
    return isinstance(value, str) and bool(ID_PATTERN.match(value))


def text(values, key, limit, label=None, required=False):
    """A string field of a request element, checked against Xero's length limit."""
    value = values.get(key)
    if value is None or value == "":
        if required:
            raise ElementError(f"{label or key} must be specified.")
        return None
    if not isinstance(value, str):
        raise ElementError(f"{label or key} must be text.")
    if len(value) > limit:
        raise ElementError(f"{label or key} must not be more than {limit} characters long.")
    return value
