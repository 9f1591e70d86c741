import time

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..const import PAGE_SIZE
from ..exceptions import XeroError
from ..tools import contact_mapping as cm
from ..tools.aside import commit_aside
from ..tools.bulk import quiet_query
from ..tools.sync_rules import xero_datetime

CURSOR_MODEL = "xero.contact"
# a queue run reads what changed in Xero before its first creates, then again only
# when this many seconds have passed (300 new customers: one read, six creates)
FRESH_SECONDS = 30
# (database, queue run, connection) -> when that run last read what changed in Xero;
# kept by the process (a run spans many transactions), forgotten after FRESH_SECONDS
_RECENT_READS = {}


def _recently_read(key):
    now = time.monotonic()
    for old in [k for k, at in list(_RECENT_READS.items()) if now - at >= FRESH_SECONDS]:
        _RECENT_READS.pop(old, None)
    return key in _RECENT_READS


class XeroContact(models.Model):
    """What Odoo knows of every contact of a Xero organisation, to match before creating.

    "Look before creating" must not cost a lookup per new customer: the organisation's
    contacts are kept here (identity fields only), filled when going live, kept
    current by the contact webhooks, the poll and Odoo's own pushes, and brought up
    to date by one "changed since" read before a run of creates. It is a cache of
    Xero: it is written on a cursor of its own, committed at once, whatever becomes
    of the transaction that read it.
    """

    _name = "xero.contact"
    _description = "Xero contact (local copy for matching)"
    _order = "connection_id, name"
    _rec_name = "name"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True, precompute=True)
    xero_id = fields.Char("Xero ContactID", required=True, readonly=True)
    name = fields.Char(readonly=True)
    email = fields.Char("Email (as matched)", readonly=True)
    account_number = fields.Char(readonly=True)
    contact_number = fields.Char(readonly=True)
    archived = fields.Boolean(readonly=True)
    updated_at = fields.Datetime("Updated in Xero", readonly=True)
    xero_url = fields.Char("Open in Xero", compute="_compute_xero_url")

    # ------------------------------------------------------------------ constraints

    _xero_uniq = models.UniqueIndex(
        "(connection_id, xero_id)", "A Xero contact is kept once per organisation."
    )
    _email_idx = models.Index("(connection_id, email) WHERE email IS NOT NULL")
    _name_idx = models.Index("(connection_id, name)")
    # the newest change of an organisation's contacts (the health check's webhook finding)
    _updated_idx = models.Index("(connection_id, updated_at)")

    # ------------------------------------------------------------------ compute

    def _compute_xero_url(self):
        for contact in self:
            contact.xero_url = contact.connection_id._xero_web_url("contact", contact.xero_id)

    # ------------------------------------------------------------------ business

    @api.model
    def _xero_store(self, connection, contacts):
        """Keep these Xero contacts (as Xero sent them, in full or in summary), committed
        at once; an older version never overwrites a newer one."""
        rows = [self._xero_row(connection, c) for c in contacts if c.get("ContactID")]
        if rows:
            commit_aside(self.env, lambda env: env["xero.contact"]._xero_upsert(rows))

    @api.model
    def _xero_lookup(self, connection, probes):
        """The contacts that may be these partners (match rows of ``as_partner``): every
        contact sharing an email, a number or a name with one of them, Xero read first
        for what changed since the last read of this run. Raises a ``XeroError``."""

        run = self.env.context.get("xero_queue_run")
        key = (self.env.cr.dbname, run, connection.id)
        fresh = bool(run) and _recently_read(key)

        def look(env):
            directory = env["xero.contact"]
            if not fresh:
                try:
                    directory._xero_refresh(connection.with_env(env))
                except XeroError as error:
                    return error  # raised once its log line is committed
            return directory._xero_candidates(connection, probes)

        found = commit_aside(self.env, look)
        if isinstance(found, XeroError):
            raise found
        if run and not fresh:
            _RECENT_READS[key] = time.monotonic()
        return found or []

    @api.model
    def _xero_start_at(self, connection, xero_now):
        """Every contact was just read (going live): the next read is of what changed
        since ``xero_now`` (Xero's clock)."""
        commit_aside(
            self.env,
            lambda env: (
                env["xero.poll.cursor"]._xero_for(connection, CURSOR_MODEL)._xero_start_at(xero_now)
            ),
        )

    @api.model
    def _xero_forget(self, connection):
        """Forget the contacts of the connection's organisation (it connects to another)."""
        self.sudo().search([("connection_id", "=", connection.id)]).unlink()
        cursors_sudo = self.env["xero.poll.cursor"].sudo()
        cursors_sudo.search(
            [("connection_id", "=", connection.id), ("res_model", "=", CURSOR_MODEL)]
        ).unlink()

    # ------------------------------------------------------------------ business: helpers

    @api.model
    def _xero_row(self, connection, contact):
        return {
            "connection_id": connection.id,
            "company_id": connection.company_id.id,
            "xero_id": contact["ContactID"].lower(),
            "name": cm.text(contact.get("Name")) or None,
            "email": cm.email_key(contact.get("EmailAddress")) or None,
            "account_number": cm.text(contact.get("AccountNumber")) or None,
            "contact_number": cm.text(contact.get("ContactNumber")) or None,
            "archived": contact.get("ContactStatus", "ACTIVE") != "ACTIVE",
            "updated_at": xero_datetime(contact.get("UpdatedDateUTC")),
        }

    @api.model
    def _xero_upsert(self, rows):
        columns = list(rows[0])
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s, %s)",
                SQL(", ").join(row[column] for column in columns),
                self.env.uid,
                SQL("now() at time zone 'utc'"),
                self.env.uid,
                SQL("now() at time zone 'utc'"),
            )
            for row in {row["xero_id"]: row for row in rows}.values()
        )
        updates = SQL(", ").join(
            SQL("%s = EXCLUDED.%s", SQL.identifier(c), SQL.identifier(c))
            for c in [*columns, "write_uid", "write_date"]
            if c not in ("connection_id", "xero_id")
        )
        # the queue and a read storing the same contact at once: one of them retries
        quiet_query(
            self.env,
            SQL(
                "INSERT INTO xero_contact (%s, create_uid, create_date, write_uid, write_date) "
                "VALUES %s ON CONFLICT (connection_id, xero_id) DO UPDATE SET %s "
                "WHERE xero_contact.updated_at IS NULL OR EXCLUDED.updated_at IS NULL "
                "OR EXCLUDED.updated_at >= xero_contact.updated_at",
                SQL(", ").join(SQL.identifier(c) for c in columns),
                values,
                updates,
            ),
        )
        self.invalidate_model()

    @api.model
    def _xero_refresh(self, connection):
        """Read what changed in Xero since the last read (all contacts the first time);
        waits for another worker's read of the same organisation."""
        cursor = self.env["xero.poll.cursor"]._xero_for(connection, CURSOR_MODEL)
        self.env.cr.execute(
            SQL("SELECT id FROM xero_poll_cursor WHERE id = %s FOR UPDATE", cursor.id)
        )
        cursor.invalidate_recordset()
        page = 1
        while True:
            params = {
                "page": page,
                "page_size": PAGE_SIZE,
                "include_archived": True,
                "summary_only": True,
                "order": "ContactID ASC",
            }
            if cursor.modified_since:
                params["if_modified_since"] = cursor.modified_since
            answer = connection._xero_call_json(
                "get_contacts",
                purpose="push",
                log={"direction": "in", "message": self.env._("Contacts changed in Xero")},
                **params,
            )
            contacts = answer.get("Contacts") or []
            if contacts:
                self._xero_upsert([self._xero_row(connection, c) for c in contacts])
            if not cursor._xero_advance(answer.get("DateTimeUTC"), page, len(contacts)):
                break
            page += 1

    @api.model
    def _xero_candidates(self, connection, probes):
        """Match rows (``as_contact``) of the contacts sharing an email, a number or a name
        with one of the probes."""
        emails = {cm.email_key(p.get("email")) for p in probes} - {""}
        numbers = {cm.text(p.get(k)) for p in probes for k in ("account", "number")} - {""}
        names = {cm.text(p.get("name")) for p in probes} - {""}
        if not (emails or numbers or names):
            return []
        found = self.search(
            Domain("connection_id", "=", connection.id)
            & Domain.OR(
                [
                    [("email", "in", list(emails))],
                    [("account_number", "in", list(numbers))],
                    [("contact_number", "in", list(numbers))],
                    [("name", "in", list(names))],
                ]
            )
        )
        return [
            {
                "id": contact.xero_id,
                "email": contact.email,
                "account": contact.account_number,
                "number": contact.contact_number,
                "name": contact.name,
                "active": not contact.archived,
            }
            for contact in found
        ]
