from odoo import api, fields, models

from ..const import PAGE_SIZE
from ..tools.outcomes import Refused


class XeroSyncInboundMixin(models.AbstractModel):
    """The inbound half: a model whose records come from Xero.

    Xero's objects are read in batches of ids (the queue's fetch jobs, from
    webhooks) and page by page of what changed (the poll), then handed to
    ``_xero_apply_inbound``, which the model implements.
    """

    _name = "xero.sync.inbound.mixin"
    _inherit = ["xero.sync.base"]
    _description = "Record read from Xero"

    _xero_polled = True
    _xero_paged = True  # Xero pages this collection (Items are answered whole)

    # ------------------------------------------------------------------ business: kinds

    @api.model
    def _xero_kinds(self):
        return [
            *super()._xero_kinds(),
            (f"{self._xero_object}.fetch", self.env._("%s from Xero", self._description)),
        ]

    # ------------------------------------------------------------------ business: fetching

    @api.model
    def _xero_fetch(self, jobs):
        """Read the Xero objects of a batch of inbound jobs in one call and apply them:
        {job id: outcome}."""
        connection = jobs.connection_id
        answer = connection._xero_call_json(
            f"get_{self._xero_sdk}",
            purpose="fetch",
            log=self._xero_call_log(jobs),
            **self._xero_fetch_params(jobs.mapped("xero_id")),
            **self._xero_call_options(),
        )
        outcomes = self._xero_apply_inbound(connection, answer.get(self._xero_plural) or [])
        gone = Refused(self.env._("Xero has no such record (any more)."), failure="not_found")
        return {job.id: outcomes.get(job.xero_id.lower(), gone) for job in jobs}

    @api.model
    def _xero_fetch_params(self, xero_ids):
        return {"i_ds": list(xero_ids)}

    # ------------------------------------------------------------------ business: polling

    @api.model
    def _xero_poll(self, connection, cursor):
        """Read one page of what changed in Xero since the cursor and apply it.

        A sweep keeps one If-Modified-Since for all its pages and orders them by
        Xero's id, which changes never move, so no record slips between two pages.
        A sweep without one reads the whole collection (a new connection's first):
        ``_xero_filled`` follows its last page. Returns whether another page follows."""
        page = cursor.next_page or 1
        since = self._xero_poll_since(connection, cursor)
        answer = connection._xero_call_json(
            f"get_{self._xero_sdk}",
            purpose="poll",
            log={"direction": "in", "res_model": self._name, "describe": self._xero_poll_words},
            **self._xero_poll_params(connection, since, page),
            **self._xero_call_options(),
        )
        elements = answer.get(self._xero_plural) or []
        outcomes = self._xero_apply_inbound(connection, elements)
        self.env["xero.sync.job"].sudo()._xero_poll_failures(connection, self, outcomes)
        before = cursor.modified_since
        more = cursor._xero_advance(
            answer.get("DateTimeUTC"), page, len(elements), paged=self._xero_paged
        )
        if not more and not since:
            self._xero_filled(connection, cursor, before)
        return more

    @api.model
    def _xero_poll_since(self, connection, cursor):
        """If-Modified-Since of the poll's next page: the cursor's (none: all of it)."""
        return cursor.modified_since

    @api.model
    def _xero_filled(self, connection, cursor, before):
        """A sweep read the whole collection (``before``: the cursor's If-Modified-Since
        before it, if any)."""
        cursor.filled_at = fields.Datetime.now()

    @api.model
    def _xero_poll_words(self, count):
        """What the sync log says of a page of the poll that read ``count`` records."""
        noun = self._xero_noun(count, "in")
        if not count:
            return self.env._("No %s changed in Xero", noun)
        return self.env._("Read %(count)s changed %(noun)s", count=count, noun=noun)

    @api.model
    def _xero_poll_params(self, connection, since, page):
        params = {"order": f"{self._xero_id_key} ASC"}
        if self._xero_paged:
            params |= {"page": page, "page_size": PAGE_SIZE}
        if since:
            params["if_modified_since"] = since
        return params

    # ------------------------------------------------------------------ hooks

    @api.model
    def _xero_apply_inbound(self, connection, elements):
        """Apply Xero objects: {Xero id (lower case): Done or Refused}."""
        raise NotImplementedError
