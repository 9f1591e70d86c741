"""What the sync log says of a call or of a record that moved, in a user's words."""


def call_summary(env, operation):
    """A call to Xero in plain words: ``get_tax_rates`` is "Read tax rates from Xero"."""
    renewed = env._("Renewed the access to Xero")
    known = {
        "get_organisations": env._("Checked the connection to Xero"),
        "get_connections": env._("Read the organisations Odoo may use"),
        "delete_connection": env._("Disconnected the organisation"),
        "token exchange_code": env._("Connected to Xero"),
        "token refresh": renewed,
        "token client_credentials": renewed,
        "token revoke": env._("Revoked Odoo's access to Xero"),
    }
    if operation in known:
        return known[operation]
    for prefix in ("get_", "create_", "update_or_create_", "update_"):
        if operation.startswith(prefix):
            what = operation.removeprefix(prefix).replace("_", " ")
            if prefix == "get_":
                return env._("Read %s from Xero", what)
            return env._("Sent %s to Xero", what)
    return operation


def answer_count(data):
    """How many objects an answer of Xero carries (its first list)."""
    if isinstance(data, dict):
        return next((len(v) for v in data.values() if isinstance(v, list)), 0)
    return 0


def value_text(value):
    """A value as a user reads it: empty, a text, the texts of a list or of a dict."""
    if value in (None, False, "", [], {}):
        return "—"
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v not in (None, False, "", [], {})) or "—"
    if isinstance(value, list):
        return "; ".join(value_text(v) for v in value)
    return str(value)


def field_label(model, key):
    """The label of an Odoo field (or of the Odoo field of a Xero key), as in a sentence."""
    name = key if key in model._fields else getattr(model, "_xero_field_map", {}).get(key)
    field = model._fields.get(name or "")
    label = field.get_description(model.env)["string"] if field else key
    # "Phone" reads "phone", "VAT" stays "VAT"
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def changes_text(model, old, new):
    """Overwritten values: "phone +64 9 555 0202 → +64 9 555 0303, city …"."""
    old, new = old or {}, new or {}
    return ", ".join(
        f"{field_label(model, key)} {value_text(old.get(key))} → {value_text(new.get(key))}"
        for key in new
        if old.get(key) != new.get(key)
    )
