"""Database plumbing: metadata, engines, unit of work, migrations."""
