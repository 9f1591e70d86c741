from odoo import api, fields, models

from ..tools.records import target_names


class XeroLink(models.Model):
    """One Odoo record linked to one Xero object of one organisation.

    Links are the only identity between the two systems: never a name. A record has
    at most one link per connection, and a Xero object at most one record per model.
    """

    _name = "xero.link"
    _description = "Link between an Odoo record and a Xero object"
    _order = "last_sync_at desc, id desc"

    # ------------------------------------------------------------------ fields

    # the company is the connection's: nothing to check between the two
    # indexes are few on purpose: the queue writes links 50 at a time; the unique
    # indexes below lead with the connection and serve its lookups
    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    res_model = fields.Char("Model", required=True)
    res_id = fields.Many2oneReference(
        "Record ID", model_field="res_model", required=True, index=True
    )
    record_name = fields.Char("Record", compute="_compute_record_name")
    xero_id = fields.Char("Xero ID", copy=False)
    state = fields.Selection(
        [
            ("pending", "Waiting to sync"),
            ("synced", "Synced"),
            ("error", "Error"),
            ("excluded", "Not synced"),
        ],
        default="pending",
        required=True,
    )
    xero_name = fields.Char(
        "Name in Xero",
        readonly=True,
        help="The name given in Xero when the record's own name was already used there.",
    )
    lookup_done = fields.Boolean(
        "Matched",
        readonly=True,
        help="Matching was decided: a create goes to Xero without being matched again (a "
        "manager chose to create it, or it was given a distinguishing name).",
    )
    last_sync_at = fields.Datetime("Last sync", readonly=True)
    last_error = fields.Text(readonly=True)
    # what Odoo and Xero last agreed on, per top-level Xero field: the base of the
    # three-way comparison that tells an Odoo change from a Xero change
    synced_values = fields.Json(readonly=True, copy=False)
    xero_updated_at = fields.Datetime("Updated in Xero", readonly=True)
    xero_url = fields.Char("Open in Xero", compute="_compute_xero_url")

    # ------------------------------------------------------------------ constraints

    _record_uniq = models.UniqueIndex(
        "(connection_id, res_model, res_id)",
        "A record is linked to one Xero object per organisation.",
    )
    _xero_uniq = models.UniqueIndex(
        "(connection_id, res_model, xero_id) WHERE xero_id IS NOT NULL",
        "A Xero object is linked to one record per organisation.",
    )

    # ------------------------------------------------------------------ compute

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        names = target_names(self)
        for link in self:
            link.record_name = names[link] or False

    @api.depends("xero_id", "res_model", "connection_id")
    def _compute_xero_url(self):
        for link in self:
            model = self.env.get(link.res_model)
            link.xero_url = (
                model._xero_url(link.connection_id, link.xero_id)
                if link.xero_id and model is not None
                else False
            )

    def _compute_display_name(self):
        for link in self:
            link.display_name = f"{link.record_name or link.res_model} ↔ {link.xero_id or '…'}"

    # ------------------------------------------------------------------ actions

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def action_xero_resync(self):
        """Resync these records with these links' organisations."""
        for (model, connection), links in self.grouped(
            lambda link: (link.res_model, link.connection_id)
        ).items():
            records = self.env[model].browse(links.mapped("res_id")).exists()
            records._xero_resync(connection)
        return True
