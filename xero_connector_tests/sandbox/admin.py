"""Test controls and the accountant's side: an admin JSON API and a small HTML page.

Everything an accountant does here goes through the same rules as the API (and
so raises webhooks and bumps ``UpdatedDateUTC`` the same way).
"""

import html as html_lib
import json
import re
from datetime import timedelta
from decimal import Decimal

from . import oauth
from .bulk import seed_sales
from .errors import ElementError
from .http import Response, html
from .repeating import schedule_text
from .xerojson import parse_datetime

ACCOUNTANT = "Accountant (sandbox)"
# the rows of the page that "Open in Xero" reaches: the row of a record is
# ``<kind>-<its id>``, the fragment of ``local_sandbox.web_url`` (xero_connector/tools);
# "invoice" covers sales invoices and bills, as Xero's InvoiceID does; "repeating_invoice"
# is a repeating invoice's template
ANCHOR_KINDS = (
    "contact",
    "invoice",
    "creditnote",
    "payment",
    "overpayment",
    "item",
    "repeating_invoice",
)
# the phones of a contact on the page, in Xero's words, and the fields of each
PHONE_LABELS = {"DEFAULT": "Phone", "MOBILE": "Mobile", "FAX": "Fax", "DDI": "Direct dial"}
PHONE_FIELDS = (
    ("PhoneCountryCode", "country", 4),
    ("PhoneAreaCode", "area", 4),
    ("PhoneNumber", "number", 12),
)


def _json(status, body):
    return Response(status, json.dumps(body, default=str).encode())


def _body(request):
    return json.loads(request.body or b"{}", parse_float=Decimal)


# ------------------------------------------------------------------ routing


def handle(sandbox, request):
    if request.path == "/":
        return html(page(sandbox))
    route = request.path[len("/admin") :].strip("/")
    try:
        with sandbox.lock:
            if request.method != "GET":
                sandbox.changed()  # the clock, the accountant's edits, the webhook...
            return _dispatch(sandbox, request, route)
    except ElementError as error:
        return _json(400, {"error": error.messages})
    except (KeyError, ValueError, TypeError) as error:
        return _json(400, {"error": [f"bad admin request: {error!r}"]})


def _dispatch(sandbox, request, route):
    method = request.method
    for pattern, methods, handler in ADMIN_ROUTES:
        match = re.fullmatch(pattern, route)
        if match and method in methods:
            return handler(sandbox, request, *match.groups())
    return _json(404, {"error": [f"no admin route {method} /admin/{route}"]})


# ------------------------------------------------------------------ controls


def state(sandbox, _request):
    return _json(
        200,
        {
            "clock": sandbox.clock.now().isoformat(),
            "describe": sandbox.describe() if sandbox.base_url else None,
            "limits": vars(sandbox.limiter.limits),
            "faults": sandbox.faults.pending(),
            "webhook": {"url": sandbox.app.webhooks.url, "status": sandbox.app.webhooks.status},
            "calls": len(sandbox.calls),
            "online_views": sandbox.online_views,
        },
    )


def clock(sandbox, request):
    """Move the clock; the repeating invoices whose day has come are made at once
    (``generated``: each with its tenant, template, invoice, number, date and status)."""
    body = _body(request)
    if "set" in body:
        sandbox.clock.set(parse_datetime(body["set"]))
    else:
        sandbox.clock.advance(
            float(body.get("advance_seconds", 0)) + 86400 * float(body.get("advance_days", 0))
        )
    generated = sandbox.run_schedules()
    return _json(200, {"clock": sandbox.clock.now().isoformat(), "generated": generated})


def run_repeating(sandbox, _request):
    """Make every repeating invoice due up to the clock now, in every organisation."""
    return _json(200, {"generated": sandbox.run_schedules()})


def faults(sandbox, request):
    if request.method == "GET":
        return _json(200, sandbox.faults.pending())
    if request.method == "DELETE":
        sandbox.faults.clear()
        return _json(200, [])
    body = _body(request)
    return _json(200, sandbox.faults.add(**body))


def calls(sandbox, request):
    if request.method == "DELETE":
        sandbox.calls.clear()
        return _json(200, [])
    return _json(200, sandbox.calls)


