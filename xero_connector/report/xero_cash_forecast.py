from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.money_sql import (
    CASH_KINDS,
    HORIZON_DAYS,
    days_late,
    invoices_cte,
    lateness_ctes,
)

KINDS = [
    ("invoice", "Open invoices"),
    ("subscription", "Subscriptions"),
    ("pipeline", "Pipeline (weighted)"),
]
# the days from a repeating invoice's date to its due date, by Xero's due rule (the
# generated invoice's date is ``d``, the rule's number of days ``n``)
DUE_DATE = """
    CASE t.due_type
        WHEN 'DAYSAFTERINVOICEMONTH' THEN
            (date_trunc('month', d) + interval '1 month' - interval '1 day')::date + t.due_days
        WHEN 'OFCURRENTMONTH' THEN LEAST(
            date_trunc('month', d)::date + GREATEST(t.due_days, 1) - 1,
            (date_trunc('month', d) + interval '1 month' - interval '1 day')::date)
        WHEN 'OFFOLLOWINGMONTH' THEN LEAST(
            (date_trunc('month', d) + interval '1 month')::date + GREATEST(t.due_days, 1) - 1,
            (date_trunc('month', d) + interval '2 month' - interval '1 day')::date)
        ELSE d::date + COALESCE(t.due_days, 0)
    END
"""


