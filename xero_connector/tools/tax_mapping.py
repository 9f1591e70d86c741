"""Plain rules of the tax and account map: rates, what Xero can hold, proposals.

A Xero line carries one TaxType, and a Xero tax rate is a list of percentage
components (a component may be compound: charged on the price plus the components
before it). Odoo lines may carry several taxes, groups of taxes, fixed amounts and
prices that include tax. These functions say how each maps; nothing here touches
the database.
"""

import re
from decimal import Decimal

# a rate compares equal to another within this (percent, 4 decimals as Xero keeps them)
RATE_TOLERANCE = 0.00005
# an account's class and the tax rate flag that must allow it (Xero's CanApplyTo...)
CLASS_FLAGS = {
    "ASSET": "can_apply_assets",
    "EQUITY": "can_apply_equity",
    "EXPENSE": "can_apply_expenses",
    "LIABILITY": "can_apply_liabilities",
    "REVENUE": "can_apply_revenue",
}
# Xero's limits on items
ITEM_CODE_MAX = 30
ITEM_NAME_MAX = 50
ITEM_TEXT_MAX = 4000
PRICE_DECIMALS = 4
_WORD = re.compile(r"[a-z0-9]+")


def xero_rate(components):
    """The effective rate (percent) of a Xero tax rate's components: simple components
    add up; a compound one is charged on the price plus what came before it."""
    base, total = Decimal(100), Decimal(0)
    for component in components:
        rate = Decimal(str(component.get("Rate") or 0))
        on = base + total if component.get("IsCompound") else base
        total += on * rate / 100
    return float(total.quantize(Decimal("0.0001")))


def same_rate(left, right):
    return abs((left or 0.0) - (right or 0.0)) < RATE_TOLERANCE


def words(text):
    return set(_WORD.findall((text or "").lower()))


def likeness(odoo_name, xero_name):
    """How alike two tax names are: exact (case aside) beats shared words."""
    if (odoo_name or "").strip().lower() == (xero_name or "").strip().lower():
        return 1000
    return len(words(odoo_name) & words(xero_name))


def propose(rate, name, candidates):
    """The Xero rate to propose for an Odoo tax (or taxes) of ``rate`` percent named
    ``name``: (candidate, reason). ``candidates`` are dicts with key, name and rate
    (active rates that may be used on sales). Several with the rate: the name decides;
    a tie proposes nothing and says why."""
    same = [c for c in candidates if same_rate(c["rate"], rate)]
    if not same:
        return None, "none"
    if len(same) == 1:
        return same[0], "rate"
    scored = sorted(same, key=lambda c: likeness(name, c["name"]), reverse=True)
    best, second = scored[0], scored[1]
    if likeness(name, best["name"]) > likeness(name, second["name"]):
        return best, "name"
    return None, "tie"


def components_of(taxes):
    """The Xero components that hold a line's percentage taxes (flattened, in Odoo's
    order): [{Name, Rate, IsCompound}]. A tax after one that affects the base of the
    next is compound."""
    components, compound = [], False
    for tax in taxes:
        components.append(
            {"Name": tax["name"][:50], "Rate": round(tax["rate"], 4), "IsCompound": compound}
        )
        compound = compound or tax["affects_base"]
    return components


def item_code_problem(code):
    """Why Xero would refuse this item code, or None."""
    if not code:
        return "missing"
    if len(code) > ITEM_CODE_MAX:
        return "long"
    return None


def item_name(name):
    """An Odoo name as Xero's item Name: at most 50 characters. A longer name keeps its
    first 49 characters and an ellipsis; Odoo keeps the whole name, and the sales
    description in Xero carries it too."""
    name = (name or "").strip()
    if len(name) <= ITEM_NAME_MAX:
        return name
    return name[: ITEM_NAME_MAX - 1].rstrip() + "…"


def too_precise(price):
    """Whether a price has more decimals than Xero keeps (4)."""
    return abs(round(price or 0.0, PRICE_DECIMALS) - (price or 0.0)) > 1e-9
