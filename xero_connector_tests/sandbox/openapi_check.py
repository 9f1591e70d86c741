"""Check the sandbox's JSON bodies against Xero's official OpenAPI files.

The files live next to the checkout (``<checkout>/../shared/xero-openapi/``); without
them checking is off. Each response body is validated with OpenAPI 3.0 semantics
(``openapi-schema-validator`` on top of ``jsonschema``) against the schema the file
gives for its path, method and status. On top of the spec, keys that an object's
schema does not declare are reported, so the sandbox cannot invent fields.
"""

import json
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from jsonschema import FormatChecker, ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "xero-openapi"
SPEC_FILES = {"accounting": "xero_accounting.yaml", "identity": "xero-identity.yaml"}

# Every Accounting API answer wraps its payload in these keys, which the spec's
# envelope schemas (Contacts, Invoices, ...) leave out.
ENVELOPE_SCHEMA = {
    "type": "object",
    "properties": {
        "Id": {"type": "string", "format": "uuid"},
        "Status": {"type": "string", "enum": ["OK"]},
        "ProviderName": {"type": "string"},
        "DateTimeUTC": {"type": "string", "x-is-msdate-time": True},
    },
}
# Xero echoes the submitted object in a ValidationException's Elements (the spec's
# own examples do), but the Element schema declares only ValidationErrors and IDs.
OPEN_SCHEMAS = ("Element",)
OPEN_MARK = "x-sandbox-undeclared-keys-allowed"
# Fields of the newer OpenAPI file xero-python 15.2.0 was built from (19.0.0) that this
# v16.1.0 copy lacks: the SDK reads them, so the sandbox may send them.
QUANTITY = {"type": "number", "format": "double", "x-is-money": True}
NEWER_PROPERTIES = {
    "Item": {"QuantityAvailable": QUANTITY, "QuantityOnBackOrder": QUANTITY},
}

METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
MAX_ERRORS = 50
MAX_MESSAGE = 200
# What xero-python's "date[ms-format]"/"datetime[ms-format]" deserializers accept
# ("2019-08" is BudgetBalance.Period's form).
MS_DATE = re.compile(r"/Date\(-?\d+(?:[+-](?:\d{2}|\d{4}))?\)/\Z")
YEAR_MONTH = re.compile(r"\d{4}-\d{2}\Z")
# ISO 8601 with an optional zone: the Identity API sends "2019-12-07T18:46:19.5165400".
ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?\Z"
)

_PROPERTIES = OAS30ReadValidator.VALIDATORS["properties"]


def available() -> bool:
    """Whether the OpenAPI files are there, so that bodies can be checked."""
    return all((SPEC_DIR / name).is_file() for name in SPEC_FILES.values())


def _properties(validator, properties, instance, schema):
    """The ``properties`` keyword, also reporting keys the schema does not declare."""
    yield from _PROPERTIES(validator, properties, instance, schema)
    if not validator.is_type(instance, "object") or schema.get(OPEN_MARK):
        return
    if schema.get("additionalProperties", False) is not False:
        return
    for key in instance:
        if key not in properties:
            yield ValidationError(f"undeclared key {key!r}", path=(key,))


def _type(validator, data_type, instance, schema):
    """OAS 3.0 ``type`` and ``nullable``, one error per value (the library's gives two for null)."""
    if instance is None and schema.get("nullable") is True:
        return
    if not validator.is_type(instance, data_type):
        shown = "null" if instance is None else repr(instance)
        yield ValidationError(f"{shown} is not of type {data_type!r}")


def _ms_date(validator, enabled, instance, schema):
    """Xero's ``x-is-msdate`` strings must be what xero-python can parse."""
    if not enabled or not isinstance(instance, str):
        return
    if not (MS_DATE.match(instance) or YEAR_MONTH.match(instance)):
        yield ValidationError(f"{instance!r} is not a Xero /Date(milliseconds±zone)/ string")


def _iso_datetime(value):
    return not isinstance(value, str) or ISO_DATETIME.match(value) is not None


def _format_checker():
    """The OAS 3.0 formats (uuid, int32, double...), with Xero's zone-less date-times."""
    checker = FormatChecker(formats=())
    checker.checkers.update(OAS30ReadValidator.FORMAT_CHECKER.checkers)
    checker.checks("date-time")(_iso_datetime)
    return checker


ResponseValidator = extend(
    OAS30ReadValidator,
    validators={
        "properties": _properties,
        "type": _type,
        "x-is-msdate": _ms_date,
        "x-is-msdate-time": _ms_date,
    },
)
FORMAT_CHECKER = _format_checker()
ENVELOPE_VALIDATOR = ResponseValidator(ENVELOPE_SCHEMA, format_checker=FORMAT_CHECKER)


def _escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def _pointer(tokens):
    return "/" + "/".join(_escape(token) for token in tokens)


def _shorten(message):
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def _is_empty(body):
    return isinstance(body, (bytes, str)) and not body.strip()


def _decode(body):
    return json.loads(body) if isinstance(body, (bytes, str)) else body


def _load_yaml(path):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as stream:
        return yaml.load(stream, Loader=loader)


class _Route:
    """One path template of the spec, e.g. ``/Contacts/{ContactID}``."""

    def __init__(self, template, item):
        self.template = template
        self.item = item
        self.segments = tuple(
            None if part.startswith("{") else part.lower() for part in template.split("/")[1:]
        )
        self.literals = sum(part is not None for part in self.segments)

    def matches(self, parts):
        return len(parts) == len(self.segments) and all(
            expected is None or expected == part.lower()
            for expected, part in zip(self.segments, parts, strict=True)
        )


