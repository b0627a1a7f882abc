"""Wagtail's "add page" view, made safe for autosave.

The editor autosaves a new page by POSTing to the add URL until the first save answers
with the page's edit URL. A "Save draft" click and an autosave can therefore both reach
the add view for the same new page. Wagtail checks the slug in the form, then saves;
when the other request's page is committed in between, the save raised
``ValidationError`` (a 500), and when both saved at once the parent had two children
with one slug. Here the form check and the save happen under a lock on the parent
page's row, so the second request sees the first page and gets the form's slug error.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wagtail.admin.views.pages.create import CreateView
from wagtail.models import Page


class PageCreateView(CreateView):
    def post(self, request):
        try:
            with transaction.atomic():
                # Creates under one parent queue here; the second sees the first's page.
                Page.objects.select_for_update().filter(pk=self.parent_page.pk).first()
                return super().post(request)
        except ValidationError as error:
            # A save that still finds its slug taken (another writer that skipped this
            # lock): the editor gets the form back with the reason, nothing is saved.
            self.form.add_error(None, error.messages)
            self.form.restore_required_fields()
            return self.form_invalid(self.form)

    def form_invalid(self, form):
        if self.expects_json_response and form.errors:
            # Autosave shows this text: say what is wrong, not only that something is.
            reasons = [str(message) for messages in form.errors.values() for message in messages]
            return self.json_error_response(
                "validation_error",
                _("Not saved: %(reasons)s") % {"reasons": " ".join(reasons)},
            )
        return super().form_invalid(form)
