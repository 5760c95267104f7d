"""The brand a page, share link, report or email shows: the product's, or an agency's white label.

One interface for every surface: `brand_for_workspace` for what belongs to a
client workspace, `brand_for_agency` for an agency's own pages and emails,
`brand_for_host` for a request that came in on an agency's own host name.
An agency is white-labelled once it has a brand name; until then the product's
brand is shown (a workspace's own logo still replaces the product's mark).

For emails: `from_email` (the brand's sender name on DEFAULT_FROM_EMAIL's
address), `reply_to_list`, `base_url` (links on the agency's own host when it has
one). For PDFs: `logo_file`, the logo's name in default_storage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.files.storage import default_storage
from django.http.request import validate_host

from accounts.contrast import DARK_LINK_BACKGROUND, tint_readable_on

PRODUCT_NAME = "Pulse KPI"


@dataclass(frozen=True)
class Brand:
    name: str = PRODUCT_NAME
    logo_url: str = ""
    primary_colour: str = ""
    accent_colour: str = ""
    email_sender_name: str = PRODUCT_NAME
    reply_to: str = ""
    agency_id: int | None = None
    # The agency's own host name when ALLOWED_HOSTS lets the site answer on it.
    host: str = ""
    # The logo's name in default_storage (a PNG), for a PDF or an email that embeds the image itself.
    logo_file: str = ""

    @property
    def is_product(self) -> bool:
        return self.name == PRODUCT_NAME

    @property
    def base_url(self) -> str:
        """Where links in this brand's emails point: the agency's host, or SITE_URL."""
        if not self.host:
            return settings.SITE_URL
        scheme = settings.SITE_URL.split("://", 1)[0]
        return f"{scheme}://{self.host}"

    @property
    def logo_absolute_url(self) -> str:
        """The logo's URL for a page opened elsewhere (an email): on the brand's host or SITE_URL."""
        if not self.logo_url or "://" in self.logo_url:
            return self.logo_url
        return f"{self.base_url}{self.logo_url}"

    @property
    def from_email(self) -> str:
        """DEFAULT_FROM_EMAIL's address under the brand's sender name (the address itself stays the operator's)."""
        _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        return formataddr((self.email_sender_name, address or settings.DEFAULT_FROM_EMAIL))

    @property
    def reply_to_list(self) -> list[str]:
        return [self.reply_to] if self.reply_to else []

    @property
    def css_variables(self) -> str:
        """CSS custom properties overriding static/css/app.css's; empty for the product's colours."""
        parts = []
        if self.primary_colour:
            parts.append(f"--brand:{self.primary_colour};")
            parts.append(f"--link-dark:{tint_readable_on(self.primary_colour, DARK_LINK_BACKGROUND)};")
        if self.accent_colour:
            parts.append(f"--accent:{self.accent_colour};")
        return "".join(parts)


PRODUCT_BRAND = Brand()


def _logo_url(field) -> str:
    return default_storage.url(field.name) if field and field.name else ""


def host_is_served(host: str) -> bool:
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)


def brand_for_agency(agency) -> Brand:
    """The brand of an agency's pages and emails."""
    if agency is None or not agency.brand_name:
        return PRODUCT_BRAND
    host = agency.custom_host or ""
    return Brand(
        name=agency.brand_name,
        logo_url=_logo_url(agency.brand_logo),
        logo_file=agency.brand_logo.name or "",
        primary_colour=agency.brand_primary_colour,
        accent_colour=agency.brand_accent_colour,
        email_sender_name=agency.email_sender_name or agency.brand_name,
        reply_to=agency.email_reply_to,
        agency_id=agency.pk,
        host=host if host_is_served(host) else "",
    )


def brand_for_workspace(workspace) -> Brand:
    """The brand of a client workspace's pages, share links, reports and emails."""
    if workspace is None:
        return PRODUCT_BRAND
    brand = brand_for_agency(workspace.agency)
    if workspace.brand_logo:
        brand = replace(brand, logo_url=_logo_url(workspace.brand_logo), logo_file=workspace.brand_logo.name)
    return brand
