"""A person's daily digest: the opt-in and the one-per-day delivery guard."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from accounts.models import validate_time_zone


class DigestSubscription(models.Model):
    """Whether a person gets the daily digest, and at which hour of which time zone (off by default)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest")
    enabled = models.BooleanField(default=False)
    hour = models.PositiveSmallIntegerField(default=8, validators=[MaxValueValidator(23)])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} — {'on' if self.enabled else 'off'} at {self.hour:02d}:00 {self.time_zone}"


class DigestDelivery(models.Model):
    """One digest day of one person: claimed before sending, so a second run sends nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the person's local date
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0)  # lines in the digest; 0 = nothing to say, nothing sent

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="health_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user} — {self.day.isoformat()}"
