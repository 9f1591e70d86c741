"""The Odoo records that jobs, links and log lines point to (``res_model``, ``res_id``)."""

from odoo.fields import Domain

# the operators a search on the target's name takes (the ORM negates them itself)
NAME_OPERATORS = ("ilike", "like", "=ilike", "=like", "in")


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


def target_name_domain(records, operator, value):
    """The domain of the jobs, links or log lines (``records``' model) whose target's name
    matches: one query per model that syncs, on that model's own name search. The
    ORM negates it for the negative operators."""
    if operator not in NAME_OPERATORS:
        return NotImplemented
    env = records.env
    domains = []
    for model in env["xero.sync.job"]._xero_synced_models():
        found = model.with_context(active_test=False)._search([("display_name", operator, value)])
        domains.append(Domain("res_model", "=", model._name) & Domain("res_id", "in", found))
    return Domain.OR(domains) if domains else Domain.FALSE
