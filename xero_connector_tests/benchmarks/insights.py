"""How fast the revenue leakage report and the monthly health check are over a big book.

    setup/benchmark insights [--invoices N] [--orders M] [--leads L] [--customers C]
                             [--runs R]

In one transaction (rolled back at the end: nothing is left in the database): C
customers (one in a hundred sharing an e-mail with another) with their Xero contacts,
N invoices in the mirror of Xero's invoices with a payment each, M confirmed orders (one
line each, most of them invoiced in Xero: an order invoice with its line, linked to a
mirrored invoice; the others not invoiced, voided in Xero, changed in Xero, credited by
the accountant) and L opportunities (a quarter won, a few without an order). Then, R
times each with a cold cache: the leakage check finding every case (target < 2 s), the
daily check once its cases are recorded (nothing new: the steady state), opening the
report (its grouped list), the monthly health check (target < 2 s; its spot check
reads three invoices from the sandbox, which does not hold these: they are reported
missing) and the go-live audit of the customers, against a plain ``read_group`` over
the same mirrored invoices (their count and total by status), median and 95th
percentile; and the Xero calls each made. Money in the CRM: each report as it first
paints (lifetime value by source, medians and campaign return, the most profitable
customers, the forecast and its backtest, receivables beside the pipeline, a team's
card) over the same book, with a second payment of each invoice (2N payments), the
customers linked to their Xero contacts, sources and deadlines on the opportunities;
then what a new connection's first poll reads to fill the mirror of N invoices with
2N payments (``mirror_fill``; target <= ceil(N/1000) + 10 reads).
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import statistics
import time

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL

from ..tests.common import connected_values
from ._support import odoo_benchmark, percentile
from .mirror_fill import fill

NEEDS_ODOO = True
# one customer in this many shares its e-mail with another
TWINS = 100
# one order in this many of each kind of leak
LEAKS = {"not_invoiced": 100, "voided": 200, "mismatch": 200, "edited": 500}
# one payment in this many is a credit note Odoo never asked for
CREDITS = 100
# one won opportunity in this many has no order
WON_ALONE = 50
# the lead sources of the opportunities (one in 10 without a source)
SOURCES = 9
# one customer in this many had a credit note refunded
REFUNDED = 100


class InsightsBench:
    def __init__(self, cr, sandbox):
        self.cr = cr
        self.env = api.Environment(cr, SUPERUSER_ID, {})
        self.sandbox = sandbox
        self.connection = None

    # ------------------------------------------------------------------ the book

    def setup(self, invoices, orders, leads, customers):
        env = self.env
        connection = env.company._xero_connection().sudo()
        connection.write(
            connected_values(self.sandbox, 7200)
            | {"sync_contacts": True, "sync_invoices": True, "leakage_days": 7}
        )
        self.connection = connection
        product = env["product.product"].create({"name": "Bench service", "list_price": 100.0})
        team = env["crm.team"].create({"name": "Bench team"})
        won = env["crm.stage"].search([("is_won", "=", True)], limit=1)
        other = env["crm.stage"].search([("is_won", "=", False)], limit=1)
        env.flush_all()
        params = {
            "company": connection.company_id.id,
            "connection": connection.id,
            "currency": connection.company_id.currency_id.id,
            "partners": customers,
            "twins": TWINS,
            "product": product.id,
            "uom": product.uom_id.id,
            "user": env.user.id,
            "team": team.id,
            "won": won.id,
            "other": other.id,
            "invoices": invoices,
            "orders": orders,
            "leads": leads,
            **{f"leak_{kind}": every for kind, every in LEAKS.items()},
            "credits": CREDITS,
            "won_alone": WON_ALONE,
            "refunded": REFUNDED,
        }
        self.cr.execute(SQL(CUSTOMERS, **params))
        self.cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id "
            "WHERE name LIKE 'Bench customer %%' AND commercial_partner_id IS NULL"
        )
        self.cr.execute("SELECT min(id) FROM res_partner WHERE name LIKE 'Bench customer %%'")
        params["first_partner"] = self.cr.fetchone()[0]
        self.cr.execute(SQL(CONTACTS, **params))
        sources = env["utm.source"].create([{"name": f"Bench source {n}"} for n in range(SOURCES)])
        campaign = env["utm.campaign"].create({"name": "Bench campaign", "xero_cost": 50000})
        params |= {"first_source": min(sources.ids), "sources": SOURCES, "campaign": campaign.id}
        env.flush_all()
        self.cr.execute(SQL(LEADS, **params))
        self.cr.execute("SELECT min(id) FROM crm_lead WHERE name LIKE 'Bench deal %%'")
        params["first_lead"] = self.cr.fetchone()[0]
        for step in (
            ORDERS,
            LINES,
            MIRRORS,
            ORDER_INVOICES,
            LINKS,
            INVOICE_LINES,
            PAYMENTS,
            SECOND_PAYMENTS,
            PARTNER_LINKS,
            REFUNDS,
        ):
            self.cr.execute(SQL(step, **params))
        self.cr.execute("ANALYZE")
        env.invalidate_all()

    # ------------------------------------------------------------------ what is timed

    def timed(self, runs, load):
        seconds = []
        for _run in range(runs):
            self.env.invalidate_all()
            self.env.registry.clear_cache()
            started = time.perf_counter()
            load()
            seconds.append(time.perf_counter() - started)
        return seconds

    def find(self):
        today = fields.Date.context_today(self.connection)
        return self.env["xero.leakage.case"]._xero_find(self.connection, today)

    def check(self):
        return self.env["xero.leakage.case"]._xero_check(self.connection)

    def report(self):
        """What the report's first paint asks for: its groups by kind with totals."""
        cases = self.env["xero.leakage.case"]
        return cases.web_read_group([("state", "=", "open")], ["kind"], ["amount:sum", "__count"])

    def health(self):
        return self.env["xero.health.check"]._xero_run(self.connection)

    def audit(self):
        company = self.connection.company_id
        kinds = self.env["xero.contact.golive"]._xero_audit_kinds
        return self.env["xero.data.audit"]._xero_audit(company, kinds)

    def lifetime_value(self):
        """The pivot's first paint: customers, paid and average by source."""
        return self.env["xero.customer.value"].formatted_read_group(
            [], ["source_id"], ["__count", "paid:sum", "average_paid:avg", "days_to_pay:avg"]
        )

    def by_source(self):
        """Medians and campaign return: the list, one row per source and campaign."""
        return self.env["xero.source.value"].search_read(
            [], ["source_id", "campaign_id", "customer_count", "median_paid", "return_percent"]
        )

    def top_customers(self):
        """The most profitable customers: the top 50 by margin."""
        return self.env["xero.customer.value"].search_read(
            [("margin_rank", "<=", 50)], ["partner_id", "margin", "margin_share"]
        )

    def forecast(self):
        """The forecast's graph: 13 weeks by series."""
        return self.env["xero.cash.forecast"].formatted_read_group(
            [], ["date:week", "kind"], ["amount:sum"]
        )

    def backtest(self):
        today = fields.Date.context_today(self.connection)
        return self.env["xero.cash.forecast"]._xero_backtest(self.connection.company_id, today)

    def receivables(self):
        """Receivables beside the pipeline, per team and salesperson."""
        return self.env["xero.sales.money"].formatted_read_group(
            [], ["team_id", "user_id"], ["receivable:sum", "overdue:sum", "pipeline:sum"]
        )

    def team_card(self):
        """A sales team's card: receivables, paid this month, the month's goal."""
        teams = self.env["crm.team"].search([("name", "=", "Bench team")])
        return teams.read(["xero_receivable", "xero_paid_month", "xero_goal_forecast"])

    def money(self, runs, base):
        """Money in the CRM: each report as it first paints, and the calls it makes."""
        calls = len(self.sandbox.calls)
        customers = self.env["xero.customer.value"].search_count([])
        print(f"Money in the CRM: {customers} customers with a lifetime value")
        for label, load in (
            ("lifetime value by source (pivot)", self.lifetime_value),
            ("medians and campaign return (list)", self.by_source),
            ("most profitable customers (top 50)", self.top_customers),
            ("cash-flow forecast (graph)", self.forecast),
            ("forecast backtest", self.backtest),
            ("receivables and pipeline (pivot)", self.receivables),
            ("a sales team's card", self.team_card),
        ):
            load()  # warm-up
            summary(label, self.timed(runs, load), target=2.0, base=base)
        print(f"  backtest: {self.backtest()}")
        print(f"  Xero calls: {len(self.sandbox.calls) - calls}")

    def plain(self):
        return self.env["xero.invoice"]._read_group(
            [("connection_id", "=", self.connection.id)], ["status"], ["total:sum", "__count"]
        )


