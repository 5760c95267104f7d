"""A CSV import safe to repeat and undoable: skip what is already stored, record what is written, undo it.

While an import writes (campaigns.imports._write), a `Recorder` looks at each
batch before the upsert:

- a row naming an object whose stored values equal the file's is skipped (a
  re-imported file writes nothing: "N rows already imported, skipped");
- a touchpoint without an external_id gets a fingerprint, a hash of its fields
  and of its rank among identical rows of the file; a fingerprint already stored
  means the row was imported before, and it is skipped (the API's touchpoints
  have none: they are appended, as API.md says);
- for every row written it keeps the key, the previous values of an updated row
  (None for a created one) and, read back after the write, a hash of the values
  written.

`undo` reverses one import in one transaction: created rows are deleted,
updated ones restored with their previous values, campaigns the import
created deleted, and the days touched recorded for recompute. It is refused,
and nothing is undone, when any of those rows changed since (a later import or
an API write: its hash differs) or an object it created is now used by other
rows; undoing only the unchanged part would leave a mixture nobody asked for.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import ProtectedError, Q
from django.utils import timezone

from accounts import audit
from accounts.models import AuditAction, Workspace
from accounts.tenancy import workspace_scope
from campaigns import resources, services, validation
from campaigns.changes import record_change
from campaigns.models import ImportJob, Touchpoint

# An import writing more rows than this keeps no undo record (the record would outgrow the file).
MAX_UNDO_ROWS = 50_000
# Changed rows named in a refused undo's message.
EXAMPLES_SHOWN = 5
FINGERPRINT = "import_fingerprint"
_CHUNK = validation.MAX_BATCH


class UndoRefused(Exception):
    """The import cannot be undone; the message says why. Nothing was changed."""


def _plain(value: Any) -> Any:
    """A JSON value: timestamps as ISO 8601 in UTC, dates as ISO, amounts as strings."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _digest(data: Mapping[str, Any]) -> str:
    text = json.dumps({k: _plain(v) for k, v in data.items()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _key_specs(resource: resources.DataResource) -> list[validation.FieldSpec]:
    return [spec for spec in resource.fields if spec.key]


def _key(resource: resources.DataResource, data: Mapping[str, Any]) -> tuple[str | None, ...] | None:
    """The row's key; None when it has none (a touchpoint without external_id: fingerprinted instead).

    An optional key field left empty is a key value of its own (a web stat without a campaign), kept as None.
    """
    specs = _key_specs(resource)
    values = tuple(data.get(spec.name) for spec in specs)
    keyless = FINGERPRINT in resource.write.extra_columns
    if any(v is None and (spec.required or keyless) for spec, v in zip(specs, values, strict=True)):
        return None
    return tuple(None if v is None else str(_plain(v)) for v in values)


def _stored(resource: resources.DataResource, keys: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], models.Model]:
    """The current workspace's objects these keys name, by key (a superset queried, then made exact)."""
    found: dict[tuple[str, ...], models.Model] = {}
    specs = _key_specs(resource)
    for start in range(0, len(keys), _CHUNK):
        chunk = set(keys[start : start + _CHUNK])
        queryset = resource.list_query()
        for position, spec in enumerate(specs):
            lookup = f"{spec.name}__external_id__in" if spec.ref else f"{spec.name}__in"
            values = {key[position] for key in chunk}
            condition = Q(**{lookup: values - {None}})
            if None in values:
                condition |= Q(**{f"{spec.name}__isnull": True})
            queryset = queryset.filter(condition)
        for instance in queryset:
            key = _key(resource, services.object_as_input(resource=resource.write, instance=instance))
            if key in chunk:
                found[key] = instance
    return found


def _fingerprinted(fingerprints: Sequence[str]) -> dict[str, Touchpoint]:
    found: dict[str, Touchpoint] = {}
    for start in range(0, len(fingerprints), _CHUNK):
        chunk = fingerprints[start : start + _CHUNK]
        found.update((t.import_fingerprint, t) for t in Touchpoint.objects.filter(import_fingerprint__in=chunk))
    return found


def _hash_of(resource: resources.DataResource, instance: models.Model) -> str:
    return _digest(services.object_as_input(resource=resource.write, instance=instance))


@dataclass
class Pending:
    """A batch's rows to write, and what the recorder keeps of them once written."""

    items: list[dict[str, Any]]
    extras: list[dict[str, Any]]
    keys: list[tuple[str, ...]]
    previous: list[dict[str, Any] | None]
    fingerprints: list[str]


@dataclass
class Recorder:
    """What one import skips and writes (module docstring)."""

    resource: resources.DataResource
    rows: list[list[Any]] = field(default_factory=list)
    campaigns: list[list[Any]] = field(default_factory=list)
    skipped: int = 0
    _occurrences: Counter = field(default_factory=Counter)

    @property
    def fingerprints_rows(self) -> bool:
        return FINGERPRINT in self.resource.write.extra_columns

    def prepare(self, items: list[dict[str, Any]]) -> Pending:
        """The batch's rows that change something, with their fingerprints; the others counted as skipped."""
        parsed, _errors = self.resource.spec.parse_rows(items)  # the check pass found them valid
        keyed = [(item, row, _key(self.resource, row)) for item, row in zip(items, parsed, strict=True)]
        stored = _stored(self.resource, [key for _item, _row, key in keyed if key is not None])
        printed = {}
        if self.fingerprints_rows:
            for _item, row, key in keyed:
                if key is None:
                    printed[id(row)] = self._fingerprint(row)
        known = _fingerprinted(list(printed.values())) if printed else {}
        pending = Pending([], [], [], [], [])
        for item, row, key in keyed:
            previous = None
            if key is not None:
                instance = stored.get(key)
                if instance is not None:
                    previous = services.object_as_input(resource=self.resource.write, instance=instance)
                    if self.resource.spec.parse_rows([previous])[0][0] == row:
                        self.skipped += 1
                        continue
            fingerprint = printed.get(id(row))
            if fingerprint is not None and fingerprint in known:
                self.skipped += 1
                continue
            pending.items.append(item)
            pending.extras.append({FINGERPRINT: fingerprint})
            pending.keys.append(key if key is not None else ("#", fingerprint or ""))
            pending.previous.append(None if previous is None else {k: _plain(v) for k, v in previous.items()})
            if fingerprint is not None:
                pending.fingerprints.append(fingerprint)
        return pending

    def _fingerprint(self, row: Mapping[str, Any]) -> str:
        """The row's fields, normalised, and its rank among identical rows of this file."""
        base = _digest({k: v for k, v in row.items() if k != "external_id"})
        self._occurrences[base] += 1
        return hashlib.sha256(f"{base}:{self._occurrences[base]}".encode()).hexdigest()

    def written(self, pending: Pending) -> None:
        """Read the batch's rows back and keep their hashes, for undo's "changed since" check."""
        if len(self.rows) + len(pending.keys) > MAX_UNDO_ROWS:
            self.rows.append(None)  # marks the record as too big; the log says so
            return
        by_key = _stored(self.resource, [k for k in pending.keys if k[0] != "#"])
        by_print = _fingerprinted(pending.fingerprints)
        for key, previous in zip(pending.keys, pending.previous, strict=True):
            instance = by_print.get(key[1]) if key[0] == "#" else by_key.get(key)
            if instance is not None:
                self.rows.append([list(key), _hash_of(self.resource, instance), previous])

    def campaigns_created(self, external_ids: Sequence[str]) -> None:
        stored = _stored(resources.CAMPAIGNS, [(e,) for e in external_ids])
        self.campaigns = [[key[0], _hash_of(resources.CAMPAIGNS, instance)] for key, instance in stored.items()]

    def log(self) -> dict[str, Any]:
        written = len(self.rows)
        if None in self.rows:
            return {"too_big": written, "campaigns": self.campaigns}
        return {"rows": self.rows, "campaigns": self.campaigns}


# ---------------------------------------------------------------- undo


def undoable(job: ImportJob) -> bool:
    return job.status == ImportJob.Status.DONE and job.undone_at is None and "rows" in job.undo_log


def undo(*, workspace: Workspace, job_id: int, user: Any) -> str:
    """Undo one committed import (module docstring); returns what was done. Raises UndoRefused."""

    def work() -> str:
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not undoable(job):
            raise UndoRefused(_why_not(job))
        resource = resources.RESOURCES[job.resource]
        entries = job.undo_log["rows"]
        current = _current(resource, [tuple(key) for key, _hash, _previous in entries])
        campaigns = _stored(resources.CAMPAIGNS, [(e,) for e, _hash in job.undo_log.get("campaigns", [])])
        changed = [
            key
            for key, digest, _previous in entries
            if current.get(tuple(key)) is None or _hash_of(resource, current[tuple(key)]) != digest
        ]
        changed += [
            [e]
            for e, digest in job.undo_log.get("campaigns", [])
            if (e,) not in campaigns or _hash_of(resources.CAMPAIGNS, campaigns[(e,)]) != digest
        ]
        if changed:
            examples = ", ".join(
                " / ".join("(none)" if k is None else k for k in key if k != "#") for key in changed[:EXAMPLES_SHOWN]
            )
            raise UndoRefused(
                f"{len(changed):,} of the records this import wrote changed since (a later import or an API "
                f"write), such as {examples}: nothing was undone. Undo the later imports first."
            )
        created = [current[tuple(key)] for key, _digest, previous in entries if previous is None]
        restored = [previous for _key, _digest, previous in entries if previous is not None]
        _delete(workspace, resource.write, created)
        for start in range(0, len(restored), _CHUNK):
            try:
                resource.upsert(workspace=workspace, items=restored[start : start + _CHUNK])
            except services.BatchInvalid as exc:
                raise UndoRefused(
                    f"The previous values cannot be restored ({exc.errors[0].message}): nothing was undone."
                ) from None
        _delete(workspace, services.CAMPAIGNS, list(campaigns.values()))
        job.undone_at = timezone.now()
        job.undone_by = user if getattr(user, "is_authenticated", False) else None
        job.save(update_fields=["undone_at", "undone_by", "updated_at"])
        audit.record(
            AuditAction.IMPORT_UNDONE,
            workspace=workspace,
            target=("importjob", job.pk, job.filename),
            resource=job.resource,
            removed=len(created) + len(campaigns),
            restored=len(restored),
        )
        return (
            f"Import undone: {len(created) + len(campaigns):,} record(s) removed, {len(restored):,} restored. "
            "The KPIs of the dates they touch are being recomputed."
        )

    with workspace_scope(workspace):
        try:
            return services.run_in_transaction(work)
        except services.WriteConflict:
            raise UndoRefused("A concurrent change got in the way; nothing was undone. Try again.") from None


def _why_not(job: ImportJob | None) -> str:
    if job is None:
        return "No such import."
    if job.undone_at is not None:
        return "This import was already undone."
    if job.status != ImportJob.Status.DONE:
        return "Only a finished import can be undone."
    if "too_big" in job.undo_log:
        return f"This import wrote {job.undo_log['too_big']:,} rows or more: too many to keep an undo record."
    return "This import has no undo record (it was made before imports could be undone)."


def _current(resource: resources.DataResource, keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], models.Model]:
    found = _stored(resource, [k for k in keys if k[0] != "#"])
    found.update((("#", fp), t) for fp, t in _fingerprinted([k[1] for k in keys if k[0] == "#"]).items())
    return found