def limits(sandbox, request):
    for key, value in _body(request).items():
        if not hasattr(sandbox.limiter.limits, key):
            raise ValueError(f"unknown limit {key}")
        setattr(sandbox.limiter.limits, key, int(value))
    if request.query.flag("reset"):
        sandbox.limiter.reset()
    return _json(200, vars(sandbox.limiter.limits))


def webhook(sandbox, request, action=None):
    hooks = sandbox.app.webhooks
    if action == "intent":
        return _json(200, hooks.intent_to_receive())
    if action == "deliveries":
        return _json(200, hooks.log)
    if request.method == "POST":
        body = _body(request)
        hooks.configure(url=body.get("url"), key=body.get("key"), status=body.get("status"))
    return _json(200, {"url": hooks.url, "key": hooks.key, "status": hooks.status})


def online_views(sandbox, request):
    """What opening an online invoice does besides its History record: ``touch`` (bump the
    invoice's UpdatedDateUTC), ``webhook`` (raise INVOICE UPDATE)."""
    if request.method == "POST":
        body = _body(request)
        unknown = set(body) - set(sandbox.online_views)
        if unknown:
            raise ValueError(f"unknown online view switch {sorted(unknown)}")
        wrong = sorted(key for key, value in body.items() if not isinstance(value, bool))
        if wrong:
            raise TypeError(f"{wrong} must be true or false")
        sandbox.online_views.update(body)  # all or nothing
    return _json(200, sandbox.online_views)


def expire_tokens(sandbox, _request):
    sandbox.expire_access_tokens()
    return _json(200, {"expired": True})


def consent(sandbox, request):
    """The sandbox user allows access at once: tokens for the app and organisations given."""
    body = _body(request)
    app = sandbox.apps[body.get("client_id") or sandbox.app.client_id]
    tenants = body.get("tenant_ids") or [next(iter(sandbox.tenants))]
    unknown = [t for t in tenants if t not in sandbox.tenants]
    if unknown or app.custom_tenant:
        return _json(400, {"error": [f"cannot consent to {unknown or app.client_id}"]})
    return _json(200, sandbox.connect(tenants, scopes=body.get("scopes"), app=app))


def revoke_grants(sandbox, _request):
    """The user disconnects the app in Xero: every grant of the app goes."""
    for grant in [g for g in sandbox.grants.values() if g.client_id == sandbox.app.client_id]:
        oauth.revoke_grant(sandbox, grant.grant_id)
    return _json(200, {"revoked": True})


# ------------------------------------------------------------------ the accountant


def _books(sandbox, tenant_id):
    return sandbox.tenants[tenant_id].books


def contacts(sandbox, request, tenant_id, contact_id=None, action=None):
    books = _books(sandbox, tenant_id)
    if request.method == "GET":
        return _json(200, [books.contact_view(c) for c in books.contacts.values()])
    body = _body(request)
    if contact_id is None:
        return _json(
            200, books.contact_view(books.save_contact(body, ACCOUNTANT, create_only=True))
        )
    contact = books.contacts[contact_id]
    if action == "archive":
        body = {"ContactStatus": "ARCHIVED"}
    elif action == "merge":
        return _json(
            200,
            books.contact_view(
                books.merge_contacts(contact, books.contacts[body["into"]], ACCOUNTANT)
            ),
        )
    return _json(200, books.contact_view(books.save_contact(body, ACCOUNTANT, target=contact)))


def contact_phones(sandbox, request, tenant_id, contact_id):
    """The page's phone form: fields ``<PhoneType>.<PhoneNumber|PhoneAreaCode|PhoneCountryCode>``
    (blank clears) become Xero's ``Phones``, saved as any edit of the accountant; a phone type
    not sent is left as it is."""
    books = _books(sandbox, tenant_id)
    contact = books.contacts[contact_id]
    fields = {name for name, _label, _size in PHONE_FIELDS}
    phones = {}
    for name, value in _body(request).items():
        kind, _dot, field = name.partition(".")
        if field not in fields:
            raise ValueError(f"unknown phone field {name}")
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be text")
        phones.setdefault(kind, {"PhoneType": kind})[field] = (value or "").strip()
    saved = books.save_contact({"Phones": list(phones.values())}, ACCOUNTANT, target=contact)
    return _json(200, books.contact_view(saved))


