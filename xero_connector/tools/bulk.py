"""Write many records in one query.

The queue records an outcome per job and per link, 50 at a time: ``write()`` per
record costs more than the rest of the batch. This uses the ORM's own multi-row
UPDATE (the one a flush runs), after flushing what is pending on those records and
before invalidating their cache, so the ORM never sees stale values. Only plain
stored fields without dependents belong here.
"""

from odoo.tools import SQL


def write_rows(records, values_by_id):
    """``values_by_id``: {record id: {field name: value}} (ids among ``records``)."""
    if not values_by_id:
        return
    names = sorted({name for values in values_by_id.values() for name in values})
    fields = [records._fields[name] for name in names]
    targets = records.browse(list(values_by_id))
    targets.flush_recordset(names)
    vals_list = [
        {
            field.name: field.convert_to_column(values_by_id[record.id][field.name], record)
            for field in fields
            if field.name in values_by_id[record.id]
        }
        for record in targets
    ]
    targets._write_multi(vals_list)  # sets write_uid and write_date too
    targets.invalidate_recordset([*names, "write_uid", "write_date"])


def insert_rows(model, vals_list, unique=None):
    """Create plain records (no computed stored field, no default, no constraint in
    Python) in one INSERT; every row gives the same fields. For the audit log and
    links, written 50 at a time by the queue. Returns the new records.

    With ``unique`` (the columns of a unique index), a row whose record exists already
    is left out, also when another transaction creates it at the same moment."""
    if not vals_list:
        return model.browse()
    names = sorted(vals_list[0])
    fields = [model._fields[name] for name in names]
    env = model.env
    now = env.cr.now()
    rows = [
        SQL(
            "(%s, %s, %s, %s, %s)",
            SQL(", ").join(
                field.convert_to_column_insert(vals.get(field.name), model, vals)
                for field in fields
            ),
            env.uid,
            now,
            env.uid,
            now,
        )
        for vals in vals_list
    ]
    columns = SQL(", ").join(SQL.identifier(name) for name in names)
    conflict = (
        SQL(
            "ON CONFLICT (%s) DO NOTHING",
            SQL(", ").join(SQL.identifier(name) for name in unique),
        )
        if unique
        else SQL()
    )
    query = SQL(
        "INSERT INTO %s (%s, create_uid, create_date, write_uid, write_date) VALUES %s %s "
        "RETURNING id",
        SQL.identifier(model._table),
        columns,
        SQL(", ").join(rows),
        conflict,
    )
    return model.browse([row[0] for row in quiet_query(env, query)])


def quiet_query(env, query):
    """``env.execute_query(query)``, without the SQL layer's error log: for a statement
    that may meet another transaction's writes (a unique key, a row it changed), whose
    conflict the caller retries; the error is raised as ever."""
    env.flush_query(query)
    env.cr.execute(query, log_exceptions=False)
    return [] if env.cr.description is None else env.cr.fetchall()
