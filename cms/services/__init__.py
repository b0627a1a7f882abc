"""Writes owned by the site app."""

from cms.services.site import site_sync

__all__ = ["site_sync"]
