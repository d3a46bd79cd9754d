"""Build the message catalogs: compile zh, and derive Traditional Chinese (zh_Hant) from it.

Run as `python -m portal.core.catalogs` (the Makefile does, and the tests' session fixture).
The Traditional catalog is generated, never edited by hand: OpenCC `s2t` converts each
Simplified translation, so the two Chinese catalogs cannot drift apart.
"""
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from portal.core.text import to_traditional

ROOT_DIR = Path(__file__).resolve().parents[2]  # the checkout (config.py says the same)
TRANSLATIONS = ROOT_DIR / "translations"


def _converted(value):
    if isinstance(value, (tuple, list)):
        return tuple(to_traditional(v) for v in value)
    return to_traditional(value) if value else value


def build_catalogs(translations: Path = TRANSLATIONS) -> list:
    """Compile every committed catalog and generate zh_Hant; returns the .mo files written."""
    written = []
    zh_po = translations / "zh" / "LC_MESSAGES" / "messages.po"
    with zh_po.open("rb") as fh:
        simplified = read_po(fh, locale="zh")
    hant_dir = translations / "zh_Hant" / "LC_MESSAGES"
    hant_dir.mkdir(parents=True, exist_ok=True)
    with zh_po.open("rb") as fh:
        traditional = read_po(fh, locale="zh_Hant")
    for message in traditional:
        if message.id:
            message.string = _converted(message.string)
    with (hant_dir / "messages.po").open("wb") as fh:
        write_po(fh, traditional)
    for locale, catalog in (("zh", simplified), ("zh_Hant", traditional)):
        mo = translations / locale / "LC_MESSAGES" / "messages.mo"
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in build_catalogs(Path(sys.argv[1]) if len(sys.argv) > 1 else TRANSLATIONS):
        print(f"compiled {path.relative_to(ROOT_DIR)}")
