"""Libraries only web pages use stay out of the background worker and the commands, and still
do their job where the web uses them."""
import importlib
import os
import subprocess
import sys

from portal import WEB_ONLY_LIBRARIES

TOP_LEVEL = {"shapely", "numpy", "lxml", "feedgen", "coordTransform"}


def test_an_app_for_the_worker_or_a_command_loads_none_of_them(tmp_path):
    probe = ("import sys; from portal import create_app; create_app(); "
             f"print(sorted(m for m in {sorted(TOP_LEVEL)!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={**{k: v for k, v in os.environ.items()
                                    if k != "PORTAL_DATABASE_URL"},
                                 "PORTAL_DATA_DIR": str(tmp_path)},
                            check=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_every_listed_library_imports():
    for name in WEB_ONLY_LIBRARIES:  # what gunicorn's master loads before forking
        assert importlib.import_module(name).__name__ == name
