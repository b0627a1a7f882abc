"""Who must sign in with a second factor (one rule, used by the staff-page middleware)."""

from typing import Any

from allauth.mfa.models import Authenticator

# Holding any of these reaches money or people's personal data: such accounts must use a
# second factor. Superusers hold every permission, so they are included.
PERMISSIONS_REQUIRING_MFA = (
    "wagtailadmin.access_admin",
    "payments.refund_order",
    "payments.view_order",
    "payments.take_phone_booking",
    "courses.check_in_attendees",
)


def user_requires_mfa(*, user: Any) -> bool:
    """True for a signed-in account with an admin, refund, order or check-in permission."""
    if not user.is_authenticated or not user.is_active:
        return False
    return any(user.has_perm(permission) for permission in PERMISSIONS_REQUIRING_MFA)


def user_has_second_factor(*, user: Any) -> bool:
    """An authenticator app or a security key/passkey (recovery codes alone do not count)."""
    return Authenticator.objects.filter(
        user_id=user.pk,
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
    ).exists()


def user_must_set_up_mfa(*, user: Any) -> bool:
    return user_requires_mfa(user=user) and not user_has_second_factor(user=user)
