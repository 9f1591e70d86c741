from odoo import api, fields, models

from ..const import GROUP_USER
from ..tools.sync_rules import xero_datetime


class XeroItem(models.Model):
    """What Xero last said of one of its items: its stock above all.

    Written from every item Xero answers (a push, a fetch, the poll), read by the
    product's "On hand in Xero" and by the quotation's stock warning; it also
    remembers that a low stock was announced, so that it is announced once until
    the stock recovers.
    """

    _name = "xero.item"
    _description = "Xero item"
    _order = "connection_id, code"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_id = fields.Char("Xero ItemID", required=True)
    code = fields.Char(index=True)
    name = fields.Char()
    tracked = fields.Boolean("Tracked in Xero")
    quantity_on_hand = fields.Float("On hand in Xero", digits=(16, 4))
    quantity_available = fields.Float("Available in Xero", digits=(16, 4))
    quantity_on_back_order = fields.Float("On back order in Xero", digits=(16, 4))
    total_cost_pool = fields.Float("Stock value in Xero", digits=(16, 2), groups=GROUP_USER)
    updated_at = fields.Datetime("Updated in Xero")
    low_stock_since = fields.Datetime(
        help="When the low stock was announced; empty once the stock recovered."
    )

    # ------------------------------------------------------------------ constraints

    _xero_uniq = models.UniqueIndex(
        "(connection_id, xero_id)", "An item is kept once per organisation."
    )

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_store(self, connection, elements):
        """Keep what Xero said of these items and announce the stock that fell low."""
        elements = [e for e in elements if e.get("ItemID")]
        if not elements:
            return self.browse()
        found = self.search(
            [
                ("connection_id", "=", connection.id),
                ("xero_id", "in", [e["ItemID"].lower() for e in elements]),
            ]
        )
        by_id = {item.xero_id: item for item in found}
        new, seen = [], []
        for element in elements:
            xero_id = element["ItemID"].lower()
            values = self._xero_values(element)
            item = by_id.get(xero_id)
            if item is None:
                new.append(values | {"connection_id": connection.id, "xero_id": xero_id})
                continue
            seen.append(item.id)
            changed = {
                name: value for name, value in values.items() if item._xero_differs(name, value)
            }
            if changed:
                item.write(changed)
        items = self.browse(seen) | self.create(new)
        items._xero_check_low_stock()
        return items

    def _xero_differs(self, name, value):
        current = self[name]
        if self._fields[name].type == "many2one":
            return current.id != value
        if self._fields[name].type == "float":
            return abs(current - value) > 1e-6
        return (current or False) != (value or False)

    @api.model
    def _xero_values(self, element):
        tracked = bool(
            element.get("IsTrackedAsInventory")
            or (
                element.get("InventoryAssetAccountCode")
                and (element.get("PurchaseDetails") or {}).get("COGSAccountCode")
            )
        )
        on_hand = float(element.get("QuantityOnHand") or 0)
        back = float(element.get("QuantityOnBackOrder") or 0)
        available = element.get("QuantityAvailable")
        return {
            "code": element.get("Code"),
            "name": element.get("Name"),
            "tracked": tracked,
            "quantity_on_hand": on_hand if tracked else 0.0,
            "quantity_on_back_order": back if tracked else 0.0,
            "quantity_available": (
                (float(available) if available is not None else on_hand - back) if tracked else 0.0
            ),
            "total_cost_pool": float(element.get("TotalCostPool") or 0) if tracked else 0.0,
            "updated_at": xero_datetime(element.get("UpdatedDateUTC")),
        }

    # ------------------------------------------------------------------ business: low stock

    def _xero_check_low_stock(self):
        """A tracked item whose available quantity fell to its threshold is announced
        once (an activity for the responsible people, a message on its product); the
        announcement is forgotten when the stock is above the threshold again. An item
        no product is linked to waits until one is."""
        products = self.env["product.product"]
        for connection, items in self.filtered("tracked").grouped("connection_id").items():
            links = products._xero_links(connection, xero_ids=items.mapped("xero_id"))
            for item in items.filtered(lambda i, links=links: i.xero_id in links):
                product = products.browse(links[item.xero_id].res_id).exists()
                threshold = product._xero_low_stock_threshold(connection) if product else 0
                low = item.quantity_available <= threshold
                if product and low and not item.low_stock_since:
                    product._xero_announce_low_stock(item, threshold)
                    item.low_stock_since = fields.Datetime.now()
                elif not low and item.low_stock_since:
                    item.low_stock_since = False