def invoices(sandbox, request, tenant_id, invoice_id=None, action=None):
    books = _books(sandbox, tenant_id)
    if request.method == "GET":
        return _json(200, [books.document_view("invoice", d) for d in books.invoices.values()])
    body = _body(request)
    if invoice_id is None:
        invoice = books.save_document("invoice", body, ACCOUNTANT, create_only=True)
    else:
        invoice = books.invoices[invoice_id]
        body = {"void": {"Status": "VOIDED"}, "approve": {"Status": "AUTHORISED"}}.get(action, body)
        books.save_document("invoice", body, ACCOUNTANT, target=invoice)
    return _json(200, books.document_view("invoice", invoice))


def payments(sandbox, request, tenant_id, payment_id=None, action=None):
    books = _books(sandbox, tenant_id)
    if action == "reconcile":
        return _json(200, books.payment_view(books.reconcile_payment(books.payments[payment_id])))
    if action == "batch":
        batch_id = _body(request).get("batch_payment_id")
        payment = books.batch_payment(books.payments[payment_id], batch_id)
        return _json(200, books.payment_view(payment))
    if request.method == "DELETE":
        return _json(
            200, books.payment_view(books.delete_payment(books.payments[payment_id], ACCOUNTANT))
        )
    body = _body(request)
    invoice = books.invoices[body["invoice_id"]]
    payment = books.create_payment(
        {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": body.get("account_code", "090")},
            "Date": body.get("date") or books.today().isoformat(),
            "Amount": body.get("amount", invoice["AmountDue"]),
            "Reference": body.get("reference"),
        },
        ACCOUNTANT,
    )
    return _json(200, books.payment_view(payment))


def repeating(sandbox, request, tenant_id, template_id=None, action=None):
    """The accountant's repeating invoices: ``GET`` lists them (deleted ones too); ``POST
    …/<id>`` edits one in place as Xero's screens do (fields named as in the API; a
    Schedule's NextScheduledDate is the screen's next invoice date); ``…/<id>/delete``."""
    books = _books(sandbox, tenant_id)
    if template_id is None:
        return _json(200, [books.repeating_view(t) for t in books.repeating_invoices.values()])
    template = books.repeating_invoices[template_id.lower()]
    if action == "delete":
        books.delete_repeating(template, ACCOUNTANT)
    elif request.method == "POST":
        books.edit_repeating(template, _body(request), ACCOUNTANT)
    return _json(200, books.repeating_view(template))


def credit_notes(sandbox, request, tenant_id, invoice_id):
    """The accountant credits (part of) an invoice: an approved ACCRECCREDIT for its
    contact, one line without tax on the sales account, allocated to the invoice."""
    books = _books(sandbox, tenant_id)
    invoice = books.invoices[invoice_id.lower()]
    body = _body(request)
    amount = body.get("amount")
    credit = books.save_document(
        "credit",
        {
            "Type": "ACCRECCREDIT",
            "Contact": {"ContactID": invoice["Contact"]["ContactID"]},
            "Status": "AUTHORISED",
            "CurrencyCode": invoice["CurrencyCode"],
            "LineItems": [
                {
                    "Description": body.get("description") or "Credit",
                    "Quantity": 1,
                    "UnitAmount": amount,
                    "AccountCode": body.get("account_code") or "200",
                    "TaxType": "NONE",
                }
            ],
        },
        ACCOUNTANT,
    )
    books.allocate_credit(
        credit, {"Amount": amount, "Invoice": {"InvoiceID": invoice["InvoiceID"]}}, ACCOUNTANT
    )
    return _json(200, books.document_view("credit", credit))


def overpayments(sandbox, request, tenant_id):
    """The accountant receives more than a contact owes: a RECEIVE-OVERPAYMENT bank
    transaction, its overpayment left to allocate or refund."""
    books = _books(sandbox, tenant_id)
    if request.method == "GET":
        return _json(
            200, [books.credit_view("overpayment", o) for o in books.overpayments.values()]
        )
    body = _body(request)
    transaction = books.record_overpayment(
        body["contact_id"],
        body["amount"],
        ACCOUNTANT,
        account_code=body.get("account_code") or "090",
        day=body.get("date") or None,
    )
    return _json(
        200, books.credit_view("overpayment", books.overpayments[transaction["OverpaymentID"]])
    )


