"""Admin forms: they collect input and hand the rules to ``services``."""

from wagtail.admin.forms import WagtailAdminModelForm

from . import services
from .errors import CoursesError, SessionInvalid


class SessionAdminForm(WagtailAdminModelForm):
    """A session with its ticket types inline; saved at once, validated as a whole."""

    def _post_clean(self):
        # The service explains the same rules the database constraints enforce, in words
        # an editor understands; the constraints are checked after it as a backstop.
        check_constraints, self._validate_constraints = self._validate_constraints, False
        super()._post_clean()
        self._validate_constraints = check_constraints
        if self._session_rules_hold() and check_constraints:
            self.validate_constraints()

    def _session_rules_hold(self) -> bool:
        if self.errors:
            return False
        formset = getattr(self, "formsets", {}).get("ticket_types")
        tickets = []
        if formset is not None:
            if not formset.is_valid():
                return False
            for form in formset.forms:
                if formset.can_delete and formset._should_delete_form(form):
                    try:
                        services.ticket_type_removal_check(ticket_type=form.instance)
                    except CoursesError as error:
                        self.add_error(None, str(error))
                    continue
                if form.instance.pk or form.has_changed():
                    tickets.append(form.instance)
        if self.errors:
            return False
        try:
            services.session_validate(session=self.instance, ticket_types=tickets)
        except SessionInvalid as invalid:
            for field, messages in invalid.errors.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
            return False
        return True
