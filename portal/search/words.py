"""Place names of the reference data, taught to the segmenter once per process."""
import threading

from portal.core.text import add_words
from portal.stations.services import load_reference_file

_lock = threading.Lock()
_done = False


def place_words(data: dict) -> list:
    """Area, station and landmark names as whole words (also without 街道 / 网格 endings)."""
    words = []
    for item in data.get("areas", []) + data.get("stations", []) + data.get("landmarks", []):
        name = item.get("name_zh", "")
        for suffix in ("（示例）", "(示例)"):
            name = name.replace(suffix, "")
        words.append(name)
        for ending in ("街道", "单独网格", "网格"):
            if name.endswith(ending) and len(name) > len(ending) + 1:
                words.append(name[: -len(ending)])
    return words


def ensure_place_words() -> None:
    """Load the segmenter with the place names before the first text is analysed."""
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            add_words(place_words(load_reference_file()))
            _done = True