def bank_transactions(sandbox, request, tenant_id):
    """The accountant's bank transactions: ``GET`` lists them; ``POST`` records one (money
    received or spent, fields named as in the API), checked with the API's rules."""
    books = _books(sandbox, tenant_id)
    if request.method == "GET":
        return _json(
            200, [books.bank_transaction_view(t) for t in books.bank_transactions.values()]
        )
    transaction = books.save_bank_transaction(_body(request), ACCOUNTANT)
    return _json(200, books.bank_transaction_view(transaction))


def bulk(sandbox, request, tenant_id):
    """Many sales at once (tests, benchmarks): contacts, approved invoices and their
    payments, made by the accountant through the API's rules (``bulk.seed_sales``)."""
    return _json(200, seed_sales(_books(sandbox, tenant_id), ACCOUNTANT, **_body(request)))


ID = r"([0-9a-fA-F-]{36})"
ADMIN_ROUTES = [
    (r"state", ("GET",), state),
    (r"clock", ("POST",), clock),
    (r"repeating/run", ("POST",), run_repeating),
    (r"faults", ("GET", "POST", "DELETE"), faults),
    (r"calls", ("GET", "DELETE"), calls),
    (r"limits", ("POST",), limits),
    (r"webhook", ("GET", "POST"), webhook),
    (r"webhook/(intent|deliveries)", ("GET", "POST"), webhook),
    (r"online-views", ("GET", "POST"), online_views),
    (r"tokens/expire", ("POST",), expire_tokens),
    (r"grants/revoke", ("POST",), revoke_grants),
    (r"consent", ("POST",), consent),
    (rf"tenants/{ID}/contacts", ("GET", "POST"), contacts),
    (rf"tenants/{ID}/contacts/{ID}", ("POST",), contacts),
    (rf"tenants/{ID}/contacts/{ID}/(archive|merge)", ("POST",), contacts),
    (rf"tenants/{ID}/contacts/{ID}/phones", ("POST",), contact_phones),
    (rf"tenants/{ID}/invoices", ("GET", "POST"), invoices),
    (rf"tenants/{ID}/invoices/{ID}", ("POST",), invoices),
    (rf"tenants/{ID}/invoices/{ID}/(void|approve)", ("POST",), invoices),
    (rf"tenants/{ID}/invoices/{ID}/credit", ("POST",), credit_notes),
    (rf"tenants/{ID}/payments", ("POST",), payments),
    (rf"tenants/{ID}/payments/{ID}", ("DELETE",), payments),
    (rf"tenants/{ID}/payments/{ID}/(reconcile|batch)", ("POST",), payments),
    (rf"tenants/{ID}/overpayments", ("GET", "POST"), overpayments),
    (rf"tenants/{ID}/bulk", ("POST",), bulk),
    (rf"tenants/{ID}/bank-transactions", ("GET", "POST"), bank_transactions),
    (rf"tenants/{ID}/repeating", ("GET",), repeating),
    (rf"tenants/{ID}/repeating/{ID}", ("GET", "POST"), repeating),
    (rf"tenants/{ID}/repeating/{ID}/(delete)", ("POST",), repeating),
]


# ------------------------------------------------------------------ HTML


def _e(value):
    return html_lib.escape(str(value if value is not None else ""))


def anchor(kind, record_id):
    """The id of a record's row on the page: the fragment ``local_sandbox.web_url`` makes."""
    if kind not in ANCHOR_KINDS:
        raise ValueError(f"the page has no rows of {kind}")
    return f"{kind}-{record_id}"


def _button(label, path, body="{}", method="POST"):
    return f"<button onclick=\"act('{path}', {body}, '{method}')\">{_e(label)}</button>"


def _bank_accounts(books):
    """The accounts a payment can go to, as the options of a select."""
    return "".join(
        f'<option value="{_e(a["Code"])}">{_e(a["Code"])} {_e(a["Name"])}</option>'
        for a in books.accounts.values()
        if a["Status"] == "ACTIVE" and (a["Type"] == "BANK" or a.get("EnablePaymentsToAccount"))
    )


