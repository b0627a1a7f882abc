"""HTTP Range requests (RFC 9110 §14) for a single file of known size."""

from dataclasses import dataclass

MAX_RANGES = 32


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    pass


def parse_range_header(header: str, size: int) -> ByteRange | None:
    """The one byte range to send, or None to send the whole file.

    A header we cannot parse, or one with an unknown unit, is ignored (a 200), as the RFC
    allows. Several ranges are coalesced into the single range that covers them, which
    answers every part in one response. If no range overlaps the file,
    ``RangeNotSatisfiable`` (a 416).
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    parts = [part.strip() for part in spec.split(",")]
    if len(parts) > MAX_RANGES:
        return None
    satisfiable: list[ByteRange] = []
    for part in parts:
        first, dash, last = part.partition("-")
        first, last = first.strip(), last.strip()
        if not dash or (first and not first.isdigit()) or (last and not last.isdigit()):
            return None
        if not first:
            if not last:
                return None
            suffix = int(last)
            if suffix == 0 or size == 0:
                continue
            satisfiable.append(ByteRange(max(0, size - suffix), size - 1))
            continue
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return None
        if start >= size:
            continue
        satisfiable.append(ByteRange(start, min(end, size - 1)))
    if not satisfiable:
        raise RangeNotSatisfiable
    return ByteRange(min(r.start for r in satisfiable), max(r.end for r in satisfiable))
