"""The sandbox's OpenAPI check accepts Xero-shaped bodies and reports the rest."""

import copy
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..sandbox.openapi_check import OpenApiChecker, available

if not available():
    pytest.skip("Xero's OpenAPI files are not next to the checkout", allow_module_level=True)

CONTACT_ID = "7f0b4c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e"
INVOICE_ID = "0b8a6c4e-1f2d-4e3c-9a5b-7d6e5f4a3b2c"
CONTACTS = {
    "Id": "5f2a9b7c-3d4e-4f10-a1b2-c3d4e5f60718",
    "Status": "OK",
    "ProviderName": "xero_connector sandbox",
    "DateTimeUTC": "/Date(1700000000000)/",
    "Contacts": [
        {
            "ContactID": CONTACT_ID,
            "Name": "ACME",
            "ContactStatus": "ACTIVE",
            "UpdatedDateUTC": "/Date(1700000000000+0000)/",
        }
    ],
}
VALIDATION_EXCEPTION = {
    "ErrorNumber": 10,
    "Type": "ValidationException",
    "Message": "A validation exception occurred",
    "Elements": [
        {
            "ContactID": CONTACT_ID,
            "Name": "ACME",
            "ValidationErrors": [{"Message": "The contact name ACME is already assigned."}],
        }
    ],
}
NOT_A_STATUS = (
    "/Contacts/0/ContactStatus: 'FOO' is not one of ['ACTIVE', 'ARCHIVED', 'GDPRREQUEST']"
)
CONNECTIONS = [
    {
        "id": "7cb59f93-2964-421d-bb5e-a0f7a4572a44",
        "authEventId": "d99ecdfe-391d-43d2-b834-17636ba90e8d",
        "tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58",
        "tenantType": "ORGANISATION",
        "tenantName": "Demo Company (NZ)",
        "createdDateUtc": "2019-12-07T18:46:19.5165400",
        "updatedDateUtc": "2019-12-07T18:46:19.5187840",
    }
]


@pytest.fixture
def checker():
    return OpenApiChecker.shared()


def contacts(**changes):
    body = copy.deepcopy(CONTACTS)
    body["Contacts"][0].update(changes)
    return body


def test_shared_checker_is_one_per_process(checker):
    assert checker is not None
    assert OpenApiChecker.shared() is checker


def test_valid_contacts_list_passes(checker):
    assert checker.check("accounting", "GET", "/Contacts", 200, CONTACTS) == []
    assert checker.check("accounting", "GET", "/Contacts", 200, json.dumps(CONTACTS)) == []
    assert checker.check("accounting", "GET", "/Contacts", 200, json.dumps(CONTACTS).encode()) == []


def test_invalid_enum_fails(checker):
    errors = checker.check("accounting", "GET", "/Contacts", 200, contacts(ContactStatus="FOO"))
    assert errors == [f"GET /Contacts 200: {NOT_A_STATUS}"]


def test_wrong_type_fails(checker):
    errors = checker.check("accounting", "GET", "/Contacts", 200, contacts(IsCustomer="true"))
    assert errors == ["GET /Contacts 200: /Contacts/0/IsCustomer: 'true' is not of type 'boolean'"]


def test_null_fails_once(checker):
    errors = checker.check("accounting", "GET", "/Contacts", 200, contacts(Name=None))
    assert errors == ["GET /Contacts 200: /Contacts/0/Name: null is not of type 'string'"]


def test_bad_uuid_and_date_fail(checker):
    body = contacts(ContactID="not-a-uuid", UpdatedDateUTC="2023-11-14")
    errors = checker.check("accounting", "GET", "/Contacts", 200, body)
    assert errors == [
        "GET /Contacts 200: /Contacts/0/ContactID: 'not-a-uuid' is not a 'uuid'",
        "GET /Contacts 200: /Contacts/0/UpdatedDateUTC: "
        + "'2023-11-14' is not a Xero /Date(milliseconds±zone)/ string",
    ]


