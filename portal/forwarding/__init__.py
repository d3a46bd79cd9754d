"""Forwarding: the relay from the change log to the operations platform, and status back."""
