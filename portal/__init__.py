"""The civic portal: `create_app` is the table of contents."""
from flask import Flask

from portal.config import ROOT_DIR, load_config

# Libraries only web requests use (the map, place search, boundaries, feeds, the screening's
# duplicate check, photos, the kiosks' QR codes), imported where they are used so that the
# background worker and commands never load them (about 40 MB with NumPy, lxml and Pillow); the
# web server imports them before it forks its workers, which then share one copy
# (gunicorn.conf.py).
WEB_ONLY_LIBRARIES = ("coordTransform", "feedgen.feed", "numpy", "shapely.geometry",
                      "shapely.prepared", "shapely.validation", "PIL.Image", "PIL.ImageOps",
                      "segno")


def create_app(config=None) -> Flask:
    """Create the portal: configuration, extensions, features, commands."""
    app = Flask(__name__, static_folder=str(ROOT_DIR / "static"), static_url_path="/static",
                instance_path=str(ROOT_DIR / "instance"))
    _configure(app, config)
    _init_extensions(app)
    _register_features(app)
    _register_api(app)
    _register_workers(app)
    _register_cli(app)
    return app


def _configure(app: Flask, config) -> None:
    from portal.core.inputs import register_converters
    from portal.core.storage import prepare_storage
    from portal.kiosk.services import apply_kiosk_config

    app.config.update(load_config())
    app.config.update(config or {})
    apply_kiosk_config(app)  # PORTAL_KIOSK_* defaults, kept with the feature
    prepare_storage(app.config)  # data, uploads, index and the SQLite file: owner only
    register_converters(app)  # bounded ids and path parts, before any route is added


