"""Admin forms: they collect input and hand the rules to ``services``."""

from pathlib import PurePath

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm

from . import services
from .captions import MAX_CAPTION_BYTES, CaptionInvalid, Cue, webvtt_parse
from .errors import CoursesError, SessionInvalid
from .formatting import money
from .media import VideoFileInfo, video_file_inspect
from .models import Session, SessionStatus, TicketType, Venue
from .services.transcoding import video_renditions_request

CANCEL_ACTION_HELP = _(
    "To cancel a session, use “Cancel this session” in the session's actions menu: it "
    "refunds every paid order and e-mails attendees and the waiting list."
)


class SessionAdminForm(WagtailAdminModelForm):
    """A session with its ticket types inline; saved at once, validated as a whole.

    The status cannot be set to Cancelled here: cancelling must refund and tell everyone,
    which the "Cancel this session" action (payments) does. A cancelled session's status
    is shown read-only (a disabled field ignores whatever is posted)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields.get("status")
        if status is None:
            return
        if self.instance.pk and self.instance.is_cancelled:
            status.disabled = True
            status.help_text = _("This session was canceled (with refunds); that is final.")
        else:
            status.choices = [
                choice for choice in status.choices if choice[0] != SessionStatus.CANCELLED
            ]
            status.help_text = CANCEL_ACTION_HELP
            status.error_messages["invalid_choice"] = format_lazy(
                "{} {}", _("A session cannot be canceled from this form."), CANCEL_ACTION_HELP
            )

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


class PrivateFileInput(forms.FileInput):
    """A file input that names the current file without linking to it: private files
    have no URL (Django's ClearableFileInput asks for one and fails on the edit view)."""

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, None, attrs, renderer)
        current = PurePath(getattr(value, "name", "") or "").name
        if not current:
            return html
        return format_html(
            '<p class="help">{} <code>{}</code>. {}</p>{}',
            _("Current file:"),
            current,
            _("Choose a new file only to replace it."),
            html,
        )


class VideoAdminForm(WagtailAdminModelForm):
    """Editors' upload form: checks the file is really an MP4/WebM video within the size
    limit, and records its type, size and (when ffprobe can read it) duration. A new file
    queues adaptive-streaming renditions (``video_renditions_request``)."""

    file_info: VideoFileInfo | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            self.fields["file"].widget = PrivateFileInput()

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if isinstance(uploaded, UploadedFile):
            self.file_info = video_file_inspect(uploaded)
        return uploaded

    def save(self, commit: bool = True):
        video = super().save(commit=False)
        if self.file_info is not None:
            video.content_type = self.file_info.content_type
            video.size_bytes = self.file_info.size_bytes
            if self.file_info.duration_seconds and not self.cleaned_data.get("duration_seconds"):
                video.duration_seconds = self.file_info.duration_seconds
        if commit:
            video.save()
            self.save_m2m()
            if self.file_info is not None:
                video_renditions_request(video=video)
        return video


class VideoCaptionForm(WagtailAdminModelForm):
    """A caption track: the uploaded WebVTT file is parsed before anything is saved, and
    every problem is shown with its line number."""

    upload = forms.FileField(
        label=_("WebVTT file"),
        required=False,
        help_text=_(
            "A .vtt caption file saved as UTF-8. Uploading a new file replaces the captions."
        ),
    )
    parsed: tuple[str, list[Cue]] | None = None

    def clean(self):
        cleaned = super().clean()
        uploaded = cleaned.get("upload")
        video = cleaned.get("video")
        if not uploaded:
            if not self.instance.pk:
                self.add_error("upload", _("Choose the WebVTT (.vtt) file with the captions."))
            return cleaned
        try:
            # Bounded read: the parser refuses anything over the limit with its size.
            self.parsed = webvtt_parse(
                uploaded.read(MAX_CAPTION_BYTES + 1),
                duration_seconds=video.duration_seconds if video else None,
            )
        except CaptionInvalid as invalid:
            for message in invalid.errors:
                self.add_error("upload", message)
        return cleaned

    def save(self, commit: bool = True):
        caption = super().save(commit=False)
        if self.parsed is not None:
            caption.content, cues = self.parsed
            caption.cues = [cue.as_dict() for cue in cues]
        if commit:
            caption.save()
        return caption


class WalkInForm(forms.Form):
    attendee_name = forms.CharField(label=_("Full name"), max_length=150)
    attendee_email = forms.EmailField(
        label=_("E-mail"), help_text=_("Their ticket, reminders and certificate go here.")
    )
    licence_number = forms.CharField(
        label=_("License number"),
        max_length=50,
        required=False,
        help_text=_("Printed on the CE certificate."),
    )
    ticket_type = forms.ModelChoiceField(
        label=_("Ticket type"), queryset=TicketType.objects.none(), empty_label=None
    )
    payment = forms.ChoiceField(
        label=_("Payment"),
        choices=[
            ("door", _("Paid at the door")),
            ("complimentary", _("Complimentary (no charge)")),
        ],
        widget=forms.RadioSelect,
        initial="door",
    )
    override_capacity = forms.BooleanField(
        label=_("Allow over capacity (the room can take one more)"), required=False
    )

    def __init__(self, *args, session: Session, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].queryset = session.ticket_types.all()
        self.fields["ticket_type"].label_from_instance = lambda t: (
            f"{t.name} — {money(t.price_amount, t.currency)}"
        )


class AttendeeMessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Plain text. Each attendee gets their own e-mail, signed by the Academy."),
    )


class WaitlistJoinForm(forms.Form):
    """Seats and (optionally) a ticket type; the waiting-list service judges the rest and
    explains its refusals in words."""

    seats = forms.IntegerField(
        label=_("Seats"),
        error_messages={
            "required": _("Choose how many seats you need."),
            "invalid": _("Choose a number of seats."),
        },
    )
    ticket_type = forms.ModelChoiceField(
        label=_("Ticket"),
        queryset=TicketType.objects.none(),
        required=False,
        empty_label=_("Any ticket"),
        error_messages={"invalid_choice": _("That ticket is not sold for this session.")},
    )

    def __init__(self, *args, session: Session, seat_limit: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seats"].widget = forms.Select(
            choices=[(n, str(n)) for n in range(1, max(seat_limit, 1) + 1)]
        )
        self.fields["ticket_type"].queryset = session.ticket_types.all()


class NewDateForm(forms.Form):
    """One row of "Schedule again": a start date (blank rows are ignored), its start time
    in the venue's time zone and its capacity."""

    starts_on = forms.DateField(
        label=_("New start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_at_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, max_value=10_000)


NewDateFormSet = forms.formset_factory(
    NewDateForm, extra=0, max_num=services.MAX_NEW_DATES, validate_max=True
)


class ScheduleAgainForm(forms.Form):
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.order_by("city", "name")
        self.fields["venue"].help_text = _("Every new date takes place here.")
