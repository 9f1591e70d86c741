from odoo import api, models

from ..tools.sync_rules import explain

LIVE_STATES = ("connected", "paused", "needs_reauth")


class XeroSyncBase(models.AbstractModel):
    """What every model that moves between Odoo and Xero declares: its Xero object,
    and whether it syncs with a connection.

    It is inherited through its halves: ``xero.sync.inbound.mixin`` (read from Xero)
    and ``xero.sync.outbound.mixin`` (pushed to Xero); ``xero.sync.mixin`` is both,
    with the merge of changes made on both sides.
    """

    _name = "xero.sync.base"
    _description = "Model that syncs with Xero"

    _xero_object = None  # kind prefix: "contact" gives the kinds contact.push, contact.fetch
    _xero_plural = None  # Xero's collection: "Contacts"
    _xero_id_key = None  # Xero's id field: "ContactID"
    _xero_sdk = None  # xero-python's method suffix: "contacts" for get_contacts...
    _xero_webhook_category = None  # "CONTACT"
    _xero_polled = False  # read by the poll (the models inheriting the inbound half)
    # Xero field -> Odoo field, to tell the user which field to fix after a refusal
    _xero_field_map = {}
    # an uncertain create is looked up in Xero before it is resent, even when Xero would
    # replay its Idempotency-Key (for objects Xero would create twice without a word)
    _xero_look_before_resending = False

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_kinds(self):
        """The queue's job kinds of this model: (kind, label)."""
        return []

    @api.model
    def _xero_call_options(self):
        """Options of every call for this object (Items: prices to 4 decimals)."""
        return {}

    @api.model
    def _xero_enabled(self, connection):
        """Whether this object syncs with ``connection`` (a setting of the connection)."""
        raise NotImplementedError

    @api.model
    def _xero_connections(self):
        """The live connections this object syncs with."""
        connections = self.env["xero.connection"].sudo().search([("state", "in", LIVE_STATES)])
        return connections.filtered(self._xero_enabled)

    @api.model
    def _xero_call_log(self, jobs):
        """What the sync log says of a call carrying these jobs."""
        return {
            "direction": jobs[:1].direction,
            "message": self.env._("%s jobs in the batch", len(jobs)),
        }

    @api.model
    def _xero_url(self, connection, xero_id):
        """Where a user sees the Xero object (override per model)."""
        return False

    @api.model
    def _xero_explain(self, messages):
        """(plain explanation, Odoo field label) for Xero's refusal messages."""
        explanation, xero_field = explain(self.env, messages)
        field = self._fields.get(self._xero_field_map.get(xero_field or "", ""))
        return explanation, field.get_description(self.env)["string"] if field else None
