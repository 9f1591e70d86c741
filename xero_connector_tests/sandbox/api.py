"""The Accounting API: routing, authentication, limits, faults, idempotency, and the endpoints."""

import re
import uuid
from dataclasses import dataclass

from .errors import ElementError, HttpError, NotFound
from .faults import faulty
from .http import Response
from .items import MAX_ITEMS
from .limits import RateLimited
from .reports import executive_summary
from .where import WhereError, compile_order, compile_where
from .xerojson import ms_date, parse_date, parse_datetime

BASE = "/api.xro/2.0"
MAX_BODY = 3_500_000
# the id Xero gives a refused element that has none (.NET's empty Guid)
ZERO_ID = "00000000-0000-0000-0000-000000000000"
SETTINGS = {"accounting.settings", "accounting.settings.read"}
CONTACTS = {"accounting.contacts", "accounting.contacts.read"}
INVOICES = {
    "accounting.transactions",
    "accounting.transactions.read",
    "accounting.invoices",
    "accounting.invoices.read",
}
PAYMENTS = {
    "accounting.transactions",
    "accounting.transactions.read",
    "accounting.payments",
    "accounting.payments.read",
}
BANK_TRANSACTIONS = {
    "accounting.transactions",
    "accounting.transactions.read",
    "accounting.banktransactions",
    "accounting.banktransactions.read",
}
ITEMS = SETTINGS | INVOICES
REPORTS = {"accounting.reports.read", "accounting.reports.executivesummary.read"}
ID = r"([^/]+)"


@dataclass
class Context:
    sandbox: object
    request: object
    books: object
    token: object
    tenant: object

    @property
    def query(self):
        return self.request.query

    @property
    def app(self):
        return self.sandbox.apps[self.token.client_id]

    @property
    def user(self):
        return self.app.name

    @property
    def unitdp(self):
        return 4 if self.query.integer("unitdp") == 4 else 2

    def envelope(self, plural, records, pagination=None):
        body = {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": self.app.name,
            "DateTimeUTC": ms_date(self.sandbox.clock.now(), offset=False),
        }
        if pagination:
            body["pagination"] = pagination
        body[plural] = records
        return Response(200, body)


# ------------------------------------------------------------------ pipeline


def handle(sandbox, request):
    rest = request.path[len(BASE) :]
    route = _find_route(request.method, rest)
    if route is None:
        return Response(
            404, "The resource you're looking for cannot be found", content_type="text/plain"
        )
    handler, scopes, args = route
    if request.method != "GET":
        scopes = {s for s in scopes if not s.endswith(".read")}
    auth = sandbox.authenticate(request, scopes)
    if isinstance(auth, Response):
        return auth
    token, tenant = auth
    try:
        sandbox.limiter.acquire(tenant.tenant_id, token.client_id)
    except RateLimited as limited:
        return _too_many(sandbox, tenant, token, limited.problem, limited.retry_after)
    context = Context(sandbox, request, tenant.books, token, tenant)

    def processed():
        response = _process(context, handler, args)
        sandbox.persist()  # saved before a "slow" or "accept_then_fail" fault acts
        return response

    try:
        response = faulty(sandbox.faults, request.method, rest, tenant.tenant_id, processed)
    finally:
        sandbox.limiter.release(tenant.tenant_id, token.client_id)
    response.headers.update(sandbox.limiter.remaining(tenant.tenant_id, token.client_id))
    response.headers["Xero-Correlation-Id"] = str(uuid.uuid4())
    return response


def _too_many(sandbox, tenant, token, problem_name, retry_after):
    response = Response(429, b"", content_type="text/plain")
    response.headers.update(sandbox.limiter.remaining(tenant.tenant_id, token.client_id))
    response.headers.update({"X-Rate-Limit-Problem": problem_name, "Retry-After": str(retry_after)})
    return response


def _process(context, handler, args):
    request, sandbox = context.request, context.sandbox
    if len(request.body) > MAX_BODY:
        return Response(413, "Request Entity Too Large", content_type="text/plain")
    key = request.header("idempotency-key") if request.method in ("PUT", "POST") else None
    if not key:
        return _run(context, handler, args)
    if len(key) > 128:
        return _validation(["The Idempotency-Key header must not be longer than 128 characters."])
    scope = (context.tenant.tenant_id, context.token.client_id, key)
    fingerprint = sandbox.fingerprint(request)
    # one lock section from the look-up to the key's answer: a second request with the
    # key waits and replays it, and a save holds the change and its key, or neither
    with sandbox.lock:
        remembered = sandbox.remembered(scope, fingerprint)
        if remembered is not None:
            return remembered
        response = _run(context, handler, args)
        if response.status >= 500:
            return response
        return sandbox.remember(scope, fingerprint, response)


