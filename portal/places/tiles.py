"""The configured tile server: checked when the app starts, and its exact hosts allowed by CSP."""
from urllib.parse import urlsplit

from portal.core.security import allow_csp_sources
from portal.places.coords import CRS_CHOICES


class MapConfigInvalid(ValueError):
    """PORTAL_MAP_* settings the map cannot work with (raised when the app is created)."""


def tile_origins(template: str, subdomains: str) -> list:
    """The exact origins tiles are fetched from: one per subdomain when the host has `{s}`."""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MapConfigInvalid("PORTAL_MAP_TILES must be an http(s) URL template")
    for placeholder in ("{z}", "{x}", "{y}"):
        if placeholder not in template:
            raise MapConfigInvalid(f"PORTAL_MAP_TILES must contain {placeholder}")
    hosts = ([parts.netloc.replace("{s}", s) for s in subdomains] if "{s}" in parts.netloc
             else [parts.netloc])
    if any(c in h for h in hosts for c in "{} ;,'\""):
        raise MapConfigInvalid("PORTAL_MAP_TILES has a placeholder in its host other than {s}")
    return sorted({f"{parts.scheme}://{host}" for host in hosts})


def configure_map(app) -> None:
    """Check the map settings and allow the tile server's hosts (only those) in img-src."""
    crs = app.config["PORTAL_MAP_CRS"] = (app.config.get("PORTAL_MAP_CRS") or "wgs84").lower()
    if crs not in CRS_CHOICES:
        raise MapConfigInvalid(f"PORTAL_MAP_CRS must be one of {', '.join(CRS_CHOICES)}")
    template = app.config.get("PORTAL_MAP_TILES") or ""
    if template:
        allow_csp_sources(app, "img-src", tile_origins(
            template, app.config.get("PORTAL_MAP_SUBDOMAINS") or "abc"))
