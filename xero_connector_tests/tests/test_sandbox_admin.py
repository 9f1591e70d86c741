"""The accountant's side, the test controls, the standalone command and the demo's state file."""

import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import requests
from xero_python.accounting import (
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    LineItem,
    RepeatingInvoice,
    RepeatingInvoices,
    Schedule,
)

from odoo.addons.xero_connector.const import XERO_WEB_URLS
from odoo.addons.xero_connector.tools.local_sandbox import web_url

from .test_sandbox_webhooks import receiver, subscribe  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PHONE_TYPES = ("DEFAULT", "MOBILE", "FAX", "DDI")
PHONE_FIELDS = ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")


def invoice_of(xero, number):
    return next(i for i in xero.books.invoices.values() if i.get("InvoiceNumber") == number)


def test_accountant_records_and_deletes_a_payment(xero):
    overdue = invoice_of(xero, "INV-0003")
    status, payment = xero.admin(
        "POST",
        f"tenants/{xero.tenant_id}/payments",
        {"invoice_id": overdue["InvoiceID"], "amount": "90.00"},
    )
    assert status == 200 and payment["Amount"] == "90.00"
    seen = xero.api.get_invoice(xero.tenant_id, overdue["InvoiceID"]).invoices[0]
    assert (str(seen.amount_paid), seen.status) == ("90.00", "AUTHORISED")
    status, _ = xero.admin("DELETE", f"tenants/{xero.tenant_id}/payments/{payment['PaymentID']}")
    assert status == 200
    assert xero.api.get_invoice(xero.tenant_id, overdue["InvoiceID"]).invoices[0].amount_paid == 0
    status, error = xero.admin(
        "POST",
        f"tenants/{xero.tenant_id}/payments",
        {"invoice_id": overdue["InvoiceID"], "amount": "99999"},
    )
    assert status == 400 and error["error"] == [
        "Payment amount exceeds the amount outstanding on this document"
    ]


def test_accountant_credits_an_invoice(xero):
    overdue = invoice_of(xero, "INV-0003")
    before = xero.api.get_invoice(xero.tenant_id, overdue["InvoiceID"]).invoices[0]
    status, credit = xero.admin(
        "POST",
        f"tenants/{xero.tenant_id}/invoices/{overdue['InvoiceID']}/credit",
        {"amount": "25.00", "description": "Goodwill"},
    )
    assert status == 200 and credit["Type"] == "ACCRECCREDIT" and credit["Total"] == "25.00"
    seen = xero.api.get_invoice(xero.tenant_id, overdue["InvoiceID"]).invoices[0]
    assert str(seen.amount_credited) == "25.00"
    assert seen.amount_due == before.amount_due - Decimal("25.00")
    [note] = seen.credit_notes
    assert str(note.credit_note_id) == credit["CreditNoteID"]


def test_accountant_voids_archives_merges_and_edits(xero):
    draft = invoice_of(xero, "INV-0004")
    status, approved = xero.admin(
        "POST", f"tenants/{xero.tenant_id}/invoices/{draft['InvoiceID']}/approve"
    )
    assert status == 200 and approved["Status"] == "AUTHORISED"
    status, voided = xero.admin(
        "POST", f"tenants/{xero.tenant_id}/invoices/{draft['InvoiceID']}/void"
    )
    assert status == 200 and voided["Status"] == "VOIDED"
    people = {c["Name"]: c["ContactID"] for c in xero.books.contacts.values()}
    status, edited = xero.admin(
        "POST",
        f"tenants/{xero.tenant_id}/contacts/{people['Ridgeway Builders']}",
        {"EmailAddress": "new@ridgeway.example"},
    )
    assert status == 200 and edited["EmailAddress"] == "new@ridgeway.example"
    status, _ = xero.admin(
        "POST", f"tenants/{xero.tenant_id}/contacts/{people['Tasman Marine Supplies']}/archive"
    )
    archived = xero.api.get_contact(xero.tenant_id, people["Tasman Marine Supplies"]).contacts[0]
    assert archived.contact_status == "ARCHIVED"
    status, _ = xero.admin(
        "POST",
        f"tenants/{xero.tenant_id}/contacts/{people['Hamilton Timber Co']}/merge",
        {"into": people["Ridgeway Builders"]},
    )
    merged = xero.api.get_contact(xero.tenant_id, people["Hamilton Timber Co"]).contacts[0]
    assert (
        merged.contact_status == "ARCHIVED"
        and merged.merged_to_contact_id == people["Ridgeway Builders"]
    )
    bills = xero.api.get_invoices(xero.tenant_id, where='Type=="ACCPAY"').invoices
    assert {b.contact.contact_id for b in bills} == {people["Ridgeway Builders"]}


