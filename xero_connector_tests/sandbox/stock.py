"""Tracked inventory: quantity on hand, value at average cost, back orders, and how
approved documents move them.

An item's stock is ``{"quantity", "value", "cost"}``: ``quantity`` goes below zero for
back orders (then ``value`` is 0), ``cost`` is the last average unit cost, used when
nothing is on hand to price returned units.
"""

from decimal import Decimal

from .common import money
from .errors import ElementError

APPROVED = ("AUTHORISED", "PAID")
SHORT = (
    "This will result in an inventory item with a zero quantity but a total value that is not zero"
)
QUANTITY = Decimal("0.0001")
# stock goes out (-1) or comes in (+1) when a document of this type is approved
DIRECTION = {"ACCREC": -1, "ACCRECCREDIT": 1, "ACCPAY": 1, "ACCPAYCREDIT": -1}
# sales documents move stock at average cost; purchases at the line's amount
AT_AVERAGE = ("ACCREC", "ACCRECCREDIT")


def _average(state):
    if state["quantity"] > 0:
        return state["value"] / state["quantity"]
    return state["cost"]


def _remember_cost(state):
    if state["quantity"] > 0:
        state["cost"] = state["value"] / state["quantity"]


def _put(state, quantity, value):
    """Units come in worth ``value``: back orders are filled first (those units are sold
    already, so their cost leaves at once), the rest joins the stock on hand."""
    filled = min(quantity, max(-state["quantity"], Decimal(0)))
    kept = quantity - filled
    if kept:
        state["value"] = money(state["value"] + value * kept / quantity)
    state["quantity"] = (state["quantity"] + quantity).quantize(QUANTITY)
    _remember_cost(state)


def _put_at_average(state, quantity):
    value = money(quantity * _average(state))
    _put(state, quantity, value)
    return value


def _take_at_average(state, quantity, allow_backorders):
    """Units go out at average cost; without back orders there must be enough on hand."""
    on_hand = max(state["quantity"], Decimal(0))
    if quantity > on_hand and not allow_backorders:
        raise ElementError(SHORT)
    taken = min(quantity, on_hand)
    value = state["value"] if taken == on_hand else money(state["value"] * taken / on_hand)
    state["value"] -= value
    state["quantity"] = (state["quantity"] - quantity).quantize(QUANTITY)
    return value


def _take_exact(state, quantity, value):
    """Units go out worth exactly ``value`` (a bill undone, a purchase returned)."""
    quantity_after = state["quantity"] - quantity
    value_after = state["value"] - value
    if quantity_after < 0 or value_after < 0 or (quantity_after == 0 and value_after != 0):
        raise ElementError(SHORT)
    state["quantity"] = quantity_after.quantize(QUANTITY)
    state["value"] = value_after
    _remember_cost(state)


def _key(move):
    return (move["item"], move["type"], move["quantity"], move["amount"])


class StockMixin:
    @staticmethod
    def empty_stock():
        return {"quantity": Decimal("0.0000"), "value": Decimal("0.00"), "cost": Decimal(0)}

    def stock_of(self, item):
        return item.get("_stock") or self.empty_stock()

    def move_stock(self, document, before, allow_backorders, label, user):
        """Stock after ``document`` was approved, voided or edited; ``before`` is how it was
        (None when new). Checks every line before changing any item."""
        old = before.get("_stock_moves", []) if before and before["Status"] in APPROVED else []
        new = self._stock_lines(document) if document["Status"] in APPROVED else []
        if [_key(m) for m in old] == [_key(m) for m in new]:
            return
        states = {}
        for move in old:
            self._undo_move(self._state(states, move), move)
        for move in new:
            self._do_move(self._state(states, move), move, allow_backorders)
        document["_stock_moves"] = new
        for item_id, state in states.items():
            self._commit_stock(self.items[item_id], state, label, user)

    def _state(self, states, move):
        if move["item"] not in states:
            item = self.items.get(move["item"])
            states[move["item"]] = dict(self.stock_of(item) if item else self.empty_stock())
        return states[move["item"]]

    def _stock_lines(self, document):
        """The moves of a document's lines with a tracked item, amounts in base currency."""
        moves = []
        for line in document.get("LineItems", []):
            item = self.item_by_code(line.get("ItemCode")) if line.get("ItemCode") else None
            if not (item and item.get("IsTrackedAsInventory") and (line.get("Quantity") or 0) > 0):
                continue
            amount = line["LineAmount"]
            if document["LineAmountTypes"] == "Inclusive":
                amount -= line["TaxAmount"]
            moves.append(
                {
                    "item": item["ItemID"],
                    "type": document["Type"],
                    "quantity": line["Quantity"],
                    "amount": money(amount / document["CurrencyRate"]),
                }
            )
        return moves

    @staticmethod
    def _do_move(state, move, allow_backorders):
        quantity, amount = move["quantity"], move["amount"]
        outgoing = DIRECTION[move["type"]] < 0
        if move["type"] in AT_AVERAGE and outgoing:
            _take_at_average(state, quantity, allow_backorders)
        elif move["type"] in AT_AVERAGE:
            _put_at_average(state, quantity)
        elif outgoing:
            _take_exact(state, quantity, amount)
        else:
            _put(state, quantity, amount)

    @staticmethod
    def _undo_move(state, move):
        quantity, amount = move["quantity"], move["amount"]
        outgoing = DIRECTION[move["type"]] < 0
        if move["type"] in AT_AVERAGE and outgoing:  # a sale undone: back at today's average
            _put_at_average(state, quantity)
        elif move["type"] in AT_AVERAGE:  # a sales credit undone: out again
            _take_at_average(state, quantity, allow_backorders=False)
        elif outgoing:  # a purchase credit undone: its units come back
            _put(state, quantity, amount)
        else:  # a bill undone: its units and their value leave
            _take_exact(state, quantity, amount)

    def _commit_stock(self, item, state, label, user):
        before = self.stock_of(item)
        item["_stock"] = state
        self.touch(item)
        self.log(
            item["ItemID"],
            "Updated",
            f"{label}: quantity {before['quantity']} to {state['quantity']}, "
            f"value {before['value']} to {state['value']}.",
            user,
        )
