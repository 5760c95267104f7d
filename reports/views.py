"""The reports pages under /w/<slug>/reports/, and the unsubscribe link (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from accounts import audit
from accounts.access import WorkspaceViewMixin
from accounts.branding import brand_for_workspace
from accounts.models import AuditAction
from accounts.roles import Can
from accounts.tenancy import workspace_scope
from kpis.periods import Period
from kpis.views.state import local_today
from reports import periods, schedules
from reports.content import build_report
from reports.forms import CommentaryForm, ScheduleForm, TemplateForm
from reports.models import Commentary, Comparison, Coverage, Recipient, ReportTemplate, Schedule
from reports.pdf import render_pdf, report_html
from reports.sections import DEFAULT_SECTIONS
from reports.tokens import recipient_id_from


class ReportsMixin(WorkspaceViewMixin):
    read_capability = Can.VIEW
    write_capability = Can.EDIT_DATA


def _choice(request, name: str, choices, default: str) -> str:
    value = request.GET.get(name, "")
    return value if value in dict(choices) else default


def chosen_report(request, workspace):
    """The report a preview asks for: ?coverage, ?comparison, ?template (all optional)."""
    coverage = _choice(request, "coverage", Coverage.choices, Coverage.LAST_MONTH)
    comparison = _choice(request, "comparison", Comparison.choices, Comparison.PREVIOUS)
    period = periods.covered_period(coverage, local_today(workspace))
    sections = DEFAULT_SECTIONS
    template_id = request.GET.get("template", "")
    if template_id:
        template = ReportTemplate.objects.filter(pk=template_id).first() if template_id.isdigit() else None
        if template is None:
            raise Http404("No such report template.")
        sections = template.sections
    commentary = Commentary.objects.filter(first_day=period.first, last_day=period.last).first()
    return build_report(
        workspace,
        period,
        periods.comparison_period(comparison, coverage, period),
        section_keys=sections,
        commentary=commentary.text if commentary else "",
    )


class ReportsHomeView(ReportsMixin, TemplateView):
    template_name = "reports/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            schedules=[
                (s, periods.next_send(s, now), s.deliveries.first())
                for s in Schedule.objects.select_related("workspace", "template")
            ],
            templates=ReportTemplate.objects.all(),
            coverages=Coverage.choices,
            comparisons=Comparison.choices,
        )
        return context


class ReportPreviewView(ReportsMixin, TemplateView):
    """The report as a page: the same HTML the PDF is laid out from."""

    template_name = "reports/preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = chosen_report(self.request, self.workspace)
        context.update(report=report, query=self.request.GET.urlencode(), templates=ReportTemplate.objects.all())
        return context


class ReportPdfView(ReportsMixin, View):
    def get(self, request, *args, **kwargs):
        report = chosen_report(request, self.workspace)
        if request.GET.get("format") == "html":
            return HttpResponse(report_html(report))
        response = HttpResponse(render_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{schedules.pdf_filename(report)}"'
        return response


class ScheduleFormView(ReportsMixin, TemplateView):
    template_name = "reports/schedule.html"

    def get_schedule(self) -> Schedule | None:
        schedule_id = self.kwargs.get("schedule_id")
        if schedule_id is None:
            return None
        schedule = Schedule.objects.filter(pk=schedule_id).select_related("workspace").first()
        if schedule is None:
            raise Http404("No such schedule.")
        return schedule

    def get(self, request, *args, **kwargs):
        schedule = self.get_schedule()
        form = ScheduleForm(instance=schedule, workspace=self.workspace)
        return self.render_to_response(self.get_context_data(form=form, schedule=schedule))

    def post(self, request, *args, **kwargs):
        schedule = self.get_schedule()
        form = ScheduleForm(request.POST, instance=schedule, workspace=self.workspace)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, schedule=schedule), status=400)
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.workspace = self.workspace
            if saved.created_by_id is None:
                saved.created_by = request.user
            saved.save()
            recipients = form.cleaned_data["recipients"]
            Recipient.objects.filter(schedule=saved).exclude(email__in=recipients).delete()
            known = set(Recipient.objects.filter(schedule=saved).values_list("email", flat=True))
            for email in recipients:
                if email not in known:
                    Recipient.objects.create(schedule=saved, email=email)
            audit.record(
                AuditAction.SCHEDULE_SAVED,
                workspace=self.workspace,
                target=("schedule", saved.pk, saved.name),
                fields=form.changed_data,
                recipients=len(recipients),
            )
        messages.success(request, f"Schedule “{saved.name}” saved.")
        return redirect("reports-schedule", self.workspace.slug, saved.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        schedule = kwargs.get("schedule")
        if schedule is not None:
            context.update(
                next_send=periods.next_send(schedule, timezone.now()),
                deliveries=schedule.deliveries.all()[:30],
                recipients=schedule.recipients.all(),
            )
        return context


class SchedulePreviewSendView(ReportsMixin, View):
    """ "Send me a preview now": the latest period's report to the signed-in person only."""

    def post(self, request, *args, **kwargs):
        schedule = Schedule.objects.filter(pk=kwargs["schedule_id"]).select_related("workspace").first()
        if schedule is None:
            raise Http404("No such schedule.")
        if not request.user.email:
            messages.error(request, "Your account has no email address to send a preview to.")
        else:
            schedules.preview_queue(schedule, request.user.email, timezone.now())
            messages.success(request, f"A preview is on its way to {request.user.email}.")
        return redirect("reports-schedule", self.workspace.slug, schedule.pk)


