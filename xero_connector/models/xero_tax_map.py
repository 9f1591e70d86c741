from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command

from ..const import GROUP_MANAGER
from ..exceptions import XeroError
from ..tools import tax_mapping as tm

LOOKUPS = "xero_connector.tax_lookups"  # the transaction's answers of _xero_lookup


class XeroTaxMap(models.Model):
    """Which Xero tax type a sales line with these Odoo taxes carries.

    A row maps one Odoo tax, or the several taxes one line carries (groups are
    their taxes), to one Xero TaxType of the same effective rate. Percentages only:
    a fixed-amount tax is no Xero tax rate and goes on an invoice line of its own.
    Rows are proposed by rate (and by name where Xero has several rates of it) and
    reviewed by a manager; a row whose rates differ is refused.
    """

    _name = "xero.tax.map"
    _description = "Xero tax map"
    _order = "connection_id, odoo_rate, name"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.company._xero_connection(),
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    tax_ids = fields.Many2many(
        "account.tax",
        "xero_tax_map_tax_rel",
        "map_id",
        "tax_id",
        "Odoo taxes",
        required=True,
        domain="[('type_tax_use', '=', 'sale'), ('company_id', '=', company_id)]",
    )
    tax_key = fields.Char(compute="_compute_tax_key", store=True, index=True)
    name = fields.Char("Taxes", compute="_compute_tax_key", store=True)
    odoo_rate = fields.Float(
        "Odoo rate (%)", digits=(16, 4), compute="_compute_tax_key", store=True
    )
    fixed_text = fields.Char("Fixed amounts", compute="_compute_tax_key", store=True)
    price_include = fields.Boolean(
        "Price includes tax",
        compute="_compute_tax_key",
        store=True,
        help="Lines with these taxes go to Xero as Inclusive amounts.",
    )
    xero_tax_rate_id = fields.Many2one(
        "xero.tax.rate",
        "Xero tax rate",
        ondelete="restrict",
        domain="[('connection_id', '=', connection_id), ('status', '=', 'ACTIVE'), "
        "('can_apply_revenue', '=', True)]",
    )
    xero_rate = fields.Float(
        "Xero rate (%)", related="xero_tax_rate_id.effective_rate", digits=(16, 4)
    )
    proposed = fields.Boolean(
        readonly=True, help="Proposed by the connector; a manager has not chosen it."
    )
    state = fields.Selection(
        [
            ("mapped", "Mapped"),
            ("proposed", "To review"),
            ("missing", "No Xero tax rate"),
            ("fixed", "Fixed amount only"),
        ],
        compute="_compute_state",
        store=True,
    )
    note = fields.Char(readonly=True)

    # ------------------------------------------------------------------ constraints

    _key_uniq = models.UniqueIndex(
        "(connection_id, tax_key)", "These taxes already have a row in the tax map."
    )

    @api.constrains("xero_tax_rate_id", "tax_ids")
    def _check_xero_rate(self):
        for row in self.filtered("xero_tax_rate_id"):
            problem = row._xero_rate_problem(row.xero_tax_rate_id)
            if problem:
                raise ValidationError(problem)

    # ------------------------------------------------------------------ compute

    @api.depends(
        "tax_ids.amount",
        "tax_ids.amount_type",
        "tax_ids.include_base_amount",
        "tax_ids.price_include",
        "tax_ids.children_tax_ids",
        "tax_ids.name",
    )
    def _compute_tax_key(self):
        for row in self:
            info = self._xero_tax_info(row.tax_ids)
            row.tax_key = self._xero_key(row.tax_ids)
            row.name = " + ".join(row.tax_ids.sorted(lambda t: (t.sequence, t.id)).mapped("name"))
            row.odoo_rate = info["rate"]
            row.fixed_text = ", ".join(f"{t.name} ({t.amount:g})" for t in info["fixed"]) or False
            row.price_include = info["price_include"]

    @api.depends("xero_tax_rate_id", "proposed", "fixed_text", "odoo_rate", "tax_ids")
    def _compute_state(self):
        for row in self:
            only_fixed = row.fixed_text and not self._xero_tax_info(row.tax_ids)["percent"]
            if only_fixed:
                row.state = "fixed"
            elif not row.xero_tax_rate_id:
                row.state = "missing"
            else:
                row.state = "proposed" if row.proposed else "mapped"

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        self.env.cr.cache.pop(LOOKUPS, None)
        return super().create(vals_list)

    def write(self, vals):
        self.env.cr.cache.pop(LOOKUPS, None)
        if "xero_tax_rate_id" in vals and "proposed" not in vals:
            # a manager's choice is no longer a proposal
            vals = dict(vals, proposed=False, note=False)
        return super().write(vals)

    # ------------------------------------------------------------------ actions

    def action_confirm(self):
        """Accept the proposed Xero tax rates."""
        self._check_manager()
        self.filtered(lambda r: r.proposed and r.xero_tax_rate_id).write({"proposed": False})
        return True

    def action_create_in_xero(self):
        """Create in Xero the tax rate these taxes need (one component per percentage
        tax, compound after a tax that affects the base of the next), and map to it."""
        self._check_manager()
        for row in self:
            row._xero_create_rate()
        return True

    # ------------------------------------------------------------------ business: rates

    @api.model
    def _xero_key(self, taxes):
        return ",".join(str(i) for i in sorted(taxes.ids))

    @api.model
    def _xero_tax_info(self, taxes):
        """What Xero can hold of a line's taxes: the percentage taxes as components
        (groups flattened, in Odoo's order), their effective rate, the fixed-amount
        taxes apart, and whether prices include tax."""
        flat = taxes.flatten_taxes_hierarchy().sorted(lambda t: (t.sequence, t.id))
        percent, fixed = [], flat.filtered(lambda t: t.amount_type == "fixed")
        for tax in flat - fixed:
            rate = tax.amount
            if tax.amount_type == "division" and rate < 100:
                # a share of the price with tax: as a rate on the price without it
                rate = rate * 100 / (100 - rate)
            percent.append(
                {"name": tax.name, "rate": rate, "affects_base": tax.include_base_amount}
            )
        components = tm.components_of(percent)
        return {
            "percent": percent,
            "components": components,
            "rate": tm.xero_rate(components),
            "fixed": fixed,
            "price_include": any(flat.mapped("price_include")),
        }

    def _xero_rate_problem(self, rate):
        """Why ``rate`` cannot carry this row's taxes, in plain words, or None."""
        self.ensure_one()
        if rate.connection_id != self.connection_id:
            return self.env._("The Xero tax rate belongs to another organisation.")
        if rate.status != "ACTIVE":
            return self.env._(
                "The Xero tax rate %(rate)s is %(status)s in Xero: choose an active one.",
                rate=rate.display_name,
                status=rate.status.lower(),
            )
        if not rate.can_apply_revenue:
            return self.env._(
                "Xero does not allow the tax rate %(rate)s on sales (revenue accounts).",
                rate=rate.display_name,
            )
        info = self._xero_tax_info(self.tax_ids)
        if not info["percent"]:
            return self.env._(
                "%(taxes)s are fixed amounts: Xero tax rates are percentages, so a fixed "
                "amount goes to Xero as a line of its own, not as a tax rate.",
                taxes=self.name,
            )
        if not tm.same_rate(info["rate"], rate.effective_rate):
            return self.env._(
                "%(taxes)s is %(odoo).4g%% in Odoo, but the Xero tax rate %(name)s "
                "(%(type)s) is %(xero).4g%%: choose a Xero tax rate of %(odoo).4g%%, or "
                "create one in Xero.",
                taxes=self.name,
                odoo=info["rate"],
                name=rate.name,
                type=rate.xero_key,
                xero=rate.effective_rate,
            )
        default = self.connection_id.sales_account_id
        if default and not rate._xero_allowed_on(default):
            return default._xero_sales_problem(rate)
        return None

    # ------------------------------------------------------------------ business: proposals

    @api.model
    def _xero_ensure(self, connection, tax_sets):
        """The rows of these tax sets (made where missing, with a proposal): {key: row}."""
        rows = self.search([("connection_id", "=", connection.id)])
        by_key = {row.tax_key: row for row in rows}
        new = {}
        for taxes in tax_sets:
            key = self._xero_key(taxes)
            if taxes and key not in by_key and key not in new:
                new[key] = {"connection_id": connection.id, "tax_ids": [Command.set(taxes.ids)]}
        if new:
            created = self.create(list(new.values()))
            created._xero_propose()
            by_key |= {row.tax_key: row for row in created}
        return by_key

    @api.model
    def _xero_propose_all(self, connection):
        """A row, with a proposal, for every sales tax of the company, every set of
        taxes a product carries and every set a fiscal position turns them into."""
        company = connection.company_id
        taxes = self.env["account.tax"].search(
            [("type_tax_use", "=", "sale"), *self.env["account.tax"]._check_company_domain(company)]
        )
        products = (
            self.env["product.template"].with_company(company).search([("taxes_id", "!=", False)])
        )
        sets = [*taxes, *{p.taxes_id._filter_taxes_by_company(company) for p in products}]
        positions = self.env["account.fiscal.position"].search(
            self.env["account.fiscal.position"]._check_company_domain(company)
        )
        for position in positions:
            sets.extend(position.map_tax(taxes_set) for taxes_set in list(sets))
        rows = self._xero_ensure(connection, [s for s in sets if s])
        unmapped = self.browse([row.id for row in rows.values() if not row.xero_tax_rate_id])
        unmapped._xero_propose()
        return rows

    def _xero_propose(self):
        """Propose a Xero tax rate for each row without one, by rate, then by name."""
        for connection, rows in self.grouped("connection_id").items():
            rates = self.env["xero.tax.rate"].search(
                [
                    ("connection_id", "=", connection.id),
                    ("status", "=", "ACTIVE"),
                    ("can_apply_revenue", "=", True),
                ]
            )
            candidates = [{"key": r.id, "name": r.name, "rate": r.effective_rate} for r in rates]
            for row in rows.filtered(lambda r: not r.xero_tax_rate_id):
                row.write(row._xero_proposal(candidates))

    def _xero_proposal(self, candidates):
        info = self._xero_tax_info(self.tax_ids)
        if not info["percent"]:
            return {"note": self.env._("A fixed amount goes to Xero as a line of its own.")}
        found, why = tm.propose(info["rate"], self.name, candidates)
        if found:
            reason = {
                "rate": self.env._("The only Xero tax rate of %.4g%%.", info["rate"]),
                "name": self.env._("Same rate, closest name."),
            }[why]
            return {"xero_tax_rate_id": found["key"], "proposed": True, "note": reason}
        if why == "tie":
            return {
                "note": self.env._("Several Xero tax rates are %.4g%%: choose one.", info["rate"])
            }
        return {
            "note": self.env._(
                "Xero has no tax rate of %.4g%%: create it in Xero (button) or choose one.",
                info["rate"],
            )
        }

    # ------------------------------------------------------------------ business: creating in Xero

    def _xero_create_rate(self):
        self.ensure_one()
        info = self._xero_tax_info(self.tax_ids)
        if not info["percent"]:
            raise UserError(self._xero_rate_problem(self.env["xero.tax.rate"]) or "")
        connection = self.connection_id
        body = {
            "TaxRates": [
                {
                    "Name": self.name[:50],
                    "TaxComponents": info["components"],
                    # sales tax: required when creating in AU, NZ and UK organisations
                    "ReportTaxType": "OUTPUT",
                }
            ]
        }
        try:
            answer = connection._xero_call_json(
                "create_tax_rates",
                body,
                purpose="push",
                log={"direction": "out", "message": self.env._("Tax rate for %s", self.name)},
            )
        except XeroError as error:
            raise UserError(
                self.env._(
                    "Xero did not create the tax rate for %(taxes)s: %(error)s",
                    taxes=self.name,
                    error=error.message,
                )
            ) from None
        created = (answer.get("TaxRates") or [{}])[0]
        rates = self.env["xero.tax.rate"].sudo()
        rates._xero_store(connection, [created], complete=False)
        rate = rates.search(
            [("connection_id", "=", connection.id), ("xero_key", "=", created.get("TaxType"))]
        )
        self.write({"xero_tax_rate_id": rate.id, "proposed": False, "note": False})

    # ------------------------------------------------------------------ business: lookups

    @api.model
    def _xero_lookup(self, connection, taxes):
        """The Xero tax rate a sales line with ``taxes`` carries: (rate, problem). No tax:
        the connection's no-tax rate. The fixed-amount taxes are left out. Answered once
        per transaction and set of taxes (a change of the map forgets the answers)."""
        cache = self.env.cr.cache.setdefault(LOOKUPS, {})
        key = (connection.id, connection.no_tax_rate_id.id, self._xero_key(taxes))
        if key not in cache:
            rate, problem = self._xero_find(connection, taxes)
            cache[key] = (rate.id, problem)
        rate_id, problem = cache[key]
        return self.env["xero.tax.rate"].browse(rate_id), problem

    @api.model
    def _xero_find(self, connection, taxes):
        info = self._xero_tax_info(taxes)
        percent = taxes.flatten_taxes_hierarchy().filtered(lambda t: t.amount_type != "fixed")
        if not info["percent"]:
            rate = connection.no_tax_rate_id
            if rate:
                return rate, None
            return rate, self.env._(
                "Lines without tax need a Xero tax rate: choose the zero-rated or no-tax rate "
                "in Settings > Xero > Taxes."
            )
        key = self._xero_key(taxes if percent == taxes else percent)
        row = self.search(
            [
                ("connection_id", "=", connection.id),
                ("tax_key", "in", [key, self._xero_key(taxes)]),
            ],
            limit=1,
        )
        if row.xero_tax_rate_id:
            return row.xero_tax_rate_id, None
        return self.env["xero.tax.rate"], self.env._(
            "The tax %(taxes)s has no Xero tax rate yet: map it in Xero > Configuration > Tax map.",
            taxes=" + ".join(taxes.mapped("name")),
        )

    def _check_manager(self):
        if not self.env.user.has_group(GROUP_MANAGER):
            raise UserError(self.env._("Only Xero managers can change the tax map."))
        self.check_access("write")
