"""What the kiosk offers people who type slowly: an icon and a few one-tap phrases per category."""
from portal.core.i18n import _l

# Icon (a symbol id in kiosk/icons.svg) per category code; categories added later get "other".
ICONS = {
    "street-lighting": "lamp", "road-damage": "road", "illegal-parking": "car",
    "unlicensed-vendor": "stall", "litter": "bin", "greenery": "tree", "noise": "noise",
    "safety-hazard": "warning", "waterside-safety": "water", "fire-risk": "fire",
    "public-order": "shield", "food-safety": "food", "construction-site": "crane",
    "property-service": "building", "public-facilities": "bench", "consumer-dispute": "tag",
    "community-service": "people", "child-friendly": "child", "other": "other",
}

PHRASES = {
    "street-lighting": (_l("The street light is out."), _l("The light flickers at night."),
                        _l("The light stays on during the day.")),
    "road-damage": (_l("The pavement is broken."), _l("A manhole cover is missing or loose."),
                    _l("A railing or sign is damaged.")),
    "illegal-parking": (_l("Cars park on the pavement."), _l("A vehicle blocks the way."),
                        _l("Bicycles block the entrance.")),
    "unlicensed-vendor": (_l("A stall blocks the pavement."),
                          _l("Vendors are here every evening.")),
    "litter": (_l("Rubbish has not been collected."), _l("The bins are overflowing."),
               _l("There is a bad smell.")),
    "greenery": (_l("A tree branch may fall."), _l("The grass and bushes need trimming.")),
    "noise": (_l("It is very noisy late at night."), _l("Construction noise starts too early.")),
    "safety-hazard": (_l("Something here could hurt someone."), _l("Please come and check soon.")),
    "waterside-safety": (_l("The riverside railing is damaged."),
                         _l("Water is collecting after the rain.")),
    "fire-risk": (_l("The fire escape is blocked."), _l("E-bikes are charged in the corridor.")),
    "public-order": (_l("People are fighting or arguing loudly."),
                     _l("Someone behaves suspiciously.")),
    "food-safety": (_l("The food was not fresh."), _l("The kitchen looks unhygienic.")),
    "construction-site": (_l("The site fence is open."),
                          _l("Dust from the site covers the street.")),
    "property-service": (_l("The lift is broken."), _l("The property company does not respond.")),
    "public-facilities": (_l("A bench or toilet is broken."),
                          _l("We need more seats in the shade.")),
    "consumer-dispute": (_l("The price was not shown."), _l("I was charged too much.")),
    "community-service": (_l("Older residents need more help."),
                          _l("Please add activities for residents.")),
    "child-friendly": (_l("The playground equipment is broken."),
                       _l("Children need a safe place to play.")),
}
GENERIC = (_l("Since about a week."), _l("It happens every day."), _l("Please contact me."))


def phrases_for(code: str) -> tuple:
    """One-tap phrases for a category code (its own, then a few that fit any)."""
    return tuple(PHRASES.get(code, ())) + GENERIC


def icon_for(code: str) -> str:
    """The icon symbol id for a category code."""
    return ICONS.get(code, "other")
