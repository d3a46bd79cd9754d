"""Screening of submitted text. Pure functions: no database, no request.

`screen_text` adds up independent signals into one score; at HOLD_THRESHOLD or above the
submission is held for a person (never dropped). Every signal that contributed leaves a stable
reason code, shown to moderators.
"""
import re
from dataclasses import dataclass, field

from portal.screening.classifier import default_model
from portal.screening.duplicates import find_duplicates
from portal.screening.lexicon import contact_bait, lexicon_hits
from portal.screening.normalize import find_links, matching_form, obfuscated_links

HOLD_THRESHOLD = 1.0
REPEATED_CHAR = re.compile(r"(\D)\1{7,}")  # digits repeat in phone numbers
CLASSIFIER_WEIGHT = 1.2
# Context signals from the channel (bot traps on the HTML form).
CONTEXT_WEIGHTS = {"honeypot": 1.0, "too_fast": 0.4, "no_render_token": 0.3,
                   "bad_render_token": 0.4}
DUPLICATE_WEIGHTS = {"exact": 0.5, "near": 0.3}
MAX_LINKED_DUPLICATES = 3
OBFUSCATED_LINK_WEIGHT = 0.3
SEGMENT_MIN = 12  # a line's matching form this long is judged on its own too


@dataclass
class ScreeningResult:
    score: float
    reasons: list = field(default_factory=list)

    @property
    def hold(self) -> bool:
        return self.score >= HOLD_THRESHOLD


def link_score(text: str, form: str) -> float:
    """Many links, or links that make up most of a short text. A disguised domain ("ttav dot
    cc", "av66。com") is a link that also adds OBFUSCATED_LINK_WEIGHT: nobody hides a link
    they want a moderator to follow."""
    disguised = len(obfuscated_links(text))
    count = len(find_links(text)) + disguised
    score = 0.0
    if count >= 3:
        score = min(1.5, 0.5 + 0.2 * count)
    elif count and (disguised or len(form) < 60 * count):
        score = 0.5
    return score + (OBFUSCATED_LINK_WEIGHT if disguised else 0.0)


def repetition_score(form: str, line_forms: list) -> float:
    """Text that says the same thing over and over (keyword stuffing, floods): `form` is the
    whole text's matching form, `line_forms` its lines'."""
    score = 0.0
    if REPEATED_CHAR.search(form):
        score += 0.4
    if len(form) >= 30:
        grams = [form[i:i + 3] for i in range(len(form) - 2)]
        if len(set(grams)) / len(grams) < 0.4:
            score += 0.6
    lines = [line for line in line_forms if line]
    if lines and max(lines.count(line) for line in set(lines)) >= 3:
        score += 0.5
    return min(score, 0.8)


def classifier_probability(form: str, line_forms: list, model=None) -> float:
    """The classifier's spam probability for the text or its most spam-like line long enough
    to judge on its own (by their matching forms)."""
    model = model or default_model()
    candidates = [form] + [line for line in line_forms if len(line) >= SEGMENT_MIN]
    return max(model.form_probability(candidate) for candidate in candidates)


def screen_text(title: str, body: str, context=None, recent=(), model=None) -> ScreeningResult:
    """Score a submission's text; reasons are stable codes shown to moderators.

    `context` carries channel signals (honeypot, too_fast, ...); `recent` holds
    (code, title, body) of recent submissions for the duplicate check.
    """
    text = f"{title}\n{body}"
    form = matching_form(text)
    line_forms = [matching_form(line) for line in text.splitlines()]
    score, reasons = 0.0, []

    def add(points, reason):
        nonlocal score
        if points > 0:
            score += points
            reasons.append(reason)

    for kind, points in sorted(lexicon_hits(form).items()):
        add(points, f"lexicon:{kind}")
    add(link_score(text, form), "links")
    add(repetition_score(form, line_forms), "repetition")
    add(contact_bait(form), "contact_bait")
    probability = classifier_probability(form, line_forms, model)
    add(max(0.0, probability - 0.5) * 2 * CLASSIFIER_WEIGHT, "classifier")
    for signal, points in CONTEXT_WEIGHTS.items():
        if context and context.get(signal):
            add(points, signal)
    # Repeats count once, however many there are; the first few are linked for moderators.
    duplicates = find_duplicates(title, body, recent, limit=MAX_LINKED_DUPLICATES,
                                 form=form)
    if duplicates:
        score += max(DUPLICATE_WEIGHTS[how] for _code, how in duplicates)
        reasons += [f"{'duplicate' if how == 'exact' else 'near_duplicate'}:{code}"
                    for code, how in duplicates[:MAX_LINKED_DUPLICATES]]
    return ScreeningResult(round(score, 3), reasons)
