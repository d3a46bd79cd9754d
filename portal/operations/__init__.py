"""Operating a deployment: backups and the retention purge of personal data (docs/deployment.md)."""
