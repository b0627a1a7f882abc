"""Staff process privacy requests in the Wagtail admin: erase an account now (the person
asked; the cooling-off job would do it on the due date anyway)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from payments.admin_views import StaffActionView

from .models import DeletionRequest, DeletionStatus
from .services.privacy import account_erase

ERASE_PERMISSION = "accounts.change_deletionrequest"


class EraseConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Erase this person's account and personal data now"),
        help_text=_("This cannot be undone. Payment records and CE certificates are kept."),
    )


class DeletionEraseView(StaffActionView):
    permission = ERASE_PERMISSION
    form_class = EraseConfirmForm
    template_name = "accounts/admin/deletion_erase.html"
    page_title = _("Erase account")
    submit_label = _("Erase now")

    def get_object(self):
        return get_object_or_404(DeletionRequest, pk=self.kwargs["deletion_id"])

    def trail(self) -> list[dict]:
        return [
            {"url": reverse("privacy-requests:index"), "label": _("Privacy requests")},
            {"url": "", "label": str(self.object)},
        ]

    def back_url(self) -> str:
        return reverse("privacy-requests:index")

    def get_context_data(self, **kwargs):
        return super().get_context_data(deletion=self.object, serious=True, **kwargs)

    def form_valid(self, form):
        if self.object.status != DeletionStatus.PENDING:
            return self.refuse(form, ValueError(gettext("This request is no longer waiting.")))
        account_erase(deletion_id=self.object.pk, actor=self.request.user)
        messages.success(
            self.request,
            gettext("%(email)s's account was erased.") % {"email": self.object.email},
        )
        return redirect(self.back_url())
