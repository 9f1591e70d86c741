from odoo import fields, models
from odoo.exceptions import UserError

from ..const import PAGE_SIZE, PRIORITY
from ..exceptions import XeroError
from ..tools.actions import reopen


class XeroProductGolive(models.TransientModel):
    """Going live with product sync: the data to clean, a dry run, a test batch, then
    everything.

    First the products without an item code or with a price Xero would round, and the
    sales taxes without a Xero tax rate are counted (``xero.data.audit``).

    The dry run reads every Xero item (one call: Xero does not page items) and
    matches them with the products that sync, by item code (the internal
    reference), then by exact name, changing nothing: it counts and lists what
    would be linked, created in Xero, created in Odoo, and what needs a person
    (a product without internal reference, a code or name several products share).
    """

    _name = "xero.product.golive"
    _inherit = ["xero.golive.mixin"]
    _description = "Go live with products"
    _xero_audit_kinds = ("codes", "prices", "taxes")

    # ------------------------------------------------------------------ fields

    audit_codes = fields.Integer(
        "Products without an internal reference",
        compute="_compute_xero_audit",
        help="The internal reference is the item's code in Xero: a product without one "
        "cannot be an item.",
    )
    audit_prices = fields.Integer(
        "Prices Xero would round",
        compute="_compute_xero_audit",
        help="Sales prices with more than the 4 decimals Xero keeps of a unit price.",
    )
    audit_taxes = fields.Integer(
        "Taxes without a Xero tax rate",
        compute="_compute_xero_audit",
        help="Sales taxes on products or orders that the tax map gives no Xero tax rate "
        "(their lines would be refused), or only a proposal nobody has accepted yet.",
    )

    count_review = fields.Integer("To fix first", readonly=True)
    count_xero = fields.Integer("Items in Xero", readonly=True)
    test_product_ids = fields.Many2many(
        "product.product",
        string="Test batch",
        help="A few products to sync first; check them in Xero before going live.",
    )

    # ------------------------------------------------------------------ actions

    def action_dry_run(self):
        """Count and list what going live would do; nothing is changed."""
        self.ensure_one()
        self._check_manager()
        items, _pulled_at = self._xero_pull()
        plan = self._xero_plan(items)
        self.write(
            self._xero_counts(plan)
            | {"state": "planned", "count_xero": len(items), "preview": self._xero_preview(plan)}
        )
        first = plan["create_xero"] + [p for p, _i, _r in plan["link"]]
        self.test_product_ids = [fields.Command.set([p.id for p in first[:5]])]
        return reopen(self)

    def action_test_batch(self):
        """Link or create the chosen products only, through the queue."""
        self.ensure_one()
        self._check_manager()
        if not self.test_product_ids:
            raise UserError(self.env._("Choose the products of the test batch first."))
        items, _pulled_at = self._xero_pull()
        plan = self._xero_plan(items, only=self.test_product_ids)
        plan["create_odoo"] = []
        self.result = self.env._(
            "Test batch: %(done)s. They are in Xero within seconds: check them there and in "
            "Xero > Queue, then go live.",
            done=self._xero_apply(plan),
        )
        return reopen(self)

    # ------------------------------------------------------------------ business: going live

    def _xero_go_live(self):
        """Do it all, and keep products in sync from now on (run in the background)."""
        self.ensure_one()
        items, pulled_at = self._xero_pull()
        self._xero_progress(50, self.env._("Read %s items from Xero", len(items)))
        plan = self._xero_plan(items)
        done = self._xero_apply(plan)
        connection_sudo = self.connection_id.sudo()
        connection_sudo.sync_products = True
        cursor = self.env["xero.poll.cursor"].sudo()._xero_for(connection_sudo, "product.product")
        cursor._xero_start_at(pulled_at)
        self.write(
            self._xero_counts(plan) | {"state": "live", "result": self.env._("Live: %s.", done)}
        )
        return self.result

    # ------------------------------------------------------------------ business

    def _xero_pull(self):
        """(every Xero item, Xero's time of the read), kept with their stock."""
        connection_sudo = self.connection_id.sudo()
        products = self.env["product.product"]
        try:
            with self.env["xero.connection.budget"]._xero_flushing(connection_sudo):
                answer = connection_sudo._xero_call_json(
                    "get_items",
                    purpose="push",
                    log={"direction": "in", "message": self.env._("Going live: every item")},
                    **products._xero_call_options(),
                )
        except XeroError as error:
            raise UserError(error.message) from None
        items = [i for i in answer.get("Items") or [] if i.get("ItemID")]
        self.env["xero.item"].sudo()._xero_store(connection_sudo, items)
        return items, answer.get("DateTimeUTC")

    def _xero_plan(self, items, only=None):
        """{link: [(product, item, rule)], create_xero: [product], create_odoo: [item],
        review: [(product, reason)], linked: n}: by code first, then by exact name, each
        only when one product and one item have it."""
        connection_sudo = self.connection_id.sudo()
        model = self.env["product.product"].with_context(active_test=False)
        products = model.search(model._xero_sync_domain(connection_sudo))
        links = model._xero_links(connection_sudo, ids=products.ids)
        taken = set(
            self.env["xero.link"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", connection_sudo.id),
                    ("res_model", "=", "product.product"),
                    ("xero_id", "!=", False),
                ]
            )
            .mapped("xero_id")
        )
        free = products.filtered(lambda p: not (links.get(p.id) and links[p.id].xero_id))
        plan = {"link": [], "create_xero": [], "create_odoo": [], "review": []}
        plan["linked"] = len(products) - len(free)
        unlinked = [i for i in items if i["ItemID"].lower() not in taken]
        by_code, by_name = _index(unlinked)
        claimed = set()
        chosen = free if only is None else free & only
        codes = _counts(p.default_code.strip() for p in free if p.default_code)
        names = _counts(_name_key(p.name) for p in free)
        for product in chosen:
            code = (product.default_code or "").strip()
            item, rule, problem = self._xero_match(product, code, codes, names, by_code, by_name)
            if problem:
                plan["review"].append((product, problem))
            elif item:
                claimed.add(item["ItemID"].lower())
                plan["link"].append((product, item, rule))
            elif not code:
                plan["review"].append(
                    (product, self.env._("no internal reference: Xero needs an item code"))
                )
            else:
                plan["create_xero"].append(product)
        if connection_sudo.product_create_in_odoo:
            plan["create_odoo"] = [i for i in unlinked if i["ItemID"].lower() not in claimed]
        return plan

    def _xero_match(self, product, code, codes, names, by_code, by_name):
        """(item, rule, problem) of one product."""
        if code and codes.get(code, 0) > 1:
            return None, None, self.env._("its internal reference %s is not unique", code)
        if code and by_code.get(code):
            # Xero's item codes are unique
            return by_code[code][0], self.env._("code"), None
        key = _name_key(product.name)
        found = by_name.get(key) or []
        if len(found) == 1 and names.get(key) == 1:
            return found[0], self.env._("name"), None
        return None, None, None

    def _xero_preview(self, plan):
        section = self._xero_section
        return "".join(
            [
                section(
                    self.env._("To link"),
                    [
                        f"{p.display_name} ↔ {i.get('Code')} {i.get('Name')} ({rule})"
                        for p, i, rule in plan["link"]
                    ],
                ),
                section(
                    self.env._("To create in Xero"),
                    [p.display_name for p in plan["create_xero"]],
                ),
                section(
                    self.env._("To create in Odoo"),
                    [f"{i.get('Code')} {i.get('Name')}" for i in plan["create_odoo"]],
                ),
                section(
                    self.env._("To fix first"),
                    [f"{product.display_name}: {why}" for product, why in plan["review"]],
                ),
            ]
        )

    def _xero_apply(self, plan):
        """Link the matches (merged with Xero's item by the connection's policy), create
        the new Xero items in Odoo, and queue the rest for Xero (where a product that
        cannot be sent shows why). Returns a summary."""
        connection_sudo = self.connection_id.sudo()
        model = self.env["product.product"].with_context(active_test=False)
        pairs = plan["link"]
        model._xero_link_write(
            connection_sudo,
            {p.id: {"xero_id": i["ItemID"].lower(), "state": "pending"} for p, i, _r in pairs},
        )
        links = model._xero_links(connection_sudo, ids=[p.id for p, _i, _r in pairs])
        pushes = []
        for product, item, _rule in pairs:
            _outcome, push = product._xero_merge_inbound(connection_sudo, links[product.id], item)
            if push:
                pushes.append(product.id)
        model.browse(pushes)._xero_enqueue_push(connection_sudo)
        for start in range(0, len(plan["create_odoo"]), PAGE_SIZE):
            chunk = plan["create_odoo"][start : start + PAGE_SIZE]
            model._xero_create_products(connection_sudo, chunk)
        # the products to fix go through the queue too: each shows what to fix
        queued = plan["create_xero"] + [p for p, _why in plan["review"]]
        model.browse([p.id for p in queued])._xero_enqueue_push(
            connection_sudo, priority=PRIORITY["push"]
        )
        # now that they are linked, the stock of the items is announced where it is low
        self.env["xero.item"].sudo().search(
            [("connection_id", "=", connection_sudo.id), ("tracked", "=", True)]
        )._xero_check_low_stock()
        return self.env._(
            "%(link)s linked, %(xero)s sent to Xero, %(odoo)s created in Odoo, %(review)s to "
            "fix first",
            link=len(pairs),
            xero=len(plan["create_xero"]),
            odoo=len(plan["create_odoo"]),
            review=len(plan["review"]),
        )


def _name_key(name):
    return (name or "").strip().lower()


def _index(items):
    by_code, by_name = {}, {}
    for item in items:
        by_code.setdefault((item.get("Code") or "").strip(), []).append(item)
        by_name.setdefault(_name_key(item.get("Name")), []).append(item)
    return by_code, by_name


def _counts(keys):
    counts = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return counts
