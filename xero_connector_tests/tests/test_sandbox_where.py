"""The sandbox evaluates Xero's ``where`` and ``order`` parameters like Xero does."""

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from ..sandbox.where import WhereError, compile_order, compile_where

UTC = timezone.utc
ACME_ID = "0f2d5a4c-1b2c-4d3e-8f40-5a6b7c8d9e01"

INVOICE = {
    "InvoiceID": "7b3c0a1e-2d4f-4a5b-9c6d-7e8f9a0b1c2d",
    "Type": "ACCREC",
    "Contact": {"ContactID": ACME_ID, "Name": "ACME Ltd", "Address": None},
    "Status": "AUTHORISED",
    "Reference": 'O"Brien \\ sons',
    "Total": Decimal("115.00"),
    "LineCount": 3,
    "Date": date(2024, 1, 5),
    "UpdatedDateUTC": datetime(2024, 1, 5, 13, 45, tzinfo=UTC),
    "IsCustomer": True,
    "IsSupplier": False,
    "EmailAddress": "a@b.c",
    "LineItems": [{"Description": "Widget"}],
    "Notes": None,
}


def matches(expression, obj=None):
    return compile_where(expression)(INVOICE if obj is None else obj)


def where_error(expression):
    with pytest.raises(WhereError) as caught:
        compile_where(expression)
    return str(caught.value)


# ---------------------------------------------------------------- comparisons


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('Status=="AUTHORISED"', True),
        ('Status == "PAID"', False),
        ('Status!="PAID"', True),
        ('Status!="AUTHORISED"', False),
        ('Status<>"PAID"', True),
        ('Status="AUTHORISED"', True),
        ('Status=="authorised"', False),
        ('"AUTHORISED"==Status', True),
        ('Type < "ACCREC"', False),
        ('Type <= "ACCREC"', True),
        ('Type > "ACCPAY"', True),
        ('Type >= "ACCREC"', True),
    ],
)
def test_string_comparisons_are_case_sensitive(expression, expected):
    assert matches(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Total == 115", True),
        ("Total == 115.0", True),
        ("Total > 100", True),
        ("Total >= 115.00", True),
        ("Total < 115", False),
        ("Total <= 114.99", False),
        ("Total != 115", False),
        ("LineCount == 3", True),
        ("LineCount > 2.5", True),
        ("Total > -1", True),
        ("-1 < Total", True),
        ("100 < Total", True),
    ],
)
def test_numbers_compare_numerically(expression, expected):
    assert matches(expression) is expected


def test_member_against_member():
    obj = {"AmountDue": Decimal(10), "Total": 10, "Name": "a", "Other": "b"}
    assert matches("AmountDue == Total", obj)
    assert matches("Name < Other", obj)
    assert not matches("Name == Other", obj)


def test_string_escapes():
    assert matches(r'Reference == "O\"Brien \\ sons"')
    assert matches(r'Reference.StartsWith("O\"B")')
    assert matches(r'"a\tb" == Tab', {"Tab": "a\tb"})
    assert matches(r'"a\nb" == Line', {"Line": "a\nb"})


# ---------------------------------------------------------------- paths


def test_nested_members():
    assert matches(f'Contact.ContactID == "{ACME_ID}"')
    assert matches('Contact.Name == "ACME Ltd"')
    assert not matches('Contact.Name == "Other"')


def test_missing_and_broken_paths_are_null():
    assert matches("Missing == null")
    assert matches("Contact.Missing == null")
    assert matches("Contact.Address.City == null")
    assert matches("Status.Length == null")
    assert matches("LineItems.Description == null")
    assert not matches('Missing == "x"')


def test_member_names_are_case_insensitive_with_exact_match_first():
    assert matches('status == "AUTHORISED"')
    assert matches('contact.name == "ACME Ltd"')
    obj = {"Name": "exact", "name": "other"}
    assert matches('Name == "exact"', obj)
    assert matches('name == "other"', obj)


def test_lists_are_not_filterable():
    assert not matches('LineItems == "Widget"')
    assert not matches('LineItems.Contains("Widget")')


