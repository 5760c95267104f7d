"""Targets: editors set a target per KPI and period; everyone with access sees progress."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView, View

from accounts.access import WorkspaceViewMixin
from accounts.roles import Can
from kpis import display, forecasts, periods, selectors
from kpis.catalog import KPIS, Kind
from kpis.targets import (
    TargetPeriodKind,
    TargetPeriodValue,
    forecast_verdict,
    progress_against,
    target_delete,
    target_list,
    target_set,
)
from kpis.views.cards import level_sentence, target_sentence
from kpis.views.exports import csv_response, export_name
from kpis.views.state import DashboardStateMixin, local_today


class TargetForm(forms.Form):
    kpi = forms.ChoiceField(label="KPI", choices=[(n, KPIS[n].label) for n in KPIS.where(targetable=True)])
    period_kind = forms.ChoiceField(label="Period", choices=TargetPeriodKind.choices, initial=TargetPeriodKind.MONTH)
    starts_on = forms.DateField(
        label="Starting",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Any day of the month, quarter or year: the target covers the whole of it.",
    )
    value = forms.DecimalField(label="Target", max_digits=16, decimal_places=4)

    def clean_starts_on(self) -> date:
        starts_on = self.cleaned_data["starts_on"]
        if not periods.supported_day(starts_on):
            raise forms.ValidationError(f"{periods.DATES_MESSAGE}.")
        return starts_on

    def clean(self):
        cleaned = super().clean()
        kpi, value = cleaned.get("kpi"), cleaned.get("value")
        if kpi is None or value is None:
            return cleaned
        info = KPIS[kpi]
        if info.kind == Kind.RATE:
            if kpi == "roi":
                if value < -100:
                    self.add_error("value", "An ROI cannot be below −100 %.")
            elif not 0 <= value <= 100:
                self.add_error("value", "A rate target is a percentage between 0 and 100.")
            cleaned["value"] = value / 100
        elif value < 0:
            self.add_error("value", "A target cannot be negative.")
        elif info.kind == Kind.COUNT and value != value.to_integral_value():
            self.add_error("value", "A count target is a whole number.")
        return cleaned


class TargetsView(DashboardStateMixin, WorkspaceViewMixin, TemplateView):
    """Editors set a target per KPI and period; everyone with access sees progress."""

    template_name = "kpis/targets.html"
    read_capability = Can.VIEW
    write_capability = Can.EDIT_DATA

    def get(self, request, *args, **kwargs):
        self.dispatch_state()
        if request.GET.get("export") == "targets":
            targets = target_list(workspace=self.workspace)
            return csv_response(
                export_name(self.workspace, "targets"),
                ["kpi", "period_kind", "starts_on", "ends_on", "value"],
                ([t.kpi, t.period_kind, t.starts_on, t.ends_on, t.value] for t in targets),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.state_context(campaigns=False))
        targets = target_list(workspace=self.workspace)
        ws = self.workspace
        today = local_today(ws)
        # Progress of each started target over its own period, to date (one read per distinct period);
        # targets that ended more than a year ago are listed without figures.
        current = [t for t in targets if t.starts_on <= today and (today - t.ends_on).days <= 366]
        by_period: dict[tuple[date, date], dict] = {}
        for target in current:
            key = (target.starts_on, min(target.ends_on, today))
            by_period.setdefault(key, {}).setdefault(target.kpi, []).append(target)
        progress = {}
        values_of: dict[int, object] = {}
        for (first, last), kpis in by_period.items():
            values = selectors.kpis_for_period(workspace=ws, first_day=first, last_day=last, metrics=list(kpis))
            for kpi, ts in kpis.items():
                for t in ts:
                    to_date = periods.Period(first, last)
                    values_of[t.pk] = values[kpi]
                    progress[t.pk] = (
                        display.format_kpi(kpi, values[kpi], ws.currency),
                        progress_against(kpi, values[kpi], to_date, [TargetPeriodValue(t.period, t.value)]),
                    )
        outlook = target_forecasts(ws, [t for t in current if t.ends_on >= today], today)
        rows = []
        for t in targets:
            actual, target_progress = progress.get(t.pk, (None, None))
            rows.append(
                {
                    "target": t,
                    "period_label": target_period_label(t),
                    "value_text": display.format_kpi(t.kpi, t.value, ws.currency),
                    "actual": actual,
                    "progress": target_progress,
                    "progress_text": display.format_percent(target_progress.progress) if target_progress else "",
                    "sentence": self.progress_sentence(t, values_of.get(t.pk), target_progress, today),
                    "is_future": t.starts_on > today,
                    "forecast": outlook.get(t.pk),
                }
            )
        context.update(rows=rows, today=today)
        context.setdefault("form", TargetForm(initial={"starts_on": today.replace(day=1), "period_kind": "month"}))
        return context

    def progress_sentence(self, target, actual, progress, today) -> str:
        """A running target's progress in words: paced for sums, against the level for the others."""
        if progress is None or actual is None:
            return ""
        if progress.projected is not None:
            return target_sentence(target.kpi, actual, progress, self.workspace.currency, today)
        return level_sentence(target.kpi, actual, target.value, self.workspace.currency)

    def post(self, request, *args, **kwargs):
        self.dispatch_state()
        form = TargetForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        target = target_set(workspace=self.workspace, **form.cleaned_data)
        messages.success(request, f"Target saved: {target.get_kpi_display()} for {target_period_label(target)}.")
        return redirect("kpis-targets", workspace_slug=self.workspace.slug)


def target_forecasts(workspace, targets, today: date) -> dict[int, dict[str, str]]:
    """ "Will we reach it?" for the running targets of the forecast KPIs: one history read and fit per KPI."""
    by_kpi: dict[str, list] = {}
    for target in targets:
        if target.kpi in forecasts.FORECAST_KPIS:
            by_kpi.setdefault(target.kpi, []).append(target)
    answers = {}
    for kpi, ts in by_kpi.items():
        model, values = forecasts.period_forecasts(
            workspace=workspace, kpi=kpi, today=today, periods=[(t.starts_on, t.ends_on) for t in ts]
        )
        for target, forecast in zip(ts, values, strict=True):
            if forecast is None:
                continue
            value, low, high = forecast

            def text(number: float, kpi=kpi) -> str:
                if KPIS[kpi].kind.is_money:  # a forecast's cents would claim a precision it has not
                    return display.format_money(forecasts.as_money(number), workspace.currency, whole=True)
                return display.format_kpi(kpi, round(number), workspace.currency)

            verdict = forecast_verdict(value, low, high, target.value)
            answers[target.pk] = {
                "text": f"forecast {text(value)} (80 %: {text(low)}–{text(high)})",
                "verdict": verdict,
                "model": model,
            }
    return answers


def target_period_label(target) -> str:
    """The target's month, quarter or year in the workspace's locale: "Dec 2026", "Q4 2026" ("Dez. 2026")."""
    return display.format_day(target.starts_on, target.period_kind)  # each period kind is one of format_day's styles


class TargetDeleteView(WorkspaceViewMixin, View):
    write_capability = Can.EDIT_DATA
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str, target_id: int):
        if not target_delete(workspace=self.workspace, target_id=target_id):
            raise Http404("No such target.")
        messages.success(request, "Target deleted.")
        return redirect("kpis-targets", workspace_slug=self.workspace.slug)
