"""Items in the sandbox: when an item is tracked, and how approved documents move its stock."""

import pickle
from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account,
    Contact,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    Invoices,
    Item,
    Items,
    LineAmountTypes,
    LineItem,
    Payment,
    Purchase,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from ..sandbox import XeroSandbox

SHORT = (
    "This will result in an inventory item with a zero quantity but a total value that is not zero"
)
INVENTORY_LINE = "You cannot save this transaction using an inventory account type"


def contact_id(xero, name):
    return next(c["ContactID"] for c in xero.books.contacts.values() if c["Name"] == name)


def item(xero, code):
    return xero.api.get_item(xero.tenant_id, code).items[0]


def stock(xero, code):
    """(QuantityOnHand, TotalCostPool) of an item, as the SDK reads them."""
    found = item(xero, code)
    return found.quantity_on_hand, found.total_cost_pool


def goods(code, quantity, unit_amount=None, **extra):
    return LineItem(
        item_code=code,
        quantity=Decimal(str(quantity)),
        unit_amount=Decimal(unit_amount) if unit_amount else None,
        **extra,
    )


def sale(xero, *lines, status="AUTHORISED", **options):
    document = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id(xero, "Ridgeway Builders")),
        line_items=list(lines),
        status=status,
    )
    return xero.api.create_invoices(
        xero.tenant_id, Invoices(invoices=[document]), **options
    ).invoices[0]


def bill(xero, *lines, status="AUTHORISED", **extra):
    document = Invoice(
        type="ACCPAY",
        contact=Contact(contact_id=contact_id(xero, "Hamilton Timber Co")),
        line_items=list(lines),
        status=status,
        **extra,
    )
    return xero.api.create_invoices(xero.tenant_id, Invoices(invoices=[document])).invoices[0]


def credit(xero, kind, *lines, contact="Ridgeway Builders"):
    document = CreditNote(
        type=kind,
        contact=Contact(contact_id=contact_id(xero, contact)),
        line_items=list(lines),
        status="AUTHORISED",
    )
    return xero.api.create_credit_notes(
        xero.tenant_id, CreditNotes(credit_notes=[document])
    ).credit_notes[0]


def change(xero, invoice_id, allow_backorders=None, **fields):
    options = {"allow_backorders": True} if allow_backorders else {}
    return xero.api.update_invoice(
        xero.tenant_id, invoice_id, Invoices(invoices=[Invoice(**fields)]), **options
    ).invoices[0]


def refusal(call, *args, **kwargs):
    with pytest.raises(AccountingBadRequestException) as failure:
        call(*args, **kwargs)
    return failure.value.reason


def save_items(xero, *items):
    return xero.api.update_or_create_items(xero.tenant_id, Items(items=list(items))).items


# ------------------------------------------------------------------ seed and tracking


def test_seeded_tracked_items_have_their_stock_from_approved_bills(xero, xero_uk):
    drill = item(xero, "TOOL-DRL")
    assert drill.is_tracked_as_inventory and drill.inventory_asset_account_code == "630"
    assert drill.purchase_details.cogs_account_code == "310"
    assert drill.purchase_details.account_code is None
    # three bills: 4 at 95.00, 4 at 95.00, 4 at 98.00 -> average cost 96.00
    assert (drill.quantity_on_hand, drill.total_cost_pool) == (Decimal(12), Decimal("1152.00"))
    assert (drill.quantity_available, drill.quantity_on_back_order) == (Decimal(12), Decimal(0))
    assert stock(xero, "TOOL-LVL") == (Decimal(2), Decimal("37.00"))
    hammer = item(xero, "TOOL-HAM")
    assert not hammer.is_tracked_as_inventory
    assert (hammer.quantity_on_hand, hammer.total_cost_pool) == (None, None)
    bills = [i for i in xero.books.invoices.values() if i["Type"] == "ACCPAY"]
    stocked = [b for b in bills if any(line.get("ItemCode") for line in b["LineItems"])]
    assert {line["AccountCode"] for b in stocked for line in b["LineItems"]} == {"630"}
    assert stock(xero_uk, "INK-CYAN") == (Decimal(30), Decimal("366.00"))
    assert stock(xero_uk, "PAPER-A3") == (Decimal(1), Decimal("4.25"))