def _run(context, handler, args):
    try:
        with context.sandbox.lock:
            # the organisation's repeating invoices whose day has come are made first, as
            # Xero's daily run would have made them before this call
            made = context.books.run_schedules()
            if made or context.request.method != "GET":
                context.sandbox.changed()  # in the lock: no save slips in before the change
            return handler(context, *args)
    except HttpError as error:
        return Response(
            error.status,
            error.body,
            error.headers,
            "text/plain" if isinstance(error.body, str) else "application/json",
        )
    except WhereError as error:
        return Response(
            400, {"ErrorNumber": 16, "Type": "QueryParseException", "Message": str(error)}
        )
    except (ValueError, TypeError, AttributeError) as error:  # malformed request data
        return Response(
            400,
            {
                "ErrorNumber": 14,
                "Type": "PostDataInvalidException",
                "Message": f"Invalid request data: {error}",
            },
        )


def _validation(messages, element=None):
    element = dict(element or {})
    element["ValidationErrors"] = [{"Message": m} for m in messages]
    return Response(
        400,
        {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [element],
        },
    )


# ------------------------------------------------------------------ generic listing and writing


def _modified_since(context):
    header = context.request.header("if-modified-since")
    if not header:
        return None
    try:
        return parse_datetime(header)
    except ValueError:
        return None


def listing(
    context,
    plural,
    records,
    view,
    paged=True,
    searchable=(),
    page_view=None,
    id_key=None,
    modified_since=True,
):
    """GET of a collection: IDs, If-Modified-Since (unless ``modified_since`` is False: the
    header is then ignored), searchTerm, where, order, paging."""
    query = context.query
    since = _modified_since(context) if modified_since else None
    ids = {i.lower() for i in query.items_of("IDs")}
    if since:
        records = [r for r in records if r.get("UpdatedDateUTC") and r["UpdatedDateUTC"] > since]
    if ids and id_key:
        records = [r for r in records if str(r.get(id_key, "")).lower() in ids]
    page = query.integer("page") if paged else None
    make = (page_view or view) if page else view
    term = (query.get("searchTerm") or "").lower() if searchable else ""
    if not (term or query.get("where") or query.get("order")):
        # nothing to look at in the views: page first, build only the page's views
        records, pagination = _page(records, page, query)
        return context.envelope(plural, [make(r) for r in records], pagination)
    selected = _selected(context, plural, records, view, term, searchable)
    selected, pagination = _page(selected, page, query)
    return context.envelope(plural, [make(r) for r in selected], pagination)


def _selected(context, plural, records, view, term, searchable):
    """The records a search, ``where`` and ``order`` keep, in order: looked at in their
    views without lines (``where`` reaches no line).

    The next pages of a sweep ask the same again: the result is kept for them while
    nothing of the organisation changed (no ``UpdatedDateUTC`` moved, no record made),
    so that paging through 100,000 invoices does not filter them all again per page."""
    query = context.query
    tenant_id = context.tenant.tenant_id
    key = (
        tuple(sorted((k, v) for k, v in query.as_dict().items() if k not in ("page", "pagesize"))),
        context.request.header("if-modified-since"),
        len(records),
        context.books.touches,
    )
    kept = context.sandbox.listings.get((tenant_id, plural))
    if kept and kept[0] == key:
        return kept[1]
    rows = [(r, view(r)) for r in records]
    if term:
        rows = [
            (r, v)
            for r, v in rows
            if any(term in str(v.get(name) or "").lower() for name in searchable)
        ]
    if query.get("where"):
        matches = compile_where(query.get("where"))
        rows = [(r, v) for r, v in rows if matches(v)]
    if query.get("order"):
        of_view = {id(v): r for r, v in rows}
        selected = [of_view[id(v)] for v in compile_order(query.get("order"))([v for _, v in rows])]
    else:
        selected = [r for r, _v in rows]
    context.sandbox.listings[tenant_id, plural] = (key, selected)
    return selected


