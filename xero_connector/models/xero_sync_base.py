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
    def _xero_noun(self, count, direction="out"):
        """The word for ``count`` records of this model, as a user says it in sentences
        such as "Sent 2 customers" (``direction``: out) or "Read 3 changed contacts" (in)."""
        one = count == 1
        if self._xero_object == "contact":
            if direction == "out":
                return self.env._("customer") if one else self.env._("customers")
            return self.env._("contact") if one else self.env._("contacts")
        if self._xero_object == "item":
            if direction == "out":
                return self.env._("product") if one else self.env._("products")
            return self.env._("item") if one else self.env._("items")
        if self._xero_object in ("invoice", "sale_invoice"):
            return self.env._("invoice") if one else self.env._("invoices")
        if self._xero_object == "sale_credit_note":
            return self.env._("credit note") if one else self.env._("credit notes")
        if self._xero_object in ("payment", "sale_payment"):
            return self.env._("payment") if one else self.env._("payments")
        return self._description

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
        count, direction = len(jobs), jobs[:1].direction
        noun = self._xero_noun(count, direction)
        return {
            "direction": direction,
            "message": self.env._("%s jobs in the batch", count),
            "summary": self.env._("Sent %(count)s %(noun)s to Xero", count=count, noun=noun)
            if direction == "out"
            else self.env._("Read %(count)s %(noun)s from Xero", count=count, noun=noun),
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
