"""Client actions the addon's buttons answer with."""


def notification(title, message, kind="info", sticky=False, then=None):
    """A notification at the top right (``kind``: info, success, warning, danger),
    followed by the action ``then`` (a soft reload, say) when given."""
    params = {"title": title, "message": message, "type": kind, "sticky": sticky}
    if then:
        params["next"] = then
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}


def reopen(record):
    """The window of a wizard, opened again on the same record (its next step), under
    its own title."""
    return {
        "type": "ir.actions.act_window",
        "name": record.env["ir.model"]._get(record._name).name,
        "res_model": record._name,
        "res_id": record.id,
        "view_mode": "form",
        "target": "new",
    }


SOFT_RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}
