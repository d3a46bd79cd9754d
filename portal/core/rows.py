"""Rows written with one statement each, outside the ORM's flush, for the busiest writes.

Each submission and each status change writes a few rows. The flush that would write them
works out relationships, dependency order and attribute history for every pending object, which
costs several times the INSERT it finally issues; on SQLite it does so inside the one write lock
that every writer queues for. Services on those paths write their rows here instead, in the
session's transaction, and the session learns of them as if it had flushed them.
"""
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import MANYTOONE

from portal.core.pagecache import note_write


def execute_write(session, statement, values: dict):
    """Execute a Core INSERT or UPDATE with one row's values in the session's transaction;
    returns the result."""
    result = session.connection().execute(statement, values)
    note_write(session)
    return result


def add_inserted(session, instance):
    """Write a new ORM instance with one INSERT and attach it to the session as persistent,
    as a flush would have left it: every column loaded, collections known to be empty.

    The instance may refer to persistent rows through many-to-one relationships; rows it owns
    (collections, one-to-one children) are added after it, the same way or by the ORM.
    """
    state = inspect(instance)
    mapper = state.mapper
    result = execute_write(session, mapper.local_table.insert(), _column_values(state))
    for column, value in zip(mapper.primary_key, result.inserted_primary_key, strict=True):
        state.dict[mapper.get_property_by_column(column).key] = value
    make_transient_to_detached(instance)
    session.add(instance)
    for relationship in mapper.relationships:
        if relationship.direction is not MANYTOONE and relationship.key not in state.dict:
            set_committed_value(instance, relationship.key, [] if relationship.uselist else None)
    return instance


def insert_all(session, instances) -> None:
    """Write new ORM instances of one class with one INSERT for all (executemany); they are
    not attached to the session, so this is for rows the caller does not read again."""
    if not instances:
        return
    mapper = inspect(instances[0]).mapper
    if any(inspect(instance).mapper is not mapper for instance in instances):
        raise ValueError("insert_all takes instances of one class")
    session.connection().execute(mapper.local_table.insert(),
                                 [_column_values(inspect(instance)) for instance in instances])
    note_write(session)


def _column_values(state) -> dict:
    """A new instance's column values for its INSERT, defaults filled in (on the instance too);
    refuses an instance already in a session or one that carries rows it owns."""
    mapper = state.mapper
    if state.key is not None or state.session_id is not None:
        raise ValueError("a new instance is wanted, not one in a session")
    for relationship in mapper.relationships:
        if relationship.key not in state.dict:
            continue
        if relationship.direction is not MANYTOONE:
            raise ValueError(f"add {relationship.key!r} after the instance, not with it")
        target = state.dict[relationship.key]
        for local, remote in relationship.local_remote_pairs:
            value = None if target is None else getattr(target, remote.key)
            state.dict[mapper.get_property_by_column(local).key] = value
    values = {}
    for column in mapper.local_table.columns:
        key = mapper.get_property_by_column(column).key
        if key in state.dict:
            values[column.name] = state.dict[key]
        elif column.default is not None and column.default.is_scalar:
            values[column.name] = state.dict[key] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            values[column.name] = state.dict[key] = column.default.arg(None)
        elif not (column.primary_key or column.server_default is not None):
            values[column.name] = state.dict[key] = None
    return values
