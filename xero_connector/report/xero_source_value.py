from odoo import fields, models
from odoo.tools import SQL


class XeroSourceValue(models.Model):
    """Lifetime value by where customers came from: one row per company and UTM source,
    medium and campaign of the customers' first won opportunity (empty: unknown), built
    on the customers' lifetime values (``xero.customer.value``).

    A campaign's cost (entered on the campaign) is shared among its rows in proportion
    to their customers, so the rows of a campaign add up to its cost.
    """

    _name = "xero.source.value"
    _description = "Lifetime value by lead source"
    _auto = False
    _order = "paid desc, id"

    # ------------------------------------------------------------------ fields

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    customer_count = fields.Integer("Customers", readonly=True)
    paid = fields.Monetary(readonly=True, help="What these customers paid in all.")
    average_paid = fields.Monetary(
        "Average lifetime value", readonly=True, aggregator=False, help="Paid per customer."
    )
    median_paid = fields.Monetary("Median lifetime value", readonly=True, aggregator=False)
    margin = fields.Monetary("Gross margin", readonly=True)
    days_to_pay = fields.Float(
        "Median days to first payment",
        readonly=True,
        aggregator=False,
        help="From the first contact to the first payment, for the customers who paid.",
    )
    cost = fields.Monetary(
        "Campaign cost", readonly=True, help="The campaign's cost (entered on the campaign)."
    )
    cost_per_customer = fields.Monetary("Cost per customer", readonly=True, aggregator=False)
    return_percent = fields.Float(
        "Return (%)",
        readonly=True,
        aggregator=False,
        help="(Paid - cost) / cost: what each unit spent on the campaign brought back.",
    )

    # ------------------------------------------------------------------ the query

    @property
    def _table_query(self):
        return SQL(
            """
            WITH customer AS (%(customers)s),
            grouped AS (
                SELECT company_id, currency_id, source_id, medium_id, campaign_id,
                       COUNT(*) AS customer_count, SUM(paid) AS paid, SUM(margin) AS margin,
                       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY paid) AS median_paid,
                       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days_to_pay)
                           AS days_to_pay
                  FROM customer
                 GROUP BY company_id, currency_id, source_id, medium_id, campaign_id
            ),
            shared AS (
                SELECT g.*,
                       campaign.xero_cost * g.customer_count
                           / SUM(g.customer_count) OVER (
                                 PARTITION BY g.company_id, g.campaign_id) AS cost
                  FROM grouped g
                  LEFT JOIN utm_campaign campaign ON campaign.id = g.campaign_id
            )
            SELECT ROW_NUMBER() OVER (
                       ORDER BY company_id, source_id, medium_id, campaign_id) AS id,
                   company_id, currency_id, source_id, medium_id, campaign_id,
                   customer_count, paid, margin,
                   ROUND(paid / customer_count, 2) AS average_paid,
                   ROUND(median_paid::numeric, 2) AS median_paid,
                   days_to_pay,
                   ROUND(cost, 2) AS cost,
                   ROUND(cost / customer_count, 2) AS cost_per_customer,
                   100.0 * (paid - cost) / NULLIF(cost, 0) AS return_percent
              FROM shared
            """,
            customers=self.env["xero.customer.value"]._table_query,
        )
