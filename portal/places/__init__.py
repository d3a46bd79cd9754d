"""Places: area boundaries, point-in-area, coordinate systems, the public map and its GeoJSON."""
