"""Submissions: the resident's issue or idea, its lifecycle, tracking and the public forms."""