class ScheduleDeleteView(ReportsMixin, View):
    def post(self, request, *args, **kwargs):
        with transaction.atomic():
            schedule = Schedule.objects.filter(pk=kwargs["schedule_id"]).first()
            if schedule is None:
                raise Http404("No such schedule.")
            schedule.delete()
            audit.record(
                AuditAction.SCHEDULE_DELETED,
                workspace=self.workspace,
                target=("schedule", kwargs["schedule_id"], schedule.name),
            )
        messages.success(request, "Schedule deleted.")
        return redirect("reports-home", self.workspace.slug)


class TemplateFormView(ReportsMixin, TemplateView):
    template_name = "reports/template.html"

    def get_template(self) -> ReportTemplate:
        template_id = self.kwargs.get("template_id")
        if template_id is None:
            return ReportTemplate(sections=list(DEFAULT_SECTIONS))
        template = ReportTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise Http404("No such report template.")
        return template

    def get(self, request, *args, **kwargs):
        template = self.get_template()
        form = TemplateForm(instance=template)
        form.section_keys = list(template.sections)
        return self.render_to_response(self.get_context_data(form=form, template=template))

    def post(self, request, *args, **kwargs):
        template = self.get_template()
        form = TemplateForm(request.POST, instance=template)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, template=template), status=400)
        if template.pk is None:
            template.workspace = self.workspace
        saved = form.save()
        messages.success(request, f"Template “{saved.name}” saved.")
        return redirect("reports-template", self.workspace.slug, saved.pk)


class CommentaryView(ReportsMixin, TemplateView):
    """A period's executive summary: the account manager's words, starting from a generated draft."""

    template_name = "reports/commentary.html"

    def period(self) -> tuple[str, Period]:
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        coverage = source.get("coverage", "")
        coverage = coverage if coverage in dict(Coverage.choices) else Coverage.LAST_MONTH
        return coverage, periods.covered_period(coverage, local_today(self.workspace))

    def get(self, request, *args, **kwargs):
        coverage, period = self.period()
        saved = Commentary.objects.filter(first_day=period.first, last_day=period.last).first()
        draft = build_report(self.workspace, period, periods.comparison_period(Comparison.PREVIOUS, coverage, period))
        initial = saved.text if saved else draft.summary
        form = CommentaryForm(initial={"text": initial})
        return self.render_to_response(
            self.get_context_data(form=form, coverage=coverage, period=period, saved=saved, draft=draft.summary)
        )

    def post(self, request, *args, **kwargs):
        coverage, period = self.period()
        form = CommentaryForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(form=form, coverage=coverage, period=period, saved=None, draft=""), status=400
            )
        Commentary.objects.update_or_create(
            first_day=period.first,
            last_day=period.last,
            workspace=self.workspace,
            defaults={"text": form.cleaned_data["text"], "updated_by": request.user},
        )
        messages.success(request, "Summary saved: scheduled reports of this period will carry it.")
        return redirect(f"{request.path}?coverage={coverage}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["coverages"] = Coverage.choices
        return context


@method_decorator(csrf_exempt, name="dispatch")  # the signed token is the credential; mail clients POST one-click
class UnsubscribeView(View):
    def recipient(self, token: str) -> Recipient:
        recipient_id = recipient_id_from(token)
        if recipient_id is None:
            raise Http404("This unsubscribe link is not valid.")
        recipient = Recipient.objects.unscoped().select_related("schedule__workspace").filter(pk=recipient_id).first()
        if recipient is None:
            raise Http404("This unsubscribe link is not valid.")
        return recipient

    def get(self, request, token: str):
        recipient = self.recipient(token)
        return render(request, "reports/unsubscribe.html", self.context(recipient))

    def post(self, request, token: str):
        recipient = self.recipient(token)
        with workspace_scope(recipient.schedule.workspace):  # the row is the workspace's (row-level security)
            Recipient.objects.filter(pk=recipient.pk, unsubscribed_at=None).update(unsubscribed_at=timezone.now())
            recipient.refresh_from_db(fields=["unsubscribed_at"])  # keeps the schedule it was read with
        return render(request, "reports/unsubscribe.html", self.context(recipient))

    def context(self, recipient: Recipient) -> dict:
        brand = brand_for_workspace(recipient.schedule.workspace)
        return {"recipient": recipient, "done": recipient.unsubscribed_at is not None, "brand": brand}
