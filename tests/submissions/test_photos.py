"""Photos: checked by decoding, re-encoded without metadata, thumbnailed, stored outside static/."""
import io
from pathlib import Path

import pytest
from PIL import Image

from portal.extensions import db
from portal.submissions.models import Photo, Submission
from tests.helpers import VALID_FORM, submit_form


def jpeg_with_metadata(size=(40, 20)) -> bytes:
    """A JPEG carrying an orientation flag, a camera maker, GPS coordinates and XMP."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90°: the stored image must come out upright (20×40)
    exif[0x010F] = "SpyCam"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 15.0, 30.0)
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "JPEG", exif=exif.tobytes(),
                                       xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
                                           b'homeaddr</x:xmpmeta>')
    return buf.getvalue()


def png_bytes(size=(30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 128)).save(buf, "PNG")
    return buf.getvalue()


def post_with_photos(client, photos, lang="en"):
    files = {"photos": [(io.BytesIO(data), name) for name, data in photos]}
    return submit_form(client, "/submit", VALID_FORM, lang=lang, files=files)


def test_photo_is_stripped_of_metadata_rotated_and_thumbnailed(client, app):
    original = jpeg_with_metadata()
    assert b"SpyCam" in original and b"homeaddr" in original
    response = post_with_photos(client, [("lamp.jpg", original), ("sign.png", png_bytes())])
    assert response.status_code == 303
    with app.app_context():
        photos = db.session.query(Photo).order_by(Photo.id).all()
        upload_dir = Path(app.config["PORTAL_UPLOAD_DIR"])
        assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
        stored = (upload_dir / photos[0].filename).read_bytes()
        for marker in (b"SpyCam", b"homeaddr", b"Exif", b"GPS"):
            assert marker not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.size == (20, 40)
            assert not image.getexif()
        with Image.open(upload_dir / photos[0].thumbnail) as thumb:
            assert thumb.format == "JPEG" and max(thumb.size) <= 320
        assert "lamp" not in photos[0].filename  # generated names, never the resident's
        assert not str(upload_dir).startswith(str(Path(app.static_folder)))


def test_renamed_pdf_is_refused_with_a_message(client, app):
    response = post_with_photos(client, [("photo.jpg", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF")])
    assert response.status_code == 422
    assert "This file is not a readable JPEG, PNG or WebP image." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Submission).count() == 0


def test_other_image_formats_are_refused(client, app):
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    response = post_with_photos(client, [("a.gif", buf.getvalue())], lang="zh")
    assert "照片必须是 JPEG、PNG 或 WebP 格式的图片。" in response.get_data(as_text=True)


@pytest.mark.parametrize("side", [12_000, 15_000])  # under and over Pillow's own hard limit
def test_decompression_bomb_is_refused_before_decoding(client, app, side):
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, "PNG")  # 144 or 225 megapixels in a few kilobytes
    assert len(buf.getvalue()) < 100_000
    response = post_with_photos(client, [("bomb.png", buf.getvalue())])
    assert response.status_code == 422
    assert "This image is too large (40 megapixels at most)." in response.get_data(as_text=True)


def test_more_than_three_photos_are_refused(client, app):
    response = post_with_photos(client, [(f"{i}.png", png_bytes()) for i in range(4)])
    assert "You can add at most 3 photos." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Photo).count() == 0
    assert list(Path(app.config["PORTAL_UPLOAD_DIR"]).glob("*")) == []


@pytest.mark.parametrize("lang,message", [("en", "What you sent is too large"),
                                          ("zh", "提交的内容过大")])
def test_huge_upload_gets_413_page_not_500(client, app, lang, message):
    response = post_with_photos(client, [("big.jpg", b"\xff" * (50 * 1024 * 1024))], lang=lang)
    assert response.status_code == 413
    assert message in response.get_data(as_text=True)


def test_photos_are_served_only_once_published(client, app, make_submission):
    with app.app_context():
        draft = make_submission(photos=[png_bytes()])
        name = draft.photos[0].filename
        assert client.get(f"/photos/{name}").status_code == 404
        make_submission(photos=[png_bytes()], publish=True)
        published = db.session.query(Photo).order_by(Photo.id.desc()).first()
        response = client.get(f"/photos/{published.thumbnail}")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"


def test_files_are_removed_when_the_transaction_rolls_back(app_ctx, app, make_submission):
    make_submission(photos=[png_bytes()], commit=False)
    upload_dir = Path(app.config["PORTAL_UPLOAD_DIR"])
    assert len(list(upload_dir.glob("*"))) == 2
    db.session.rollback()
    assert list(upload_dir.glob("*")) == []


def test_files_of_a_committed_submission_outlast_later_rollbacks(app_ctx, app, make_submission):
    """A command or worker round that rolls back later in the same session (a read-only step,
    a failed item) leaves the photos of what it committed before alone."""
    make_submission(photos=[png_bytes()])
    upload_dir = Path(app.config["PORTAL_UPLOAD_DIR"])
    assert len(list(upload_dir.glob("*"))) == 2
    db.session.execute(db.select(Photo)).all()
    db.session.rollback()
    assert len(list(upload_dir.glob("*"))) == 2
