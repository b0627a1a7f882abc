from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"

    def ready(self) -> None:
        from courses.locators import masterclass_url_finder_register

        from . import signals
        from .masterclasses import masterclass_page_url

        signals.connect(self)
        masterclass_url_finder_register(masterclass_page_url)
