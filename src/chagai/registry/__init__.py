"""The project registry: SQL tables, migrations, import and export."""
