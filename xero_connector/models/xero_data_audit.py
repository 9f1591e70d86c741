from odoo import api, models
from odoo.fields import Command, Domain
from odoo.tools import SQL
from odoo.tools.mail import single_email_re

# Names compare without case, accents, punctuation or a legal form at their end:
# "ACME, Ltd." and "Acme Ltd" are both "acme". Dots and apostrophes vanish (S.A. is
# "sa", O'Brien "obrien"); any other run of signs or spaces is one space.
ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźżž"
PLAIN = "aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz"
LEGAL_FORMS = [
    "ltd",
    "limited",
    "llc",
    "llp",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "pty",
    "pte",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
]
# the legal forms are cut from the reversed name, where the expression is anchored
REVERSED_FORMS = [form[::-1] for form in LEGAL_FORMS]
CUT_FORMS = "^(?:(?:{}) )+".format("|".join(REVERSED_FORMS))


def name_words(column):
    """SQL: the name in ``column`` in lower case, without accents (translated only
    when it has any: translating is slow) or signs, its words one space apart."""
    return SQL(
        r"""btrim(regexp_replace(replace(replace(
            CASE WHEN octet_length(%(name)s) = length(%(name)s) THEN lower(%(name)s)
            ELSE translate(lower(%(name)s), %(accented)s, %(plain)s) END,
            '.', ''), '''', ''), '[^[:alnum:]]+', ' ', 'g'))""",
        name=column,
        accented=ACCENTED + ACCENTED.upper(),
        plain=PLAIN + PLAIN,
    )


def without_legal_form(words):
    """SQL: ``words`` (see name_words) without the legal forms at their end."""
    return SQL("reverse(regexp_replace(reverse(%s), %s, ''))", words, CUT_FORMS)


# A name as it compares, for any table aliased ``p`` with a ``name``
NAME_KEY = without_legal_form(name_words(SQL("p.name")))
# Each customer's values cleaned once (a regular expression is slow: each runs once a
# row, the one cutting legal forms only on names ending with one): e-mails as Odoo
# normalises them (lower case, without a name around them), names, tax numbers
# without spaces, dots or dashes in capitals, the digits of phones.
CLEANED = SQL(
    r"""SELECT p.id,
        COALESCE(p.email_normalized, lower(btrim(p.email))) AS email,
        %s AS name,
        upper(translate(p.vat, ' .-', '')) AS vat,
        regexp_replace(p.phone, '\D', '', 'g') AS phone
    FROM res_partner p""",
    name_words(SQL("p.name")),
)
# phones by their last 9 digits: "+44 20 7946 0018" is "020 7946 0018"
PHONE_DIGITS = 9
DUPLICATE_KEYS = {
    "email": SQL("c.email"),
    "name": SQL(
        "CASE WHEN split_part(reverse(c.name), ' ', 1) = ANY(%s) THEN %s ELSE c.name END",
        REVERSED_FORMS,
        without_legal_form(SQL("c.name")),
    ),
    "vat": SQL("c.vat"),
    "phone": SQL(
        "CASE WHEN length(c.phone) >= %s THEN right(c.phone, %s) END",
        PHONE_DIGITS,
        PHONE_DIGITS,
    ),
}
# Xero keeps 4 decimals of a unit price (unitdp=4, see tools/xero_money.py)
PRICE_DECIMALS = 4
# what each kind of problem lists: {kind: (model, method returning the problems)}
KINDS = {
    "duplicates": ("res.partner", "_xero_duplicate_groups"),
    "emails": ("res.partner", "_xero_customers_without_email"),
    "addresses": ("res.partner", "_xero_customers_without_address"),
    "positions": ("account.fiscal.position", "_xero_unmapped_positions"),
    "codes": ("product.product", "_xero_products_without_code"),
    "prices": ("product.product", "_xero_products_rounded_price"),
    "taxes": ("account.tax", "_xero_unmapped_taxes"),
}


