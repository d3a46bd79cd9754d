"""Photo intake: decode to check, re-encode without metadata, thumbnail, store under new names."""
import io
import secrets
import warnings
from dataclasses import dataclass

from portal.core.i18n import _
from portal.core.storage import private_dir, write_private_file

FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
           "WEBP": ("image/webp", ".webp")}
THUMBNAIL_SIZE = (320, 320)


class PhotoInvalid(ValueError):
    """A photo that cannot be accepted; the message is for the resident."""


@dataclass
class PreparedPhoto:
    data: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _encode(image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def prepare_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> PreparedPhoto:
    """Check a photo by decoding it and re-encode it with orientation applied and no metadata."""
    # Imported here: only web processes take photos (gunicorn's master loads Pillow before it
    # forks, portal.WEB_ONLY_LIBRARIES); the background worker and commands never need it.
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise PhotoInvalid(_("The photo file is empty."))
    if len(data) > max_bytes:
        raise PhotoInvalid(_("Each photo may be at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    too_large = PhotoInvalid(_("This image is too large (%(mp)d megapixels at most).",
                                mp=max_pixels // 1_000_000))
    try:
        # Our own pixel limit below is the guard; Pillow's warning would only repeat it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in FORMATS:
                raise PhotoInvalid(_("Photos must be JPEG, PNG or WebP images."))
            # Checked on the header, before any pixel is decoded: a decompression bomb stops here.
            if width * height > max_pixels:
                raise too_large
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except PhotoInvalid:
        raise
    except Image.DecompressionBombError:
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoInvalid(_("This file is not a readable JPEG, PNG or WebP image.")) from None
    # A fresh info dict drops EXIF, XMP, GPS and comments; only pixels are written out.
    image.info = {}
    content_type, extension = FORMATS[fmt]
    thumb = image.convert("RGBA") if image.mode in ("P", "LA") else image.copy()
    if thumb.mode == "RGBA":
        flat = Image.new("RGB", thumb.size, "white")
        flat.paste(thumb, mask=thumb.split()[-1])
        thumb = flat
    thumb.thumbnail(THUMBNAIL_SIZE)
    return PreparedPhoto(data=_encode(image, fmt), thumbnail=_encode(thumb, "JPEG"),
                         content_type=content_type, extension=extension,
                         width=image.width, height=image.height)


def write_photo_files(prepared: PreparedPhoto, upload_dir: str) -> tuple:
    """Write the photo and its thumbnail under generated names; returns (name, thumbnail name)."""
    directory = private_dir(upload_dir)
    stem = secrets.token_hex(16)
    name, thumb_name = stem + prepared.extension, stem + ".thumb.jpg"
    write_private_file(directory / name, prepared.data)
    write_private_file(directory / thumb_name, prepared.thumbnail)
    return name, thumb_name
