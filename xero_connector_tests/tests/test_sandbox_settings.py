"""Organisation, tax rates, accounts, currencies, branding themes and items."""

from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account,
    AccountType,
    Currency,
    CurrencyCode,
    Item,
    Items,
    Purchase,
    TaxComponent,
    TaxRate,
    TaxRates,
)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from ..sandbox import XeroSandbox


def test_two_organisations_with_their_own_currency_and_tax(xero, xero_uk):
    nz = xero.api.get_organisations(xero.tenant_id).organisations[0]
    uk = xero_uk.api.get_organisations(xero_uk.tenant_id).organisations[0]
    assert (nz.base_currency.value, nz.country_code.value, nz.version) == ("NZD", "NZ", "NZ")
    assert (uk.base_currency.value, uk.country_code.value, uk.version) == ("GBP", "GB", "UK")
    nz_rates = {
        r.tax_type: r.effective_rate for r in xero.api.get_tax_rates(xero.tenant_id).tax_rates
    }
    uk_rates = {
        r.tax_type: r.effective_rate for r in xero_uk.api.get_tax_rates(xero_uk.tenant_id).tax_rates
    }
    assert nz_rates["OUTPUT2"] == Decimal(15) and uk_rates["OUTPUT2"] == Decimal(20)
    assert uk_rates["RROUTPUT"] == Decimal(5)


def test_the_first_organisation_may_keep_its_books_in_another_currency():
    """The demo's organisation keeps its books in the currency of Odoo's demo company."""
    sandbox = XeroSandbox(base_currency="USD")
    books = sandbox.tenant(0).books
    assert books.organisation["BaseCurrency"] == "USD"
    assert {"USD", "NZD"} <= set(books.currencies)
    assert {i["CurrencyCode"] for i in books.invoices.values()} == {"USD"}
    ridgeway = next(c for c in books.contacts.values() if c["Name"] == "Ridgeway Builders")
    assert books.balances(ridgeway["ContactID"])["AccountsReceivable"]["Overdue"] > 0
    assert books.organisation["_rates"]["NZD"] == Decimal("1.694915")


def test_tax_rates_by_type_where_and_new_ones(xero):
    (gst,) = xero.api.get_tax_rate_by_tax_type(xero.tenant_id, "OUTPUT2").tax_rates
    assert gst.name == "15% GST on Income" and gst.can_apply_to_revenue
    active = xero.api.get_tax_rates(xero.tenant_id, where='Status=="ACTIVE"').tax_rates
    assert "TAX001" not in {r.tax_type for r in active}
    rate = TaxRate(
        name="Luxury 25%",
        tax_components=[TaxComponent(name="Luxury", rate=Decimal(25))],
        report_tax_type="OUTPUT",
    )
    (created,) = xero.api.create_tax_rates(xero.tenant_id, TaxRates(tax_rates=[rate])).tax_rates
    assert created.tax_type.startswith("TAX") and created.effective_rate == Decimal(25)
    with pytest.raises(NotFoundException):
        xero.api.get_tax_rate_by_tax_type(xero.tenant_id, "MISSING")


def test_accounts_unique_archived_and_created(xero):
    accounts = xero.api.get_accounts(xero.tenant_id).accounts
    assert {a.code for a in accounts} >= {"090", "200", "205", "610"}
    bank = xero.api.get_accounts(xero.tenant_id, where='Type=="BANK"').accounts
    assert [a.code for a in bank] == ["090"]
    new = Account(code="215", name="Workshop Sales", type=AccountType.REVENUE, tax_type="OUTPUT2")
    (created,) = xero.api.create_account(xero.tenant_id, new).accounts
    assert created._class == "REVENUE" and created.status == "ACTIVE"
    duplicate = Account(code="216", name="Workshop Sales", type=AccountType.REVENUE)
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_account(xero.tenant_id, duplicate)
    assert failure.value.reason == "Please enter a unique Name."
    archived = xero.api.update_account(
        xero.tenant_id, created.account_id, Account(status="ARCHIVED")
    ).accounts[0]
    assert archived.status == "ARCHIVED"


def test_currencies_can_be_enabled(xero):
    codes = {c.code.value for c in xero.api.get_currencies(xero.tenant_id).currencies}
    assert codes == {"NZD", "AUD", "USD"}
    xero.api.create_currency(xero.tenant_id, Currency(code=CurrencyCode.EUR))
    assert CurrencyCode.EUR in {c.code for c in xero.api.get_currencies(xero.tenant_id).currencies}


def test_branding_themes(xero):
    themes = xero.api.get_branding_themes(xero.tenant_id).branding_themes
    assert [t.name for t in themes] == ["Standard", "Special Projects"]
    (theme,) = xero.api.get_branding_theme(
        xero.tenant_id, themes[1].branding_theme_id
    ).branding_themes
    assert theme.sort_order == 1 and theme.type == "INVOICE"


def test_items_have_unique_codes_and_follow_unitdp(xero, sandbox):
    item = Item(
        code="TOOL-CHISEL",
        name="Wood chisel",
        sales_details=Purchase(
            unit_price=Decimal("12.3456"), account_code="200", tax_type="OUTPUT2"
        ),
    )
    (created,) = xero.api.create_items(xero.tenant_id, Items(items=[item])).items
    assert created.item_id and created.is_sold
    with pytest.raises(AccountingBadRequestException) as failure:
        xero.api.create_items(xero.tenant_id, Items(items=[Item(code="TOOL-CHISEL", name="Other")]))
    assert failure.value.reason == "Price List Item with Code ''TOOL-CHISEL'' already exists"
    by_code = xero.api.get_item(xero.tenant_id, "TOOL-CHISEL").items[0]
    assert by_code.item_id == created.item_id
    cursor = sandbox.clock.now()
    sandbox.clock.advance(2)
    xero.api.update_item(
        xero.tenant_id,
        created.item_id,
        Items(items=[Item(code="TOOL-CHISEL", name="Bevel chisel")]),
    )
    changed = xero.api.get_items(xero.tenant_id, if_modified_since=cursor).items
    assert [i.name for i in changed] == ["Bevel chisel"]
    ordered = xero.api.get_items(xero.tenant_id, order="Code DESC").items
    assert [i.code for i in ordered] == sorted((i.code for i in ordered), reverse=True)
    xero.api.delete_item(xero.tenant_id, created.item_id)
    with pytest.raises(NotFoundException):
        xero.api.get_item(xero.tenant_id, created.item_id)
