"""The building blocks of the CRM's money reports: SQL over Odoo's copy of Xero.

Every report (lifetime value, margins, the cash-flow forecast, receivables beside the
pipeline, the monthly goal) reads the mirror of Xero's invoices (``xero_invoice``), what
settled them (``xero_invoice_payment``) and the refunds (``xero_refund``), each invoice
owned by the customer Odoo links to its Xero contact. Amounts are in the organisation's
base currency, which is the company's.
"""

from odoo.tools import SQL

# what counts as money received on an invoice: a payment, or money received earlier and
# allocated to it (an overpayment or a prepayment); a credit note is not money
CASH_KINDS = ("payment", "overpayment", "prepayment")
# how far back a customer's payments say how late they usually pay
LATENESS_DAYS = 365
# the forecast's horizon: 13 weeks
HORIZON_DAYS = 91


def invoices_cte(company=None, attributed=True):
    """``owner`` and ``invoice``: each mirrored invoice (of ``company`` when given)
    with its customer (the commercial entity of the partner linked to its Xero
    contact; NULL when none is), the untaxed share of its total and, when
    ``attributed``, its salesperson and team (its order's, else the customer's latest
    confirmed order's, else the customer's salesperson and their first team). Joins by
    hash, not row by row: the reports read every invoice."""
    if attributed:
        seller = SQL(
            """COALESCE(own.user_id, owner.user_id, customer.user_id) AS user_id,
               COALESCE(own.team_id, owner.team_id, member.crm_team_id) AS team_id,"""
        )
        joins = SQL(
            """
              LEFT JOIN owner
                ON owner.company_id = i.company_id AND owner.partner_id = customer.id
              LEFT JOIN (
                    SELECT DISTINCT ON (oi.xero_invoice_id) oi.xero_invoice_id, o.user_id,
                           o.team_id
                      FROM xero_order_invoice oi
                      JOIN sale_order o ON o.id = oi.order_id
                     WHERE oi.xero_invoice_id IS NOT NULL
                     ORDER BY oi.xero_invoice_id, oi.id
              ) own ON own.xero_invoice_id = i.id
              LEFT JOIN (
                    SELECT DISTINCT ON (m.user_id) m.user_id, m.crm_team_id
                      FROM crm_team_member m
                     WHERE m.active
                     ORDER BY m.user_id, m.id
              ) member ON member.user_id = customer.user_id
            """
        )
    else:
        seller, joins = SQL(""), SQL("")
    return SQL(
        """
        owner AS (
            SELECT DISTINCT ON (o.company_id, p.commercial_partner_id)
                   o.company_id, p.commercial_partner_id AS partner_id, o.user_id, o.team_id
              FROM sale_order o
              JOIN res_partner p ON p.id = o.partner_id
             WHERE o.state = 'sale'
             ORDER BY o.company_id, p.commercial_partner_id, o.date_order DESC, o.id DESC
        ),
        invoice AS (
            SELECT i.id, i.company_id, i.status, i.date, i.due_date, i.fully_paid_on,
                   i.expected_payment_date, i.sub_total_base, i.amount_due_base,
                   customer.id AS partner_id, %(seller)s
                   CASE WHEN i.total <> 0 THEN i.sub_total / i.total ELSE 1.0 END
                       AS untaxed_share
              FROM xero_invoice i
              LEFT JOIN xero_link link
                ON link.connection_id = i.connection_id
               AND link.res_model = 'res.partner'
               AND link.xero_id = i.xero_contact_id
              LEFT JOIN res_partner linked ON linked.id = link.res_id
              LEFT JOIN res_partner customer ON customer.id = linked.commercial_partner_id
              %(joins)s
             WHERE %(company)s IS NULL OR i.company_id = %(company)s
        )
        """,
        seller=seller,
        joins=joins,
        company=company,
    )


def lateness_ctes(as_of):
    """``late`` (company, customer, days) and ``usual`` (company, days): how many days
    after the due date each customer paid, on average, the invoices they paid in full
    in the year before ``as_of`` — and the company's average, for customers without
    such a history. Needs ``invoice``."""
    return SQL(
        """
        late AS (
            SELECT company_id, partner_id, AVG(fully_paid_on - due_date) AS days
              FROM invoice
             WHERE status = 'PAID' AND partner_id IS NOT NULL AND due_date IS NOT NULL
               AND fully_paid_on < %(as_of)s
               AND fully_paid_on >= %(as_of)s - %(lookback)s
             GROUP BY company_id, partner_id
        ),
        usual AS (
            SELECT company_id, AVG(fully_paid_on - due_date) AS days
              FROM invoice
             WHERE status = 'PAID' AND due_date IS NOT NULL
               AND fully_paid_on < %(as_of)s
               AND fully_paid_on >= %(as_of)s - %(lookback)s
             GROUP BY company_id
        )
        """,
        as_of=as_of,
        lookback=LATENESS_DAYS,
    )


def days_late():
    """The days late expected of a customer (``late`` and ``usual`` joined as ``l`` and
    ``u``), in whole days."""
    return SQL("ROUND(COALESCE(l.days, u.days, 0))::integer")
