"""Xero's ``where`` and ``order`` query parameters, evaluated against stored objects.

Xero filters with a Dynamic LINQ dialect. This module tokenizes the expression,
parses it by recursive descent into closures and never evaluates Python code.
Keywords, type names, methods and member names are matched case-insensitively,
as Dynamic LINQ does; string comparisons themselves are case-sensitive.
"""

from __future__ import annotations

import operator
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any

__all__ = ["WhereError", "compile_order", "compile_where"]

UTC = timezone.utc


class WhereError(ValueError):
    """A filter Xero would refuse; str(error) is the message the sandbox returns to the client."""


# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<number>\d+(?:\.\d+)?)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<name>[A-Za-z_]\w*)
    |(?P<op>==|!=|<>|<=|>=|&&|\|\||[<>=!().,-])
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, op or end
    text: str
    position: int

    def is_op(self, *texts: str) -> bool:
        return self.kind == "op" and self.text in texts

    def is_word(self, *words: str) -> bool:
        return self.kind == "name" and self.text.upper() in words

    def describe(self) -> str:
        return "end of expression" if self.kind == "end" else repr(self.text)


def _error(message: str, position: int) -> WhereError:
    return WhereError(f"Invalid where clause: {message} at position {position}")


def _tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens; positions are 0-based character indexes."""
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position] == '"':
                raise _error("unterminated string", position)
            raise _error(f"unexpected character {text[position]!r}", position)
        if match.lastgroup != "space":
            tokens.append(_Token(match.lastgroup, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _unescape(literal: str) -> str:
    """The value of a double-quoted string token."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), literal[1:-1], flags=re.DOTALL)


# ---------------------------------------------------------------- values


def _lookup(mapping: dict, key: str) -> Any:
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    return next(
        (v for k, v in mapping.items() if isinstance(k, str) and k.casefold() == folded), None
    )


def _resolve(obj: Any, path: tuple[str, ...]) -> Any:
    """Follow a dotted member path through nested dicts; anything missing is None."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = _lookup(obj, key)
    return obj


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _parse_temporal(text: str) -> date | datetime | None:
    """An ISO date or date-time (aware, UTC), or None when ``text`` is neither."""
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return _utc(datetime.fromisoformat(text.removesuffix("Z").removesuffix("z")))
    except ValueError:
        return None


def _normalise(value: Any) -> tuple[str, Any]:
    """Classify a value as (kind, comparable form)."""
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, (int, Decimal)):
        return "number", Decimal(value)
    if isinstance(value, float):
        return "number", Decimal(str(value))
    if isinstance(value, datetime):
        return "datetime", _utc(value)
    if isinstance(value, date):
        return "date", value
    if isinstance(value, uuid.UUID):
        return "guid", value
    if isinstance(value, str):
        return "str", value
    return "other", value


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    except ValueError:
        return None


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both values in one comparable form, or None when their types do not compare."""
    (left_kind, left), (right_kind, right) = _normalise(left), _normalise(right)
    kinds = {left_kind, right_kind}
    if len(kinds) == 1 and "other" not in kinds:
        return left, right
    if kinds == {"guid", "str"}:
        left, right = _as_uuid(left), _as_uuid(right)
        return None if left is None or right is None else (left, right)
    if kinds == {"date", "datetime"}:
        return _as_date(left), _as_date(right)
    if "str" in kinds and kinds & {"date", "datetime"}:
        if left_kind == "str":
            left = _parse_temporal(left)
        else:
            right = _parse_temporal(right)
        return None if left is None or right is None else _comparable(left, right)
    return None