def test_an_item_is_tracked_only_with_an_inventory_asset_and_a_cogs_account(xero):
    asked = Item(code="TOOL-CLP", name="G clamp", is_tracked_as_inventory=True)
    asked.quantity_on_hand = Decimal(50)
    (created,) = xero.api.create_items(xero.tenant_id, Items(items=[asked])).items
    assert not created.is_tracked_as_inventory and created.quantity_on_hand is None
    cogs = Purchase(cogs_account_code="310", account_code="429")
    assert refusal(
        save_items,
        xero,
        Item(code="TOOL-CLP", inventory_asset_account_code="400", purchase_details=cogs),
    ) == ("The InventoryAssetAccountCode '400' is not an account of type INVENTORY.")
    assert refusal(save_items, xero, Item(code="TOOL-CLP", inventory_asset_account_code="630")) == (
        "A tracked item needs both an InventoryAssetAccountCode and a "
        "PurchaseDetails.COGSAccountCode."
    )
    (tracked,) = save_items(
        xero, Item(code="TOOL-CLP", inventory_asset_account_code="630", purchase_details=cogs)
    )
    assert tracked.is_tracked_as_inventory
    assert (tracked.quantity_on_hand, tracked.total_cost_pool) == (Decimal(0), Decimal(0))
    # the asset account replaces the purchase account of a tracked item
    assert tracked.purchase_details.account_code is None
    assert refusal(save_items, xero, Item(code="TOOL-CLP", is_purchased=False)) == (
        "A tracked inventory item must be both purchased and sold."
    )


def test_quantity_on_hand_is_read_only_and_kept_by_later_saves(xero):
    sent = Item(
        code="TOOL-DRL",
        name="Cordless drill 18V",
        is_tracked_as_inventory=True,
        quantity_on_hand=Decimal(999),
        total_cost_pool=Decimal(1),
        purchase_details=Purchase(unit_price=Decimal("99.00")),
    )
    (saved,) = save_items(xero, sent)
    assert saved.name == "Cordless drill 18V" and saved.is_tracked_as_inventory
    assert (saved.quantity_on_hand, saved.total_cost_pool) == (Decimal(12), Decimal("1152.00"))
    # a purchase price sent alone keeps the COGS account: the item stays tracked
    assert saved.purchase_details.cogs_account_code == "310"
    assert saved.purchase_details.unit_price == Decimal("99.00")


def test_is_sold_and_is_purchased_default_to_true_and_false_clears_that_side(xero):
    both = Item(
        code="TOOL-FILE",
        name="Flat file",
        description="Flat file 200mm",
        purchase_description="Flat file, box of 1",
        sales_details=Purchase(unit_price=Decimal("15.00"), account_code="200"),
        purchase_details=Purchase(unit_price=Decimal("7.00"), account_code="429"),
    )
    (created,) = save_items(xero, both)
    assert (created.is_sold, created.is_purchased) == (True, True)
    (not_sold,) = save_items(xero, Item(code="TOOL-FILE", is_sold=False))
    assert not not_sold.is_sold and not_sold.is_purchased
    assert (not_sold.description, not_sold.sales_details) == (None, None)
    assert not_sold.purchase_details.unit_price == Decimal("7.00")
    (neither,) = save_items(xero, Item(code="TOOL-FILE", is_purchased=False))
    assert (neither.purchase_description, neither.purchase_details) == (None, None)


def test_items_without_summarised_errors_mark_each_element(xero):
    batch = Items(items=[Item(code="TOOL-HAM", name="Hammer"), Item(code="TOOL-PIN", name="Pin")])
    answer = xero.api.create_items(xero.tenant_id, batch, summarize_errors=False).items
    assert [i.status_attribute_string for i in answer] == ["ERROR", "OK"]
    assert [e.message for e in answer[0].validation_errors] == [
        "Price List Item with Code ''TOOL-HAM'' already exists"
    ]


def test_at_most_500_items_per_request(xero):
    before = len(xero.books.items)
    many = [Item(code=f"BULK-{n:03d}", name="Bulk") for n in range(501)]
    reason = refusal(xero.api.create_items, xero.tenant_id, Items(items=many))
    assert reason == "No more than 500 items can be created or updated in one request."
    assert len(xero.books.items) == before


# ------------------------------------------------------------------ stock movements


