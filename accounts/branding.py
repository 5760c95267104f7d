"""The brand a page, share link, report or email shows: the product's, or an agency's white label.

One interface for every surface: `brand_for_workspace` for what belongs to a
client workspace, `brand_for_agency` for an agency's own pages and emails.
The white-label settings fill these in; until an agency sets them, the
product's brand is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

PRODUCT_NAME = "Pulse KPI"


@dataclass(frozen=True)
class Brand:
    name: str = PRODUCT_NAME
    logo_url: str = ""
    primary_colour: str = ""
    accent_colour: str = ""
    email_sender_name: str = PRODUCT_NAME
    reply_to: str = ""

    @property
    def is_product(self) -> bool:
        return self.name == PRODUCT_NAME


PRODUCT_BRAND = Brand()


def brand_for_agency(agency) -> Brand:
    """The brand of an agency's pages and emails."""
    return PRODUCT_BRAND


def brand_for_workspace(workspace) -> Brand:
    """The brand of a client workspace's pages, share links, reports and emails."""
    if workspace is None:
        return PRODUCT_BRAND
    return brand_for_agency(workspace.agency)
