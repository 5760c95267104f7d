"""The API's JSON parser: numbers kept exact, and the document bounded before anything else reads it.

No field takes a number with more than 19 digits, nor a structure deeper
than an array of objects, and a full batch of 1,000 objects holds under
15,000 values, so the bounds here refuse nothing valid. They stop a tiny body
from costing seconds of CPU (`1e1000000` read as an integer is a
million-digit number) or a RecursionError (thousands of nested arrays), and a
large one from costing seconds to build millions of lists (`[[],[],…]`).
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
MAX_JSON_VALUES = 50_000

# A JSON string, escapes included (unrolled, so matching is linear).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')

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


class TooManyValues(ValueError):
    def __init__(self) -> None:
        super().__init__(f"a body may hold at most {MAX_JSON_VALUES:,} values (array items and object members).")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_DIGITS and len(literal.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise NumberOutOfBounds(literal)
    return int(literal)


def _bounded_decimal(literal: str) -> Decimal:
    """A number with a fraction or an exponent; checked on its text, before Decimal reads it."""
    if len(literal) <= MAX_NUMBER_DIGITS + 1 and "e" not in literal and "E" not in literal:
        return Decimal(literal)  # the usual case: a point, at most 40 digits, no exponent
    mantissa, _, exponent = literal.lower().partition("e")
    digits = len(mantissa) - mantissa.count("-") - mantissa.count(".")
    exponent = exponent.lstrip("+-").lstrip("0")
    if digits > MAX_NUMBER_DIGITS or len(exponent) > 3 or int(exponent or 0) > MAX_NUMBER_EXPONENT:
        raise NumberOutOfBounds(literal)
    return Decimal(literal)


def _check_depth(data: dict | list) -> None:
    """Level by level, without recursion; only containers are followed."""
    level = [data]
    for _ in range(MAX_JSON_DEPTH):
        level = [
            child
            for value in level
            for child in (value.values() if type(value) is dict else value)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return
    raise TooDeep()


def _values_at_most(text: str) -> int:
    """An upper bound on the values the text holds: commas, arrays and objects outside strings.

    Counted on the raw text first (a few ms for 5 MB); only when that is over
    the limit, which commas inside strings can make it, are strings left out.
    """
    count = text.count(",") + text.count("[") + text.count("{")
    if count > MAX_JSON_VALUES:
        bare = _STRING.sub("", text)
        count = bare.count(",") + bare.count("[") + bare.count("{")
    return count


def loads(text: str) -> Any:
    """Parse JSON text with the bounds above; a ValueError says what is wrong."""
    if _values_at_most(text) > MAX_JSON_VALUES:
        raise TooManyValues()
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
