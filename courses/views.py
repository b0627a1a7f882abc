import io
import json
import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Prefetch
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from . import selectors, services
from .calendar import session_ics
from .certificates import certificate_filename, certificate_pdf
from .errors import CoursesError, InvalidProgress, PlaybackDenied, TicketNotFound
from .forms import AttendeeMessageForm, WalkInForm
from .links import absolute_url
from .models import Certificate, Session, Video
from .playback import PlaybackClaims, playback_token_read
from .private_files import NO_STORE, private_file_response
from .private_files import denied as _denied
from .ratelimits import rate_limited
from .selectors import user_can_watch_lesson
from .services import lesson_progress_record


@require_GET
def session_calendar(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session as an .ics file for the attendee's calendar (local time with TZID)."""
    session = get_object_or_404(Session.objects.select_related("workshop", "venue"), pk=session_id)
    referer_url = request.GET.get("from", "")
    url = referer_url if referer_url.startswith("/") and not referer_url.startswith("//") else ""
    body = session_ics(session=session, url=absolute_url(url) if url else "")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    filename = f"workshop-{session.local_starts_at:%Y-%m-%d}-{session.pk}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


logger = logging.getLogger(__name__)


def _may_watch(request: HttpRequest, claims: PlaybackClaims) -> bool:
    return user_can_watch_lesson(
        user=request.user,
        lesson_key=claims.lesson_key,
        masterclass=claims.masterclass_id,
        video_id=claims.video_id,
    )


@require_safe
def video_stream(request: HttpRequest, token: str) -> HttpResponse:
    """Bytes of one lesson video, for the viewer the token was made for, while their
    access lasts. Checked on every request, including each Range request while seeking."""
    try:
        claims = playback_token_read(token=token, user=request.user)
    except PlaybackDenied:
        return _denied()
    if not _may_watch(request, claims):
        return _denied()
    video = Video.objects.filter(pk=claims.video_id).first()
    if video is None or not video.file:
        return _denied(404)
    return private_file_response(request, video.file.name, video.content_type)


@require_POST
@rate_limited("lesson_progress")
def lesson_progress(request: HttpRequest) -> JsonResponse:
    """Save the viewer's position: JSON ``{"token", "position", "duration"}``.

    Bad values get a 400 with the reason and store nothing.
    """
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(gettext("The request body must be JSON."), 400)
    if not isinstance(data, dict):
        return _error(gettext("The request body must be a JSON object."), 400)
    if not request.user.is_authenticated:
        return _error(gettext("Sign in to save your progress."), 403)
    try:
        claims = playback_token_read(token=str(data.get("token", "")), user=request.user)
    except PlaybackDenied as exc:
        return _error(str(exc), 403)
    if not _may_watch(request, claims):
        return _error(gettext("You do not have access to this lesson."), 403)
    try:
        progress = lesson_progress_record(
            user=request.user,
            lesson_key=claims.lesson_key,
            position_seconds=data.get("position"),
            duration_seconds=data.get("duration"),
            masterclass=claims.masterclass_id,
            video=claims.video_id,
        )
    except InvalidProgress as exc:
        return _error(str(exc), 400)
    response = JsonResponse(
        {
            "position": progress.position_seconds,
            "duration": progress.duration_seconds,
            "percent": progress.percent,
            "completed": progress.completed_at is not None,
        }
    )
    response["Cache-Control"] = NO_STORE
    return response


def _error(reason: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": reason}, status=status)
    response["Cache-Control"] = NO_STORE
    return response


CHECK_IN_PERMISSION = "courses.check_in_attendees"


def staff_required(view):
    """Signed in, and event staff (the check-in permission) or a superuser: others 403."""

    @wraps(view)
    @login_required
    @permission_required(CHECK_IN_PERMISSION, raise_exception=True)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapper


def _session(session_id: int) -> Session:
    return get_object_or_404(Session.objects.select_related("workshop", "venue"), pk=session_id)


def _back_to_check_in(session: Session, request: HttpRequest) -> HttpResponse:
    url = reverse("courses:staff_check_in", args=[session.pk])
    if query := request.POST.get("q", "").strip():
        from urllib.parse import urlencode

        url += "?" + urlencode({"q": query})
    return redirect(url + "#attendees")


@staff_required
def staff_sessions(request: HttpRequest) -> HttpResponse:
    sessions = list(selectors.staff_sessions())
    now = timezone.now()
    return render(
        request,
        "courses/staff_sessions.html",
        {
            "upcoming": [s for s in sessions if s.ends_at > now],
            "recent": [s for s in sessions if s.ends_at <= now][::-1],
            "availability": selectors.session_availability(sessions),
        },
    )


@staff_required
def staff_check_in(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    query = request.GET.get("q", "")
    attendees = selectors.session_attendees(session=session, query=query).prefetch_related(
        Prefetch(
            "certificates",
            queryset=Certificate.objects.filter(revoked_at__isnull=True),
            to_attr="current_certificates",
        )
    )
    return render(
        request,
        "courses/staff_check_in.html",
        {
            "session": session,
            "attendees": attendees,
            "query": query,
            "counts": selectors.session_check_in_counts(session=session),
            "has_ended": session.ends_at <= timezone.now(),
            "check_in_early": selectors.session_check_in_is_early(session=session),
            # Until the session ends, the page is the offline-capable check-in app.
            "door": session.ends_at > timezone.now(),
            "scan_url": reverse("courses:staff_scan", args=[session.pk]),
        },
    )


@require_POST
@staff_required
def staff_attendance(request: HttpRequest, session_id: int, registration_id: int) -> HttpResponse:
    session = _session(session_id)
    action = request.POST.get("action")
    try:
        if action == "check_out":
            registration = services.registration_check_out(
                session=session, registration_id=registration_id, staff=request.user
            )
            messages.success(
                request,
                gettext("%(name)s checked out.") % {"name": registration.attendee_name},
            )
        else:
            registration = services.registration_check_in(
                session=session, registration_id=registration_id, staff=request.user
            )
            messages.success(
                request,
                gettext("%(name)s checked in. Welcome!") % {"name": registration.attendee_name},
            )
    except CoursesError as error:
        messages.error(request, str(error))
    return _back_to_check_in(session, request)


@require_POST
@staff_required
def staff_scan(request: HttpRequest, session_id: int) -> HttpResponse:
    """Check in by ticket code: JSON for the camera scanner, a page for the typed code."""
    session = _session(session_id)
    code = request.POST.get("code", "").strip()
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        if not code:
            raise TicketNotFound(gettext("Enter the ticket code printed under the QR code."))
        registration = services.registration_check_in(
            session=session, code=code, staff=request.user
        )
    except CoursesError as error:
        if wants_json:
            status = 404 if isinstance(error, TicketNotFound) else 409
            return JsonResponse({"ok": False, "message": str(error)}, status=status)
        messages.error(request, str(error))
    else:
        text = gettext("Checked in: %(name)s (%(ticket)s).") % {
            "name": registration.attendee_name,
            "ticket": registration.ticket_type.name,
        }
        if wants_json:
            local = timezone.localtime(registration.checked_in_at, session.tz)
            return JsonResponse(
                {
                    "ok": True,
                    "message": text,
                    "name": registration.attendee_name,
                    "registration_id": registration.pk,
                    "checked_in_time": f"{local:%H:%M}",
                }
            )
        messages.success(request, text)
    return redirect("courses:staff_check_in", session.pk)


@staff_required
def staff_walk_in(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    form = WalkInForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.registration_create_walk_in(
                session=session,
                ticket_type=data["ticket_type"],
                attendee_name=data["attendee_name"],
                attendee_email=data["attendee_email"],
                licence_number=data["licence_number"],
                complimentary=data["payment"] == "complimentary",
                override_capacity=data["override_capacity"],
                staff=request.user,
            )
        except CoursesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                gettext("%(name)s registered and checked in.")
                % {"name": registration.attendee_name},
            )
            return redirect("courses:staff_check_in", session.pk)
    return render(
        request,
        "courses/staff_walk_in.html",
        {
            "session": session,
            "form": form,
            "seats_left": selectors.session_seats_available(session=session),
        },
    )


@staff_required
def staff_message(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    form = AttendeeMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        message = services.attendee_message_create(
            session=session,
            sender=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
        messages.success(
            request,
            ngettext(
                "Your message is on its way to %(count)s attendee.",
                "Your message is on its way to %(count)s attendees.",
                message.recipients_count,
            )
            % {"count": message.recipients_count},
        )
        return redirect("courses:staff_message", session.pk)
    return render(
        request,
        "courses/staff_message.html",
        {
            "session": session,
            "form": form,
            "recipients": selectors.session_attendees(session=session).count(),
            "sent_messages": session.messages.select_related("sender")[:20],
        },
    )


@require_POST
@staff_required
def staff_certificates_issue(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(session_id)
    try:
        certificates = services.certificates_issue_and_send(session=session, issued_by=request.user)
    except CoursesError as error:
        messages.error(request, str(error))
    else:
        if certificates:
            messages.success(
                request,
                ngettext(
                    "%(count)s certificate issued and e-mailed.",
                    "%(count)s certificates issued and e-mailed.",
                    len(certificates),
                )
                % {"count": len(certificates)},
            )
        else:
            messages.info(
                request,
                _("No new certificates: everyone checked in and out already has one."),
            )
    return redirect(reverse("courses:staff_check_in", args=[session.pk]) + "#attendees")


@require_POST
@staff_required
def staff_certificate_reissue(request: HttpRequest, certificate_id: int) -> HttpResponse:
    # Seat certificates only: a home-study certificate has no session to return to.
    certificate = get_object_or_404(Certificate, pk=certificate_id, registration__isnull=False)
    try:
        new = services.certificate_reissue(certificate=certificate, issued_by=request.user)
    except CoursesError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("Certificate re-issued to %(name)s; the old one is superseded.")
            % {"name": new.participant_name},
        )
    session_id = certificate.registration.session_id
    return redirect(reverse("courses:staff_check_in", args=[session_id]) + "#attendees")


def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: confirms a certificate is genuine, showing only what is printed as proof."""
    certificate = get_object_or_404(Certificate, code=code)
    return render(request, "courses/certificate_verify.html", {"certificate": certificate})


@login_required
def certificate_download(request: HttpRequest, code: str) -> HttpResponse:
    certificate = Certificate.objects.select_related("registration").filter(code=code).first()
    if certificate is None or not selectors.certificate_visible_to(
        certificate=certificate, user=request.user
    ):
        raise Http404(gettext("No certificate here."))
    return FileResponse(
        io.BytesIO(certificate_pdf(certificate=certificate)),
        content_type="application/pdf",
        filename=certificate_filename(certificate=certificate),
        as_attachment=request.GET.get("inline") != "1",
    )
