from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools.bulk import write_rows

# a won deal or an order older than this is history, not revenue leaking now
LOOKBACK_DAYS = 365
# Xero statuses of an invoice that no longer bills anything
GONE_STATUSES = ("VOIDED", "DELETED")
KINDS = [
    ("won_no_order", "Won, no confirmed order"),
    ("not_invoiced", "Not invoiced in Xero"),
    ("mismatch", "Differs from the order"),
    ("voided", "Voided in Xero, order open"),
    ("credit", "Credit note Odoo did not ask for"),
]
# what the daily check brings up to date on a known case
MUTABLE = ("order_invoice_id", "partner_id", "user_id", "team_id", "amount", "since", "detail")


class XeroLeakageCase(models.Model):
    """Revenue leaking out: work done and not billed, or billed and undone in Xero.

    The daily check finds every case with a handful of grouped queries over Odoo's own
    tables (the mirror of Xero's invoices included: no call to Xero), keeps one record
    per case (its key says which documents make it), gives the salesperson one activity
    when a case appears and marks it done when the case is gone."""

    _name = "xero.leakage.case"
    _description = "Revenue at risk"
    _order = "state, since, id"
    _rec_names_search = ["order_id", "lead_id", "partner_id"]

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    key = fields.Char(required=True, readonly=True, help="The documents that make the case.")
    kind = fields.Selection(KINDS, required=True, readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("solved", "Solved")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    lead_id = fields.Many2one("crm.lead", "Opportunity", readonly=True, index="btree_not_null")
    order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null")
    order_invoice_id = fields.Many2one(
        "xero.order.invoice", "Xero invoice", readonly=True, index="btree_not_null"
    )
    credit_number = fields.Char("Credit note", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True, index=True)
    team_id = fields.Many2one("crm.team", "Sales team", readonly=True, index=True)
    amount = fields.Monetary(
        "At risk",
        readonly=True,
        help="What is not billed, or billed differently, in the company's currency.",
    )
    since = fields.Date(readonly=True, help="Since when the case stands.")
    age = fields.Integer("Age (days)", compute="_compute_age")
    detail = fields.Char(readonly=True)
    fix = fields.Char("How to fix it", compute="_compute_fix")
    unsent = fields.Boolean(
        compute="_compute_fix", help="An invoice Odoo made that never reached Xero."
    )
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null")
    solved_on = fields.Date(readonly=True)

    _key_unique = models.UniqueIndex("(connection_id, key)")

    # ------------------------------------------------------------------ compute

    @api.depends("since")
    @api.depends_context("date")
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for case in self:
            case.age = (today - case.since).days if case.since else 0

    @api.depends("kind", "key")
    def _compute_fix(self):
        fixes = {
            "won_no_order": self.env._("Open the opportunity and make its quotation."),
            "not_invoiced": self.env._("Create the invoice in Xero."),
            "unsent": self.env._("Resync the invoice (fix what its error says first)."),
            "mismatch": self.env._("Open the invoice: resync it, or correct the order."),
            "voided": self.env._("Create the invoice in Xero again."),
            "credit": self.env._("Open the order and check the credit note with the accountant."),
        }
        for case in self:
            case.unsent = case._xero_unsent()
            case.fix = fixes.get("unsent" if case.unsent else case.kind, False)

    @api.depends("kind", "order_id", "lead_id", "credit_number")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for case in self:
            document = case.order_id.name or case.lead_id.name or ""
            case.display_name = f"{document}: {kinds.get(case.kind, '')}"

    # ------------------------------------------------------------------ actions

    def action_fix(self):
        """The case's fix: make the missing invoice, send the unsent one again, or open
        the document a person has to look at."""
        self.ensure_one()
        case = self.sudo()
        if case.kind in ("not_invoiced", "voided") and case.state == "open":
            if case._xero_unsent():
                case.order_invoice_id._xero_resync(case.connection_id)
                return self._xero_refresh_notice(
                    self.env._("The invoice is queued again: it is in Xero within seconds.")
                )
            order = self.order_id  # the user's own rights on the order apply
            invoices, skipped = order._xero_make_invoices()
            if not invoices:
                raise UserError(" ".join(skipped.values()) or self.env._("Nothing to invoice."))
            self.env["xero.leakage.case"].sudo()._xero_check(case.connection_id)
            return self._xero_refresh_notice(
                self.env._(
                    "%s Xero invoice(s) queued: they are in Xero within seconds.", len(invoices)
                )
            )
        return self.action_open_document()

    def action_open_document(self):
        """The opportunity, the invoice or the order the case is about."""
        self.ensure_one()
        record = (
            self.order_invoice_id
            if self.kind == "mismatch" and self.order_invoice_id
            else self.order_id or self.lead_id
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
        }

    @api.model
    def action_xero_check_now(self):
        """Refresh: the check run now for the user's company (the daily check's own)."""
        self.env["xero.connection"]._check_xero_manager()
        connection = self.env.company.sudo()._xero_connection()
        if not connection:
            raise UserError(self.env._("Connect the company to Xero first."))
        found = self.sudo()._xero_check(connection)
        if found is None:
            raise UserError(self.env._("The check is running already: try again in a minute."))
        return self._xero_refresh_notice(
            self.env._("%s case(s) of revenue at risk.", len(found)), kind="info"
        )

    def _xero_refresh_notice(self, message, kind="success"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Revenue leakage"),
                "message": message,
                "type": kind,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------ business: the check

    @api.model
    def _cron_xero_check_leakage(self):
        """Cron (daily): every organisation's revenue leakage found, told and closed."""
        connections = (
            self.env["xero.connection"]
            .sudo()
            .search([("state", "!=", "draft"), ("sync_invoices", "=", True)])
        )
        for connection in connections:
            self.sudo()._xero_check(connection)
            self.env["ir.cron"]._commit_progress(1)

    @api.model
    def _xero_check(self, connection):
        """The cases of ``connection`` now: new ones recorded (an activity each for the
        salesperson), the others brought up to date, those gone marked solved (their
        activity done). Returns the open cases, or None when another check of the same
        organisation is running."""
        self.env.cr.execute(
            SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s), %s)", self._name, connection.id)
        )
        if not self.env.cr.fetchone()[0]:
            return None
        today = connection._xero_today()
        found = self._xero_find(connection, today)
        known = self.search(
            Domain("connection_id", "=", connection.id)
            & (Domain("state", "=", "open") | Domain("key", "in", list(found)))
        )
        by_key = {case.key: case for case in known}
        new = [values for key, values in found.items() if key not in by_key]
        cases = self.create([values | {"connection_id": connection.id} for values in new])
        reopened = known.filtered(lambda c: c.state == "solved" and c.key in found)
        write_rows(
            self,
            {
                case.id: self._xero_changes(case, found[case.key], reopen=case in reopened)
                for case in known
                if case.key in found
            },
        )
        (reopened | cases)._xero_tell(connection)
        gone = known.filtered(lambda c: c.state == "open" and c.key not in found)
        gone._xero_solved(today)
        return self.search([("connection_id", "=", connection.id), ("state", "=", "open")])

    @api.model
    def _xero_changes(self, case, values, reopen=False):
        """What changed of a known case (amounts move as orders are invoiced)."""
        current = {
            name: case[name].id if case._fields[name].type == "many2one" else case[name]
            for name in MUTABLE
        }
        changes = {name: values[name] for name in MUTABLE if current[name] != values[name]}
        if reopen:
            changes |= {"state": "open", "solved_on": False, "activity_id": False}
        return changes

    def _xero_tell(self, connection):
        """One activity per case for its salesperson, on the opportunity or the order."""
        kind = self.env.ref("xero_connector.mail_activity_type_xero_leakage")
        models_ = self.env["ir.model"]
        told = self.filtered("user_id")
        activities = (
            self.env["mail.activity"]
            .sudo()
            .create(
                [
                    {
                        "activity_type_id": kind.id,
                        "res_model_id": models_._get_id(case._xero_record()._name),
                        "res_id": case._xero_record().id,
                        "user_id": case.user_id.id,
                        "summary": case._xero_summary(),
                        "note": case._xero_note(connection._xero_figures_for(case.user_id)),
                        "date_deadline": fields.Date.context_today(self),
                    }
                    for case in told
                ]
            )
        )
        write_rows(
            self,
            {case.id: {"activity_id": a.id} for case, a in zip(told, activities, strict=True)},
        )

    def _xero_solved(self, today):
        """Cases gone: marked solved, their activity done."""
        if not self:
            return
        activities = self.activity_id.filtered("active")
        write_rows(self, {case.id: {"state": "solved", "solved_on": today} for case in self})
        if activities:
            activities.action_feedback(
                feedback=self.env._("Solved: the revenue is no longer at risk.")
            )

    def _xero_unsent(self):
        """An invoice Odoo made that never reached Xero (its fix is a resync)."""
        self.ensure_one()
        return bool(self.key and self.key.startswith("unsent:"))

    def _xero_record(self):
        self.ensure_one()
        return self.lead_id if self.kind == "won_no_order" else self.order_id

    def _xero_summary(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        return self.env._("Revenue at risk: %s", kinds[self.kind])

    def _xero_note(self, figures):
        """The activity's text: what is wrong, how old, what fixes it (the amount only
        where the salesperson may see Xero's figures)."""
        parts = [self.detail or "", self.env._("Since %s.", self.since) if self.since else ""]
        if figures:
            parts.append(self.env._("At risk: %s.", self.currency_id.format(self.amount)))
        parts.append(self.fix or "")
        return Markup("<br/>").join(part for part in parts if part)

    # ------------------------------------------------------------------ business: finding

    @api.model
    def _xero_find(self, connection, today):
        """{key: values} of every case of ``connection`` on ``today``: five grouped
        queries over Odoo's tables, whatever their size."""
        days = max(connection.leakage_days, 0)
        params = {
            "connection": connection.id,
            "company": connection.company_id.id,
            "cutoff": today - timedelta(days=days),
            "horizon": today - timedelta(days=LOOKBACK_DAYS),
        }
        self.env.flush_all()
        found = {}
        for finder in (
            self._xero_find_won,
            self._xero_find_voided,
            self._xero_find_not_invoiced,
            self._xero_find_mismatch,
            self._xero_find_credits,
        ):
            found |= finder(params, found)
        currency = connection.company_id.currency_id
        for values in found.values():
            values["amount"] = currency.round(values["amount"])
        return found

    def _xero_rows(self, query, params):
        self.env.cr.execute(SQL(query, **params))
        names = [column.name for column in self.env.cr.description]
        return [dict(zip(names, row, strict=True)) for row in self.env.cr.fetchall()]

    @api.model
    def _xero_cases(self, kind, prefix, column, rows, detail):
        """{key: values} of a case per row, keyed by ``prefix`` and the row's ``column``
        (the document that makes the case); ``detail(row)`` says what is wrong."""
        cases = {}
        for row in rows:
            key = f"{prefix}:{row[column]}"
            cases[key] = self._xero_case(kind, key, row, detail(row))
        return cases

    @api.model
    def _xero_case(self, kind, key, row, detail):
        return {
            "key": key,
            "kind": kind,
            "lead_id": row.get("lead_id") or False,
            "order_id": row.get("order_id") or False,
            "order_invoice_id": row.get("order_invoice_id") or False,
            "credit_number": row.get("credit_number") or False,
            "partner_id": row.get("partner_id") or False,
            "user_id": row.get("user_id") or False,
            "team_id": row.get("team_id") or False,
            "amount": float(row["amount"] or 0.0),
            "since": row["since"],
            "detail": detail,
        }

    @api.model
    def _xero_find_won(self, params, found):
        """Won opportunities with no confirmed order, N days after they were won."""
        rows = self._xero_rows(
            """
            SELECT l.id AS lead_id, l.partner_id, l.user_id, l.team_id,
                   l.expected_revenue AS amount, l.date_closed::date AS since
              FROM crm_lead l
              JOIN crm_stage s ON s.id = l.stage_id AND s.is_won
             WHERE l.company_id = %(company)s AND l.active AND l.type = 'opportunity'
               AND l.date_closed::date <= %(cutoff)s AND l.date_closed::date >= %(horizon)s
               AND NOT EXISTS (SELECT 1 FROM sale_order o
                                WHERE o.opportunity_id = l.id AND o.state = 'sale')
            """,
            params,
        )
        return self._xero_cases(
            "won_no_order",
            "won",
            "lead_id",
            rows,
            lambda row: self.env._(
                "Won on %s: no confirmed order, nothing invoiced.", row["since"]
            ),
        )

    @api.model
    def _xero_find_voided(self, params, found):
        """Confirmed orders with something to invoice because Xero's invoice of it was
        voided or deleted there (not by Odoo: Odoo voids only for a cancelled order)."""
        rows = self._xero_rows(
            """
            SELECT DISTINCT ON (o.id) o.id AS order_id, i.id AS order_invoice_id,
                   o.partner_id, o.user_id, o.team_id, x.number AS number,
                   x.status AS status, COALESCE(x.updated_at, x.write_date)::date AS since,
                   (SELECT SUM(sl.untaxed_amount_to_invoice) FROM sale_order_line sl
                     WHERE sl.order_id = o.id) / NULLIF(o.currency_rate, 0) AS amount
              FROM xero_order_invoice i
              JOIN xero_invoice x ON x.id = i.xero_invoice_id
              JOIN sale_order o ON o.id = i.order_id
             WHERE i.connection_id = %(connection)s AND x.status IN %(gone)s
               AND o.state = 'sale' AND o.invoice_status = 'to invoice'
               AND o.date_order::date >= %(horizon)s
          ORDER BY o.id, x.updated_at DESC NULLS LAST
            """,
            params | {"gone": GONE_STATUSES},
        )
        return self._xero_cases(
            "voided",
            "voided",
            "order_id",
            rows,
            lambda row: self.env._(
                "%(number)s was %(status)s in Xero: the order is open and nothing bills it.",
                number=row["number"] or "",
                status=(row["status"] or "").lower(),
            ),
        )

    @api.model
    def _xero_find_not_invoiced(self, params, found):
        """Confirmed orders with something left to invoice (ordered, or delivered) N days
        after confirmation, and invoices Odoo made that never reached Xero."""
        voided = {values["order_id"] for values in found.values() if values["kind"] == "voided"}
        orders = self._xero_rows(
            """
            SELECT o.id AS order_id, o.partner_id, o.user_id, o.team_id,
                   o.date_order::date AS since,
                   SUM(sl.untaxed_amount_to_invoice) / NULLIF(o.currency_rate, 0) AS amount
              FROM sale_order o
              JOIN sale_order_line sl ON sl.order_id = o.id
             WHERE o.company_id = %(company)s AND o.state = 'sale'
               AND o.invoice_status = 'to invoice'
               AND o.date_order::date <= %(cutoff)s AND o.date_order::date >= %(horizon)s
          GROUP BY o.id
            """,
            params,
        )
        result = self._xero_cases(
            "not_invoiced",
            "order",
            "order_id",
            [row for row in orders if row["order_id"] not in voided],
            lambda row: self.env._("Confirmed on %s, not (fully) invoiced in Xero.", row["since"]),
        )
        unsent = self._xero_rows(
            """
            SELECT i.id AS order_invoice_id, o.id AS order_id, o.partner_id, o.user_id,
                   o.team_id, i.create_date::date AS since,
                   i.amount_untaxed / NULLIF(o.currency_rate, 0) AS amount
              FROM xero_order_invoice i
              JOIN sale_order o ON o.id = i.order_id
             WHERE i.connection_id = %(connection)s AND i.state = 'open'
               AND i.xero_invoice_id IS NULL AND i.subscription_id IS NULL
               AND i.create_date::date <= %(cutoff)s AND i.create_date::date >= %(horizon)s
            """,
            params,
        )
        return result | self._xero_cases(
            "not_invoiced",
            "unsent",
            "order_invoice_id",
            unsent,
            lambda row: self.env._("Invoiced in Odoo on %s, never reached Xero.", row["since"]),
        )

    @api.model
    def _xero_find_mismatch(self, params, found):
        """Invoices whose Xero total is no longer what Odoo sent, or whose lines no longer
        match the order's (its price or discount changed after it was invoiced)."""
        rows = self._xero_rows(
            """
            WITH edited AS (
                SELECT l.invoice_id,
                       SUM(l.quantity * (sl.price_unit * (1 - COALESCE(sl.discount, 0) / 100)
                           - l.price_unit * (1 - COALESCE(l.discount, 0) / 100))) AS difference
                  FROM xero_order_invoice_line l
                  JOIN sale_order_line sl ON sl.id = l.sale_line_id
                 WHERE l.invoice_id IS NOT NULL AND l.display_type IS NULL
                   AND NOT COALESCE(l.is_down_payment, FALSE)
                   AND (ABS(sl.price_unit - l.price_unit) > 0.00005
                        OR ABS(COALESCE(sl.discount, 0) - COALESCE(l.discount, 0)) > 0.005)
              GROUP BY l.invoice_id
            )
            SELECT i.id AS order_invoice_id, o.id AS order_id, o.partner_id, o.user_id,
                   o.team_id, x.number, x.total AS xero_total, i.amount_total AS odoo_total,
                   i.currency_id, e.difference,
                   COALESCE(x.updated_at, x.write_date)::date AS since,
                   CASE WHEN x.total <> i.amount_total THEN ABS(x.total - i.amount_total)
                        ELSE ABS(e.difference) END / NULLIF(o.currency_rate, 0) AS amount
              FROM xero_order_invoice i
              JOIN xero_invoice x ON x.id = i.xero_invoice_id
              JOIN sale_order o ON o.id = i.order_id
         LEFT JOIN edited e ON e.invoice_id = i.id
             WHERE i.connection_id = %(connection)s AND i.state = 'open'
               AND x.status NOT IN %(gone)s AND o.state = 'sale'
               AND i.date >= %(horizon)s
               AND (x.total <> i.amount_total OR e.invoice_id IS NOT NULL)
               AND NOT EXISTS (SELECT 1 FROM xero_link k
                                WHERE k.res_model = 'xero.order.invoice' AND k.res_id = i.id
                                  AND k.state = 'pending')
            """,
            params | {"gone": GONE_STATUSES},
        )
        return self._xero_cases(
            "mismatch", "mismatch", "order_invoice_id", rows, self._xero_mismatch_detail
        )

    @api.model
    def _xero_mismatch_detail(self, row):
        if row["xero_total"] == row["odoo_total"]:
            return self.env._(
                "The order's prices changed after %s was invoiced: its lines no longer "
                "match the order.",
                row["number"] or "",
            )
        currency = self.env["res.currency"].browse(row["currency_id"])
        return self.env._(
            "%(number)s totals %(xero)s in Xero, Odoo sent %(odoo)s.",
            number=row["number"] or "",
            xero=currency.format(float(row["xero_total"] or 0)),
            odoo=currency.format(float(row["odoo_total"] or 0)),
        )

    @api.model
    def _xero_find_credits(self, params, found):
        """Credit notes allocated in Xero to an order's invoice that Odoo never made."""
        rows = self._xero_rows(
            """
            SELECT p.id AS payment_id, p.number AS credit_number, i.id AS order_invoice_id,
                   o.id AS order_id, o.partner_id, o.user_id, o.team_id, x.number,
                   p.date AS since, p.amount_base AS amount
              FROM xero_invoice_payment p
              JOIN xero_invoice x ON x.id = p.invoice_id
              JOIN xero_order_invoice i ON i.xero_invoice_id = x.id
              JOIN sale_order o ON o.id = i.order_id
             WHERE x.connection_id = %(connection)s AND p.kind = 'credit_note'
               AND NOT COALESCE(p.deleted, FALSE) AND p.date >= %(horizon)s
               AND NOT EXISTS (SELECT 1 FROM xero_link k
                                WHERE k.connection_id = %(connection)s
                                  AND k.res_model = 'xero.order.credit.note'
                                  AND k.xero_id = p.xero_id)
            """,
            params,
        )
        return self._xero_cases(
            "credit",
            "credit",
            "payment_id",
            rows,
            lambda row: self.env._(
                "Credit note %(credit)s was allocated to %(number)s in Xero; Odoo did not "
                "ask for it.",
                credit=row["credit_number"] or "",
                number=row["number"] or "",
            ),
        )

    # ------------------------------------------------------------------ business: figures

    @api.model
    def _xero_at_risk(self, field, ids):
        """{record id of ``field``: (amount, count)} of the open cases, one grouped query."""
        groups = self.sudo()._read_group(
            [(field, "in", ids), ("state", "=", "open")], [field], ["amount:sum", "__count"]
        )
        return {record.id: (amount, count) for record, amount, count in groups}
