"""Signing a person out of one of their other devices."""

from typing import Any

from django.utils.translation import gettext

from allauth.usersessions.adapter import get_adapter
from allauth.usersessions.models import UserSession


class DeviceNotFound(Exception):
    """No such sign-in of this person: already ended, or someone else's."""


class DeviceIsCurrent(Exception):
    """The device asking is the one to end: that is Log out, which has its own page."""


def device_sign_out(*, user: Any, device_pk: int, current_session_key: str | None) -> None:
    """End the sign-in ``device_pk`` of ``user``: that browser is signed out at its next
    request. Only the person's own sign-ins, and never the one asking."""
    session = UserSession.objects.filter(user_id=user.pk, pk=device_pk).first()
    if session is None:
        raise DeviceNotFound(gettext("That device is no longer signed in."))
    if session.session_key == current_session_key:
        raise DeviceIsCurrent(
            gettext("This is the device you are using: use Log out to sign out here.")
        )
    get_adapter().end_sessions([session])
