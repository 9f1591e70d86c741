from odoo import fields, models


class XeroConnectionTenant(models.Model):
    """An organisation a consent granted, offered for choice when there are several."""

    _name = "xero.connection.tenant"
    _description = "Xero organisation offered by a consent"
    _order = "name"

    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="connection_id.company_id")
    name = fields.Char("Organisation", required=True)
    tenant_id = fields.Char("Organisation ID", required=True)
    connection_ref = fields.Char("Xero connection id", groups="base.group_system")
