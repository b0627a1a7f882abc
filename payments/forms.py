"""Registration forms: step 1 chooses tickets (GET), step 2 names one attendee per seat."""

from django import forms

from courses.models import TicketType


def parse_quantities(data, ticket_types: list[TicketType]) -> dict[int, int]:
    """``ticket_<id>=N`` pairs from a query string. Unknown ids and junk are ignored here;
    the seat service is the authority on what may be booked."""
    quantities = {}
    for ticket_type in ticket_types:
        raw = data.get(f"ticket_{ticket_type.pk}", "")
        try:
            quantity = int(raw)
        except (TypeError, ValueError):
            continue
        if quantity > 0:
            quantities[ticket_type.pk] = quantity
    return quantities


class AttendeeForm(forms.Form):
    ticket_type = forms.IntegerField(widget=forms.HiddenInput)
    attendee_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    attendee_email = forms.EmailField(
        label="E-mail", help_text="The ticket is sent here.", widget=forms.EmailInput()
    )
    licence_number = forms.CharField(
        label="Licence number",
        max_length=50,
        required=False,
        help_text="Printed on the CE certificate, e.g. CAMTC 12345.",
    )


AttendeeFormSet = forms.formset_factory(
    AttendeeForm, extra=0, min_num=1, validate_min=True, max_num=50, validate_max=True
)
