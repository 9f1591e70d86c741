from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.money_sql import CASH_KINDS, invoices_cte


class XeroSalesMoney(models.Model):
    """Receivables beside the pipeline: per company, salesperson and sales team, what
    customers owe in Xero (and how much of it is overdue), what was paid this month,
    next to the open opportunities' expected revenue. Read by SQL from Odoo's copy of
    Xero and the CRM; an invoice belongs to its order's salesperson and team, else to
    the customer's (see ``money_sql.invoices_cte``)."""

    _name = "xero.sales.money"
    _description = "Receivables and pipeline"
    _auto = False
    _order = "receivable desc, id"

    # ------------------------------------------------------------------ fields

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales team", readonly=True)
    receivable = fields.Monetary(
        "Receivables", readonly=True, help="What customers owe on approved Xero invoices."
    )
    overdue = fields.Monetary(readonly=True, help="Of which past its due date.")
    paid_month = fields.Monetary("Paid this month", readonly=True)
    paid_month_untaxed = fields.Monetary("Paid this month (untaxed)", readonly=True)
    pipeline = fields.Monetary(readonly=True, help="Expected revenue of the open opportunities.")
    pipeline_weighted = fields.Monetary(
        "Pipeline (weighted)", readonly=True, help="Expected revenue x probability."
    )

    # ------------------------------------------------------------------ the query

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return SQL(
            """
            WITH %(invoices)s,
            figures AS (
                SELECT company_id, user_id, team_id,
                       amount_due_base AS receivable,
                       CASE WHEN due_date < %(today)s THEN amount_due_base ELSE 0 END
                           AS overdue,
                       0 AS paid_month, 0 AS paid_month_untaxed,
                       0 AS pipeline, 0 AS pipeline_weighted
                  FROM invoice
                 WHERE status = 'AUTHORISED' AND amount_due_base <> 0
                UNION ALL
                SELECT inv.company_id, inv.user_id, inv.team_id, 0, 0,
                       pay.amount_base, pay.amount_base * inv.untaxed_share, 0, 0
                  FROM xero_invoice_payment pay
                  JOIN invoice inv ON inv.id = pay.invoice_id
                 WHERE pay.kind IN %(cash)s AND NOT COALESCE(pay.deleted, FALSE)
                   AND pay.date >= %(month)s AND pay.date <= %(today)s
                UNION ALL
                SELECT COALESCE(lead.company_id, team.company_id), lead.user_id,
                       lead.team_id, 0, 0, 0, 0, lead.expected_revenue,
                       lead.prorated_revenue
                  FROM crm_lead lead
                  LEFT JOIN crm_team team ON team.id = lead.team_id
                 WHERE lead.active AND lead.type = 'opportunity'
                   AND lead.won_status = 'pending'
                   AND COALESCE(lead.company_id, team.company_id) IS NOT NULL
            )
            SELECT ROW_NUMBER() OVER (ORDER BY f.company_id, f.team_id, f.user_id) AS id,
                   f.company_id, company.currency_id, f.user_id, f.team_id,
                   ROUND(SUM(f.receivable), 2) AS receivable,
                   ROUND(SUM(f.overdue), 2) AS overdue,
                   ROUND(SUM(f.paid_month), 2) AS paid_month,
                   ROUND(SUM(f.paid_month_untaxed), 2) AS paid_month_untaxed,
                   ROUND(SUM(f.pipeline), 2) AS pipeline,
                   ROUND(SUM(f.pipeline_weighted), 2) AS pipeline_weighted
              FROM figures f
              JOIN res_company company ON company.id = f.company_id
             GROUP BY f.company_id, company.currency_id, f.user_id, f.team_id
            """,
            invoices=invoices_cte(),
            cash=CASH_KINDS,
            today=today,
            month=today.replace(day=1),
        )

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_by_team(self, team_ids):
        """{team id: {figure: amount}} of these teams, summed over their salespeople."""
        names = ("receivable", "overdue", "paid_month", "paid_month_untaxed", "pipeline")
        groups = self._read_group(
            [("team_id", "in", team_ids)], ["team_id"], [f"{name}:sum" for name in names]
        )
        return {team.id: dict(zip(names, sums, strict=True)) for team, *sums in groups}
