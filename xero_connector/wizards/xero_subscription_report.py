from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


def _last_month_start(record):
    return fields.Date.context_today(record) + relativedelta(months=-1, day=1)


def _last_month_end(record):
    return fields.Date.context_today(record) + relativedelta(day=1, days=-1)


class XeroSubscriptionReport(models.TransientModel):
    """Recurring revenue over a period: the MRR at its start and end, and what moved
    it (new customers, expansion, contraction, churn), from the versions of the
    company's subscriptions (each worth its MRR from the day it was made until another
    version, a pause, the end or the cancellation took over)."""

    _name = "xero.subscription.report"
    _description = "Recurring revenue movements"

    # ------------------------------------------------------------------ fields

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date("From", required=True, default=_last_month_start)
    date_to = fields.Date("To", required=True, default=_last_month_end)
    mrr_start = fields.Monetary("MRR at the start", compute="_compute_figures")
    mrr_end = fields.Monetary("MRR at the end", compute="_compute_figures")
    arr_end = fields.Monetary("ARR at the end", compute="_compute_figures")
    new_mrr = fields.Monetary("New", compute="_compute_figures", help="Customers who had none.")
    expansion_mrr = fields.Monetary(
        "Expansion", compute="_compute_figures", help="Customers who pay more a month."
    )
    contraction_mrr = fields.Monetary(
        "Contraction", compute="_compute_figures", help="Customers who pay less (still some)."
    )
    churned_mrr = fields.Monetary(
        "Churned", compute="_compute_figures", help="Customers who pay nothing any more."
    )
    net_mrr = fields.Monetary("Net change", compute="_compute_figures")
    customers_start = fields.Integer("Customers at the start", compute="_compute_figures")
    customers_end = fields.Integer("Customers at the end", compute="_compute_figures")
    customers_lost = fields.Integer("Customers lost", compute="_compute_figures")
    logo_churn = fields.Float(
        "Logo churn (%)",
        compute="_compute_figures",
        digits=(16, 2),
        help="Of the customers paying at the start, the share paying nothing at the end.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends("company_id", "date_from", "date_to")
    def _compute_figures(self):
        subscriptions = self.env["xero.subscription"]
        for report in self:
            if not (report.date_from and report.date_to and report.company_id):
                report._xero_clear()
                continue
            figures = subscriptions._xero_movements(
                report.company_id, report.date_from, report.date_to
            )
            report.update(
                {
                    "mrr_start": figures["mrr_start"],
                    "mrr_end": figures["mrr_end"],
                    "arr_end": figures["arr_end"],
                    "new_mrr": figures["new"],
                    "expansion_mrr": figures["expansion"],
                    "contraction_mrr": figures["contraction"],
                    "churned_mrr": figures["churned"],
                    "net_mrr": figures["mrr_end"] - figures["mrr_start"],
                    "customers_start": figures["customers_start"],
                    "customers_end": figures["customers_end"],
                    "customers_lost": figures["customers_lost"],
                    "logo_churn": figures["logo_churn"],
                }
            )

    # ------------------------------------------------------------------ business

    def _xero_clear(self):
        self.ensure_one()
        for name, field in self._fields.items():
            if field.compute == "_compute_figures":
                self[name] = 0