_COMPARATORS = {
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def _compare(symbol: str, left: Any, right: Any) -> bool:
    """Xero's comparison: null only equals null, other incompatible types never match."""
    compare = _COMPARATORS[symbol]
    if left is None or right is None:
        return compare in (operator.eq, operator.ne) and compare(left is None, right is None)
    pair = _comparable(left, right)
    return pair is not None and compare(*pair)


# ---------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class _Node:
    evaluate: Callable[[dict], Any]
    kind: str  # bool, string, number, date, guid, null, or any (a member)
    position: int


def _constant(value: Any, kind: str, position: int) -> _Node:
    return _Node(lambda _obj: value, kind, position)


def _predicate(method: Callable[[str, str], bool]) -> Callable[[Any, list], bool]:
    def call(subject: Any, arguments: list) -> bool:
        (argument,) = arguments
        return isinstance(subject, str) and isinstance(argument, str) and method(subject, argument)

    return call


def _transform(method: Callable[[str], str]) -> Callable[[Any, list], str | None]:
    def call(subject: Any, _arguments: list) -> str | None:
        return method(subject) if isinstance(subject, str) else None

    return call


# lower-case name: (argument count, result kind, implementation)
_METHODS = {
    "contains": (1, "bool", _predicate(lambda s, a: a in s)),
    "startswith": (1, "bool", _predicate(str.startswith)),
    "endswith": (1, "bool", _predicate(str.endswith)),
    "tolower": (0, "string", _transform(str.lower)),
    "toupper": (0, "string", _transform(str.upper)),
}


def _any_of(nodes: list[_Node]) -> _Node:
    evaluators = [node.evaluate for node in nodes]
    return _Node(lambda obj: any(e(obj) is True for e in evaluators), "bool", nodes[0].position)


def _all_of(nodes: list[_Node]) -> _Node:
    evaluators = [node.evaluate for node in nodes]
    return _Node(lambda obj: all(e(obj) is True for e in evaluators), "bool", nodes[0].position)


# ---------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over the tokens; each rule returns a :class:`_Node`.

    condition  := and (OR and)*
    and        := unary (AND unary)*
    unary      := NOT unary | comparison
    comparison := operand (comparator operand)?
    operand    := primary ("." method "(" arguments ")")*
    primary    := literal | member | "(" condition ")"
    """

    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.index = 0

    def parse(self) -> _Node:
        node = self._or()
        token = self._peek()
        if token.is_op(")"):
            raise _error("unbalanced ')'", token.position)
        if token.kind != "end":
            raise _error(f"unexpected {token.describe()}", token.position)
        return self._condition(node)

    # -- token helpers

    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        token = self._peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def _expect(self, kind: str, text: str | None = None) -> _Token:
        token = self._peek()
        if token.kind != kind or (text is not None and token.text != text):
            if text == ")" and token.kind == "end":
                raise _error("unbalanced '(', missing ')'", token.position)
            wanted = repr(text) if text else f"a {kind}"
            raise _error(f"expected {wanted}, found {token.describe()}", token.position)
        return self._next()

    def _keyword(self, word: str, symbol: str) -> bool:
        token = self._peek()
        if token.is_word(word) or token.is_op(symbol):
            self._next()
            return True
        return False

    @staticmethod
    def _condition(node: _Node) -> _Node:
        if node.kind not in ("bool", "any"):
            raise _error(f"expected a condition, found a {node.kind} value", node.position)
        return node

    # -- boolean structure

    def _or(self) -> _Node:
        nodes = [self._and()]
        while self._keyword("OR", "||"):
            nodes.append(self._and())
        return nodes[0] if len(nodes) == 1 else _any_of([self._condition(n) for n in nodes])

    def _and(self) -> _Node:
        nodes = [self._unary()]
        while self._keyword("AND", "&&"):
            nodes.append(self._unary())
        return nodes[0] if len(nodes) == 1 else _all_of([self._condition(n) for n in nodes])

    def _unary(self) -> _Node:
        position = self._peek().position
        if self._keyword("NOT", "!"):
            operand = self._condition(self._unary())
            return _Node(lambda obj: operand.evaluate(obj) is not True, "bool", position)
        return self._comparison()

    def _comparison(self) -> _Node:
        left = self._operand()
        token = self._peek()
        if token.kind != "op" or token.text not in _COMPARATORS:
            return left
        self._next()
        right = self._operand()
        symbol = token.text
        return _Node(
            lambda obj: _compare(symbol, left.evaluate(obj), right.evaluate(obj)),
            "bool",
            left.position,
        )

    # -- values

    def _operand(self) -> _Node:
        node = self._primary()
        while self._peek().is_op("."):
            self._next()
            node = self._method(node, self._expect("name"))
        return node

    def _method(self, subject: _Node, name: _Token) -> _Node:
        if not self._peek().is_op("("):
            raise _error(f"unsupported member {name.text!r}", name.position)
        if name.text.lower() not in _METHODS:
            raise _error(f"unknown method {name.text!r}", name.position)
        count, kind, call = _METHODS[name.text.lower()]
        if subject.kind not in ("string", "any"):
            raise _error(f"{name.text} needs a string, not a {subject.kind}", name.position)
        arguments = self._arguments()
        if len(arguments) != count:
            raise _error(f"{name.text} takes {count} argument(s)", name.position)
        evaluators = [argument.evaluate for argument in arguments]
        return _Node(
            lambda obj: call(subject.evaluate(obj), [e(obj) for e in evaluators]),
            kind,
            subject.position,
        )

    def _arguments(self) -> list[_Node]:
        self._expect("op", "(")
        arguments = []
        if not self._peek().is_op(")"):
            arguments.append(self._or())
            while self._peek().is_op(","):
                self._next()
                arguments.append(self._or())
        self._expect("op", ")")
        return arguments

    def _primary(self) -> _Node:
        token = self._next()
        if token.kind == "string":
            return _constant(_unescape(token.text), "string", token.position)
        if token.kind == "number":
            return _constant(Decimal(token.text), "number", token.position)
        if token.is_op("-") and self._peek().kind == "number":
            return _constant(-Decimal(self._next().text), "number", token.position)
        if token.is_op("("):
            node = self._or()
            self._expect("op", ")")
            return node
        if token.kind == "name":
            return self._named(token)
        raise _error(f"expected a value, found {token.describe()}", token.position)

    def _named(self, token: _Token) -> _Node:
        word = token.text.upper()
        if word in ("TRUE", "FALSE"):
            return _constant(word == "TRUE", "bool", token.position)
        if word == "NULL":
            return _constant(None, "null", token.position)
        if word == "GUID" and self._peek().is_op("("):
            return self._guid(token)
        if word == "DATETIME" and self._peek().is_op("(", "."):
            return self._datetime(token)
        return self._member(token)

    def _member(self, first: _Token) -> _Node:
        path = [first.text]
        while (
            self._peek().is_op(".")
            and self._peek(1).kind == "name"
            and not self._peek(2).is_op("(")
        ):
            self._next()
            path.append(self._next().text)
        keys = tuple(path)
        return _Node(lambda obj: _resolve(obj, keys), "any", first.position)

    # -- typed literals

    def _literal_arguments(self, kind: str) -> list[_Token]:
        self._expect("op", "(")
        tokens = [self._expect(kind)]
        while self._peek().is_op(","):
            self._next()
            tokens.append(self._expect(kind))
        self._expect("op", ")")
        return tokens

    def _guid(self, token: _Token) -> _Node:
        (text,) = self._literal_arguments("string")
        value = _as_uuid(_unescape(text.text))
        if value is None:
            raise _error(f"invalid Guid {text.text}", text.position)
        return _constant(value, "guid", token.position)

    def _datetime(self, token: _Token) -> _Node:
        if self._peek().is_op("."):
            self._next()
            if not self._expect("name").is_word("PARSE"):
                raise _error("only DateTime.Parse is supported", token.position)
            return self._datetime_parse(token)
        parts = self._literal_arguments("number")
        if len(parts) not in (3, 6) or any("." in part.text for part in parts):
            raise _error("DateTime takes 3 or 6 whole numbers", token.position)
        try:
            value = datetime(*(int(part.text) for part in parts), tzinfo=UTC)
        except ValueError as error:
            raise _error(f"invalid DateTime ({error})", token.position) from None
        return _constant(value, "date", token.position)

    def _datetime_parse(self, token: _Token) -> _Node:
        (text,) = self._literal_arguments("string")
        value = _parse_temporal(_unescape(text.text))
        if value is None:
            raise _error(f"invalid date {text.text}", text.position)
        if not isinstance(value, datetime):
            value = datetime.combine(value, time(), UTC)
        return _constant(value, "date", token.position)


def compile_where(expression: str) -> Callable[[dict], bool]:
    """A predicate for Xero's ``where`` parameter; a blank expression matches everything."""
    if not expression.strip():
        return lambda _obj: True
    try:
        node = _Parser(expression).parse()
    except RecursionError:
        raise WhereError("Invalid where clause: expression nested too deeply") from None
    return lambda obj: node.evaluate(obj) is True


# ---------------------------------------------------------------- order

_ORDER_KEY = re.compile(
    r"\s*(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\s+(?P<direction>asc|desc))?\s*",
    re.IGNORECASE,
)
_SORT_GROUPS = {"bool": 1, "number": 2, "date": 3, "datetime": 3, "guid": 4, "str": 5}


def _sort_key(value: Any) -> tuple[int, Any]:
    """A total order: None first, then by type, strings case-insensitively."""
    if value is None:
        return 0, 0
    kind, value = _normalise(value)
    if kind == "date":
        value = datetime.combine(value, time(), UTC)
    elif kind == "str":
        value = value.casefold()
    elif kind == "other":
        value = 0
    return _SORT_GROUPS.get(kind, 6), value


def _parse_order(expression: str) -> list[tuple[tuple[str, ...], bool]]:
    keys = []
    for part in expression.split(","):
        match = _ORDER_KEY.fullmatch(part)
        if match is None:
            raise WhereError(f"Invalid order clause: cannot sort by {part.strip()!r}")
        descending = (match["direction"] or "ASC").upper() == "DESC"
        keys.append((tuple(match["path"].split(".")), descending))
    return keys


def compile_order(expression: str) -> Callable[[list[dict]], list[dict]]:
    """A stable sort for Xero's ``order`` parameter, e.g. ``"Contact.Name, Total DESC"``."""
    keys = _parse_order(expression) if expression.strip() else []

    def sort(records: list[dict]) -> list[dict]:
        result = list(records)
        for path, descending in reversed(keys):
            result.sort(key=lambda obj, p=path: _sort_key(_resolve(obj, p)), reverse=descending)
        return result

    return sort