# ---------------------------------------------------------------- null


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Notes == null", True),
        ("Notes != null", False),
        ("null == Notes", True),
        ("Status == null", False),
        ("Status != null", True),
        ('Notes == "x"', False),
        ('Notes != "x"', True),
        ("Notes > 1", False),
        ("Notes < 1", False),
        ("Notes >= 1", False),
        ("Notes <= 1", False),
        ("NULL == Notes", True),
        ("null == null", True),
        ("Contact != null", True),
    ],
)
def test_null_comparisons(expression, expected):
    assert matches(expression) is expected


def test_null_guard_before_method():
    expression = 'Notes != null AND Notes.StartsWith("A")'
    assert not matches(expression)
    assert matches(expression, {"Notes": "Alpha"})
    assert not matches(expression, {"Notes": "Beta"})


# ---------------------------------------------------------------- literals


@pytest.mark.parametrize("literal", ["true", "True", "TRUE"])
def test_boolean_literals_are_case_insensitive(literal):
    assert matches(f"IsCustomer == {literal}")
    assert not matches(f"IsSupplier == {literal}")


def test_boolean_comparisons():
    assert matches("IsSupplier == false")
    assert matches("IsSupplier != true")
    assert matches("true")
    assert not matches("false")
    assert not matches("IsCustomer == 1")
    assert not matches('IsCustomer == "true"')


def test_guid_compares_case_insensitively():
    upper = ACME_ID.upper()
    assert matches(f'Contact.ContactID == Guid("{upper}")')
    assert matches(f'Contact.ContactID == guid("{ACME_ID}")')
    assert matches(f'Guid("{upper}") == Contact.ContactID')
    assert matches(f'Contact.ContactID != Guid("{INVOICE["InvoiceID"]}")')
    assert not matches(f'Contact.ContactID == Guid("{INVOICE["InvoiceID"]}")')
    assert not matches(f'Status == Guid("{ACME_ID}")')
    assert not matches(f'Notes == Guid("{ACME_ID}")')
    assert matches(f'Notes != Guid("{ACME_ID}")')


def test_guid_strings_stay_case_sensitive():
    assert not matches(f'Contact.ContactID == "{ACME_ID.upper()}"')


def test_guid_literal_against_stored_uuid():
    assert matches(f'ID == Guid("{ACME_ID.upper()}")', {"ID": uuid.UUID(ACME_ID)})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Date == DateTime(2024,01,05)", True),
        ("Date == DateTime(2024, 1, 5, 13, 45, 00)", True),
        ("Date >= DateTime(2024,01,01)", True),
        ("Date > DateTime(2024,01,05)", False),
        ("Date < DateTime(2024,01,06)", True),
        ("Date <= DateTime(2024,01,04)", False),
        ("Date != DateTime(2024,01,04)", True),
        ("DateTime(2024,01,01) < Date", True),
        ('Date == DateTime.Parse("2024-01-05")', True),
        ('Date > DateTime.Parse("2024-01-04T23:00:00")', True),
    ],
)
def test_datetime_against_date_member_compares_dates(expression, expected):
    assert matches(expression) is expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("UpdatedDateUTC == DateTime(2024,01,05,13,45,00)", True),
        ("UpdatedDateUTC > DateTime(2024,01,05,13,44,59)", True),
        ("UpdatedDateUTC > DateTime(2024,01,05,13,45,00)", False),
        ("UpdatedDateUTC >= DateTime(2024,01,05)", True),
        ("UpdatedDateUTC < DateTime(2024,01,05)", False),
        ("UpdatedDateUTC == DateTime(2024,01,05)", False),
        ('UpdatedDateUTC == DateTime.Parse("2024-01-05T13:45:00Z")', True),
        ('UpdatedDateUTC == DateTime.Parse("2024-01-05T14:45:00+01:00")', True),
    ],
)
def test_datetime_against_datetime_member_compares_instants(expression, expected):
    assert matches(expression) is expected


