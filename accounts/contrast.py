"""Colour contrast (WCAG 2.x) for an agency's brand colours.

The pages use the primary colour as the background of buttons and active tabs
under white text, and as link text on the page background; the accent colour
as text on the white header and as a stripe above it. Both must reach AA's
4.5:1 for normal text wherever they are used.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
AA_TEXT = 4.5
WHITE = "#ffffff"
PAGE_BACKGROUND = "#f6f7fb"  # --bg in static/css/app.css
PAGE_TEXT = "#1d2433"  # --ink
DARK_LINK_BACKGROUND = "#26304d"  # --brand-bg in dark mode: the lightest surface links sit on


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def normalise_hex(value: str) -> str:
    value = value.strip()
    if not HEX_COLOUR.match(value):
        raise ValidationError(f"“{value}” is not a colour: write it as # and six hex digits, such as #1f4e99.")
    return value.lower()


def check_brand_colour(colour: str, role: str) -> None:
    """Refuse a colour that white text on it, or it as text on the page background, would make unreadable."""
    on_white = contrast_ratio(colour, WHITE)
    on_page = contrast_ratio(colour, PAGE_BACKGROUND)
    if min(on_white, on_page) < AA_TEXT:
        raise ValidationError(
            f"The {role} colour {colour} has a contrast ratio of {on_white:.2f}:1 with white text on it "
            f"and {on_page:.2f}:1 as text on the page background ({PAGE_BACKGROUND}); WCAG AA needs at "
            f"least {AA_TEXT}:1. Choose a darker colour."
        )


def tint_readable_on(colour: str, background: str, ratio: float = AA_TEXT) -> str:
    """`colour` mixed with the least white (in 5 % steps) that reaches `ratio` on a dark `background`.

    Dark mode writes a brand's links in this tint: the brand colour itself, checked
    against white and the light page, is usually too dark to read on a dark page.
    """
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(21):
        share = step / 20
        mixed = "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in (r, g, b))
        if contrast_ratio(mixed, background) >= ratio:
            return mixed
    return WHITE
