"""Creating, changing and deleting alert rules: the one place that writes them (the audit log hooks in here)."""

from __future__ import annotations

from django.db import transaction

from accounts import audit
from accounts.models import AuditAction, Workspace
from accounts.tenancy import workspace_scope
from alerts.models import AlertRule, RuleState
from alerts.webhooks import new_secret

# The fields a person sets on a rule (the form's and the API's).
EDITABLE = (
    "name",
    "kpi",
    "campaign",
    "channel",
    "condition",
    "threshold",
    "window",
    "severity",
    "renotify_minutes",
    "active",
    "webhook_url",
)
# Changing one of these makes the rule a new question: its state starts again from OK.
RESETS_STATE = ("kpi", "campaign", "channel", "condition", "threshold", "window")


def rule_create(*, workspace: Workspace, recipients=(), **fields) -> AlertRule:
    """A new rule; a webhook URL gets a fresh signing secret."""
    with workspace_scope(workspace), transaction.atomic():
        values = {name: fields[name] for name in EDITABLE if name in fields}
        if values.get("webhook_url"):
            values["webhook_secret"] = new_secret()
        rule = AlertRule.objects.create(**values)
        rule.recipients.set(recipients, through_defaults={"workspace": workspace})
        audit.record(AuditAction.ALERT_RULE_CREATED, workspace=workspace, target=rule, **_described(rule))
        return rule


def rule_update(*, workspace: Workspace, rule: AlertRule, recipients=None, **fields) -> AlertRule:
    with workspace_scope(workspace), transaction.atomic():
        changed = [name for name in EDITABLE if name in fields and getattr(rule, name) != fields[name]]
        for name in changed:
            setattr(rule, name, fields[name])
        if rule.webhook_url and not rule.webhook_secret:
            rule.webhook_secret = new_secret()
        if any(name in RESETS_STATE for name in changed):
            rule.state, rule.last_value = RuleState.OK, ""
        rule.save()
        if recipients is not None:
            rule.recipients.set(recipients, through_defaults={"workspace": workspace})
        if changed or recipients is not None:
            audit.record(AuditAction.ALERT_RULE_UPDATED, workspace=workspace, target=rule, changed=changed)
        return rule


def rule_secret_regenerate(*, workspace: Workspace, rule: AlertRule) -> str:
    """A new webhook secret for the rule (the old one stops verifying at once); shown once to the person."""
    with workspace_scope(workspace):
        rule.webhook_secret = new_secret()
        rule.save(update_fields=["webhook_secret", "updated_at"])
        audit.record(AuditAction.ALERT_SECRET_REGENERATED, workspace=workspace, target=rule)
        return rule.webhook_secret


def rule_delete(*, workspace: Workspace, rule_id: int) -> bool:
    with workspace_scope(workspace), transaction.atomic():
        rule = AlertRule.objects.filter(pk=rule_id).first()
        if rule is None:
            return False
        rule.delete()
        audit.record(AuditAction.ALERT_RULE_DELETED, workspace=workspace, target=("alertrule", rule_id, rule.name))
        return True


def _described(rule: AlertRule) -> dict:
    """What the audit entry says of a rule (never its webhook secret)."""
    return {"kpi": rule.kpi, "condition": rule.condition, "threshold": str(rule.threshold), "window": rule.window}
