"""Full-text search (Chinese in both scripts, and English) over submissions, with Whoosh."""