def _form(path, label, fields, hidden=None):
    """A small form whose fields go to the admin API as JSON."""
    inputs = "".join(
        f'<input type="hidden" name="{name}" value="{_e(value)}">'
        for name, value in (hidden or {}).items()
    )
    return (
        f"<form onsubmit=\"return send(this, '{path}')\">"
        f"{inputs}{fields}<button>{_e(label)}</button></form>"
    )


def _money_fields(books, amount):
    today = books.today().isoformat()
    return (
        f'<input name="amount" size="8" value="{_e(amount)}" title="amount">'
        f'<input type="date" name="date" value="{today}" title="date">'
        f'<select name="account_code" title="account">{_bank_accounts(books)}</select>'
    )


def _invoice_actions(tenant_id, books, invoice):
    if invoice["Type"] != "ACCREC" or invoice["Status"] != "AUTHORISED":
        return ""
    invoice_id = invoice["InvoiceID"]
    payment = f"{{invoice_id: '{invoice_id}'}}"
    actions = _button("Record full payment", f"tenants/{tenant_id}/payments", payment)
    actions += _form(
        f"tenants/{tenant_id}/payments",
        "Record payment",
        _money_fields(books, invoice["AmountDue"]),
        {"invoice_id": invoice_id},
    )
    if not invoice["AmountPaid"] and not invoice["AmountCredited"]:
        actions += _button("Void", f"tenants/{tenant_id}/invoices/{invoice_id}/void")
    return actions


def _invoice_rows(tenant_id, books, invoice_type):
    """Sales invoices (``ACCREC``) or bills (``ACCPAY``), deleted ones too: a link to one
    still lands on its row."""
    rows = []
    for invoice in books.invoices.values():
        if invoice["Type"] != invoice_type:
            continue
        contact = books.contacts[invoice["Contact"]["ContactID"]]["Name"]
        overdue = (
            invoice["Status"] == "AUTHORISED"
            and (invoice.get("DueDate") or books.today()) < books.today()
        )
        cells = (
            invoice.get("InvoiceNumber"),
            contact,
            invoice["Status"] + (" (overdue)" if overdue else ""),
            invoice.get("DueDate"),
            invoice["Total"],
            invoice["AmountDue"],
        )
        actions = _invoice_actions(tenant_id, books, invoice)
        rows.append(_row(cells, actions, anchor("invoice", invoice["InvoiceID"])))
        rows.append(_line_rows(invoice))
    return "".join(rows)


def _decimals(value, least):
    """A number as Xero holds it (unit prices and quantities to 4 decimals), its trailing
    zeros dropped down to ``least`` decimals: 12.3450 is 12.345, 12.5000 is 12.50."""
    if not isinstance(value, Decimal):
        return value
    places = max(least, -value.normalize().as_tuple().exponent)
    return f"{value:.{places}f}"


def _discount(line):
    if line.get("DiscountRate") is not None:
        return f"{_decimals(line['DiscountRate'], 0)}%"
    return line.get("DiscountAmount")


def _line_rows(invoice):
    """The invoice's lines under its row, folded: the summary gives their count and the
    invoice's subtotal, tax and total; opened, one row per line as Xero holds it."""
    lines = invoice.get("LineItems") or []
    if not lines:
        return ""
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{_e(cell)}</td>"
            for cell in (
                line.get("Description"),
                line.get("ItemCode"),
                _decimals(line.get("Quantity"), 0),
                _decimals(line.get("UnitAmount"), 2),
                _discount(line),
                line.get("TaxType"),
                line.get("TaxAmount"),
                line.get("LineAmount"),
            )
        )
        + "</tr>"
        for line in lines
    )
    amounts = AMOUNT_TYPES.get(invoice.get("LineAmountTypes"), invoice.get("LineAmountTypes"))
    summary = (
        f"{len(lines)} line{'s' if len(lines) > 1 else ''}: subtotal {invoice['SubTotal']}, "
        f"tax {invoice['TotalTax']}, total {invoice['Total']} {invoice.get('CurrencyCode', '')}"
        f" ({amounts})"
    )
    return (
        f'<tr class="lines"><td colspan="7"><details><summary>{_e(summary)}</summary>'
        f'<table class="lines">{LINES_HEAD}{body}</table></details></td></tr>'
    )


