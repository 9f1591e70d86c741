import html

from odoo import api, fields, models
from odoo.exceptions import UserError

PREVIEW = 20  # names shown per category in the dry run


class XeroGoliveMixin(models.AbstractModel):
    """What the go-live wizards share: a dry run that counts and lists what going live
    would link, create in Xero, create in Odoo and leave to a person, then a test
    batch, then everything."""

    _name = "xero.golive.mixin"
    _description = "Go live with Xero sync"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection",
        required=True,
        default=lambda self: self.env.company._xero_connection(),
    )
    state = fields.Selection(
        [("draft", "Start"), ("planned", "Dry run done"), ("live", "Live")], default="draft"
    )
    count_linked = fields.Integer("Already linked", readonly=True)
    count_link = fields.Integer("To link", readonly=True)
    count_create_xero = fields.Integer("To create in Xero", readonly=True)
    count_create_odoo = fields.Integer("To create in Odoo", readonly=True)
    count_review = fields.Integer("To review", readonly=True)
    preview = fields.Html(readonly=True, sanitize=True)
    result = fields.Text(readonly=True)

    # ------------------------------------------------------------------ business

    def _check_manager(self):
        self.env["xero.connection"]._check_xero_manager()
        if self.connection_id.state != "connected":
            raise UserError(self.env._("Connect the company to Xero first."))

    @api.model
    def _xero_counts(self, plan):
        return {
            "count_linked": plan["linked"],
            "count_link": len(plan["link"]),
            "count_create_xero": len(plan["create_xero"]),
            "count_create_odoo": len(plan["create_odoo"]),
            "count_review": len(plan["review"]),
        }

    @api.model
    def _xero_section(self, title, rows):
        """One heading of the dry run's list, with its first names."""
        shown = "".join(f"<li>{html.escape(row or '')}</li>" for row in rows[:PREVIEW])
        more = len(rows) - PREVIEW
        tail = f"<li>… {more}</li>" if more > 0 else ""
        return f"<h5>{html.escape(title)} ({len(rows)})</h5><ul>{shown}{tail}</ul>"
