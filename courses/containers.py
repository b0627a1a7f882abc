"""Reading the structure of an MP4 or WebM file, when ffprobe is not installed.

A magic number proves nothing: anything can follow four bytes of ``ftyp``. These
functions walk the container the way a player would start to: every MP4 box and every
WebM element must have a sound header and fit inside its parent and the file, and the
parts a browser needs before the first frame must be there (``moov`` with a movie
header and a track, and media data; the WebM EBML header naming ``webm``, then a
segment with ``Info`` and ``Tracks``). Only headers are read, so a 2 GB upload costs a
few thousand small reads.
"""

import string
from typing import BinaryIO

# A pathological file of millions of tiny boxes must not tie up the request: after this
# many headers the structure seen so far decides.
MAX_HEADERS = 20_000

_BOX_TYPE_CHARS = frozenset((string.ascii_letters + string.digits + " -_@©").encode("latin-1"))

WEBM_EBML = 0x1A45DFA3
WEBM_DOCTYPE = 0x4282
WEBM_SEGMENT = 0x18538067
WEBM_INFO = 0x1549A966
WEBM_TRACKS = 0x1654AE6B
WEBM_CLUSTER = 0x1F43B675


class ContainerInvalid(ValueError):
    """The file is not a sound MP4/WebM container; ``str()`` says what is wrong."""


def _read_exact(handle: BinaryIO, offset: int, length: int) -> bytes:
    handle.seek(offset)
    data = handle.read(length)
    if len(data) != length:
        raise ContainerInvalid("the file ends in the middle of a header")
    return data


# --- MP4 (ISO base media file format) ------------------------------------------------


def _mp4_boxes(handle: BinaryIO, start: int, end: int):
    """(type, payload start, box end) for each box between ``start`` and ``end``."""
    offset, count = start, 0
    while offset < end and count < MAX_HEADERS:
        if end - offset < 8:
            raise ContainerInvalid("there are stray bytes after the last box")
        header = _read_exact(handle, offset, 8)
        size, box_type = int.from_bytes(header[:4], "big"), header[4:]
        if not set(box_type) <= _BOX_TYPE_CHARS:
            raise ContainerInvalid("what follows its header is not MP4 data")
        header_size = 8
        if size == 1:
            size = int.from_bytes(_read_exact(handle, offset + 8, 8), "big")
            header_size = 16
        elif size == 0:  # "to the end of the file", only allowed for the last box
            size = end - offset
        if size < header_size or offset + size > end:
            raise ContainerInvalid("its parts do not fit together (damaged, or not a video)")
        yield box_type, offset + header_size, offset + size
        offset += size
        count += 1


def mp4_check(handle: BinaryIO, size: int) -> None:
    """Raise ``ContainerInvalid`` unless ``handle`` holds a well-formed MP4."""
    boxes = _mp4_boxes(handle, 0, size)
    first = next(boxes, None)
    if first is None or first[0] != b"ftyp" or first[2] - first[1] < 8:
        raise ContainerInvalid("it does not start with a file-type box")
    seen: set[bytes] = set()
    for box_type, payload, box_end in boxes:
        seen.add(box_type)
        if box_type == b"moov":
            children = {child for child, _, _ in _mp4_boxes(handle, payload, box_end)}
            if b"mvhd" not in children or b"trak" not in children:
                raise ContainerInvalid("its movie box has no header or no track")
    if b"moov" not in seen:
        raise ContainerInvalid("it has no movie box (moov)")
    if not seen & {b"mdat", b"moof"}:
        raise ContainerInvalid("it has no media data (mdat)")


# --- WebM (Matroska's EBML) ------------------------------------------------------------


def _vint(handle: BinaryIO, offset: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, length, all value bits set) of the EBML variable-size integer at offset."""
    first = _read_exact(handle, offset, 1)[0]
    length = next((n for n in range(1, 9) if first & (0x80 >> (n - 1))), 0)
    if length == 0:
        raise ContainerInvalid("an element header is malformed")
    data = _read_exact(handle, offset, length)
    value = int.from_bytes(data, "big")
    marker = 1 << (7 * length)
    unknown = (value & (marker - 1)) == marker - 1
    return (value if keep_marker else value & (marker - 1)), length, unknown


def _ebml_elements(handle: BinaryIO, start: int, end: int):
    """(id, payload start, element end or None when its size is unknown) per element."""
    offset, count = start, 0
    while offset < end and count < MAX_HEADERS:
        element_id, id_length, _ = _vint(handle, offset, keep_marker=True)
        if id_length > 4:
            raise ContainerInvalid("an element has no valid ID")
        size, size_length, unknown = _vint(handle, offset + id_length, keep_marker=False)
        payload = offset + id_length + size_length
        if unknown:
            yield element_id, payload, None
            return
        if payload + size > end:
            raise ContainerInvalid("an element does not fit in its parent")
        yield element_id, payload, payload + size
        offset = payload + size
        count += 1


def webm_check(handle: BinaryIO, size: int) -> None:
    """Raise ``ContainerInvalid`` unless ``handle`` holds a well-formed WebM file."""
    elements = _ebml_elements(handle, 0, size)
    header = next(elements, None)
    if header is None or header[0] != WEBM_EBML or header[2] is None:
        raise ContainerInvalid("it does not start with an EBML header")
    doc_type = b""
    for element_id, payload, element_end in _ebml_elements(handle, header[1], header[2]):
        if element_id == WEBM_DOCTYPE and element_end is not None:
            doc_type = _read_exact(handle, payload, element_end - payload).rstrip(b"\x00")
    if doc_type != b"webm":
        raise ContainerInvalid("its header does not name the WebM format")
    segment = next(elements, None)
    if segment is None or segment[0] != WEBM_SEGMENT:
        raise ContainerInvalid("it has no segment after the header")
    before_video: set[int] = set()
    clusters = 0
    for element_id, _, _ in _ebml_elements(handle, segment[1], segment[2] or size):
        if element_id == WEBM_CLUSTER:
            clusters += 1
        elif not clusters:
            before_video.add(element_id)
    if not {WEBM_INFO, WEBM_TRACKS} <= before_video:
        raise ContainerInvalid("it has no segment information or no tracks before the video")
    if not clusters:
        raise ContainerInvalid("it has no video data (no cluster)")