def test_naive_stored_datetime_is_utc():
    assert matches(
        "Stamp == DateTime(2024,01,05,13,45,00)", {"Stamp": datetime(2024, 1, 5, 13, 45)}
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('Date == "2024-01-05"', True),
        ('Date > "2024-01-04"', True),
        ('"2024-01-06" > Date', True),
        ('Date == "2024-01-05T08:00:00"', True),
        ('UpdatedDateUTC > "2024-01-05T13:00:00Z"', True),
        ('UpdatedDateUTC < "2024-01-05"', False),
        ('Date == "not a date"', False),
        ('Date != "not a date"', False),
    ],
)
def test_string_literal_against_dates_is_parsed(expression, expected):
    assert matches(expression) is expected


@pytest.mark.parametrize(
    "expression",
    [
        'Total == "115"',
        'Total != "115"',
        "Status > 3",
        "Date == 5",
        "IsCustomer < 2",
        'Contact == "ACME Ltd"',
        "Contact == Contact",
    ],
)
def test_incompatible_types_never_match(expression):
    assert matches(expression) is False


# ---------------------------------------------------------------- methods


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('Contact.Name.Contains("ME L")', True),
        ('Contact.Name.Contains("acme")', False),
        ('Contact.Name.StartsWith("ACME")', True),
        ('Contact.Name.StartsWith("Ltd")', False),
        ('Contact.Name.EndsWith("Ltd")', True),
        ('Contact.Name.EndsWith("LTD")', False),
        ('Contact.Name.ToLower().Contains("acme")', True),
        ('Contact.Name.ToUpper() == "ACME LTD"', True),
        ('Contact.Name.ToLower().ToUpper().StartsWith("ACME L")', True),
        ('Contact.Name.contains("ACME")', True),
        ('"ACME Ltd".StartsWith(Contact.Name)', True),
        ("EmailAddress.EndsWith(EmailAddress)", True),
    ],
)
def test_string_methods(expression, expected):
    assert matches(expression) is expected


@pytest.mark.parametrize(
    "expression",
    [
        'Notes.Contains("x")',
        'Notes.StartsWith("x")',
        'Notes.EndsWith("x")',
        'Notes.ToLower().Contains("x")',
        'Notes.ToUpper() == "X"',
        'Total.Contains("1")',
        'Contact.Contains("ACME")',
        "Status.Contains(Notes)",
    ],
)
def test_methods_on_non_strings_are_false(expression):
    assert matches(expression) is False


def test_transformed_null_is_still_null():
    assert matches("Notes.ToLower() == null")


# ---------------------------------------------------------------- boolean logic


def test_bare_boolean_members_are_conditions():
    assert matches("IsCustomer")
    assert not matches("IsSupplier")
    assert not matches("Missing")
    assert not matches("Status")
    assert matches("IsCustomer AND NOT IsSupplier")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('Status=="AUTHORISED" AND Total>100', True),
        ('Status=="AUTHORISED" && Total>200', False),
        ('Status=="PAID" OR Total>100', True),
        ('Status=="PAID" || Total>200', False),
        ('Status=="PAID" or Total>100', True),
        ('Status=="AUTHORISED" and Total>100', True),
        ('NOT Status=="PAID"', True),
        ('not Status=="AUTHORISED"', False),
        ('!(Status=="PAID")', True),
        ("!IsSupplier", True),
        ("!!IsCustomer", True),
        ("NOT NOT IsCustomer", True),
        ("!Missing", True),
        ('!Notes.Contains("x")', True),
    ],
)
def test_boolean_operators(expression, expected):
    assert matches(expression) is expected


def test_and_binds_tighter_than_or():
    # A OR (B AND C), not (A OR B) AND C
    assert matches("IsCustomer OR IsSupplier AND false")
    assert matches("false AND IsSupplier OR IsCustomer")
    assert not matches("(IsCustomer OR IsSupplier) AND false")
    assert matches("IsSupplier OR IsCustomer AND true")
    assert not matches("IsSupplier OR IsCustomer AND false")


