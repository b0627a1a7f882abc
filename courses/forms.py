from django import forms

from .models import Session, TicketType


class WalkInForm(forms.Form):
    attendee_name = forms.CharField(label="Full name", max_length=150)
    attendee_email = forms.EmailField(
        label="E-mail", help_text="Their ticket, reminders and certificate go here."
    )
    licence_number = forms.CharField(
        label="Licence number",
        max_length=50,
        required=False,
        help_text="Printed on the CE certificate.",
    )
    ticket_type = forms.ModelChoiceField(queryset=TicketType.objects.none(), empty_label=None)
    payment = forms.ChoiceField(
        label="Payment",
        choices=[("door", "Paid at the door"), ("complimentary", "Complimentary (no charge)")],
        widget=forms.RadioSelect,
        initial="door",
    )
    override_capacity = forms.BooleanField(
        label="Allow over capacity (the room can take one more)", required=False
    )

    def __init__(self, *args, session: Session, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].queryset = session.ticket_types.all()
        self.fields["ticket_type"].label_from_instance = lambda t: (
            f"{t.name} — {'free' if t.is_free else f'{t.price_amount / 100:,.2f} {t.currency.upper()}'}"
        )


class AttendeeMessageForm(forms.Form):
    subject = forms.CharField(max_length=150)
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Plain text. Each attendee gets their own e-mail, signed by the Academy.",
    )
