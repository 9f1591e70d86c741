"""The demo's state file: changes and Idempotency-Keys survive restarts, even a SIGKILL."""

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import urllib3
from xero_python.accounting import AccountingApi, Contact, Contacts
from xero_python.api_client import ApiClient
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException

from ..sandbox import XeroSandbox
from ..sandbox.core import STATE_VERSION
from .sandbox_client import Xero, checked_sandbox, sdk_configuration

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = ("Harbour Lights Ltd", "Kowhai Cafe")


def contacts(*names):
    return Contacts(contacts=[Contact(name=name) for name in names])


def ids(answer):
    return [contact.contact_id for contact in answer.contacts]


def named(api, tenant_id, name):
    """The organisation's contacts with this name, as xero-python lists them."""
    return api.get_contacts(tenant_id, where=f'Name=="{name}"').contacts


def write_state(state_file, version, contact=None):
    """A state file as a sandbox of this ``version`` would write it (version 1: no keys)."""
    sandbox = XeroSandbox()
    if contact:
        sandbox.tenant(0).books.save_contact({"Name": contact}, "test", create_only=True)
    data = sandbox.snapshot()
    sandbox.stop()
    if version < 2:
        del data["idempotency"]
    data["version"] = version
    state_file.write_bytes(pickle.dumps(data))


def kill(sandbox):
    """Stop an in-process sandbox as a SIGKILL would: nothing more goes to its state file."""
    sandbox.state_file = None
    sandbox.stop()


@pytest.fixture
def state_file(tmp_path):
    return tmp_path / "sandbox.state"


@pytest.fixture
def start(state_file):
    """Start a sandbox on the test's state file; each call is a restart after a kill."""
    started = []

    def start_one():
        if started:
            kill(started[-1])
        sandbox = checked_sandbox(state_file=str(state_file), retry_schedule=(0.2, 0.4, 0.6))
        started.append(sandbox)
        return sandbox

    yield start_one
    for sandbox in started:
        kill(sandbox)
    problems = [problem for sandbox in started for problem in sandbox.problems]
    assert problems == [], "answers that break Xero's OpenAPI file:\n" + "\n".join(problems)


# ------------------------------------------------------------------ restarts in the process


def test_a_key_is_replayed_after_a_restart_and_creates_nothing_new(start):
    xero = Xero(start())
    sent = xero.api.create_contacts(xero.tenant_id, contacts(*PEOPLE), idempotency_key="go-live-1")
    total = len(xero.api.get_contacts(xero.tenant_id).contacts)
    # the restarted sandbox knows the token, the contacts and the key
    again = Xero(start(), tokens=xero.token)
    replayed = again.api.create_contacts(
        again.tenant_id, contacts(*PEOPLE), idempotency_key="go-live-1"
    )
    assert ids(replayed) == ids(sent)
    assert [len(named(again.api, again.tenant_id, name)) for name in PEOPLE] == [1, 1]
    assert len(again.api.get_contacts(again.tenant_id).contacts) == total


def test_a_key_reused_with_another_request_after_a_restart_is_a_409(start):
    xero = Xero(start())
    xero.api.create_contacts(xero.tenant_id, contacts(*PEOPLE), idempotency_key="go-live-2")
    again = Xero(start())
    with pytest.raises(HTTPStatusException) as failure:
        again.api.create_contacts(
            again.tenant_id, contacts("Pohutukawa Press"), idempotency_key="go-live-2"
        )
    assert failure.value.status == 409
    assert named(again.api, again.tenant_id, "Pohutukawa Press") == []


def test_keys_are_kept_24_sandbox_hours_across_restarts(start, state_file):
    xero = Xero(start())
    sent = xero.api.create_contacts(xero.tenant_id, contacts(*PEOPLE), idempotency_key="daily")
    xero.admin("POST", "clock", {"advance_seconds": 23 * 3600})
    later = Xero(start())  # a new token: the first one expired after 30 sandbox minutes
    replayed = later.api.create_contacts(
        later.tenant_id, contacts(*PEOPLE), idempotency_key="daily"
    )
    assert ids(replayed) == ids(sent)
    later.admin("POST", "clock", {"advance_seconds": 2 * 3600})
    # 25 hours on: the save that followed the clock's move left the key out
    saved = pickle.loads(state_file.read_bytes())["idempotency"]
    assert "daily" not in {key for _tenant, _app, key in saved}
    next_day = Xero(start())
    # forgotten: the same PUT is processed again, and the names are taken by now
    with pytest.raises(AccountingBadRequestException) as failure:
        next_day.api.create_contacts(next_day.tenant_id, contacts(*PEOPLE), idempotency_key="daily")
    assert "already assigned" in str(failure.value.error_data)
    assert [len(named(next_day.api, next_day.tenant_id, name)) for name in PEOPLE] == [1, 1]


