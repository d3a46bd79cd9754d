"""Public JSON API (v1, described by OpenAPI 3.1) and Open311 GeoReport v2 for other systems."""