def test_not_binds_tighter_than_and():
    assert not matches("NOT IsSupplier AND IsSupplier")
    assert matches("NOT (IsSupplier AND IsSupplier)")
    assert matches("NOT IsCustomer OR IsCustomer")
    assert not matches("NOT (IsCustomer OR IsCustomer)")


def test_parentheses_and_whitespace():
    expression = ' ( ( Status == "AUTHORISED" ) AND ( Total > 100 OR IsSupplier ) ) '
    assert matches(expression)
    assert matches('(Status=="AUTHORISED")AND(Total>100)')
    assert matches("\tTotal\n>\r\n100 ")
    assert matches("(Total) > 100")


def test_blank_expression_matches_everything():
    assert matches("")
    assert matches("   ")


def test_predicate_is_reusable_across_objects():
    predicate = compile_where('Contact.Name.StartsWith("A") AND Total >= 10')
    objects = [
        {"Contact": {"Name": "Apple"}, "Total": Decimal(10)},
        {"Contact": {"Name": "Banana"}, "Total": Decimal(99)},
        {"Contact": {"Name": "Avocado"}, "Total": 5},
        {"Contact": None, "Total": 50},
        {},
    ]
    assert [predicate(obj) for obj in objects] == [True, False, False, False, False]


# ---------------------------------------------------------------- errors


def test_where_error_is_a_value_error():
    assert issubclass(WhereError, ValueError)


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ('Name == "abc', "unterminated string at position 8"),
        ('Name == "abc\\"', "unterminated string at position 8"),
        ('(Name == "a"', "missing ')'"),
        ('Name == "a")', "unbalanced ')' at position 11"),
        ("((IsCustomer)", "missing ')'"),
        ('Name.Foo("a")', "unknown method 'Foo' at position 5"),
        ('Name.Contains("a").Length', "unsupported member 'Length'"),
        ('Name == "a" "b"', "unexpected '\"b\"' at position 12"),
        ("Name == 1 2", "unexpected '2'"),
        ("Name ==", "expected a value, found end of expression at position 7"),
        ('== "a"', "expected a value, found '=='"),
        ('Name == "a" AND', "expected a value, found end of expression"),
        ("()", "expected a value, found ')'"),
        ("Name == == 1", "expected a value, found '=='"),
        ("Name & 1", "unexpected character '&' at position 5"),
        ("Name == 'a'", "unexpected character"),
        ('Name == "a" ;', "unexpected character ';'"),
        ("Name.", "expected a name"),
    ],
)
def test_syntax_errors(expression, fragment):
    message = where_error(expression)
    assert message.startswith("Invalid where clause: ")
    assert fragment in message


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("Name.Contains()", "Contains takes 1 argument"),
        ('Name.Contains("a", "b")', "Contains takes 1 argument"),
        ('Name.ToLower("a")', "ToLower takes 0 argument"),
        ('Name.StartsWith("a"', "missing ')'"),
        ('1.Contains("1")', "Contains needs a string"),
    ],
)
def test_method_errors(expression, fragment):
    assert fragment in where_error(expression)


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("Name.ToLower() AND IsCustomer", "expected a condition, found a string value"),
        ('"abc"', "expected a condition"),
        ("5", "expected a condition, found a number value"),
        ("null", "expected a condition, found a null value"),
        ("IsCustomer OR 1", "at position 14"),
        ('NOT "x"', "expected a condition"),
    ],
)
def test_non_conditions_are_refused(expression, fragment):
    assert fragment in where_error(expression)


def test_non_boolean_members_are_false_conditions():
    # a member may hold a boolean, so this is decided per object
    assert not matches("Total")
    assert not matches("Total AND IsCustomer")
    assert matches("Total OR IsCustomer")


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ('Guid("not-a-guid")', "invalid Guid"),
        ("Guid(1)", "expected a string"),
        ("Date == DateTime(2024,13,01)", "invalid DateTime"),
        ("Date == DateTime(2024,01)", "3 or 6 whole numbers"),
        ("Date == DateTime(2024,01,01,10)", "3 or 6 whole numbers"),
        ("Date == DateTime(2024,01,01.5)", "3 or 6 whole numbers"),
        ('Date == DateTime("2024-01-01")', "expected a number"),
        ('Date == DateTime.Parse("yesterday")', "invalid date"),
        ('Date == DateTime.Now("x")', "only DateTime.Parse"),
    ],
)
def test_literal_errors(expression, fragment):
    assert fragment in where_error(expression)


