"""Celery application. Tasks live in ``<app>/tasks.py``; the beat schedule is in settings."""

import os

from celery import Celery

from config.observability import celery_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("physiomassage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
celery_connect()
