"""Shared infrastructure: templates, errors, security headers, database set-up, text helpers."""
