"""Search result cards: the `hit_card` macro rendered once per shape, filled in per result.

A varied search page shows twenty results, and rendering twenty cards (labels, names, dates,
counts, links, escaping) cost its template more than the rest of the page. Most of what a card
shows is the same for many results: the labels of its status and kind, whether it was
published, its count of supports, whether this visitor supported it, the support form. That
is its shape. The macro is rendered once per shape with a marker in place of each value a
result has its own (title, snippet, links, code, category and area names, date), and a result
is its shape's text with its escaped values put in at the markers.

A shape's key holds everything the macro decides on besides those values: the reader's
language and time zone, the page kind, the status, kind, published flag and count of supports,
whether this visitor supported it, and the form's CSRF token and key (on a public page their
placeholders, see portal.core.pagecache). A change of any of them is another shape, never a
stale one, so nothing needs to be forgotten; the least recently used shapes leave when the
store is full.
"""
import re
import secrets
import threading

from cachetools import LRUCache
from flask import current_app
from flask_babel import get_timezone
from markupsafe import Markup, escape

from portal.core.i18n import current_locale, localized
from portal.core.templating import moment_formatter
from portal.core.urls import url_for_each

SHAPES_KEPT = 1024  # a few kilobytes each; most results share a few dozen
SHAPE = ("status", "kind", "published", "support_count")  # what a shape's key holds of a result
VALUES = ("title", "snippet", "detail_url", "track_url", "support_url", "code", "category",
          "area", "created")  # what each result puts in at its shape's markers


class CardShapes:
    """One application's rendered shapes: the text between the markers, and which value goes
    after each piece."""

    def __init__(self, size: int = SHAPES_KEPT):
        self.shapes = LRUCache(maxsize=size)
        self.lock = threading.Lock()  # an LRUCache reorders itself on every read
        # Private-use characters and a random word: no label or translation contains them.
        mark = secrets.token_hex(6)
        self.markers = {name: f"\ue000{mark}{name}\ue001" for name in VALUES}
        self.split = re.compile(f"\ue000{mark}(\\w+)\ue001")

    def shape(self, reader: tuple, shown: tuple, supported: bool) -> tuple:
        """(pieces of text, names of the values between them) of the card a reader
        (language, time zone, staff page, form token and key) sees of a result whose status,
        kind, published flag and count of supports are `shown`."""
        key = (reader, shown, supported)
        with self.lock:
            found = self.shapes.get(key)
        if found is None:
            _locale, _zone, staff, token, nonce = reader
            macro = current_app.jinja_env.get_template("search/_hit.html").module.hit_card
            # The macro reads `card.status`... and `card.title`...: Jinja looks them up in a dict.
            marked = {**dict(zip(SHAPE, shown, strict=True)), **self.markers}
            card = str(macro(marked, staff, supported, token, nonce))
            parts = self.split.split(card)
            found = (tuple(parts[0::2]), tuple(parts[1::2]))
            with self.lock:
                self.shapes[key] = found
        return found

    def clear(self) -> None:
        with self.lock:
            self.shapes.clear()


def init_card_shapes(app) -> None:
    """Give the application its own store of card shapes."""
    app.extensions["portal_search_card_shapes"] = CardShapes()


def render_cards(hits, *, staff: bool, supported, token: str = "", nonce: str = "") -> Markup:
    """The result list's items, one card per hit."""
    shapes = current_app.extensions["portal_search_card_shapes"]
    locale = current_locale()
    reader = (locale, str(get_timezone()), staff, token, nonce)
    links = {"detail_url": url_for_each("submissions.published_detail", "submission_id"),
             "support_url": url_for_each("search.support", "submission_id")}
    if staff:
        links["track_url"] = url_for_each("submissions.track", "code")
    created = moment_formatter("short")
    out = []
    for hit in hits:
        s = hit.submission
        own = s.id in supported
        texts, names = shapes.shape(reader, (s.status, s.kind, s.published, s.support_count),
                                    own)
        out.append(texts[0])
        for name, text in zip(names, texts[1:], strict=True):
            if name == "title":
                value = hit.title
            elif name == "snippet":
                value = hit.snippet
            elif name in links:
                value = escape(links[name](s.code if name == "track_url" else s.id))
            elif name == "code":
                value = escape(s.display_code)
            elif name == "created":
                value = escape(created(s.created_at))
            else:  # category, area
                row = getattr(s, name)
                value = escape(localized(row, "name", locale)) if row is not None else ""
            out.append(value)
            out.append(text)
    return Markup("".join(out))
