"""Confirmation of destructive actions: a <dialog> with JS (static/js/confirm.js), a page without.

Each destructive POST endpoint is listed once here by its URL name, with what the page asks. The
endpoints themselves are unchanged: the page only posts to them, as the dialog does. Add an action
with one line; use `{% confirm_button url label question %}` (accounts/templatetags/confirm.py) in its page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from accounts.selectors import agency_access_or_404, workspace_access_or_404


@dataclass(frozen=True)
class Confirmation:
    question: str
    consequence: str
    label: str
    fields: dict[str, str] = field(default_factory=dict)  # posted with the form (a shared endpoint's action)
    named: str = ""  # the dialog's question naming the thing, with {name}

    def question_for(self, name: str) -> str:
        return self.named.format(name=name) if name and self.named else self.question


CONFIRMATIONS: dict[str, Confirmation] = {
    "workspace-member-update": Confirmation(
        "Remove this person from the workspace?",
        "They lose access at once; invite them again to undo.",
        "Remove",
        {"action": "remove"},
        named="Remove {name} from the workspace?",
    ),
    "agency-member-update": Confirmation(
        "Remove this person from the agency?",
        "They lose access to every client of the agency at once.",
        "Remove",
        {"action": "remove"},
        named="Remove {name} from the agency?",
    ),
    "workspace-invitation-revoke": Confirmation(
        "Revoke this invitation?",
        "Its link stops working; invite the person again to undo.",
        "Revoke",
        named="Revoke the invitation of {name}?",
    ),
    "agency-invitation-revoke": Confirmation(
        "Revoke this invitation?",
        "Its link stops working; invite the person again to undo.",
        "Revoke",
        named="Revoke the invitation of {name}?",
    ),
    "api-key-revoke": Confirmation(
        "Revoke this API key?",
        "Every integration using it is refused from now on. It cannot be restored.",
        "Revoke",
        named="Revoke the API key “{name}”?",
    ),
    "share-link-revoke": Confirmation(
        "Revoke this share link?",
        "Whoever has the link can no longer open it. It cannot be restored.",
        "Revoke",
        named="Revoke the share link “{name}”?",
    ),
    "tracking-site-revoke": Confirmation(
        "Revoke this site key?",
        "Page views sent with it are refused from now on.",
        "Revoke",
        named="Revoke the site key “{name}”?",
    ),
    "kpis-target-delete": Confirmation(
        "Delete this target?",
        "Its progress disappears from the dashboard.",
        "Delete",
        named="Delete the target for {name}?",
    ),
    "kpis-annotation-delete": Confirmation(
        "Delete this annotation?",
        "Its note disappears from every chart.",
        "Delete",
        named="Delete the annotation of {name}?",
    ),
    "reports-schedule-delete": Confirmation(
        "Delete this report schedule?",
        "No more reports are sent by it.",
        "Delete",
        named="Delete the schedule “{name}”?",
    ),
    "data-import-undo": Confirmation(
        "Undo this import?", "Every row it wrote is deleted and the KPIs are recomputed.", "Undo the import"
    ),
}


def confirmation_for(path: str) -> tuple[Confirmation, dict] | None:
    """The confirmation of the action at `path` and its URL's arguments, None for any other path."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    confirmation = CONFIRMATIONS.get(match.url_name or "")
    return (confirmation, match.kwargs) if confirmation else None


def local_path(value: str | None, request) -> str | None:
    if value and value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return None


class ConfirmView(LoginRequiredMixin, TemplateView):
    """/confirm/?action=<path>&back=<path>: the question, and a form posting to the action (no JS needed).

    Only listed actions, and only in a workspace or agency the person reaches (a 404 otherwise).
    """

    template_name = "accounts/confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action = local_path(self.request.GET.get("action"), self.request)
        found = confirmation_for(action) if action else None
        if found is None:
            raise Http404("Nothing to confirm.")
        confirmation, url_kwargs = found
        if "workspace_slug" in url_kwargs:
            workspace_access_or_404(user=self.request.user, slug=url_kwargs["workspace_slug"])
        elif "agency_slug" in url_kwargs:
            agency_access_or_404(user=self.request.user, slug=url_kwargs["agency_slug"])
        context.update(
            confirmation=confirmation,
            action=action,
            back=local_path(self.request.GET.get("back"), self.request) or "/",
        )
        return context
