"""The sign-in backend (``AUTHENTICATION_BACKENDS``): allauth's e-mail and password
check, with the user read every signed-in request makes compiled once per process
(``config.prepared``)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from config.prepared import Param, PreparedRead

_USER = PreparedRead(lambda: get_user_model().objects.filter(pk=Param("pk", IntegerField())))


class AuthenticationBackend(AllauthBackend):
    def authenticate(self, request, **credentials):
        """allauth's check (e-mail, case-insensitive, then the password). When it fails,
        sign-in stops here: the backends listed after this one only keep earlier sessions
        valid, and asking them would hash the password once more each."""
        user = super().authenticate(request, **credentials)
        if user is None:
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        """The signed-in user (inactive ones are signed out), as Django's backend reads
        them."""
        user = _USER.first(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
