"""Every feature's models, loaded in one place so metadata (and migrations) see all tables."""
from importlib import import_module

MODEL_MODULES = (
    "portal.accounts.models",
    "portal.api.models",
    "portal.core.models",
    "portal.forwarding.models",
    "portal.kiosk.models",
    "portal.moderation.models",
    "portal.notifications.models",
    "portal.participation.models",
    "portal.places.models",
    "portal.servicelevels.models",
    "portal.stations.models",
    "portal.stats.models",
    "portal.submissions.models",
)


def load_models() -> None:
    """Import every module that declares tables."""
    for name in MODEL_MODULES:
        import_module(name)
