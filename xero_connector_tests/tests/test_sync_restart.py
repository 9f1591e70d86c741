"""A worker and Xero stopped hard in the middle of a batch, then started again.

Real processes and real commits: the sandbox runs as its own process with its state
file (as in the demo), a queue worker runs as another Odoo process, and both are
killed while Xero holds the answer to a batch it has already saved. After both come
back, every customer must end linked to exactly one Xero contact.
"""

import json
import math
import signal
import socket
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from odoo.addons.xero_connector.const import DEAD_AFTER

from .common import forget_xero_data

COUNT = 120
ROOT = Path(__file__).resolve().parents[2]
WORKER = textwrap.dedent(
    """
    import sys
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", sys.argv[1], "-d", sys.argv[2]])
    with Registry(sys.argv[2]).cursor() as cr:
        api.Environment(cr, SUPERUSER_ID, {})["xero.sync.job"]._cron_process_queue()
    """
)


def environment(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sandbox(port, state_file):
    """The sandbox as the demo runs it; returns (process, its description)."""
    command = [sys.executable, "-m", "xero_connector_tests.sandbox", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--state-file", str(state_file)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    line = process.stdout.readline()
    assert line, "the sandbox did not start"
    return process, json.loads(line)


def admin(port, method, path, body=None):
    answer = requests.request(
        method, f"http://127.0.0.1:{port}/admin/{path}", json=body or {}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()


def named(port, tenant_id, prefix):
    contacts = admin(port, "GET", f"tenants/{tenant_id}/contacts")
    contacts = contacts.get("contacts", contacts) if isinstance(contacts, dict) else contacts
    return [c for c in contacts if c["Name"].startswith(prefix)]


def settle_after_the_crash(registry):
    """The killed worker holds nothing: once DEAD_AFTER seconds have passed since it
    took its batch (moved back here rather than waited for), its jobs are taken again (as
    uncertain), and the queue runs until nothing is left."""
    with registry.cursor() as cr:
        cr.execute(
            "UPDATE xero_sync_job SET started_at = %s WHERE state = 'processing'",
            (fields.Datetime.now() - timedelta(seconds=DEAD_AFTER + 1),),
        )
    for _run in range(10):
        with registry.cursor() as cr:
            env = environment(cr)
            env["xero.sync.job"]._cron_process_queue()
            if not env["xero.sync.job"].search_count([("state", "in", ("pending", "processing"))]):
                return
            cr.execute("UPDATE xero_sync_job SET next_attempt_at = now() at time zone 'utc'")


@contextmanager
def sandbox_process(tmp_path):
    """A sandbox process with a state file, the main company's connection committed as
    connected to it (contacts sync on): {"port", "file", "process", "tenant",
    "described"}. Afterwards the process is killed, what the sync kept is forgotten and
    the connection is as it was."""
    port = free_port()
    state_file = tmp_path / "sandbox.state"
    sandbox, described = start_sandbox(port, state_file)
    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        connection = environment(cr).company._xero_connection().sudo()
        saved = connection.read(["mode", "sandbox_url", "client_id", "client_secret", "state"])[0]
        connection.write({"sandbox_url": f"http://127.0.0.1:{port}", "mode": "sandbox"})
        connection.action_xero_use_sandbox()
        connection.sync_contacts = True
        tenant_id = connection.tenant_id
    state = {"port": port, "file": state_file, "process": sandbox, "tenant": tenant_id}
    state["described"] = described
    try:
        yield state
    finally:
        state["process"].kill()
        state["process"].wait(10)
        with registry.cursor() as cr:
            env = environment(cr)
            forget_xero_data(env)
            connection = env.company._xero_connection().sudo()
            connection.write(
                {key: value for key, value in saved.items() if key != "id"}
                | {"sync_contacts": False, "tenant_id": False, "tenant_name": False}
            )


@pytest.fixture
def stack(tmp_path):
    """The sandbox process, and 120 new customers waiting in the queue."""
    with sandbox_process(tmp_path) as state:
        registry = Registry(get_db_name())
        with registry.cursor() as cr:
            partners = environment(cr)["res.partner"].create(
                [{"name": f"Restart test {i:03d}", "customer_rank": 1} for i in range(COUNT)]
            )
            ids = partners.ids
        yield ids, state, state["described"]
        with registry.cursor() as cr:
            forget_xero_data(environment(cr))
            environment(cr)["res.partner"].browse(ids).unlink()


def test_a_worker_and_xero_stopped_mid_batch_leave_every_customer_linked_once(stack):
    ids, state, _described = stack
    port, tenant = state["port"], state["tenant"]
    # Xero saves the first batch, then holds its answer
    admin(
        port, "POST", "faults", {"kind": "slow", "method": "PUT", "path": "/Contacts", "delay": 120}
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, config["config"], get_db_name()], cwd=ROOT
    )
    deadline = time.monotonic() + 120
    while len(named(port, tenant, "Restart test")) < 50:
        assert time.monotonic() < deadline, "the first batch never reached Xero"
        assert worker.poll() is None, "the worker stopped on its own"
        time.sleep(0.2)
    # both stopped hard: the worker never hears Xero's answer
    worker.send_signal(signal.SIGKILL)
    state["process"].send_signal(signal.SIGKILL)
    worker.wait(10)
    state["process"].wait(10)
    state["process"], _described = start_sandbox(port, state["file"])
    assert len(named(port, tenant, "Restart test")) == 50, "Xero kept what it had saved"
    admin(port, "DELETE", "calls")

    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        jobs = environment(cr)["xero.sync.job"].search([("res_id", "in", ids)])
        assert set(jobs.mapped("state")) >= {"processing"}
    settle_after_the_crash(registry)

    # the recovery costs a batch's calls, not one per customer
    calls = [c for c in admin(port, "GET", "calls") if c["path"].startswith("/api.xro/2.0/")]
    assert len(calls) <= 2 * math.ceil(COUNT / 50) + 2, [(c["method"], c["path"]) for c in calls]
    contacts = named(port, tenant, "Restart test")
    names = [c["Name"] for c in contacts]
    assert len(names) == len(set(names)) == COUNT, "each customer in Xero exactly once"
    by_name = {c["Name"]: c["ContactID"].lower() for c in contacts}
    with registry.cursor() as cr:
        env = environment(cr)
        jobs = env["xero.sync.job"].search([("res_id", "in", ids)])
        assert set(jobs.mapped("state")) == {"done"}, jobs.mapped("failure_reason")
        for partner in env["res.partner"].browse(ids):
            [link] = env["xero.link"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
            )
            assert (link.xero_id, link.state) == (by_name[partner.name], "synced")
