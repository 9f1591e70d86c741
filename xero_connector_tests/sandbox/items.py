"""Items: codes, prices, sold/purchased flags, and when an item is tracked as inventory."""

from decimal import Decimal

from .common import text
from .errors import ElementError

MAX_ITEMS = 500  # per request
QUANTITY = Decimal("0.0001")
BOTH_ACCOUNTS = (
    "A tracked item needs both an InventoryAssetAccountCode and a PurchaseDetails.COGSAccountCode."
)


class ItemsMixin:
    def item_by_code(self, code):
        return next((i for i in self.items.values() if i["Code"] == code), None)

    def save_item(self, values, user, create_only=False):
        """PUT creates; POST creates or updates (by ItemID, then by Code)."""
        item = self.items.get(values.get("ItemID")) or (
            None if create_only else self.item_by_code(values.get("Code"))
        )
        if values.get("ItemID") and not item:
            raise ElementError("The document with the supplied id was not found for this endpoint.")
        code = self.text(values, "Code", 30, required=not item)
        other = self.item_by_code(code) if code else None
        if other and other is not item:
            raise ElementError(f"Price List Item with Code ''{code}'' already exists")
        creating = item is None
        draft = dict(item or {"ItemID": self.new_id(), "IsTrackedAsInventory": False})
        if code:
            draft["Code"] = code
        self._item_texts(draft, values)
        self._item_prices(draft, values)
        self._item_flags(draft, values)
        self._item_tracking(draft, values)
        if item is None:
            item = draft
        else:  # the same record: documents and the store keep pointing at it
            item.clear()
            item.update(draft)
        self.touch(item)
        self.items[item["ItemID"]] = item
        change = "Created" if creating else "Updated"
        self.log(item["ItemID"], change, f"Item {item['Code']} {change.lower()}.", user)
        return item

    @staticmethod
    def _item_texts(draft, values):
        for key, limit in (("Name", 50), ("Description", 4000), ("PurchaseDescription", 4000)):
            if key in values:
                draft[key] = text(values, key, limit)

    def _item_prices(self, draft, values):
        for key in ("SalesDetails", "PurchaseDetails"):
            if key in values:
                draft[key] = self._price_details(values[key] or {})
        kept = (draft.get("PurchaseDetails") or {}).get("COGSAccountCode")
        if draft.get("IsTrackedAsInventory") and "PurchaseDetails" in values and not kept:
            # a tracked item stays tracked: a purchase price sent alone keeps its COGS account
            draft["PurchaseDetails"]["COGSAccountCode"] = self._cogs_of(draft)

    def _cogs_of(self, draft):
        return ((self.items.get(draft["ItemID"]) or {}).get("PurchaseDetails") or {}).get(
            "COGSAccountCode"
        )

    @staticmethod
    def _item_flags(draft, values):
        """IsSold and IsPurchased default to true; false clears that side's description and
        details."""
        for flag, keys in (
            ("IsSold", ("Description", "SalesDetails")),
            ("IsPurchased", ("PurchaseDescription", "PurchaseDetails")),
        ):
            if values.get(flag) is not None:
                draft[flag] = bool(values[flag])
            draft.setdefault(flag, True)
            if not draft[flag]:
                for key in keys:
                    draft.pop(key, None)

    def _item_tracking(self, draft, values):
        """Tracked when it has an INVENTORY asset account and a COGS account; IsTrackedAsInventory,
        QuantityOnHand and TotalCostPool in a request change nothing."""
        asset = values.get("InventoryAssetAccountCode") or draft.get("InventoryAssetAccountCode")
        cogs = (draft.get("PurchaseDetails") or {}).get("COGSAccountCode")
        if not (asset or cogs or draft["IsTrackedAsInventory"]):
            return
        if not (draft["IsSold"] and draft["IsPurchased"]):
            raise ElementError("A tracked inventory item must be both purchased and sold.")
        if not (asset and cogs):
            raise ElementError(BOTH_ACCOUNTS)
        account = self.usable_account(asset)
        if account["Type"] != "INVENTORY":
            raise ElementError(
                f"The InventoryAssetAccountCode '{asset}' is not an account of type INVENTORY."
            )
        draft["PurchaseDetails"].pop("AccountCode", None)  # the asset account takes its place
        draft.update(IsTrackedAsInventory=True, InventoryAssetAccountCode=asset)
        draft.setdefault("_stock", self.empty_stock())

    def _price_details(self, values):
        details = {}
        if values.get("UnitPrice") is not None:
            details["UnitPrice"] = Decimal(str(values["UnitPrice"]))
        if values.get("AccountCode"):
            details["AccountCode"] = self.usable_account(values["AccountCode"])["Code"]
        if values.get("COGSAccountCode"):
            details["COGSAccountCode"] = self.usable_account(values["COGSAccountCode"])["Code"]
        if values.get("TaxType"):
            details["TaxType"] = self.active_tax_rate(values["TaxType"])["TaxType"]
        return details

    def delete_item(self, item):
        """An untracked item goes; a tracked one used in transactions stays."""
        if item.get("IsTrackedAsInventory") and (
            self._item_used(item["Code"]) or self.stock_of(item)["quantity"]
        ):
            raise ElementError(
                f"The item {item['Code']} is tracked and has been used in transactions, so it "
                "cannot be deleted."
            )
        del self.items[item["ItemID"]]

    def _item_used(self, code):
        return any(
            line.get("ItemCode") == code
            for document in (*self.invoices.values(), *self.credit_notes.values())
            if document["Status"] != "DELETED"
            for line in document["LineItems"]
        )

    def item_view(self, item):
        view = {k: v for k, v in item.items() if not k.startswith("_")}
        if not item.get("IsTrackedAsInventory"):
            return view
        stock = self.stock_of(item)
        quantity = stock["quantity"]
        view.update(
            QuantityOnHand=max(quantity, Decimal(0)).quantize(QUANTITY),
            QuantityOnBackOrder=max(-quantity, Decimal(0)).quantize(QUANTITY),
            QuantityAvailable=quantity.quantize(QUANTITY),
            TotalCostPool=stock["value"],
        )
        return view
