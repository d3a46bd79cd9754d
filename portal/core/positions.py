"""Where a change-log consumer (indexer, relay, notifier, deadlines) has read up to.

The statements are built once per model: every worker round runs them, and building one with
its cache key costs more than running it.
"""
from functools import cache

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError

from portal.extensions import db


def locked_position(model, name: str):
    """The consumer's position row (created at 0 the first time), locked for this transaction
    on PostgreSQL so two workers never read the same changes."""
    query = _locked_query(model)
    position = db.session.execute(query, {"name": name}).scalar_one_or_none()
    if position is None:
        try:
            with db.session.begin_nested():
                db.session.add(model(name=name, last_id=0))
        except IntegrityError:  # another worker created it first
            pass
        position = db.session.execute(query, {"name": name}).scalar_one()
    return position


def position_of(model, name: str) -> int:
    """The consumer's stored position as read now, without a lock (0 before its first round):
    a round reads from here, then stores only if `unmoved_position` still finds it there."""
    return db.session.execute(_last_id_query(model), {"name": name}).scalar() or 0


def unmoved_position(model, name: str, start: int):
    """The consumer's position row, locked for this transaction, if it is still at `start`
    (where the round read from); None when another worker's round moved it meanwhile, and
    stored what this round would: the next round reads on from there."""
    position = locked_position(model, name)
    return position if position.last_id == start else None


@cache
def _locked_query(model):
    return db.select(model).where(model.name == bindparam("name")).with_for_update()


@cache
def _last_id_query(model):
    return db.select(model.last_id).where(model.name == bindparam("name"))