class XeroCashForecast(models.Model):
    """Expected receipts of the next 13 weeks, one row per open invoice, invoice a
    subscription will generate, or open opportunity, read by SQL from Odoo's copy of
    Xero.

    - An open invoice is expected on the date promised in Xero (its expected payment
      date), else on its due date shifted by its customer's usual days late (the
      average over the invoices they paid in full in the last year; the company's
      average when they have none); an expected date already past is this week.
    - A running subscription's next invoices (from Xero's next date, every period, up
      to its end) are expected at their due date (the repeating invoice's due rule)
      plus the customer's usual days late.
    - An open opportunity with an expected closing date counts its expected revenue
      weighted by its probability, at that date (today when past) plus the customer's
      payment terms and usual days late: a separate series.
    Amounts are in the company's currency, with their untaxed part.
    """

    _name = "xero.cash.forecast"
    _description = "Cash-flow forecast"
    _auto = False
    _order = "date, id"

    # ------------------------------------------------------------------ fields

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    kind = fields.Selection(KINDS, readonly=True)
    date = fields.Date("Expected on", readonly=True)
    amount = fields.Monetary("Expected", readonly=True)
    amount_untaxed = fields.Monetary("Expected (untaxed)", readonly=True)
    days_late = fields.Integer(
        "Days late expected", readonly=True, aggregator="avg", help="The customer's usual."
    )
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales team", readonly=True)
    invoice_id = fields.Many2one("xero.invoice", "Xero invoice", readonly=True)
    subscription_id = fields.Many2one("xero.subscription", readonly=True)
    lead_id = fields.Many2one("crm.lead", "Opportunity", readonly=True)

    # ------------------------------------------------------------------ the query

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return SQL(
            """
            WITH %(invoices)s, %(lateness)s,
            terms AS (
                SELECT term.id, MAX(line.nb_days) AS days
                  FROM account_payment_term term
                  JOIN account_payment_term_line line ON line.payment_id = term.id
                 GROUP BY term.id
            ),
            expected AS (
                SELECT 'invoice' AS kind, inv.company_id, inv.partner_id, inv.user_id,
                       inv.team_id, inv.id AS invoice_id, NULL::integer AS subscription_id,
                       NULL::integer AS lead_id, %(days_late)s AS days_late,
                       GREATEST(
                           COALESCE(inv.expected_payment_date,
                                    inv.due_date + %(days_late)s, %(today)s),
                           %(today)s) AS date,
                       inv.amount_due_base AS amount,
                       inv.amount_due_base * inv.untaxed_share AS amount_untaxed
                  FROM invoice inv
                  LEFT JOIN late l
                    ON l.company_id = inv.company_id AND l.partner_id = inv.partner_id
                  LEFT JOIN usual u ON u.company_id = inv.company_id
                 WHERE inv.status = 'AUTHORISED' AND inv.amount_due_base > 0
                UNION ALL
                SELECT 'subscription', s.company_id, customer.commercial_partner_id,
                       s.user_id, s.team_id, NULL, s.id, NULL, %(days_late)s,
                       GREATEST(%(due)s + %(days_late)s, %(today)s),
                       t.amount_total / NULLIF(o.currency_rate, 0),
                       t.amount_untaxed / NULLIF(o.currency_rate, 0)
                  FROM xero_subscription s
                  JOIN xero_subscription_template t ON t.id = s.template_id
                  JOIN sale_order o ON o.id = s.order_id
                  JOIN res_partner customer ON customer.id = s.partner_id
                  CROSS JOIN LATERAL generate_series(
                        s.next_date::timestamp,
                        (%(today)s + %(horizon)s)::timestamp,
                        CASE t.unit WHEN 'week' THEN interval '1 week' * t.interval
                                    WHEN 'year' THEN interval '1 year' * t.interval
                                    ELSE interval '1 month' * t.interval END) d
                  LEFT JOIN late l
                    ON l.company_id = s.company_id
                   AND l.partner_id = customer.commercial_partner_id
                  LEFT JOIN usual u ON u.company_id = s.company_id
                 WHERE s.state = 'running' AND s.next_date IS NOT NULL
                   AND (t.end_date IS NULL OR d::date <= t.end_date)
                UNION ALL
                SELECT 'pipeline', COALESCE(lead.company_id, team.company_id),
                       customer.commercial_partner_id, lead.user_id, lead.team_id,
                       NULL, NULL, lead.id, %(days_late)s,
                       GREATEST(lead.date_deadline, %(today)s)
                           + COALESCE(terms.days, 0) + %(days_late)s,
                       lead.prorated_revenue, lead.prorated_revenue
                  FROM crm_lead lead
                  LEFT JOIN crm_team team ON team.id = lead.team_id
                  LEFT JOIN res_partner contact ON contact.id = lead.partner_id
                  LEFT JOIN res_partner customer ON customer.id = contact.commercial_partner_id
                  LEFT JOIN terms ON terms.id = (customer.property_payment_term_id
                       ->> COALESCE(lead.company_id, team.company_id)::text)::integer
                  LEFT JOIN late l
                    ON l.company_id = COALESCE(lead.company_id, team.company_id)
                   AND l.partner_id = customer.commercial_partner_id
                  LEFT JOIN usual u ON u.company_id = COALESCE(lead.company_id, team.company_id)
                 WHERE lead.active AND lead.type = 'opportunity'
                   AND lead.won_status = 'pending' AND lead.date_deadline IS NOT NULL
                   AND lead.prorated_revenue > 0
                   AND COALESCE(lead.company_id, team.company_id) IS NOT NULL
            )
            SELECT ROW_NUMBER() OVER (ORDER BY e.date, e.kind, e.invoice_id,
                                      e.subscription_id, e.lead_id) AS id,
                   e.kind, e.company_id, company.currency_id, e.partner_id, e.user_id,
                   e.team_id, e.invoice_id, e.subscription_id, e.lead_id, e.days_late,
                   e.date, ROUND(e.amount, 2) AS amount,
                   ROUND(e.amount_untaxed, 2) AS amount_untaxed
              FROM expected e
              JOIN res_company company ON company.id = e.company_id
             WHERE e.date < %(today)s + %(horizon)s
            """,
            invoices=invoices_cte(),
            lateness=lateness_ctes(today),
            days_late=days_late(),
            due=SQL(DUE_DATE),
            today=today,
            horizon=HORIZON_DAYS,
        )

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_backtest(self, company, today):
        """How far the forecast made a quarter ago (13 weeks before ``today``) was from
        what came in since: the invoices open then, each expected by the same rule as
        now (the customer's lateness as known then), against the money received on
        them week by week. Returns {"as_of", "expected", "received", "error"}: error is
        the weekly gap (the sum over the 13 weeks of |expected - received|) in percent
        of what was received; None when nothing was."""
        as_of = today - timedelta(days=HORIZON_DAYS)
        # the joins go through indexes (a mirror's payments by invoice): the planner has
        # no statistics of the CTEs' rows and would otherwise loop over all of them
        query = SQL(
            """
            WITH %(invoices)s, %(lateness)s,
            open_then AS (
                SELECT inv.id,
                       inv.amount_due_base + COALESCE(s.after, 0) AS open_amount,
                       GREATEST(COALESCE(inv.expected_payment_date,
                                         inv.due_date + %(days_late)s, %(as_of)s),
                                %(as_of)s) AS expected_on
                  FROM invoice inv
                  LEFT JOIN LATERAL (
                        SELECT SUM(pay.amount_base) AS after
                          FROM xero_invoice_payment pay
                         WHERE pay.invoice_id = inv.id AND pay.date > %(as_of)s
                           AND NOT COALESCE(pay.deleted, FALSE)
                  ) s ON TRUE
                  LEFT JOIN late l
                    ON l.company_id = inv.company_id AND l.partner_id = inv.partner_id
                  LEFT JOIN usual u ON u.company_id = inv.company_id
                 WHERE inv.date <= %(as_of)s AND inv.status IN ('AUTHORISED', 'PAID')
            ),
            weeks AS (SELECT generate_series(0, 12) AS week),
            expected AS (
                SELECT (expected_on - %(as_of)s) / 7 AS week, SUM(open_amount) AS amount
                  FROM open_then
                 WHERE open_amount > 0 AND expected_on < %(as_of)s + %(horizon)s
                 GROUP BY 1
            ),
            received AS (
                SELECT (pay.date - %(as_of)s - 1) / 7 AS week, SUM(pay.amount_base) AS amount
                  FROM open_then o
                  CROSS JOIN LATERAL (
                        SELECT p.date, p.amount_base
                          FROM xero_invoice_payment p
                         WHERE p.invoice_id = o.id AND p.kind IN %(cash)s
                           AND NOT COALESCE(p.deleted, FALSE)
                           AND p.date > %(as_of)s AND p.date <= %(as_of)s + %(horizon)s
                  ) pay
                 WHERE o.open_amount > 0
                 GROUP BY 1
            )
            SELECT COALESCE(SUM(e.amount), 0), COALESCE(SUM(r.amount), 0),
                   COALESCE(SUM(ABS(COALESCE(e.amount, 0) - COALESCE(r.amount, 0))), 0)
              FROM weeks w
              LEFT JOIN expected e ON e.week = w.week
              LEFT JOIN received r ON r.week = w.week
            """,
            invoices=invoices_cte(company.id, attributed=False),
            lateness=lateness_ctes(as_of),
            days_late=days_late(),
            as_of=as_of,
            horizon=HORIZON_DAYS,
            cash=CASH_KINDS,
        )
        self.env.flush_all()
        expected, received, gap = self.env.execute_query(query)[0]
        currency = company.currency_id
        return {
            "as_of": as_of,
            "expected": currency.round(float(expected)),
            "received": currency.round(float(received)),
            "error": round(100.0 * float(gap) / float(received), 1) if received else None,
        }

    @api.model
    def _xero_expected_by_team(self, team_ids, until):
        """{team id: untaxed amount} the open invoices and subscriptions of these teams
        are expected to bring by ``until`` (the pipeline aside)."""
        groups = self._read_group(
            [
                ("team_id", "in", team_ids),
                ("kind", "in", ("invoice", "subscription")),
                ("date", "<=", until),
            ],
            ["team_id"],
            ["amount_untaxed:sum"],
        )
        return {team.id: amount for team, amount in groups}
