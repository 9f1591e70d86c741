"""Install, upgrade and uninstall xero_connector as an integrator does it.

Each scenario runs the real ``odoo`` command against a scratch database of its
own, so the test database of the suite is left alone.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager

import psycopg2
from psycopg2 import sql

from odoo.sql_db import connection_info_for
from odoo.tests.common import get_db_name
from odoo.tools import config

ADDON = "xero_connector"
DEPENDS = "contacts,sale_management,crm,sale_crm,web_tour"
# Records an addon may add; after an uninstall none of its rows may be left.
TRACKED_TABLES = (
    "ir_model",
    "ir_model_fields",
    "ir_model_access",
    "ir_rule",
    "ir_ui_menu",
    "ir_ui_view",
    "ir_act_window",
    "ir_cron",
    "ir_config_parameter",
    "res_groups",
    "res_groups_privilege",
)
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) ")
# docutils' complaints about a module description it renders
RST_MESSAGE = re.compile(r"\((WARNING|ERROR|SEVERE)/\d\)")
TIMEOUT = 900


def odoo_command(*args):
    """Run Odoo's command line with the suite's configuration; returns its output."""
    return finished(started(*args), args)


def started(*args):
    """Odoo's command line started, its output kept in a temporary file."""
    output = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by finished()
    command = [sys.executable, "-m", "odoo", *args]
    return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, text=True), output


def finished(run, args):
    """The output of a command ``started``, once it ended well."""
    process, output = run
    try:
        returncode = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    output.seek(0)
    text = output.read()
    output.close()
    assert returncode == 0, f"{' '.join(args)} failed:\n{text[-4000:]}"
    return text


def odoo_server(db, *args):
    return odoo_command("-c", config["config"], "-d", db, "--stop-after-init", *args)


def log_problems(output):
    """Errors and warnings that Odoo logged, and any traceback."""
    return [
        line
        for line in output.splitlines()
        if ((match := LOG_LINE.match(line)) and match["level"] in ("WARNING", "ERROR", "CRITICAL"))
        or line.startswith("Traceback")
    ]


def connect(db):
    _dsn, info = connection_info_for(db)
    return psycopg2.connect(**info)


def drop_database(db):
    connection = connect("postgres")
    connection.autocommit = True
    with connection.cursor() as cr:
        cr.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
    connection.close()
    shutil.rmtree(config.filestore(db), ignore_errors=True)


@contextmanager
def scratch_database(suffix):
    db = f"{get_db_name()}_{suffix}"
    drop_database(db)
    try:
        yield db
    finally:
        drop_database(db)


def query(db, statement, params=None):
    with connect(db) as connection, connection.cursor() as cr:
        cr.execute(statement, params)
        rows = cr.fetchall()
    connection.close()
    return rows


def snapshot(db):
    """The schema and the ids of every record an addon could leave behind."""
    columns = set(
        query(
            db,
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public'",
        )
    )
    rows = {
        table: {
            row[0] for row in query(db, sql.SQL("SELECT id FROM {}").format(sql.Identifier(table)))
        }
        for table in TRACKED_TABLES
    }
    return columns, rows


def live_external_ids(db, after_id):
    """External ids created since ``after_id`` whose record still exists.

    Odoo leaves the ids other modules own for the models of an uninstalled addon
    (mail's activity selections, ir.model.inherit rows) dangling; what matters is
    that their records are gone.
    """
    live = []
    for data_id, model, res_id in query(
        db, "SELECT id, model, res_id FROM ir_model_data WHERE id > %s", (after_id,)
    ):
        table = model.replace(".", "_")
        if not query(db, "SELECT to_regclass(%s) IS NOT NULL", (table,))[0][0]:
            continue
        exists = query(
            db,
            sql.SQL("SELECT count(*) FROM {} WHERE id = %s").format(sql.Identifier(table)),
            (res_id,),
        )
        if exists[0][0]:
            live.append((data_id, model, res_id))
    return live


def module_state(db, name=ADDON):
    rows = query(
        db, "SELECT state, latest_version, demo FROM ir_module_module WHERE name = %s", (name,)
    )
    return rows[0] if rows else None


# the install with demo data, started beside the other scenario (the machine has two
# cores; each install is mostly one of them): {"run": (process, output)}
DEMO = {}
DEMO_ARGS = ("-i", ADDON, "--with-demo", "--stop-after-init")


def demo_install_started():
    """The install with demo data into its scratch database, started once."""
    if not DEMO:
        db = f"{get_db_name()}_demo"
        drop_database(db)
        DEMO.update(db=db, run=started("-c", config["config"], "-d", db, *DEMO_ARGS))
    return DEMO


def test_install_upgrade_uninstall_without_demo_data():
    demo_install_started()
    with scratch_database("lifecycle") as db:
        odoo_server(db, "-i", DEPENDS)
        columns_before, rows_before = snapshot(db)
        max_data_id = query(db, "SELECT max(id) FROM ir_model_data")[0][0]

        output = odoo_server(db, "-i", ADDON)
        assert log_problems(output) == []
        assert module_state(db) == ("installed", "19.0.1.0.0", False)
        xmlids = {
            name
            for (name,) in query(db, "SELECT name FROM ir_model_data WHERE module = %s", (ADDON,))
        }
        assert {"group_xero_user", "group_xero_manager", "menu_xero_root"} <= xmlids

        output = odoo_server(db, "-u", ADDON)
        assert log_problems(output) == []
        assert module_state(db) == ("installed", "19.0.1.0.0", False)

        output = odoo_command("module", "uninstall", "-c", config["config"], "-d", db, ADDON)
        assert log_problems(output) == []
        assert module_state(db)[0] == "uninstalled"
        columns_after, rows_after = snapshot(db)
        assert columns_after - columns_before == set(), "columns left behind"
        for table in TRACKED_TABLES:
            assert rows_after[table] - rows_before[table] == set(), f"rows left in {table}"
        left = query(db, "SELECT count(*) FROM ir_model_data WHERE module = %s", (ADDON,))
        assert left == [(0,)]
        assert live_external_ids(db, max_data_id) == [], "external ids left pointing at records"


def test_install_with_demo_data():
    demo = demo_install_started()
    db = demo["db"]
    try:
        output = finished(demo["run"], DEMO_ARGS)
        check_demo_install(db, output)
    finally:
        drop_database(db)
        DEMO.clear()


def check_demo_install(db, output):
    """What the install with demo data must have done."""
    assert log_problems(output) == []
    assert module_state(db) == ("installed", "19.0.1.0.0", True)
    # the dependencies came with their own demo data: quotations of the Sales app
    demo_orders = query(
        db, "SELECT count(*) FROM ir_model_data WHERE module = 'sale' AND model = 'sale.order'"
    )
    assert demo_orders[0][0] > 0
