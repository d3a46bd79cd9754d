"""Screening cost per submission, as create_submission pays it.

    .venv/bin/python bench/screening_bench.py [--runs 30] [--recent 300]

Prints the median and worst time of `screen_text` for a short issue, the seed article (about
2,100 characters) and a spam line, each checked against `--recent` recent submissions for
duplicates (the service's default window holds up to 300). Never gates CI.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.screening.classifier import default_model, load_corpus
from portal.screening.services import screen_text

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--recent", type=int, default=300)
    args = parser.parse_args()
    started = time.perf_counter()
    default_model()
    print(f"training on first use: {(time.perf_counter() - started) * 1000:.1f} ms")
    corpus = [text for _label, text in load_corpus()]
    recent = [(f"C{i:09d}", corpus[i % len(corpus)][:20], corpus[i % len(corpus)] * 3)
              for i in range(args.recent)]
    seed_files = sorted(SEED.glob("*.txt")) if SEED.exists() else []
    cases = {"short issue": ("路灯不亮", "杨树浦路100号门口的路灯坏了一周，晚上很黑。"),
             "spam line": ("", "澳门新葡京 百家乐 注册送彩金 加微 dbw777")}
    if seed_files:
        cases["seed article"] = ("独具特色", seed_files[0].read_text(encoding="utf-8"))
    for name, (title, body) in cases.items():
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            screen_text(title, body, recent=recent)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{name}: median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms "
              f"({args.runs} runs, {args.recent} recent)")


if __name__ == "__main__":
    main()
