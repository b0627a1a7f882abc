from django.apps import AppConfig

from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default = True


class UsersAdminConfig(WagtailUsersAppConfig):
    """Wagtail's users app with our viewsets: role changes leave an audit row."""

    default = False
    user_viewset = "accounts.viewsets.UserViewSet"
    group_viewset = "accounts.viewsets.GroupViewSet"