def test_moving_the_clock_makes_invoices_overdue(xero):
    status, before = xero.admin("GET", "state")
    assert status == 200
    xero.admin("POST", "clock", {"advance_days": 40})
    status, after = xero.admin("GET", "state")
    assert after["clock"] > before["clock"]
    xero.token = dict(xero.sandbox.connect([xero.tenant_id]))
    where = f'AmountDue > 0 AND DueDate < DateTime.Parse("{after["clock"][:10]}")'
    overdue = xero.api.get_invoices(xero.tenant_id, where=where).invoices
    assert {i.invoice_number for i in overdue} >= {"INV-0001", "INV-0003"}


def test_calls_can_be_inspected_and_cleared(xero):
    xero.api.get_contacts(xero.tenant_id)
    status, calls = xero.admin("GET", "calls")
    assert (
        status == 200
        and calls[-1]["path"] == "/api.xro/2.0/Contacts"
        and calls[-1]["status"] == 200
    )
    assert calls[-1]["tenant"] == xero.tenant_id
    xero.admin("DELETE", "calls")
    assert xero.admin("GET", "calls")[1] == []


def test_tokens_can_be_expired_on_purpose(xero):
    assert xero.admin("POST", "tokens/expire")[0] == 200
    answer = xero.raw("GET", "/Organisation")
    assert answer.status_code == 401 and answer.json()["Detail"].startswith("TokenExpired")


def test_the_html_page_shows_both_organisations(xero, sandbox):
    page = requests.get(sandbox.base_url + "/", timeout=10)
    assert page.status_code == 200
    for tenant in sandbox.tenants.values():
        assert tenant.name in page.text
    assert "Record full payment" in page.text and "+31 days" in page.text


def page_of(sandbox):
    page = requests.get(sandbox.base_url + "/", timeout=10)
    assert page.status_code == 200
    return page.text


def test_open_in_xero_lands_on_the_row_of_each_record(xero, sandbox):
    """Every link ``web_url`` makes to a record of the sandbox names a row of its page."""
    people = {c["Name"]: c["ContactID"] for c in xero.books.contacts.values()}
    xero.admin(
        "POST",
        f"tenants/{xero.tenant_id}/overpayments",
        {"contact_id": people["Ridgeway Builders"], "amount": "25.00"},
    )
    line = LineItem(
        description="x", quantity=Decimal(1), unit_amount=Decimal(20), account_code="200"
    )
    note = CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=people["Ridgeway Builders"]),
        line_items=[line],
    )
    xero.api.create_credit_notes(xero.tenant_id, CreditNotes(credit_notes=[note]))
    monthly = RepeatingInvoice(
        type="ACCREC",
        contact=Contact(contact_id=people["Ridgeway Builders"]),
        schedule=Schedule(
            period=1,
            unit="MONTHLY",
            due_date=0,
            due_date_type="DAYSAFTERINVOICEDATE",
            start_date=xero.books.today() + timedelta(days=3),
        ),
        line_items=[line],
        status="AUTHORISED",
    )
    xero.api.create_repeating_invoices(
        xero.tenant_id, RepeatingInvoices(repeating_invoices=[monthly])
    )
    draft = invoice_of(xero, "INV-0004")  # a deleted invoice keeps its row: its link still works
    xero.api.update_invoice(
        xero.tenant_id, draft["InvoiceID"], Invoices(invoices=[Invoice(status="DELETED")])
    )
    page = page_of(sandbox)
    rows = re.findall(r'<tr id="([^"]+)"', page)
    assert len(rows) == len(set(rows)) and "tr:target" in page
    kinds = {
        "contact": "contacts",
        "invoice": "invoices",
        "creditnote": "credit_notes",
        "payment": "payments",
        "overpayment": "overpayments",
        "item": "items",
        "repeating_invoice": "repeating_invoices",
    }
    assert set(XERO_WEB_URLS) <= set(kinds)  # every kind the addon links to
    linked = []
    for tenant in sandbox.tenants.values():
        for kind, store in kinds.items():
            records = getattr(tenant.books, store)
            assert records or tenant is not sandbox.tenant(0), kind
            for xero_id in records:
                base, _hash, fragment = web_url(sandbox.base_url, kind, xero_id).partition("#")
                assert base == sandbox.base_url + "/"
                linked.append(fragment)
    assert sorted(linked) == sorted(rows)
    deleted = re.search(rf'<tr id="invoice-{draft["InvoiceID"]}">(.*?)</tr>', page).group(1)
    assert "<td>DELETED</td>" in deleted
    assert (
        requests.get(
            web_url(sandbox.base_url, "contact", people["Ridgeway Builders"]), timeout=10
        ).status_code
        == 200
    )


