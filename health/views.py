"""The data health page (/w/<slug>/health/) and the daily digest's settings (/account/digest/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from accounts.access import WorkspaceViewMixin
from accounts.selectors import workspaces_for_user
from health import status
from health.forms import DigestSettingsForm
from health.models import DigestSubscription


class HealthView(WorkspaceViewMixin, TemplateView):
    """Per resource and per source: last data, today against the usual day, rejected rows, failed imports, stale."""

    template_name = "health/health.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            workspace=self.workspace,
            health=status.workspace_health(self.workspace),
            rules=status,
        )
        return context


class DigestSettingsView(LoginRequiredMixin, FormView):
    """A person's own daily digest: on or off, and the local hour it comes at."""

    template_name = "health/digest_settings.html"
    form_class = DigestSettingsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        user = self.request.user
        subscription = DigestSubscription.objects.filter(user=user).first()
        if subscription is None:
            # A first visit offers the time zone of the person's first client (their agency's usual one).
            first = workspaces_for_user(user=user).first()
            subscription = DigestSubscription(user=user, time_zone=first.time_zone if first else "UTC")
        kwargs["instance"] = subscription
        return kwargs

    def form_valid(self, form):
        form.save()
        messages.success(
            self.request,
            "Daily digest on." if form.instance.enabled else "Daily digest off: no digest emails will be sent.",
        )
        return redirect("digest-settings")