def _init_extensions(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from portal.accounts.services import load_user
    from portal.core.database import configure_engine
    from portal.core.i18n import _l, select_locale
    from portal.core.pagecache import init_page_cache
    from portal.core.ratelimit import init_rate_limits
    from portal.core.unit_of_work import init_unit_of_work
    from portal.extensions import babel, csrf, db, login_manager
    from portal.models import load_models

    load_models()  # every table known to SQLAlchemy and Alembic
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    init_unit_of_work(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    init_rate_limits(app)
    init_page_cache(app)
    if app.config["PORTAL_PROXY_COUNT"]:
        count = app.config["PORTAL_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _register_features(app: Flask) -> None:
    from portal.accounts.views import bp as accounts_bp
    from portal.core.errors import register_error_handlers
    from portal.core.facts import (
        register_dashboard_panel,
        register_fact_helpers,
        register_submission_facts,
        register_submission_panel,
    )
    from portal.core.i18n import remember_locale
    from portal.core.inputs import check_request_shape
    from portal.core.pagecache import register_page_version
    from portal.core.security import apply_security_headers
    from portal.core.templating import register_template_helpers
    from portal.core.views import bp as core_bp
    from portal.forwarding.views import bp as forwarding_bp
    from portal.kiosk.views import bp as kiosk_bp
    from portal.moderation.views import bp as moderation_bp
    from portal.notifications.alert_views import bp as alerts_bp
    from portal.notifications.alert_views import follow_offer_panel
    from portal.notifications.views import bp as notifications_bp
    from portal.participation.comments import comment_texts
    from portal.participation.reports import report_panel
    from portal.participation.staff_views import bp as participation_staff_bp
    from portal.participation.views import bp as participation_bp
    from portal.places.services import boundaries_loaded, locate
    from portal.places.views import bp as places_bp
    from portal.reference.views import bp as reference_bp
    from portal.search.indexer import register_staff_text
    from portal.search.views import bp as search_bp
    from portal.servicelevels.deadlines import DEADLINE_POSITION, PUBLIC_DEADLINES
    from portal.servicelevels.extensions import extension_panel
    from portal.servicelevels.kiosk_views import bp as servicelevels_kiosk_bp
    from portal.servicelevels.services import (
        deadline_facts,
        dispatch_panel,
        follow_up_panel,
        return_facts,
    )
    from portal.servicelevels.staff_views import bp as servicelevels_staff_bp
    from portal.servicelevels.views import bp as servicelevels_bp
    from portal.stations.models import REFERENCE_EDITED
    from portal.stations.snapshot import init_reference_snapshot
    from portal.stations.views import bp as stations_bp
    from portal.stats.cells import FIGURES_VERSION
    from portal.stats.hotspots import dashboard_panel as hotspot_panel
    from portal.stats.staff_views import bp as stats_staff_bp
    from portal.stats.views import bp as stats_bp
    from portal.submissions.listings import LATEST_CHANGE, LATEST_PUBLIC_CHANGE
    from portal.submissions.locator import register_area_locator
    from portal.submissions.views import bp as submissions_bp

    register_template_helpers(app)
    register_fact_helpers(app)
    # boundaries decide a point's area (submissions asks)
    register_area_locator(app, locate, boundaries_loaded)
    register_page_version(app, LATEST_PUBLIC_CHANGE)  # a change a public page may show
    register_page_version(app, PUBLIC_DEADLINES)  # due dates the worker computed for those
    register_page_version(app, LATEST_CHANGE, every_change=True)  # any: tracking pages
    register_page_version(app, DEADLINE_POSITION, every_change=True)
    register_page_version(app, REFERENCE_EDITED)  # stations, categories, areas changed by staff
    init_reference_snapshot(app)  # each process's copy of them, read again per that version
    register_page_version(app, FIGURES_VERSION)  # the figures the worker built since
    register_submission_facts(app, deadline_facts)  # due dates on tracking pages and lists
    register_submission_panel(app, follow_up_panel)  # the follow-up question (回访)
    register_dashboard_panel(app, hotspot_panel)  # open hotspots (未诉先办)
    register_submission_panel(app, follow_offer_panel)  # "my problem too": follow by e-mail
    register_submission_facts(app, return_facts)  # returns and arbitration on staff lists
    register_submission_panel(app, dispatch_panel)  # returns on a case's staff page
    register_submission_panel(app, extension_panel)  # deadline extensions: staff and tracking
    _register_hooks(app)
    register_submission_panel(app, report_panel)  # residents' "report this"
    register_staff_text(app, comment_texts)  # ideas' comments in staff search only
    register_error_handlers(app)
    app.before_request(check_request_shape)
    app.after_request(apply_security_headers)
    app.after_request(remember_locale)
    for blueprint in (core_bp, submissions_bp, stations_bp, accounts_bp, search_bp, kiosk_bp,
                      moderation_bp, forwarding_bp, notifications_bp, alerts_bp,
                      servicelevels_bp, servicelevels_staff_bp, servicelevels_kiosk_bp,
                      places_bp, participation_bp, participation_staff_bp, reference_bp,
                      stats_bp, stats_staff_bp):
        app.register_blueprint(blueprint)


def _register_hooks(app: Flask) -> None:
    """Answers features above give to the lower ones' questions (portal/core/hooks.py)."""
    from portal.core.hooks import register_hook
    from portal.servicelevels import dispatch, extensions, replies
    from portal.servicelevels.kiosk_views import kiosk_start_links
    from portal.stats.hotspots import hotspot_marks

    register_hook(app, "routing_team", dispatch.routing_team)  # a re-dispatched case's team
    register_hook(app, "forwarding_hold", dispatch.forwarding_hold)  # waiting for arbitration
    register_hook(app, "forwarding_loads", dispatch.forwarding_loads)  # both read in a batch
    register_hook(app, "case_returned", dispatch.case_returned)  # count, re-dispatch
    register_hook(app, "reply_templates", replies.reply_templates)  # on the reply form
    register_hook(app, "reply_template_text", replies.reply_template_text)
    register_hook(app, "kiosk_start_links", kiosk_start_links)  # follow-up at a kiosk
    register_hook(app, "change_details", extensions.change_details)  # told to residents
    register_hook(app, "staff_map_marks", hotspot_marks)  # open hotspots on the staff map


def _register_workers(app: Flask) -> None:
    from portal.core.health import register_readiness_check
    from portal.forwarding.relay import relay_batch, relay_task
    from portal.forwarding.services import readiness as forwarding_readiness
    from portal.notifications.digests import DIGEST_CHECK_SECONDS, digest_task
    from portal.notifications.sender import notification_batch, notifications_task
    from portal.notifications.services import readiness as notifications_readiness
    from portal.search.indexer import apply_changes
    from portal.search.indexer import readiness as search_readiness
    from portal.search.merger import merge_segments
    from portal.servicelevels.deadlines import deadline_task
    from portal.servicelevels.followup import CLOSING_CHECK_SECONDS, close_without_feedback
    from portal.stats.cells import figures_task
    from portal.stats.hotspots import HOTSPOT_BUSY_SECONDS, hotspot_task
    from portal.worker import register_worker_task

    register_worker_task(app, "search-indexer", apply_changes)
    register_worker_task(app, "search-merger", merge_segments, idle_seconds=1.0,
                         runs_with="search-indexer")
    # Deliveries and messages wait in queues: a round with a full batch goes on at once, one
    # with a few items waits a moment for more.
    register_worker_task(app, "forwarding-relay", relay_task, pause_when_busy=False,
                         full_round=relay_batch)
    register_worker_task(app, "notifications", notifications_task, pause_when_busy=False,
                         full_round=notification_batch)
    register_worker_task(app, "notification-digests", digest_task,
                         idle_seconds=DIGEST_CHECK_SECONDS)
    # Due dates follow their cases within a second or so: nobody waits for one to the second,
    # and each move of the task's position is a new version of the pages showing them.
    register_worker_task(app, "service-levels", deadline_task, idle_seconds=1.0, busy_seconds=1.0)
    register_worker_task(app, "follow-up-closing", close_without_feedback, pause_when_busy=False,
                         idle_seconds=CLOSING_CHECK_SECONDS)
    register_worker_task(app, "hotspots", hotspot_task, idle_seconds=1.0,
                         busy_seconds=HOTSPOT_BUSY_SECONDS)
    register_worker_task(app, "figures", figures_task, idle_seconds=1.0)
    register_readiness_check(app, "search", search_readiness)
    register_readiness_check(app, "forwarding", forwarding_readiness)
    register_readiness_check(app, "notifications", notifications_readiness)


def _register_api(app: Flask) -> None:
    from portal.api.open311 import bp as open311_bp
    from portal.api.representations import register_representation_extra
    from portal.api.staff_views import bp as api_keys_bp
    from portal.api.views import bp as api_bp
    from portal.extensions import csrf
    from portal.participation.api_views import bp as ideas_api_bp
    from portal.participation.services import representation as idea_representation

    register_representation_extra(app, idea_representation)  # an idea's outcome
    for blueprint in (api_bp, ideas_api_bp, open311_bp):
        csrf.exempt(blueprint)  # keys and tokens, never cookies: CSRF cannot apply
        app.register_blueprint(blueprint)
    app.register_blueprint(api_keys_bp)


def _register_cli(app: Flask) -> None:
    from flask.cli import AppGroup

    from portal.accounts.cli import create_user_command
    from portal.api.cli import create_api_key_command, create_token_command
    from portal.core.migrations import register_migration_commands
    from portal.forwarding.cli import accept_command
    from portal.kiosk.cli import kiosk_enroll_command
    from portal.notifications.cli import send_test_mail_command
    from portal.operations.cli import backup_command, purge_personal_data_command
    from portal.places.cli import load_boundaries_command
    from portal.screening.cli import screening_report_command
    from portal.search.cli import reindex_command
    from portal.stations.cli import seed_command
    from portal.submissions.cli import publish_command
    from portal.worker import worker_command

    portal_cli = AppGroup("portal", help="Portal administration commands.")
    for command in (seed_command, publish_command, worker_command, create_user_command,
                    create_token_command, create_api_key_command, kiosk_enroll_command,
                    reindex_command, screening_report_command, accept_command, backup_command,
                    purge_personal_data_command, send_test_mail_command,
                    load_boundaries_command):
        portal_cli.add_command(command)
    app.cli.add_command(portal_cli)
    register_migration_commands(app, ROOT_DIR / "migrations")  # Alembic loads when `db` runs