def _delete(workspace: Workspace, resource: services.Resource, instances: list[models.Model]) -> None:
    """Delete rows an import created, recording their days; refused while other rows still use them."""
    if not instances:
        return
    pks = [instance.pk for instance in instances]
    _refuse_if_used(resource.model, pks)
    if resource in (services.CAMPAIGNS, services.ACCOUNTS, services.LEADS):
        days: set[date | None] = {None}  # other rows route through them: every date (as object_delete)
    else:
        days = {getattr(i, c) for i in instances for c in resource.day_columns} - {None}
        if resource.related_days is not None:
            days |= resource.related_days(
                [{f.attname: getattr(i, f.attname) for f in resource.model._meta.concrete_fields} for i in instances]
            )
    for start in range(0, len(pks), _CHUNK):
        try:
            resource.model.objects.filter(pk__in=pks[start : start + _CHUNK]).delete()
        except ProtectedError:
            raise UndoRefused(_used_message(resource.model)) from None
    record_change(workspace=workspace, days=days)


def _refuse_if_used(model: type[models.Model], pks: list[int]) -> None:
    """Deleting a campaign, account or lead would cascade to, or clear a reference of, rows of others."""
    for relation in model._meta.related_objects:
        if not relation.many_to_one and not relation.one_to_one:
            continue
        related = relation.related_model
        if related is ImportJob or not hasattr(related, "objects"):
            continue
        for start in range(0, len(pks), _CHUNK):
            if related.objects.filter(**{f"{relation.field.name}__in": pks[start : start + _CHUNK]}).exists():
                raise UndoRefused(_used_message(model))


def _used_message(model: type[models.Model]) -> str:
    plural = str(model._meta.verbose_name_plural)
    return f"Some {plural} this import created are used by records added since: nothing was undone."
