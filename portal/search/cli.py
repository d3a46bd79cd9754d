"""`flask portal reindex`: rebuild the search index from the database and swap it in."""
import click

from portal.extensions import db
from portal.search.indexer import index_root, rebuild_index
from portal.submissions.models import Submission


@click.command("reindex")
@click.option("--procs", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Processes analysing text in parallel (use the idle cores).")
def reindex_command(procs):
    """Rebuild the search index from the database (atomic swap; searches continue meanwhile)."""
    total = db.session.execute(db.select(db.func.count(Submission.id))).scalar() or 0
    with click.progressbar(length=total, label="Indexing submissions") as bar:
        count = rebuild_index(progress=bar.update, procs=procs)
    click.echo(f"Indexed {count} submissions into {index_root()}.")
