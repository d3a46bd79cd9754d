"""Administrators' pages for the reference data: stations and other venues, categories, areas."""
