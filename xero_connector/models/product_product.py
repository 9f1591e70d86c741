import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command, Domain

from ..const import GROUP_MANAGER, GROUP_USER, PRIORITY
from ..exceptions import XeroError
from ..tools import tax_mapping as tm
from ..tools.actions import reopen
from ..tools.outcomes import Done, Refused, each
from ..tools.sync_rules import canonical, quoted

_logger = logging.getLogger(__name__)
# the queue's read of the stock Xero moved (one pending per organisation)
STOCK_KIND = "item.stock"
# Xero's refusal of an item code another item has
CODE_TAKEN = "already exists"
# the customer of a product's preview, and the Xero contact of its test invoices (one,
# made by Xero from the name the first time, then reused: never translated)
TEST_CONTACT = "Odoo test sale — delete me"
# Xero's item keys, their labels and default directions
ITEM_KEYS = {
    "Code": ("Internal reference", "both"),
    "Name": ("Name", "both"),
    "Description": ("Sales description", "both"),
    "IsSold": ("Can be sold", "both"),
    "IsPurchased": ("Can be purchased", "both"),
    "SalesDetails": ("Sales price, account and tax", "both"),
    "PurchaseDetails": ("Cost and purchase accounts", "to_xero"),
    "InventoryAssetAccountCode": ("Tracked in Xero", "to_xero"),
}


