"""The dashboard layout editor: a workspace's (editors and admins) and an agency's default (owners and admins).

A plain POST form that works without JavaScript: the draft travels in hidden inputs (each section's
items in order), every button (up, down, hide, add, move a section) posts the draft with its
operation and gets the editor back with the draft changed, unsaved; "Save layout" saves it (audited).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect
from django.views.generic import TemplateView

from accounts.access import AgencyViewMixin, WorkspaceViewMixin
from accounts.roles import Can
from kpis import dashboard_layouts as layouts
from kpis.catalog import KPIS
from kpis.dashboard_layouts import CHARTS, HEADLINE_KEY, Layout

MOVES = {"up": -1, "down": 1}


class DraftError(ValueError):
    """An operation the draft cannot take (nothing chosen to add, an unknown section)."""


def item_label(key: str) -> str:
    if key in CHARTS:
        return f"Chart: {CHARTS[key].title}"
    return KPIS[key].label if key in KPIS else key


def draft_of(post: QueryDict) -> dict:
    """The layout the form holds, as `dashboard_layouts.validate` takes it."""
    return {
        "headline": post.getlist(f"items-{HEADLINE_KEY}"),
        "sections": [
            {"key": key, "items": post.getlist(f"items-{key}"), "open": post.get(f"open-{key}") == "on"}
            for key in post.getlist("section")
        ],
    }


def _items(draft: dict, key: str) -> list[str]:
    if key == HEADLINE_KEY:
        return draft["headline"]
    for section in draft["sections"]:
        if section["key"] == key:
            return section["items"]
    raise DraftError("That section is not on this dashboard.")


def _swap(items: list, index: int, step: int) -> None:
    other = index + step
    if 0 <= index < len(items) and 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]


def apply(draft: dict, op: str, post: QueryDict) -> dict:
    """The draft after one button's operation: `up:<section>:<item>`, `hide:…`, `add:<section>`, `section-up:<key>`…"""
    verb, _, rest = op.partition(":")
    key, _, item = rest.partition(":")
    if verb in ("section-up", "section-down"):
        keys = [s["key"] for s in draft["sections"]]
        if key in keys:
            _swap(draft["sections"], keys.index(key), MOVES[verb.removeprefix("section-")])
        return draft
    items = _items(draft, key)
    if verb in MOVES and item in items:
        _swap(items, items.index(item), MOVES[verb])
    elif verb == "hide" and item in items:
        items.remove(item)
    elif verb == "add":
        chosen = post.get(f"add-{key}", "")
        if not chosen:
            raise DraftError("Choose a card or chart to add.")
        if chosen not in items:
            items.append(chosen)
    elif verb not in MOVES and verb != "hide":
        raise DraftError("Unknown change.")
    return draft


def editor_rows(layout: Layout) -> dict:
    """What the editor lists: the headline and every section (those the layout lacks last, empty)."""
    titles = layouts.section_titles()
    sections = [*layout.sections]
    sections += [layouts.Section(key, title, [], False) for key, title in titles.items()
                 if key not in {s.key for s in sections}]  # fmt: skip
    every_kpi = [(name, KPIS[name].label) for name in KPIS]
    every_item = [*every_kpi, *((key, item_label(key)) for key in CHARTS)]

    def rows(key: str, title: str, items: list[str], *, open_: bool, choices) -> dict:
        return {
            "key": key,
            "title": title,
            "open": open_,
            "items": [(item, item_label(item)) for item in items],
            "addable": [(value, label) for value, label in choices if value not in items],
        }

    return {
        "headline": rows(HEADLINE_KEY, "Headline", layout.headline, open_=True, choices=every_kpi),
        "sections": [rows(s.key, s.title, s.items, open_=s.open, choices=every_item) for s in sections],
    }


class LayoutEditorMixin:
    """The editor's GET and POST; a subclass says whose layout it edits (`current`, `save`, `reset`, `done`)."""

    template_name = "kpis/layout_editor.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        layout = kwargs.get("draft_layout") or self.current()
        context.update(editor_rows(layout), source=self.current().source, draft=kwargs.get("draft_layout") is not None)
        return context

    def post(self, request, *args, **kwargs):
        op = request.POST.get("op", "save")
        if op == "reset":
            self.reset()
            messages.success(request, self.reset_message)
            return self.done()
        draft = draft_of(request.POST)
        try:
            if op != "save":
                draft = apply(draft, op, request.POST)
                return self.render_to_response(self.get_context_data(draft_layout=layouts.parse(draft, "draft")))
            self.save(draft)
        except (DraftError, ValidationError) as error:
            text = error.messages[0] if isinstance(error, ValidationError) else str(error)
            context = self.get_context_data(draft_layout=layouts.parse(draft, "draft"), error=text)
            return self.render_to_response(context, status=400)
        messages.success(request, "Dashboard layout saved.")
        return self.done()


class WorkspaceLayoutView(LayoutEditorMixin, WorkspaceViewMixin, TemplateView):
    """/w/<slug>/layout/: the workspace's layout (editors and admins; viewers 403, other tenants 404)."""

    read_capability = Can.EDIT_DATA
    write_capability = Can.EDIT_DATA
    reset_message = "This dashboard follows the agency's default again."

    def current(self) -> Layout:
        return layouts.resolve(self.workspace)

    def save(self, draft: dict) -> None:
        layouts.workspace_layout_save(workspace=self.workspace, data=draft)

    def reset(self) -> None:
        layouts.workspace_layout_reset(workspace=self.workspace)

    def done(self):
        return redirect("kpis-layout", workspace_slug=self.workspace.slug)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "scope": "workspace"}


class AgencyLayoutView(LayoutEditorMixin, AgencyViewMixin, TemplateView):
    """/agency/<slug>/layout/: the default of the agency's workspaces (owners and admins)."""

    reset_message = "The agency's default is the built-in layout again."

    def current(self) -> Layout:
        return layouts.agency_layout(self.agency)

    def save(self, draft: dict) -> None:
        layouts.agency_layout_save(agency=self.agency, data=draft)

    def reset(self) -> None:
        layouts.agency_layout_reset(agency=self.agency)

    def done(self):
        return redirect("agency-layout", agency_slug=self.agency.slug)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "scope": "agency"}
