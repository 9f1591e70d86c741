"""Work in a transaction of its own, committed at once.

Some bookkeeping must outlive the caller's transaction even if it rolls back, and be
seen at once by every worker: a rotated refresh token, a connection that needs
re-authorisation, the calls taken from an organisation's budget, the local copy of
Xero's contacts. It runs here, on a cursor of its own.
"""

import psycopg2

from odoo.tools import SQL


def commit_aside(env, step, attempts=3):
    """``step(env)`` with a new cursor that commits when it returns; a change another
    worker made meanwhile starts it again (up to ``attempts`` times). Returns what
    ``step`` returns, or None when the attempts are spent or a lock timed out."""
    env.flush_all()
    for _attempt in range(attempts):
        try:
            with env.registry.cursor() as cr:
                return step(env(cr=cr))
        except psycopg2.errors.SerializationFailure:
            continue  # changed by another worker since this cursor began: again
        except psycopg2.errors.LockNotAvailable:
            return None
    return None


def run_aside(records, step, wait=True, timeout="10s", attempts=3):
    """``step(records)`` on a new cursor that commits when it returns, the records' rows
    locked (without ``wait``, rows another transaction holds are skipped). Returns what
    ``step`` returns, or None when the rows are gone, locked past ``timeout``, or
    changed concurrently ``attempts`` times in a row.

    The lock is ``FOR NO KEY UPDATE``: other transactions may still insert rows that
    refer to the locked ones (a log line, a job) while the step runs."""
    if not records:
        return None
    lock = SQL("FOR NO KEY UPDATE") if wait else SQL("FOR NO KEY UPDATE SKIP LOCKED")
    query = SQL(
        "SELECT id FROM %s WHERE id IN %s ORDER BY id %s",
        SQL.identifier(records._table),
        tuple(records.ids),
        lock,
    )

    def locked(env):
        env.cr.execute(SQL("SET LOCAL lock_timeout = %s", timeout))
        env.cr.execute(query, log_exceptions=False)
        ids = [row[0] for row in env.cr.fetchall()]
        return step(records.with_env(env(su=True)).browse(ids)) if ids else None

    try:
        return commit_aside(records.env, locked, attempts)
    finally:
        records.invalidate_recordset()
