"""Home-study CE test pages for members: the test's overview (unlock state, retakes),
one attempt (the questions, then its result). Rules live in
``courses.services.home_study`` and ``courses.selectors.home_study``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .errors import HomeStudyAnswersInvalid, HomeStudyAttemptClosed, HomeStudyError
from .formatting import local_datetime
from .locators import masterclass_url
from .models import HomeStudyAttempt, Masterclass
from .selectors.home_study import (
    home_study_attempt_questions,
    home_study_attempts_submitted,
    home_study_certificate,
    home_study_eligibility,
    home_study_open_attempt,
    home_study_questions,
)
from .services.home_study import (
    home_study_attempt_start,
    home_study_attempt_submit,
    home_study_blocked_message,
)


def _next_attempt_label(eligibility) -> str:
    """When the cool-down ends, in the site's zone with the zone named."""
    return local_datetime(eligibility.next_attempt_at, settings.TIME_ZONE)


def _overview_context(request: HttpRequest, masterclass: Masterclass) -> dict:
    user = request.user
    eligibility = home_study_eligibility(user=user, masterclass=masterclass)
    return {
        "masterclass": masterclass,
        "masterclass_url": masterclass_url(masterclass),
        "eligibility": eligibility,
        "next_attempt": _next_attempt_label(eligibility),
        "site_zone": settings.TIME_ZONE,
        "open_attempt": home_study_open_attempt(user=user, masterclass=masterclass),
        "attempts": list(home_study_attempts_submitted(user=user, masterclass=masterclass)),
        "certificate": home_study_certificate(user=user, masterclass=masterclass),
        "question_count": home_study_questions(masterclass=masterclass).count(),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def home_study_test(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: where the member stands. POST: start (or continue) an attempt."""
    masterclass = get_object_or_404(Masterclass, slug=slug, ce_approved=True)
    if request.method == "POST":
        try:
            attempt = home_study_attempt_start(user=request.user, masterclass=masterclass)
        except HomeStudyError as error:
            messages.error(request, str(error))
            return redirect("courses:home_study_test", slug=slug)
        return redirect("courses:home_study_attempt", attempt_id=attempt.pk)
    return render(request, "courses/home_study_test.html", _overview_context(request, masterclass))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def home_study_attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The attempt's questions until it is submitted, then its result. Someone else's
    attempt is a 404; bad answers re-render the form with the reason and save nothing."""
    attempt = get_object_or_404(
        HomeStudyAttempt.objects.select_related("masterclass"), pk=attempt_id, user=request.user
    )
    masterclass = attempt.masterclass
    error, missing, status = "", [], 200
    chosen: dict[str, list[str]] = {}
    if request.method == "POST":
        chosen = {key: request.POST.getlist(key) for key in request.POST if key.startswith("q")}
        try:
            home_study_attempt_submit(attempt_id=attempt.pk, user=request.user, answers=chosen)
        except HomeStudyAttemptClosed as closed:
            messages.error(request, str(closed))
            return redirect("courses:home_study_attempt", attempt_id=attempt.pk)
        except HomeStudyAnswersInvalid as invalid:
            error, missing, status = str(invalid), invalid.missing, 400
        except HomeStudyError as refused:
            error, status = str(refused), 400
        else:
            return redirect("courses:home_study_attempt", attempt_id=attempt.pk)
        attempt.refresh_from_db()
    if attempt.is_submitted:
        eligibility = home_study_eligibility(user=request.user, masterclass=masterclass)
        return render(
            request,
            "courses/home_study_result.html",
            {
                "attempt": attempt,
                "masterclass": masterclass,
                "eligibility": eligibility,
                "next_attempt": _next_attempt_label(eligibility),
                "site_zone": settings.TIME_ZONE,
                "masterclass_url": masterclass_url(masterclass),
                "blocked_message": home_study_blocked_message(eligibility.blocked),
                "wrong_count": sum(1 for row in attempt.results if not row["correct"]),
                "certificate": home_study_certificate(user=request.user, masterclass=masterclass),
            },
        )
    asked = home_study_attempt_questions(attempt=attempt)
    return render(
        request,
        "courses/home_study_attempt.html",
        {
            "attempt": attempt,
            "masterclass": masterclass,
            "questions": [
                {
                    "question": item.question,
                    "options": item.options,
                    "chosen": chosen.get(f"q{item.question.pk}", []),
                    "missing": item.question.pk in missing,
                }
                for item in asked
            ],
            "error": error,
        },
        status=status,
    )