class XeroDataAudit(models.AbstractModel):
    """What to clean before going live, counted live in the database: customers to
    merge, customers without a valid e-mail or an address Xero can print, products
    without an item code or with a price Xero would round, taxes and fiscal positions
    the sync could give no Xero tax rate, or only one a manager has not reviewed.

    Partners and products are counted by grouped SQL, so a hundred thousand partners
    take a fraction of a second; taxes and fiscal positions (a few dozen) are checked
    with the sync's own tax lookup. Nothing is stored: every call counts again.
    """

    _name = "xero.data.audit"
    _description = "Xero go-live data audit"

    # ------------------------------------------------------------------ business: the audit

    @api.model
    def _xero_audit(self, company, kinds):
        """{kind: how many problems} for ``company`` (a duplicate group is one)."""
        return {kind: len(self._xero_problems(company, kind)) for kind in kinds}

    @api.model
    def _xero_problems(self, company, kind):
        """The problems of one kind: ids of the records to fix, the groups of partners
        to merge for duplicates, {position id: [tax ids]} for fiscal positions."""
        return getattr(self, KINDS[kind][1])(company)

    @api.model
    def _xero_audit_action(self, company, kind):
        """The window opening exactly the records to fix of one kind."""
        problems = self._xero_problems(company, kind)
        if kind == "duplicates":
            return self._xero_merge_action(problems)
        if kind in ("taxes", "positions"):
            connection = company.sudo()._xero_connection()
            if connection:
                return self._xero_matrix_action(connection, kind, problems)
        titles = {
            "emails": self.env._("Customers without a valid e-mail"),
            "addresses": self.env._("Customers without a street, city or country"),
            "positions": self.env._("Fiscal positions without a Xero tax rate"),
            "codes": self.env._("Products without an internal reference"),
            "prices": self.env._("Products with a price Xero would round"),
            "taxes": self.env._("Taxes without a Xero tax rate"),
        }
        return {
            "type": "ir.actions.act_window",
            "name": titles[kind],
            "res_model": KINDS[kind][0],
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", list(problems))],
            "context": {"create": False},
            "target": "current",
        }

    @api.model
    def _xero_merge_action(self, groups):
        """Odoo's merge wizard, going through the groups one by one with each group's
        partners chosen. Odoo merges 3 partners at most: a bigger group is cut in
        parts of 3 or 2, whose survivors make a group of the next audit."""
        lines = [
            Command.create({"min_id": min(part), "aggr_ids": str(part)})
            for ids in groups
            for part in _parts(ids)
        ]
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {"state": "selection", "number_group": len(lines), "line_ids": lines}
        )
        return wizard._action_next_screen()

    @api.model
    def _xero_matrix_action(self, connection, kind, problems):
        """The tax matrix, on the lines to fix: the taxes without a Xero tax rate
        (customers without fiscal position), or what the fiscal positions turn taxes
        into without a Xero tax rate."""
        action = connection.action_open_tax_matrix()
        if kind == "taxes":
            lines = Domain("position_id", "=", False) & Domain("tax_id", "in", problems)
        else:
            lines = Domain.OR(
                Domain("position_id", "=", position_id) & Domain("tax_id", "in", tax_ids)
                for position_id, tax_ids in problems.items()
            )
        action["domain"] = list(Domain(action["domain"]) & lines)
        return action

    # ------------------------------------------------------------------ business: customers

    @api.model
    def _xero_customer_domain(self, company):
        """The partners going live sends to Xero for ``company``: its connection's
        scope (customers by default), active, of the company or shared, no contact
        persons, users or companies of Odoo."""
        partners = self.env["res.partner"].sudo()
        connection = company.sudo()._xero_connection()
        if connection:
            return partners._xero_sync_domain(connection)
        return (
            Domain(
                [
                    ("company_id", "in", [False, company.id]),
                    ("parent_id", "=", False),
                    ("user_ids", "=", False),
                    ("id", "not in", partners._xero_company_partners()),
                ]
            )
            & partners._xero_customer_domain()
        )

    @api.model
    def _xero_customer_query(self, company):
        partners = self.env["res.partner"].sudo()
        partners.flush_model(
            ["name", "email", "email_normalized", "vat", "phone", "street", "city", "country_id"]
        )
        return partners._search(self._xero_customer_domain(company))

    @api.model
    def _xero_duplicate_customers(self, company):
        """The customers of ``company`` that look like one customer, to merge before
        going live: [{"reason": "email"|"name"|"vat"|"phone", "key": the shared
        normalised value, "partner_ids": [ids]}], each group of two partners or more.

        E-mails compare as Odoo normalises them, names without case, accents,
        punctuation or a legal form at their end (Ltd, LLC, Inc, GmbH, SA, BV, Pty...),
        tax numbers without spaces, dots or dashes, phones by their last 9 digits.
        """
        scope = self._xero_customer_query(company)
        keys = SQL(", ").join(
            SQL("NULLIF(%s, '') AS %s", expression, SQL.identifier(reason))
            for reason, expression in DUPLICATE_KEYS.items()
        )
        # every (reason, key) of every customer, grouped once: a plain aggregate whatever
        # the planner knows of the rows (a semi-join on them can turn quadratic)
        pairs = SQL(" UNION ALL ").join(
            SQL(
                "SELECT %s AS reason, k.%s AS key, k.id FROM keyed k WHERE k.%s IS NOT NULL",
                reason,
                SQL.identifier(reason),
                SQL.identifier(reason),
            )
            for reason in DUPLICATE_KEYS
        )
        rows = self.env.execute_query(
            SQL(
                """WITH cleaned AS MATERIALIZED (%s WHERE p.id IN %s),
                keyed AS MATERIALIZED (SELECT c.id, %s FROM cleaned c)
                SELECT reason, key, array_agg(id ORDER BY id) FROM (%s) pairs
                GROUP BY reason, key HAVING count(*) > 1 ORDER BY 1, 2""",
                CLEANED,
                scope.subselect(),
                keys,
                pairs,
            )
        )
        return [{"reason": reason, "key": key, "partner_ids": ids} for reason, key, ids in rows]

    @api.model
    def _xero_duplicate_groups(self, company):
        """The duplicate customers as merges to do: the groups sharing a partner are
        one group ("Acme Ltd" and "ACME, Ltd." with the same e-mail are one merge)."""
        return _joined(g["partner_ids"] for g in self._xero_duplicate_customers(company))

    @api.model
    def _xero_customers_without_email(self, company):
        """Customers whose e-mail is empty or not one address by Odoo's check
        (``single_email_re``): Xero refuses such an e-mail and sends no invoice."""
        return self._xero_customer_ids(
            company,
            SQL(
                "COALESCE(trim(p.email), '') !~ %s",
                single_email_re.pattern,
            ),
        )

    @api.model
    def _xero_customers_without_address(self, company):
        """Customers without the postal address an invoice from Xero is sent to: a
        street, a city and a country (a postcode is not asked: not every country has
        them)."""
        return self._xero_customer_ids(
            company,
            SQL(
                """COALESCE(trim(p.street), '') = '' OR COALESCE(trim(p.city), '') = ''
                OR p.country_id IS NULL"""
            ),
        )

    @api.model
    def _xero_customer_ids(self, company, condition):
        scope = self._xero_customer_query(company)
        rows = self.env.execute_query(
            SQL(
                "SELECT p.id FROM res_partner p WHERE p.id IN %s AND (%s) ORDER BY p.id",
                scope.subselect(),
                condition,
            )
        )
        return [row[0] for row in rows]

    # ------------------------------------------------------------------ business: products

    @api.model
    def _xero_product_query(self, company):
        products = self.env["product.product"].sudo()
        products.flush_model(["default_code", "product_template_attribute_value_ids"])
        self.env["product.template"].flush_model(["list_price", "sale_ok"])
        self.env["product.template.attribute.value"].flush_model(["price_extra"])
        connection = company.sudo()._xero_connection()
        if connection:
            return products._search(products._xero_sync_domain(connection))
        return products._search(
            [
                ("company_id", "in", [False, company.id]),
                "|",
                ("sale_ok", "=", True),
                ("purchase_ok", "=", True),
            ]
        )

    @api.model
    def _xero_products_without_code(self, company):
        """Products that sync without an internal reference, which is Xero's item code."""
        rows = self.env.execute_query(
            SQL(
                """SELECT pp.id FROM product_product pp
                WHERE pp.id IN %s AND COALESCE(trim(pp.default_code), '') = ''
                ORDER BY pp.id""",
                self._xero_product_query(company).subselect(),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _xero_products_rounded_price(self, company):
        """Products sold whose sales price (the template's, or a variant's extra) has
        more decimals than the 4 Xero keeps of a unit price: Xero would round it."""
        rows = self.env.execute_query(
            SQL(
                """SELECT pp.id FROM product_product pp
                JOIN product_template pt ON pt.id = pp.product_tmpl_id
                WHERE pp.id IN %(scope)s AND pt.sale_ok AND (
                    pt.list_price <> round(pt.list_price, %(places)s)
                    OR EXISTS (
                        SELECT FROM product_variant_combination c
                        JOIN product_template_attribute_value v
                            ON v.id = c.product_template_attribute_value_id
                        WHERE c.product_product_id = pp.id
                        AND v.price_extra <> round(v.price_extra, %(places)s)))
                ORDER BY pp.id""",
                scope=self._xero_product_query(company).subselect(),
                places=PRICE_DECIMALS,
            )
        )
        return [row[0] for row in rows]

    # ------------------------------------------------------------------ business: taxes

    @api.model
    def _xero_used_sale_taxes(self, company):
        """The sales taxes of ``company`` on an active product or on a line of one of
        its sales orders not cancelled."""
        taxes = self.env["account.tax"].sudo()
        on_products = self.env["product.template"]._fields["taxes_id"]
        on_lines = self.env["sale.order.line"]._fields["tax_ids"]
        self.env["product.template"].flush_model(["taxes_id", "active"])
        self.env["sale.order.line"].flush_model(["tax_ids", "state", "company_id"])
        scope = taxes._search(
            [("type_tax_use", "=", "sale"), *taxes._check_company_domain(company)]
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT t.id FROM account_tax t WHERE t.id IN %(scope)s AND (
                    EXISTS (SELECT FROM %(products)s r JOIN product_template pt
                        ON pt.id = r.%(product)s WHERE r.%(product_tax)s = t.id AND pt.active)
                    OR EXISTS (SELECT FROM %(lines)s r JOIN sale_order_line l
                        ON l.id = r.%(line)s WHERE r.%(line_tax)s = t.id
                        AND l.company_id = %(company)s AND l.state != 'cancel'))
                ORDER BY t.sequence, t.id""",
                scope=scope.subselect(),
                products=SQL.identifier(on_products.relation),
                product=SQL.identifier(on_products.column1),
                product_tax=SQL.identifier(on_products.column2),
                lines=SQL.identifier(on_lines.relation),
                line=SQL.identifier(on_lines.column1),
                line_tax=SQL.identifier(on_lines.column2),
                company=company.id,
            )
        )
        return taxes.browse(row[0] for row in rows)

    @api.model
    def _xero_no_rate(self, connection, taxes):
        """Whether the sync would find no Xero tax rate for a line with ``taxes``, or
        only a proposal of the connector that no manager has reviewed."""
        if not connection:
            return True
        maps = self.env["xero.tax.map"].sudo()
        _rate, problem = maps._xero_lookup(connection, taxes)
        return bool(problem) or bool(
            maps.search_count(
                [
                    ("connection_id", "=", connection.id),
                    ("tax_key", "=", maps._xero_key(taxes)),
                    ("proposed", "=", True),
                ],
                limit=1,
            )
        )

    @api.model
    def _xero_unmapped_taxes(self, company):
        """The sales taxes in use that the sync could give no Xero tax rate, or only a
        proposed one (the tax map lists it to review)."""
        connection = company.sudo()._xero_connection()
        used = self._xero_used_sale_taxes(company)
        return [tax.id for tax in used if self._xero_no_rate(connection, tax)]

    @api.model
    def _xero_unmapped_positions(self, company):
        """{fiscal position id: [tax ids]}: the fiscal positions of ``company`` that turn
        a sales tax in use into taxes the sync could give no Xero tax rate."""
        connection = company.sudo()._xero_connection()
        used = self._xero_used_sale_taxes(company)
        positions = self.env["account.fiscal.position"].sudo()
        found = {}
        for position in positions.search(positions._check_company_domain(company)):
            for tax in used:
                mapped = position.map_tax(tax)
                if mapped != tax and self._xero_no_rate(connection, mapped):
                    found.setdefault(position.id, []).append(tax.id)
        return found


def _parts(ids):
    """``ids`` cut in parts of 3 or 2, as Odoo merges 3 partners at most."""
    parts = []
    while ids:
        size = 2 if len(ids) in (2, 4) else 3
        parts.append(ids[:size])
        ids = ids[size:]
    return parts


def _joined(groups):
    """Groups of ids joined where they share an id, each sorted, smallest first."""
    parent = {}

    def root(key):
        parent.setdefault(key, key)
        while parent[key] != key:
            key = parent[key]
        return key

    for ids in groups:
        for other in ids[1:]:
            first, second = root(ids[0]), root(other)
            if first != second:
                parent[max(first, second)] = min(first, second)
    joined = {}
    for key in sorted(parent):
        joined.setdefault(root(key), []).append(key)
    return sorted(joined.values())