class _Spec:
    """One parsed OpenAPI file with its routes and cached validators."""

    def __init__(self, name, path):
        self.name = name
        self.document = _load_yaml(path)
        self.uri = path.resolve().as_uri()
        servers = self.document.get("servers") or [{"url": ""}]
        self.base = urlsplit(servers[0]["url"]).path.rstrip("/").lower()
        self.envelope = name == "accounting"
        schemas = self.document.get("components", {}).get("schemas", {})
        for schema_name in OPEN_SCHEMAS:
            schema = schemas.get(schema_name)
            if schema is not None:
                schema[OPEN_MARK] = True
        for schema_name, properties in NEWER_PROPERTIES.items():
            if self.envelope and schema_name in schemas:
                declared = schemas[schema_name].setdefault("properties", {})
                for key, schema in properties.items():
                    declared.setdefault(key, schema)
        routes = [_Route(template, item) for template, item in self.document["paths"].items()]
        # most literal segments first; the spec's order among equals
        self.routes = sorted(routes, key=lambda route: -route.literals)
        self.registry = Registry().with_resource(self.uri, DRAFT4.create_resource(self.document))
        self._validators = {}
        self._lock = threading.Lock()

    def resolve(self, node):
        """Follow local ``$ref``s; returns the JSON pointer reached and its node."""
        pointer = None
        while isinstance(node, dict) and "$ref" in node:
            pointer = node["$ref"].removeprefix("#")
            node = self.document
            for token in pointer.split("/")[1:]:
                node = node[token.replace("~1", "/").replace("~0", "~")]
        return pointer, node

    def find_response(self, method, path, status):
        """The response object for a request, and its JSON pointer, or (None, None)."""
        if path.lower().startswith(self.base + "/"):
            path = path[len(self.base) :]
        parts = path.rstrip("/").split("/")[1:] if path != "/" else []
        method = method.lower()
        for route in self.routes:
            operation = route.item.get(method) if method in METHODS else None
            if not route.matches(parts) or not isinstance(operation, dict):
                continue
            responses = operation.get("responses", {})
            for key in (str(status), status, "default"):
                if key in responses:
                    pointer = _pointer(("paths", route.template, method, "responses", key))
                    ref_pointer, response = self.resolve(responses[key])
                    return response, ref_pointer or pointer
        return None, None

    def validator(self, pointer):
        with self._lock:
            validator = self._validators.get(pointer)
            if validator is None:
                validator = ResponseValidator(
                    {"$ref": f"{self.uri}#{pointer}"},
                    registry=self.registry,
                    format_checker=FORMAT_CHECKER,
                )
                self._validators[pointer] = validator
            return validator

    def split_envelope(self, schema, instance, status):
        """Separate the Accounting API's envelope keys from the payload."""
        if not (self.envelope and 200 <= status < 300 and isinstance(instance, dict)):
            return instance, None
        declared = self.resolve(schema)[1].get("properties", {})
        extra = ENVELOPE_SCHEMA["properties"].keys() - declared.keys()
        envelope = {key: value for key, value in instance.items() if key in extra}
        if not envelope:
            return instance, None
        payload = {key: value for key, value in instance.items() if key not in envelope}
        return payload, envelope

    def errors(self, schema_pointer, schema, instance, status):
        payload, envelope = self.split_envelope(schema, instance, status)
        yield from self.validator(schema_pointer).iter_errors(payload)
        if envelope is not None:
            yield from ENVELOPE_VALIDATOR.iter_errors(envelope)


class OpenApiChecker:
    """Validates response bodies against Xero's OpenAPI files; thread-safe."""

    _shared = None
    _shared_lock = threading.Lock()

    def __init__(self, spec_dir=SPEC_DIR):
        self.specs = {name: _Spec(name, Path(spec_dir) / file) for name, file in SPEC_FILES.items()}

    @classmethod
    def shared(cls) -> "OpenApiChecker | None":
        """The process-wide checker, or None when the OpenAPI files are absent."""
        if not available():
            return None
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def check(
        self, api: str, method: str, path: str, status: int, body: bytes | str | dict | list
    ) -> list[str]:
        """Errors of a response body; ``path`` is relative to the API base, no query."""
        spec = self.specs[api]
        prefix = f"{method.upper()} {path} {status}"
        if int(status) == 204 or _is_empty(body):
            return []
        response, pointer = spec.find_response(method, path, status)
        if response is None:
            return [f"{prefix}: not in the OpenAPI file"]
        content = response.get("content") or {}
        if not content:
            return [f"{prefix}: /: the OpenAPI file declares no body for this response"]
        if "application/json" not in content:
            return []  # not a JSON answer (PDF, attachment): nothing to validate
        try:
            instance = _decode(body)
        except ValueError as error:
            return [f"{prefix}: /: body is not JSON ({error})"]
        schema_pointer = f"{pointer}/content/application~1json/schema"
        schema = content["application/json"].get("schema", {})
        return self._report(prefix, spec.errors(schema_pointer, schema, instance, int(status)))

    @staticmethod
    def _report(prefix, errors):
        messages = []
        for count, error in enumerate(errors):
            if count == MAX_ERRORS:
                messages.append(f"{prefix}: /: more errors left out")
                break
            location = _pointer(error.absolute_path)
            messages.append(f"{prefix}: {location}: {_shorten(error.message)}")
        return messages
