"""A character n-gram Naive Bayes classifier trained on the corpus shipped with the portal.

Training is counting, so it is deterministic and quick (done once per process, on first use).
Features are the distinct character 1- to 3-grams of the matching form, which suits Chinese (no
word boundaries) and English (sub-word pieces survive spelling tricks) alike.
"""
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from portal.screening.normalize import matching_form

CORPUS = Path(__file__).with_name("data") / "corpus.tsv"
NGRAM_SIZES = (1, 2, 3)
# How sharply the mean log-likelihood ratio per feature turns into a probability.
SHARPNESS = 4.0


def load_corpus(path: Path = CORPUS) -> list:
    """(label, text) pairs from the TSV corpus; label is "spam" or "ham"."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, text = line.split("\t", 1)
        rows.append((label, text))
    return rows


DIGITS = re.compile(r"\d+")


def features(text: str) -> set:
    """The distinct character n-grams of the text's matching form, each digit run as one "0"."""
    return form_features(matching_form(text))


def form_features(form: str) -> set:
    """The distinct character n-grams of a matching form, each digit run as one "0".

    Folding numbers keeps dates, house numbers and QQ numbers from being told apart by their
    digits (which say nothing) while "qq0" or "年0月" still say something.
    """
    form = DIGITS.sub("0", form)
    return {form[i:i + n] for n in NGRAM_SIZES for i in range(len(form) - n + 1)}


@dataclass
class NaiveBayes:
    spam_counts: Counter
    ham_counts: Counter
    spam_docs: int
    ham_docs: int
    # Every known feature's log ratio, worked out once: scoring runs on every submission.
    ratios: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.ratios = {f: self.log_ratio(f) for f in set(self.spam_counts) | set(self.ham_counts)}

    def log_ratio(self, feature: str) -> float:
        """log P(feature | spam) - log P(feature | ham), Laplace-smoothed per document."""
        spam = (self.spam_counts.get(feature, 0) + 1) / (self.spam_docs + 2)
        ham = (self.ham_counts.get(feature, 0) + 1) / (self.ham_docs + 2)
        return math.log(spam) - math.log(ham)

    def spam_probability(self, text: str) -> float:
        """A probability-like score in [0, 1]; 0.5 when the text says nothing either way.

        The mean ratio over known features is used rather than the sum: the sum grows with
        length and makes Naive Bayes absurdly confident on long texts.
        """
        return self.form_probability(matching_form(text))

    def form_probability(self, form: str) -> float:
        """spam_probability of a text whose matching form is `form`."""
        ratios = self.ratios
        known = [ratios[f] for f in form_features(form) if f in ratios]
        if not known:
            return 0.5
        mean = sum(known) / len(known)
        return 1 / (1 + math.exp(-SHARPNESS * mean))


def train(rows) -> NaiveBayes:
    """Count features per class over (label, text) rows."""
    spam, ham = Counter(), Counter()
    spam_docs = ham_docs = 0
    for label, text in rows:
        if label == "spam":
            spam.update(features(text))
            spam_docs += 1
        else:
            ham.update(features(text))
            ham_docs += 1
    return NaiveBayes(spam, ham, spam_docs, ham_docs)


@lru_cache(maxsize=1)
def default_model() -> NaiveBayes:
    """The model trained on the whole shipped corpus."""
    return train(load_corpus())
