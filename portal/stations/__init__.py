"""Stations, areas, categories and the routing reference data."""