# customers, one in TWINS sharing its e-mail with the next one, and their Xero contacts
CUSTOMERS = """
INSERT INTO res_partner (name, email, phone, street, city, country_id, customer_rank,
                         active, type, is_company, autopost_bills, create_date)
SELECT 'Bench customer ' || n,
       'bench' || (CASE WHEN n %% %(twins)s = 1 THEN n - 1 ELSE n END) || '@example.com',
       '+64 9 ' || lpad(n::text, 7, '0'), n || ' Queen Street', 'Auckland',
       (SELECT id FROM res_country WHERE code = 'NZ'), 1, TRUE,
       'contact', TRUE, 'ask', now()
  FROM generate_series(1, %(partners)s) n
"""
CONTACTS = """
INSERT INTO xero_contact (connection_id, xero_id, name, email, archived, updated_at,
                          create_date)
SELECT %(connection)s, md5('bench-contact-' || n)::uuid::text, 'Bench customer ' || n,
       'bench' || n || '@example.com', FALSE, now() - (n %% 300) * interval '1 day', now()
  FROM generate_series(1, %(partners)s) n
"""
# a quarter of the opportunities won; most won ones have a confirmed order (below)
LEADS = """
INSERT INTO crm_lead (name, type, active, company_id, user_id, team_id, partner_id,
                      stage_id, expected_revenue, probability, date_closed, won_status,
                      prorated_revenue, date_deadline, source_id, campaign_id, create_date)
SELECT 'Bench deal ' || n, 'opportunity', TRUE, %(company)s, %(user)s, %(team)s,
       %(first_partner)s + n %% %(partners)s,
       CASE WHEN n %% 4 = 0 THEN %(won)s ELSE %(other)s END, 1000,
       CASE WHEN n %% 4 = 0 THEN 100 ELSE 50 END,
       CASE WHEN n %% 4 = 0 THEN now() - (n %% 300) * interval '1 day' END,
       CASE WHEN n %% 4 = 0 THEN 'won' ELSE 'pending' END,
       CASE WHEN n %% 4 = 0 THEN 1000 ELSE 500 END,
       CASE WHEN n %% 4 <> 0 THEN now()::date + n %% 120 END,
       CASE WHEN n %% 10 <> 0 THEN %(first_source)s + n %% %(sources)s END,
       CASE WHEN n %% 7 = 0 THEN %(campaign)s END,
       now() - (n %% 400) * interval '1 day'
  FROM generate_series(1, %(leads)s) n
"""
# orders: the won opportunities' (but one in WON_ALONE), then others; a few not invoiced
ORDERS = """
INSERT INTO sale_order (name, company_id, partner_id, partner_invoice_id,
                        partner_shipping_id, currency_id, currency_rate, date_order, state,
                        invoice_status, user_id, team_id, opportunity_id, amount_untaxed,
                        amount_tax, amount_total, create_date)
SELECT 'BENCH/' || n, %(company)s, p, p, p, %(currency)s, 1.0,
       now() - (n %% 300) * interval '1 day', 'sale',
       CASE WHEN n %% %(leak_not_invoiced)s = 0 OR n %% %(leak_voided)s = 1 THEN 'to invoice'
            ELSE 'invoiced' END,
       %(user)s, %(team)s,
       CASE WHEN n * 4 <= %(leads)s AND n %% %(won_alone)s <> 0
            THEN %(first_lead)s + n * 4 - 1 END,
       100, 15, 115, now()
  FROM generate_series(1, %(orders)s) n,
       LATERAL (SELECT %(first_partner)s + n %% %(partners)s AS p) partner
"""
LINES = """
INSERT INTO sale_order_line (order_id, name, product_id, product_uom_id, product_uom_qty,
                             price_unit, discount, customer_lead, company_id, currency_id,
                             untaxed_amount_to_invoice, qty_invoiced, invoice_status,
                             create_date)
SELECT o.id, 'Bench service', %(product)s, %(uom)s, 1, 100, 0, 0, %(company)s,
       %(currency)s, CASE WHEN o.invoice_status = 'to invoice' THEN 100 ELSE 0 END,
       CASE WHEN o.invoice_status = 'to invoice' THEN 0 ELSE 1 END, o.invoice_status, now()
  FROM sale_order o WHERE o.name LIKE 'BENCH/%%'
"""
# the mirror: the first ones are the orders' invoices, the rest invoices made in Xero
MIRRORS = """
INSERT INTO xero_invoice (connection_id, company_id, xero_id, xero_contact_id, number,
                          date, due_date, status, currency_code, currency_id, total,
                          sub_total, sub_total_base, amount_due, amount_due_base,
                          amount_paid, updated_at, create_date)
SELECT %(connection)s, %(company)s, 'bench-' || n, 'bench-contact-' || (n %% %(partners)s),
       'INV-' || n, now()::date - (n %% 300), now()::date - (n %% 300) + 30,
       CASE WHEN n <= %(orders)s AND n %% %(leak_voided)s = 1 THEN 'VOIDED'
            WHEN n %% 3 = 0 THEN 'AUTHORISED' ELSE 'PAID' END,
       'NZD', %(currency)s,
       CASE WHEN n <= %(orders)s AND n %% %(leak_mismatch)s = 7 THEN 105 ELSE 115 END,
       100, 100, CASE WHEN n %% 3 = 0 THEN 115 ELSE 0 END,
       CASE WHEN n %% 3 = 0 THEN 115 ELSE 0 END, CASE WHEN n %% 3 = 0 THEN 0 ELSE 115 END,
       now() - (n %% 300) * interval '1 day', now()
  FROM generate_series(1, %(invoices)s) n
"""
ORDER_INVOICES = """
INSERT INTO xero_order_invoice (order_id, connection_id, company_id, partner_id,
                                currency_id, date, due_date, state, amount_untaxed,
                                amount_tax, amount_total, xero_invoice_id, create_date)
SELECT o.id, %(connection)s, %(company)s, o.partner_id, %(currency)s, x.date, x.due_date,
       'open', 100, 15, 115, x.id, now()
  FROM sale_order o
  JOIN xero_invoice x ON x.xero_id = 'bench-' || substr(o.name, 7)
 WHERE o.name LIKE 'BENCH/%%' AND (o.invoice_status = 'invoiced' OR x.status = 'VOIDED')
"""
LINKS = """
INSERT INTO xero_link (connection_id, company_id, res_model, res_id, xero_id, state,
                       create_date)
SELECT %(connection)s, %(company)s, 'xero.order.invoice', i.id,
       md5('bench-invoice-' || i.id)::uuid::text, 'synced', now()
  FROM xero_order_invoice i WHERE i.connection_id = %(connection)s
"""
INVOICE_LINES = """
INSERT INTO xero_order_invoice_line (invoice_id, company_id, sale_line_id, name,
                                     product_id, quantity, price_unit, discount,
                                     price_subtotal, price_total, sequence, create_date)
SELECT i.id, %(company)s, sl.id, sl.name, sl.product_id, 1,
       CASE WHEN i.id %% %(leak_edited)s = 3 THEN 90 ELSE 100 END, 0, 100, 115, 10, now()
  FROM xero_order_invoice i
  JOIN sale_order_line sl ON sl.order_id = i.order_id
 WHERE i.connection_id = %(connection)s
"""
PAYMENTS = """
INSERT INTO xero_invoice_payment (invoice_id, connection_id, company_id, xero_contact_id,
                                  kind, xero_id, number, date, amount, amount_base,
                                  deleted, create_date)
SELECT x.id, %(connection)s, %(company)s, x.xero_contact_id,
       CASE WHEN x.id %% %(credits)s = 37 THEN 'credit_note' ELSE 'payment' END,
       'bench-payment-' || x.id, 'CN-' || x.id, x.date + 10, 20, 20, FALSE, now()
  FROM xero_invoice x WHERE x.connection_id = %(connection)s
"""