def test_stock_moves_when_documents_are_approved_voided_or_credited(xero):
    draft = sale(xero, goods("TOOL-DRL", 2), status="DRAFT")
    change(xero, draft.invoice_id, status="SUBMITTED")
    assert stock(xero, "TOOL-DRL") == (Decimal(12), Decimal("1152.00"))
    change(xero, draft.invoice_id, status="AUTHORISED")  # 2 out at the average cost 96.00
    assert stock(xero, "TOOL-DRL") == (Decimal(10), Decimal("960.00"))
    # a bill's line goes to the inventory asset account whatever account it names
    delivery = bill(xero, goods("TOOL-DRL", 5, "102.00", account_code="429"))
    assert delivery.line_items[0].account_code == "630"
    assert stock(xero, "TOOL-DRL") == (Decimal(15), Decimal("1470.00"))  # average 98.00
    sold = sale(xero, goods("TOOL-DRL", 3))  # approved when created
    assert stock(xero, "TOOL-DRL") == (Decimal(12), Decimal("1176.00"))
    paid = Payment(
        invoice=Invoice(invoice_id=sold.invoice_id),
        account=Account(code="090"),
        amount=sold.total,
        date=date.today(),
    )
    xero.api.create_payment(xero.tenant_id, paid)
    assert stock(xero, "TOOL-DRL") == (Decimal(12), Decimal("1176.00"))  # PAID moves nothing
    change(xero, draft.invoice_id, status="VOIDED")  # back at today's average, 98.00
    assert stock(xero, "TOOL-DRL") == (Decimal(14), Decimal("1372.00"))
    credit(xero, "ACCRECCREDIT", goods("TOOL-DRL", 1, "189.00"))
    assert stock(xero, "TOOL-DRL") == (Decimal(15), Decimal("1470.00"))
    change(xero, delivery.invoice_id, status="VOIDED")  # the bill's 5 units and 510.00 leave
    assert stock(xero, "TOOL-DRL") == (Decimal(10), Decimal("960.00"))


def test_a_bill_adds_its_amount_without_tax_in_the_base_currency(xero):
    inclusive = bill(
        xero, goods("TOOL-DRL", 1, "115.00"), line_amount_types=LineAmountTypes.INCLUSIVE
    )
    assert inclusive.total_tax == Decimal("15.00")
    assert stock(xero, "TOOL-DRL") == (Decimal(13), Decimal("1252.00"))
    # 59.00 US dollars at 0.59 per New Zealand dollar
    bill(xero, goods("TOOL-DRL", 1, "59.00"), currency_code=CurrencyCode.USD)
    assert stock(xero, "TOOL-DRL") == (Decimal(14), Decimal("1352.00"))


def test_a_purchase_credit_note_returns_stock_at_its_amount(xero):
    returned = credit(
        xero, "ACCPAYCREDIT", goods("TOOL-DRL", 2, "95.00"), contact="Hamilton Timber Co"
    )
    assert returned.line_items[0].account_code == "630"
    assert stock(xero, "TOOL-DRL") == (Decimal(10), Decimal("962.00"))


def test_an_edit_of_an_approved_invoice_moves_the_difference(xero):
    sold = sale(xero, goods("TOOL-DRL", 2))
    assert stock(xero, "TOOL-DRL") == (Decimal(10), Decimal("960.00"))
    line = sold.line_items[0]
    more = LineItem(line_item_id=line.line_item_id, item_code="TOOL-DRL", quantity=Decimal(5))
    change(xero, sold.invoice_id, line_items=[more])
    assert stock(xero, "TOOL-DRL") == (Decimal(7), Decimal("672.00"))
    change(xero, sold.invoice_id, reference="No line change")
    assert stock(xero, "TOOL-DRL") == (Decimal(7), Decimal("672.00"))


def test_a_sale_beyond_the_stock_is_refused_without_backorders(xero):
    reason = refusal(sale, xero, goods("TOOL-LVL", 3))
    assert reason == SHORT
    draft = sale(xero, goods("TOOL-LVL", 3), status="DRAFT")  # drafts do not count
    assert refusal(change, xero, draft.invoice_id, status="AUTHORISED") == SHORT
    assert xero.api.get_invoice(xero.tenant_id, draft.invoice_id).invoices[0].status == "DRAFT"
    assert stock(xero, "TOOL-LVL") == (Decimal(2), Decimal("37.00"))


def test_a_bill_whose_units_were_sold_cannot_be_voided(xero):
    delivery = bill(xero, goods("TOOL-LVL", 2, "20.00"))
    assert stock(xero, "TOOL-LVL") == (Decimal(4), Decimal("77.00"))
    sale(xero, goods("TOOL-LVL", 4))
    assert stock(xero, "TOOL-LVL") == (Decimal(0), Decimal(0))
    assert refusal(change, xero, delivery.invoice_id, status="VOIDED") == SHORT
    kept = xero.api.get_invoice(xero.tenant_id, delivery.invoice_id).invoices[0]
    assert kept.status == "AUTHORISED"


