"""Every feature's models, imported in one place so metadata (and migrations) see all tables."""
from portal.accounts.models import User  # noqa: F401
from portal.stations.models import Area, Category, Station  # noqa: F401
from portal.submissions.models import (  # noqa: F401
    ChangeLog, Contact, Photo, StatusEvent, Submission)
from portal.forwarding.models import Delivery, Incident, PlatformEvent, RelayPosition  # noqa: F401
