"""Extra facts and panels about a submission, contributed by features above `submissions`.

`submissions`, `moderation` and `forwarding` render their pages without knowing who adds to
them: a feature registers a provider at start-up and their templates ask this registry.
- facts: `provider(submissions, audience) -> {submission id: [Fact]}` for a batch (a list page
  asks once for all its rows); audience is "public" or "staff";
- panels: `provider(submission, place) -> Panel | None`, a template included at a named place
  of a page (e.g. the tracking page) with the data the provider gave;
- dashboard panels: `provider() -> Panel | None`, a section of the staff dashboard (hotspots).
"""
from dataclasses import dataclass, field

from flask import current_app


@dataclass
class Fact:
    label: str
    moment: object = None  # an aware datetime, shown in PORTAL_TIMEZONE
    text: str = ""
    flag: str = ""  # a CSS-friendly word: due-soon | overdue | ...
    flag_label: str = ""


@dataclass
class Panel:
    template: str
    data: dict = field(default_factory=dict)


def register_submission_facts(app, provider) -> None:
    """Add a provider of facts shown beside submissions on pages and lists."""
    app.extensions.setdefault("portal_submission_facts", []).append(provider)


def register_submission_panel(app, provider) -> None:
    """Add a provider of panels shown on a submission's pages."""
    app.extensions.setdefault("portal_submission_panels", []).append(provider)


def submission_facts(submissions, audience: str = "public") -> dict:
    """{submission id: [Fact, ...]} from every registered provider."""
    items = [s for s in submissions if s is not None]
    merged = {}
    if not items:
        return merged
    for provider in current_app.extensions.get("portal_submission_facts", []):
        for submission_id, facts in provider(items, audience).items():
            merged.setdefault(submission_id, []).extend(facts)
    return merged


def submission_panels(submission, place: str) -> list:
    """The panels registered for a place of a submission's page."""
    panels = (provider(submission, place)
              for provider in current_app.extensions.get("portal_submission_panels", []))
    return [panel for panel in panels if panel is not None]


def register_dashboard_panel(app, provider) -> None:
    """Add a provider of a section shown on the staff dashboard."""
    app.extensions.setdefault("portal_dashboard_panels", []).append(provider)


def dashboard_panels() -> list:
    """The staff dashboard's sections contributed by features above moderation."""
    panels = (provider() for provider in current_app.extensions.get("portal_dashboard_panels", []))
    return [panel for panel in panels if panel is not None]


def register_fact_helpers(app) -> None:
    """Make the registry callable from every template."""
    app.jinja_env.globals.update(submission_facts=submission_facts,
                                 submission_panels=submission_panels,
                                 dashboard_panels=dashboard_panels)
