"""Reading editors' WebVTT caption files, with errors that name the line to fix.

Each cue block is parsed by webvtt-py in strict mode (timestamps, cue settings); we only
split the file into blocks first, so every error can say on which line its block starts,
and we add the checks a player needs and the library leaves out: a cue must end after it
starts, cues come in time order, and none may start after the video ends.
"""

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

MAX_CAPTION_BYTES = 512 * 1024
# Enough to fix a file in one pass without a wall of messages for a file in the wrong format.
MAX_ERRORS = 8


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str

    def as_dict(self) -> dict:
        return asdict(self)


class CaptionInvalid(ValueError):
    """The file is not usable WebVTT; ``errors`` are messages an editor can act on."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _decode(data: bytes) -> str:
    if len(data) > MAX_CAPTION_BYTES:
        raise CaptionInvalid(
            [
                _("This file is over %(limit)d KB: caption files are smaller. Is it a video?")
                % {"limit": MAX_CAPTION_BYTES // 1024}
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CaptionInvalid(
            [
                _(
                    "Line %(line)d: the file is not UTF-8 text. Save it as UTF-8 and upload it again."
                )
                % {"line": line}
            ]
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _blocks(lines: list[str]):
    """(first line number, lines) of each block of non-empty lines."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:06.3f}"


def _cue(start_line: int, block: list[str]) -> Cue:
    """One cue block through webvtt-py; ``CaptionInvalid`` naming its line otherwise."""
    timing_line = start_line + next(i for i, line in enumerate(block) if "-->" in line)
    try:
        parsed = webvtt.from_string("WEBVTT\n\n" + "\n".join(block) + "\n", strict=True)
    except (MalformedCaptionError, MalformedFileError, ValueError) as exc:
        raise CaptionInvalid(
            [
                _(
                    "Line %(line)d: this cue cannot be read (%(reason)s). A cue timing looks "
                    "like 00:01:02.500 --> 00:01:05.000, with a dot before the milliseconds."
                )
                % {"line": timing_line, "reason": exc}
            ]
        ) from exc
    if len(parsed.captions) != 1:
        raise CaptionInvalid(
            [
                _("Line %(line)d: put a blank line between one cue and the next.")
                % {"line": timing_line}
            ]
        )
    caption = parsed.captions[0]
    start = caption.start_time.in_milliseconds() / 1000
    end = caption.end_time.in_milliseconds() / 1000
    if end <= start:
        raise CaptionInvalid(
            [
                _("Line %(line)d: the cue ends (%(end)s) before it starts (%(start)s).")
                % {"line": timing_line, "start": _clock(start), "end": _clock(end)}
            ]
        )
    return Cue(start=start, end=end, text=" ".join(caption.text.split()))


def webvtt_parse(data: bytes, *, duration_seconds: float | None = None) -> tuple[str, list[Cue]]:
    """The file's text and its cues; ``CaptionInvalid`` with every problem found (up to
    ``MAX_ERRORS``), each naming its line."""
    text = _decode(data)
    lines = text.split("\n")
    first = lines[0] if lines else ""
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise CaptionInvalid(
            [
                _(
                    "Line 1: a WebVTT file starts with the word WEBVTT. Is this an SRT file? "
                    "Convert it to WebVTT (most caption editors export both)."
                )
            ]
        )
    errors: list[str] = []
    cues: list[Cue] = []
    blocks = list(_blocks(lines))
    if any("-->" in line for line in blocks[0][1]):
        errors.append(_("Line 2: leave a blank line between the WEBVTT header and the first cue."))
    for start_line, block in blocks[1:]:  # the first block is the header
        if block[0].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in block[0]:
            continue
        if not any("-->" in line for line in block):
            errors.append(
                _(
                    "Line %(line)d: this is neither a cue timing (00:00:01.000 --> "
                    "00:00:04.000) nor the text of a cue. Cues are separated by one blank line."
                )
                % {"line": start_line}
            )
        else:
            try:
                cue = _cue(start_line, block)
            except CaptionInvalid as invalid:
                errors.extend(invalid.errors)
            else:
                line = start_line + next(i for i, x in enumerate(block) if "-->" in x)
                if cues and cue.start < cues[-1].start:
                    errors.append(
                        _("Line %(line)d: cues must be in time order; this one starts earlier.")
                        % {"line": line}
                    )
                if duration_seconds and cue.start >= duration_seconds:
                    errors.append(
                        _(
                            "Line %(line)d: this cue starts at %(start)s, after the video "
                            "ends (%(end)s). Is this the caption file for another video?"
                        )
                        % {
                            "line": line,
                            "start": _clock(cue.start),
                            "end": _clock(duration_seconds),
                        }
                    )
                cues.append(cue)
        if len(errors) >= MAX_ERRORS:
            break
    if not errors and not cues:
        errors.append(_("The file has a WEBVTT header but no cues."))
    if errors:
        raise CaptionInvalid(errors[:MAX_ERRORS])
    return text, cues
