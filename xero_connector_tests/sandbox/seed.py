"""Two organisations to start from: a New Zealand company (GST, NZD) and a UK one (VAT, GBP).

Every record goes through the same rules as the API, with dates relative to the
sandbox clock, so invoices are current, due or overdue whenever the sandbox starts.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from .books import Books

NAMESPACE = uuid.UUID("2f1c8a56-58a4-4c57-9d2b-1f0a7e3c5b90")
SEED_USER = "Sandbox seed"
FLAGS = ("Assets", "Equity", "Expenses", "Liabilities", "Revenue")


def stable_id(name):
    return str(uuid.uuid5(NAMESPACE, name))


def _organisation(tenant_id, name, country, currency, version, timezone, created):
    return {
        "OrganisationID": tenant_id,
        "Name": name,
        "LegalName": name.replace(" Ltd", " Limited"),
        "PaysTax": True,
        "Version": version,
        "OrganisationType": "COMPANY",
        "BaseCurrency": currency,
        "CountryCode": country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUALS" if country == "GB" else "INVOICE",
        "SalesTaxPeriod": "QUARTERLY" if country == "GB" else "TWOMONTHS",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": created,
        "OrganisationEntityType": "COMPANY",
        "Timezone": timezone,
        "ShortCode": "!" + tenant_id[:5],
        "Class": "PREMIUM",
        "Edition": "BUSINESS",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {
            "Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
            "Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
        },
    }


def _tax_rates(books, rates):
    for tax_type, name, percent, report, applies_to, status in rates:
        rate = Decimal(percent).quantize(Decimal("0.0001"))
        books.tax_rates[tax_type] = {
            "Name": name,
            "TaxType": tax_type,
            "TaxComponents": [
                {
                    "Name": name.split(" on ")[0],
                    "Rate": rate,
                    "IsCompound": False,
                    "IsNonRecoverable": False,
                }
            ],
            "Status": status,
            "ReportTaxType": report,
            **{f"CanApplyTo{flag}": flag in applies_to for flag in FLAGS},
            "DisplayTaxRate": rate,
            "EffectiveRate": rate,
        }


def _accounts(books, accounts, bank_number):
    for code, name, kind, tax_type, system in accounts:
        account = books.create_account(
            {
                "Code": code,
                "Name": name,
                "Type": kind,
                "TaxType": tax_type,
                "BankAccountNumber": bank_number if kind == "BANK" else None,
            }
        )
        if system:
            account["SystemAccount"] = system
    archived = books.create_account({"Code": "205", "Name": "Old Sales", "Type": "REVENUE"})
    archived["Status"] = "ARCHIVED"


def _currencies(books, codes):
    for code in codes:
        books.add_currency({"Code": code})


def _branding(books, created):
    for order, name in enumerate(("Standard", "Special Projects")):
        theme_id = stable_id(f"{books.organisation['OrganisationID']}/{name}")
        books.branding_themes[theme_id] = {
            "BrandingThemeID": theme_id,
            "Name": name,
            "Type": "INVOICE",
            "SortOrder": order,
            "CreatedDateUTC": created,
        }


def _contacts(books, contacts):
    found = {}
    for values in contacts:
        found[values["Name"]] = books.save_contact(values, SEED_USER, create_only=True)
    return found


def _items(books, items, tax_type):
    for code, name, price in items:
        books.save_item(
            {
                "Code": code,
                "Name": name,
                "Description": name,
                "SalesDetails": {
                    "UnitPrice": Decimal(price),
                    "AccountCode": "200",
                    "TaxType": tax_type,
                },
            },
            SEED_USER,
            create_only=True,
        )


def _tracked_items(books, items, taxes):
    """Items tracked as inventory (asset account 630, cost of goods sold 310); their stock
    comes from bills, as in Xero."""
    sales_tax, purchase_tax = taxes
    for code, name, price, cost in items:
        books.save_item(
            {
                "Code": code,
                "Name": name,
                "Description": name,
                "PurchaseDescription": name,
                "SalesDetails": {
                    "UnitPrice": Decimal(price),
                    "AccountCode": "200",
                    "TaxType": sales_tax,
                },
                "PurchaseDetails": {
                    "UnitPrice": Decimal(cost),
                    "COGSAccountCode": "310",
                    "TaxType": purchase_tax,
                },
                "InventoryAssetAccountCode": "630",
            },
            SEED_USER,
            create_only=True,
        )


def _stock_bills(books, supplier, bills):
    """Approved bills that bring tracked items in: ``bills`` is (days ago, [(code, qty, cost)]).
    They stay unpaid, each under 500 due, so that the seed's payments and its sales invoices
    over 500 stay those the tests know."""
    for days_ago, lines in bills:
        items = [
            {"ItemCode": code, "Quantity": quantity, "UnitAmount": Decimal(cost)}
            for code, quantity, cost in lines
        ]
        _invoice(books, supplier, items, days_ago, kind="ACCPAY")


def _region(books, options):
    books.create_tracking_category(
        {"Name": "Region", "Options": [{"Name": name} for name in options]}, SEED_USER
    )


def _invoice(books, contact, lines, days_ago, status="AUTHORISED", due_in=None, kind="ACCREC"):
    today = books.today()
    values = {
        "Type": kind,
        "Contact": {"ContactID": contact["ContactID"]},
        "Date": today - timedelta(days=days_ago),
        "LineItems": lines,
        "Status": status,
    }
    if due_in is not None:
        values["DueDate"] = values["Date"] + timedelta(days=due_in)
    return books.save_document("invoice", values, SEED_USER)


def _pay(books, invoice, amount, days_ago):
    books.create_payment(
        {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": "090"},
            "Date": books.today() - timedelta(days=days_ago),
            "Amount": Decimal(amount),
        },
        SEED_USER,
    )


def seed_new_zealand(sandbox, base_currency="NZD"):
    """Kauri Tools Ltd; ``base_currency`` may put its books in another currency (the demo
    uses that of Odoo's demo company)."""
    tenant_id = stable_id("Kauri Tools Ltd")
    created = sandbox.clock.now() - timedelta(days=900)
    organisation = _organisation(
        tenant_id, "Kauri Tools Ltd", "NZ", base_currency, "NZ", "NEWZEALANDSTANDARDTIME", created
    )
    rates = {"NZD": Decimal("1.000000"), "AUD": Decimal("0.915000"), "USD": Decimal("0.590000")}
    organisation["_rates"] = {
        code: (rate / rates.get(base_currency, Decimal(1))).quantize(Decimal("0.000001"))
        for code, rate in rates.items()
        if code != base_currency
    }
    books = Books(organisation, sandbox.clock)
    _tax_rates(
        books,
        [
            (
                "OUTPUT2",
                "15% GST on Income",
                "15",
                "OUTPUT",
                (*FLAGS[:2], "Liabilities", "Revenue"),
                "ACTIVE",
            ),
            (
                "INPUT2",
                "15% GST on Expenses",
                "15",
                "INPUT",
                ("Assets", "Equity", "Expenses", "Liabilities"),
                "ACTIVE",
            ),
            ("NONE", "No GST", "0", "NONE", FLAGS, "ACTIVE"),
            ("ZERORATED", "Zero Rated", "0", "OUTPUT", FLAGS, "ACTIVE"),
            ("GSTONIMPORTS", "GST on Imports", "15", "GSTONIMPORTS", ("Liabilities",), "ACTIVE"),
            ("TAX001", "12.5% GST (retired)", "12.5", "OUTPUT", FLAGS, "DELETED"),
            (
                "TAX002",
                "9% GST on Income",
                "9",
                "OUTPUT",
                (*FLAGS[:2], "Liabilities", "Revenue"),
                "ACTIVE",
            ),
        ],
    )
    _currencies(books, tuple(dict.fromkeys((base_currency, "NZD", "AUD", "USD"))))
    _accounts(
        books,
        [
            ("090", "Business Bank Account", "BANK", "NONE", None),
            ("200", "Sales", "REVENUE", "OUTPUT2", None),
            ("260", "Other Revenue", "REVENUE", "OUTPUT2", None),
            ("270", "Interest Income", "REVENUE", "NONE", None),
            ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", None),
            ("400", "Advertising", "OVERHEADS", "INPUT2", None),
            ("429", "General Expenses", "OVERHEADS", "INPUT2", None),
            ("610", "Accounts Receivable", "CURRENT", "NONE", "DEBTORS"),
            ("630", "Inventory", "INVENTORY", "NONE", None),
            ("800", "Accounts Payable", "CURRLIAB", "NONE", "CREDITORS"),
            ("820", "GST", "CURRLIAB", "NONE", "GST"),
            ("860", "Rounding", "CURRLIAB", "NONE", "ROUNDING"),
        ],
        "01-0123-0456789-00",
    )
    _branding(books, created)
    people = _contacts(
        books,
        [
            {
                "Name": "Bayside Boating Club",
                "EmailAddress": "accounts@bayside-boating.example",
                "AccountNumber": "BAY001",
            },
            {"Name": "Ridgeway Builders", "EmailAddress": "office@ridgeway-builders.example"},
            {"Name": "Tasman Marine Supplies", "EmailAddress": "billing@tasman-marine.example"},
            {"Name": "Hamilton Timber Co", "EmailAddress": "ap@hamilton-timber.example"},
        ],
    )
    _items(
        books,
        [
            ("TOOL-HAM", "Claw hammer", "29.90"),
            ("TOOL-SAW", "Panel saw", "54.50"),
            ("SVC-HOUR", "Workshop hour", "120.00"),
        ],
        "OUTPUT2",
    )
    sale = [{"ItemCode": "TOOL-HAM", "Quantity": 4}, {"ItemCode": "SVC-HOUR", "Quantity": 2}]
    part_paid = _invoice(books, people["Bayside Boating Club"], sale, 12)
    _pay(books, part_paid, "100.00", 5)
    paid = _invoice(
        books, people["Tasman Marine Supplies"], [{"ItemCode": "TOOL-SAW", "Quantity": 3}], 40
    )
    _pay(books, paid, paid["Total"], 20)
    _invoice(
        books, people["Ridgeway Builders"], [{"ItemCode": "SVC-HOUR", "Quantity": 5}], 60, due_in=30
    )
    _invoice(
        books,
        people["Bayside Boating Club"],
        [{"ItemCode": "TOOL-SAW", "Quantity": 1}],
        1,
        status="DRAFT",
    )
    bill = [
        {
            "Description": "Timber offcuts",
            "Quantity": 10,
            "UnitAmount": "12.00",
            "AccountCode": "310",
        }
    ]
    _invoice(books, people["Hamilton Timber Co"], bill, 8, kind="ACCPAY")
    _tracked_items(
        books,
        [
            ("TOOL-DRL", "Cordless drill", "189.00", "95.00"),
            ("TOOL-LVL", "Spirit level 600mm", "34.90", "18.50"),
        ],
        ("OUTPUT2", "INPUT2"),
    )
    _stock_bills(
        books,
        people["Hamilton Timber Co"],
        [
            (30, [("TOOL-DRL", 4, "95.00"), ("TOOL-LVL", 2, "18.50")]),
            (22, [("TOOL-DRL", 4, "95.00")]),
            (15, [("TOOL-DRL", 4, "98.00")]),
        ],
    )
    _region(books, ("North Island", "South Island"))
    archived = books.save_contact({"Name": "Old Harbour Traders"}, SEED_USER)
    books.save_contact({"ContactStatus": "ARCHIVED"}, SEED_USER, target=archived)
    return sandbox.add_tenant(tenant_id, organisation["Name"], books)


def seed_united_kingdom(sandbox):
    tenant_id = stable_id("Thames Ledger Ltd")
    created = sandbox.clock.now() - timedelta(days=600)
    organisation = _organisation(
        tenant_id, "Thames Ledger Ltd", "GB", "GBP", "UK", "GMTSTANDARDTIME", created
    )
    organisation["_rates"] = {"EUR": Decimal("1.170000"), "USD": Decimal("1.270000")}
    books = Books(organisation, sandbox.clock)
    _tax_rates(
        books,
        [
            (
                "OUTPUT2",
                "20% (VAT on Income)",
                "20",
                "OUTPUT",
                ("Assets", "Liabilities", "Revenue"),
                "ACTIVE",
            ),
            (
                "INPUT2",
                "20% (VAT on Expenses)",
                "20",
                "INPUT",
                ("Assets", "Equity", "Expenses", "Liabilities"),
                "ACTIVE",
            ),
            ("RROUTPUT", "5% (VAT on Income)", "5", "OUTPUT", ("Revenue",), "ACTIVE"),
            ("ZERORATEDOUTPUT", "Zero Rated Income", "0", "OUTPUT", ("Revenue",), "ACTIVE"),
            ("NONE", "No VAT", "0", "NONE", FLAGS, "ACTIVE"),
        ],
    )
    _currencies(books, ("GBP", "EUR", "USD"))
    _accounts(
        books,
        [
            ("090", "Business Current Account", "BANK", "NONE", None),
            ("200", "Sales", "SALES", "OUTPUT2", None),
            ("260", "Other Revenue", "OTHERINCOME", "OUTPUT2", None),
            ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", None),
            ("400", "Advertising & Marketing", "OVERHEADS", "INPUT2", None),
            ("610", "Trade Debtors", "CURRENT", "NONE", "DEBTORS"),
            ("630", "Stock", "INVENTORY", "NONE", None),
            ("800", "Trade Creditors", "CURRLIAB", "NONE", "CREDITORS"),
            ("820", "VAT", "CURRLIAB", "NONE", "GST"),
            ("860", "Rounding", "CURRLIAB", "NONE", "ROUNDING"),
        ],
        "20-00-00 12345678",
    )
    _branding(books, created)
    people = _contacts(
        books,
        [
            {"Name": "Camden Print Works", "EmailAddress": "finance@camden-print.example"},
            {
                "Name": "Northgate Cafe",
                "EmailAddress": "hello@northgate-cafe.example",
                "DefaultCurrency": "GBP",
            },
        ],
    )
    _items(
        books,
        [("PRINT-A4", "A4 colour print run", "45.00"), ("DESIGN", "Design hour", "85.00")],
        "OUTPUT2",
    )
    _invoice(books, people["Camden Print Works"], [{"ItemCode": "DESIGN", "Quantity": 3}], 10)
    _invoice(
        books, people["Northgate Cafe"], [{"ItemCode": "PRINT-A4", "Quantity": 2}], 45, due_in=14
    )
    _tracked_items(
        books,
        [
            ("INK-CYAN", "Cyan ink cartridge", "24.00", "12.00"),
            ("PAPER-A3", "A3 paper, ream of 500", "9.50", "4.25"),
        ],
        ("OUTPUT2", "INPUT2"),
    )
    _stock_bills(
        books,
        people["Camden Print Works"],
        [
            (20, [("INK-CYAN", 20, "12.00"), ("PAPER-A3", 1, "4.25")]),
            (6, [("INK-CYAN", 10, "12.60")]),
        ],
    )
    _region(books, ("London", "North", "Scotland"))
    return sandbox.add_tenant(tenant_id, organisation["Name"], books)


def seed_organisations(sandbox, base_currency="NZD"):
    seed_new_zealand(sandbox, base_currency)
    seed_united_kingdom(sandbox)
