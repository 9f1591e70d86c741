"""A worker that died leaves jobs "processing": with real commits, the next run takes them
again within a minute, while the jobs a live worker is sending are left to it."""

import threading
import time
from datetime import timedelta

import pytest

from odoo import SUPERUSER_ID, api, fields
from odoo.fields import Domain
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name

from .common import committed_connection


def environment(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


@pytest.fixture
def connected(sandbox):
    """The main company's connection, committed as connected to the sandbox, contacts on;
    yields a function making committed customers, and removes them afterwards."""
    registry = Registry(get_db_name())
    made = []

    def customers(prefix, count):
        with registry.cursor() as cr:
            partners = environment(cr)["res.partner"].create(
                [{"name": f"{prefix} {i}", "customer_rank": 1} for i in range(count)]
            )
            made.extend(partners.ids)
            return partners.ids

    with committed_connection(sandbox, sync_contacts=True):
        yield customers
        with registry.cursor() as cr:
            environment(cr)["res.partner"].browse(made).unlink()


def take_batch(registry, started_seconds_ago):
    """A worker marks the next batch processing (committed), as the queue does before
    calling Xero; its start is moved back to ``started_seconds_ago``."""
    with registry.cursor() as cr:
        batch = environment(cr)["xero.sync.job"]._xero_lock_batch()
        assert set(batch.mapped("state")) == {"processing"}
        batch.write({"started_at": fields.Datetime.now() - timedelta(seconds=started_seconds_ago)})
        return batch.ids


def states(registry, ids):
    with registry.cursor() as cr:
        return set(environment(cr)["xero.sync.job"].browse(ids).mapped("state"))


def run_queue(registry):
    with registry.cursor() as cr:
        environment(cr)["xero.sync.job"]._cron_process_queue()


def test_a_dead_workers_jobs_resume_at_once_and_a_live_ones_are_left_to_it(sandbox, connected):
    registry = Registry(get_db_name())
    live_partners = connected("Live worker", 3)
    # a live worker, in a long call to Xero: its batch's rows are held by its transaction
    live = take_batch(registry, started_seconds_ago=300)
    live_cr = registry.cursor()
    try:
        environment(live_cr)["xero.sync.job"]._xero_lock_ready(Domain("id", "in", live), None)
        dead_partners = connected("Dead worker", 3)
        # a worker that marked its batch and died 40 seconds ago: nothing holds its rows
        dead = take_batch(registry, started_seconds_ago=40)
        run_queue(registry)
        assert states(registry, dead) == {"done"}, "taken again at once, as uncertain"
        assert states(registry, live) == {"processing"}, "the live worker's are left to it"
    finally:
        live_cr.close()  # the live worker dies in turn: its rows are free
    run_queue(registry)
    assert states(registry, live) == {"done"}
    contacts = sandbox.tenant(0).books.contacts.values()
    for prefix, partners in (("Live worker", live_partners), ("Dead worker", dead_partners)):
        names = [c["Name"] for c in contacts if c["Name"].startswith(prefix)]
        assert sorted(names) == [f"{prefix} {i}" for i in range(len(partners))], "each once"


def test_a_worker_holds_its_batch_while_xero_answers(sandbox, connected):
    """What tells a live worker from a dead one: the rows of the batch it is sending."""
    registry = Registry(get_db_name())
    ids = connected("Slow answer", 2)
    sandbox.faults.add("slow", method="PUT", path="/Contacts$", delay=3)
    worker = threading.Thread(target=run_queue, args=(registry,))
    worker.start()
    try:
        held = None
        deadline = time.monotonic() + 20
        while held is None and time.monotonic() < deadline:
            with registry.cursor() as cr:
                env = environment(cr)
                jobs = env["xero.sync.job"].search(
                    [("res_id", "in", ids), ("res_model", "=", "res.partner")]
                )
                if (
                    set(jobs.mapped("state")) == {"processing"}
                    and sandbox.calls_to("/Contacts", method="PUT") == []
                ):
                    time.sleep(0.5)  # the request is on its way: Xero answers in 3 s
                    free = env["xero.sync.job"]._xero_lock_ready(Domain("id", "in", jobs.ids), None)
                    held = not free
                    cr.rollback()
            time.sleep(0.05)
        assert held, "the worker held its batch's rows while Xero answered"
    finally:
        worker.join(60)
    assert states(registry, _jobs_of(registry, ids)) == {"done"}


def _jobs_of(registry, partner_ids):
    with registry.cursor() as cr:
        return (
            environment(cr)["xero.sync.job"]
            .search([("res_id", "in", partner_ids), ("res_model", "=", "res.partner")])
            .ids
        )
