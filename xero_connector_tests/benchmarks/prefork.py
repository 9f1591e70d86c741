"""Production mode, tested: the real prefork Odoo server through a day of sales.

    setup/benchmark prefork [--customers 300] [--orders 100] [--clients 3]

Odoo runs as production sites run it: from its own launcher (``.run/odoo``) with
``--workers 2 --max-cron-threads 2`` (two HTTP workers, two cron workers and the
websocket process), on a database of its own (``xero_connector_prefork``, a fresh
copy of the benchmark database that ``setup/benchmark`` has just installed or
updated), its log in ``.run/prefork-server.log``. The Xero sandbox runs in this
process; Odoo reaches it on 127.0.0.1 and its webhook posts to Odoo's
``/xero/webhook`` once Odoo passed the intent-to-receive check.

Everything goes through the server, as people and Xero would, while the scheduled
actions run on the cron workers by themselves (the queue woken by each commit; the
poll every minute here, 10 in production):

* an administrator clicks *Use local sandbox* (JSON-2 API); the company's set-up
  (accounts, the tax map, invoicing on confirmation) is written before the load;
* a salesperson (Sales and Xero / User, API key) creates N customers, with a few
  colleagues at once (``--clients``): each must be linked to exactly one Xero contact;
* they create and confirm M orders: each must be invoiced in Xero exactly once,
  for the order's total;
* the customer pays each invoice in Xero the moment it appears there (the sandbox's
  payment, as Xero records an online payment): each order must show "Paid".

Checks, one PASS/FAIL line (exit 1 on FAIL): every customer has one link with a
Xero id and one contact in Xero; one Xero invoice per order, of the order's total;
every order paid in Odoo; no job failed or left waiting, every webhook delivery
answered, no scheduled action run failed; no ERROR line in the server's log
(duplicate keys, serialisation failures and tracebacks show there); Odoo's call log
and the budget's count of calls equal the calls the sandbox received.

Figures: the time to link the customers, to invoice the orders and to see them
paid; per order, confirmation to invoice in Xero and payment in Xero to "Paid" in
Odoo (median, 95th percentile); Xero's calls by operation against 2 x ⌈N/50⌉ + 2
(customers one by one and orders as they come make smaller batches than the bulk
benchmarks: the figure shows what that costs).
"""

# pylint: disable=print-used
# (a command-line program: printing is what it is for)

import argparse
import collections
import importlib.util
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from datetime import timedelta

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

from ..sandbox.limits import Limits
from ..tests.common import forget_xero_data, invoicing_on
from ..tests.sandbox_client import checked_sandbox
from ._support import ROOT, free_port, percentile, taxed_products

NEEDS_ODOO = True
DATABASE = "xero_connector_prefork"
PREFIX = "Prefork"
# the sandbox's books in the currency of the benchmark company: totals compare
BOOKS_CURRENCY = "USD"
SERVER_LOG = ROOT / ".run" / "prefork-server.log"
# an Odoo log line: "2026-12-06 10:00:00,123 4242 ERROR db odoo.module: message"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) ")
# a run of a scheduled action, as Odoo logs it: "Job 'Xero: …' (25) fully done (#loop 1; …)"
CRON_RUN = re.compile(
    r"ir_cron: Job '(?P<name>.*)' \(\d+\) (?P<what>starting|fully done|partially done|failed)"
)
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def target(count):
    """The calls a flow of ``count`` records may cost: its writes and the reads of what
    Xero announced, 50 a call, and two more."""
    return 2 * math.ceil(count / 50) + 2


class RpcError(Exception):
    pass


class Client:
    """Odoo's JSON-2 API (``/json/2/<model>/<method>``) with one user's API key."""

    def __init__(self, base_url, database, key):
        self.base_url = base_url
        self.headers = {
            "Authorization": f"bearer {key}",
            "Content-Type": "application/json",
            "X-Odoo-Database": database,
        }

    def __call__(self, model, method, **params):
        request = urllib.request.Request(
            f"{self.base_url}/json/2/{model}/{method}",
            data=json.dumps(params).encode(),
            headers=self.headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            with suppress(ValueError):
                detail = json.loads(detail).get("message", detail)
            raise RpcError(f"{model}.{method}: HTTP {error.code}: {detail[:500]}") from None


def odoo_launcher():
    """``.run/odoo``, the launcher ``setup/stack.py`` writes: with workers, Odoo starts
    its websocket process by running its own script again."""
    spec = importlib.util.spec_from_file_location("xero_setup_stack", ROOT / "setup" / "stack.py")
    stack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stack)
    return stack.odoo_launcher()


