from odoo import api, fields, models

from ..tools.sync_rules import where_any, xero_datetime


class ResPartner(models.Model):
    """Customers are Xero contacts: the first object that goes through the sync queue."""

    _name = "res.partner"
    _inherit = ["res.partner", "xero.sync.mixin"]

    _xero_object = "contact"
    _xero_plural = "Contacts"
    _xero_id_key = "ContactID"
    _xero_sdk = "contacts"
    _xero_webhook_category = "CONTACT"
    _xero_synced_fields = ("name", "email", "phone", "active", "customer_rank", "parent_id")
    _xero_field_map = {"Name": "name", "EmailAddress": "email"}

    # ------------------------------------------------------------------ what syncs

    def _xero_sync_domain(self, connection):
        """Customers (not their contact persons) of the connection's company or shared."""
        return [
            ("company_id", "in", [False, connection.company_id.id]),
            ("parent_id", "=", False),
            ("customer_rank", ">", 0),
        ]

    @api.model
    def _xero_url(self, connection, xero_id):
        if connection.mode == "sandbox":
            return f"{(connection.sandbox_url or '').rstrip('/')}/#contact-{xero_id}"
        return f"https://go.xero.com/Contacts/View/{xero_id}"

    # ------------------------------------------------------------------ Odoo -> Xero

    def _xero_payload(self, connection, xero_id=None):
        """The Xero contact of this partner, in Xero's field names."""
        self.ensure_one()
        payload = {
            "Name": (self.name or "").strip(),
            "EmailAddress": (self.email or "").strip(),
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": (self.phone or "").strip()}],
            "ContactStatus": "ACTIVE" if self.active else "ARCHIVED",
        }
        if xero_id:
            payload["ContactID"] = xero_id
        return payload

    @api.model
    def _xero_recover(self, jobs, client):
        """Creates that may have reached Xero: an active contact with the same name is the
        one created (Xero allows one active contact per name)."""
        names = {job: job.payload.get("Name") for job in jobs if job.payload.get("Name")}
        if not names:
            return {}
        answer = client.call_json("get_contacts", where=where_any("Name", set(names.values())))
        found = {
            c["Name"]: c["ContactID"]
            for c in answer.get("Contacts") or []
            if c.get("ContactStatus") == "ACTIVE"
        }
        return {job: found[name] for job, name in names.items() if name in found}

    # ------------------------------------------------------------------ Xero -> Odoo

    @api.model
    def _xero_fetch_params(self, xero_ids):
        return {"i_ds": list(xero_ids), "include_archived": True}

    @api.model
    def _xero_poll_params(self, since, page):
        return super()._xero_poll_params(since, page) | {"include_archived": True}

    @api.model
    def _xero_values(self, contact):
        """The partner values of a Xero contact."""
        phones = {p.get("PhoneType"): p for p in contact.get("Phones") or []}
        return {
            "name": contact.get("Name") or False,
            "email": contact.get("EmailAddress") or False,
            "phone": (phones.get("DEFAULT") or {}).get("PhoneNumber") or False,
            "active": contact.get("ContactStatus") != "ARCHIVED",
        }

    @api.model
    def _xero_apply_inbound(self, connection, elements):
        """Bring Xero's changes onto the linked partners; unlinked contacts wait for the
        contact matching of the contact sync."""
        by_id = {(c.get("ContactID") or "").lower(): c for c in elements}
        links = self._xero_links(connection, xero_ids=list(by_id))
        partners = self.browse([link.res_id for link in links.values()]).with_context(
            active_test=False, xero_inbound=True
        )
        partners = partners.exists()
        outcomes = {}
        for xero_id, contact in by_id.items():
            link = links.get(xero_id)
            partner = link and partners.browse(link.res_id)
            if not partner or partner not in partners:
                outcomes[xero_id] = (True, self.env._("Not linked to an Odoo partner."))
                continue
            outcomes[xero_id] = partner._xero_take(connection, link, contact)
        return outcomes

    def _xero_take(self, connection, link, contact):
        """Write what changed in Xero onto this partner, logged with old and new values."""
        values = self._xero_values(contact)
        changed = {k: v for k, v in values.items() if self[k] != v}
        if changed:
            old = {k: self[k] for k in changed}
            self.write(changed)
            self.env["xero.sync.log"]._xero_log_change(
                connection, self, link.xero_id, old, changed, self.env._("Changed in Xero.")
            )
        link.write(
            {
                "state": "synced",
                "last_sync_at": fields.Datetime.now(),
                "xero_updated_at": xero_datetime(contact.get("UpdatedDateUTC")),
                "pushed_digest": self._xero_digest(self._xero_payload(connection, link.xero_id)),
                "last_error": False,
            }
        )
        return (True, self.env._("Updated from Xero.") if changed else None)
