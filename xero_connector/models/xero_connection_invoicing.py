from odoo import fields, models


class XeroConnection(models.Model):
    """How confirmed orders and won deals are invoiced in Xero: when, as what, with
    which number, account and branding, and who sends them."""

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

    sync_invoices = fields.Boolean(
        "Invoice orders in Xero",
        help="Orders are invoiced in Xero, not in Odoo: Create Invoice on an order makes the "
        "Xero invoice, and what Xero invoiced is what the order shows as invoiced.",
    )
    invoice_trigger = fields.Selection(
        [
            ("manual", "Only when someone clicks Create Xero invoice"),
            ("confirm", "When an order is confirmed"),
            ("stage", "When an opportunity reaches a stage"),
            ("both", "Both: orders confirmed, and opportunities at a stage"),
        ],
        "Invoice automatically",
        default="manual",
        required=True,
    )
    invoice_stage_id = fields.Many2one(
        "crm.stage",
        "Stage that invoices",
        help="An opportunity reaching this stage has its confirmed orders invoiced in Xero.",
    )
    invoice_without_order = fields.Selection(
        [
            ("flag", "Flag it as won without an order"),
            ("revenue", "Invoice its expected revenue"),
        ],
        "Opportunity without an order",
        default="flag",
        required=True,
    )
    invoice_revenue_product_id = fields.Many2one(
        "product.product",
        "Product of expected revenue",
        help="The line of an invoice made from an opportunity's expected revenue.",
    )
    invoice_status = fields.Selection(
        [
            ("DRAFT", "Draft: finance approves it in Xero"),
            ("AUTHORISED", "Approved: payable at once"),
        ],
        "Invoices are created",
        default="AUTHORISED",
        required=True,
    )
    invoice_number_from = fields.Selection(
        [("xero", "Xero's own sequence"), ("order", "The order's number")],
        "Invoice number",
        default="xero",
        required=True,
        help="With the order's number, a second invoice of the same order gets a suffix "
        "(S00012-2).",
    )
    invoice_email = fields.Selection(
        [
            ("none", "Odoo's own emails only"),
            ("xero", "Xero emails the approved invoice"),
            ("mark_sent", "Marked sent in Xero when Odoo emails the order"),
        ],
        "Sending invoices",
        default="none",
        required=True,
        help="Every approved invoice gets its online payment link (Pay now) on the order, "
        "its portal page and its emails. Xero can also email the invoice itself (to the "
        "contact's address, from the user who connected Odoo), or be told the invoice was "
        "sent when Odoo emails the order.",
    )
    rounding_account_id = fields.Many2one(
        "xero.account",
        "Rounding account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE')]",
        help="Where Odoo's total and Xero's per-line tax rounding differ by a few cents, a "
        "rounding line on this account makes the Xero invoice equal the order, to the cent.",
    )
    deposit_account_id = fields.Many2one(
        "xero.account",
        "Down payment account",
        domain="[('connection_id', '=', id), ('status', '=', 'ACTIVE')]",
        help="The Xero account of down payment lines (a customer deposits account); the "
        "default sales account when empty.",
    )
    branding_theme_id = fields.Many2one(
        "xero.branding.theme",
        "Branding theme",
        domain="[('connection_id', '=', id)]",
        help="The theme of invoices whose sales team names none (Xero's default when empty).",
    )