def test_undeclared_key_fails(checker):
    errors = checker.check("accounting", "GET", "/Contacts", 200, contacts(Nickname="Acme"))
    assert errors == ["GET /Contacts 200: /Contacts/0/Nickname: undeclared key 'Nickname'"]


def test_envelope_is_checked(checker):
    body = contacts()
    body["Status"] = "FAILED"
    body["Extra"] = 1
    errors = checker.check("accounting", "GET", "/Contacts", 200, body)
    assert errors == [
        "GET /Contacts 200: /Extra: undeclared key 'Extra'",
        "GET /Contacts 200: /Status: 'FAILED' is not one of ['OK']",
    ]


def test_path_template_matches_an_id(checker):
    path = f"/Contacts/{CONTACT_ID}"
    assert checker.check("accounting", "GET", path, 200, CONTACTS) == []
    assert checker.check("accounting", "get", path.lower(), 200, CONTACTS) == []
    assert checker.check("accounting", "GET", f"/api.xro/2.0{path}", 200, CONTACTS) == []
    errors = checker.check("accounting", "POST", path, 200, contacts(ContactStatus="FOO"))
    assert errors == [f"POST {path} 200: {NOT_A_STATUS}"]
    online = {"OnlineInvoices": [{"OnlineInvoiceUrl": "https://in.xero.com/abc"}]}
    path = f"/Invoices/{INVOICE_ID}/OnlineInvoice"
    assert checker.check("accounting", "GET", path, 200, online) == []


def test_unknown_combination_reports_one_error(checker):
    assert checker.check("accounting", "GET", "/Nope", 200, b"{}") == [
        "GET /Nope 200: not in the OpenAPI file"
    ]
    assert checker.check("accounting", "PATCH", "/Contacts", 200, CONTACTS) == [
        "PATCH /Contacts 200: not in the OpenAPI file"
    ]
    assert checker.check("accounting", "GET", "/Contacts", 404, {"Message": "gone"}) == [
        "GET /Contacts 404: not in the OpenAPI file"
    ]


def test_body_that_is_not_json_fails(checker):
    (error,) = checker.check("accounting", "GET", "/Contacts", 200, b"<Contacts/>")
    assert error.startswith("GET /Contacts 200: /: body is not JSON")


def test_validation_exception_matches_the_400_response(checker):
    assert checker.check("accounting", "PUT", "/Contacts", 400, VALIDATION_EXCEPTION) == []
    assert checker.check("accounting", "POST", "/Invoices", 400, VALIDATION_EXCEPTION) == []
    body = dict(VALIDATION_EXCEPTION, ErrorNumber="10")
    assert checker.check("accounting", "PUT", "/Contacts", 400, body) == [
        "PUT /Contacts 400: /ErrorNumber: '10' is not of type 'integer'"
    ]


def test_identity_connections_list(checker):
    assert checker.check("identity", "GET", "/Connections", 200, CONNECTIONS) == []
    assert checker.check("identity", "GET", "/connections", 200, json.dumps(CONNECTIONS)) == []
    body = [dict(CONNECTIONS[0], tenantId="fe79", createdDateUtc="yesterday")]
    assert checker.check("identity", "GET", "/Connections", 200, body) == [
        "GET /Connections 200: /0/tenantId: 'fe79' is not a 'uuid'",
        "GET /Connections 200: /0/createdDateUtc: 'yesterday' is not a 'date-time'",
    ]


def test_no_content_passes(checker):
    path = f"/Invoices/{INVOICE_ID}/Email"
    assert checker.check("accounting", "POST", path, 204, b"") == []
    path = f"/Connections/{CONNECTIONS[0]['id']}"
    assert checker.check("identity", "DELETE", path, 204, "") == []
    assert checker.check("accounting", "GET", "/Nope", 404, b"  ") == []


def test_checks_run_in_parallel(checker):
    def check(body):
        return checker.check("accounting", "GET", "/Contacts", 200, body)

    bodies = [contacts(), contacts(ContactStatus="FOO")] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(check, bodies))
    assert results == [[], [f"GET /Contacts 200: {NOT_A_STATUS}"]] * 20
