"""Logo uploads: only real PNG, JPEG or WebP images, re-encoded before they are stored.

An upload is never stored as sent. It must be small (MAX_BYTES), open with
Pillow as one of the three raster formats (SVG is refused: it can carry
scripts), declare at most MAX_SIDE pixels a side before any pixel is decoded
(a decompression bomb is a tiny file declaring a huge image), and survive
Pillow's verify. It is then decoded, turned upright, downscaled to fit
DISPLAY_BOX and written anew as a PNG with no metadata (EXIF, ICC, text
chunks), under a random name through Django's storage API.
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4096
DISPLAY_BOX = (640, 320)
FORMATS = ("PNG", "JPEG", "WEBP")
LOGO_DIR = "brand"
REFUSED_FORMAT = "Upload a PNG, JPEG or WebP image. SVG and other formats are refused (an SVG can carry scripts)."


def logo_upload_to(instance, filename: str) -> str:
    """A new unguessable name whatever the upload was called."""
    return f"{LOGO_DIR}/{secrets.token_urlsafe(18)}.png"


def _open(data: bytes) -> Image.Image:
    # Pillow warns, then raises, past its own pixel limit; both are a refusal here.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            if isinstance(error, UnidentifiedImageError):
                raise ValidationError(REFUSED_FORMAT) from error
            raise ValidationError(f"The image is larger than {MAX_SIDE}×{MAX_SIDE} pixels.") from error
    width, height = image.size
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError(f"The image is {width}×{height} pixels; the limit is {MAX_SIDE}×{MAX_SIDE}.")
    return image


def clean_logo(upload) -> ContentFile:
    """The upload re-encoded as a metadata-free PNG, or a ValidationError saying what is wrong."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; a logo may be at most {MAX_BYTES // 1024 // 1024} MB."
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(f"A logo may be at most {MAX_BYTES // 1024 // 1024} MB.")
    try:
        _open(data).verify()
        image = _open(data)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        image = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ValidationError("The image could not be read: it is damaged or not what its format says.") from error
    image = image.convert("RGBA")
    image.thumbnail(DISPLAY_BOX, Image.Resampling.LANCZOS)
    # A fresh image carries only pixels: no EXIF, ICC profile or text chunks of the upload.
    clean = Image.new("RGBA", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="logo.png")


def delete_logo(name: str) -> None:
    """Remove a replaced logo's file; a missing file is no error."""
    if name:
        default_storage.delete(name)