def _row(cells, actions="", row_id=None):
    start = f'<tr id="{_e(row_id)}">' if row_id else "<tr>"
    return start + "".join(f"<td>{_e(cell)}</td>" for cell in cells) + f"<td>{actions}</td></tr>"


def _phone_kinds(contact):
    """The phone types the page shows for a contact: Xero's four, then any other it has."""
    kinds = list(PHONE_LABELS)
    kinds += [p["PhoneType"] for p in contact.get("Phones", []) if p["PhoneType"] not in kinds]
    return kinds


def _phones_text(contact):
    """The contact's phones as Xero stores them: country, area and number codes, by type."""
    shown = []
    for phone in contact.get("Phones", []):
        parts = [phone.get(name) for name, _label, _size in PHONE_FIELDS if phone.get(name)]
        if parts:
            label = PHONE_LABELS.get(phone["PhoneType"], phone["PhoneType"])
            shown.append(f"{label}: {' '.join(parts)}")
    return "; ".join(shown)


def _phone_form(tenant_id, contact):
    """One line per phone type, three fields each; posted to ``…/contacts/<id>/phones``."""
    phones = {p["PhoneType"]: p for p in contact.get("Phones", [])}
    lines = []
    for kind in _phone_kinds(contact):
        phone = phones.get(kind, {})
        inputs = "".join(
            f'<input name="{kind}.{name}" value="{_e(phone.get(name))}" size="{size}" '
            f'placeholder="{label}" title="{_e(PHONE_LABELS.get(kind, kind))} {label}">'
            for name, label, size in PHONE_FIELDS
        )
        lines.append(f"<label><span>{_e(PHONE_LABELS.get(kind, kind))}</span>{inputs}</label>")
    path = f"tenants/{tenant_id}/contacts/{contact['ContactID']}/phones"
    return (
        f'<details><summary>Phones</summary><form class="phones" data-contact='
        f'"{_e(contact["ContactID"])}" onsubmit="return send(this, \'{path}\')">'
        f"{''.join(lines)}<button>Save phones</button></form></details>"
    )


def _contact_rows(tenant_id, books):
    rows = []
    for contact in sorted(books.contacts.values(), key=lambda c: c["Name"].lower()):
        contact_id = contact["ContactID"]
        balances = books.balances(contact_id)["AccountsReceivable"]
        actions = ""
        if contact["ContactStatus"] == "ACTIVE":
            actions = _button("Archive", f"tenants/{tenant_id}/contacts/{contact_id}/archive")
        actions += _phone_form(tenant_id, contact)
        cells = (
            contact["Name"],
            contact.get("EmailAddress"),
            _phones_text(contact),
            contact["ContactStatus"],
            balances["Outstanding"],
            balances["Overdue"],
        )
        rows.append(_row(cells, actions, anchor("contact", contact_id)))
    return "".join(rows)


def _payment_rows(tenant_id, books):
    rows = []
    for payment in books.payments.values():
        view = books.payment_view(payment)
        document = next(
            view[key]
            for key in ("Invoice", "CreditNote", "Overpayment", "Prepayment")
            if key in view
        )
        number = document.get("InvoiceNumber") or document.get("CreditNoteNumber")
        state = payment["Status"] + (" (reconciled)" if payment["IsReconciled"] else "")
        actions = ""
        if payment["Status"] != "DELETED":
            path = f"tenants/{tenant_id}/payments/{payment['PaymentID']}"
            actions = _button("Delete payment", path, method="DELETE")
        cells = (
            payment["Date"],
            number or payment["PaymentType"],
            document["Contact"]["Name"],
            payment["Amount"],
            payment["Account"]["Code"],
            state,
        )
        rows.append(_row(cells, actions, anchor("payment", payment["PaymentID"])))
    return "".join(rows)


def _overpayment_rows(books):
    rows = []
    for overpayment in books.overpayments.values():
        cells = (
            overpayment["Date"],
            books.contacts[overpayment["Contact"]["ContactID"]]["Name"],
            overpayment["Total"],
            overpayment["RemainingCredit"],
            overpayment["Status"],
        )
        rows.append(_row(cells, row_id=anchor("overpayment", overpayment["OverpaymentID"])))
    return "".join(rows)


