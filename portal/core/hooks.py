"""Named hooks that features above `submissions`, `moderation` and `forwarding` fill at start-up.

The lower packages call `hook_results(name, ...)` and never import the feature that answers.
Hooks in use (each provider takes the arguments shown and may return None for "no opinion"):
- `routing_team(submission) -> team`: the team a re-dispatched case goes to (forwarding);
- `forwarding_hold(submission) -> reason`: a case that must not be forwarded now (forwarding);
- `forwarding_loads() -> [loader option]`: what the two hooks above read, loaded with a batch
  of submissions in one query rather than one query per case (forwarding);
- `case_returned(submission, actor=, reason=, team=)`: a case came back from the platform or a
  dispatcher, in the same transaction as its status change (forwarding);
- `reply_templates(submission) -> [(id, label)]` and `reply_template_text(submission, id) ->
  (zh, en)`: ready-made official replies offered on the reply form (moderation);
- `kiosk_start_links() -> [(url, label)]`: more things to do from the kiosk's start screen;
- `staff_map_marks() -> {submission id: label}`: cases another feature marks on the staff map
  (the members of open hotspots) (places);
- `change_details(change) -> dict`: what a feature's own change-log entry tells the resident
  (the message kind and its details; `own_only` keeps it from followers) (notifications).
"""
from flask import current_app


def register_hook(app, name: str, provider) -> None:
    """Add a provider for the hook `name`."""
    app.extensions.setdefault("portal_hooks", {}).setdefault(name, []).append(provider)


def hook_results(name: str, *args, **kwargs) -> list:
    """What every provider of `name` answered, without the Nones (an empty list: none did)."""
    results = (provider(*args, **kwargs)
               for provider in current_app.extensions.get("portal_hooks", {}).get(name, []))
    return [result for result in results if result is not None]


def first_result(name: str, *args, **kwargs):
    """The first provider's answer that is not None, or None."""
    found = hook_results(name, *args, **kwargs)
    return found[0] if found else None