# a second payment of each invoice: 200,000 payments for 100,000 invoices
SECOND_PAYMENTS = """
INSERT INTO xero_invoice_payment (invoice_id, connection_id, company_id, xero_contact_id,
                                  kind, xero_id, date, amount, amount_base, deleted,
                                  create_date)
SELECT x.id, %(connection)s, %(company)s, x.xero_contact_id, 'payment',
       'bench-payment-2-' || x.id, x.date + 40, 30, 30, FALSE, now()
  FROM xero_invoice x WHERE x.connection_id = %(connection)s
"""
# each customer linked to its Xero contact
PARTNER_LINKS = """
INSERT INTO xero_link (connection_id, company_id, res_model, res_id, xero_id, state,
                       create_date)
SELECT %(connection)s, %(company)s, 'res.partner', %(first_partner)s + k,
       'bench-contact-' || k, 'synced', now()
  FROM generate_series(0, %(partners)s - 1) k
"""
REFUNDS = """
INSERT INTO xero_refund (connection_id, company_id, xero_id, xero_contact_id, kind, date,
                         currency_id, amount, amount_base, deleted, create_date)
SELECT %(connection)s, %(company)s, 'bench-refund-' || k, 'bench-contact-' || k,
       'credit_note', now()::date - k %% 200, %(currency)s, 10, 10, FALSE, now()
  FROM generate_series(0, %(partners)s - 1, %(refunded)s) k
"""


