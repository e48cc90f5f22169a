"""The service as a whole: its settings, the composition root that builds every part from them, and
the `peer-challenge` command line. Nothing below this package reads the settings."""
