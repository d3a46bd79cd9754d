"""Service levels: deadlines on the working-day calendar, reminders, escalation, follow-up."""
