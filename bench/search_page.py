"""CPU of a varied public search page, in process, and the parts it is made of.

    .venv/bin/python bench/search_page.py [--data-dir DIR | --n 100000] [--pages 600]
                                          [--profile]

The same searches as `run_all.py`'s varied row (two of the generator's 40 words and one of six
areas), each URL made unique so the page cache never answers, through `app.test_client()`.
With `--data-dir`, on a copy of that folder (one `run_all.py`-style seed: a migrated SQLite
database with its index); otherwise `--n` submissions are generated and indexed first, as
`run_all.py` does. After 300 pages to warm the caches, it prints the median CPU (this thread's
time) of a whole page and of its parts: the search service (`search`), of it the rows and
snippets of the hits (`_hits`), the filter lists (`_facet_values`), the result cards
(`_cards`) and the template (`render_template`). `--profile` adds cProfile's top functions,
cumulative. Before all that, as a web worker starts: the CPU of opening and warming the
searcher, and of the process's first `--first` pages (the first of them included: what is
read or built on first use); `--as-gunicorn` first does what gunicorn's master does before it
forks a worker (compile the templates, load the locales' data, freeze the objects out of the
garbage collector's reach). Never part of the tests.
"""
import argparse
import cProfile
import gc
import io
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run_all import VARIED_AREAS, VARIED_WORDS, base_env, seed  # noqa: E402

WARM_PAGES = 300


def timed_parts(parts: dict):
    """Wrap each named function (module, attribute) so its CPU per call is collected."""
    spent = {name: [] for name in parts}
    for name, (module, attribute) in parts.items():
        function = getattr(module, attribute)

        def wrapper(*args, _function=function, _name=name, **kwargs):
            start = time.thread_time()
            try:
                return _function(*args, **kwargs)
            finally:
                spent[_name].append((time.thread_time() - start) * 1000)
        setattr(module, attribute, wrapper)
    return spent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="a seeded folder to copy (else --n is generated)")
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--as-gunicorn", action="store_true",
                        help="compile, load and freeze first, as gunicorn's master does")
    parser.add_argument("--first", type=int, default=200,
                        help="pages measured as a new process's first (before the warm-up)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="portal-search-page-"))
    try:
        data = tmp / "data"
        if args.data_dir:
            shutil.copytree(args.data_dir, data)
        else:
            seed(base_env(data), args.n)
        os.environ.update(base_env(data, PORTAL_EMBEDDED_WORKER=0))
        from portal import create_app
        from portal.search import services, views
        from portal.search.searchers import refresh_searcher

        app = create_app()
        if args.as_gunicorn:  # what gunicorn.conf.py's pre_fork does
            from portal.core.i18n import load_locale_data
            from portal.core.templating import compile_templates

            compile_templates(app)
            load_locale_data()
            gc.collect()
            gc.freeze()
        start = time.thread_time()
        with app.app_context():
            refresh_searcher()  # as gunicorn's post_fork has it done when a worker starts
        opened = time.thread_time() - start
        client = app.test_client()
        rng = random.Random(5)

        def page(number):
            query = urllib.parse.quote(f"{rng.choice(VARIED_WORDS)} {rng.choice(VARIED_WORDS)}")
            response = client.get(f"/search?q={query}&area={rng.choice(VARIED_AREAS)}"
                                  f"&u={number}")
            assert response.status_code == 200, response.status_code

        first = []
        for number in range(args.first):
            start = time.thread_time()
            page(-number - 1)
            first.append((time.thread_time() - start) * 1000)
        if first:
            print(f"a new process: searcher opened and warmed in {opened:.2f} s of CPU; its first "
                  f"{len(first)} pages: median {statistics.median(first):.2f}, p95 "
                  f"{sorted(first)[int(0.95 * len(first))]:.2f}, first {first[0]:.2f}, in all "
                  f"{sum(first) / 1000:.2f} s")
        for number in range(args.first, WARM_PAGES):
            page(-number - 1)
        spent = timed_parts({"search": (views, "search"), "of it, the hits": (services, "_hits"),
                             "filter lists": (views, "_facet_values"),
                             "result cards": (views, "_cards"),
                             "template": (views, "render_template")})
        profiler = cProfile.Profile() if args.profile else None
        pages = []
        for number in range(args.pages):
            start = time.thread_time()
            if profiler:
                profiler.enable()
            page(number)
            if profiler:
                profiler.disable()
            pages.append((time.thread_time() - start) * 1000)
        print(f"{args.pages} varied search pages, CPU ms per page (medians)"
              f"{' under cProfile' if profiler else ''}")
        print(f"{'whole page':20} {statistics.median(pages):7.2f}  (mean "
              f"{statistics.fmean(pages):.2f}, p95 {sorted(pages)[int(0.95 * len(pages))]:.2f})")
        for name, values in spent.items():
            print(f"{name:20} {statistics.median(values):7.2f}")
        status = Path("/proc/self/status").read_text()
        sizes = {name: int(re.search(name + r":\s+(\d+)", status).group(1)) / 1024
                 for name in ("VmRSS", "VmHWM")}
        print("memory of this process: " + ", ".join(f"{name} {size:.0f} MB"
                                                      for name, size in sizes.items()))
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
