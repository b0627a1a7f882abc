from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"

    def ready(self) -> None:
        from . import signals

        signals.connect()
