"""The segmenter against the Python `jieba` it replaced: load time, memory, speed, same cuts.

    .venv/bin/python bench/segmenter_bench.py [--texts 2000] [--runs 3]

Each segmenter is loaded in a fresh process and taught the reference data's place names (load
time and the resident memory it adds; the portal's own through `portal.core.text`), then cuts
the same synthetic submission texts (bench/search_bench.py's generator, about 60 words each)
with the HMM off, as `portal.core.text.segment` does. Prints medians over `--runs`
processes per segmenter, the ratios, and how many texts the two cut differently (words and
character offsets compared). `jieba` is a development dependency, kept for this and for the
generator's dictionary. Never part of CI: figures are printed.
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from bench.search_bench import Generator

def rss_mb():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024

from portal.core.text import fold
from portal.search.words import place_words
from portal.stations.services import load_reference_file

places = [fold(word).strip() for word in place_words(load_reference_file())]
generator = Generator(7, places)
texts = [generator.text(60) for _ in range({texts})]
before, started = rss_mb(), time.perf_counter()
if {kind!r} == "jieba":
    import logging
    import jieba
    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    for word in places:  # as the portal taught it the place names
        if len(word) >= 2 and not segmenter.FREQ.get(word):
            segmenter.add_word(word, freq=max(segmenter.suggest_freq(word), 1000))
    cut = lambda text: [tuple(t) for t in segmenter.tokenize(text, HMM=False)]
else:
    from portal.core.text import _segmenter, add_words
    add_words(places)
    segmenter = _segmenter()
    cut = lambda text: [tuple(t) for t in segmenter.tokenize(text, "default", False)]
loaded, grown = time.perf_counter() - started, rss_mb() - before
started = time.perf_counter()
cuts = [cut(text) for text in texts]
per_text = (time.perf_counter() - started) / len(texts)
print(json.dumps({{"load": loaded, "memory": grown, "per_text": per_text, "cuts": cuts}}))
"""


def measure(kind, texts):
    code = CHILD.format(root=str(ROOT), texts=texts, kind=kind)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = {kind: [measure(kind, args.texts) for _ in range(args.runs)]
            for kind in ("jieba", "rjieba")}
    medians = {kind: {key: statistics.median(run[key] for run in results)
                      for key in ("load", "memory", "per_text")}
               for kind, results in runs.items()}
    for kind, figures in medians.items():
        print(f"{kind:<7} load {figures['load']:.2f} s, +{figures['memory']:.0f} MB resident, "
              f"{figures['per_text'] * 1e6:.1f} us per text")
    old, new = medians["jieba"], medians["rjieba"]
    print(f"rjieba / jieba: load {new['load'] / old['load']:.2f}, memory "
          f"{new['memory'] / old['memory']:.2f}, time per text "
          f"{new['per_text'] / old['per_text']:.3f}")
    differing = sum(a != b for a, b in zip(runs["jieba"][0]["cuts"], runs["rjieba"][0]["cuts"],
                                           strict=True))
    print(f"texts cut differently: {differing} of {args.texts}")


if __name__ == "__main__":
    main()