def _page(rows, page, query):
    if not page:
        return rows, None
    size = min(max(query.integer("pageSize", 100), 1), 1000)
    start = (max(page, 1) - 1) * size
    pagination = {
        "page": page,
        "pageSize": size,
        "pageCount": -(-len(rows) // size),
        "itemCount": len(rows),
    }
    return rows[start : start + size], pagination


def elements(context, plural, bare_ok=False):
    body = context.request.json()
    if isinstance(body, dict) and isinstance(body.get(plural), list):
        return body[plural]
    if bare_ok and isinstance(body, dict):
        return [body]
    raise HttpError(
        400,
        {
            "ErrorNumber": 14,
            "Type": "PostDataInvalidException",
            "Message": f"Invalid JSON: expected {plural}",
        },
    )


def write(
    context,
    plural,
    items,
    save,
    view,
    flag="HasValidationErrors",
    id_key=None,
    target=None,
    element_status=True,
):
    """PUT/POST of elements: each element succeeds or fails on its own; a failed one is
    marked with ``flag`` (None for objects without such a field, as Items) and, for
    invoices and credit notes (``id_key``), carries its id: the one sent, the ``target``
    of a POST to /{id}, else the zero GUID. An object without StatusAttributeString and
    ValidationErrors (``element_status`` False: RepeatingInvoice) has nowhere to carry a
    refusal: with ``summarizeErrors=false`` too, a refusal answers the summarised 400."""
    summarize = context.query.flag("summarizeErrors", True) or not element_status
    results = []
    for element in items:
        if not isinstance(element, dict):
            raise TypeError(f"each of {plural} must be an object")
        try:
            results.append((True, view(save(element))))
        except ElementError as error:
            failed = _echoed(element)
            if flag:
                failed[flag] = True
            if id_key:
                failed[id_key] = failed.get(id_key) or target or ZERO_ID
            failed.update(
                {
                    "StatusAttributeString": "ERROR",
                    "ValidationErrors": [{"Message": m} for m in error.messages],
                }
            )
            results.append((False, failed))
    if summarize and not all(ok for ok, _ in results):
        return Response(
            400,
            {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": [element for ok, element in results if not ok],
            },
        )
    if not summarize:
        for ok, element in results:
            if ok:
                element["StatusAttributeString"] = "OK"
    return context.envelope(plural, [element for _ok, element in results])


def _echoed(element):
    """A refused element as Xero sends it back: what was sent, its dates in Xero's form."""
    echoed = dict(element)
    for key, value in element.items():
        if key.endswith("Date") and isinstance(value, str):
            try:
                echoed[key] = parse_date(value)
            except ValueError:
                continue  # left as sent
    return echoed


def one(records, key, value, fallback=None):
    record = records.get(value) or (fallback(value) if fallback else None)
    if record is None:
        raise NotFound()
    return record


def history(context, record_id):
    if context.request.method == "GET":
        return Response(200, {"HistoryRecords": context.books.history_of(record_id)})
    notes = elements(context, "HistoryRecords")
    added = []
    for note in notes:
        try:
            added.append(context.books.add_note(record_id, note.get("Details"), context.user))
        except ElementError as error:
            return _validation(error.messages, note)
    return Response(200, {"HistoryRecords": added})


# ------------------------------------------------------------------ organisation & settings


def organisation(context):
    view = {k: v for k, v in context.books.organisation.items() if not k.startswith("_")}
    return context.envelope("Organisations", [view])


def tax_rates(context, tax_type=None):
    books = context.books
    if context.request.method == "GET":
        if tax_type:
            return context.envelope("TaxRates", [one(books.tax_rates, "TaxType", tax_type)])
        return listing(context, "TaxRates", list(books.tax_rates.values()), dict, paged=False)
    create_only = context.request.method == "PUT"
    save = lambda v: books.save_tax_rate(v, create_only)  # noqa: E731
    return write(context, "TaxRates", elements(context, "TaxRates"), save, dict)


def accounts(context, account_id=None):
    books = context.books
    method = context.request.method
    if method == "GET" and not account_id:
        return listing(context, "Accounts", list(books.accounts.values()), dict, paged=False)
    if method == "PUT":
        return write(
            context,
            "Accounts",
            elements(context, "Accounts", bare_ok=True),
            books.create_account,
            dict,
        )
    account = one(books.accounts, "AccountID", account_id)
    if method == "POST":
        (values,) = elements(context, "Accounts", bare_ok=True)
        return write(
            context, "Accounts", [values], lambda v: books.update_account(account, v), dict
        )
    if method == "DELETE":
        try:
            return context.envelope("Accounts", [books.delete_account(account)])
        except ElementError as error:
            return _validation(error.messages, {"AccountID": account_id})
    return context.envelope("Accounts", [account])


def currencies(context):
    books = context.books
    if context.request.method == "GET":
        return listing(context, "Currencies", list(books.currencies.values()), dict, paged=False)
    return write(
        context,
        "Currencies",
        elements(context, "Currencies", bare_ok=True),
        books.add_currency,
        dict,
    )


def branding_themes(context, theme_id=None):
    themes = context.books.branding_themes
    if theme_id:
        return context.envelope("BrandingThemes", [one(themes, "BrandingThemeID", theme_id)])
    return context.envelope("BrandingThemes", list(themes.values()))


def items(context, item_id=None, sub=None):
    books, method = context.books, context.request.method
    view = books.item_view
    if item_id is None:
        if method == "GET":
            return listing(context, "Items", list(books.items.values()), view, paged=False)
        values = elements(context, "Items")
        if len(values) > MAX_ITEMS:
            return _validation(
                [f"No more than {MAX_ITEMS} items can be created or updated in one request."]
            )
        save = lambda v: books.save_item(v, context.user, create_only=method == "PUT")  # noqa: E731
        return write(context, "Items", values, save, view, flag=None)
    item = one(books.items, "ItemID", item_id, books.item_by_code)
    if sub:
        return history(context, item["ItemID"])
    if method == "DELETE":
        try:
            books.delete_item(item)
        except ElementError as error:
            return _validation(error.messages, {"ItemID": item["ItemID"], "Code": item["Code"]})
        return Response(204, None)
    if method == "POST":
        save = lambda v: books.save_item({**v, "ItemID": item["ItemID"]}, context.user)  # noqa: E731
        return write(context, "Items", elements(context, "Items"), save, view, flag=None)
    return context.envelope("Items", [view(item)])


# ------------------------------------------------------------------ tracking categories


def tracking_categories(context, category_id=None, sub=None, option_id=None):
    books, method = context.books, context.request.method
    if category_id is None:
        if method == "GET":
            archived = context.query.flag("includeArchived")
            return listing(
                context,
                "TrackingCategories",
                books.tracking_list(archived),
                lambda c: books.tracking_category_view(c, archived),
                paged=False,
            )
        create = lambda v: books.create_tracking_category(v, context.user)  # noqa: E731
        values = elements(context, "TrackingCategories", bare_ok=True)
        return write(context, "TrackingCategories", values, create, books.tracking_category_view)
    category = one(books.tracking_categories, "TrackingCategoryID", category_id.lower())
    if sub:
        return _tracking_options(context, category, option_id)
    if method == "POST":
        (values,) = elements(context, "TrackingCategories", bare_ok=True)[:1]
        update = lambda v: books.update_tracking_category(category, v, context.user)  # noqa: E731
        return write(context, "TrackingCategories", [values], update, books.tracking_category_view)
    if method == "DELETE":
        try:
            deleted = books.delete_tracking_category(category)
        except ElementError as error:
            return _validation(error.messages, {"TrackingCategoryID": category_id})
        return context.envelope("TrackingCategories", [books.tracking_category_view(deleted)])
    return context.envelope("TrackingCategories", [books.tracking_category_view(category)])


def _tracking_options(context, category, option_id):
    books, method = context.books, context.request.method
    view = books.tracking_option_view
    if option_id is None:
        add = lambda v: books.add_tracking_option(category, v, context.user)  # noqa: E731
        return write(context, "Options", elements(context, "Options", bare_ok=True), add, view)
    option = books.tracking_option(category, option_id)
    if option is None:
        raise NotFound()
    if method == "DELETE":
        try:
            deleted = books.delete_tracking_option(category, option)
        except ElementError as error:
            return _validation(error.messages, {"TrackingOptionID": option_id})
        return context.envelope("Options", [view(deleted)])
    (values,) = elements(context, "Options", bare_ok=True)[:1]
    update = lambda v: books.update_tracking_option(category, option, v, context.user)  # noqa: E731
    return write(context, "Options", [values], update, view)


# ------------------------------------------------------------------ contacts


def contacts(context, contact_id=None, sub=None):
    books, method = context.books, context.request.method
    if contact_id is None:
        if method == "GET":
            return _list_contacts(context)
        save = lambda v: books.save_contact(v, context.user, create_only=method == "PUT")  # noqa: E731
        return write(context, "Contacts", elements(context, "Contacts"), save, books.contact_view)
    contact = one(books.contacts, "ContactID", contact_id, books.contact_by_number)
    if sub:
        return history(context, contact["ContactID"])
    if method == "POST":
        save = lambda v: books.save_contact(v, context.user, target=contact)  # noqa: E731
        return write(context, "Contacts", elements(context, "Contacts"), save, books.contact_view)
    return context.envelope("Contacts", [books.contact_view(contact)])


def _list_contacts(context):
    books, query = context.books, context.query
    records = list(books.contacts.values())
    if not query.flag("includeArchived"):
        records = [c for c in records if c["ContactStatus"] != "ARCHIVED"]
    summary = query.flag("summaryOnly")
    return listing(
        context,
        "Contacts",
        records,
        lambda c: books.contact_view(c, summary=summary),
        searchable=("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
        id_key="ContactID",
    )


# ------------------------------------------------------------------ invoices and credit notes


def _document_filters(context, kind, records):
    query = context.query
    numbers = set(query.items_of("InvoiceNumbers")) if kind == "invoice" else set()
    contacts_ids = {c.lower() for c in query.items_of("ContactIDs")}
    statuses = set(query.items_of("Statuses"))
    if numbers:
        records = [r for r in records if r.get("InvoiceNumber") in numbers]
    if contacts_ids:
        records = [r for r in records if r["Contact"]["ContactID"].lower() in contacts_ids]
    if statuses:
        records = [r for r in records if r["Status"] in statuses]
    elif not query.get("where"):
        records = [r for r in records if r["Status"] != "DELETED"]
    if query.flag("createdByMyApp"):
        records = [r for r in records if r.get("_app") == context.token.client_id]
    return records


def documents(context, kind, plural, document_id=None, sub=None, sub_id=None):
    books, method = context.books, context.request.method
    store = books.store(kind)
    flag = "HasErrors"
    id_key = "InvoiceID" if kind == "invoice" else "CreditNoteID"
    if document_id is None:
        if method == "GET":
            return _list_documents(context, kind, plural)
        create_only = method == "PUT"
        save = lambda v: books.save_document(  # noqa: E731
            kind,
            v,
            context.user,
            context.token.client_id,
            create_only,
            unitdp=context.unitdp,
            allow_backorders=_backorders(context, kind),
        )
        view = lambda d: books.document_view(kind, d, unitdp=context.unitdp)  # noqa: E731
        return write(context, plural, elements(context, plural), save, view, flag, id_key)
    number_key = "InvoiceNumber" if kind == "invoice" else "CreditNoteNumber"
    document = one(store, number_key, document_id, lambda n: books.document_by_number(kind, n))
    doc_id = document.get("InvoiceID") or document["CreditNoteID"]
    if sub:
        return _document_sub(context, kind, document, doc_id, sub.lower(), sub_id)
    view = lambda d: books.document_view(kind, d, unitdp=context.unitdp)  # noqa: E731
    if method == "POST":
        save = lambda v: books.save_document(  # noqa: E731
            kind,
            v,
            context.user,
            target=document,
            unitdp=context.unitdp,
            allow_backorders=_backorders(context, kind),
        )
        items = elements(context, plural)
        return write(context, plural, items, save, view, flag, id_key, doc_id)
    return context.envelope(plural, [view(document)])


def _backorders(context, kind):
    """``allowBackorders=true`` (invoices only) lets tracked stock go below zero."""
    return kind == "invoice" and context.query.flag("allowBackorders")


def _list_documents(context, kind, plural):
    books, query = context.books, context.query
    records = _document_filters(context, kind, list(books.store(kind).values()))
    summary = query.flag("summaryOnly")
    unitdp = context.unitdp
    unnamed = summary and not context.sandbox.summary_names_repeating

    def view(document, lines=False):
        shown = books.document_view(kind, document, lines=lines, summary=summary, unitdp=unitdp)
        if unnamed:
            shown.pop("RepeatingInvoiceID", None)
        return shown

    return listing(
        context,
        plural,
        records,
        view,
        searchable=("InvoiceNumber", "CreditNoteNumber", "Reference"),
        page_view=lambda d: view(d, lines=True),
        id_key="InvoiceID" if kind == "invoice" else "CreditNoteID",
    )


def _document_sub(context, kind, document, doc_id, sub, sub_id):
    books, method = context.books, context.request.method
    if sub == "history":
        return history(context, doc_id)
    if kind == "invoice" and sub == "onlineinvoice" and method == "GET":
        try:
            token = books.online_invoice_token(document)
        except ElementError as error:
            return _validation(error.messages, {"InvoiceID": doc_id})
        context.sandbox.changed()  # a GET that may have made the invoice's link
        url = f"{context.sandbox.base_url}/online/{token}"
        return Response(200, {"OnlineInvoices": [{"OnlineInvoiceUrl": url}]})
    if kind == "invoice" and sub == "email" and method == "POST":
        try:
            books.email_document(document, context.user)
        except ElementError as error:
            return _validation(error.messages, {"InvoiceID": doc_id})
        return Response(204, None)
    if kind == "credit" and sub == "allocations":
        return _allocations(context, document, sub_id)
    raise NotFound()


def _allocations(context, credit, allocation_id, kind="credit"):
    books = context.books
    if context.request.method == "DELETE" and allocation_id:
        try:
            allocation = books.delete_allocation(credit, allocation_id, context.user, kind)
        except ElementError as error:
            return _validation(error.messages, {"AllocationID": allocation_id})
        view = books.allocation_view(allocation) | {"IsDeleted": True}
        view.pop("Invoice", None)
        view["Invoice"] = {"InvoiceID": allocation["InvoiceID"]}
        return Response(200, view)
    if context.request.method != "PUT":
        raise NotFound()
    save = lambda v: books.allocate_credit(credit, v, context.user, kind)  # noqa: E731
    return write(
        context, "Allocations", elements(context, "Allocations"), save, books.allocation_view
    )


def invoices(context, *args):
    return documents(context, "invoice", "Invoices", *args)


def credit_notes(context, *args):
    return documents(context, "credit", "CreditNotes", *args)


# ------------------------------------------------------------------ payments


def payments(context, payment_id=None, sub=None):
    books, method = context.books, context.request.method
    view = books.payment_view
    if payment_id is None:
        if method == "GET":
            return listing(
                context, "Payments", list(books.payments.values()), view, id_key="PaymentID"
            )
        create = lambda v: books.create_payment(v, context.user)  # noqa: E731
        return write(
            context,
            "Payments",
            elements(context, "Payments", bare_ok=method == "POST"),
            create,
            view,
        )
    payment = one(books.payments, "PaymentID", payment_id)
    if sub:
        return history(context, payment["PaymentID"])
    if method == "POST":
        (change,) = elements(context, "Payments", bare_ok=True)
        if change.get("Status") != "DELETED":
            return _validation(
                ["A payment can only be deleted (Status DELETED), not edited."], change
            )
        delete = lambda _v: books.delete_payment(payment, context.user)  # noqa: E731
        return write(context, "Payments", [change], delete, view)
    return context.envelope("Payments", [view(payment)])


# ------------------------------------------------------------------ bank transactions


def _with_references(context, records):
    """The ``References`` filter (a comma-separated list, exact matches)."""
    references = set(context.query.items_of("References"))
    if not references:
        return records
    return [r for r in records if r.get("Reference") in references]


def bank_transactions(context, transaction_id=None, sub=None):
    """Creating one (PUT/POST) is the only way to make an overpayment or a prepayment;
    updates are refused (banking.py)."""
    books, method = context.books, context.request.method
    unitdp = context.unitdp
    view = lambda t: books.bank_transaction_view(t, unitdp=unitdp)  # noqa: E731
    if transaction_id is None:
        if method == "GET":
            return listing(
                context,
                "BankTransactions",
                _with_references(context, list(books.bank_transactions.values())),
                lambda t: books.bank_transaction_view(t, lines=False),
                page_view=view,
            )
        save = lambda v: books.save_bank_transaction(v, context.user, unitdp)  # noqa: E731
        items = elements(context, "BankTransactions", bare_ok=method == "POST")
        return write(context, "BankTransactions", items, save, view, flag=None)
    transaction = one(books.bank_transactions, "BankTransactionID", transaction_id.lower())
    if sub:
        return history(context, transaction["BankTransactionID"])
    if method == "POST":
        save = lambda v: books.save_bank_transaction(  # noqa: E731
            v, context.user, unitdp, target=transaction
        )
        items = elements(context, "BankTransactions", bare_ok=True)
        return write(
            context,
            "BankTransactions",
            items,
            save,
            view,
            flag=None,
            id_key="BankTransactionID",
            target=transaction["BankTransactionID"],
        )
    return context.envelope("BankTransactions", [view(transaction)])


# ------------------------------------------------------------------ overpayments and prepayments


def _credits(context, kind, plural, credit_id=None, sub=None, sub_id=None):
    books, query = context.books, context.query
    unitdp = context.unitdp
    store = books.records(kind)
    view = lambda c: books.credit_view(kind, c, unitdp=unitdp)  # noqa: E731
    if credit_id is None:
        records = _with_references(context, list(store.values()))
        numbers = set(query.items_of("InvoiceNumbers")) if kind == "prepayment" else set()
        if numbers:
            records = [r for r in records if r.get("InvoiceNumber") in numbers]
        return listing(
            context,
            plural,
            records,
            lambda c: books.credit_view(kind, c, lines=False),
            page_view=view,
        )
    id_key = plural[:-1] + "ID"
    credit = one(store, id_key, credit_id.lower())
    if not sub:
        return context.envelope(plural, [view(credit)])
    if sub.lower() == "history":
        return history(context, credit[id_key])
    return _allocations(context, credit, sub_id, kind)


def overpayments(context, *args):
    return _credits(context, "overpayment", "Overpayments", *args)


def prepayments(context, *args):
    return _credits(context, "prepayment", "Prepayments", *args)


# ------------------------------------------------------------------ repeating invoices


def repeating_invoices(context, template_id=None, sub=None):
    """Templates (repeating.py): no paging, no If-Modified-Since; POST deletes one (Status
    DELETED) or takes a DRAFT one again whole; an AUTHORISED one can only be deleted."""
    books, method = context.books, context.request.method
    view = books.repeating_view
    plural = "RepeatingInvoices"
    if template_id is None:
        if method == "GET":
            return _list_repeating(context)
        save = lambda v: books.save_repeating(v, context.user)  # noqa: E731
        items = elements(context, plural)
        return write(context, plural, items, save, view, flag=None, element_status=False)
    template = one(books.repeating_invoices, "RepeatingInvoiceID", template_id.lower())
    if sub:
        return history(context, template["RepeatingInvoiceID"])
    if method == "POST":
        save = lambda v: books.save_repeating(v, context.user, target=template)  # noqa: E731
        items = elements(context, plural, bare_ok=True)
        return write(
            context,
            plural,
            items,
            save,
            view,
            flag=None,
            id_key="RepeatingInvoiceID",
            target=template["RepeatingInvoiceID"],
            element_status=False,
        )
    return context.envelope(plural, [view(template)])


def _list_repeating(context):
    """DELETED templates are left out unless ``where`` asks (as for invoices)."""
    records = list(context.books.repeating_invoices.values())
    if not context.query.get("where"):
        records = [r for r in records if r["Status"] != "DELETED"]
    return listing(
        context,
        "RepeatingInvoices",
        records,
        context.books.repeating_view,
        paged=False,
        modified_since=False,
    )


# ------------------------------------------------------------------ routing table


ROUTES = [
    ("GET", r"/Organisation", organisation, SETTINGS),
    ("GET|PUT|POST", r"/TaxRates", tax_rates, SETTINGS),
    ("GET", rf"/TaxRates/{ID}", tax_rates, SETTINGS),
    ("GET|PUT", r"/Accounts", accounts, SETTINGS),
    ("GET|POST|DELETE", rf"/Accounts/{ID}", accounts, SETTINGS),
    ("GET|PUT", r"/Currencies", currencies, SETTINGS),
    ("GET", r"/BrandingThemes", branding_themes, SETTINGS),
    ("GET", rf"/BrandingThemes/{ID}", branding_themes, SETTINGS),
    ("GET|PUT", r"/TrackingCategories", tracking_categories, SETTINGS),
    ("GET|POST|DELETE", rf"/TrackingCategories/{ID}", tracking_categories, SETTINGS),
    ("PUT", rf"/TrackingCategories/{ID}/(Options)", tracking_categories, SETTINGS),
    ("POST|DELETE", rf"/TrackingCategories/{ID}/(Options)/{ID}", tracking_categories, SETTINGS),
    ("GET|PUT|POST", r"/Items", items, ITEMS),
    ("GET|POST|DELETE", rf"/Items/{ID}", items, ITEMS),
    ("GET|PUT", rf"/Items/{ID}/(History)", items, ITEMS),
    ("GET|PUT|POST", r"/Contacts", contacts, CONTACTS),
    ("GET|POST", rf"/Contacts/{ID}", contacts, CONTACTS),
    ("GET|PUT", rf"/Contacts/{ID}/(History)", contacts, CONTACTS),
    ("GET|PUT|POST", r"/Invoices", invoices, INVOICES),
    ("GET|POST", rf"/Invoices/{ID}", invoices, INVOICES),
    ("GET|PUT|POST", rf"/Invoices/{ID}/(History|OnlineInvoice|Email)", invoices, INVOICES),
    ("GET|PUT|POST", r"/CreditNotes", credit_notes, INVOICES),
    ("GET|POST", rf"/CreditNotes/{ID}", credit_notes, INVOICES),
    ("GET|PUT", rf"/CreditNotes/{ID}/(History|Allocations)", credit_notes, INVOICES),
    ("DELETE", rf"/CreditNotes/{ID}/(Allocations)/{ID}", credit_notes, INVOICES),
    ("GET|PUT|POST", r"/Payments", payments, PAYMENTS),
    ("GET|POST", rf"/Payments/{ID}", payments, PAYMENTS),
    ("GET|PUT", rf"/Payments/{ID}/(History)", payments, PAYMENTS),
    ("GET|PUT|POST", r"/BankTransactions", bank_transactions, BANK_TRANSACTIONS),
    ("GET|POST", rf"/BankTransactions/{ID}", bank_transactions, BANK_TRANSACTIONS),
    ("GET|PUT", rf"/BankTransactions/{ID}/(History)", bank_transactions, BANK_TRANSACTIONS),
    ("GET", r"/Overpayments", overpayments, PAYMENTS),
    ("GET", rf"/Overpayments/{ID}", overpayments, PAYMENTS),
    ("GET|PUT", rf"/Overpayments/{ID}/(History)", overpayments, PAYMENTS),
    ("PUT", rf"/Overpayments/{ID}/(Allocations)", overpayments, PAYMENTS),
    ("DELETE", rf"/Overpayments/{ID}/(Allocations)/{ID}", overpayments, PAYMENTS),
    ("GET", r"/Prepayments", prepayments, PAYMENTS),
    ("GET", rf"/Prepayments/{ID}", prepayments, PAYMENTS),
    ("GET|PUT", rf"/Prepayments/{ID}/(History)", prepayments, PAYMENTS),
    ("PUT", rf"/Prepayments/{ID}/(Allocations)", prepayments, PAYMENTS),
    ("DELETE", rf"/Prepayments/{ID}/(Allocations)/{ID}", prepayments, PAYMENTS),
    ("GET|PUT|POST", r"/RepeatingInvoices", repeating_invoices, INVOICES),
    ("GET|POST", rf"/RepeatingInvoices/{ID}", repeating_invoices, INVOICES),
    ("GET|PUT", rf"/RepeatingInvoices/{ID}/(History)", repeating_invoices, INVOICES),
    ("GET", r"/Reports/ExecutiveSummary", executive_summary, REPORTS),
]
_COMPILED = [
    (set(methods.split("|")), re.compile(f"^{pattern}$", re.IGNORECASE), handler, scopes)
    for methods, pattern, handler, scopes in ROUTES
]


def _find_route(method, rest):
    for methods, pattern, handler, scopes in _COMPILED:
        match = pattern.match(rest)
        if match and method in methods:
            return handler, scopes, match.groups()
    return None
