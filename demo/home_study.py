"""The demo's CE-approved masterclass: approval facts, a five-question test on the neck and
shoulder, and the demo member's passed attempt with its Home Study certificate.
Safe to run again (nothing is added twice)."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import HomeStudyOption, HomeStudyQuestion, Masterclass, QuestionKind

CE_TITLE = (
    "The Neck and Shoulder Complex: Safe Screening, Soft-Tissue Treatment and Scapular Control"
)
APPROVAL_NUMBER = "NCBTMB 1099-482"

# (question, kind, [(option, correct)], explanation)
QUESTIONS = [
    (
        "Before neck work, a client mentions dizziness and double vision when they look up. "
        "What do you do?",
        QuestionKind.SINGLE,
        [
            ("Skip neck work today and refer them to their physician", True),
            ("Use lighter pressure on the neck and continue", False),
            ("Stretch the neck into extension to test it", False),
            ("Treat the shoulders only and reassess next week", False),
        ],
        "Dizziness and double vision are among the warning signs of cervical arterial "
        "dysfunction (the \u201c5 Ds and 3 Ns\u201d). Neck work waits until a physician has "
        "assessed them; provoking the symptoms on the table is never a test.",
    ),
    (
        "Which of these belong to the screening questions before any neck work? "
        "Select all that apply.",
        QuestionKind.MULTIPLE,
        [
            ("Dizziness or drop attacks", True),
            ("Difficulty swallowing or speaking", True),
            ("Numbness or tingling in the face", True),
            ("Which pillow the client prefers", False),
        ],
        "Dizziness, drop attacks, difficulty swallowing (dysphagia) or speaking (dysarthria) "
        "and facial numbness are red flags to ask about every time; pillow preference is "
        "useful history but not a safety screen.",
    ),
    (
        "Where does the levator scapulae attach?",
        QuestionKind.SINGLE,
        [
            ("Transverse processes of C1-C4 and the superior angle of the scapula", True),
            ("Spinous processes of C7-T5 and the acromion", False),
            ("Occiput and the lateral third of the clavicle", False),
        ],
        "Levator scapulae runs from the transverse processes of C1-C4 to the superior angle "
        "of the scapula; the occiput-to-clavicle line is the upper trapezius.",
    ),
    (
        "For a client with a sensitive neck, which position lets the upper trapezius "
        "soften before you work on it?",
        QuestionKind.SINGLE,
        [
            ("Side-lying with the head supported level and the shoulder slightly elevated", True),
            ("Prone with the head turned fully to one side", False),
            ("Seated with the neck flexed forward against resistance", False),
        ],
        "Side-lying with the head supported in line shortens the upper trapezius and keeps "
        "the neck neutral; full rotation in prone loads the very tissues you want to calm.",
    ),
    (
        "Which make a home program for shoulder blade control more likely to be done? "
        "Select all that apply.",
        QuestionKind.MULTIPLE,
        [
            ("Two exercises, clearly dosed (for example 2 x 10, daily)", True),
            ("Checking at the next visit how it went", True),
            ("A long list covering every shoulder muscle", False),
        ],
        "Adherence drops as programs grow. Two well-dosed exercises, reviewed at each visit, "
        "are done far more often than a long list.",
    ),
]


def home_study_approve(masterclass: Masterclass) -> Masterclass:
    masterclass.ce_approved = True
    masterclass.ce_title = CE_TITLE
    masterclass.ce_hours = Decimal("1")
    masterclass.ce_provider_approval_number = APPROVAL_NUMBER
    masterclass.passing_grade_percent = 80
    masterclass.max_retakes = 2
    masterclass.retake_cooldown_hours = 0
    masterclass.save()
    return masterclass


def home_study_questions_add(masterclass: Masterclass) -> None:
    if masterclass.test_questions.exists():
        return
    for number, (text, kind, options, explanation) in enumerate(QUESTIONS):
        question = HomeStudyQuestion.objects.create(
            masterclass=masterclass,
            text=text,
            kind=kind,
            explanation=explanation,
            sort_order=number,
        )
        for order, (option, correct) in enumerate(options):
            HomeStudyOption.objects.create(
                question=question, text=option, is_correct=correct, sort_order=order
            )


def seed_home_study(*, masterclass_slug: str, member_email: str) -> None:
    """CE-approve the masterclass; the member watched every lesson and passed the test."""
    from courses.locators import masterclass_lessons
    from courses.models import LessonProgress
    from courses.services.home_study import home_study_attempt_start, home_study_attempt_submit

    masterclass = Masterclass.objects.filter(slug=masterclass_slug).first()
    member = get_user_model().objects.filter(email=member_email).first()
    if masterclass is None or member is None:
        return
    home_study_approve(masterclass)
    home_study_questions_add(masterclass)
    if member.home_study_certificates.filter(masterclass=masterclass).exists():
        return
    now = timezone.now()
    for lesson in masterclass_lessons(masterclass.pk):
        LessonProgress.objects.update_or_create(
            user=member,
            lesson_key=lesson.key,
            defaults={
                "masterclass": masterclass,
                "position_seconds": 24,
                "duration_seconds": 24,
                "completed_at": now,
                "updated_at": now,
            },
        )
    attempt = home_study_attempt_start(user=member, masterclass=masterclass)
    home_study_attempt_submit(attempt_id=attempt.pk, user=member, answers=answers(masterclass))


def answers(masterclass: Masterclass, *, wrong: int = 0) -> dict[str, list[str]]:
    """Form-style answers: right ones, except the first ``wrong`` questions (which get a
    wrong option)."""
    result = {}
    for number, question in enumerate(masterclass.test_questions.order_by("sort_order", "pk")):
        options = list(question.options.all())
        chosen = [o for o in options if o.is_correct]
        if number < wrong:
            chosen = [next(o for o in options if not o.is_correct)]
        result[f"q{question.pk}"] = [str(o.pk) for o in chosen]
    return result
