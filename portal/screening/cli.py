"""`flask portal screening-report`: precision and recall on held-out folds of the corpus."""
import click

from portal.screening.evaluation import evaluate


@click.command("screening-report")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
def screening_report_command(folds):
    """Print how well the screening separates spam from genuine text it was not trained on."""
    full, alone = evaluate(folds=folds)
    click.echo(f"corpus: {full.spam} spam, {full.ham} genuine; {folds}-fold cross-validation")
    for name, figures in (("full screening", full), ("classifier alone", alone)):
        click.echo(f"{name}: spam held {figures.spam_held}/{figures.spam} "
                   f"(recall {figures.recall:.1%}), genuine held {figures.ham_held}/{figures.ham} "
                   f"({figures.false_hold_rate:.1%}), precision {figures.precision:.1%}")
