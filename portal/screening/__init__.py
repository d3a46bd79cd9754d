"""Spam and abuse scoring: text and context in, a score and reasons out (knows no other feature)."""
