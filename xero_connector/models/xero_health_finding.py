from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .xero_health_check import KINDS


class XeroHealthFinding(models.Model):
    """One thing a health check found, with where it is fixed (``action_open``)."""

    _name = "xero.health.finding"
    _description = "Xero health check finding"
    _order = "check_id, sequence, id"

    # ------------------------------------------------------------------ fields

    check_id = fields.Many2one(
        "xero.health.check", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="check_id.company_id", store=True, precompute=True)
    connection_id = fields.Many2one(related="check_id.connection_id")
    sequence = fields.Integer(compute="_compute_sequence", store=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    name = fields.Char("What was found", required=True, readonly=True)
    reason = fields.Char(readonly=True)
    key = fields.Char(readonly=True, help="What groups it: a failure, a shared value, a field.")
    count = fields.Integer("Records", default=1, readonly=True)
    since = fields.Datetime(readonly=True)
    age_days = fields.Integer("Age (days)", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True)
    odoo_value = fields.Char("In Odoo", readonly=True)
    xero_value = fields.Char("In Xero", readonly=True)
    res_model = fields.Char("Model", readonly=True)
    res_id = fields.Many2oneReference("Record ID", model_field="res_model", readonly=True)
    res_ids = fields.Json("Records found", readonly=True)

    # ------------------------------------------------------------------ compute

    @api.depends("kind")
    def _compute_sequence(self):
        order = {kind: index for index, (kind, _label) in enumerate(KINDS)}
        for finding in self:
            finding.sequence = order.get(finding.kind, len(order))

    # ------------------------------------------------------------------ actions

    def action_open(self):
        """Where this finding is fixed."""
        self.ensure_one()
        self.env["xero.connection"]._check_xero_manager()
        return getattr(self, f"_xero_open_{self.kind}")()

    # ------------------------------------------------------------------ business: where to fix

    def _xero_open_failed(self):
        return self.connection_id._xero_jobs_action(
            [("state", "=", "error"), ("failure_type", "=", self.key or False)]
        )

    def _xero_open_duplicate_odoo(self):
        """Odoo's merge of partners, on the group."""
        partners = self.env["res.partner"].browse(self.res_ids or []).exists()
        if len(partners) < 2:
            raise UserError(self.env._("These customers were merged or deleted already."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge contacts"),
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "views": [[False, "form"]],
            "target": "new",
            "context": {"active_model": "res.partner", "active_ids": partners.ids},
        }

    def _xero_open_duplicate_xero(self):
        """The contacts in a list, each with its address in Xero."""
        return self._xero_records_action(
            self.env._("Contacts in Xero"),
            self.env.ref("xero_connector.xero_contact_view_list_health").id,
        )

    def _xero_open_unlinked(self):
        return self._xero_records_action(self.reason or self.env._("Not in Xero"))

    def _xero_open_drift(self):
        """The links, whose Resync sends Odoo's values."""
        return self._xero_records_action(self.env._("Changed since synced"))

    def _xero_open_spot_check(self):
        return self._xero_record_action()

    def _xero_open_token(self):
        return self._xero_record_action()

    def _xero_open_webhook(self):
        return self._xero_record_action()

    def _xero_open_budget(self):
        """The calls of the busy hour (or day) in the log."""
        action = self.connection_id.action_open_logs()
        if self.since:
            end = self.since + (timedelta(hours=1) if self.key == "hour" else timedelta(days=1))
            action["domain"] += [("create_date", ">=", self.since), ("create_date", "<", end)]
        action["context"] = {}
        return action

    def _xero_record_action(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [[False, "form"]],
        }

    def _xero_records_action(self, name, list_view=False):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": self.res_model,
            "view_mode": "list,form",
            "views": [[list_view, "list"], [False, "form"]],
            "domain": [("id", "in", self.res_ids or [])],
            "context": {"active_test": False},
        }
