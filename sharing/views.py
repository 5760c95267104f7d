"""The workspace admins' page of share links: list, create (the URL shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.access import WorkspaceViewMixin
from accounts.roles import Can
from sharing import services
from sharing.forms import ShareLinkForm
from sharing.models import ShareLink


class ShareLinksView(WorkspaceViewMixin, TemplateView):
    template_name = "sharing/links.html"
    read_capability = Can.MANAGE_WORKSPACE
    write_capability = Can.MANAGE_WORKSPACE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["links"] = ShareLink.objects.select_related("campaign", "created_by").order_by("-created_at")
        context.setdefault("form", ShareLinkForm())
        return context

    def post(self, request, *args, **kwargs):
        form = ShareLinkForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        link, token = services.share_link_create(workspace=self.workspace, created_by=request.user, **form.cleaned_data)
        url = request.build_absolute_uri(reverse("shared-page", args=[token]))
        response = self.render_to_response(self.get_context_data(new_link=link, new_url=url))
        response["Cache-Control"] = "no-store"  # the only time the token is ever sent
        return response


class ShareLinkRevokeView(WorkspaceViewMixin, View):
    write_capability = Can.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def post(self, request, workspace_slug: str, link_id: int):
        link = get_object_or_404(ShareLink, pk=link_id)
        services.share_link_revoke(link)
        messages.success(request, f"Link “{link.name}” revoked: it opens nothing from now on.")
        return redirect("share-links", workspace_slug=self.workspace.slug)
