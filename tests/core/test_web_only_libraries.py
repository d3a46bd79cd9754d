"""Libraries only web pages use stay out of the background worker and the commands, and still
do their job where the web uses them; those only migrations use stay out of both."""
import importlib

from portal import WEB_ONLY_LIBRARIES
from tests.helpers import run_in_new_interpreter

TOP_LEVEL = {"shapely", "numpy", "lxml", "feedgen", "coordTransform", "PIL", "segno"}


def test_an_app_for_the_worker_or_a_command_loads_none_of_them(tmp_path):
    probe = ("import sys; from portal import create_app; create_app(); "
             f"print(sorted(m for m in {sorted(TOP_LEVEL)!r} if m in sys.modules))")
    assert run_in_new_interpreter(probe, tmp_path) == "[]"


def test_the_background_worker_loads_none_of_them_through_its_rounds(tmp_path):
    """The worker starts from wsgi.py (`flask --app wsgi portal worker`); its rounds handle
    the submissions a web process took (and screened) without loading them."""
    web = (
        "from portal import create_app\n"
        "from portal.extensions import db\n"
        "from portal.stations.services import load_reference_file, seed_reference_data\n"
        "app = create_app({'PORTAL_RATE_LIMITS': 'off'})\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
        "    seed_reference_data(load_reference_file())\n"
        "    db.session.commit()\n"
        "client = app.test_client()\n"
        "print([client.post('/api/v1/submissions?lang=en', json={\n"
        "    'kind': 'issue', 'category': 'street-lighting', 'area': 'riverside',\n"
        "    'title': f'Lamp {i} dark', 'body': f'Lamp {i} by the ferry has been dark.'}\n"
        "    ).status_code for i in range(3)])\n")
    assert run_in_new_interpreter(web, tmp_path) == "[201, 201, 201]"
    worker = (
        "import sys\n"
        "import wsgi\n"
        "from portal.worker import drain\n"
        "with wsgi.app.app_context():\n"
        "    handled = drain()\n"
        f"print(handled > 0, sorted(m for m in {sorted(TOP_LEVEL)!r} if m in sys.modules))\n")
    assert run_in_new_interpreter(worker, tmp_path) == "True []"


def test_the_web_app_and_a_worker_round_leave_alembic_unloaded(tmp_path):
    """Alembic, Mako and Pygments cost every process about 10 MB: only migrating loads them."""
    script = (
        "import sys\n"
        "from portal import create_app\n"
        "from portal.extensions import db\n"
        "from portal.worker import drain\n"
        "app = create_app({'PORTAL_MAP_OUTLINE': 'off'})\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
        "    drain()\n"
        "app.test_client().get('/?lang=en')\n"
        "print(sorted(name for name in ('alembic', 'flask_migrate', 'mako', 'pygments')"
        " if name in sys.modules))\n")
    assert run_in_new_interpreter(script, tmp_path / "data") == "[]"


def test_every_listed_library_imports():
    for name in WEB_ONLY_LIBRARIES:  # what gunicorn's master loads before forking
        assert importlib.import_module(name).__name__ == name
