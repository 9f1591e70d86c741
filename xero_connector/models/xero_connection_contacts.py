from odoo import fields, models


class XeroConnection(models.Model):
    """What syncs of customers and contacts, and how conflicts and name clashes are
    decided."""

    # one file per domain of settings, as core splits a model (account_journal_dashboard)
    _inherit = "xero.connection"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ fields

    sync_contacts = fields.Boolean(
        "Sync contacts",
        help="Customers in Odoo and contacts in Xero are kept in sync through the queue.",
    )
    contact_scope = fields.Selection(
        [
            ("customers", "Customers"),
            ("companies", "Companies"),
            ("all", "All companies and individuals"),
            ("domain", "Matching a filter"),
        ],
        "Partners that sync",
        default="customers",
        required=True,
        help="Only companies and individuals without a parent sync; their contact persons "
        "with an email go along as Xero contact persons. A customer is a partner Odoo "
        "invoiced, or with a confirmed sales order, or an opportunity.",
    )
    contact_domain = fields.Char(
        "Filter", default="[]", help="The partners that sync, when 'Matching a filter'."
    )
    contact_conflict = fields.Selection(
        [
            ("last", "The last change wins"),
            ("odoo", "Odoo wins"),
            ("xero", "Xero wins"),
        ],
        "When both sides changed a field",
        default="last",
        required=True,
    )
    contact_name_rule = fields.Selection(
        [
            ("email", "Link when the email matches, else add a distinguishing suffix"),
            ("suffix", "Always add a distinguishing suffix"),
            ("review", "Put it in the review list"),
        ],
        "A name Xero already has",
        default="email",
        required=True,
        help="Xero's contact names are unique among active contacts. The suffix is the "
        "city, the reference or the Odoo id, in brackets; every decision is logged.",
    )
    contact_create_in_odoo = fields.Boolean(
        "Create new Xero contacts in Odoo",
        default=True,
        help="A Xero contact that matches no partner becomes a customer in Odoo.",
    )
    history_years = fields.Integer(
        "Years of invoice history",
        default=3,
        help="The customer's Xero invoices of this many years are shown on the customer; "
        "unpaid invoices are always shown.",
    )
    field_rule_ids = fields.One2many("xero.field.rule", "connection_id", "Field directions")
    contact_rule_ids = fields.One2many(
        "xero.field.rule",
        "connection_id",
        "Contact fields",
        domain=[("res_model", "=", "res.partner")],
    )
