from odoo import api, fields, models

DIRECTIONS = [
    ("both", "Both ways"),
    ("to_xero", "Odoo → Xero"),
    ("to_odoo", "Xero → Odoo"),
    ("none", "Not synced"),
]


class XeroFieldRule(models.Model):
    """Which way one field of a synced object goes, for one organisation."""

    _name = "xero.field.rule"
    _description = "Xero field direction"
    _order = "connection_id, res_model, sequence, id"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    res_model = fields.Char("Model", required=True, readonly=True)
    key = fields.Char("Xero field", required=True, readonly=True)
    name = fields.Char("Field", required=True, readonly=True)
    sequence = fields.Integer(default=10)
    direction = fields.Selection(DIRECTIONS, required=True, default="both")

    # ------------------------------------------------------------------ constraints

    _key_uniq = models.UniqueIndex(
        "(connection_id, res_model, key)", "A field has one direction per organisation."
    )

    # ------------------------------------------------------------------ CRUD

    def write(self, vals):
        self.env.cr.cache.pop("xero_connector.directions", None)
        return super().write(vals)

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_directions(self, connection, model):
        """{key: direction} of ``model`` for ``connection`` (the model's defaults where no
        rule was written); read once per transaction."""
        cache = self.env.cr.cache.setdefault("xero_connector.directions", {})
        if (connection.id, model._name) not in cache:
            rules = self.sudo().search(
                [("connection_id", "=", connection.id), ("res_model", "=", model._name)]
            )
            known = {rule.key: rule.direction for rule in rules}
            cache[connection.id, model._name] = {
                key: known.get(key, direction)
                for key, _label, direction in model._xero_field_defaults()
            }
        return dict(cache[connection.id, model._name])

    @api.model
    def _xero_ensure(self, connection, model):
        """Write the missing rules of ``model`` with their defaults (for the settings)."""
        rules = self.sudo().search(
            [("connection_id", "=", connection.id), ("res_model", "=", model._name)]
        )
        known = {rule.key for rule in rules}
        self.sudo().create(
            [
                {
                    "connection_id": connection.id,
                    "res_model": model._name,
                    "key": key,
                    "name": label,
                    "sequence": sequence,
                    "direction": direction,
                }
                for sequence, (key, label, direction) in enumerate(model._xero_field_defaults())
                if key not in known
            ]
        )
