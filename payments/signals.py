"""Caches that hold payments' state for pages, told when that state changes."""

from django.db.models.signals import post_delete, post_save

from . import selectors
from .models import Membership


def _membership_changed(sender, instance: Membership, **kwargs) -> None:
    """Every save or delete of a membership (a webhook's sync, staff in the admin, an
    account erased) shows in the site-wide banner on the user's next page."""
    selectors.membership_banner_forget(user_id=instance.user_id)


def connect() -> None:
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="payments-banner-save")
    post_delete.connect(
        _membership_changed, sender=Membership, dispatch_uid="payments-banner-delete"
    )
