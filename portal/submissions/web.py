"""The web form's channel adapter: the form's values mapped to create_submission."""
from portal.submissions.idempotency import web_key
from portal.submissions.services import create_submission


def submit_from_web(values: dict, *, browser_secret: str, language: str,
                    screening_context=None):
    """Create a submission from the public form (channel web).

    The form's hidden key is scoped to the browser session (its secret), so whatever a visitor
    puts in that field can only ever name a submission of the same session. Raises
    IdempotencyKeyInvalid or SubmissionInvalid before anything is stored, IdempotencyConflict
    when the session's key was already used for other content.
    """
    values = dict(values)
    key = web_key(values.pop("idempotency_key", None), browser_secret)
    return create_submission(**values, channel="web", language=language, idempotency_key=key,
                             screening_context=screening_context)
