"""Screening of submitted text. Pure functions: no database, no request."""
import re
from dataclasses import dataclass, field

from portal.core.text import normalize

HOLD_THRESHOLD = 1.0
LINK = re.compile(r"(https?://|www\.)\S+", re.I)
REPEATED_CHAR = re.compile(r"(.)\1{9,}")


@dataclass
class ScreeningResult:
    score: float
    reasons: list = field(default_factory=list)

    @property
    def hold(self) -> bool:
        return self.score >= HOLD_THRESHOLD


def screen_text(title: str, body: str, context=None) -> ScreeningResult:
    """Score a submission's text; reasons are stable codes shown to moderators."""
    text = normalize(f"{title}\n{body}")
    score, reasons = 0.0, []
    links = LINK.findall(text)
    if len(links) >= 3 or (links and len(text) < 40 * len(links)):
        score += 0.6 + 0.2 * len(links)
        reasons.append("links")
    if REPEATED_CHAR.search(text):
        score += 0.4
        reasons.append("repetition")
    if context and context.get("honeypot"):
        score += 1.0
        reasons.append("honeypot")
    if context and context.get("too_fast"):
        score += 0.5
        reasons.append("too_fast")
    return ScreeningResult(round(score, 3), reasons)
