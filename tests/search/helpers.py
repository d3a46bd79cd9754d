"""Plain helpers for the search tests."""
from portal.search.indexer import apply_changes
from portal.search.searchers import refresh_searcher


def drain(app):
    """Apply the whole change log to the index, then reopen this process's searcher."""
    with app.app_context():
        while apply_changes():
            pass
        refresh_searcher()
