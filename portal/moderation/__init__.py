"""Staff review: the queue, decisions, redaction, official replies, audit, dashboard, export."""
