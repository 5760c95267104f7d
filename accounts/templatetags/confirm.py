"""`{% confirm_button url label name=… %}`: a destructive POST that asks first (accounts/confirmations.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from accounts.confirmations import confirmation_for

register = template.Library()


@register.inclusion_tag("accounts/_confirm_button.html", takes_context=True)
def confirm_button(context, action: str, label: str, name: str = "", detail: str = "", danger: bool = True) -> dict:
    """A form posting to `action` whose button opens a dialog (JS) or the confirmation page (no JS).

    `name` names the thing ("Revoke the API key “Zapier”?"); `detail` is read by screen readers after
    the label, for buttons that repeat in a table ("Remove" + " alice@example.com").
    """
    request = context["request"]
    found = confirmation_for(action)
    if found is None:
        raise template.TemplateSyntaxError(f"No confirmation listed for {action} in accounts/confirmations.py")
    confirmation, _kwargs = found
    back = request.get_full_path()
    return {
        "action": action,
        "label": label,
        "detail": detail,
        "danger": danger,
        "question": confirmation.question_for(name),
        "consequence": confirmation.consequence,
        "confirm_label": confirmation.label,
        "fields": confirmation.fields.items(),
        "page_url": f"{reverse('confirm')}?{urlencode({'action': action, 'back': back})}",
        "csrf_token": context.get("csrf_token"),
    }
