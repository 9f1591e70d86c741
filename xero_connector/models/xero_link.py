from contextlib import contextmanager

from odoo import api, fields, models
from odoo.tools.misc import OrderedSet

from ..tools.records import target_name_domain, target_names

# what a form shows of a link: a change of one is told to the forms open on its record
LIVE_FIELDS = ("state", "last_error", "last_sync_at")
# the bus: the type of the message, and the subchannel of the company it goes to
LIVE_TYPE = "xero_connector/sync_state"
LIVE_CHANNEL = "xero_sync_state"
# the cursor's data: the records changed ({company id: {(model, id)}}, kept until the
# commit, dropped by a rollback), a batch holding them back, the hook sending them
LIVE_CHANGED = "xero_connector.live_changed"
LIVE_HELD = "xero_connector.live_held"
LIVE_ARMED = "xero_connector.live_armed"


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
    record_name = fields.Char(
        "Record", compute="_compute_record_name", search="_search_record_name"
    )
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

    def _search_record_name(self, operator, value):
        return target_name_domain(self, operator, value)

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

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        links = super().create(vals_list)
        links._xero_live_notify()
        return links

    def write(self, vals):
        result = super().write(vals)
        if set(vals) & set(LIVE_FIELDS):
            self._xero_live_notify()
        return result

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

    # ------------------------------------------------------------------ business: live forms

    def _xero_live_differs(self, values):
        """Whether ``values`` change what a form shows of this link."""
        self.ensure_one()
        return any(self[name] != values[name] for name in LIVE_FIELDS if name in values)

    def _xero_live_notify(self):
        """Tell the forms open on these links' records that their sync state changed."""
        for (company, model), links in self.grouped(
            lambda link: (link.company_id, link.res_model)
        ).items():
            self._xero_live_changed(company, model, links.mapped("res_id"))

    @api.model
    def _xero_live_changed(self, company, res_model, res_ids):
        """The sync state of these records changed: the forms open on them (and on the
        records showing it, such as an invoice's order) are told once the transaction
        commits, in one bus message per company, whatever the number of records."""
        records = self.env[res_model].sudo().browse([res_id for res_id in res_ids if res_id])
        if not company or not records:
            return
        changed = self.env.cr.postcommit.data.setdefault(LIVE_CHANGED, {})
        forms = (
            records._xero_live_forms()
            if hasattr(records, "_xero_live_forms")
            else [(res_model, res_id) for res_id in records.ids]
        )
        changed.setdefault(company.id, OrderedSet()).update(forms)
        self._xero_live_arm()

    @contextmanager
    def _xero_live_batch(self):
        """Hold the messages while a batch writes its records one savepoint at a time
        (each savepoint runs the pre-commit hooks): the batch's changes go in one
        message, sent when the transaction commits."""
        data = self.env.cr.postcommit.data
        data[LIVE_HELD] = data.get(LIVE_HELD, 0) + 1
        try:
            yield
        finally:
            # a rollback inside the batch emptied the cursor's data
            data = self.env.cr.postcommit.data
            data[LIVE_HELD] = max(data.get(LIVE_HELD, 1) - 1, 0)
            self._xero_live_arm()

    @api.model
    def _xero_live_arm(self):
        """Have the changes sent by a pre-commit hook (at most one waits at a time)."""
        cr = self.env.cr
        if cr.postcommit.data.get(LIVE_HELD) or not cr.postcommit.data.get(LIVE_CHANGED):
            return
        if not cr.precommit.data.get(LIVE_ARMED):
            cr.precommit.data[LIVE_ARMED] = True
            cr.precommit.add(self._xero_live_send)

    @api.model
    def _xero_live_send(self):
        """Pre-commit hook: one bus message per company, listing its changed records, on
        the company's channel, to which its internal users listen (``ir.websocket``)."""
        self.env.cr.precommit.data.pop(LIVE_ARMED, None)
        # taken first: sending may run the other hooks, which empty the cursor's data
        changed = self.env.cr.postcommit.data.pop(LIVE_CHANGED, {})
        for company_id, records in changed.items():
            company = self.env["res.company"].browse(company_id)
            self.env["bus.bus"]._sendone(
                (company, LIVE_CHANNEL), LIVE_TYPE, {"records": [list(pair) for pair in records]}
            )
