"""The Odoo records that jobs, links and log lines point to (``res_model``, ``res_id``)."""


def target_names(records):
    """{record: display name of its target}, one read per target model; a target that
    no longer exists (or of a model no longer installed) has an empty name."""
    names = dict.fromkeys(records, "")
    env = records.env
    for model, group in records.grouped("res_model").items():
        if not model or model not in env:
            continue
        ids = {record.res_id for record in group if record.res_id}
        targets = env[model].with_context(active_test=False).browse(ids).exists()
        by_id = {target.id: target.display_name for target in targets}
        for record in group:
            names[record] = by_id.get(record.res_id, "")
    return names
