"""Tax rates and the other settings sales documents rely on: accounts, currencies and
tracking categories."""

from decimal import Decimal

import pytest
import yaml
from xero_python.accounting import (
    Account,
    AccountType,
    Contact,
    Currency,
    CurrencyCode,
    Invoice,
    Invoices,
    LineItem,
    LineItemTracking,
    TaxComponent,
    TaxRate,
    TaxRates,
    TrackingCategory,
    TrackingOption,
)
from xero_python.exceptions import AccountingBadRequestException

from ..sandbox import openapi_check
from ..sandbox.codes import CURRENCIES, REPORT_TAX_TYPES


def refusal(call, *args, **kwargs):
    with pytest.raises(AccountingBadRequestException) as failure:
        call(*args, **kwargs)
    return failure.value.reason


def component(name, rate, compound=False):
    return TaxComponent(name=name, rate=Decimal(rate), is_compound=compound)


def new_rate(xero, name, *components, report="OUTPUT"):
    rate = TaxRate(name=name, tax_components=list(components), report_tax_type=report)
    return xero.api.create_tax_rates(xero.tenant_id, TaxRates(tax_rates=[rate])).tax_rates[0]


def update_rate(xero, **fields):
    rates = TaxRates(tax_rates=[TaxRate(**fields)])
    return xero.api.update_tax_rate(xero.tenant_id, rates).tax_rates[0]


def document(xero, *lines, kind="ACCREC", contact="Ridgeway Builders", **extra):
    contact_id = next(c["ContactID"] for c in xero.books.contacts.values() if c["Name"] == contact)
    return Invoice(
        type=kind,
        contact=Contact(contact_id=contact_id),
        line_items=list(lines),
        status="AUTHORISED",
        **extra,
    )


def create(xero, *documents):
    return xero.api.create_invoices(xero.tenant_id, Invoices(invoices=list(documents))).invoices


def line(amount="100.00", account_code="200", **extra):
    return LineItem(
        description="Work",
        quantity=Decimal(1),
        unit_amount=Decimal(amount),
        account_code=account_code,
        **extra,
    )


# ------------------------------------------------------------------ tax rates


def test_put_creates_only_and_post_updates_by_tax_type_or_name(xero):
    created = new_rate(xero, "Export 0%", component("Export", "0"))
    assert created.tax_type == "TAX003"  # TAX001 (deleted) and TAX002 (9% GST) are taken
    assert refusal(new_rate, xero, "Export 0%", component("Export", "0")) == (
        "A tax rate named 'Export 0%' already exists."
    )
    renamed = update_rate(xero, tax_type="TAX003", name="Exports")
    assert (renamed.tax_type, renamed.name) == ("TAX003", "Exports")
    archived = update_rate(xero, name="Exports", status="ARCHIVED")
    assert (archived.tax_type, archived.status) == ("TAX003", "ARCHIVED")
    assert refusal(update_rate, xero, tax_type="TAX999", name="Nowhere") == (
        "The tax rate TAX999 does not exist."
    )


def test_report_tax_type_is_required_in_new_zealand_and_the_uk(xero, xero_uk):
    for client in (xero, xero_uk):
        rate = TaxRate(name="No report type", tax_components=[component("Tax", "3")])
        reason = refusal(client.api.create_tax_rates, client.tenant_id, TaxRates(tax_rates=[rate]))
        assert reason == "ReportTaxType is required."


def test_system_rates_cannot_be_updated(xero, xero_uk):
    assert refusal(update_rate, xero, tax_type="OUTPUT2", name="GST 16%") == (
        "The system tax rate OUTPUT2 cannot be updated."
    )
    assert refusal(update_rate, xero_uk, name="5% (VAT on Income)", status="ARCHIVED") == (
        "The system tax rate RROUTPUT cannot be updated."
    )
    (gst,) = xero.api.get_tax_rate_by_tax_type(xero.tenant_id, "OUTPUT2").tax_rates
    assert gst.name == "15% GST on Income" and gst.status == "ACTIVE"


def test_an_update_replaces_all_components(xero):
    created = new_rate(xero, "Two part", component("State", "4"), component("City", "2"))
    assert (created.display_tax_rate, created.effective_rate) == (Decimal(6), Decimal(6))
    updated = update_rate(
        xero, tax_type=created.tax_type, tax_components=[component("State", "4.5")]
    )
    assert [(c.name, c.rate) for c in updated.tax_components] == [("State", Decimal("4.5"))]
    assert updated.effective_rate == Decimal("4.5")


def test_a_compound_component_is_charged_on_the_tax_before_it(xero):
    created = new_rate(xero, "GST and QST", component("GST", "5"), component("QST", "10", True))
    # (1 + 5%) x (1 + 10%) - 1 = 15.5%; the display rate adds the components up
    assert (created.display_tax_rate, created.effective_rate) == (
        Decimal("15.0"),
        Decimal("15.5"),
    )
    (invoice,) = create(xero, document(xero, line(tax_type=created.tax_type)))
    assert (invoice.total_tax, invoice.total) == (Decimal("15.50"), Decimal("115.50"))