def copy_database(source, name):
    """``name``, a fresh copy of ``source`` (its filestore too): committed data for the
    server, and nothing left of an earlier run."""
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s WITH (FORCE)", SQL.identifier(name)))
        try:
            cr.execute(
                SQL("CREATE DATABASE %s TEMPLATE %s", SQL.identifier(name), SQL.identifier(source)),
                log_exceptions=False,
            )
        except psycopg2.errors.ObjectInUse:
            raise SystemExit(
                f"The database {source} is in use (another benchmark?): run this one alone."
            ) from None
    odoo.sql_db.close_db("postgres")
    copied = config.filestore(name)
    shutil.rmtree(copied, ignore_errors=True)
    if os.path.isdir(config.filestore(source)):
        shutil.copytree(config.filestore(source), copied)


class PreforkServer:
    """Odoo with HTTP and cron workers, in a process group of its own."""

    def __init__(self, database, workers, cron_workers):
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable,
            str(odoo_launcher()),
            "-c",
            config["config"],
            "-d",
            database,
            "--db-filter",
            f"^{database}$",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(free_port()),
            "--workers",
            str(workers),
            "--max-cron-threads",
            str(cron_workers),
            "--logfile",
            str(SERVER_LOG),
            "--log-level",
            "info",
        ]
        self.process = None
        self.stop_offset = None  # where the log stands when the server is asked to stop

    def start(self):
        SERVER_LOG.parent.mkdir(exist_ok=True)
        SERVER_LOG.unlink(missing_ok=True)
        self.process = subprocess.Popen(self.command, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"Odoo stopped at start (exit {self.process.returncode}).")
            if self.answers():
                return
            time.sleep(0.5)
        raise SystemExit(f"Odoo did not answer on {self.url} within 90 s.")

    def answers(self):
        """Whether the server answers (not yet while it starts)."""
        try:
            with urllib.request.urlopen(f"{self.url}/web/health", timeout=5) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self):
        """Stop as an administrator would (SIGTERM: the workers finish what they run)."""
        if not self.process or self.process.returncode is not None:
            return
        if SERVER_LOG.exists():
            self.stop_offset = SERVER_LOG.stat().st_size
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(150)
            except subprocess.TimeoutExpired:
                print("Odoo did not stop within 150 s of SIGTERM: killed.")
        # whatever of its process group is left (a worker the arbiter lost)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class PreforkBench:
    def __init__(self, registry, sandbox, args):
        self.registry = registry
        self.sandbox = sandbox
        self.args = args
        self.tenant = sandbox.tenant(0)
        self.books = self.tenant.books
        self.ids = {}
        self.keys = {}
        self.figures = {}
        self.checks = []  # (ok, label, detail)
        self.log = {}  # what the server's log says (read_log)
        # the orders as they go: names, and when each step was seen
        self.lock = threading.Lock()
        self.names = {}  # order id -> name
        self.by_name = {}  # name -> order id
        self.confirmed = {}  # name -> perf_counter()
        self.invoiced = {}  # name -> first seen in the sandbox
        self.xero_invoices = collections.defaultdict(list)  # name -> Xero invoice ids
        self.paid_in_xero = {}  # name -> when the payment was recorded in Xero
        self.paid_in_odoo = {}  # name -> first seen paid in Odoo
        self.payment_errors = []
        self.seen = set()
        self.selling = threading.Event()
        # what the sandbox answered: Xero-Correlation-Id -> the call, to find the calls
        # missing from Odoo's call log
        self.answers = {}
        sandbox.response_checker = self.record_answer

    def record_answer(self, _api, method, path, response):
        correlation = response.headers.get("Xero-Correlation-Id")
        if correlation:
            self.answers[correlation] = f"{method} {UUID.sub('{id}', path)}"

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def check(self, ok, label, detail=""):
        self.checks.append((bool(ok), label, detail))

    # ------------------------------------------------------------------ set-up

    def prepare(self, server_url):
        """Before the server starts: the company's products and tax, a salesperson, API
        keys, where the connection connects and its limits, the poll every minute."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            forget_xero_data(env)
            company = env.company
            if company.currency_id.name != BOOKS_CURRENCY:
                raise SystemExit(
                    f"The company's currency is {company.currency_id.name}, the sandbox's "
                    f"books are in {BOOKS_CURRENCY}: totals would not compare."
                )
            tax, products = taxed_products(env, PREFIX)
            seller = env["res.users"].create(
                {
                    "name": f"{PREFIX} seller",
                    "login": "prefork.seller",
                    "email": "prefork.seller@example.com",
                    "group_ids": [
                        Command.set(
                            [
                                env.ref("sales_team.group_sale_salesman_all_leads").id,
                                env.ref("xero_connector.group_xero_user").id,
                            ]
                        )
                    ],
                }
            )
            keys = env["res.users.apikeys"]
            for name, user in (("admin", env.ref("base.user_admin")), ("seller", seller)):
                self.keys[name] = keys.with_user(user).sudo()._generate("rpc", PREFIX, None)
            connection = company._xero_connection().sudo()
            connection.write(
                {
                    "mode": "sandbox",
                    "sandbox_url": self.sandbox.base_url,
                    "state": "draft",
                    "sync_contacts": False,
                    "sync_invoices": False,
                    # the sandbox never limits: Xero's 60 a minute would make this a
                    # benchmark of waiting; the budget still counts every call
                    "minute_limit": 10**6,
                    "day_limit": 10**9,
                }
            )
            env["ir.config_parameter"].set_param("web.base.url", server_url)
            # the poll, the webhook's safety net, runs beside the queue every minute
            # (10 in production); first once the company is set up (``set_up_invoicing``)
            env.ref("xero_connector.ir_cron_xero_poll").write(
                {
                    "interval_number": 1,
                    "interval_type": "minutes",
                    "nextcall": fields.Datetime.now() + timedelta(hours=1),
                }
            )
            self.ids = {
                "tax": tax.id,
                "products": products.ids,
                "connection": connection.id,
            }

    def connect(self, admin):
        """The administrator's Use local sandbox, through the server; then the company's
        invoicing set-up, the webhook and its intent-to-receive check."""
        started = time.perf_counter()
        admin("xero.connection", "action_xero_use_sandbox", ids=[self.ids["connection"]])
        self.figures["connect"] = time.perf_counter() - started
        for attempt in range(5):
            try:
                with self.registry.cursor() as cr:
                    self.set_up_invoicing(self.env(cr))
                break
            except psycopg2.errors.SerializationFailure:
                # a cron worker changed the connection meanwhile
                if attempt == 4:
                    raise
                time.sleep(1)
        hooks = self.sandbox.app.webhooks
        hooks.configure(url=f"{admin.base_url}/xero/webhook")
        intent = hooks.intent_to_receive()
        self.check(
            intent["ok"],
            "webhook verified (intent to receive)",
            "" if intent["ok"] else json.dumps(intent["checks"]),
        )

    def set_up_invoicing(self, env):
        connection = env["xero.connection"].browse(self.ids["connection"])
        if connection.state != "connected" or connection.tenant_id != self.tenant.tenant_id:
            raise SystemExit(
                f"Use local sandbox did not connect the company ({connection.state}): "
                f"{connection.last_error or 'see the server log'}"
            )
        rates = invoicing_on(env, connection)
        tax = env["account.tax"].browse(self.ids["tax"])
        env["xero.tax.map"]._xero_ensure(connection, [tax])[str(tax.id)].write(
            {"xero_tax_rate_id": rates.filtered(lambda r: r.xero_key == "OUTPUT2").id}
        )
        connection.write({"invoice_trigger": "confirm", "invoice_status": "AUTHORISED"})
        # the poll starts with the load, beside the queue, and runs every minute
        env.ref("xero_connector.ir_cron_xero_poll")._trigger()

    # ------------------------------------------------------------------ 1. customers

    def customers(self, seller):
        """N customers made by the salespeople, as in Sales > Customers; returns seconds
        (all made, all linked in Xero)."""
        count = self.args.customers

        def create(index):
            return seller(
                "res.partner",
                "create",
                vals_list=[
                    {
                        "name": f"{PREFIX} customer {index:03d}",
                        "email": f"prefork.customer{index}@example.com",
                        "city": "Auckland",
                    }
                ],
                context={"res_partner_search_mode": "customer"},
            )[0]

        started = time.perf_counter()
        with ThreadPoolExecutor(self.args.clients) as pool:
            self.ids["partners"] = list(pool.map(create, range(count)))
        made = time.perf_counter() - started
        deadline = time.perf_counter() + 150
        while self.linked_count() < count and time.perf_counter() < deadline:
            time.sleep(0.25)
        return made, time.perf_counter() - started

    def linked_count(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT count(DISTINCT res_id) FROM xero_link
                    WHERE res_model = 'res.partner' AND res_id = ANY(%s) AND xero_id IS NOT NULL""",
                [self.ids["partners"]],
            )
            return cr.fetchone()[0]

    # ------------------------------------------------------------------ 2-3. orders

    def sell(self, seller):
        """M orders made and confirmed by the salespeople, each invoice paid in Xero as
        it appears; returns when every order is paid in Odoo (or the time is up)."""
        count = self.args.orders
        partners = self.ids["partners"]
        products = self.ids["products"]
        self.selling.set()
        watchers = [
            threading.Thread(target=self.pay_as_invoiced, name="prefork-payer", daemon=True),
            threading.Thread(target=self.watch_odoo, name="prefork-watcher", daemon=True),
        ]
        for watcher in watchers:
            watcher.start()

        def sell_one(index):
            order_id = seller(
                "sale.order",
                "create",
                vals_list=[
                    {
                        "partner_id": partners[index % len(partners)],
                        "order_line": [
                            Command.create(
                                {"product_id": product, "product_uom_qty": 1 + (index + n) % 7}
                            )
                            for n, product in enumerate(products)
                        ],
                    }
                ],
            )[0]
            with self.registry.cursor() as cr:
                cr.execute("SELECT name FROM sale_order WHERE id = %s", [order_id])
                name = cr.fetchone()[0]
            with self.lock:
                self.names[order_id] = name
                self.by_name[name] = order_id
            seller("sale.order", "action_confirm", ids=[order_id])
            with self.lock:
                self.confirmed[name] = time.perf_counter()

        started = time.perf_counter()
        try:
            with ThreadPoolExecutor(self.args.clients) as pool:
                list(pool.map(sell_one, range(count)))
            self.figures["confirming"] = time.perf_counter() - started
            deadline = time.perf_counter() + 180
            while len(self.paid_in_odoo) < count and time.perf_counter() < deadline:
                time.sleep(0.2)
        finally:
            self.selling.clear()
            for watcher in watchers:
                watcher.join(10)
        self.figures["selling_started"] = started

    def pay_as_invoiced(self):
        """The customer: each invoice of an order paid in full the moment it is in Xero."""
        retries = collections.Counter()
        while self.selling.is_set():
            with self.sandbox.lock:
                fresh = [
                    (xero_id, invoice.get("Reference") or "", invoice.get("Status"))
                    for xero_id, invoice in self.books.invoices.items()
                    if xero_id not in self.seen
                ]
            now = time.perf_counter()
            for xero_id, reference, status in fresh:
                name = reference.split(" / ")[0]
                with self.lock:
                    ours = name in self.by_name
                    if ours and xero_id not in self.xero_invoices[name]:
                        self.xero_invoices[name].append(xero_id)
                        self.invoiced.setdefault(name, now)
                if not ours:
                    self.seen.add(xero_id)
                    continue
                if status != "AUTHORISED" or name in self.paid_in_xero:
                    self.seen.add(xero_id)
                    continue
                answer = self.admin_post(
                    f"tenants/{self.tenant.tenant_id}/payments", {"invoice_id": xero_id}
                )
                if "PaymentID" in answer:
                    self.paid_in_xero[name] = time.perf_counter()
                    self.seen.add(xero_id)
                else:
                    retries[xero_id] += 1
                    if retries[xero_id] >= 3:
                        self.payment_errors.append(f"{name}: {answer}")
                        self.seen.add(xero_id)
            time.sleep(0.02)

    def admin_post(self, path, body):
        request = urllib.request.Request(
            f"{self.sandbox.base_url}/admin/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return {"error": error.read().decode(errors="replace")[:300]}

    def watch_odoo(self):
        """When each order's Xero invoice shows paid in Odoo (read from the database)."""
        while self.selling.is_set():
            with self.lock:
                waiting = [i for i, name in self.names.items() if name not in self.paid_in_odoo]
            if waiting:
                with self.registry.cursor() as cr:
                    cr.execute(
                        """SELECT o.name FROM xero_order_invoice oi
                             JOIN sale_order o ON o.id = oi.order_id
                             JOIN xero_invoice x ON x.id = oi.xero_invoice_id
                            WHERE oi.order_id = ANY(%s) AND x.status = 'PAID'""",
                        [waiting],
                    )
                    now = time.perf_counter()
                    for (name,) in cr.fetchall():
                        self.paid_in_odoo.setdefault(name, now)
            time.sleep(0.1)

    # ------------------------------------------------------------------ settling

    def settle(self, timeout=60):
        """Until no job waits or runs and the webhook has delivered everything."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM xero_sync_job WHERE state IN ('pending', 'processing')"
                )
                busy = cr.fetchone()[0]
            if not busy and self.sandbox.app.webhooks.flush(timeout=1):
                return True
            time.sleep(0.5)
        return False

    def statuses(self, seller):
        """The orders' Xero payment status as the salesperson sees it."""
        rows = seller(
            "sale.order",
            "read",
            ids=list(self.names),
            fields=["name", "xero_payment_status", "amount_total"],
        )
        return {row["name"]: row for row in rows}

    # ------------------------------------------------------------------ the checks

    def check_customers(self):
        partners = self.ids["partners"]
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT res_id, count(*), count(xero_id) FROM xero_link
                    WHERE res_model = 'res.partner' AND res_id = ANY(%s) GROUP BY res_id""",
                [partners],
            )
            links = {res_id: (n, with_id) for res_id, n, with_id in cr.fetchall()}
            cr.execute("SELECT id, name FROM res_partner WHERE id = ANY(%s)", [partners])
            names = dict(cr.fetchall())
        wrong = [p for p in partners if links.get(p) != (1, 1)]
        self.check(
            not wrong,
            f"1. {len(partners)} customers: each has one link with a Xero id",
            f"{len(wrong)} do not, e.g. "
            + ", ".join(f"{names.get(p)}: {links.get(p, (0, 0))}" for p in wrong[:5]),
        )
        with self.sandbox.lock:
            contact_names = [c.get("Name") or "" for c in self.books.contacts.values()]
        counts = collections.Counter(contact_names)
        ours = collections.Counter()
        for contact_name in contact_names:
            base = contact_name.split(" (")[0]
            if base.startswith(f"{PREFIX} customer "):
                ours[base] += 1
        doubles = {n: c for n, c in ours.items() if c > 1}
        missing = [n for n in names.values() if not ours.get(n)]
        same = {n: c for n, c in counts.items() if c > 1}
        self.check(
            not doubles and not missing and not same,
            "1. one Xero contact per customer, no contact name twice",
            f"twice or more: {dict(list(doubles.items())[:5])}; missing: {missing[:5]}; "
            f"same name: {dict(list(same.items())[:5])}",
        )

    def check_orders(self, statuses):
        count = self.args.orders
        with self.sandbox.lock:
            invoices = [
                (i.get("Reference") or "", i.get("Total"), i.get("Status"))
                for i in self.books.invoices.values()
            ]
        per_order = collections.defaultdict(list)
        for reference, total, status in invoices:
            per_order[reference.split(" / ")[0]].append((total, status))
        not_once = {n: len(per_order.get(n, [])) for n in self.by_name if len(per_order[n]) != 1}
        self.check(
            len(self.by_name) == count and not not_once,
            f"2. {count} orders confirmed, each invoiced in Xero exactly once",
            f"{len(self.by_name)} confirmed; invoices per order not 1: "
            f"{dict(list(not_once.items())[:8])}",
        )
        unequal = {
            name: (float(found[0][0]), statuses.get(name, {}).get("amount_total"))
            for name, found in per_order.items()
            if name in self.by_name and len(found) == 1
            if round(float(found[0][0]), 2)
            != round(statuses.get(name, {}).get("amount_total") or 0.0, 2)
        }
        self.check(
            not unequal,
            "2. each Xero invoice's total equals its order's",
            f"{len(unequal)} differ (Xero, Odoo): {dict(list(unequal.items())[:5])}",
        )
        unpaid = {n: s.get("xero_payment_status") for n, s in statuses.items()}
        unpaid = {n: s for n, s in unpaid.items() if s != "paid"}
        self.check(
            len(self.paid_in_xero) == count and not unpaid and not self.payment_errors,
            f"3. {count} invoices paid in Xero, every order 'Paid' in Odoo",
            f"{len(self.paid_in_xero)} paid in Xero; not paid in Odoo: "
            f"{dict(list(unpaid.items())[:8])}; payment errors: {self.payment_errors[:3]}",
        )

    def check_queue(self, settled):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            jobs = env["xero.sync.job"].sudo()
            states = dict(
                collections.Counter(jobs.search([]).mapped(lambda j: f"{j.kind} {j.state}"))
            )
            failed = jobs.search([("state", "=", "error")], limit=5)
            failures = [f"{j.kind} {j.res_id or j.xero_id}: {j.failure_reason}" for j in failed]
            left = jobs.search_count([("state", "in", ("pending", "processing"))])
        # a run that failed was rolled back: what it read is lost until a later run
        broken = {name: n["failed"] for name, n in self.log["runs"].items() if n["failed"]}
        self.figures["jobs"] = states
        self.check(not failures, "4. no job failed", "; ".join(failures))
        hooks = self.sandbox.app.webhooks
        deliveries = [d for d in hooks.log if "events" in d]
        refused = [d for d in deliveries if not d["ok"]]
        self.figures["deliveries"] = (len(deliveries), sum(d["events"] for d in deliveries))
        self.check(
            settled and not left and not broken and not refused and hooks.status == "ok",
            "4. no read lost: every webhook delivery answered 200, no job left waiting, "
            "no scheduled action run failed",
            f"settled: {settled}; jobs pending or processing: {left}; runs failed: {broken}; "
            f"deliveries not answered 200: {refused[:3]}; webhook {hooks.status}",
        )

    def check_calls(self):
        """Odoo's call log and budget against the calls the sandbox received."""
        calls = [c for c in list(self.sandbox.calls) if c["path"].startswith("/api.xro")]
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT operation, count(*) FROM xero_sync_log
                    WHERE http_status IS NOT NULL AND http_status != 0
                      AND operation NOT LIKE 'token %%'
                      AND operation NOT IN ('get_connections', 'delete_connection')
                    GROUP BY operation ORDER BY operation"""
            )
            logged = dict(cr.fetchall())
            cr.execute(
                "SELECT coalesce(sum(day_used), 0) FROM xero_connection_budget "
                "WHERE connection_id = %s",
                [self.ids["connection"]],
            )
            budget = cr.fetchone()[0]
            cr.execute("SELECT correlation_id FROM xero_sync_log WHERE correlation_id IS NOT NULL")
            correlations = {row[0] for row in cr.fetchall()}
        missing = collections.Counter(
            call for key, call in list(self.answers.items()) if key not in correlations
        )
        by_operation = collections.Counter(self.operation(c) for c in calls)
        self.figures["calls"] = (len(calls), by_operation, logged, budget)
        self.check(
            sum(logged.values()) == len(calls) and budget == len(calls),
            "4. the call log and the budget count every call the sandbox received",
            f"sandbox {len(calls)}, log {sum(logged.values())}, budget {budget}; answered by "
            f"the sandbox, not in the log: {dict(missing) or 'none'}",
        )

    @staticmethod
    def operation(call):
        path = UUID.sub("{id}", call["path"][len("/api.xro/2.0") :])
        by_ids = any(key.lower() == "ids" for key in call.get("query") or {})
        return f"{call['method']} {path}{' by ids' if by_ids else ''}"

    def read_log(self, stop_offset):
        """The server's log: its lines by level, the ERROR lines (each with what follows
        it: the traceback), the warnings, the runs of the Xero scheduled actions."""
        text = SERVER_LOG.read_text(errors="replace") if SERVER_LOG.exists() else ""
        blocks, levels = [], collections.Counter()
        runs = collections.defaultdict(collections.Counter)
        for line in text.splitlines():
            match = LOG_LINE.match(line)
            if match:
                levels[match["level"]] += 1
                blocks.append([match["level"], line])
                if (run := CRON_RUN.search(line)) and run["name"].startswith("Xero"):
                    runs[run["name"]][run["what"]] += 1
            elif blocks:
                blocks[-1].append(line)
        errors = [b for b in blocks if b[0] in ("ERROR", "CRITICAL")]
        warnings = collections.Counter(
            re.sub(r"\d+", "N", b[1].split(": ", 1)[-1])[:160] for b in blocks if b[0] == "WARNING"
        )
        late = 0
        if stop_offset is not None:
            tail = text.encode()[stop_offset:].decode(errors="replace")
            late = sum(
                1
                for line in tail.splitlines()
                if (m := LOG_LINE.match(line)) and m["level"] == "ERROR"
            )
        self.log = {
            "levels": levels,
            "errors": errors,
            "warnings": warnings,
            "runs": runs,
            "at_stop": late,
        }

    def check_log(self):
        errors = self.log["errors"]
        kinds = {
            pattern: sum(1 for b in errors if pattern in "\n".join(b[1:]))
            for pattern in ("duplicate key", "could not serialize", "Traceback")
        }
        self.check(
            not errors,
            "4. no ERROR line in the server's log",
            f"{len(errors)} ERROR lines ({', '.join(f'{n} {k}' for k, n in kinds.items())})",
        )

    # ------------------------------------------------------------------ the report

    def report(self, elapsed):
        args = self.args
        print(
            f"Production mode: Odoo with --workers {args.workers} --max-cron-threads "
            f"{args.cron_workers} on {DATABASE}, the Xero sandbox's webhook posting to it, "
            f"{args.clients} salespeople at once"
        )

        def line(label, text):
            print(f"  {label:34s} {text}")

        line("connecting (Use local sandbox)", f"{self.figures.get('connect', 0):.2f} s")
        made, linked = self.figures.get("customers", (0, 0))
        line(
            f"{args.customers} customers made",
            f"{made:.2f} s, all linked in Xero after {linked:.2f} s",
        )
        started = self.figures.get("selling_started", 0)
        if self.invoiced:
            line(
                f"{len(self.confirmed)} orders made and confirmed",
                f"{self.figures.get('confirming', 0):.2f} s, all invoiced in Xero after "
                f"{max(self.invoiced.values()) - started:.2f} s",
            )
        first_payment = min(self.paid_in_xero.values(), default=None)
        if first_payment and self.paid_in_odoo:
            line(
                f"{len(self.paid_in_odoo)} orders paid in Odoo",
                f"{max(self.paid_in_odoo.values()) - first_payment:.2f} s after the first "
                "payment in Xero",
            )
        for label, since, until in (
            ("per order, confirmed → in Xero", self.confirmed, self.invoiced),
            ("per order, paid in Xero → in Odoo", self.paid_in_xero, self.paid_in_odoo),
        ):
            latency = [until[n] - t for n, t in since.items() if n in until]
            if latency:
                line(
                    label,
                    f"median {statistics.median(latency):.2f} s, 95th percentile "
                    f"{percentile(latency, 0.95):.2f} s ({len(latency)} orders)",
                )
        self.report_calls()
        if "jobs" in self.figures:
            print(
                "  jobs: " + ", ".join(f"{n} {k}" for k, n in sorted(self.figures["jobs"].items()))
            )
        if "deliveries" in self.figures:
            deliveries, events = self.figures["deliveries"]
            print(f"  webhook: {deliveries} deliveries of {events} events")
        self.report_log()
        failed = [c for c in self.checks if not c[0]]
        for ok, label, detail in self.checks:
            print(f"  {'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f": {detail}"))
        print(
            f"{'PASS' if not failed else 'FAIL'}: {len(self.checks) - len(failed)} of "
            f"{len(self.checks)} checks passed in {elapsed:.0f} s"
        )
        return not failed

    def report_calls(self):
        if "calls" not in self.figures:
            return
        total, by_operation, logged, budget = self.figures["calls"]
        args = self.args
        groups = (
            ("contacts", "/Contacts", args.customers),
            ("invoices", "/Invoices", args.orders),
            ("pay links", "/OnlineInvoice", None),
        )
        print(
            f"  Xero calls: {total} received by the sandbox, {sum(logged.values())} in "
            f"Odoo's call log, {budget} counted by the budget; by operation (the targets are "
            "figures, not checks):"
        )
        for label, fragment, count in groups:
            found = {
                op: n
                for op, n in by_operation.items()
                if fragment in op and (fragment == "/OnlineInvoice" or "/OnlineInvoice" not in op)
            }
            calls = sum(found.values())
            if count:
                limit = target(count)
                within = "within" if calls <= limit else "over"
                verdict = f"target 2 x ⌈{count}/50⌉ + 2 = {limit}: {within}"
            else:
                verdict = "one per approved invoice (Xero has no batch read of them)"
            print(f"    {label:10s} {calls:5d}  {verdict}")
            for op, n in sorted(found.items()):
                print(f"      {n:5d}  {op}")
        rest = {
            op: n
            for op, n in by_operation.items()
            if not any(fragment in op for _label, fragment, _count in groups)
        }
        print(
            f"    {'other':10s} {sum(rest.values()):5d}  "
            + ", ".join(f"{n} {op}" for op, n in sorted(rest.items()))
        )
        print(
            "    Odoo's call log by operation: "
            + ", ".join(f"{n} {op}" for op, n in logged.items())
        )

    def report_log(self):
        if not self.log:
            return
        runs = ", ".join(
            f"{name.removeprefix('Xero: ')} {n['starting']}"
            + (f" ({n['failed']} failed)" if n["failed"] else "")
            for name, n in sorted(self.log["runs"].items())
        )
        print(f"  runs of the scheduled actions: {runs}")
        errors = self.log["errors"]
        print(
            f"  server log {SERVER_LOG}: {len(errors)} ERROR lines (must be 0"
            + (f"; {self.log['at_stop']} while stopping" if self.log["at_stop"] else "")
            + f"), {self.log['levels'].get('WARNING', 0)} WARNING"
        )
        for block in errors[:20]:
            print(f"    {block[1][:300]}")
            for line in [line for line in block[2:] if line.strip()][-2:]:
                print(f"      {line.strip()[:300]}")
        for message, n in self.log["warnings"].most_common(8):
            print(f"    WARNING x{n}: {message}")


def main():
    parser = argparse.ArgumentParser(prog="setup/benchmark prefork")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--clients", type=int, default=3, help="salespeople at once")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cron-workers", type=int, default=2)
    parser.add_argument("--odoo-config", required=True)
    parser.add_argument("--db", required=True, help="the benchmark database, copied")
    args = parser.parse_args()
    begun = time.perf_counter()
    config.parse_config(["-c", args.odoo_config, "-d", DATABASE, "--log-level=warn"])
    copy_database(args.db, DATABASE)
    registry = Registry(DATABASE)
    limits = Limits(per_minute=10**9, per_day=10**9, app_per_minute=10**9)
    sandbox = checked_sandbox(limits=limits, base_currency=BOOKS_CURRENCY)
    # measured, not checked (the tests check answers): the bench records the answers
    bench = PreforkBench(registry, sandbox, args)
    server = PreforkServer(DATABASE, args.workers, args.cron_workers)
    passed = completed = False
    try:
        bench.prepare(server.url)
        server.start()
        admin = Client(server.url, DATABASE, bench.keys["admin"])
        seller = Client(server.url, DATABASE, bench.keys["seller"])
        bench.connect(admin)
        bench.figures["customers"] = bench.customers(seller)
        bench.sell(seller)
        settled = bench.settle()
        statuses = bench.statuses(seller)
        completed = True
    except (RpcError, OSError) as error:
        bench.check(False, "the run went through", str(error))
    finally:
        server.stop()  # the workers finish what they run: every call is then logged
        bench.read_log(server.stop_offset)
        if completed:
            bench.check_customers()
            bench.check_orders(statuses)
            bench.check_queue(settled)
            bench.check_calls()
        bench.check_log()
        sandbox.stop()
        passed = bench.report(time.perf_counter() - begun)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
