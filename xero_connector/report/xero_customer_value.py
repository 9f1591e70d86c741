from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.money_sql import CASH_KINDS, invoices_cte


class XeroCustomerValue(models.Model):
    """What each customer has paid in Xero over their lifetime, what it cost to sell
    them and where they came from: one row per customer (commercial entity) and
    company, read by SQL from Odoo's copy of Xero's invoices, payments and refunds.

    - Paid: money received on all their Xero invoices (those not made from Odoo too):
      payments, and overpayments or prepayments allocated to an invoice, less the
      refunds of credit notes; in the company's currency (Xero's base currency).
      Credit notes allocated to invoices are not money: they only lower what is due.
    - Revenue: the untaxed part of it (each payment in the proportion of its invoice's
      untaxed total; a refund in the customer's average proportion).
    - Cost: Odoo's cost of what their orders invoiced (the cost price Odoo's Margins
      keep on the order line where installed, else the product's cost), so margin is
      revenue less cost.
    - Source, medium and campaign: those of the customer's first won opportunity, else
      of their first confirmed order; empty is "unknown".
    """

    _name = "xero.customer.value"
    _description = "Customer lifetime value"
    _auto = False
    _order = "paid desc, id"
    _rec_name = "partner_id"

    # ------------------------------------------------------------------ fields

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales team", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    paid = fields.Monetary(
        "Paid (lifetime value)",
        readonly=True,
        help="Money received on all the customer's Xero invoices, less credit notes "
        "refunded, in the company's currency.",
    )
    average_paid = fields.Monetary(
        "Average paid", readonly=True, aggregator="avg", help="Lifetime value per customer."
    )
    refunded = fields.Monetary(readonly=True, help="Credit notes refunded to the customer.")
    credited = fields.Monetary(
        readonly=True, help="Credit notes allocated to their invoices (not money received)."
    )
    invoiced = fields.Monetary("Invoiced (untaxed)", readonly=True)
    receivable = fields.Monetary("Owed", readonly=True, help="What their invoices still owe.")
    revenue = fields.Monetary("Revenue (untaxed, paid)", readonly=True)
    cost = fields.Monetary("Cost of sales", readonly=True)
    margin = fields.Monetary("Gross margin", readonly=True)
    revenue_share = fields.Float(
        "Share of revenue (%)", readonly=True, help="Of the company's paid revenue."
    )
    margin_share = fields.Float(
        "Share of margin (%)", readonly=True, help="Of the company's gross margin."
    )
    margin_rank = fields.Integer(
        "Rank by margin", readonly=True, aggregator=False, help="1 is the most profitable."
    )
    first_contact = fields.Date(
        readonly=True, help="Their first opportunity, or when the customer was made if earlier."
    )
    first_payment = fields.Date(readonly=True)
    last_payment = fields.Date(readonly=True)
    days_to_pay = fields.Float(
        "Days to first payment",
        readonly=True,
        aggregator="avg",
        help="From the first contact to the first payment.",
    )
    customer_count = fields.Integer("Customers", readonly=True)

    # ------------------------------------------------------------------ the query

    @property
    def _table_query(self):
        return SQL(
            """
            WITH %(invoices)s,
            cash AS (
                SELECT inv.company_id, inv.partner_id,
                       SUM(pay.amount_base) AS paid,
                       SUM(pay.amount_base * inv.untaxed_share) AS revenue,
                       MIN(pay.date) AS first_payment, MAX(pay.date) AS last_payment
                  FROM xero_invoice_payment pay
                  JOIN invoice inv ON inv.id = pay.invoice_id
                 WHERE pay.kind IN %(cash)s AND NOT COALESCE(pay.deleted, FALSE)
                   AND inv.partner_id IS NOT NULL
                 GROUP BY inv.company_id, inv.partner_id
            ),
            credit AS (
                SELECT inv.company_id, inv.partner_id, SUM(pay.amount_base) AS credited
                  FROM xero_invoice_payment pay
                  JOIN invoice inv ON inv.id = pay.invoice_id
                 WHERE pay.kind = 'credit_note' AND inv.partner_id IS NOT NULL
                 GROUP BY inv.company_id, inv.partner_id
            ),
            billed AS (
                SELECT company_id, partner_id,
                       SUM(sub_total_base) AS invoiced,
                       SUM(amount_due_base) FILTER (WHERE status = 'AUTHORISED') AS receivable,
                       SUM(sub_total_base) / NULLIF(SUM(sub_total_base / untaxed_share), 0)
                           AS untaxed_share
                  FROM invoice
                 WHERE status IN ('AUTHORISED', 'PAID') AND partner_id IS NOT NULL
                   AND untaxed_share <> 0
                 GROUP BY company_id, partner_id
            ),
            refund AS (
                SELECT r.company_id, customer.commercial_partner_id AS partner_id,
                       SUM(r.amount_base) AS refunded
                  FROM xero_refund r
                  JOIN xero_link link
                    ON link.connection_id = r.connection_id
                   AND link.res_model = 'res.partner'
                   AND link.xero_id = r.xero_contact_id
                  JOIN res_partner customer ON customer.id = link.res_id
                 WHERE r.kind = 'credit_note' AND NOT COALESCE(r.deleted, FALSE)
                 GROUP BY r.company_id, customer.commercial_partner_id
            ),
            cost AS (
                SELECT o.company_id, p.commercial_partner_id AS partner_id,
                       SUM(line.qty_invoiced * %(unit_cost)s) AS cost
                  FROM sale_order_line line
                  JOIN sale_order o ON o.id = line.order_id
                  JOIN res_partner p ON p.id = o.partner_id
                  LEFT JOIN product_product pp ON pp.id = line.product_id
                  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN uom_uom line_uom ON line_uom.id = line.product_uom_id
                  LEFT JOIN uom_uom product_uom ON product_uom.id = pt.uom_id
                 WHERE o.state = 'sale' AND line.display_type IS NULL
                   AND line.qty_invoiced <> 0
                 GROUP BY o.company_id, p.commercial_partner_id
            ),
            customers AS (
                SELECT company_id, partner_id FROM billed
                 UNION SELECT company_id, partner_id FROM cash
                 UNION SELECT company_id, partner_id FROM refund
            ),
            won AS (
                SELECT DISTINCT ON (c.company_id, c.partner_id)
                       c.company_id, c.partner_id, lead.source_id, lead.medium_id,
                       lead.campaign_id
                  FROM customers c
                  JOIN res_partner contact ON contact.commercial_partner_id = c.partner_id
                  JOIN crm_lead lead ON lead.partner_id = contact.id
                 WHERE lead.won_status = 'won'
                   AND (lead.company_id = c.company_id OR lead.company_id IS NULL)
                 ORDER BY c.company_id, c.partner_id,
                          COALESCE(lead.date_closed, lead.create_date), lead.id
            ),
            first_order AS (
                SELECT DISTINCT ON (c.company_id, c.partner_id)
                       c.company_id, c.partner_id, o.source_id, o.medium_id, o.campaign_id
                  FROM customers c
                  JOIN res_partner contact ON contact.commercial_partner_id = c.partner_id
                  JOIN sale_order o
                    ON o.partner_id = contact.id AND o.company_id = c.company_id
                 WHERE o.state = 'sale'
                 ORDER BY c.company_id, c.partner_id, o.date_order, o.id
            ),
            contacted AS (
                SELECT c.company_id, c.partner_id, MIN(lead.create_date)::date AS first_lead
                  FROM customers c
                  JOIN res_partner contact ON contact.commercial_partner_id = c.partner_id
                  JOIN crm_lead lead ON lead.partner_id = contact.id
                 WHERE lead.company_id = c.company_id OR lead.company_id IS NULL
                 GROUP BY c.company_id, c.partner_id
            ),
            value AS (
                SELECT c.company_id, c.partner_id,
                       COALESCE(cash.paid, 0) - COALESCE(refund.refunded, 0) AS paid,
                       COALESCE(refund.refunded, 0) AS refunded,
                       COALESCE(credit.credited, 0) AS credited,
                       COALESCE(billed.invoiced, 0) AS invoiced,
                       COALESCE(billed.receivable, 0) AS receivable,
                       COALESCE(cash.revenue, 0)
                           - COALESCE(refund.refunded, 0) * COALESCE(billed.untaxed_share, 1)
                           AS revenue,
                       COALESCE(cost.cost, 0) AS cost,
                       cash.first_payment, cash.last_payment,
                       LEAST(contacted.first_lead, customer.create_date::date)
                           AS first_contact,
                       COALESCE(won.source_id, first_order.source_id) AS source_id,
                       COALESCE(won.medium_id, first_order.medium_id) AS medium_id,
                       COALESCE(won.campaign_id, first_order.campaign_id) AS campaign_id,
                       owner.user_id AS owner_user_id, owner.team_id AS owner_team_id,
                       customer.user_id AS customer_user_id
                  FROM customers c
                  JOIN res_partner customer ON customer.id = c.partner_id
                  LEFT JOIN cash
                    ON cash.company_id = c.company_id AND cash.partner_id = c.partner_id
                  LEFT JOIN credit
                    ON credit.company_id = c.company_id AND credit.partner_id = c.partner_id
                  LEFT JOIN billed
                    ON billed.company_id = c.company_id AND billed.partner_id = c.partner_id
                  LEFT JOIN refund
                    ON refund.company_id = c.company_id AND refund.partner_id = c.partner_id
                  LEFT JOIN cost
                    ON cost.company_id = c.company_id AND cost.partner_id = c.partner_id
                  LEFT JOIN won
                    ON won.company_id = c.company_id AND won.partner_id = c.partner_id
                  LEFT JOIN first_order
                    ON first_order.company_id = c.company_id
                   AND first_order.partner_id = c.partner_id
                  LEFT JOIN contacted
                    ON contacted.company_id = c.company_id AND contacted.partner_id = c.partner_id
                  LEFT JOIN owner
                    ON owner.company_id = c.company_id AND owner.partner_id = c.partner_id
            )
            SELECT ROW_NUMBER() OVER (ORDER BY v.company_id, v.partner_id) AS id,
                   v.company_id, company.currency_id, v.partner_id,
                   COALESCE(v.owner_user_id, v.customer_user_id) AS user_id,
                   v.owner_team_id AS team_id,
                   v.source_id, v.medium_id, v.campaign_id,
                   ROUND(v.paid, 2) AS paid, ROUND(v.paid, 2) AS average_paid,
                   ROUND(v.refunded, 2) AS refunded, ROUND(v.credited, 2) AS credited,
                   ROUND(v.invoiced, 2) AS invoiced, ROUND(v.receivable, 2) AS receivable,
                   ROUND(v.revenue, 2) AS revenue, ROUND(v.cost, 2) AS cost,
                   ROUND(v.revenue - v.cost, 2) AS margin,
                   100.0 * v.revenue
                       / NULLIF(SUM(v.revenue) OVER (PARTITION BY v.company_id), 0)
                       AS revenue_share,
                   100.0 * (v.revenue - v.cost)
                       / NULLIF(SUM(v.revenue - v.cost) OVER (PARTITION BY v.company_id), 0)
                       AS margin_share,
                   RANK() OVER (PARTITION BY v.company_id ORDER BY v.revenue - v.cost DESC)
                       AS margin_rank,
                   v.first_contact, v.first_payment, v.last_payment,
                   v.first_payment - v.first_contact AS days_to_pay,
                   1 AS customer_count
              FROM value v
              JOIN res_company company ON company.id = v.company_id
            """,
            invoices=invoices_cte(attributed=False),
            cash=CASH_KINDS,
            unit_cost=self._xero_unit_cost(),
        )

    @api.model
    def _xero_unit_cost(self):
        """The cost of one unit of an order line, in the company's currency: Odoo's
        Margins' cost price on the line when installed (in the order's currency and the
        line's unit), else the product's cost (per the product's unit)."""
        if "purchase_price" in self.env["sale.order.line"]._fields:
            return SQL("COALESCE(line.purchase_price, 0) / NULLIF(o.currency_rate, 0)")
        return SQL(
            """COALESCE((pp.standard_price ->> o.company_id::text)::numeric, 0)
               * COALESCE(line_uom.factor, 1) / COALESCE(NULLIF(product_uom.factor, 0), 1)"""
        )

    # ------------------------------------------------------------------ actions

    def action_xero_open_customer(self):
        """The customer's form."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
        }