def phone_form(page, contact_id):
    """The phone form of a contact on the page: the admin path it posts to, and its fields."""
    form = re.search(
        rf'<form class="phones" data-contact="{contact_id}" '
        r"onsubmit=\"return send\(this, '([^']+)'\)\">(.*?)</form>",
        page,
        re.DOTALL,
    )
    fields = re.findall(r'<input name="([^"]+)" value="([^"]*)"', form.group(2))
    return form.group(1), {name: html.unescape(value) for name, value in fields}


def phones_of(xero, contact_id):
    contact = xero.api.get_contact(xero.tenant_id, contact_id).contacts[0]
    phones = {
        p.phone_type: (p.phone_country_code, p.phone_area_code, p.phone_number)
        for p in contact.phones
    }
    return contact, phones


def test_the_accountant_edits_a_contact_s_phones_on_the_page(xero, sandbox, receiver):  # noqa: F811
    subscribe(xero)
    people = {c["Name"]: c["ContactID"] for c in xero.books.contacts.values()}
    contact_id = people["Ridgeway Builders"]
    before, phones = phones_of(xero, contact_id)
    path, fields = phone_form(page_of(sandbox), contact_id)
    assert path == f"tenants/{xero.tenant_id}/contacts/{contact_id}/phones"
    assert set(fields) == {f"{kind}.{name}" for kind in PHONE_TYPES for name in PHONE_FIELDS}
    # an e-mail edit, then a phone edit: each one CONTACT UPDATE event, as any edit
    xero.admin(
        "POST", f"tenants/{xero.tenant_id}/contacts/{contact_id}", {"EmailAddress": "a@b.example"}
    )
    xero.sandbox.clock.advance(5)
    fields.update(
        {
            "MOBILE.PhoneCountryCode": "64",
            "MOBILE.PhoneAreaCode": "21",
            "MOBILE.PhoneNumber": "555 0101",
        }
    )
    status, saved = xero.admin("POST", path, fields)
    assert status == 200
    assert {
        "PhoneType": "MOBILE",
        "PhoneCountryCode": "64",
        "PhoneAreaCode": "21",
        "PhoneNumber": "555 0101",
    } in saved["Phones"]
    after, now = phones_of(xero, contact_id)
    assert now == phones | {"MOBILE": ("64", "21", "555 0101")}
    assert after.updated_date_utc > before.updated_date_utc
    events = receiver.wait_for(2)
    assert [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in events] == [
        ("CONTACT", "UPDATE", contact_id)
    ] * 2
    assert events[0].keys() == events[1].keys()
    page = page_of(sandbox)
    assert "Mobile: 64 21 555 0101" in page
    # the form sent again as the page shows it is no change: no bump, no event
    assert xero.admin("POST", path, phone_form(page, contact_id)[1])[0] == 200
    assert sandbox.app.webhooks.flush()
    assert len(receiver.events()) == 2
    assert phones_of(xero, contact_id)[0].updated_date_utc == after.updated_date_utc
    # blank fields clear a phone; Xero's limits and types hold
    status, _ = xero.admin("POST", path, {f"MOBILE.{name}": "" for name in PHONE_FIELDS})
    assert status == 200 and phones_of(xero, contact_id)[1]["MOBILE"] == (None, None, None)
    status, error = xero.admin("POST", path, {"FAX.PhoneAreaCode": "12345678901"})
    assert status == 400 and error["error"] == [
        "PhoneAreaCode must not be more than 10 characters long."
    ]
    status, error = xero.admin("POST", path, {"PAGER.PhoneNumber": "1"})
    assert status == 400 and error["error"] == [
        "PhoneType must be DEFAULT, DDI, MOBILE, FAX or OFFICE."
    ]
    assert xero.admin("POST", path, {"MOBILE.Number": "1"})[0] == 400


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_command(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "xero_connector_tests.sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_the_command_prints_one_json_line_and_keeps_state_across_restarts(tmp_path):
    port, state = free_port(), tmp_path / "sandbox.state"
    args = (
        "--port",
        str(port),
        "--client-id",
        "MYCLIENTID",
        "--client-secret",
        "my-secret",
        "--webhook-key",
        "k1",
        "--state-file",
        str(state),
    )
    process = start_command(tmp_path, *args)
    try:
        described = json.loads(process.stdout.readline())
        assert described["urls"]["accounting"] == f"http://127.0.0.1:{port}/api.xro/2.0"
        assert set(described["urls"]) >= {
            "authorize",
            "token",
            "revoke",
            "connections",
            "accounting",
        }
        assert (described["client_id"], described["client_secret"], described["webhook_key"]) == (
            "MYCLIENTID",
            "my-secret",
            "k1",
        )
        assert [t["name"] for t in described["tenants"]] == ["Kauri Tools Ltd", "Thames Ledger Ltd"]
        tenant = described["tenants"][0]["tenant_id"]
        created = requests.post(
            f"http://127.0.0.1:{port}/admin/tenants/{tenant}/contacts",
            json={"Name": "Survivor"},
            timeout=10,
        )
        assert created.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert state.exists()
    process = start_command(tmp_path, *args)
    try:
        json.loads(process.stdout.readline())
        contacts = requests.get(
            f"http://127.0.0.1:{port}/admin/tenants/{tenant}/contacts", timeout=10
        ).json()
        assert "Survivor" in {c["Name"] for c in contacts}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def test_the_command_says_when_its_port_is_taken(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        process = start_command(tmp_path, "--port", str(busy.getsockname()[1]))
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "cannot listen on" in err


def test_several_sandboxes_run_side_by_side(sandbox):
    from ..sandbox import XeroSandbox  # noqa: PLC0415

    with XeroSandbox() as other:
        assert other.base_url != sandbox.base_url
        assert requests.get(other.base_url + "/admin/state", timeout=10).status_code == 200


def test_a_contact_created_through_the_api_shows_up_for_the_accountant(xero):
    xero.api.create_contacts(
        xero.tenant_id, Contacts(contacts=[Contact(name="Seen By Accountant")])
    )
    status, contacts = xero.admin("GET", f"tenants/{xero.tenant_id}/contacts")
    assert status == 200 and "Seen By Accountant" in {c["Name"] for c in contacts}


def lines_on_page(page, invoice_id):
    """The folded lines under an invoice's row: its summary and each line's cells."""
    folded = re.search(
        rf'<tr id="invoice-{invoice_id}">.*?</tr><tr class="lines"><td colspan="7">'
        r"<details><summary>(.*?)</summary><table class=\"lines\">(.*?)</table></details>",
        page,
        re.DOTALL,
    )
    assert folded, f"no lines folded under the row of invoice {invoice_id}"
    rows = re.findall(r"<tr>((?:<td>.*?</td>)+)</tr>", folded.group(2))
    cells = [[html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row)] for row in rows]
    return html.unescape(folded.group(1)), cells


def test_the_page_lists_each_invoice_s_lines_as_xero_holds_them(xero, sandbox):
    """Prices can be checked on the page: each line's price to 4 decimals, its discount and
    tax, under its invoice, folded, with the invoice's subtotal, tax and total."""
    hammer = LineItem(
        item_code="TOOL-HAM",
        description="Claw hammer <16 oz> & grip",
        quantity=Decimal(3),
        unit_amount=Decimal("12.3456"),
        discount_rate=Decimal("12.5"),
        account_code="200",
    )
    delivery = LineItem(
        description="Delivery", quantity=Decimal("1.5"), unit_amount=Decimal(10), account_code="200"
    )
    invoice = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=invoice_of(xero, "INV-0003")["Contact"]["ContactID"]),
        line_items=[hammer, delivery],
        status="AUTHORISED",
    )
    (created,) = xero.api.create_invoices(
        xero.tenant_id, Invoices(invoices=[invoice]), unitdp=4
    ).invoices
    page = page_of(sandbox)
    summary, lines = lines_on_page(page, created.invoice_id)
    # 3 x 12.3456 less 12.5% = 32.41, GST 15% 4.86; 1.5 x 10 = 15.00, GST 2.25
    assert lines == [
        ["Claw hammer <16 oz> & grip", "TOOL-HAM", "3", "12.3456", "12.5%", "OUTPUT2", "4.86",
         "32.41"],
        ["Delivery", "", "1.5", "10.00", "", "OUTPUT2", "2.25", "15.00"],
    ]  # fmt: skip
    assert (created.sub_total, created.total_tax, created.total) == (
        Decimal("47.41"),
        Decimal("7.11"),
        Decimal("54.52"),
    )
    assert summary == "2 lines: subtotal 47.41, tax 7.11, total 54.52 NZD (tax exclusive)"
    assert "Claw hammer &lt;16 oz&gt; &amp; grip" in page and "<16 oz>" not in page
    # every invoice and bill of both organisations has its lines folded under its row
    for tenant in sandbox.tenants.values():
        for document in tenant.books.invoices.values():
            summary, lines = lines_on_page(page, document["InvoiceID"])
            assert len(lines) == len(document["LineItems"]) and str(document["Total"]) in summary
