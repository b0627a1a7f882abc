from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed by dev and test settings only: seed_demo and demo_credentials."""

    name = "demo"
    verbose_name = "Demo site (development)"
