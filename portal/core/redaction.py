"""Personal data in resident text: detection and masking (phones, ID cards, e-mails, plates).

Pure text in, text out (no feature imports): every public output masks with these rules.
"""
import re
from dataclasses import dataclass

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PATTERNS = [  # order matters: an ID card number must not be read as a phone number
    ("id_card", re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")),
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("phone", re.compile(r"(?<![\d])(?:\+?86[\s-]?)?(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"
                         r"|0\d{2,3}[\s-]?\d{4}[\s-]?\d{3,4})(?![\d])")),
    ("plate", re.compile(rf"[{PROVINCES}][A-HJ-NP-Z][\s·•-]?[A-HJ-NP-Z0-9]{{5,6}}"
                         r"(?![A-Za-z0-9])")),
]


@dataclass(frozen=True)
class Finding:
    kind: str  # phone | id_card | email | plate
    value: str
    start: int
    end: int


def valid_id_card(number: str) -> bool:
    """The 18th character of a resident ID number is a checksum of the first 17 (GB 11643)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == number[17].upper()


def find_personal_data(text: str) -> list:
    """Every phone number, valid ID-card number, e-mail address and vehicle plate in the text."""
    findings, taken = [], []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text or ""):
            if kind == "id_card" and not valid_id_card(match.group()):
                continue
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            findings.append(Finding(kind, match.group(), match.start(), match.end()))
    return sorted(findings, key=lambda f: f.start)


def mask_value(finding: Finding) -> str:
    """The masked form: enough left to see what it was, not enough to identify anyone."""
    value = finding.value
    if finding.kind == "phone":
        digits = re.sub(r"\D", "", value)
        return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:] if len(digits) > 8 \
            else "*" * len(digits)
    if finding.kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if finding.kind == "plate":
        return value[:2] + "*" * (len(value) - 2)
    return "*" * len(value)  # ID card: nothing left


def mask_text(text: str, keep=()) -> tuple:
    """(masked text, findings masked); values listed in `keep` are left as they are."""
    keep = set(keep or ())
    out, last, masked = [], 0, []
    for finding in find_personal_data(text):
        if finding.value in keep:
            continue
        out.append(text[last:finding.start])
        out.append(mask_value(finding))
        last = finding.end
        masked.append(finding)
    out.append((text or "")[last:])
    return "".join(out), masked
