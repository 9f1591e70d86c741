"""Two workers process the queue at once, with real commits: no job is touched twice."""

import threading

import pytest

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

from .common import committed_connection

COUNT = 300


def environment(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


@pytest.fixture
def queued(sandbox):
    """300 customers waiting in the queue of the main company's connected connection."""
    with committed_connection(sandbox, sync_contacts=True) as registry:
        with registry.cursor() as cr:
            partners = environment(cr)["res.partner"].create(
                [{"name": f"Worker test {i:03d}", "customer_rank": 1} for i in range(COUNT)]
            )
            ids = partners.ids
        yield ids
        with registry.cursor() as cr:
            environment(cr)["res.partner"].browse(ids).unlink()


def test_two_workers_share_the_queue_without_touching_the_same_job(sandbox, queued):
    registry = Registry(get_db_name())
    start = threading.Barrier(2)
    failures = []

    with registry.cursor() as cr:
        users = [SUPERUSER_ID, environment(cr).ref("base.user_admin").id]

    def worker(uid):
        # each worker runs as another user: the jobs it finished carry its write_uid
        try:
            with registry.cursor() as cr:
                start.wait()
                api.Environment(cr, uid, {})["xero.sync.job"]._cron_process_queue()
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures

    puts = sandbox.calls_to("/Contacts", method="PUT")
    assert len(puts) == COUNT // 50, "each batch sent once"
    assert len({call["idempotency_key"] for call in puts}) == len(puts)
    tenant = sandbox.tenant(0)
    names = [c["Name"] for c in tenant.books.contacts.values() if c["Name"].startswith("Worker")]
    assert len(names) == len(set(names)) == COUNT
    with registry.cursor() as cr:
        env = environment(cr)
        jobs = env["xero.sync.job"].search([("res_id", "in", queued)])
        assert set(jobs.mapped("state")) == {"done"}
        assert len(jobs) == COUNT
        assert set(jobs.mapped("write_uid").ids) == set(users), "both workers took batches"
        moved = env["xero.sync.log"].search([("job_id", "in", jobs.ids)])
        assert sorted(moved.mapped("job_id").ids) == sorted(jobs.ids)
        assert len(moved) == COUNT, "one movement per job"
        links = env["xero.link"].search(
            [("res_id", "in", queued), ("res_model", "=", "res.partner")]
        )
        assert len(links) == COUNT and set(links.mapped("state")) == {"synced"}