def test_a_new_rate_applies_to_revenue_or_expenses_by_its_report_tax_type(xero):
    sales = new_rate(xero, "Sales 7%", component("Sales", "7"))
    purchases = new_rate(xero, "Purchases 7%", component("Purchases", "7"), report="INPUT")
    assert (sales.can_apply_to_revenue, sales.can_apply_to_expenses) == (True, False)
    assert (purchases.can_apply_to_revenue, purchases.can_apply_to_expenses) == (False, True)
    bill = document(
        xero,
        line(account_code="429", tax_type=sales.tax_type),
        kind="ACCPAY",
        contact="Hamilton Timber Co",
    )
    assert refusal(create, xero, bill) == (
        f"The TaxType code '{sales.tax_type}' cannot be used with account code '429'."
    )
    assert refusal(create, xero, document(xero, line(tax_type="Sales 7%"))) == (
        "The TaxType code Sales 7% does not exist or cannot be used for this type of transaction."
    )


def test_the_second_seeded_sales_rates(xero, xero_uk):
    (nine,) = xero.api.get_tax_rate_by_tax_type(xero.tenant_id, "TAX002").tax_rates
    assert (nine.name, nine.effective_rate, nine.report_tax_type) == (
        "9% GST on Income",
        Decimal(9),
        "OUTPUT",
    )
    (invoice,) = create(xero, document(xero, line(tax_type="TAX002")))
    assert invoice.total_tax == Decimal("9.00")
    (reduced,) = xero_uk.api.get_tax_rate_by_tax_type(xero_uk.tenant_id, "RROUTPUT").tax_rates
    assert reduced.effective_rate == Decimal(5)


def test_report_tax_types_and_currencies_are_those_of_the_openapi_file():
    if not openapi_check.available():
        pytest.skip("the OpenAPI files are not next to the checkout")
    with (openapi_check.SPEC_DIR / "xero_accounting.yaml").open("rb") as stream:
        schemas = yaml.load(stream, Loader=yaml.CSafeLoader)["components"]["schemas"]
    assert list(CURRENCIES) == schemas["CurrencyCode"]["enum"]
    assert list(REPORT_TAX_TYPES) == schemas["TaxRate"]["properties"]["ReportTaxType"]["enum"]


# ------------------------------------------------------------------ accounts and currencies


def test_account_code_and_name_lengths(xero):
    long_code = Account(code="12345678901", name="Long code", type=AccountType.REVENUE)
    assert refusal(xero.api.create_account, xero.tenant_id, long_code) == (
        "Code must not be more than 10 characters long."
    )
    # xero-python refuses such a name itself: sent raw
    answer = xero.raw(
        "PUT", "/Accounts", json={"Code": "217", "Name": "N" * 151, "Type": "REVENUE"}
    )
    assert answer.status_code == 400
    assert answer.json()["Elements"][0]["ValidationErrors"] == [
        {"Message": "Name must not be more than 150 characters long."}
    ]
    fits = Account(code="1234567890", name="N" * 150, type=AccountType.REVENUE)
    assert xero.api.create_account(xero.tenant_id, fits).accounts[0].code == "1234567890"


def test_system_accounts_are_marked_and_kept(xero, xero_uk):
    for client in (xero, xero_uk):
        accounts = {a.code: a for a in client.api.get_accounts(client.tenant_id).accounts}
        assert (accounts["860"].name, accounts["860"].system_account) == ("Rounding", "ROUNDING")
        assert accounts["610"].system_account == "DEBTORS"
        assert accounts["630"].type == AccountType.INVENTORY
        assert accounts["200"].system_account is None
    debtors = next(a for a in xero.books.accounts.values() if a["Code"] == "610")
    assert refusal(
        xero.api.update_account, xero.tenant_id, debtors["AccountID"], Account(status="ARCHIVED")
    ) == ("The system account 610 cannot be archived.")
    rounding = next(a for a in xero.books.accounts.values() if a["Code"] == "860")
    assert refusal(xero.api.delete_account, xero.tenant_id, rounding["AccountID"]) == (
        "The system account 860 cannot be deleted."
    )


def test_accounts_if_modified_since(xero, sandbox):
    cursor = sandbox.clock.now()
    sandbox.clock.advance(2)
    new = Account(code="218", name="Workshop Hire", type=AccountType.REVENUE)
    xero.api.create_account(xero.tenant_id, new)
    changed = xero.api.get_accounts(xero.tenant_id, if_modified_since=cursor).accounts
    assert [a.code for a in changed] == ["218"]


def test_documents_need_a_subscribed_currency_and_any_iso_code_can_be_added(xero):
    priced = document(xero, line(), currency_code=CurrencyCode.JPY)
    assert refusal(create, xero, priced) == "Organisation is not subscribed to currency JPY"
    assert len(CURRENCIES) == 168
    xero.api.create_currency(xero.tenant_id, Currency(code=CurrencyCode.JPY))
    (invoice,) = create(xero, priced)
    assert invoice.currency_code == CurrencyCode.JPY
    codes = {c.code for c in xero.api.get_currencies(xero.tenant_id).currencies}
    assert codes == {CurrencyCode.NZD, CurrencyCode.AUD, CurrencyCode.USD, CurrencyCode.JPY}


