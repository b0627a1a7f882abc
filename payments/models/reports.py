"""What the owner's reports need that no other table records: how often each workshop's
register page was opened (the top of the registration funnel).

The later funnel steps are read from the records that already say them (held and
confirmed registrations, check-ins, certificates), so nothing is counted twice. Page
opens are counted, not logged: one row per (day, workshop, kind) whose ``count`` is
incremented with ``F()``, so the table grows with days times workshops, not with visitors,
and a report sums a few hundred rows (``payments.services.funnel``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FunnelKind(models.TextChoices):
    REGISTER_OPENED = "register_opened", _("Register page opened")


class FunnelCount(models.Model):
    day = models.DateField(help_text=_("In the site's time zone."))
    workshop = models.ForeignKey("courses.Workshop", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=FunnelKind.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "workshop"]
        constraints = [
            # Also the index the reports read by (day range first).
            models.UniqueConstraint(fields=["day", "workshop", "kind"], name="funnel_count_unique")
        ]
        permissions = [("view_reports", "Can see the business reports (revenue, members)")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.workshop_id} · {self.day}: {self.count}"
