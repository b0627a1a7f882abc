from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A therapist, member or staff user. The profile fields print on tickets and certificates."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(
        max_length=150, blank=True, help_text=_("As it should appear on CE certificates.")
    )
    licence_number = models.CharField(_("license number"), max_length=50, blank=True)
    licence_state = models.CharField(
        _("license state"),
        max_length=50,
        blank=True,
        help_text=_("State or board, e.g. CA (CAMTC)."),
    )
    phone = models.CharField(max_length=30, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split(" ")[0] if self.full_name else "") or self.email


class DeletionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the cooling-off period")
    CANCELLED = "cancelled", _("Canceled by the person")
    COMPLETED = "completed", _("Erased")


# What the law makes us keep after an erasure, shown to the person and to staff.
RETENTION_REASON = _(
    "Payment records (orders, payments, refunds) are kept for tax and accounting law, and "
    "CE certificates for six years as CE providers must keep them. They stay visible to "
    "staff only; everything else about the person was erased."
)


class DeletionRequest(models.Model):
    """A person asked us to delete their account. It is carried out after the cooling-off
    period (``settings.ACCOUNT_DELETION_COOLING_OFF_DAYS``) by a scheduled job, unless they
    cancel first."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="deletion_requests")
    email = models.EmailField(help_text=_("The address at the time of the request."))
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=20, choices=DeletionStatus.choices, default=DeletionStatus.PENDING
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    retention_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_deletion_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Deletion of {self.email} ({self.get_status_display()})"
