"""A member who watched every lesson takes the home-study CE test: fails once and sees
what was wrong, passes, downloads the Home Study certificate and its verification page
confirms it; the CE transcript lists it. Screenshots at 1280 and 390 px."""

import io
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from courses.formatting import local_date
from courses.models import Certificate
from tests.e2e.conftest import Shots, axe_run
from tests.factories import DEFAULT_PASSWORD, AccessGrantFactory, LessonProgressFactory, UserFactory
from tests.home_study import add_questions, make_ce_approved

SERIES = "/masterclasses/persistent-low-back-pain/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def member(transactional_db, page_tree):
    masterclass = make_ce_approved(page_tree.series.masterclass)
    add_questions(masterclass)
    user = UserFactory(
        email="jordan.avery@example.com", full_name="Jordan Avery", licence_number="MT-55012"
    )
    AccessGrantFactory(user=user)
    for lesson in (page_tree.preview, page_tree.lesson):
        LessonProgressFactory(
            user=user,
            lesson_key=str(lesson.pk),
            masterclass=masterclass,
            position_seconds=24,
            duration_seconds=24,
            completed_at=timezone.now(),
        )
    return user, masterclass


def answer(page, masterclass, *, wrong: int) -> None:
    """Choose the right options, except for the first ``wrong`` questions (by the bank's
    order, whatever order the page shuffled them into)."""
    for number, question in enumerate(masterclass.test_questions.order_by("sort_order", "pk")):
        fieldset = page.locator("fieldset", has_text=question.text)
        options = list(question.options.all())
        chosen = [o for o in options if o.is_correct]
        if number < wrong:
            chosen = [next(o for o in options if not o.is_correct)]
        for option in chosen:
            fieldset.get_by_label(option.text, exact=True).check()


def both_widths(page, shots: Shots, label: str) -> None:
    shots(f"{label}-1280")
    page.set_viewport_size(PHONE)
    shots(f"{label}-390")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{label} scrolls sideways on a phone ({width}px)"
    page.set_viewport_size(DESKTOP)


def no_axe_violations(page) -> None:
    violations = axe_run(page)
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def test_member_fails_then_passes_and_gets_a_home_study_certificate(page, live, member, request):
    user, masterclass = member
    shots = Shots(page, request.node.name)
    page.goto(live.url + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/account/")

    page.goto(live.url + SERIES)
    page.get_by_role("link", name="Take the CE test").click()
    expect(page.get_by_role("heading", name=masterclass.ce_title)).to_be_visible()
    both_widths(page, shots, "test-overview")
    page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_role("group")).to_have_count(5)
    no_axe_violations(page)
    both_widths(page, shots, "test-questions")

    # Submitting with nothing chosen: a clear error, and the attempt stays open.
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Answer every question before you submit")
    expect(page.get_by_text("Answer this question.")).to_have_count(5)
    shots("missing-answers")

    answer(page, masterclass, wrong=2)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Not passed this time")).to_be_visible()
    expect(page.get_by_text("2 answers were wrong")).to_be_visible()
    expect(page.locator(".home-study__question--wrong")).to_have_count(2)
    expect(page.get_by_text("cervical arterial dysfunction")).to_be_visible()
    no_axe_violations(page)
    both_widths(page, shots, "result-failed")

    page.get_by_role("link", name="Retake the test").click()
    page.get_by_role("button", name="Start the test").click()
    answer(page, masterclass, wrong=0)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="You passed")).to_be_visible()
    expect(page.get_by_text("100 %")).to_be_visible()
    both_widths(page, shots, "result-passed")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    pdf_path = Path(download_info.value.path())
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    # Words as printed: whitespace collapsed, and a title hyphen-wrapped at a line end joined.
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split()).replace("- ", "-")
    certificate = Certificate.objects.get(user=user, masterclass=masterclass)
    for fact in [
        "Home Study",
        masterclass.ce_title,
        local_date(certificate.session_ended_on),
        "1 CE hour",
        settings.CE_PROVIDER_NAME,
        " ".join(settings.CE_PROVIDER_ADDRESS.split()),
        masterclass.ce_provider_approval_number,
        settings.CE_SIGNATORY,
        "Jordan Avery",
        "MT-55012",
    ]:
        assert fact in text, f"{fact!r} missing from the certificate: {text}"
    assert "CEU" not in text

    page.get_by_role("link", name="Verification page").click()
    expect(page.get_by_role("heading", name="This CE certificate is valid")).to_be_visible()
    expect(page.get_by_text("Home Study")).to_be_visible()
    expect(page.get_by_text(masterclass.ce_title)).to_be_visible()
    shots("verification")

    page.goto(live.url + "/account/")
    page.get_by_role("link", name=re.compile("CE transcript")).click()
    expect(page.get_by_role("heading", name="Continuing education transcript")).to_be_visible()
    expect(page.get_by_role("cell", name=masterclass.ce_title, exact=True)).to_be_visible()
    no_axe_violations(page)
    both_widths(page, shots, "transcript")
    page.emulate_media(media="print")
    shots("transcript-print")
    page.emulate_media(media="screen")
