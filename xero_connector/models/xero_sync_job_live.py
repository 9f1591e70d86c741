from odoo import models

from ..tools.outcomes import Done, Failed, Refused, Review

# outcomes that take a push out of the queue (or back to it after a failed request)
LEAVING = (Done, Refused, Review, Failed)


class XeroSyncJob(models.Model):
    """The forms open on a record show whether its push is still queued ("Sending to
    Xero…"): they are told when it leaves the queue, even without its link changing (a
    push with nothing to send, a request that failed as a whole)."""

    _inherit = "xero.sync.job"

    def _xero_settle(self, outcomes):
        result = super()._xero_settle(outcomes)
        leaving = self.filtered(
            lambda job: (
                job.direction == "out" and job.res_id and isinstance(outcomes.get(job.id), LEAVING)
            )
        )
        links = self.env["xero.link"]
        for (connection, model), jobs in leaving.grouped(
            lambda job: (job.connection_id, job.res_model)
        ).items():
            links._xero_live_changed(connection.company_id, model, jobs.mapped("res_id"))
        return result
