"""Every user-facing string is marked for translation and written in US English."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

import pytest

ROOT = Path(settings.BASE_DIR)
# British spellings we used to write; their US forms are license, program, enrollment...
BRITISH_WORDS = re.compile(
    r"\b(licences?|programmes?|enrolments?|cancell(?:ed|ing)|colours?|honoured|practis(?:e|ing)|"
    r"behaviour|centre|favourite|catalogue)\b",
    re.IGNORECASE,
)
# Template tags other than translate, and variables: code, whatever their names say.
CODE_IN_TEMPLATE = re.compile(r"{%\s*(?!translate|blocktranslate)[^%]*%}|{{.*?}}")


def test_the_catalog_is_committed_and_the_site_is_us_english():
    assert settings.LANGUAGE_CODE == "en-us"
    assert ROOT / "locale" in [Path(p) for p in settings.LOCALE_PATHS]
    assert (ROOT / "locale/en/LC_MESSAGES/django.po").exists()


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (xgettext)")
def test_makemessages_finds_the_strings_people_read(tmp_path):
    """Run the same makemessages as `make messages`, into a copy, and read the catalog."""
    apps = ("accounts", "cms", "courses", "payments", "config", "stripe_fake", "demo")
    for folder in (*apps, "templates"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("migrations")
        )
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    ignore = ["--ignore=stripe_fake", "--ignore=demo"]
    command = [sys.executable, "manage.py", "makemessages", "--locale=en", *ignore]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)  # noqa: S603
    catalog = (tmp_path / "locale/en/LC_MESSAGES/django.po").read_text()
    msgids = set(re.findall(r'^msgid "(.+)"$', catalog, re.MULTILINE))
    for text in [
        "License number",  # the attendee form (payments) and the door form (courses)
        "What happens next",  # the order page
        "Your profile has been saved.",  # a message
        "Dates and tickets",  # the Wagtail editor's panel
        "I confirm this unusual price of %(amount)s",  # the price field
        "Canceled",  # a status
    ]:
        assert text in msgids, text
    british = sorted(m for m in msgids if BRITISH_WORDS.search(m))
    assert british == []


def test_templates_do_not_bring_british_spelling_back():
    """Words people read in templates (identifiers such as `licence_number` or a status
    value compared in a tag are code, and fine)."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if not path.is_file() or "stripe_fake" in path.parts:
            continue
        for number, source in enumerate(path.read_text().splitlines(), 1):
            line = CODE_IN_TEMPLATE.sub(" ", source)
            for match in BRITISH_WORDS.finditer(line):
                before = line[match.start() - 1 : match.start()]
                after = line[match.end() : match.end() + 1]
                if (before in "_.-\"'" and before) or (after in "_-\"'" and after):
                    continue
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert offenders == []
