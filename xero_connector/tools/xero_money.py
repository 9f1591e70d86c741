"""Xero's arithmetic, so that a document's totals are known before it is sent.

Xero rounds every amount half-up to the cent, computes each line's amount from its
quantity, unit amount and discount, taxes each line on its own (to the cent) and adds
the lines up. Odoo may round tax globally: the two totals can then differ by a few
cents, which a rounding line must carry (see ``rounding_gap``). Nothing here touches
the database.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# the decimals Xero keeps of a unit price (with unitdp=4), a quantity, a discount rate
UNIT_DECIMALS, QUANTITY_DECIMALS, DISCOUNT_DECIMALS = 4, 4, 2
# Xero's LineAmountTypes
EXCLUSIVE, INCLUSIVE, NO_TAX = "Exclusive", "Inclusive", "NoTax"


def decimal(value):
    """A Decimal of a number given as int, float, text or Decimal (floats by their text)."""
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def cents(value):
    """Half-up to the cent, as Xero rounds every amount it stores."""
    return decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_places(value, places):
    """Half-up to ``places`` decimals, as Xero keeps a unit price, a quantity or a rate."""
    return decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def held(quantity, unit_amount, discount_rate=0):
    """(quantity, unit amount, discount rate) as Xero keeps them: 4, 4 (unitdp=4) and 2
    decimals."""
    return (
        to_places(quantity, QUANTITY_DECIMALS),
        to_places(unit_amount, UNIT_DECIMALS),
        to_places(discount_rate, DISCOUNT_DECIMALS),
    )


def line_amount(quantity, unit_amount, discount_rate=None):
    """Xero's LineAmount: quantity * unit amount * (100 - discount %) / 100, to the cent."""
    gross = decimal(quantity) * decimal(unit_amount)
    if discount_rate:
        gross = gross * (HUNDRED - decimal(discount_rate)) / HUNDRED
    return cents(gross)


def line_tax(amount, rate, amount_type=EXCLUSIVE):
    """The tax of one line at ``rate`` percent: on the amount, or within it when the
    amount includes tax."""
    if amount_type == NO_TAX or not rate:
        return Decimal("0.00")
    amount, rate = decimal(amount), decimal(rate)
    if amount_type == INCLUSIVE:
        return cents(amount * rate / (HUNDRED + rate))
    return cents(amount * rate / HUNDRED)


def totals(lines, amount_type=EXCLUSIVE):
    """Xero's SubTotal, TotalTax and Total of lines given as dicts with LineAmount and
    the effective ``Rate`` (percent) of their tax type."""
    amounts = sum((cents(line["LineAmount"]) for line in lines), Decimal("0.00"))
    tax = sum(
        (line_tax(line["LineAmount"], line.get("Rate"), amount_type) for line in lines),
        Decimal("0.00"),
    )
    if amount_type == INCLUSIVE:
        return {"SubTotal": amounts - tax, "TotalTax": tax, "Total": amounts}
    return {"SubTotal": amounts, "TotalTax": tax, "Total": amounts + tax}


def rounding_gap(expected_total, lines, amount_type=EXCLUSIVE):
    """What a document's total in Odoo exceeds Xero's total of the same lines by: the
    amount of the rounding line that makes both equal to the cent (0 when they agree)."""
    return cents(expected_total) - totals(lines, amount_type)["Total"]