class ProductProduct(models.Model):
    """Products (variants) are Xero items, both ways; the internal reference is the
    item code. Sales lines' account and tax type come from the account and tax maps.
    For items Xero tracks as inventory, Xero's stock is shown on the product."""

    _name = "product.product"
    _inherit = ["product.product", "xero.sync.mixin"]

    _xero_object = "item"
    _xero_plural = "Items"
    _xero_id_key = "ItemID"
    _xero_sdk = "items"
    _xero_paged = False
    _xero_synced_fields = (
        "default_code",
        "name",
        "description_sale",
        "sale_ok",
        "purchase_ok",
        "lst_price",
        "list_price",
        "price_extra",
        "standard_price",
        "taxes_id",
        "categ_id",
        "xero_sales_account_id",
        "xero_track_inventory",
        "product_template_attribute_value_ids",
        "active",
    )
    _xero_field_map = {
        "Code": "default_code",
        "Name": "name",
        "Description": "description_sale",
        "SalesDetails": "lst_price",
        "PurchaseDetails": "standard_price",
    }

    # ------------------------------------------------------------------ fields

    xero_tracked = fields.Boolean("Tracked in Xero", compute="_compute_xero_stock")
    xero_quantity_on_hand = fields.Float(
        "On hand in Xero", compute="_compute_xero_stock", digits="Product Unit"
    )
    xero_quantity_available = fields.Float(
        "Available in Xero",
        compute="_compute_xero_stock",
        digits="Product Unit",
        help="On hand less what is on back order.",
    )
    xero_quantity_on_back_order = fields.Float(
        "On back order in Xero", compute="_compute_xero_stock", digits="Product Unit"
    )
    xero_stock_updated = fields.Datetime("Stock read from Xero", compute="_compute_xero_stock")
    xero_stock_note = fields.Char("Two stock figures", compute="_compute_xero_stock")
    xero_line_preview = fields.Html(
        "Xero invoice line",
        compute="_compute_xero_line_preview",
        sanitize=False,
        groups=GROUP_USER,
        help="The line one unit of the product (as saved) at its list price makes on a "
        "Xero invoice, for customers without a fiscal position and for each fiscal "
        "position: worked out in Odoo by the code that makes invoices, without asking Xero.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends_context("company")
    def _compute_xero_stock(self):
        items = self._xero_current_items()
        for product in self:
            item = items.get(product.id)
            tracked = bool(item and item.tracked)
            product.xero_tracked = tracked
            product.xero_quantity_on_hand = item.quantity_on_hand if tracked else 0.0
            product.xero_quantity_available = item.quantity_available if tracked else 0.0
            product.xero_quantity_on_back_order = item.quantity_on_back_order if tracked else 0.0
            product.xero_stock_updated = item.updated_at if item else False
            product.xero_stock_note = tracked and product._xero_stock_note()

    @api.depends_context("company")
    def _compute_xero_line_preview(self):
        connection = self.env.company.sudo()._xero_connection()
        for product in self:
            saved = product._origin
            product.xero_line_preview = saved._xero_preview_html(connection) if saved else False

    def _xero_stock_note(self):
        """With Odoo's Inventory app, both figures and which side is the master."""
        if "qty_available" not in self._fields:
            return False
        return self.env._(
            "Xero is the master of the stock it tracks; Odoo's Inventory counts %(odoo)s on "
            "hand. Neither overwrites the other.",
            odoo=f"{self.qty_available:g}",
        )

    def _xero_current_items(self):
        """{product id: xero.item} with the organisation of the current company."""
        connection = self.env.company.sudo()._xero_connection()
        ids = [i for i in self.ids if i]
        if not connection or not ids:
            return {}
        links = self.sudo()._xero_links(connection, ids=ids)
        by_xero = {link.xero_id: res_id for res_id, link in links.items() if link.xero_id}
        items = (
            self.env["xero.item"]
            .sudo()
            .search([("connection_id", "=", connection.id), ("xero_id", "in", list(by_xero))])
        )
        return {by_xero[item.xero_id]: item for item in items}

    # ------------------------------------------------------------------ actions

    def action_xero_test_invoice(self):
        """Send a test invoice of the product to Xero as a draft, read back what Xero
        made of it, delete it, and say what was sent against what Xero held."""
        self.ensure_one()
        if not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(self.env._("Only Xero managers can send a test invoice to Xero."))
        return reopen(self.env["xero.product.test.invoice"]._xero_test(self))

    # ------------------------------------------------------------------ business: what syncs

    @api.model
    def _xero_enabled(self, connection):
        return connection.sync_products

    @api.model
    def _xero_call_options(self):
        return {"unitdp": tm.PRICE_DECIMALS}

    @api.model
    def _xero_field_defaults(self):
        return [(key, label, direction) for key, (label, direction) in ITEM_KEYS.items()]

    @api.model
    def _xero_directions(self, connection):
        return self.env["xero.field.rule"]._xero_directions(connection, self)

    @api.model
    def _xero_policy(self, connection):
        return connection.product_conflict

    def _xero_sync_domain(self, connection):
        """Products of the connection's company (or shared) that are sold or purchased;
        an archived product is not sent (Xero's API cannot archive an item)."""
        return Domain(
            [
                ("company_id", "in", [False, connection.company_id.id]),
                ("active", "=", True),
                "|",
                ("sale_ok", "=", True),
                ("purchase_ok", "=", True),
            ]
        )

    def _xero_scope_reason(self, connection):
        self.ensure_one()
        if not connection.sync_products:
            return self.env._(
                "Product sync with Xero is off for %(company)s (Settings > Xero).",
                company=connection.company_id.name,
            )
        if not self.active:
            return self.env._(
                "Archived products are not sent: Xero's API cannot archive an item, so its "
                "item stays in Xero as it was (archive it in Xero if you wish)."
            )
        if self.company_id and self.company_id != connection.company_id:
            return self.env._(
                "This product belongs to %(company)s, not to %(other)s.",
                company=self.company_id.name,
                other=connection.company_id.name,
            )
        return self.env._("Only products that can be sold or purchased go to Xero.")

    # ------------------------------------------------------------------ business: the maps

    def _xero_sales_account(self, connection):
        """The Xero account of this product's sales lines: the product's, its
        category's, or the connection's default."""
        self.ensure_one()
        product = self.sudo().with_company(connection.company_id)
        return (
            product.xero_sales_account_id
            or product.categ_id._xero_sales_account()
            or connection.sales_account_id
        )

    def _xero_sales_taxes(self, connection):
        self.ensure_one()
        product = self.with_company(connection.company_id)
        return product.taxes_id._filter_taxes_by_company(connection.company_id)

    def _xero_sales_tax_rate(self, connection):
        """(Xero tax rate, problem) of this product's own sales taxes."""
        return (
            self.env["xero.tax.map"]
            .sudo()
            ._xero_lookup(connection, self._xero_sales_taxes(connection))
        )

    def _xero_account_problem(self, connection=None):
        """Why Xero would refuse this product's sales lines (account, tax type), or None."""
        self.ensure_one()
        connection = connection or self.env.company.sudo()._xero_connection()
        if not connection or connection.state == "draft":
            return None
        account = self._xero_sales_account(connection)
        if not account:
            return self.env._(
                "No Xero sales account: choose the default one in Settings > Xero > Products "
                "and stock, or one on the product or its category."
            )
        rate, problem = self._xero_sales_tax_rate(connection)
        return problem or account._xero_sales_problem(rate)

    # ------------------------------------------------------------------ business: Odoo -> Xero

    def _xero_payload(self, connection, link=None, keys=None, xero_id=None):
        """The Xero item of this product, key by key in canonical form."""
        self.ensure_one()
        if keys is None:
            directions = self._xero_directions(connection)
            keys = [k for k, d in directions.items() if d in ("both", "to_xero")]
        values = self.with_company(connection.company_id)._xero_item(connection)
        # a key without a value is left out: xero-python cannot send a null
        payload = {key: values[key] for key in keys if values.get(key) is not None}
        xero_id = xero_id or (link.xero_id if link else False)
        if xero_id:
            payload["ItemID"] = xero_id
        return canonical(payload)

    def _xero_item(self, connection):
        """Every key of this product as a Xero item."""
        product = self.sudo()
        name = product.with_context(display_default_code=False).display_name
        description = (product.description_sale or "").strip()
        if not description and tm.item_name(name) != name:
            description = name  # the whole name, where Xero's Name is cut
        item = {
            "Code": (product.default_code or "").strip(),
            "Name": tm.item_name(name),
            "Description": description,
            "IsSold": product.sale_ok,
            "IsPurchased": product.purchase_ok,
        }
        if product.sale_ok:
            rate, _problem = product._xero_sales_tax_rate(connection)
            item["SalesDetails"] = _details(
                product._xero_price(connection, product.lst_price),
                product._xero_sales_account(connection).code,
                rate.xero_key,
            )
        tracked = product.product_tmpl_id.xero_track_inventory
        if product.purchase_ok or tracked:
            item["PurchaseDetails"] = _details(
                product._xero_price(connection, product.standard_price),
                None if tracked else connection.purchase_account_id.code,
                None,
                cogs=connection.cogs_account_id.code if tracked else None,
            )
        if tracked:
            item["InventoryAssetAccountCode"] = connection.inventory_account_id.code or None
        return item

    def _xero_price(self, connection, price):
        """A price in the organisation's currency, to Xero's 4 decimals."""
        company = connection.company_id
        base = connection.base_currency_id
        if base and base != company.currency_id:
            price = company.currency_id._convert(
                price, base, company, fields.Date.today(), round=False
            )
        return price

    @api.model
    def _xero_refusals(self, connection, checks):
        """What Xero would refuse of a batch of products, found before any call with the
        field to fix; the codes are checked for the whole batch at once."""
        codes = {
            job_id: (payload.get("Code") or record.default_code or "").strip()
            for job_id, (record, payload) in checks.items()
        }
        index = self._xero_code_index(connection, [r for r, _p in checks.values()], codes)
        refusals = {}
        for job_id, (record, payload) in checks.items():
            found = (
                record._xero_code_problem(codes[job_id], index)
                if "Code" in payload or "ItemID" not in payload
                else None
            )
            found = found or record._xero_price_problem(connection, payload)
            found = found or record._xero_map_problem(connection, payload)
            if found:
                message, field = found
                label = self._fields[field].get_description(self.env)["string"] if field else None
                refusals[job_id] = Refused(
                    self.env._("%(problem)s Then press Resync.", problem=message), field=label
                )
        return refusals

    @api.model
    def _xero_code_index(self, connection, records, codes):
        """Who else has these codes: {"odoo": {code: [(product id, name)]}, "xero": {code:
        [(ItemID, name)]}, "links": {product id: ItemID}}, in three queries."""
        wanted = sorted({code for code in codes.values() if code})
        others = self.with_context(active_test=False).search_read(
            Domain("default_code", "in", wanted) & self._xero_sync_domain(connection),
            ["default_code", "display_name"],
        )
        items = (
            self.env["xero.item"]
            .sudo()
            .search_read(
                [("connection_id", "=", connection.id), ("code", "in", wanted)],
                ["code", "xero_id", "name"],
            )
        )
        index = {"odoo": {}, "xero": {}}
        for row in others:
            index["odoo"].setdefault(row["default_code"], []).append(
                (row["id"], row["display_name"])
            )
        for row in items:
            index["xero"].setdefault(row["code"], []).append((row["xero_id"], row["name"]))
        links = self._xero_links(connection, ids=[record.id for record in records])
        index["links"] = {res_id: link.xero_id for res_id, link in links.items()}
        return index

    def _xero_code_problem(self, code, index):
        """(message, field) when Xero would refuse this product's item code, or None."""
        kind = tm.item_code_problem(code)
        if kind == "missing":
            return (
                self.env._("Xero needs an item code: give the product an internal reference."),
                "default_code",
            )
        if kind == "long":
            return (
                self.env._(
                    "The internal reference %(code)s is %(length)s characters long; Xero's item "
                    "codes have at most %(max)s.",
                    code=code,
                    length=len(code),
                    max=tm.ITEM_CODE_MAX,
                ),
                "default_code",
            )
        twins = [name for pid, name in index["odoo"].get(code, []) if pid != self.id]
        if twins:
            return (
                self.env._(
                    "The internal reference %(code)s is also that of %(other)s, and Xero's item "
                    "codes are unique: give each product its own.",
                    code=code,
                    other=twins[0],
                ),
                "default_code",
            )
        mine = index["links"].get(self.id)
        taken = [name for xero_id, name in index["xero"].get(code, []) if xero_id != mine]
        if taken:
            return (
                self.env._(
                    "Xero already has another item with the code %(code)s (%(name)s): change the "
                    "internal reference, or link the two with the products' go-live wizard.",
                    code=code,
                    name=taken[0],
                ),
                "default_code",
            )
        return None

    def _xero_price_problem(self, connection, payload):
        if "SalesDetails" in payload or "PurchaseDetails" in payload:
            problem = self._xero_currency_problem(connection)
            if problem:
                return problem, "lst_price"
        for key, field in (("SalesDetails", "lst_price"), ("PurchaseDetails", "standard_price")):
            price = (payload.get(key) or {}).get("UnitPrice")
            if price is not None and tm.too_precise(self[field]):
                return (
                    self.env._(
                        "The price %(price)s has more than 4 decimals, and Xero keeps 4: round it.",
                        price=self[field],
                    ),
                    field,
                )
        return None

    def _xero_currency_problem(self, connection):
        """Prices go to Xero in the organisation's currency: converting them needs an
        exchange rate in Odoo when the company keeps its books in another currency."""
        company, base = connection.company_id, connection.base_currency_id
        if not base or base == company.currency_id:
            return None
        rates = self.env["res.currency.rate"].sudo()
        if rates.search_count([("currency_id", "in", (base | company.currency_id).ids)], limit=1):
            return None
        return self.env._(
            "Xero keeps prices in %(base)s and %(company)s keeps its books in %(ours)s, but Odoo "
            "has no exchange rate between them: add the rate of %(base)s (Accounting > "
            "Configuration > Currencies).",
            base=base.name,
            company=company.name,
            ours=company.currency_id.name,
        )

    def _xero_map_problem(self, connection, payload):
        if "SalesDetails" in payload:
            problem = self._xero_account_problem(connection)
            if problem:
                return problem, "taxes_id"
        tracked = self.product_tmpl_id.sudo().xero_track_inventory
        if tracked and not (self.sale_ok and self.purchase_ok):
            return (
                self.env._(
                    "Xero tracks the stock of items that are both sold and purchased: tick Can "
                    "be sold and Can be purchased, or stop tracking the stock in Xero."
                ),
                "purchase_ok",
            )
        accounts = connection.inventory_account_id and connection.cogs_account_id
        if tracked and not accounts:
            return (
                self.env._(
                    "Xero tracks stock only with an inventory asset account and a cost of "
                    "goods sold account: choose both in Settings > Xero > Products and stock."
                ),
                None,
            )
        return None

    # ------------------------------------------------------------------ business: Xero -> Odoo

    @api.model
    def _xero_kinds(self):
        return [*super()._xero_kinds(), (STOCK_KIND, self.env._("Stock of items, from Xero"))]

    @api.model
    def _xero_fetch(self, jobs):
        if jobs[:1].kind == STOCK_KIND:  # a batch is of one kind
            return self._xero_read_stock(jobs)
        return super()._xero_fetch(jobs)

    @api.model
    def _xero_fetch_params(self, xero_ids):
        """Items have no IDs filter: they are asked for by ItemID."""
        return {"where": " OR ".join(f"ItemID==Guid({quoted(x)})" for x in xero_ids)}

    @api.model
    def _xero_normalize(self, element):
        item = {
            "Code": (element.get("Code") or "").strip(),
            "Name": (element.get("Name") or "").strip(),
            "Description": (element.get("Description") or "").strip(),
            "IsSold": bool(element.get("IsSold", True)),
            "IsPurchased": bool(element.get("IsPurchased", True)),
        }
        for key in ("SalesDetails", "PurchaseDetails"):
            details = element.get(key) or {}
            if any(v is not None for v in details.values()):
                item[key] = _details(
                    details.get("UnitPrice"),
                    details.get("AccountCode"),
                    details.get("TaxType"),
                    cogs=details.get("COGSAccountCode"),
                )
        if element.get("InventoryAssetAccountCode"):
            item["InventoryAssetAccountCode"] = element["InventoryAssetAccountCode"]
        return canonical(item)

    @api.model
    def _xero_odoo_values(self, connection, key, value):
        if key == "Code":
            return {"default_code": value} if value else {}
        if key == "Name":
            return {"name": value} if value and not value.endswith("…") else {}
        if key == "Description":
            return {"description_sale": value or False}
        if key == "IsSold":
            return {"sale_ok": bool(value)}
        if key == "IsPurchased":
            return {"purchase_ok": bool(value)}
        if key == "SalesDetails":
            return self._xero_sales_values(connection, value or {})
        return {}

    @api.model
    def _xero_sales_values(self, connection, details):
        """Xero's sales price (when Odoo's prices are in the organisation's currency)."""
        base = connection.base_currency_id
        if details.get("UnitPrice") is None or (base and base != connection.company_id.currency_id):
            return {}
        return {"list_price": float(details["UnitPrice"])}

    @api.model
    def _xero_taxes_of(self, connection, tax_type):
        """The Odoo sales taxes a Xero tax type stands for: those of a confirmed row of
        the tax map (one tax first), or none when the map has no such row."""
        rows = (
            self.env["xero.tax.map"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", connection.id),
                    ("xero_tax_rate_id.xero_key", "=", tax_type),
                    ("proposed", "=", False),
                ]
            )
        )
        rows = rows.sorted(lambda r: (len(r.tax_ids), r.id))
        return rows[:1].tax_ids

    def _xero_write_inbound(self, connection, link, incoming):
        """A variant's name and price are its template's: a template with several
        variants keeps them (Odoo's names and prices of variants win)."""
        if self.product_tmpl_id.product_variant_count > 1:
            incoming = {k: v for k, v in incoming.items() if k not in ("Name", "SalesDetails")}
        return super()._xero_write_inbound(connection, link, incoming)

    @api.model
    def _xero_apply_inbound(self, connection, elements):
        """Every item read is kept with its stock; then the usual merge."""
        outcomes = super()._xero_apply_inbound(connection, elements)
        self.env["xero.item"].sudo()._xero_store(connection, elements)
        return outcomes

    @api.model
    def _xero_pushed(self, jobs, elements, payloads):
        outcomes = super()._xero_pushed(jobs, elements, payloads)
        good = [e for e in elements if self._xero_accepted(e)]
        self.env["xero.item"].sudo()._xero_store(jobs.connection_id, good)
        return outcomes

    @api.model
    def _xero_after_push(self, jobs, outcomes):
        """A create refused because Xero already has an item with the code: that item,
        when no other product is linked to it, is this product's (linked, then sent as
        an update); otherwise the refusal stands."""
        clashes = self._xero_refused_creates(jobs, outcomes, CODE_TAKEN)
        if not clashes:
            return {}
        connection = clashes.connection_id
        try:
            found = self._xero_items_by_code(connection, {j.payload.get("Code") for j in clashes})
        except XeroError:
            return {}  # the refusals stand; Resync looks again
        taken = set(
            self._xero_links(connection, xero_ids=[e["ItemID"].lower() for e in found.values()])
        )
        links, settled = {}, {}
        for job in clashes:
            element = found.get(job.payload.get("Code"))
            if not element or element["ItemID"].lower() in taken:
                continue
            links[job.res_id] = {
                "xero_id": element["ItemID"].lower(),
                "state": "synced",
                "last_error": False,
                "synced_values": self._xero_normalize(element),
                "last_sync_at": fields.Datetime.now(),
            }
            settled[job.id] = Done(
                self.env._("Xero already had an item with this code: linked to it."),
                element["ItemID"].lower(),
            )
        self._xero_link_write(connection, links)
        self.browse(list(links))._xero_enqueue_push(connection)
        return settled

    @api.model
    def _xero_find_created(self, jobs):
        """Creates that may have reached Xero: Xero's item codes are unique, so an item
        with the code is the one created."""
        codes = {job.id: job.payload.get("Code") for job in jobs if job.payload.get("Code")}
        if not codes:
            return {}
        found = self._xero_items_by_code(jobs.connection_id, set(codes.values()))
        return {job_id: found[code] for job_id, code in codes.items() if code in found}

    @api.model
    def _xero_items_by_code(self, connection, codes):
        """{code: Xero item} of these codes, in one call (kept in the local copy too)."""
        answer = connection._xero_call_json(
            "get_items",
            where=" OR ".join(f"Code=={quoted(code)}" for code in sorted(codes)),
            purpose="push",
            log={"direction": "in", "message": self.env._("Items with these codes")},
            **self._xero_call_options(),
        )
        elements = answer.get("Items") or []
        self.env["xero.item"].sudo()._xero_store(connection, elements)
        return {(e.get("Code") or "").strip(): e for e in elements if e.get("ItemID")}

    @api.model
    def _xero_apply_unlinked(self, connection, elements):
        """Xero items no product is linked to: linked by code, then by exact name (when
        one product only has it), or created in Odoo when the connection says so."""
        outcomes, links, create = {}, {}, []
        rows = self.with_context(active_test=False).search_read(
            self._xero_sync_domain(connection) | Domain("active", "=", False),
            ["default_code", "name"],
        )
        existing = self._xero_links(connection, ids=[r["id"] for r in rows])
        linked = {res_id for res_id, link in existing.items() if link.xero_id}
        by_code, by_name = {}, {}
        for row in rows:
            if row["id"] in linked:
                continue
            if row["default_code"]:
                by_code.setdefault(row["default_code"].strip(), []).append(row["id"])
            by_name.setdefault((row["name"] or "").strip().lower(), []).append(row["id"])
        for element in elements:
            xero_id = (element.get("ItemID") or "").lower()
            code = (element.get("Code") or "").strip()
            found = by_code.get(code) or by_name.get((element.get("Name") or "").strip().lower())
            if found and len(found) == 1:
                links[found[0]] = {
                    "xero_id": xero_id,
                    "state": "synced",
                    "synced_values": self._xero_normalize(element),
                    "last_sync_at": fields.Datetime.now(),
                }
                outcomes[xero_id] = Done(self.env._("Linked to the product with its code or name."))
            elif found:
                outcomes[xero_id] = Refused(
                    self.env._(
                        "Several products have the code or name of the Xero item %(code)s: give "
                        "one of them this internal reference, then press Retry.",
                        code=code,
                    ),
                )
            elif connection.product_create_in_odoo:
                create.append(element)
            else:
                outcomes[xero_id] = Done(self.env._("Not linked in Odoo."))
        self._xero_link_write(connection, links)
        return outcomes | self._xero_create_products(connection, create)

    @api.model
    def _xero_create_products(self, connection, elements):
        """Odoo products made from Xero items, linked to them."""
        if not elements:
            return {}
        directions = self._xero_directions(connection)
        vals_list = []
        for element in elements:
            incoming = self._xero_normalize(element)
            values = {"company_id": connection.company_id.id, "type": "consu"}
            for key, value in incoming.items():
                if directions.get(key) in ("both", "to_odoo"):
                    values |= self._xero_odoo_values(connection, key, value)
            values["name"] = values.get("name") or incoming["Name"] or incoming["Code"]
            tax_type = (incoming.get("SalesDetails") or {}).get("TaxType")
            # the item's tax, as Odoo's tax map says (not the company's default tax)
            taxes = self._xero_taxes_of(connection, tax_type) if tax_type else None
            if taxes is not None:
                values["taxes_id"] = [Command.set(taxes.ids)]
            vals_list.append(values)
        products = self.with_context(xero_inbound=True).create(vals_list)
        self._xero_link_write(
            connection,
            {
                product.id: {
                    "xero_id": element["ItemID"].lower(),
                    "state": "synced",
                    "synced_values": self._xero_normalize(element),
                    "last_sync_at": fields.Datetime.now(),
                }
                for product, element in zip(products, elements, strict=True)
            },
        )
        return {
            element["ItemID"].lower(): Done(self.env._("Created in Odoo from Xero."))
            for element in elements
        }

    # ------------------------------------------------------------------ business: stock

    @api.model
    def _xero_stock_moved(self, connection):
        """A document that moves stock was approved or voided in Xero: what changed of
        the items is read soon, by the queue (one call, whatever the number of
        documents), not at the next poll, and never in the transaction that learnt it."""
        if not connection.sync_products:
            return self.env["xero.sync.job"]
        return self.env["xero.sync.job"]._xero_enqueue(
            [
                {
                    "connection_id": connection.id,
                    "direction": "in",
                    "kind": STOCK_KIND,
                    "res_model": self._name,
                    "xero_id": "stock",
                    "priority": PRIORITY["fetch"],
                }
            ]
        )

    @api.model
    def _xero_read_stock(self, jobs):
        """The queue's read of what changed of the items since the poll's cursor, unless
        the poll is reading them right now: {job id: outcome}."""
        connection = jobs.connection_id
        cursor = self.env["xero.poll.cursor"].sudo()._xero_for(connection, self._name)
        if not cursor._xero_take_turn():
            return each(jobs, Done(self.env._("The poll running now reads the stock.")))
        self._xero_poll(connection, cursor)
        return each(jobs, Done(self.env._("Stock read from Xero.")))

    def _xero_low_stock_threshold(self, connection):
        self.ensure_one()
        own = self.with_company(connection.company_id).product_tmpl_id.xero_low_stock_threshold
        return own or connection.low_stock_threshold

    def _xero_announce_low_stock(self, item, threshold):
        """One activity for the responsible people and a message on the product."""
        self.ensure_one()
        template = self.product_tmpl_id
        connection = item.connection_id
        message = self.env._(
            "Low stock in Xero: %(available)s available for %(product)s (threshold %(threshold)s).",
            available=f"{item.quantity_available:g}",
            product=self.display_name,
            threshold=f"{threshold:g}",
        )
        template.message_post(body=message)
        for user in connection._xero_low_stock_users(template):
            template.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Low stock in Xero: %s", self.display_name),
                note=message,
                user_id=user.id,
            )

    # ------------------------------------------------------------------ business: a first sale

    def _xero_sale_preview(self, connection):
        """What one unit of this product sold at its list price makes in Xero, for each
        kind of customer: without a fiscal position, then with each fiscal position of the
        company. Worked out by the code that makes an order's Xero invoice, on an order
        and an invoice that are never saved: nothing is written, nothing asked of Xero.
        [{"position", "name", "amount_type", "lines" (as Xero receives them), "problem"
        (what would stop the invoice, or None), "document" (the unsaved invoice)}]"""
        self.ensure_one()
        positions_model = self.env["account.fiscal.position"].sudo()
        positions = positions_model.search(
            positions_model._check_company_domain(connection.company_id)
        )
        customer = (
            self.env["res.partner"]
            .sudo()
            .new(
                {
                    "name": TEST_CONTACT,
                    "lang": self.env.lang,
                    "company_id": connection.company_id.id,
                }
            )
        )
        return [
            self._xero_sale_case(connection, customer, position)
            for position in (positions.browse(), *positions)
        ]

    def _xero_sale_case(self, connection, customer, position):
        """One kind of customer of ``_xero_sale_preview``: an order of one unit at the
        list price, invoiced as a confirmed order is, the order's own tax mapping (its
        fiscal position) and sales team (the user's) included."""
        company = connection.company_id
        product = self.sudo().with_company(company)
        order = (
            self.env["sale.order"]
            .sudo()
            .with_company(company)
            .new(
                {
                    "company_id": company.id,
                    "partner_id": customer,
                    "fiscal_position_id": position.id,
                    "pricelist_id": False,  # the list price, in the company's currency
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 1.0,
                                "price_unit": product.lst_price,
                            }
                        )
                    ],
                }
            )
        )
        invoices = self.env["xero.order.invoice"].sudo().with_company(company)
        document = invoices.new(invoices._xero_values(connection, order, {order.order_line: 1.0}))
        amount_type, lines, _gap = document._xero_line_items(connection)
        refusal = invoices._xero_refusals(connection, {0: (document, {"LineItems": lines})})
        return {
            "position": position,
            "name": position.name or self.env._("Domestic (no fiscal position)"),
            "amount_type": amount_type,
            "lines": lines,
            "problem": refusal[0].reason if refusal else None,
            "document": document,
        }

    def _xero_item_pending(self, connection):
        """Whether an invoice of this product would wait for its item to reach Xero (its
        lines carry the item code once it has)."""
        self.ensure_one()
        if not (connection.sync_products and (self.default_code or "").strip()):
            return False
        link = self.sudo()._xero_links(connection, ids=self.ids).get(self.id)
        return not (link and link.xero_id)

    def _xero_test_invoice_payload(self, connection, number):
        """The draft test invoice of this product, numbered ``number`` (Xero's own
        sequence keeps its numbers): the lines of every kind of customer as previewed,
        for the test contact. Returns (payload, the kinds of customer it carries, those
        left out: Xero takes prices with or without tax for a whole invoice); raises
        what would stop it, before any call."""
        self.ensure_one()
        if not connection or connection.state != "connected":
            raise UserError(self.env._("Connect the company to Xero first."))
        if not self.sale_ok:
            raise UserError(self.env._("%s cannot be sold: there is no sale to test.", self.name))
        cases = self._xero_sale_preview(connection)
        problems = [f"{case['name']}: {case['problem']}" for case in cases if case["problem"]]
        if problems:
            raise UserError(
                self.env._("Nothing was sent to Xero: fix this first.\n%s", "\n".join(problems))
            )
        if self._xero_item_pending(connection):
            raise UserError(
                self.env._(
                    "%s is not an item in Xero yet: press Resync, then test once its sync "
                    "shows Synced (the invoice lines carry its item code).",
                    self.display_name,
                )
            )
        sent = [case for case in cases if case["amount_type"] == cases[0]["amount_type"]]
        payload = cases[0]["document"]._xero_common_payload(connection, "DRAFT")
        payload |= {
            "InvoiceNumber": number,
            "Reference": self.env._("Odoo test of %s, deleted at once", self.display_name)[:255],
            "DueDate": payload["Date"],
            "LineItems": [line for case in sent for line in case["lines"]],
        }
        return payload, sent, [case for case in cases if case not in sent]

    def _xero_preview_html(self, connection):
        """The preview of this product's first sale, as the product's form shows it."""
        self.ensure_one()
        if not connection or connection.state == "draft":
            return self._xero_preview_note(
                self.env._("Connect the company to Xero to see the line its invoices carry.")
            )
        if not self.sale_ok:
            return self._xero_preview_note(self.env._("Not sold: no invoice line."))
        cases = self._xero_sale_preview(connection)
        notes = [
            self.env._(
                "One unit at the list price, as an order of the sales team %s would go to "
                "Xero (worked out in Odoo: Xero is not asked).",
                cases[0]["document"].order_id.team_id.name or self.env._("(none)"),
            )
        ]
        if self._xero_item_pending(connection):
            notes.append(
                self.env._(
                    "Not an item in Xero yet: an invoice waits until it is, then carries "
                    "the item code %s.",
                    self.default_code.strip(),
                )
            )
        if not connection.sync_invoices:
            notes.append(
                self.env._("Orders are not invoiced in Xero yet (Settings > Xero > Invoices).")
            )
        head = Markup("").join(self._xero_preview_note(note) for note in notes)
        return head + self._xero_preview_table(connection, cases)

    def _xero_preview_note(self, text):
        return Markup('<p class="text-muted mb-1">%s</p>') % text

    def _xero_preview_table(self, connection, cases):
        """One row per line Xero would receive, per kind of customer; a kind of customer
        whose invoice would be stopped says why."""
        where = [("connection_id", "=", connection.id)]
        rates = {r.xero_key: r for r in self.env["xero.tax.rate"].sudo().search(where)}
        accounts = {a.code: a for a in self.env["xero.account"].sudo().search(where)}
        headers = [
            self.env._("Customers"),
            self.env._("Item code"),
            self.env._("Description"),
            self.env._("Tax type"),
            self.env._("Account"),
            self.env._("Unit price"),
            self.env._("Tracking"),
        ]
        rows = []
        for case in cases:
            for line in case["lines"]:
                rate, account = (
                    rates.get(line.get("TaxType")),
                    accounts.get(line.get("AccountCode")),
                )
                cells = [
                    case["name"],
                    line.get("ItemCode", ""),
                    line.get("Description", ""),
                    f"{line['TaxType']} ({rate.name})" if rate else line.get("TaxType", ""),
                    account.display_name if account else line.get("AccountCode", ""),
                    f"{line['UnitAmount']:.4f}" if "UnitAmount" in line else "",
                    tracking_text(line.get("Tracking")),
                ]
                rows.append(Markup("").join(Markup("<td>%s</td>") % cell for cell in cells))
            if case["problem"]:
                rows.append(
                    Markup('<td>%s</td><td colspan="6" class="text-danger">%s</td>')
                    % (case["name"], case["problem"])
                )
        head = Markup("").join(Markup("<th>%s</th>") % header for header in headers)
        body = Markup("").join(Markup("<tr>%s</tr>") % row for row in rows)
        return Markup(
            '<table class="table table-sm o_xero_line_preview" style="white-space: pre-line">'
            "<thead><tr>%s</tr></thead><tbody>%s</tbody></table>"
        ) % (head, body)


def tracking_text(tracking):
    """Xero's Tracking of a line in words: "Region: North; Channel: Web"."""
    return "; ".join(f"{t.get('Name')}: {t.get('Option')}" for t in tracking or [])


def _details(price, account, tax_type, cogs=None):
    """Xero's SalesDetails / PurchaseDetails, without the empty keys."""
    details = {
        "UnitPrice": round(float(price), tm.PRICE_DECIMALS) if price is not None else None,
        "AccountCode": account or None,
        "TaxType": tax_type or None,
        "COGSAccountCode": cogs or None,
    }
    return {key: value for key, value in details.items() if value is not None}
