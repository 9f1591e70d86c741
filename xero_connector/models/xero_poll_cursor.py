import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from ..const import PAGE_SIZE
from ..exceptions import XeroAuthError, XeroError, XeroRateLimitError
from ..tools.bulk import insert_rows
from ..tools.sync_rules import xero_datetime

_logger = logging.getLogger(__name__)
# how a poll of an organisation or a collection ended: read to its end; stopped by the
# organisation's budget or access; left to another worker reading it at the same time
DONE, STOP, BUSY = "done", "stop", "busy"
# what another worker's writes of the same rows raise, and how often a page is read again
CONFLICTS = (psycopg2.errors.SerializationFailure, psycopg2.errors.UniqueViolation)
MAX_PAGE_CONFLICTS = 3


class XeroPollCursor(models.Model):
    """Where the polling of one Xero collection for one organisation stands.

    Polling is the safety net of webhooks (and the only source for what has no
    webhook, such as payments). A sweep asks for what changed since
    ``modified_since`` (If-Modified-Since), page after page; when it ends, the next
    sweep starts from the moment the last one started, in Xero's own clock, so a
    change made while a sweep ran is read by the next one. A sweep without
    ``modified_since`` (a new connection's first) reads the whole collection:
    ``filled_at`` says when it last did.
    """

    _name = "xero.poll.cursor"
    _description = "Xero polling cursor"
    _order = "connection_id, res_model"

    # ------------------------------------------------------------------ fields

    connection_id = fields.Many2one(
        "xero.connection", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    res_model = fields.Char("Model", required=True)
    modified_since = fields.Datetime(
        "Changes since", help="If-Modified-Since of the current sweep (UTC, Xero's clock)."
    )
    sweep_started = fields.Datetime(help="Xero's clock when the current sweep began.")
    next_page = fields.Integer(help="Page the current sweep reads next; 0 between sweeps.")
    last_poll_at = fields.Datetime("Last poll", readonly=True)
    last_count = fields.Integer("Changes read by the last sweep", readonly=True)
    filled_at = fields.Datetime(
        "Read in full",
        readonly=True,
        help="When a sweep last read the whole collection (a new connection's first sweep, "
        "or the history widened).",
    )
    window_start = fields.Date(
        "Held since",
        readonly=True,
        help="The oldest date the mirror holds of this collection (invoices: the start of "
        "the connection's years of history).",
    )

    # ------------------------------------------------------------------ constraints

    _connection_model_uniq = models.UniqueIndex(
        "(connection_id, res_model)", "One cursor per organisation and collection."
    )

    # ------------------------------------------------------------------ business: sweeps

    @api.model
    def _xero_for(self, connection, model_name):
        """The cursor of this collection, made on first use (by one worker only, when two
        start at once)."""
        domain = [("connection_id", "=", connection.id), ("res_model", "=", model_name)]
        cursor = self.search(domain, limit=1)
        if cursor:
            return cursor
        insert_rows(
            self,
            [
                {
                    "connection_id": connection.id,
                    "company_id": connection.company_id.id,
                    "res_model": model_name,
                }
            ],
            unique=("connection_id", "res_model"),
        )
        return self.search(domain, limit=1)

    def _xero_start_at(self, xero_now):
        """The next poll reads what changed since this moment (Xero's clock)."""
        started = xero_datetime(xero_now) or fields.Datetime.now()
        self.write(
            {
                "modified_since": _since(started),
                "sweep_started": started,
                "next_page": 0,
            }
        )

    def _xero_read_since(self, since):
        """The next sweep reads what changed since ``since`` too (an If-Modified-Since):
        the earlier of it and the cursor's own is kept."""
        self.ensure_one()
        if since and (not self.modified_since or since < self.modified_since):
            self.modified_since = since

    def _xero_since_sweep(self):
        """If-Modified-Since that reads again all the current (or last) sweep read."""
        self.ensure_one()
        return _since(self.sweep_started) if self.sweep_started else False

    def _xero_window_from(self, start):
        """A sweep of a collection the mirror holds from ``start`` on begins: when that is
        earlier than what the mirror holds (the history widened), the sweep reads the
        whole window again, not only what changed."""
        self.ensure_one()
        values = {}
        if self.window_start and start < self.window_start and self.modified_since:
            values["modified_since"] = False
        if start != self.window_start:
            values["window_start"] = start
        if values:
            self.write(values)

    def _xero_advance(self, xero_now, page, count, paged=True):
        """Move on after reading a page of ``count`` records (or the whole collection,
        when Xero does not page it); True when a page follows."""
        self.ensure_one()
        values = {"last_poll_at": fields.Datetime.now()}
        if page == 1:
            started = xero_datetime(xero_now) or fields.Datetime.now()
            values |= {"sweep_started": started, "last_count": 0}
        values["last_count"] = values.get("last_count", self.last_count) + count
        more = paged and count >= PAGE_SIZE
        if more:
            values["next_page"] = page + 1
        else:
            # to the second, and one second earlier: what changed in the same second as
            # the start of this sweep is read again rather than missed
            started = values.get("sweep_started") or self.sweep_started
            values |= {"next_page": 0, "modified_since": _since(started)}
        self.write(values)
        return more

    # ------------------------------------------------------------------ the cron

    @api.model
    def _cron_xero_poll(self):
        """Cron: read what changed in Xero for every connected organisation (a paused one
        waits), one collection after the other, a page per step; each page is committed."""
        self._xero_poll_connections(
            self.env["xero.connection"].sudo().search([("state", "=", "connected")])
        )

    @api.model
    def _xero_poll_connections(self, connections):
        """Poll these organisations (the connected ones); returns those polled to the end,
        not those whose collections another worker was reading at the same time."""
        polled = connections.browse()
        for connection in connections.filtered(lambda c: c.state == "connected"):
            if self._xero_poll_one(connection) != BUSY:
                polled |= connection
        return polled

    @api.model
    def _xero_poll_one(self, connection):
        """Poll one organisation: Xero's reference data, then each collection; DONE, STOP
        (its budget or access says so) or BUSY (another worker was reading it)."""
        jobs_sudo = self.env["xero.sync.job"].sudo()
        if not self.sudo()._xero_refresh_reference(connection):
            return STOP
        outcome = DONE
        for model in jobs_sudo._xero_synced_models():
            if not model._xero_polled or not model._xero_enabled(connection):
                continue
            outcome = self.sudo()._xero_sweep(connection, model)
            if outcome != DONE:
                break
        if connection.sync_invoices:
            # Xero's date as this poll saw it may have made invoices overdue
            self.env["xero.order.invoice"].sudo()._xero_overdue_alerts(connection)
            self.env["ir.cron"]._commit_progress(0)
        return outcome

    @api.model
    def _xero_refresh_reference(self, connection):
        """Xero's reference data first (accounts that changed; the rest once a day);
        False when the organisation must be left alone."""
        cron = self.env["ir.cron"]
        connection._xero_ensure_token()
        try:
            with self.env["xero.connection.budget"]._xero_flushing(connection):
                self.env["xero.reference.mixin"]._xero_refresh_all(connection)
        except (XeroRateLimitError, XeroAuthError) as error:
            _logger.info("Xero reference refresh stopped: %s", error.message)
            return False
        except XeroError as error:
            _logger.warning("Xero reference refresh failed: %s", error.message)
        cron._commit_progress(0)
        return True

    @api.model
    def _xero_sweep(self, connection, model):
        """Poll one collection to its end: DONE, STOP (the organisation must be left
        alone) or BUSY (another worker is reading it)."""
        with self.env["xero.connection.budget"]._xero_flushing(connection):
            return self._xero_sweep_pages(connection, model)

    @api.model
    def _xero_sweep_pages(self, connection, model):
        cursor = self._xero_for(connection, model._name)
        cron = self.env["ir.cron"]
        conflicts = 0
        while True:
            # renewed between pages, never during one (see _xero_take_batch)
            connection._xero_ensure_token()
            cron._commit_progress(0)
            if not cursor._xero_take_turn():
                return BUSY
            try:
                more = model._xero_poll(connection, cursor)
            except CONFLICTS:
                # the queue or a webhook's read wrote the same rows meanwhile (a link, a
                # mirror): the page is read again in a new transaction, a few times
                self.env.cr.rollback()
                conflicts += 1
                _logger.info(
                    "Xero poll of %s met a concurrent change; page read again", model._name
                )
                if conflicts >= MAX_PAGE_CONFLICTS:
                    return BUSY
                continue
            except (XeroRateLimitError, XeroAuthError) as error:
                _logger.info("Xero poll of %s stopped: %s", model._name, error.message)
                cron._commit_progress(0)
                return STOP
            except XeroError as error:
                _logger.warning("Xero poll of %s failed: %s", model._name, error.message)
                cron._commit_progress(0)
                return DONE
            cron._commit_progress(1)
            if not more:
                return DONE

    def _xero_take_turn(self):
        """Whether this worker reads the collection's next page: the cursor is locked for
        the page's transaction, unless another worker (the scheduler, Sync now) holds it
        or moved it on since this transaction began; either way that one reads it."""
        self.ensure_one()
        self.env.flush_all()
        query = SQL(
            "SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
            SQL.identifier(self._table),
            self.id,
        )
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                locked = self.env.cr.fetchone()
        except psycopg2.errors.SerializationFailure:
            # moved on by another worker: nothing of this transaction is lost
            return False
        if not locked:
            return False
        self.invalidate_recordset()  # what the other worker wrote, read afresh
        return True


def _since(started):
    """If-Modified-Since of a sweep that started then: to the second, and one second
    earlier (what changed in that second is read again rather than missed)."""
    return started.replace(microsecond=0) - timedelta(seconds=1)
