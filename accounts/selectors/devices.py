"""The devices a person is signed in on, described in words they recognize."""

import datetime
import ipaddress
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, pgettext

from allauth.usersessions.models import UserSession
from ua_parser import parse as parse_user_agent


@dataclass(frozen=True)
class Device:
    pk: int
    name: str  # "Chrome 131 on macOS"
    kind: str  # "phone", "tablet" or "computer": picks the icon and the words
    ip: str
    place: str
    signed_in_at: datetime.datetime
    last_seen_at: datetime.datetime
    is_current: bool


_OS_NAMES = {"Mac OS X": "macOS", "Windows": "Windows", "iOS": "iOS", "Android": "Android"}
_TABLETS = ("iPad", "Tablet", "Kindle")


def device_name(user_agent: str) -> tuple[str, str]:
    """("Safari 17 on iOS", "phone") from a User-Agent header; ("Unknown browser", …) when
    the header says nothing useful (a script, an empty header)."""
    result = parse_user_agent(user_agent or "")
    browser = result.user_agent
    system = result.os
    device = result.device
    name = gettext("Unknown browser")
    if browser is not None and browser.family != "Other":
        name = f"{browser.family} {browser.major}" if browser.major else browser.family
    if system is not None and system.family != "Other":
        name = pgettext("a browser on an operating system", "%(browser)s on %(system)s") % {
            "browser": name,
            "system": _OS_NAMES.get(system.family, system.family),
        }
    family = device.family if device is not None else ""
    if any(word in family for word in _TABLETS):
        kind = "tablet"
    elif family in ("iPhone",) or "Mobile" in (user_agent or ""):
        kind = "phone"
    else:
        kind = "computer"
    return name, kind


def device_place(ip: str) -> str:
    """Where a sign-in came from, as far as the address alone tells without a lookup
    service: this site keeps no geolocation database and sends addresses nowhere."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return gettext("Unknown network")
    if address.is_loopback:
        return gettext("This computer")
    if address.is_private or address.is_link_local:
        return gettext("A private network")
    return gettext("Public internet")


def user_devices(*, user: Any, current_session_key: str | None) -> list[Device]:
    """Every live sign-in of ``user``, the current device first, then the most recent."""
    devices = []
    for session in UserSession.objects.purge_and_list(user):
        name, kind = device_name(session.user_agent)
        devices.append(
            Device(
                pk=session.pk,
                name=name,
                kind=kind,
                ip=session.ip,
                place=device_place(session.ip),
                signed_in_at=session.created_at,
                last_seen_at=session.last_seen_at,
                is_current=session.session_key == current_session_key,
            )
        )
    return sorted(devices, key=lambda d: (not d.is_current, -d.last_seen_at.timestamp()))
