"""The ideas section: supports with thresholds, moderated comments, official answers, register."""
