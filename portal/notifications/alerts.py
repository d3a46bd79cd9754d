"""Area, category and station alerts: subscribing (double opt-in), and which alerts a new
published submission or an official reply reaches.

An alert is a `Subscription` of kind "alert" whose filter key names what it watches:
`alert:area:<code>`, `alert:category:<code>` (a top-level category covers its sub-categories)
or `alert:station:<slug>`; its frequency says whether messages go out at once or wait in a
daily or weekly digest.
"""
import secrets

from sqlalchemy.orm import selectinload

from portal.core.i18n import localized
from portal.extensions import db
from portal.notifications.addresses import get_subscriber, normalize_email
from portal.notifications.models import FREQUENCIES, Subscription
from portal.notifications.tokens import make_token
from portal.stations.models import Area, Category, Station
from portal.stations.services import reference_names

ALERT_FIELDS = ("area", "category", "station")
ALERT_KINDS = ("alert_new", "alert_reply")
FREQUENCY_RANK = {name: rank for rank, name in enumerate(FREQUENCIES)}  # realtime first


class AlertTargetUnknown(LookupError):
    """The area, category or station named does not exist (or is no longer active)."""


class FrequencyInvalid(ValueError):
    """A frequency other than realtime, daily or weekly."""


def _row(field: str, value: str):
    model, column = {"area": (Area, Area.code), "category": (Category, Category.code),
                     "station": (Station, Station.slug)}[field]
    return db.session.execute(db.select(model).where(column == value, model.active.is_(True))
                              ).scalar_one_or_none()


def alert_target(field: str, value: str):
    """The reference row an alert filter names; AlertTargetUnknown otherwise."""
    if field not in ALERT_FIELDS or not isinstance(value, str) or not value:
        raise AlertTargetUnknown(field)
    row = _row(field, value.strip()[:60])
    if row is None:
        raise AlertTargetUnknown(field)
    return row


def filter_key(field: str, value: str) -> str:
    return f"alert:{field}:{value}"


def parse_filter_key(key: str):
    """(field, value) of an alert's filter key, or None for other subscriptions."""
    parts = (key or "").split(":", 2)
    if len(parts) != 3 or parts[0] != "alert" or parts[1] not in ALERT_FIELDS:
        return None
    return parts[1], parts[2]


def filter_label(key: str) -> str:
    """What an alert watches, in the current language ("" for another kind of subscription;
    the code itself for a row that no longer exists)."""
    parsed = parse_filter_key(key)
    if parsed is None:
        return ""
    field, value = parsed
    name = reference_names()[field].get(value)
    return localized(name, "name") if name is not None else value


def alert_choices() -> dict:
    """Every area, category and station one may subscribe to, in display order."""
    def rows(model, *order):
        return db.session.execute(db.select(model).where(model.active.is_(True))
                                  .order_by(*order)).scalars().all()
    return {"area": rows(Area, Area.sort_order, Area.id),
            "category": rows(Category, Category.parent_id.is_not(None), Category.sort_order,
                             Category.id),
            "station": rows(Station, Station.sort_order, Station.id)}


def subscribe_alert(field: str, value: str, email: str, frequency: str,
                    language: str) -> Subscription:
    """Ask for an alert: a pending subscription and one confirmation e-mail.

    Asking again for the same address and filter is the same subscription; while it is not
    confirmed a new confirmation (with the frequency now chosen) replaces the older one.
    Raises AlertTargetUnknown, FrequencyInvalid or AddressInvalid, before writing anything.
    """
    from portal.notifications.services import queue_message

    target = alert_target(field, value)
    if frequency not in FREQUENCIES:
        raise FrequencyInvalid(frequency)
    address = normalize_email(email).lower()
    code = target.slug if field == "station" else target.code
    key = filter_key(field, code)
    subscriber = get_subscriber("email", address, language)
    db.session.flush()
    subscription = db.session.execute(db.select(Subscription).filter_by(
        subscriber_id=subscriber.id, filter_key=key)).scalar_one_or_none()
    if subscription is None:
        subscription = Subscription(subscriber_id=subscriber.id, kind="alert", filter_key=key,
                                    frequency=frequency, language=language,
                                    token_nonce=secrets.token_hex(8))
        db.session.add(subscription)
        db.session.flush()
    if subscription.state == "confirmed":
        return subscription
    subscription.state, subscription.language = "pending", language
    subscription.frequency = frequency
    subscription.token_nonce = secrets.token_hex(8)  # earlier confirmation links stop working
    queue_message(subscriber, subscription, "confirm_alert",
                  f"c{subscription.id}.{subscription.token_nonce}",
                  {"filter": key, "frequency": frequency,
                   "confirm_token": make_token("confirm", subscription.id,
                                               subscription.token_nonce)})
    db.session.flush()
    return subscription


def submission_filter_keys(submission) -> list:
    """The alert filter keys a submission falls under."""
    keys = []
    if submission.area is not None:
        keys.append(filter_key("area", submission.area.code))
    category = submission.category
    while category is not None and len(keys) < 6:
        keys.append(filter_key("category", category.code))
        category = category.parent
    if submission.station is not None:
        keys.append(filter_key("station", submission.station.slug))
    return keys


def matching_alerts(submissions) -> dict:
    """{submission id: one confirmed alert per subscriber that the submission reaches (the
    most immediate one when several of theirs match), in subscriber order}, in one query for
    all the submissions given."""
    keys = {submission.id: submission_filter_keys(submission) for submission in submissions}
    wanted = sorted({key for row in keys.values() for key in row})
    rows = db.session.execute(db.select(Subscription).where(
        Subscription.kind == "alert", Subscription.state == "confirmed",
        Subscription.filter_key.in_(wanted))
        .order_by(Subscription.subscriber_id, Subscription.id)
        .options(selectinload(Subscription.subscriber))).scalars().all() if wanted else []
    by_key = {}
    for row in rows:
        by_key.setdefault(row.filter_key, []).append(row)
    found = {}
    for submission_id, reached in keys.items():
        best = {}
        for row in sorted((row for key in reached for row in by_key.get(key, ())),
                          key=lambda row: (row.subscriber_id, row.id)):
            kept = best.get(row.subscriber_id)
            if kept is None or FREQUENCY_RANK[row.frequency] < FREQUENCY_RANK[kept.frequency]:
                best[row.subscriber_id] = row
        found[submission_id] = list(best.values())
    return found