def _overpayment_form(tenant_id, books):
    contacts = "".join(
        f'<option value="{_e(c["ContactID"])}">{_e(c["Name"])}</option>'
        for c in sorted(books.contacts.values(), key=lambda c: c["Name"].lower())
        if c["ContactStatus"] == "ACTIVE"
    )
    fields = f'<select name="contact_id" title="contact">{contacts}</select>' + _money_fields(
        books, "0.00"
    )
    return _form(f"tenants/{tenant_id}/overpayments", "Record overpayment", fields)


def _credit_note_rows(books):
    rows = []
    for note in books.credit_notes.values():
        cells = (
            note.get("CreditNoteNumber"),
            note["Type"],
            books.contacts[note["Contact"]["ContactID"]]["Name"],
            note["Status"],
            note["Total"],
            note.get("RemainingCredit"),
        )
        rows.append(_row(cells, row_id=anchor("creditnote", note["CreditNoteID"])))
    return "".join(rows)


def _item_rows(books):
    rows = []
    for item in sorted(books.items.values(), key=lambda i: i["Code"]):
        view = books.item_view(item)
        cells = (
            item["Code"],
            item.get("Name"),
            view.get("QuantityOnHand") if item["IsTrackedAsInventory"] else "not tracked",
        )
        rows.append(_row(cells, row_id=anchor("item", item["ItemID"])))
    return "".join(rows)


def _repeating_rows(tenant_id, books):
    """Templates, deleted ones too (a link to one still lands on its row), with what they
    made so far; a button deletes one."""
    rows = []
    for template in books.repeating_invoices.values():
        schedule = template["Schedule"]
        over = books.repeating_over(template)
        actions = ""
        if template["Status"] != "DELETED":
            path = f"tenants/{tenant_id}/repeating/{template['RepeatingInvoiceID']}/delete"
            actions = _button("Delete template", path)
        cells = (
            books.contacts[template["Contact"]["ContactID"]]["Name"],
            template.get("Reference"),
            schedule_text(schedule),
            "(ended)" if over else schedule["NextScheduledDate"],
            schedule.get("EndDate") or "",
            template["Status"],
            f"{template['Total']} {template['CurrencyCode']}",
            len(template["_invoices"]),
        )
        row_id = anchor("repeating_invoice", template["RepeatingInvoiceID"])
        rows.append(_row(cells, actions, row_id))
    return "".join(rows)


def _head(*titles):
    return "<tr>" + "".join(f"<th>{title}</th>" for title in titles) + "</tr>"


INVOICE_HEAD = _head("Number", "Contact", "Status", "Due", "Total", "Due amount", "")
CONTACT_HEAD = _head("Name", "Email", "Phones", "Status", "Outstanding", "Overdue", "")
LINE_HEAD = _head("Description", "Quantity", "Unit price", "Amount")
LINES_HEAD = _head(
    "Description", "Item", "Quantity", "Unit price", "Discount", "Tax type", "Tax", "Amount"
)
AMOUNT_TYPES = {"Exclusive": "tax exclusive", "Inclusive": "tax inclusive", "NoTax": "no tax"}
PAYMENT_HEAD = _head("Date", "Document", "Contact", "Amount", "Account", "Status", "")
OVERPAYMENT_HEAD = _head("Date", "Contact", "Total", "Remaining credit", "Status", "")
CREDIT_NOTE_HEAD = _head("Number", "Type", "Contact", "Status", "Total", "Remaining credit", "")
ITEM_HEAD = _head("Code", "Name", "Quantity on hand", "")
REPEATING_HEAD = _head(
    "Contact",
    "Reference",
    "Schedule",
    "Next date",
    "End date",
    "Status",
    "Total",
    "Invoices made",
    "",
)


def _section(tenant):
    t, books = tenant.tenant_id, tenant.books
    return (
        f"<h2>{_e(tenant.name)} <small>{_e(t)}</small></h2>"
        f"<h3>Invoices</h3><table>{INVOICE_HEAD}{_invoice_rows(t, books, 'ACCREC')}</table>"
        f"<h3>Payments</h3><table>{PAYMENT_HEAD}{_payment_rows(t, books)}</table>"
        f"<h3>Overpayments</h3><table>{OVERPAYMENT_HEAD}{_overpayment_rows(books)}</table>"
        f"{_overpayment_form(t, books)}"
        f"<h3>Contacts</h3><table>{CONTACT_HEAD}{_contact_rows(t, books)}</table>"
        f"<h3>Repeating invoices</h3>"
        f"<table>{REPEATING_HEAD}{_repeating_rows(t, books)}</table>"
        f"<h3>Credit notes</h3><table>{CREDIT_NOTE_HEAD}{_credit_note_rows(books)}</table>"
        f"<h3>Bills</h3><table>{INVOICE_HEAD}{_invoice_rows(t, books, 'ACCPAY')}</table>"
        f"<h3>Items</h3><table>{ITEM_HEAD}{_item_rows(books)}</table>"
    )


