"""Demo images drawn with Pillow, so the demo needs no downloads and no binary files in git."""

import io
import math
from functools import cache

from django.core.files.images import ImageFile

from wagtail.images.models import Image

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter

PALETTES = {
    "teal": ((15, 82, 87), (230, 240, 239), (246, 201, 168)),
    "sand": ((180, 83, 42), (251, 238, 230), (15, 82, 87)),
    "sage": ((70, 110, 90), (232, 240, 232), (246, 201, 168)),
    "dusk": ((40, 60, 90), (230, 234, 242), (240, 170, 140)),
}


@cache
def _render(palette: str, width: int = 1600, height: int = 1000, seed: int = 1) -> bytes:
    """Drawn once per process (a blurred 1600x1000 image takes ~0.1 s, and tests seed
    the demo dozens of times); later seeds reuse the bytes."""
    deep, light, accent = PALETTES[palette]
    img = PILImage.new("RGB", (width, height), light)
    draw = ImageDraw.Draw(img)
    for y in range(height):
        t = y / height
        colour = tuple(int(light[i] * (1 - t * 0.35) + deep[i] * t * 0.35) for i in range(3))
        draw.line([(0, y), (width, y)], fill=colour)
    for i in range(7):
        angle = seed + i * 0.9
        cx = width * (0.5 + 0.38 * math.cos(angle))
        cy = height * (0.5 + 0.32 * math.sin(angle * 1.3))
        r = height * (0.16 + 0.05 * (i % 3))
        fill = accent if i % 2 else deep
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    img = img.filter(ImageFilter.GaussianBlur(radius=height / 18))
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()


def demo_image(title: str, palette: str, seed: int = 1) -> Image:
    """Return the demo image with this title, creating it once."""
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    data = _render(palette, seed=seed)
    filename = title.lower().replace(" ", "-") + ".jpg"
    image = Image(title=title)
    image.file = ImageFile(io.BytesIO(data), name=filename)
    image.save()
    return image