def test_backorders_let_stock_go_below_zero_until_a_bill_fills_them(xero):
    draft = sale(xero, goods("TOOL-LVL", 5), status="DRAFT")
    change(xero, draft.invoice_id, status="AUTHORISED", allow_backorders=True)
    level = item(xero, "TOOL-LVL")
    assert (level.quantity_on_hand, level.quantity_on_back_order) == (Decimal(0), Decimal(3))
    assert (level.quantity_available, level.total_cost_pool) == (Decimal(-3), Decimal(0))
    sale(xero, goods("TOOL-LVL", 1), allow_backorders=True)  # PUT /Invoices
    document = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id(xero, "Ridgeway Builders")),
        line_items=[goods("TOOL-LVL", 1)],
        status="AUTHORISED",
    )
    xero.api.update_or_create_invoices(  # POST /Invoices
        xero.tenant_id, Invoices(invoices=[document]), allow_backorders=True
    )
    assert item(xero, "TOOL-LVL").quantity_available == Decimal(-5)
    # 8 come in at 20.00: the 5 on back order are served first, 3 stay on hand
    bill(xero, goods("TOOL-LVL", 8, "20.00"))
    level = item(xero, "TOOL-LVL")
    assert (level.quantity_on_hand, level.quantity_on_back_order) == (Decimal(3), Decimal(0))
    assert (level.quantity_available, level.total_cost_pool) == (Decimal(3), Decimal("60.00"))


def test_inventory_accounts_cannot_be_typed_on_lines(xero):
    line = LineItem(
        description="Stock", quantity=Decimal(1), unit_amount=Decimal(10), account_code="630"
    )
    assert refusal(sale, xero, line) == INVENTORY_LINE
    assert refusal(bill, xero, line) == INVENTORY_LINE


def test_a_tracked_item_used_in_transactions_cannot_be_deleted(xero):
    drill = item(xero, "TOOL-DRL")
    assert refusal(xero.api.delete_item, xero.tenant_id, drill.item_id) == (
        "The item TOOL-DRL is tracked and has been used in transactions, so it cannot be deleted."
    )
    unused = Item(
        code="TOOL-NEW",
        inventory_asset_account_code="630",
        purchase_details=Purchase(cogs_account_code="310"),
    )
    (created,) = save_items(xero, unused)
    xero.api.delete_item(xero.tenant_id, created.item_id)
    # an untracked item goes even when invoices name it
    xero.api.delete_item(xero.tenant_id, item(xero, "TOOL-SAW").item_id)
    for code in ("TOOL-NEW", "TOOL-SAW"):
        with pytest.raises(NotFoundException):
            item(xero, code)


def test_history_and_if_modified_since_see_saves_and_stock_moves(xero, sandbox):
    (created,) = save_items(xero, Item(code="TOOL-AWL", name="Awl"))
    save_items(xero, Item(code="TOOL-AWL", name="Scratch awl"))
    records = xero.api.get_item_history(xero.tenant_id, created.item_id).history_records
    assert [r.changes for r in records] == ["Created", "Updated"]
    cursor = sandbox.clock.now()
    sandbox.clock.advance(2)
    sold = sale(xero, goods("TOOL-DRL", 1))
    changed = xero.api.get_items(xero.tenant_id, if_modified_since=cursor).items
    assert [i.code for i in changed] == ["TOOL-DRL"]
    drill = item(xero, "TOOL-DRL")
    last = xero.api.get_item_history(xero.tenant_id, drill.item_id).history_records[-1]
    assert last.details == (
        f"Invoice {sold.invoice_number}: quantity 12.0000 to 11.0000, value 1152.00 to 1056.00."
    )


def test_stock_and_tracking_categories_survive_a_restart(tmp_path):
    state_file = str(tmp_path / "sandbox.state")
    first = XeroSandbox(state_file=state_file)
    books = first.tenant(0).books
    drill = books.item_by_code("TOOL-DRL")
    books.save_document(
        "invoice",
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": next(iter(books.contacts))},
            "LineItems": [{"ItemCode": "TOOL-DRL", "Quantity": 4}],
            "Status": "AUTHORISED",
        },
        "test",
    )
    region = next(iter(books.tracking_categories.values()))
    first.save(state_file)
    again = XeroSandbox(state_file=state_file).tenant(0).books
    assert again.item_view(again.items[drill["ItemID"]])["QuantityOnHand"] == Decimal(8)
    assert again.tracking_categories[region["TrackingCategoryID"]]["Name"] == "Region"
    # a file written before tracking categories were kept still loads, with the seeded ones
    data = pickle.loads((tmp_path / "sandbox.state").read_bytes())
    for tenant in data["tenants"].values():
        del tenant["tracking_categories"]
    (tmp_path / "sandbox.state").write_bytes(pickle.dumps(data))
    older = XeroSandbox(state_file=state_file).tenant(0).books
    assert [c["Name"] for c in older.tracking_categories.values()] == ["Region"]
