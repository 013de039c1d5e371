"""Case files: the schema, its checks, named fiscal regimes and the bundled case library."""
