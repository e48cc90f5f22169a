"""Pure functions that build Adaptive Card dicts (schema 1.5)."""