def test_every_answer_of_five_concurrent_clients_survives_a_kill(start):
    xero = Xero(start())
    total = len(xero.api.get_contacts(xero.tenant_id).contacts)
    answers = {}

    def client(number):
        for batch in range(4):
            key = f"client-{number}-batch-{batch}"
            names = [f"{key} contact {n}" for n in range(10)]
            answers[key] = ids(
                xero.api.create_contacts(xero.tenant_id, contacts(*names), idempotency_key=key)
            )

    threads = [threading.Thread(target=client, args=(number,)) for number in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 20 and not any(thread.is_alive() for thread in threads)
    again = Xero(start())
    for key, sent in answers.items():
        names = [f"{key} contact {n}" for n in range(10)]
        resent = again.api.create_contacts(again.tenant_id, contacts(*names), idempotency_key=key)
        assert ids(resent) == sent
    assert len(again.api.get_contacts(again.tenant_id).contacts) == total + 200


def test_a_state_file_of_the_previous_version_still_loads(state_file, start):
    write_state(state_file, 1, contact="Older Times Ltd")
    xero = Xero(start())
    assert len(named(xero.api, xero.tenant_id, "Older Times Ltd")) == 1
    sent = xero.api.create_contacts(xero.tenant_id, contacts(*PEOPLE), idempotency_key="v2")
    again = Xero(start())
    replayed = again.api.create_contacts(again.tenant_id, contacts(*PEOPLE), idempotency_key="v2")
    assert ids(replayed) == ids(sent)


def test_a_state_file_of_a_newer_sandbox_is_refused(state_file):
    write_state(state_file, STATE_VERSION + 1)
    with pytest.raises(ValueError, match="newer sandbox"):
        XeroSandbox(state_file=str(state_file))


class StateChecker:
    """A webhook endpoint that looks, on each event, whether its contact is in the state file."""

    def __init__(self, state_file):
        self.seen = []
        checker = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for event in payload["events"]:
                    checker.seen.append((event["resourceId"], checker.saved(event)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.state_file = state_file
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xero/webhook"

    def saved(self, event):
        if not self.state_file.exists():
            return False
        tenants = pickle.loads(self.state_file.read_bytes())["tenants"]
        return event["resourceId"] in tenants[event["tenantId"]]["contacts"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_webhooks_tell_of_a_change_once_it_is_in_the_state_file(start, state_file):
    sandbox = start()
    xero = Xero(sandbox)
    checker = StateChecker(state_file)
    sandbox.app.webhooks.configure(url=checker.url, status="ok")
    answers = []
    try:
        with sandbox._save_lock:  # a slow disk: the save waits
            sender = threading.Thread(
                target=lambda: answers.append(
                    xero.api.create_contacts(xero.tenant_id, contacts("Told Later Ltd"))
                )
            )
            sender.start()
            time.sleep(0.6)  # three times the webhooks' batching delay
            assert (checker.seen, answers) == ([], [])
        sender.join(timeout=10)
        assert sandbox.app.webhooks.flush()
        assert checker.seen == [(ids(answers[0])[0], True)]
    finally:
        checker.close()


# ------------------------------------------------------------------ the command, killed


class Command:
    """``python -m xero_connector_tests.sandbox --state-file`` as setup/demo starts it."""

    def __init__(self, state_file, port=0):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        command = [sys.executable, "-m", "xero_connector_tests.sandbox", "--port", str(port)]
        self.errors = state_file.with_suffix(".err").open("a")
        self.process = subprocess.Popen(
            [*command, "--state-file", str(state_file)],
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.described = json.loads(self.process.stdout.readline())
        self.urls = self.described["urls"]
        self.port = int(self.urls["accounting"].split(":")[2].split("/")[0])
        self.tenant_id = self.described["tenants"][0]["tenant_id"]

    def admin(self, method, path, body=None):
        answer = requests.request(method, f"{self.urls['admin']}/{path}", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def api(self, tokens):
        """xero-python's AccountingApi on this sandbox, without urllib3's hidden retries."""
        configuration = sdk_configuration(
            self.described["client_id"], self.described["client_secret"]
        )
        client = ApiClient(configuration, pool_threads=1, oauth2_token_getter=lambda: tokens)
        client.rest_client.pool_manager.connection_pool_kw["retries"] = urllib3.Retry(
            0, respect_retry_after_header=False, raise_on_status=False
        )
        return AccountingApi(client, base_url=self.urls["accounting"])

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.errors.close()
        assert self.process.returncode == -signal.SIGKILL

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        self.errors.close()


def send_slowly(command, api, state_file, lost):
    """A PUT whose answer a "slow" fault holds back; returns once the sandbox wrote its
    state file again, with nobody having looked at the organisation (every answer, a GET's
    too, waits until what it shows is saved: a look would save it)."""
    command.admin("POST", "faults", {"kind": "slow", "method": "PUT", "delay": 60})
    written = state_file.stat().st_ino  # each save renames a new file over the last

    def send():
        try:
            api.create_contacts(command.tenant_id, contacts(*PEOPLE), idempotency_key="queue-1")
        except urllib3.exceptions.HTTPError as error:  # the connection dies with the sandbox
            lost.append(error)

    thread = threading.Thread(target=send)
    thread.start()
    deadline = time.monotonic() + 20
    while state_file.stat().st_ino == written:
        assert time.monotonic() < deadline, "the slow PUT was not saved before its answer"
        time.sleep(0.01)
    return thread


@pytest.fixture
def command(state_file):
    """The command on the test's state file, connected: its tokens and contact count."""
    command = Command(state_file)
    command.tokens = command.admin("POST", "consent", {})
    command.total = len(command.api(command.tokens).get_contacts(command.tenant_id).contacts)
    yield command
    command.stop()


def restart_and_resend(command, state_file):
    """After the kill: start again on the state file and port, resend the PUT with its key.

    Returns the IDs answered, how many contacts carry each name, and the contact count."""
    again = Command(state_file, port=command.port)
    try:
        api = again.api(command.tokens)  # the tokens survived too
        resent = api.create_contacts(again.tenant_id, contacts(*PEOPLE), idempotency_key="queue-1")
        counts = [len(named(api, again.tenant_id, name)) for name in PEOPLE]
        return ids(resent), counts, len(api.get_contacts(again.tenant_id).contacts)
    finally:
        again.stop()


def test_a_put_answered_right_before_a_sigkill_is_replayed_after_a_restart(command, state_file):
    api = command.api(command.tokens)
    sent = api.create_contacts(command.tenant_id, contacts(*PEOPLE), idempotency_key="queue-1")
    command.kill()
    assert restart_and_resend(command, state_file) == (ids(sent), [1, 1], command.total + 2)


def test_a_put_killed_while_a_slow_fault_holds_its_answer_is_replayed(command, state_file):
    api = command.api(command.tokens)
    lost = []
    sender = send_slowly(command, api, state_file, lost)
    command.kill()
    sender.join(timeout=10)
    assert len(lost) == 1  # the client never had its answer
    # replayed: the contacts are not refused as duplicates, nor created twice
    resent, counts, total = restart_and_resend(command, state_file)
    assert (len(resent), counts, total) == (2, [1, 1], command.total + 2)


def test_a_put_answered_500_by_accept_then_fail_is_replayed_after_a_sigkill(command, state_file):
    api = command.api(command.tokens)
    command.admin("POST", "faults", {"kind": "accept_then_fail", "method": "PUT"})
    with pytest.raises(HTTPStatusException) as failure:
        api.create_contacts(command.tenant_id, contacts(*PEOPLE), idempotency_key="queue-1")
    assert failure.value.status == 500
    created = [named(api, command.tenant_id, name)[0].contact_id for name in PEOPLE]
    command.kill()
    assert restart_and_resend(command, state_file) == (created, [1, 1], command.total + 2)


def test_the_command_refuses_a_state_file_of_a_newer_sandbox(state_file):
    write_state(state_file, STATE_VERSION + 1)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "xero_connector_tests.sandbox", "--port", "0"]
    finished = subprocess.run(
        [*command, "--state-file", str(state_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 2
    assert "newer sandbox" in finished.stderr and not finished.stdout
