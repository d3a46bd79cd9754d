"""Translatable names of the responsible teams of the "1+3+X" model (categories name them)."""
from portal.core.i18n import _l

TEAM_LABELS = {
    "police": _l("Police"),
    "market_regulation": _l("Market regulation"),
    "urban_management": _l("Urban management"),
    "security": _l("Estate security"),
    "cleaning": _l("Cleaning"),
    "property": _l("Property management"),
    "operations_center": _l("Operations center"),
}
