"""Schema migrations (Flask-Migrate over Alembic), loaded only where they run.

Alembic brings Mako and Pygments along, about 10 MB in every process that imports it. The web
server and the background worker never migrate, so `create_app` only adds a `db` command group
that binds Flask-Migrate when one of its commands runs; code that migrates from Python calls
`bind_migrations(app)` first.
"""
import click
from flask.cli import ScriptInfo


def bind_migrations(app) -> None:
    """Bind Flask-Migrate to the app once: `app.extensions["migrate"]` and its `db` commands.
    Batch mode lets SQLite alter tables; comparing types keeps autogenerate honest."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from portal.extensions import db

    Migrate(app, db, directory=str(app.extensions["portal_migrations"]), render_as_batch=True,
            compare_type=True)


class MigrationCommands(click.Group):
    """`flask db ...`: stands in for Flask-Migrate's command group, which it binds and hands
    the command line to when `db` is invoked (click runs the command of the context it gets)."""

    def make_context(self, info_name, args, parent=None, **extra):
        app = (parent.ensure_object(ScriptInfo) if parent else ScriptInfo()).load_app()
        bind_migrations(app)
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


def register_migration_commands(app, directory) -> None:
    """Add `flask db` for the migrations in `directory`, without loading Alembic."""
    app.extensions["portal_migrations"] = directory
    app.cli.add_command(MigrationCommands("db", help="Upgrade, downgrade or create database "
                                                     "migrations (Flask-Migrate)."))
