"""WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`."""
from portal import create_app

app = create_app()

# Load the segmentation and script-folding dictionaries here, in gunicorn's master
# (preload_app), so forked workers share them instead of each loading its own copy.
from portal.search.words import ensure_place_words  # noqa: E402

ensure_place_words()
