"""Records: SQLAlchemy models, sessions, migrations, dialog state and the outbox."""
