"""Notifications: residents told when their case moves, follows of published cases, feeds."""
