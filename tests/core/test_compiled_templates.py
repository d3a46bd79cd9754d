"""The web server compiles every template and loads every locale's data before it forks its
workers, so no request pays for either."""
from pathlib import Path

from portal.core.templating import compile_templates
from tests.helpers import run_in_new_interpreter

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _template_files() -> set:
    """Every template file in the portal's template folders, named as Jinja names it."""
    return {str(path.relative_to(folder)) for folder in PORTAL.rglob("templates")
            for path in folder.rglob("*") if path.is_file()}


def test_every_template_is_compiled_and_pages_then_compile_none(app, client):
    names = compile_templates(app)
    assert set(names) == _template_files() and len(names) > 50
    compiled = len(app.jinja_env.cache)
    for path in ("/?lang=en", "/search?q=lamp&lang=zh", "/submit?lang=zh_Hant", "/stats"):
        assert client.get(path).status_code == 200, path
    assert len(app.jinja_env.cache) == compiled  # every page found its templates compiled


def test_gunicorns_master_compiles_them_and_loads_the_locales_before_forking(tmp_path):
    script = (
        "import gc, runpy, types\n"
        "import babel.localedata\n"
        "from portal import create_app\n"
        "settings = runpy.run_path('gunicorn.conf.py')\n"
        "gc.enable()\n"
        "app = create_app()\n"
        "worker = types.SimpleNamespace(app=types.SimpleNamespace(wsgi=lambda: app))\n"
        "before = len(app.jinja_env.cache)\n"
        "settings['pre_fork'](None, worker)\n"
        "gc.unfreeze()\n"
        "print(before, len(app.jinja_env.cache), *sorted(babel.localedata._cache))\n")
    before, after, *locales = run_in_new_interpreter(script, tmp_path).split()
    assert int(before) == 0 and int(after) == len(_template_files())
    assert {"zh", "zh_Hant", "en"} <= set(locales)
