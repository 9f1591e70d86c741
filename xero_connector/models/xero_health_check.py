from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from ..const import GROUP_MANAGER
from ..exceptions import XeroError
from ..tools.sync_rules import xero_datetime
from .xero_data_audit import name_words, without_legal_form
from .xero_order_document import PRIVATE_KEYS
from .xero_sync_base import LIVE_STATES

_lt = LazyTranslate(__name__)

# what a check looks at; each kind has its count on the check (``<kind>_count``)
KINDS = [
    ("failed", "Failed syncs"),
    ("duplicate_odoo", "Duplicates in Odoo"),
    ("duplicate_xero", "Duplicates in Xero"),
    ("unlinked", "Not in Xero"),
    ("spot_check", "Spot check"),
    ("drift", "Changed since synced"),
    ("token", "Authorisation"),
    ("webhook", "Webhooks"),
    ("budget", "Calls"),
]
DUPLICATE_REASONS = {
    "email": _lt("same e-mail"),
    "name": _lt("same name"),
    "vat": _lt("same tax ID"),
    "phone": _lt("same phone"),
}
# invoices of orders compared with Xero each time, in one call
SPOT_CHECK_SIZE = 3
# Xero's refresh token expires 60 days after it was issued (each renewal issues a new
# one, with an access token of 30 minutes): flagged this many days before (system
# parameter xero_connector.health_token_days)
REFRESH_TOKEN_DAYS = 60
ACCESS_TOKEN_SECONDS = 1800
TOKEN_WARNING_DAYS = 14
# Xero retries a failed delivery for 24 hours, then disables the webhook: Xero's changes
# that long after the last delivery mean deliveries stopped
WEBHOOK_SILENT_HOURS = 24
# the calls of the last days are looked at; a single hour spending this share of the
# day's budget, or a day spending this share of it, is a finding (percent)
CALLS_DAYS = 30
BUSY_HOUR_SHARE = 20
BUSY_DAY_SHARE = 80
# records a finding lists (its count is exact)
KEPT_IDS = 1000
# Python's str.strip(), in SQL
BLANKS = " \t\n\r\x0b\x0c"
# a Xero contact's name as the customers' duplicates compare it (xero.data.audit)
XERO_NAME_KEY = without_legal_form(name_words(SQL("c.name")))


