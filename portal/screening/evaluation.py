"""Held-out measurement of the screening on the shipped corpus (k-fold cross-validation)."""
from dataclasses import dataclass

from portal.screening.classifier import load_corpus, train
from portal.screening.services import HOLD_THRESHOLD, screen_text


@dataclass
class Figures:
    spam: int = 0
    ham: int = 0
    spam_held: int = 0
    ham_held: int = 0

    @property
    def recall(self) -> float:
        """Share of spam that is held."""
        return self.spam_held / self.spam if self.spam else 0.0

    @property
    def false_hold_rate(self) -> float:
        """Share of genuine submissions that are held."""
        return self.ham_held / self.ham if self.ham else 0.0

    @property
    def precision(self) -> float:
        """Share of held submissions that are spam."""
        held = self.spam_held + self.ham_held
        return self.spam_held / held if held else 0.0


def evaluate(rows=None, folds: int = 5):
    """(full screening, classifier alone) figures, each text scored by a model not trained on it.

    Row i is in fold i % folds, so the split is the same on every run.
    """
    rows = rows if rows is not None else load_corpus()
    full, alone = Figures(), Figures()
    for fold in range(folds):
        model = train([row for i, row in enumerate(rows) if i % folds != fold])
        for i, (label, text) in enumerate(rows):
            if i % folds != fold:
                continue
            held = screen_text("", text, model=model).score >= HOLD_THRESHOLD
            by_classifier = model.spam_probability(text) >= 0.5
            for figures, flag in ((full, held), (alone, by_classifier)):
                if label == "spam":
                    figures.spam += 1
                    figures.spam_held += flag
                else:
                    figures.ham += 1
                    figures.ham_held += flag
    return full, alone
