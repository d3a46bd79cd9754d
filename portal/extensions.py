"""Flask extensions, created unbound; `create_app` binds them."""
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints keep migrations reproducible on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
csrf = CSRFProtect()
babel = Babel()

from flask_login import LoginManager  # noqa: E402

login_manager = LoginManager()

from flask_limiter import Limiter  # noqa: E402
from flask_limiter.util import get_remote_address  # noqa: E402

# Bound (with its storage) by portal.core.ratelimit.init_rate_limits.
limiter = Limiter(key_func=lambda: f"ip:{get_remote_address()}")

from flask_caching import Cache  # noqa: E402

# Bound by portal.core.pagecache.init_page_cache.
page_cache = Cache()
