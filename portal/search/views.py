"""Search pages: public (published only), staff (everything), suggestions, "my problem too"."""
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from portal.accounts.permissions import register_staff_link, role_required
from portal.core.errors import error_response
from portal.core.i18n import _l, localized
from portal.core.pagecache import (
    csrf_token_or_hole,
    form_nonce_or_hole,
    public_page,
    register_personal_session_key,
)
from portal.core.ratelimit import client_address
from portal.core.templating import format_number
from portal.search.cards import init_card_shapes, render_cards
from portal.search.forms import SearchForm
from portal.search.searchers import searcher_version
from portal.search.services import search, similar_published
from portal.stations.services import reference_names
from portal.submissions.idempotency import IdempotencyKeyInvalid, issued_key
from portal.submissions.labels import CHANNEL_LABELS, KIND_LABELS, STATUS_LABELS
from portal.submissions.listings import find_published
from portal.submissions.supports import SupportError, add_support

bp = Blueprint("search", __name__, template_folder="templates")
QUERY_SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unescaped in a URL's query string


@bp.record_once
def _register_links(state):
    """Staff navigation for this feature's pages; the session key that makes pages personal;
    the kept shapes of result cards."""
    register_staff_link(state.app, "search.staff_search", _l("Search all submissions"),
                        "viewer", "moderator", "dispatcher")
    register_personal_session_key(state.app, SUPPORTED_KEY)
    init_card_shapes(state.app)


SUPPORTED_KEY = "supported"  # submission ids this browser session already supported
VISITOR_KEY = "visitor"  # who supports: one random id per browser session


FIXED_LABELS = {"kind": KIND_LABELS, "status": STATUS_LABELS, "channel": CHANNEL_LABELS}
FACET_VALUES_SHOWN = 15


@dataclass(frozen=True)
class FacetValue:
    """One value in a filter list: its label, its count and the link that filters by it
    (None for the value already chosen)."""

    label: str
    count: str
    href: str | None


def _value_labeller(names: dict):
    """A function naming a filter value in the reader's language (a code when unknown)."""
    def label(name: str, value: str) -> str:
        fixed = FIXED_LABELS.get(name)
        if fixed is not None:
            return str(fixed.get(value, value))
        row = names.get(name, {}).get(value)
        return localized(row, "name") if row is not None else value
    return label


def _value_links(base: str, args: dict, name: str):
    """A function giving the link of this search with filter `name` set to a value, back on
    page 1: the same text as `link(name=value)`, with the other parameters encoded once for
    all of the filter's values."""
    names = list(args)
    cut = names.index(name) if name in names else len(names)
    before = urlencode({key: args[key] for key in names[:cut]}, safe=QUERY_SAFE)
    after = urlencode({key: args[key] for key in names[cut + 1:]}, safe=QUERY_SAFE)

    def value_link(value: str) -> str:
        own = urlencode({name: value}, safe=QUERY_SAFE)
        return f"{base}?{'&'.join(part for part in (before, own, after) if part)}"
    return value_link


def _facet_values(facets: dict, args: dict, base: str, label) -> dict:
    """{filter name: [FacetValue]} for the filter lists, built once here rather than by a
    template macro per value (a page shows up to 90 of them)."""
    shown = {}
    for name, counts in facets.items():
        if counts:
            value_link = _value_links(base, args, name)
            shown[name] = [FacetValue(label(name, value), format_number(count),
                                      None if args.get(name) == value else value_link(value))
                           for value, count in counts[:FACET_VALUES_SHOWN]]
    return shown


def _render(endpoint: str, staff: bool):
    form = SearchForm(request.args)
    values = form.service_values(staff=staff)
    results = search(**values, per_page=current_app.config["PORTAL_PUBLIC_PAGE_SIZE"])
    args = {k: v for k, v in request.args.items() if v and k not in ("page", "lang")}

    base = url_for(endpoint)

    def link(**changes):
        """This search with some parameters changed (None removes one), back on page 1.

        A page links every facet value (up to 90 links): the query string is encoded as
        url_for encodes it (Werkzeug's safe characters), without building the route each time.
        """
        merged = {k: v for k, v in {**args, **changes}.items() if v}
        return f"{base}?{urlencode(merged, safe=QUERY_SAFE)}" if merged else base

    value_label = _value_labeller(reference_names())
    page = render_template("search/search.html", form=form, results=results, staff=staff,
                           endpoint=endpoint, args=args, link=link, value_label=value_label,
                           facets=_facet_values(results.facets, args, base, value_label),
                           cards=_cards(results.hits, staff))
    return (page, 400) if form.has_bad_bounds() else page  # a plain page may be cached


def _cards(hits, staff: bool):
    """The results' cards; support forms carry this page's CSRF token and key (placeholders
    on a public page), asked for only when a card shows a form."""
    supported = frozenset(session.get(SUPPORTED_KEY, []))
    with_form = not staff and any(hit.submission.id not in supported for hit in hits)
    return render_cards(hits, staff=staff, supported=supported,
                        token=csrf_token_or_hole() if with_form else "",
                        nonce=form_nonce_or_hole() if with_form else "")


@bp.get("/search")
@public_page(versions=(searcher_version,))
def public_search():
    """Search published submissions, with filters and counts."""
    return _render("search.public_search", staff=False)


@bp.get("/staff/search")
@role_required("viewer", "moderator", "dispatcher")
def staff_search():
    """Search every submission, unpublished and held ones included."""
    return _render("search.staff_search", staff=True)


@bp.get("/search/similar")
def similar():
    """JSON: up to five published submissions similar to a title being typed."""
    rows = similar_published(request.args.get("q", ""))
    return jsonify(results=[{
        "id": s.id, "title": s.public_title, "support_count": s.support_count,
        "url": url_for("submissions.published_detail", submission_id=s.id),
        "support_url": url_for("search.support", submission_id=s.id)} for s in rows])


@bp.post("/submissions/<int:submission_id>/support")
def support(submission_id):
    """"This is my problem too": count one more voice instead of a new submission."""
    key = issued_key(request.form.get("idempotency_key") or None)
    visitor = session.setdefault(VISITOR_KEY, secrets.token_urlsafe(18))
    add_support(find_published(submission_id), visitor=f"web:{visitor}",
                address=client_address(), channel="web", idempotency_key=key)
    supported = session.get(SUPPORTED_KEY, [])
    if submission_id not in supported:
        session[SUPPORTED_KEY] = (supported + [submission_id])[-200:]
    return redirect(url_for(".supported", submission_id=submission_id), code=303)


@bp.errorhandler(SupportError)
def _support_refused(exc):
    """A support that was not counted: the reason, in the visitor's language."""
    return error_response(exc.status, exc.message)


@bp.errorhandler(IdempotencyKeyInvalid)
def _support_key_invalid(_exc):
    """A support form whose key was tampered with."""
    return error_response(400)


@bp.get("/submissions/<int:submission_id>/supported")
def supported(submission_id):
    """Thanks after adding support, with the submission's count."""
    submission = find_published(submission_id) or abort(404)
    return render_template("search/supported.html", submission=submission)