def test_deep_nesting_is_refused_not_crashed():
    assert "nested too deeply" in where_error("(" * 5000 + "IsCustomer" + ")" * 5000)
    assert "nested too deeply" in where_error("!" * 5000 + "IsCustomer")
    assert matches("(" * 50 + "IsCustomer" + ")" * 50)


def test_never_evaluates_python():
    assert where_error('__import__("os").system("true")').startswith("Invalid where clause")
    assert matches("__class__ == null")  # only dict keys are members


# ---------------------------------------------------------------- order

ROWS = [
    {"ID": 1, "Name": "beta", "Total": Decimal(20), "Contact": {"Name": "Zed"}},
    {"ID": 2, "Name": "Alpha", "Total": Decimal(10), "Contact": {"Name": "amy"}},
    {"ID": 3, "Name": None, "Total": Decimal(20), "Contact": {"Name": "Bob"}},
    {"ID": 4, "Name": "alpha", "Total": 5, "Contact": None},
    {"ID": 5, "Total": Decimal("10.0"), "Contact": {"Name": "Amy"}},
]


def ids(expression, rows=None):
    return [row["ID"] for row in compile_order(expression)(ROWS if rows is None else rows)]


def test_order_ascending_by_default_with_null_first_and_case_insensitive():
    assert ids("Name") == [3, 5, 2, 4, 1]
    assert ids("Name ASC") == [3, 5, 2, 4, 1]
    assert ids("name asc") == [3, 5, 2, 4, 1]


def test_order_descending_puts_null_last_and_stays_stable():
    assert ids("Name DESC") == [1, 2, 4, 3, 5]
    assert ids("Total desc") == [1, 3, 2, 5, 4]


def test_order_by_numbers_mixing_int_and_decimal():
    assert ids("Total") == [4, 2, 5, 1, 3]


def test_order_by_nested_path():
    assert ids("Contact.Name") == [4, 2, 5, 3, 1]
    assert ids("Contact.Name DESC") == [1, 3, 2, 5, 4]


def test_order_by_several_keys():
    assert ids("Total DESC, Name") == [3, 1, 5, 2, 4]
    assert ids("Total, ID DESC") == [4, 5, 2, 3, 1]
    assert ids(" Total ASC ,Contact.Name DESC , ID") == [4, 2, 5, 1, 3]


def test_order_by_dates_mixing_date_and_datetime():
    rows = [
        {"ID": 1, "When": datetime(2024, 1, 2, 8, tzinfo=UTC)},
        {"ID": 2, "When": date(2024, 1, 2)},
        {"ID": 3, "When": date(2023, 12, 31)},
        {"ID": 4, "When": None},
    ]
    assert ids("When", rows) == [4, 3, 2, 1]
    assert ids("When DESC", rows) == [1, 2, 3, 4]


def test_order_mixed_types_and_unorderable_values_do_not_raise():
    rows = [
        {"ID": 1, "V": "text"},
        {"ID": 2, "V": 3},
        {"ID": 3, "V": True},
        {"ID": 4, "V": {"nested": 1}},
        {"ID": 5, "V": [1]},
        {"ID": 6},
    ]
    assert ids("V", rows) == [6, 3, 2, 1, 4, 5]


def test_order_returns_a_new_list():
    rows = list(ROWS)
    result = compile_order("Name DESC")(rows)
    assert result is not rows
    assert rows == ROWS


def test_blank_order_keeps_the_order():
    assert ids("") == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "expression",
    [
        "Name,",
        ",Name",
        "Name UP",
        "Name ASC DESC",
        "Contact..Name",
        "Name-1",
        "Total DESC;",
        "1Name",
    ],
)
def test_order_syntax_errors(expression):
    with pytest.raises(WhereError, match=r"^Invalid order clause: "):
        compile_order(expression)
