"""Forms of the white label: an agency's brand, a workspace's own logo."""

from __future__ import annotations

import logging

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string

from accounts.branding import PRODUCT_BRAND, Brand, brand_for_agency, host_is_served
from accounts.contrast import check_brand_colour, normalise_hex
from accounts.logos import MAX_BYTES, clean_logo
from accounts.models import Agency

logger = logging.getLogger(__name__)

LOGO_ACCEPT = "image/png,image/jpeg,image/webp"
LOGO_HELP = (
    f"PNG, JPEG or WebP, at most {MAX_BYTES // 1024 // 1024} MB and 4096×4096 pixels; "
    "it is re-encoded and shrunk to fit 640×320. SVG is refused."
)


class _LogoFields(forms.Form):
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text=LOGO_HELP,
        widget=forms.FileInput(attrs={"accept": LOGO_ACCEPT}),
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        return clean_logo(upload) if upload else None


class AgencyBrandForm(_LogoFields, forms.ModelForm):
    class Meta:
        model = Agency
        fields = [
            "brand_name",
            "brand_primary_colour",
            "brand_accent_colour",
            "email_sender_name",
            "email_reply_to",
            "custom_host",
        ]
        labels = {
            "brand_name": "Brand name",
            "brand_primary_colour": "Primary colour",
            "brand_accent_colour": "Accent colour",
            "email_sender_name": "Email sender name",
            "email_reply_to": "Reply-to address",
            "custom_host": "Own host name",
        }
        help_texts = {
            "brand_name": "Shown instead of “Pulse KPI” on your clients' pages, reports and emails. "
            "Leave empty to show the product's brand.",
            "brand_primary_colour": "Buttons, links and active tabs, e.g. #1f4e99. White text must be readable "
            "on it (contrast at least 4.5:1).",
            "brand_accent_colour": "The stripe above the header and the brand name's highlight, e.g. #8a3ffc "
            "(contrast at least 4.5:1 on white).",
            "email_sender_name": "The From name of invitations and password resets (the brand name when empty).",
            "email_reply_to": "Where replies to those emails go.",
            "custom_host": "e.g. reports.your-agency.com: point its DNS at this site and ask the operator to add "
            "it to ALLOWED_HOSTS. Under it, pages show only your brand and your clients.",
        }
        error_messages = {"custom_host": {"unique": "Another agency uses this host name already."}}
        widgets = {
            "brand_primary_colour": forms.TextInput(attrs={"placeholder": "#1f4e99", "size": 8}),
            "brand_accent_colour": forms.TextInput(attrs={"placeholder": "#8a3ffc", "size": 8}),
        }

    field_order = [
        "brand_name",
        "logo",
        "remove_logo",
        "brand_primary_colour",
        "brand_accent_colour",
        "email_sender_name",
        "email_reply_to",
        "custom_host",
    ]

    def _clean_colour(self, field: str, role: str) -> str:
        value = self.cleaned_data.get(field, "").strip()
        if not value:
            return ""
        value = normalise_hex(value)
        check_brand_colour(value, role)
        return value

    def clean_brand_primary_colour(self) -> str:
        return self._clean_colour("brand_primary_colour", "primary")

    def clean_brand_accent_colour(self) -> str:
        return self._clean_colour("brand_accent_colour", "accent")

    def clean_custom_host(self) -> str | None:
        value = (self.cleaned_data.get("custom_host") or "").strip().lower().rstrip(".")
        return value or None

    @property
    def host_waiting_for_operator(self) -> bool:
        """A saved host this site does not answer on yet (not in ALLOWED_HOSTS)."""
        host = self.instance.custom_host
        return bool(host) and not host_is_served(host)


class WorkspaceLogoForm(_LogoFields):
    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("logo") and not cleaned.get("remove_logo"):
            raise ValidationError("Choose an image to upload, or tick “Remove the current logo”.")
        return cleaned


def brand_for_user(user) -> Brand:
    """The brand of someone's emails: their agency's when all their access goes through one agency."""
    agencies = list(
        Agency.objects.filter(Q(memberships__user=user) | Q(workspaces__memberships__user=user)).distinct()[:2]
    )
    return brand_for_agency(agencies[0]) if len(agencies) == 1 else PRODUCT_BRAND


class BrandedPasswordResetForm(PasswordResetForm):
    """Password resets under the brand: the host's agency, else the person's one agency, else the product."""

    def save(self, *args, request=None, **kwargs):
        self.host_agency = getattr(request, "host_agency", None)
        return super().save(*args, request=request, **kwargs)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ) -> None:
        brand = self.host_agency.brand if self.host_agency else brand_for_user(context["user"])
        context = {**context, "brand": brand}
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        message = EmailMultiAlternatives(
            subject,
            render_to_string(email_template_name, context),
            brand.from_email,
            [to_email],
            reply_to=brand.reply_to_list,
        )
        try:
            message.send()
        except Exception:  # as Django's own form: a failed send must not tell whether the account exists
            logger.exception("Failed to send a password reset email to %s", context["user"].pk)