def summary(label, seconds, target=None, base=None):
    median, p95 = statistics.median(seconds), percentile(seconds, 0.95)
    line = f"  {label:<34} median {median * 1000:8.1f} ms, 95th percentile {p95 * 1000:8.1f} ms"
    if target:
        line += f" (target < {target * 1000:.0f} ms)"
    if base:
        line += f", {median / base:5.1f}x the plain read_group"
    print(line)


def main():
    args, registry, sandbox = odoo_benchmark(
        "setup/benchmark insights",
        invoices=100_000,
        orders=50_000,
        leads=20_000,
        customers=20_000,
        runs=5,
    )
    try:
        with registry.cursor() as cr:
            bench = InsightsBench(cr, sandbox)
            started = time.perf_counter()
            bench.setup(args.invoices, args.orders, args.leads, args.customers)
            made = time.perf_counter() - started
            print(
                f"{args.invoices} mirrored invoices with two payments each, {args.orders} orders, "
                f"{args.leads} opportunities, {args.customers} customers (made in {made:.1f} s, "
                "rolled back at the end)"
            )
            bench.timed(1, bench.plain)  # warm-up
            plain = bench.timed(args.runs, bench.plain)
            base = statistics.median(plain)
            calls = len(sandbox.calls)
            find = bench.timed(args.runs, bench.find)
            cases = bench.find()
            first = bench.timed(1, bench.check)
            steady = bench.timed(args.runs, bench.check)
            report = bench.timed(args.runs, bench.report)
            leakage_calls = len(sandbox.calls) - calls
            kinds = {}
            for values in cases.values():
                kinds[values["kind"]] = kinds.get(values["kind"], 0) + 1
            print(f"Revenue leakage: {len(cases)} cases ({kinds})")
            summary("plain read_group of the invoices", plain)
            summary("finding every case", find, target=2.0, base=base)
            summary("first daily check (cases, activities)", first)
            summary("daily check, nothing new", steady, target=2.0, base=base)
            summary("opening the report", report, target=2.0, base=base)
            print(f"  Xero calls: {leakage_calls}")
            calls = len(sandbox.calls)
            health = bench.timed(args.runs, bench.health)
            check = bench.health()
            kinds = {}
            for finding in check.finding_ids:
                kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
            print(f"Monthly health check: {len(check.finding_ids)} findings ({kinds})")
            summary("the whole check", health, target=2.0, base=base)
            print(
                f"  Xero calls: {(len(sandbox.calls) - calls) / (args.runs + 1):.0f} a check "
                "(the spot check's read of three invoices)"
            )
            audit = bench.timed(args.runs, bench.audit)
            print(f"Go-live audit of the customers: {bench.audit()}")
            summary("counting every problem", audit, target=2.0, base=base)
            bench.money(args.runs, base)
            cr.rollback()
        # a new connection filling the mirror these reports read (commits; cleaned up)
        filled = fill(registry, sandbox, invoices=args.invoices, payments_per_invoice=2)
        print(
            f"A new connection's mirror of {filled['invoices']} invoices with "
            f"{filled['payments']} payments and {filled['refunds']} refunds: "
            f"{filled['reads']} reads (target <= {filled['target']}: ceil(N/1000) + 10), "
            f"by collection {filled['by_collection']}, first poll {filled['seconds']} s"
        )
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
