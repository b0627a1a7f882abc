"""Every user-facing string is marked for translation and written in US English."""

import ast
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
        "Registration for this session is closed.",  # a service error (courses)
        "The batch has no actions.",  # a door-sync error (courses)
        "Everything paid for this order has already been refunded.",  # a refund refusal
        "Receipt for order %(number)s",  # an e-mail subject (payments)
        "Your CE certificate: %(course)s",  # an e-mail subject (courses)
        "Your membership is canceled",  # a membership e-mail
        "%(name)s checked in. Welcome!",  # a staff message, and the door app's word for it
        "Online — all check-ins synced. The list also works offline.",  # the door app (JS)
        "Lesson completed. Well done!",  # the lesson player (JS)
        "Book these seats",  # the phone-booking page
        "Payment disputed with your bank",  # the order page's dispute
        "Slow down a little",  # the 429 page
        "Take a phone booking",  # an admin menu item
        "That device is no longer signed in.",  # signed-in devices (accounts)
        "No longer available",  # a ticket's sale window on a workshop page (cms)
    ]:
        assert text in msgids, text
    plurals = set(re.findall(r'^msgid_plural "(.+)"$', catalog, re.MULTILINE))
    for text in [
        "Only %(count)s seats left in this session.",  # ngettext in a service
        "Offline — %(number)s check-ins waiting to sync",  # the door app's plural
    ]:
        assert text in plurals, text
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


APPS = ("accounts", "cms", "courses", "payments")
MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error"}


def _is_bare_text(node: ast.expr) -> bool:
    """A literal, an f-string, or one formatted from a literal: words nobody can translate."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _is_bare_text(node.left) or _is_bare_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_bare_text(node.func.value)
    return False


def _untranslated_messages(source: str) -> list[int]:
    """Lines of ``messages.<level>(request, text)`` calls whose text is not wrapped."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MESSAGE_LEVELS | {"add_message"}
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "messages"
        ):
            continue
        position = 2 if node.func.attr == "add_message" else 1
        texts = [kw.value for kw in node.keywords if kw.arg == "message"]
        if len(node.args) > position:
            texts.append(node.args[position])
        if any(_is_bare_text(text) for text in texts):
            lines.append(node.lineno)
    return lines


def test_the_guard_finds_bare_messages():
    source = (
        'messages.success(request, "Saved.")\n'
        'messages.error(request, f"{name} is gone.")\n'
        'messages.info(request, "Hello %s" % name)\n'
        'messages.add_message(request, messages.INFO, "Hi {}".format(name))\n'
        'messages.warning(request, message="Careful.")\n'
        'messages.success(request, _("Saved."))\n'
        "messages.error(request, str(error))\n"
        'messages.info(request, gettext("%(name)s left.") % {"name": name})\n'
        "messages.success(request, text)\n"
    )
    assert _untranslated_messages(source) == [1, 2, 3, 4, 5]


def test_messages_to_people_are_wrapped_for_translation():
    """Every ``messages.success/error/warning/info`` of our apps passes gettext'd words."""
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line in _untranslated_messages(path.read_text()):
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == []


# A sentence in a JavaScript string: a capital, then at least two more words.
JS_SENTENCE = re.compile(r"""["'][A-Z][a-z']+;? [a-z]+[ ,;:.][^"']*["']""")


def test_our_javascript_takes_its_words_from_the_page():
    """Our scripts read what they say from translated ``data-*`` attributes or a JSON
    catalog in the page; a sentence written into a script reaches nobody's language."""
    offenders = []
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if JS_SENTENCE.search(code):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
