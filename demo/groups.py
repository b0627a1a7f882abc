"""Permission groups, created explicitly so who-sees-what is in code, not in a database
that a migration happened to seed."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
)

EDITORS = "Editors"
EVENT_STAFF = "Event staff"

EDITOR_MODEL_PERMISSIONS = {
    # app_label: codenames (add/change/delete/view for snippets and media)
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}


def ensure_tree_roots() -> None:
    """Wagtail's root page, root collection and default locale, as its migrations create
    them; a flushed database (transactional tests) has none."""
    if not Locale.objects.exists():
        Locale.objects.create(language_code="en")
    if not Collection.objects.filter(depth=1).exists():
        Collection.add_root(name="Root")
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(
            instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
            )
        )


def _permissions(app_label: str, codenames: list[str]) -> list[Permission]:
    return list(
        Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )


def ensure_editors_group(home: Page, extra: dict[str, list[str]] | None = None) -> Group:
    """Editors: publish pages under the home page, manage images, documents and snippets."""
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.add(*_permissions("wagtailadmin", ["access_admin"]))
    root_collection = Collection.get_first_root_node()
    for app_label, codenames in {**EDITOR_MODEL_PERMISSIONS, **(extra or {})}.items():
        for permission in _permissions(app_label, codenames):
            if app_label in EDITOR_MODEL_PERMISSIONS:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
            else:
                group.permissions.add(permission)
    for codename in ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]:
        GroupPagePermission.objects.get_or_create(
            group=group, page=home, permission=Permission.objects.get(codename=codename)
        )
    return group


# Editors curate course content; event staff run dates, tickets and registrations.
EDITOR_COURSES_PERMISSIONS = {
    "courses": [
        f"{action}_{model}"
        for model in ("workshop", "venue", "instructor")
        for action in ("add", "change", "delete", "view")
    ]
    # Editors publish a workshop with its dates; deleting dates and registrations is
    # event staff's call.
    + [f"{a}_{m}" for m in ("session", "tickettype") for a in ("add", "change", "view")]
    # Editors check the lessons they publish; being staff alone opens no video.
    + ["watch_every_masterclass"],
}
EVENT_STAFF_PERMISSIONS = {
    "wagtailadmin": ["access_admin"],
    "courses": [
        *(
            f"{action}_{model}"
            for model in ("session", "tickettype", "registration")
            for action in ("add", "change", "delete", "view")
        ),
        "view_workshop",
        "view_venue",
        "view_instructor",
    ],
    # Orders: see them, refund them, cancel registrations and whole sessions, take
    # bookings by phone (payment links, offline payments, complimentary seats).
    "payments": ["view_order", "refund_order", "take_phone_booking"],
}


def ensure_event_staff_group() -> Group:
    """Event staff: sessions, ticket types and registrations; no page editing."""
    group, _ = Group.objects.get_or_create(name=EVENT_STAFF)
    for app_label, codenames in EVENT_STAFF_PERMISSIONS.items():
        group.permissions.add(*_permissions(app_label, codenames))
    return group
