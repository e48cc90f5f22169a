"""The programme calendar: the YAML file, its import, changes from the assistant, self-assessments."""
