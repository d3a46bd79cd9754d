"""Masking of personal data for moderation: the detection lives in core (pure text), so that
lower layers (the tracking page) mask with the very same rules."""
from portal.core.redaction import (  # noqa: F401  (re-exported for moderation and its callers)
    Finding, find_personal_data, mask_text, mask_value, valid_id_card)
