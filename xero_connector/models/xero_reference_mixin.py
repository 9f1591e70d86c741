from datetime import timedelta

from odoo import api, fields, models

from ..tools.sync_rules import xero_datetime

REFRESH_EVERY = timedelta(days=1)


class XeroReferenceMixin(models.AbstractModel):
    """A list of Xero's reference data of one organisation, kept as a read-only copy.

    Tax rates, accounts, currencies, branding themes and tracking categories are
    read when a connection connects, then by the poll: a list with a change date
    (accounts) with If-Modified-Since at every poll, the others at most once a day,
    and at once with the "Refresh from Xero" button. The maps point at these rows.
    """

    _name = "xero.reference.mixin"
    _description = "Xero reference data"
    _order = "connection_id, name"

    _xero_plural = None  # Xero's collection: "TaxRates"
    _xero_key = None  # the field that identifies a row in Xero: "TaxType"
    _xero_method = None  # xero-python's list call: "get_tax_rates"
    _xero_incremental = False  # Xero answers If-Modified-Since for this list

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_key = fields.Char("Xero key", required=True, readonly=True)
    name = fields.Char(readonly=True)

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_reference_models(self):
        """Every list of reference data (the models inheriting this one)."""
        names = self.env.registry.descendants([self._name], "_inherit")
        return [self.env[name] for name in sorted(names) if not self.env[name]._abstract]

    @api.model
    def _xero_refresh_all(self, connection, force=False, purpose="poll"):
        """Refresh every list that is due (all of them when ``force``): {model: rows read}."""
        return {
            model._name: model.sudo()._xero_refresh(connection, force, purpose)
            for model in self._xero_reference_models()
        }

    @api.model
    def _xero_refresh(self, connection, force=False, purpose="poll"):
        """Read this list from Xero when it is due; the number of rows read, or None
        when it was not due."""
        cursor = self.env["xero.poll.cursor"].sudo()._xero_for(connection, self._name)
        now = fields.Datetime.now()
        since = cursor.modified_since if self._xero_incremental and not force else None
        due = force or self._xero_incremental or not cursor.last_poll_at
        if not due and cursor.last_poll_at > now - REFRESH_EVERY:
            return None
        params = {"if_modified_since": since} if since else {}
        answer = connection._xero_call_json(
            self._xero_method,
            purpose=purpose,
            log={"direction": "in", "message": self.env._("%s: refresh", self._description)},
            **params,
        )
        elements = answer.get(self._xero_plural) or []
        self._xero_store(connection, elements, complete=not since)
        started = xero_datetime(answer.get("DateTimeUTC")) or now
        cursor.write(
            {
                "last_poll_at": now,
                "last_count": len(elements),
                "modified_since": started.replace(microsecond=0) - timedelta(seconds=1),
            }
        )
        return len(elements)

    @api.model
    def _xero_store(self, connection, elements, complete=True):
        """Write Xero's rows; when the list is ``complete``, rows Xero no longer has are
        let go (``_xero_gone``)."""
        found = self.with_context(active_test=False).search([("connection_id", "=", connection.id)])
        by_key = {row.xero_key: row for row in found}
        seen, new = set(), []
        for element in elements:
            key = str(element.get(self._xero_key) or "")
            if not key:
                continue
            seen.add(key)
            values = self._xero_values(element)
            row = by_key.get(key)
            if row is None:
                new.append(values | {"connection_id": connection.id, "xero_key": key})
            elif any(row._xero_differs(name, value) for name, value in values.items()):
                row.write(values)
        created = self.create(new) if new else self.browse()
        if complete:
            self.browse([row.id for key, row in by_key.items() if key not in seen])._xero_gone()
        return created

    def _xero_differs(self, name, value):
        field = self._fields[name]
        current = self[name]
        if field.type == "float":
            return abs((current or 0.0) - (value or 0.0)) > 1e-9
        return (current or False) != (value or False)

    def _xero_gone(self):
        """Rows Xero no longer lists (default: removed)."""
        self.unlink()

    @api.model
    def _xero_values(self, element):
        """The field values of one of Xero's rows."""
        raise NotImplementedError
