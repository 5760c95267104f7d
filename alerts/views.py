"""Alert rule pages under /w/<workspace>/alerts/: editors and admins manage, viewers read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from accounts.roles import Can
from alerts import selectors, services
from alerts.forms import RuleForm, initial_of
from alerts.models import AlertEvent, NotificationAttempt

HISTORY_PAGE_SIZE = 20
SECRET_SESSION_KEY = "alerts:new-secret"


def _remember_secret(request, rule_id: int, secret: str) -> None:
    """The secret for the rule's next page view only: it is shown once."""
    request.session[SECRET_SESSION_KEY] = {"rule": rule_id, "secret": secret}


class RuleListView(WorkspaceViewMixin, TemplateView):
    template_name = "alerts/rule_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rules"] = selectors.rule_list(workspace=self.workspace)
        return context


class RuleFormMixin(WorkspaceViewMixin):
    template_name = "alerts/rule_form.html"
    read_capability = Can.EDIT_DATA

    def form(self, data=None, initial=None) -> RuleForm:
        return RuleForm(data, initial=initial, workspace=self.workspace)


class RuleCreateView(RuleFormMixin, TemplateView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        rule = services.rule_create(workspace=self.workspace, **form.cleaned_data)
        if rule.webhook_secret:
            _remember_secret(request, rule.pk, rule.webhook_secret)
        messages.success(request, "Alert rule created: it is checked after every recompute of the workspace's KPIs.")
        return redirect("alerts-rule", workspace_slug=self.workspace.slug, rule_id=rule.pk)


class RuleObjectMixin:
    def get_rule(self):
        rule = selectors.rule_get(workspace=self.workspace, rule_id=self.kwargs["rule_id"])
        if rule is None:
            raise Http404("No such alert rule.")
        return rule


class RuleEditView(RuleObjectMixin, RuleFormMixin, TemplateView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rule = kwargs.get("rule") or self.get_rule()
        context.update(rule=rule)
        context.setdefault("form", self.form(initial=initial_of(rule)))
        return context

    def post(self, request, *args, **kwargs):
        rule = self.get_rule()
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, rule=rule), status=400)
        had_secret = bool(rule.webhook_secret)
        rule = services.rule_update(workspace=self.workspace, rule=rule, **form.cleaned_data)
        if rule.webhook_secret and not had_secret:
            _remember_secret(request, rule.pk, rule.webhook_secret)
        messages.success(request, "Alert rule saved.")
        return redirect("alerts-rule", workspace_slug=self.workspace.slug, rule_id=rule.pk)


class RuleDeleteView(RuleObjectMixin, WorkspaceViewMixin, TemplateView):
    """GET asks for confirmation; POST deletes."""

    template_name = "alerts/rule_delete.html"
    read_capability = Can.EDIT_DATA

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rule"] = self.get_rule()
        return context

    def post(self, request, *args, **kwargs):
        if not services.rule_delete(workspace=self.workspace, rule_id=self.kwargs["rule_id"]):
            raise Http404("No such alert rule.")
        messages.success(request, "Alert rule deleted, with its history.")
        return redirect("alerts-list", workspace_slug=self.workspace.slug)


class RuleSecretView(RuleObjectMixin, WorkspaceViewMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        rule = self.get_rule()
        if not rule.webhook_url:
            raise Http404("This rule has no webhook.")
        _remember_secret(request, rule.pk, services.rule_secret_regenerate(workspace=self.workspace, rule=rule))
        messages.success(request, "New signing secret: the old one no longer verifies.")
        return redirect("alerts-rule", workspace_slug=self.workspace.slug, rule_id=rule.pk)


class RuleDetailView(RuleObjectMixin, WorkspaceViewMixin, TemplateView):
    template_name = "alerts/rule_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rule = self.get_rule()
        events = Paginator(AlertEvent.objects.filter(rule=rule), HISTORY_PAGE_SIZE)
        attempts = Paginator(NotificationAttempt.objects.filter(rule=rule), HISTORY_PAGE_SIZE)
        shown = self.request.session.get(SECRET_SESSION_KEY)
        secret = ""
        if shown and shown.get("rule") == rule.pk and self.capabilities and Can.EDIT_DATA in self.capabilities:
            secret = shown["secret"]
            del self.request.session[SECRET_SESSION_KEY]
        context.update(
            rule=rule,
            recipients=list(rule.recipients.values_list("email", flat=True).order_by("email")),
            events=events.get_page(self.request.GET.get("events")),
            attempts=attempts.get_page(self.request.GET.get("log")),
            secret=secret,
        )
        return context