# ------------------------------------------------------------------ tracking categories


def test_tracking_categories_and_options_through_the_sdk(xero):
    api, tenant = xero.api, xero.tenant_id
    (region,) = api.get_tracking_categories(tenant).tracking_categories
    assert region.name == "Region"
    assert [o.name for o in region.options] == ["North Island", "South Island"]
    (channel,) = api.create_tracking_category(
        tenant, TrackingCategory(name="Channel")
    ).tracking_categories
    assert refusal(api.create_tracking_category, tenant, TrackingCategory(name="Project")) == (
        "You can only have 2 active tracking categories."
    )
    assert refusal(api.create_tracking_category, tenant, TrackingCategory(name="region")) == (
        "For each specified tracking category the name must be unique."
    )
    api.update_tracking_category(
        tenant, channel.tracking_category_id, TrackingCategory(status="ARCHIVED")
    )
    assert [c.name for c in api.get_tracking_categories(tenant).tracking_categories] == ["Region"]
    archived = api.get_tracking_categories(tenant, include_archived=True).tracking_categories
    assert [(c.name, c.status) for c in archived] == [("Region", "ACTIVE"), ("Channel", "ARCHIVED")]
    api.create_tracking_category(tenant, TrackingCategory(name="Project"))
    category_id = region.tracking_category_id
    (west,) = api.create_tracking_options(
        tenant, category_id, TrackingOption(name="West Coast")
    ).options
    assert (west.name, west.status) == ("West Coast", "ACTIVE")
    assert refusal(
        api.create_tracking_options, tenant, category_id, TrackingOption(name="north island")
    ) == ("For each specified tracking option the name must be unique.")
    (renamed,) = api.update_tracking_options(
        tenant, category_id, west.tracking_option_id, TrackingOption(name="Westland")
    ).options
    assert renamed.name == "Westland"
    (gone,) = api.delete_tracking_options(tenant, category_id, west.tracking_option_id).options
    assert (gone.name, gone.status) == ("Westland", "DELETED")
    (again,) = api.get_tracking_category(tenant, category_id).tracking_categories
    assert [o.name for o in again.options] == ["North Island", "South Island"]
    (deleted,) = api.delete_tracking_category(
        tenant, channel.tracking_category_id
    ).tracking_categories
    assert deleted.status == "DELETED"


def test_line_tracking_is_checked_and_answered_with_ids(xero):
    api, tenant = xero.api, xero.tenant_id
    (region,) = api.get_tracking_categories(tenant).tracking_categories
    north = region.options[0]
    by_name = LineItemTracking(name="Region", option="North Island")
    (invoice,) = create(xero, document(xero, line(tracking=[by_name])))
    (answered,) = invoice.line_items[0].tracking
    assert (answered.tracking_category_id, answered.tracking_option_id) == (
        region.tracking_category_id,
        north.tracking_option_id,
    )
    by_ids = LineItemTracking(
        tracking_category_id=region.tracking_category_id,
        tracking_option_id=region.options[1].tracking_option_id,
    )
    (second,) = create(xero, document(xero, line(tracking=[by_ids])))
    assert second.line_items[0].tracking[0].option == "South Island"
    wrong_option = LineItemTracking(name="Region", option="Chatham Islands")
    assert refusal(create, xero, document(xero, line(tracking=[wrong_option]))) == (
        "Tracking option 'Chatham Islands' does not exist in tracking category 'Region' or is "
        "archived."
    )
    wrong_category = LineItemTracking(name="Department", option="Sales")
    assert refusal(create, xero, document(xero, line(tracking=[wrong_category]))) == (
        "Tracking category 'Department' does not exist or is archived."
    )
    twice = [by_name, LineItemTracking(name="Region", option="South Island")]
    assert refusal(create, xero, document(xero, line(tracking=twice))) == (
        "A line item can only have one option for each tracking category."
    )
    # used on an invoice: archive it, do not delete it
    assert refusal(
        api.delete_tracking_options, tenant, region.tracking_category_id, north.tracking_option_id
    ) == (
        "The tracking option North Island has been used on transactions and cannot be deleted; "
        "archive it instead."
    )
    assert refusal(api.delete_tracking_category, tenant, region.tracking_category_id) == (
        "The tracking category Region has been used on transactions and cannot be deleted; "
        "archive it instead."
    )
    # a renamed option shows its new name on the invoices that use it
    api.update_tracking_options(
        tenant, region.tracking_category_id, north.tracking_option_id, TrackingOption(name="North")
    )
    fetched = api.get_invoice(tenant, invoice.invoice_id).invoices[0]
    assert fetched.line_items[0].tracking[0].option == "North"