class XeroHealthCheck(models.Model):
    """The monthly health check of one organisation's sync, kept so months compare.

    It counts what needs a person: failed syncs, customers that look like one,
    records in the sync scope Xero does not have, records changed since both sides
    last agreed, an authorisation about to lapse, webhooks that stopped, a busy hour
    eating the day's calls; and it reads three invoices of orders fresh from Xero (its
    only call) to compare them field by field with their orders. Everything else is
    grouped SQL over Odoo's own tables. Each finding opens where it is fixed.
    """

    _name = "xero.health.check"
    _description = "Xero health check"
    _order = "date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    trigger = fields.Selection(
        [("cron", "Monthly"), ("manual", "On demand")],
        required=True,
        default="manual",
        readonly=True,
    )
    finding_ids = fields.One2many("xero.health.finding", "check_id", "Findings", readonly=True)
    finding_count = fields.Integer("Number of findings", compute="_compute_counts", store=True)
    failed_count = fields.Integer("Failed syncs", compute="_compute_counts", store=True)
    duplicate_odoo_count = fields.Integer(
        "Duplicates in Odoo", compute="_compute_counts", store=True
    )
    duplicate_xero_count = fields.Integer(
        "Duplicates in Xero", compute="_compute_counts", store=True
    )
    unlinked_count = fields.Integer("Not in Xero", compute="_compute_counts", store=True)
    spot_check_count = fields.Integer(
        "Spot check differences", compute="_compute_counts", store=True
    )
    drift_count = fields.Integer("Changed since synced", compute="_compute_counts", store=True)
    token_count = fields.Integer("Authorisation", compute="_compute_counts", store=True)
    webhook_count = fields.Integer("Webhooks", compute="_compute_counts", store=True)
    budget_count = fields.Integer("Calls", compute="_compute_counts", store=True)
    spot_invoice_ids = fields.Many2many(
        "xero.order.invoice",
        string="Invoices compared",
        readonly=True,
        help="The invoices of orders read from Xero and compared field by field.",
    )
    busiest_hour = fields.Datetime("Busiest hour", readonly=True)
    busiest_hour_calls = fields.Integer("Calls in the busiest hour", readonly=True)
    busiest_day_calls = fields.Integer("Calls on the busiest day", readonly=True)
    day_limit = fields.Integer("Calls allowed a day", readonly=True)
    manager_partner_ids = fields.Many2many(
        "res.partner", string="Sent to", compute="_compute_manager_partner_ids"
    )

    # ------------------------------------------------------------------ compute

    @api.depends("finding_ids.kind", "finding_ids.count")
    def _compute_counts(self):
        for check in self:
            totals = dict.fromkeys((kind for kind, _label in KINDS), 0)
            for finding in check.finding_ids:
                totals[finding.kind] += finding.count
            check.finding_count = len(check.finding_ids)
            for kind, total in totals.items():
                check[f"{kind}_count"] = total

    @api.depends("company_id")
    def _compute_manager_partner_ids(self):
        """The Xero managers of the check's company, who get it by e-mail."""
        managers = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("all_group_ids", "in", self.env.ref(GROUP_MANAGER).ids),
                    ("share", "=", False),
                    ("company_ids", "in", self.company_id.ids),
                    ("email", "!=", False),
                ]
            )
        )
        for check in self:
            check.manager_partner_ids = managers.filtered(
                lambda user, check=check: check.company_id in user.company_ids
            ).partner_id

    @api.depends("connection_id.name", "date")
    def _compute_display_name(self):
        for check in self:
            check.display_name = self.env._(
                "Health check of %(connection)s, %(date)s",
                connection=check.connection_id.name or "",
                date=check.date or "",
            )

    # ------------------------------------------------------------------ actions

    def action_xero_send(self):
        """E-mail this check to the company's Xero managers."""
        self.ensure_one()
        self.env["xero.connection"]._check_xero_manager()
        self._xero_send()
        return True

    # ------------------------------------------------------------------ business: running

    @api.model
    def _cron_xero_health_check(self):
        """Cron (the first of each month): a check of every live organisation, e-mailed to
        its Xero managers; one per organisation and month, even when the run is resumed."""
        cron = self.env["ir.cron"]
        today = fields.Date.context_today(self)
        connections = self.env["xero.connection"].sudo().search([("state", "in", LIVE_STATES)])
        done = (
            self.sudo()
            .search([("trigger", "=", "cron"), ("date", ">=", today.replace(day=1))])
            .connection_id
        )
        todo = connections - done
        cron._commit_progress(remaining=len(todo))
        for connection in todo:
            self._xero_run(connection, "cron")._xero_send()
            if not cron._commit_progress(1):
                break

    @api.model
    def _xero_run(self, connection, trigger="manual"):
        """Check ``connection`` now: the new check, its findings made."""
        connection = connection.sudo()
        now = fields.Datetime.now()
        findings = [
            *self._xero_failed_syncs(connection, now),
            *self._xero_duplicates_in_odoo(connection),
            *self._xero_duplicates_in_xero(connection),
            *self._xero_not_in_xero(connection, now),
            *self._xero_drift(connection, now),
        ]
        # the one call to Xero, then what it may have changed (a renewed token)
        spot, invoices = self._xero_spot_check(connection)
        findings += spot
        findings += self._xero_authorisation(connection, now)
        findings += self._xero_webhooks(connection, now)
        calls, calls_findings = self._xero_calls(connection, now)
        currency = connection.company_id.currency_id
        return self.sudo().create(
            {
                "connection_id": connection.id,
                "trigger": trigger,
                "spot_invoice_ids": [Command.set(invoices.ids)],
                "finding_ids": [
                    Command.create({"currency_id": currency.id} | finding)
                    for finding in findings + calls_findings
                ],
                **calls,
            }
        )

    def _xero_send(self):
        """E-mail the checks to their companies' Xero managers (the mail queue sends it)."""
        template = self.env.ref("xero_connector.mail_template_xero_health_check")
        for check in self.filtered("manager_partner_ids"):
            template.sudo().send_mail(check.id)

    # ------------------------------------------------------------------ business: the queue

    @api.model
    def _xero_failed_syncs(self, connection, now):
        """Failed jobs by reason, with the age of the oldest."""
        jobs = self.env["xero.sync.job"].sudo()
        reasons = dict(jobs._fields["failure_type"]._description_selection(self.env))
        groups = jobs._read_group(
            [("connection_id", "=", connection.id), ("state", "=", "error")],
            ["failure_type"],
            ["__count", "create_date:min"],
        )
        return [
            {
                "kind": "failed",
                "key": failure or False,
                "reason": reasons.get(failure) or self.env._("Other"),
                "name": self.env._(
                    "%(count)s failed to sync: %(reason)s",
                    count=count,
                    reason=reasons.get(failure) or self.env._("other reasons"),
                ),
                "count": count,
                "since": oldest,
                "age_days": (now - oldest).days if oldest else 0,
                "res_model": "xero.sync.job",
            }
            for failure, count, oldest in groups
        ]

    # ------------------------------------------------------------------ business: duplicates

    @api.model
    def _xero_duplicates_in_odoo(self, connection):
        """Customers that look like one (``xero.data.audit``); a group found for several
        reasons is one finding."""
        groups = self.env["xero.data.audit"]._xero_duplicate_customers(connection.company_id)
        merged = {}
        for group in groups:
            ids = tuple(sorted(group["partner_ids"]))
            merged.setdefault(ids, []).append((group["reason"], group["key"]))
        all_ids = {pid for ids in merged for pid in ids}
        partners = self.env["res.partner"].sudo().with_context(active_test=False)
        names = {p.id: p.display_name for p in partners.browse(sorted(all_ids))}
        return [
            self._xero_duplicate_finding(
                "duplicate_odoo",
                "res.partner",
                ids,
                found,
                lambda reasons, ids=ids: self.env._(
                    "%(names)s look like one customer (%(reasons)s)",
                    names=", ".join(names.get(pid, str(pid)) for pid in ids),
                    reasons=reasons,
                ),
            )
            for ids, found in merged.items()
        ]

    @api.model
    def _xero_duplicates_in_xero(self, connection):
        """Active Xero contacts sharing an e-mail or a name (``XERO_NAME_KEY``), from
        Odoo's copy of the organisation's contacts."""
        self.env["xero.contact"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """WITH keyed AS (
                    SELECT c.id, c.name, c.email, NULLIF(%s, '') AS name_key
                      FROM xero_contact c
                     WHERE c.connection_id = %s AND c.archived IS NOT TRUE)
                SELECT 'email', email, array_agg(id ORDER BY id), array_agg(name ORDER BY id)
                  FROM keyed WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1
                UNION ALL
                SELECT 'name', name_key, array_agg(id ORDER BY id), array_agg(name ORDER BY id)
                  FROM keyed WHERE name_key IS NOT NULL GROUP BY name_key HAVING count(*) > 1
                ORDER BY 1, 2""",
                XERO_NAME_KEY,
                connection.id,
            )
        )
        merged = {}
        for reason, key, ids, names in rows:
            merged.setdefault(tuple(ids), (names, []))[1].append((reason, key))
        return [
            self._xero_duplicate_finding(
                "duplicate_xero",
                "xero.contact",
                ids,
                found,
                lambda reasons, names=names: self.env._(
                    "%(names)s in Xero look like one contact (%(reasons)s)",
                    names=", ".join(name or "?" for name in names),
                    reasons=reasons,
                ),
            )
            for ids, (names, found) in merged.items()
        ]

    @api.model
    def _xero_duplicate_finding(self, kind, model, ids, found, describe):
        """The finding of records of ``model`` that look like one, for the reasons
        ``found`` ([(reason, shared value)]); ``describe(reasons)`` names them."""
        reasons = self._xero_reasons(found)
        return {
            "kind": kind,
            "key": " / ".join(key for _reason, key in found),
            "reason": reasons,
            "name": describe(reasons),
            "count": len(ids),
            "res_model": model,
            "res_ids": list(ids),
        }

    @api.model
    def _xero_reasons(self, found):
        """ "same tax ID, same phone" of [(reason, shared value)]."""
        order = list(DUPLICATE_REASONS)
        reasons = sorted(
            {reason for reason, _key in found},
            key=lambda reason: order.index(reason) if reason in order else len(order),
        )
        return ", ".join(
            self.env._(DUPLICATE_REASONS[reason]) if reason in DUPLICATE_REASONS else reason
            for reason in reasons
        )

    # ------------------------------------------------------------------ business: scope

    @api.model
    def _xero_not_in_xero(self, connection, now):
        """Customers and products in the sync scope with no Xero object, that nothing is
        trying to send (no job waiting or failed: those are the queue's)."""
        findings = []
        for model_name in ("res.partner", "product.product"):
            records = self.env[model_name].sudo()
            if not records._xero_enabled(connection):
                continue
            where = [("connection_id", "=", connection.id), ("res_model", "=", model_name)]
            linked = (
                self.env["xero.link"]
                .sudo()
                ._search([*where, "|", ("xero_id", "!=", False), ("state", "=", "excluded")])
            )
            busy = (
                self.env["xero.sync.job"]
                .sudo()
                ._search(
                    [
                        *where,
                        ("direction", "=", "out"),
                        ("res_id", "!=", False),
                        ("state", "in", ("pending", "processing", "error")),
                    ]
                )
            )
            query = records._search(
                records._xero_sync_domain(connection)
                & Domain("id", "not in", linked.subselect("res_id"))
                & Domain("id", "not in", busy.subselect("res_id"))
            )
            [(count, oldest, ids)] = self.env.execute_query(
                SQL(
                    """SELECT count(*), min(create_date), (array_agg(id ORDER BY id))[1:%s]
                         FROM %s WHERE id IN %s""",
                    KEPT_IDS,
                    SQL.identifier(records._table),
                    query.subselect(),
                )
            )
            if not count:
                continue
            findings.append(
                {
                    "kind": "unlinked",
                    "key": model_name,
                    "reason": records._xero_noun(2).capitalize(),
                    "name": self.env._(
                        "%(count)s %(noun)s in the sync scope is not in Xero",
                        count=count,
                        noun=records._xero_noun(count),
                    )
                    if count == 1
                    else self.env._(
                        "%(count)s %(noun)s in the sync scope are not in Xero",
                        count=count,
                        noun=records._xero_noun(count),
                    ),
                    "count": count,
                    "since": oldest,
                    "age_days": (now - oldest).days if oldest else 0,
                    "res_model": model_name,
                    "res_ids": ids,
                }
            )
        return findings

    # ------------------------------------------------------------------ business: drift

    @api.model
    def _xero_drift(self, connection, now):
        """Linked records whose synced fields no longer hold what both sides last agreed
        (``xero.link.synced_values``), and that no push is on its way to fix: per model
        and field, compared in SQL."""
        findings = []
        for model_name, join, keys in self._xero_drift_checks(connection):
            model = self.env[model_name].sudo()
            directions = model._xero_directions(connection)
            labels = {key: label for key, label, _direction in model._xero_field_defaults()}
            checked = [
                (key, condition)
                for key, condition in keys.items()
                if directions.get(key, "none") != "none"
            ]
            if not checked:
                continue
            model.flush_model()
            self.env["xero.link"].flush_model()
            self.env["xero.sync.job"].flush_model()
            rows = self.env.execute_query(
                SQL(
                    """WITH drift AS (
                        SELECT l.id, l.res_id, l.last_sync_at,
                               array_remove(ARRAY[%s]::varchar[], NULL) AS keys
                          FROM xero_link l %s
                         WHERE l.connection_id = %s AND l.res_model = %s
                           AND l.xero_id IS NOT NULL AND l.state = 'synced'
                           AND l.synced_values IS NOT NULL)
                    SELECT key, count(*), min(d.last_sync_at),
                           (array_agg(d.id ORDER BY d.id))[1:%s]
                      FROM drift d, unnest(d.keys) AS key
                     WHERE NOT EXISTS (
                           SELECT 1 FROM xero_sync_job j
                            WHERE j.connection_id = %s AND j.res_model = %s
                              AND j.res_id = d.res_id AND j.direction = 'out'
                              AND j.state IN ('pending', 'processing'))
                     GROUP BY key ORDER BY key""",
                    SQL(", ").join(
                        SQL("CASE WHEN %s THEN %s END", condition, key)
                        for key, condition in checked
                    ),
                    join,
                    connection.id,
                    model_name,
                    KEPT_IDS,
                    connection.id,
                    model_name,
                )
            )
            for key, count, oldest, link_ids in rows:
                findings.append(
                    {
                        "kind": "drift",
                        "key": f"{model_name}:{key}",
                        "reason": labels.get(key, key),
                        "name": self.env._(
                            "%(count)s %(noun)s changed in Odoo since last synced, and not sent: "
                            "%(field)s",
                            count=count,
                            noun=model._xero_noun(count),
                            field=labels.get(key, key),
                        ),
                        "count": count,
                        "since": oldest,
                        "age_days": (now - oldest).days if oldest else 0,
                        "res_model": "xero.link",
                        "res_ids": link_ids,
                    }
                )
        return findings

    @api.model
    def _xero_drift_checks(self, connection):
        """[(model, the join of its records as ``r``, {Xero key: SQL true when the record
        holds something else than the link's agreed value})]: the keys whose Odoo value is
        a column (addresses, terms, persons are left to the sync's own merge)."""

        def agreed(key):
            return SQL("(l.synced_values->>%s)", key)

        def text(key, column):
            return SQL(
                "l.synced_values ? %s AND COALESCE(%s, '') <> btrim(COALESCE(r.%s, ''), %s)",
                key,
                agreed(key),
                SQL.identifier(column),
                BLANKS,
            )

        partner = {
            "Name": SQL(
                """l.synced_values ? 'Name' AND COALESCE(%s, '') <> btrim(
                    COALESCE(NULLIF(l.xero_name, ''), r.name, ''), %s)""",
                agreed("Name"),
                BLANKS,
            ),
            "EmailAddress": text("EmailAddress", "email"),
            "TaxNumber": text("TaxNumber", "vat"),
            "AccountNumber": text("AccountNumber", "ref"),
            "CompanyNumber": text("CompanyNumber", "company_registry"),
            "Phones": SQL(
                """l.synced_values ? 'Phones' AND COALESCE(
                    l.synced_values->'Phones'->0->>'PhoneNumber', '')
                    <> btrim(COALESCE(r.phone, ''), %s)""",
                BLANKS,
            ),
            "ContactStatus": SQL(
                """l.synced_values ? 'ContactStatus' AND %s
                    <> CASE WHEN r.active THEN 'ACTIVE' ELSE 'ARCHIVED' END""",
                agreed("ContactStatus"),
            ),
        }
        product = {
            "Code": text("Code", "default_code"),
            "IsSold": SQL(
                "l.synced_values ? 'IsSold' AND l.synced_values->'IsSold' <> to_jsonb(t.sale_ok)"
            ),
            "IsPurchased": SQL(
                """l.synced_values ? 'IsPurchased'
                    AND l.synced_values->'IsPurchased' <> to_jsonb(t.purchase_ok)"""
            ),
        }
        base = connection.base_currency_id
        if not base or base == connection.company_id.currency_id:
            # the sales price of a product without variants' extra prices, as sent
            product["SalesDetails"] = SQL(
                """t.sale_ok AND l.synced_values->'SalesDetails' ? 'UnitPrice'
                    AND NOT EXISTS (SELECT 1 FROM product_variant_combination c
                                     WHERE c.product_product_id = r.id)
                    AND (l.synced_values->'SalesDetails'->>'UnitPrice')::numeric
                        <> round(COALESCE(t.list_price, 0)::numeric, 4)"""
            )
        return [
            ("res.partner", SQL("JOIN res_partner r ON r.id = l.res_id"), partner),
            (
                "product.product",
                SQL(
                    """JOIN product_product r ON r.id = l.res_id
                       JOIN product_template t ON t.id = r.product_tmpl_id"""
                ),
                product,
            ),
        ]

    # ------------------------------------------------------------------ business: spot check

    @api.model
    def _xero_spot_check(self, connection):
        """Three random invoices of orders, read fresh from Xero in one call and compared
        field by field with what their orders invoiced: (findings, the invoices)."""
        invoices = self._xero_spot_invoices(connection)
        if not invoices or connection.state != "connected":
            return [], invoices.browse()
        links = invoices._xero_links(connection, ids=invoices.ids)
        by_xero_id = {links[invoice.id].xero_id.lower(): invoice for invoice in invoices}
        try:
            answer = connection._xero_call_json(
                "get_invoices",
                i_ds=list(by_xero_id),
                page=1,  # a list of invoices carries its lines only when paged
                unitdp=4,
                purpose="fetch",
                log={
                    "direction": "in",
                    "message": self.env._("Health check: invoices compared with their orders"),
                },
            )
        except XeroError as error:
            return [
                {
                    "kind": "spot_check",
                    "name": self.env._(
                        "Xero could not be read for the spot check: %s", error.message
                    ),
                    "reason": self.env._("Not read"),
                    "res_model": "xero.connection",
                    "res_id": connection.id,
                }
            ], invoices.browse()
        documents = {
            (document.get("InvoiceID") or "").lower(): document
            for document in answer.get("Invoices") or []
        }
        findings = []
        for xero_id, invoice in by_xero_id.items():
            findings += self._xero_differences(connection, invoice, documents.get(xero_id))
        return findings, invoices

    @api.model
    def _xero_differences(self, connection, invoice, document):
        """Findings for each field of Xero's ``document`` that differs from what the
        invoice's order invoiced: the lines (item, description, quantity, unit price, tax
        type, account, amount), the total, the due date, the contact."""
        base = {
            "kind": "spot_check",
            "res_model": invoice._name,
            "res_id": invoice.id,
            "currency_id": invoice.currency_id.id,
            "amount": invoice.amount_total,
        }
        label = invoice.display_name
        if not document:
            return [
                base
                | {
                    "reason": self.env._("Missing"),
                    "name": self.env._("%s: Xero has no such invoice any more.", label),
                }
            ]
        partner = invoice.partner_id
        link = partner._xero_links(connection, ids=partner.ids).get(partner.id)
        contact = document.get("Contact") or {}
        compared = [
            (self.env._("Total"), _money(invoice.amount_total), _money(document.get("Total"))),
            (
                self.env._("Due date"),
                fields.Date.to_string(invoice.due_date or invoice.date),
                _date(document.get("DueDate")),
            ),
            (
                self.env._("Contact"),
                partner.display_name,
                partner.display_name
                if link and (link.xero_id or "").lower() == (contact.get("ContactID") or "").lower()
                else contact.get("Name") or "",
            ),
        ]
        differences = [(field, odoo, xero) for field, odoo, xero in compared if odoo != xero]
        differences += self._xero_line_differences(
            connection, invoice, document.get("LineItems") or []
        )
        return [
            base
            | {
                "key": field,
                "reason": field,
                "name": self.env._(
                    "%(invoice)s: %(field)s differs in Xero", invoice=label, field=field
                ),
                "odoo_value": odoo,
                "xero_value": xero,
            }
            for field, odoo, xero in differences
        ]

    @api.model
    def _xero_line_differences(self, connection, invoice, xero_lines):
        """[(field, Odoo's value, Xero's)] of the invoice's lines, position by position."""
        _amount_type, mapped, _gap = invoice._xero_mapped_lines(connection)
        ours = [{k: v for k, v in line.items() if k not in PRIVATE_KEYS} for line in mapped]
        if len(ours) != len(xero_lines):
            return [(self.env._("Number of lines"), str(len(ours)), str(len(xero_lines)))]
        compared = [
            ("ItemCode", self.env._("item code"), _text),
            ("Description", self.env._("description"), _text),
            ("Quantity", self.env._("quantity"), _quantity),
            ("UnitAmount", self.env._("unit price"), _quantity),
            ("TaxType", self.env._("tax type"), _text),
            ("AccountCode", self.env._("account"), _text),
            ("LineAmount", self.env._("amount"), _money),
        ]
        differences = []
        for number, (odoo, xero) in enumerate(zip(ours, xero_lines, strict=True), start=1):
            for key, name, shown in compared:
                if shown(odoo.get(key)) != shown(xero.get(key)):
                    differences.append(
                        (
                            self.env._("Line %(number)s: %(field)s", number=number, field=name),
                            shown(odoo.get(key)),
                            shown(xero.get(key)),
                        )
                    )
        return differences

    @api.model
    def _xero_spot_invoices(self, connection):
        """Up to three invoices of orders, at random, that Xero holds as Odoo last sent
        them (linked, synced, open, with lines of Odoo's, nothing on its way).

        Each is the first such invoice from a random id on, found through the primary
        key, so picking them reads a few rows whatever the number of invoices; when that
        finds too few (few invoices), they are drawn from all of them."""
        self.env["xero.order.invoice"].flush_model()
        self.env["xero.link"].flush_model()
        candidate = SQL(
            """SELECT i.id FROM xero_order_invoice i
                 JOIN xero_link l ON l.connection_id = i.connection_id
                  AND l.res_model = 'xero.order.invoice' AND l.res_id = i.id
                WHERE i.connection_id = %s AND i.state = 'open'
                  AND i.to_cancel IS NOT TRUE AND i.subscription_id IS NULL
                  AND i.lines_in_xero IS NULL
                  AND l.xero_id IS NOT NULL AND l.state = 'synced'
                  AND EXISTS (SELECT 1 FROM xero_order_invoice_line x WHERE x.invoice_id = i.id)""",
            connection.id,
        )
        rows = self.env.execute_query(
            SQL(
                """WITH span AS (SELECT min(id) AS low, max(id) AS high FROM xero_order_invoice
                                  WHERE connection_id = %s),
                   starts AS (SELECT low + floor(random() * (high - low + 1))::int AS start
                                FROM span, generate_series(1, %s) WHERE low IS NOT NULL)
                SELECT DISTINCT pick.id FROM starts,
                       LATERAL (%s AND i.id >= starts.start ORDER BY i.id LIMIT 1) pick""",
                connection.id,
                SPOT_CHECK_SIZE * 2,
                candidate,
            )
        )
        ids = [row[0] for row in rows][:SPOT_CHECK_SIZE]
        if len(ids) < SPOT_CHECK_SIZE:
            rows = self.env.execute_query(
                SQL("%s ORDER BY random() LIMIT %s", candidate, SPOT_CHECK_SIZE)
            )
            ids = [row[0] for row in rows]
        return self.env["xero.order.invoice"].sudo().browse(ids)

    # ------------------------------------------------------------------ business: the connection

    @api.model
    def _xero_authorisation(self, connection, now):
        """An authorisation already lost, or a refresh token about to expire (Xero
        forgets it 60 days after Odoo last renewed it)."""
        if connection.state == "needs_reauth":
            return [
                {
                    "kind": "token",
                    "reason": self.env._("Needs re-authorisation"),
                    "name": self.env._(
                        "Xero's authorisation was lost: nothing syncs until a manager clicks "
                        "Connect (Settings > Xero)."
                    ),
                    "res_model": "xero.connection",
                    "res_id": connection.id,
                }
            ]
        if connection._xero_uses_client_credentials() or not connection.token_expires_at:
            return []
        renewed = connection.token_expires_at - timedelta(seconds=ACCESS_TOKEN_SECONDS)
        expires = renewed + timedelta(days=REFRESH_TOKEN_DAYS)
        days = self._xero_parameter("xero_connector.health_token_days", TOKEN_WARNING_DAYS)
        if expires > now + timedelta(days=days):
            return []
        return [
            {
                "kind": "token",
                "reason": self.env._("Expires soon"),
                "name": self.env._(
                    "Xero's authorisation expires on %(date)s (Odoo last renewed it %(days)s "
                    "days ago): resume the sync, or click Connect again.",
                    date=fields.Date.to_string(expires.date()),
                    days=(now - renewed).days,
                ),
                "since": renewed,
                "age_days": (now - renewed).days,
                "res_model": "xero.connection",
                "res_id": connection.id,
            }
        ]

    @api.model
    def _xero_webhooks(self, connection, now):
        """Webhooks not set up (no key), or stopped: a change Xero made to a contact or
        an invoice a day ago or more came after the last delivery (Xero retries a
        delivery for a day, then disables the webhook)."""
        finding = {"kind": "webhook", "res_model": "xero.connection", "res_id": connection.id}
        if not connection.webhook_key:
            return [
                finding
                | {
                    "reason": self.env._("Not set up"),
                    "name": self.env._(
                        "Xero's webhooks are not set up: changes made in Xero reach Odoo only "
                        "with the poll."
                    ),
                }
            ]
        # a change Xero made a day ago and more was delivered by now, or never will be
        settled = now - timedelta(hours=WEBHOOK_SILENT_HOURS)
        last_delivery, last_change = self._xero_webhook_moments(connection, settled)
        if not last_change or last_change < now - timedelta(days=CALLS_DAYS):
            return []
        if last_delivery and last_delivery >= last_change:
            return []
        since = last_delivery or last_change
        return [
            finding
            | {
                "reason": self.env._("Stopped"),
                "name": self.env._(
                    "No webhook from Xero since %(since)s, though Xero changed records on "
                    "%(change)s: Xero may have disabled the webhook (developer.xero.com > "
                    "Webhooks).",
                    since=fields.Datetime.to_string(last_delivery)
                    if last_delivery
                    else self.env._("ever"),
                    change=fields.Datetime.to_string(last_change),
                ),
                "since": since,
                "age_days": (now - since).days,
            }
        ]

    @api.model
    def _xero_webhook_moments(self, connection, before):
        """(when the last webhook delivery was queued, Xero's newest change of a contact
        or an invoice made before ``before``, as Odoo's copies know them)."""
        for model in ("xero.sync.job", "xero.contact", "xero.invoice"):
            self.env[model].flush_model()
        [(last_delivery, last_contact, last_invoice)] = self.env.execute_query(
            SQL(
                """SELECT (SELECT max(create_date) FROM xero_sync_job
                            WHERE connection_id = %(connection)s AND direction = 'in'
                              AND payload ? 'eventType'),
                          (SELECT max(updated_at) FROM xero_contact
                            WHERE connection_id = %(connection)s AND updated_at < %(before)s),
                          (SELECT max(updated_at) FROM xero_invoice
                            WHERE connection_id = %(connection)s AND updated_at < %(before)s)""",
                connection=connection.id,
                before=before,
            )
        )
        changes = [moment for moment in (last_contact, last_invoice) if moment]
        return last_delivery, max(changes, default=None)

    @api.model
    def _xero_calls(self, connection, now):
        """The calls of the last days: the busiest hour and day, against the day's budget
        (the values of the check, findings)."""
        self.env["xero.sync.log"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """SELECT date_trunc('hour', create_date), count(*) FROM xero_sync_log
                    WHERE connection_id = %s AND duration_ms IS NOT NULL
                      AND left(operation, 6) <> 'token ' AND create_date >= %s
                    GROUP BY 1""",
                connection.id,
                now - timedelta(days=CALLS_DAYS),
            )
        )
        limit = connection.day_limit or 1
        hour, hour_calls = max(rows, key=lambda row: (row[1], row[0]), default=(False, 0))
        days = {}
        for moment, count in rows:
            days[moment.date()] = days.get(moment.date(), 0) + count
        day, day_calls = max(days.items(), key=lambda item: (item[1], item[0]), default=(None, 0))
        values = {
            "busiest_hour": hour,
            "busiest_hour_calls": hour_calls,
            "busiest_day_calls": day_calls,
            "day_limit": connection.day_limit,
        }
        findings = []
        if hour_calls * 100 >= limit * BUSY_HOUR_SHARE:
            findings.append(
                {
                    "kind": "budget",
                    "key": "hour",
                    "reason": self.env._("Busy hour"),
                    "name": self.env._(
                        "%(calls)s calls in one hour (%(share)s%% of the day's %(limit)s): "
                        "a burst like this can use up the day's calls.",
                        calls=hour_calls,
                        share=hour_calls * 100 // limit,
                        limit=connection.day_limit,
                    ),
                    "count": hour_calls,
                    "since": hour,
                    "age_days": (now - hour).days,
                    "res_model": "xero.sync.log",
                }
            )
        if day_calls * 100 >= limit * BUSY_DAY_SHARE:
            start = datetime.combine(day, datetime.min.time())
            findings.append(
                {
                    "kind": "budget",
                    "key": "day",
                    "reason": self.env._("Busy day"),
                    "name": self.env._(
                        "%(calls)s calls on %(day)s, %(share)s%% of the %(limit)s Xero allows "
                        "a day.",
                        calls=day_calls,
                        day=fields.Date.to_string(day),
                        share=day_calls * 100 // limit,
                        limit=connection.day_limit,
                    ),
                    "count": day_calls,
                    "since": start,
                    "age_days": (now - start).days,
                    "res_model": "xero.sync.log",
                }
            )
        return values, findings

    @api.model
    def _xero_parameter(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        return int(value) if value and value.isdigit() else default


def _text(value):
    return str(value or "").strip()


def _decimal(value):
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _quantity(value):
    number = _decimal(value)
    return "" if number is None else f"{number.quantize(Decimal('0.0001'), ROUND_HALF_UP):f}"


def _money(value):
    number = _decimal(value)
    return "" if number is None else f"{number.quantize(Decimal('0.01'), ROUND_HALF_UP):f}"


def _date(value):
    moment = xero_datetime(value) if isinstance(value, str) else None
    return fields.Date.to_string(moment.date()) if moment else ""
