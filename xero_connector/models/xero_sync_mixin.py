from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.outcomes import Done, Refused
from ..tools.sync_rules import canonical, merge, xero_datetime


class XeroSyncMixin(models.AbstractModel):
    """Both halves: a model kept in sync with Xero both ways.

    A change read from Xero is merged into the linked record key by key, against
    what both sides last agreed on (the link's ``synced_values``): a key Odoo changed
    meanwhile is pushed instead, and a key both changed is settled by the
    connection's conflict policy. Every value Xero overwrites is logged with its old
    and new value. The model maps each key both ways (``_xero_payload``,
    ``_xero_normalize``, ``_xero_odoo_values``) and says what to do with Xero objects
    no record is linked to (``_xero_apply_unlinked``).
    """

    _name = "xero.sync.mixin"
    _inherit = ["xero.sync.inbound.mixin", "xero.sync.outbound.mixin"]
    _description = "Record synchronised with Xero both ways"

    # ------------------------------------------------------------------ business: inbound

    @api.model
    def _xero_apply_inbound(self, connection, elements):
        """Linked records take Xero's changes (merged); objects not linked yet go to
        ``_xero_apply_unlinked``. Writes carry the ``xero_inbound`` context, so a change
        that came from Xero is not pushed back."""
        by_id = {(e.get(self._xero_id_key) or "").lower(): e for e in elements}
        by_id.pop("", None)
        links = self._xero_links(connection, xero_ids=list(by_id))
        records = self.browse([link.res_id for link in links.values()])
        records = records.with_company(connection.company_id)
        records = records.with_context(active_test=False).exists()
        by_record = {record.id: record for record in records}
        outcomes = self._xero_apply_unlinked(
            connection, [e for key, e in by_id.items() if key not in links]
        )
        pushes = []
        # each record is written in a savepoint: the open forms are told once, at the end
        with self.env["xero.link"]._xero_live_batch():
            for xero_id, link in links.items():
                record = by_record.get(link.res_id)
                if not record:
                    outcomes[xero_id] = Done(self.env._("Its Odoo record was deleted."))
                    continue
                outcomes[xero_id], push = record._xero_merge_inbound(
                    connection, link, by_id[xero_id]
                )
                if push:
                    pushes.append(record.id)
        self.browse(pushes)._xero_enqueue_push(connection)
        return outcomes

    def _xero_merge_inbound(self, connection, link, element):
        """Merge Xero's version of this record: (outcome, whether Odoo's values of some
        keys must be pushed back)."""
        self.ensure_one()
        incoming = self._xero_normalize(element)
        directions = self._xero_directions(connection)
        keys = [k for k in incoming if directions.get(k, "none") != "none"]
        current = self._xero_payload(connection, link, keys=keys)
        base = link.synced_values if link.synced_values else None
        updated = xero_datetime(element.get("UpdatedDateUTC"))
        odoo_newer = bool(updated and self.write_date and self.write_date > updated)
        policy = self._xero_policy(connection)
        agreed, incoming_values, push, overruled = dict(base or {}), {}, [], {}
        for key in keys:
            odoo, xero = canonical(current.get(key)), canonical(incoming[key])
            before = base.get(key) if base is not None and key in base else None
            verdict = merge(odoo, xero, before, directions[key], policy, odoo_newer)
            if verdict == "push":
                push.append(key)
                if before is not None and xero != before:
                    overruled[key] = (xero, odoo)
                continue
            agreed[key] = xero
            if verdict == "take":
                incoming_values[key] = xero
        try:
            changed = self._xero_write_inbound(connection, link, incoming_values)
        except (ValidationError, UserError) as error:
            message = self.env._(
                "Xero's values could not be written on %(record)s: %(error)s",
                record=self.display_name,
                error=error.args[0],
            )
            link.write({"state": "error", "last_error": message})
            return Refused(message, failure="internal"), False
        link.write(
            {
                "synced_values": agreed,
                "state": "synced",
                "last_sync_at": fields.Datetime.now(),
                "last_error": False,
                "xero_updated_at": updated,
            }
        )
        if overruled:
            # both sides changed these keys and Odoo's values win: Xero's are overwritten
            self.env["xero.sync.log"]._xero_log_change(
                connection,
                self,
                link.xero_id,
                {key: x for key, (x, _o) in overruled.items()},
                {key: o for key, (_x, o) in overruled.items()},
                self.env._("Changed in Odoo and in Xero: Odoo's value is kept and sent to Xero."),
                direction="out",
            )
        return Done(self.env._("Updated from Xero.") if changed else None), bool(push)

    def _xero_write_inbound(self, connection, link, incoming):
        """Write Xero's values of the keys in ``incoming``; log what they overwrote."""
        values = {}
        for key, value in incoming.items():
            values |= self._xero_odoo_values(connection, key, value)
        changed = {name: value for name, value in values.items() if self._xero_differs(name, value)}
        if not changed:
            return {}
        old = {name: self._xero_loggable(name) for name in changed}
        with self.env.cr.savepoint():  # a value Odoo refuses fails this record only
            self.with_context(xero_inbound=True).write(changed)
        new = {name: self._xero_loggable(name) for name in changed}
        self.env["xero.sync.log"]._xero_log_change(
            connection, self, link.xero_id, old, new, self.env._("Changed in Xero.")
        )
        return changed

    def _xero_differs(self, name, value):
        field = self._fields[name]
        current = self[name]
        if field.type == "many2one":
            return current.id != (value or False)
        return (current or False) != (value or False)

    def _xero_loggable(self, name):
        value = self[name]
        return value.display_name if isinstance(value, models.BaseModel) else value

    # ------------------------------------------------------------------ hooks

    @api.model
    def _xero_apply_unlinked(self, connection, elements):
        """Xero objects no record is linked to yet: {Xero id: outcome} (override: match,
        create, review)."""
        return {
            (e.get(self._xero_id_key) or "").lower(): Done(self.env._("Not linked in Odoo."))
            for e in elements
        }

    @api.model
    def _xero_normalize(self, element):
        """A Xero object reduced to the same keys and forms as ``_xero_payload``."""
        raise NotImplementedError

    @api.model
    def _xero_odoo_values(self, connection, key, value):
        """The Odoo field values of one key of a Xero object."""
        raise NotImplementedError

    @api.model
    def _xero_directions(self, connection):
        """{key: both | to_xero | to_odoo | none} (override: configured per connection)."""
        return {}

    @api.model
    def _xero_policy(self, connection):
        """Who wins a key changed on both sides: last, odoo or xero."""
        return "last"
