"""A CE-approved masterclass with the demo's five-question test, for home-study tests."""

from courses.models import Masterclass
from demo.home_study import answers, home_study_approve, home_study_questions_add


def make_ce_approved(masterclass: Masterclass) -> Masterclass:
    return home_study_approve(masterclass)


def add_questions(masterclass: Masterclass) -> None:
    home_study_questions_add(masterclass)


def right_answers(masterclass: Masterclass) -> dict[str, list[str]]:
    return answers(masterclass)


def wrong_answers(masterclass: Masterclass, wrong: int) -> dict[str, list[str]]:
    return answers(masterclass, wrong=wrong)