def page(sandbox):
    with sandbox.lock:
        sections = "".join(_section(t) for t in sandbox.tenants.values())
        now = sandbox.clock.now()
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Xero sandbox</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1em}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}button{{margin-right:.3em}}
form{{display:inline;margin-right:.3em}}form.phones{{display:block}}
form.phones label{{display:block;white-space:nowrap}}
form.phones span{{display:inline-block;width:6em}}tr{{scroll-margin-top:4em}}
tr:target{{outline:3px solid #e0a800}}tr:target td{{background:#fff3b0}}
#missing{{background:#fde2e1;padding:.5em}}tr.lines>td{{border-top:none;padding:0 .6em}}
tr.lines summary{{color:#555;font-size:.85em;cursor:pointer}}
table.lines{{font-size:.85em;margin:.2em 0 .5em}}</style>
<script>
async function act(path, body, method) {{
  const options = {{method: method || 'POST', body: JSON.stringify(body)}};
  const answer = await fetch('/admin/' + path, options);
  if (!answer.ok) {{ alert((await answer.json()).error.join('\\n')); }}
  location.reload();
}}
function send(form, path) {{
  act(path, Object.fromEntries(new FormData(form)));
  return false;
}}
window.addEventListener('DOMContentLoaded', () => {{
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted && !document.getElementById(wanted)) {{
    document.getElementById('missing').hidden = false;
  }}
}});
</script></head><body>
<h1>Xero sandbox: the accountant's side</h1>
<p id="missing" hidden>The record this link points to is not in the sandbox (another
sandbox, or one started again without its state file).</p>
<p>Sandbox time: {_e(now.strftime("%Y-%m-%d %H:%M"))} UTC
<button onclick="act('clock', {{advance_days: 1}})">+1 day</button>
<button onclick="act('clock', {{advance_days: 31}})">+31 days</button></p>
{sections}</body></html>"""


def online_invoice(sandbox, request):
    """The customer's page of an invoice; each GET of it is one view in the invoice's History."""
    token = request.path.rsplit("/", 1)[-1]
    with sandbox.lock:
        for tenant in sandbox.tenants.values():
            for invoice in tenant.books.invoices.values():
                if invoice.get("_online") == token:
                    if request.method == "GET":
                        tenant.books.record_online_view(
                            invoice,
                            touch=sandbox.online_views["touch"],
                            notify=sandbox.online_views["webhook"],
                        )
                        sandbox.changed()
                    return html(_online_html(tenant, invoice))
    return html("<h1>This invoice link is not valid.</h1>", 404)


def _online_html(tenant, invoice):
    books = tenant.books
    contact = books.contacts[invoice["Contact"]["ContactID"]]
    lines = "".join(
        f"<tr><td>{_e(line['Description'])}</td><td>{_e(line.get('Quantity'))}</td>"
        f"<td>{_e(line.get('UnitAmount'))}</td><td>{_e(line['LineAmount'])}</td></tr>"
        for line in invoice["LineItems"]
    )
    due = invoice.get("DueDate") or (invoice["Date"] + timedelta(days=0))
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Invoice {_e(invoice.get("InvoiceNumber"))}</title></head><body>
<h1>{_e(tenant.name)}: invoice {_e(invoice.get("InvoiceNumber"))}</h1>
<p>To {_e(contact["Name"])}, due {_e(due)}. Status: <b id="status">{_e(invoice["Status"])}</b></p>
<table>{LINE_HEAD}{lines}</table>
<p>Total {_e(invoice["Total"])} {_e(invoice["CurrencyCode"])}; amount due
<b id="due">{_e(invoice["AmountDue"])}</b></p></body></html>"""
