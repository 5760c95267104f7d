"""The API's JSON parser: numbers kept exact, and the document bounded before anything else reads it.

No field takes a number with more than 19 digits, nor a structure deeper
than an array of objects, so the bounds here refuse nothing valid. They stop
a tiny body from costing seconds of CPU (`1e1000000` read as an integer is a
million-digit number) or a RecursionError (thousands of nested arrays).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from rest_framework import exceptions, parsers

MAX_JSON_DEPTH = 32
MAX_NUMBER_DIGITS = 40
MAX_NUMBER_EXPONENT = 40

_NUMBER = re.compile(r"-?(?P<whole>\d+)(?:\.(?P<fraction>\d+))?(?:[eE](?P<exponent>[-+]?\d+))?")
_NUMBER_BOUNDS = (
    f"a number may have at most {MAX_NUMBER_DIGITS} digits and an exponent "
    f"between -{MAX_NUMBER_EXPONENT} and {MAX_NUMBER_EXPONENT}"
)


class NumberOutOfBounds(ValueError):
    def __init__(self, literal: str) -> None:
        shown = literal if len(literal) <= 24 else f"{literal[:20]}…"
        super().__init__(f"{shown} is refused: {_NUMBER_BOUNDS}.")


class TooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"arrays and objects nested more than {MAX_JSON_DEPTH} levels deep are refused.")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _bounded_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise NumberOutOfBounds(literal)
    return int(literal)


def _bounded_decimal(literal: str) -> Decimal:
    """A number with a fraction or an exponent; checked on its text, before Decimal reads it."""
    match = _NUMBER.fullmatch(literal)  # the JSON scanner hands over valid number literals only
    if match is None:
        raise NumberOutOfBounds(literal)
    digits = len(match["whole"]) + len(match["fraction"] or "")
    exponent = (match["exponent"] or "0").lstrip("+-").lstrip("0")
    if digits > MAX_NUMBER_DIGITS or len(exponent) > 3 or int(exponent or 0) > MAX_NUMBER_EXPONENT:
        raise NumberOutOfBounds(literal)
    return Decimal(literal)


def _check_depth(data: Any) -> None:
    """Iteratively, so a deep document costs no recursion here either."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise TooDeep()
        children = value.values() if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def loads(text: str) -> Any:
    """Parse JSON text with the bounds above; a ValueError says what is wrong."""
    try:
        data = json.loads(text, parse_float=_bounded_decimal, parse_int=_bounded_int, parse_constant=_reject_constant)
    except RecursionError:
        raise TooDeep() from None
    if isinstance(data, dict | list):
        _check_depth(data)
    return data


class JSONParser(parsers.JSONParser):
    """JSON with numbers that have a fraction kept as Decimal, so money keeps its exact digits."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            return loads(stream.read().decode(encoding))
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
