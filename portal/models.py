"""Every feature's models, imported in one place so metadata (and migrations) see all tables."""
from portal.accounts.models import AuditEntry, LoginAttempt, User  # noqa: F401
from portal.stations.models import Area, Category, Station  # noqa: F401
from portal.submissions.models import (  # noqa: F401
    ChangeLog, Contact, Photo, StatusEvent, Submission)
from portal.core.ratelimit import RateLimitCounter  # noqa: F401
from portal.moderation.models import Redaction  # noqa: F401
from portal.kiosk.models import Kiosk, KioskEnrolment  # noqa: F401
from portal.api.models import ApiKey, ApiToken  # noqa: F401
from portal.forwarding.models import Delivery, Incident, PlatformEvent, RelayPosition  # noqa: F401
from portal.places.models import Boundary  # noqa: F401
