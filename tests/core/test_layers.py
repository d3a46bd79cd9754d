"""Layers: dependencies between the portal's packages point one way, and none goes round."""
import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
# What each lower package may never import (the features above it).
ABOVE = {
    "core": {"accounts", "api", "forwarding", "kiosk", "moderation", "notifications",
             "operations", "participation", "places", "reference", "screening", "search",
             "servicelevels", "stats", "stations", "submissions"},
    "screening": {"accounts", "api", "forwarding", "kiosk", "moderation", "notifications",
                  "operations", "participation", "places", "reference", "search",
                  "servicelevels", "stats", "stations", "submissions"},
    "submissions": {"api", "forwarding", "kiosk", "moderation", "notifications", "operations",
                    "participation", "places", "reference", "search", "servicelevels", "stats"},
    "accounts": {"api", "forwarding", "kiosk", "moderation", "notifications", "participation",
                 "places", "reference", "search", "servicelevels", "stats", "submissions"},
    "stations": {"accounts", "api", "forwarding", "kiosk", "moderation", "notifications",
                 "participation", "places", "reference", "search", "servicelevels", "stats",
                 "submissions"},
}


def _package(path: Path) -> str:
    parts = path.relative_to(PORTAL).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def package_imports() -> dict:
    """{package: {package it imports, anywhere in its modules}} for portal's packages."""
    graph = {}
    for path in PORTAL.rglob("*.py"):
        source = _package(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "portal" and len(parts) > 1 and parts[1] != source:
                    graph.setdefault(source, set()).add(parts[1])
    return graph


def _cycle(graph: dict):
    """One cycle among the packages, or None."""
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return trail[trail.index(target):] + [target] if target in trail else [target]
            if target not in state:
                found = visit(target, trail + [target])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_no_package_imports_one_above_it():
    graph = package_imports()
    wrong = sorted(f"{low} -> {high}" for low, forbidden in ABOVE.items()
                   for high in graph.get(low, set()) & forbidden)
    assert not wrong, "imports from a lower package to a higher one: " + ", ".join(wrong)


def test_no_package_cycles():
    # The application factory and the model registry import every feature by design.
    graph = {package: targets - {"__init__", "models"}
             for package, targets in package_imports().items()
             if package not in ("__init__", "models", "worker")}
    assert _cycle(graph) is None, f"package cycle: {' -> '.join(_cycle(graph))}"
