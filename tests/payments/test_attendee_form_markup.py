"""The attendees step renders its plain inputs in Python (payments.forms.InputRenderer)
for speed: its markup must stay byte for byte what Django's own templates make, so a
Django upgrade that changes them fails here rather than drifting."""

from django import forms

import pytest

from payments.forms import AttendeeForm, AttendeeFormSet

DjangoFormSet = forms.formset_factory(
    AttendeeForm, extra=0, min_num=1, validate_min=True, max_num=50, validate_max=True
)


def _html(formset) -> str:
    return str(formset.management_form) + "".join(str(form) for form in formset)


@pytest.mark.parametrize(
    "data",
    [
        None,  # the page as first shown
        {  # typed back with characters that need escaping
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-MIN_NUM_FORMS": "1",
            "form-MAX_NUM_FORMS": "50",
            "form-0-ticket_type": "7",
            "form-0-attendee_name": 'Ana "Nana" <Diaz> & Co',
            "form-0-attendee_email": "not-an-e-mail",
            "form-1-ticket_type": "7",
            "form-1-attendee_name": "",
            "form-1-attendee_email": "o'neil@example.com",
        },
        {"form-TOTAL_FORMS": "x"},  # a tampered management form
    ],
)
def test_the_fast_attendee_inputs_match_djangos_markup(data):
    for seats in (2, 3, 2):  # the first shown page's hidden inputs are kept per count
        initial = [{"ticket_type": 7}] * seats
        if data is None:
            ours, django = AttendeeFormSet(initial=initial), DjangoFormSet(initial=initial)
        else:
            ours, django = AttendeeFormSet(data), DjangoFormSet(data)
        assert _html(ours) == _html(django)
