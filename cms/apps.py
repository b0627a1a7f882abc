from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"

    def ready(self) -> None:
        from courses.locators import (
            lesson_finder_register,
            masterclass_lessons_finder_register,
            masterclass_url_finder_register,
        )

        from . import signals
        from .masterclasses import lesson_facts_find, masterclass_lesson_refs, masterclass_page_url

        signals.connect(self)
        masterclass_url_finder_register(masterclass_page_url)
        lesson_finder_register(lesson_facts_find)
        masterclass_lessons_finder_register(masterclass_lesson_refs)
