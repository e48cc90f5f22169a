"""What the programme says when it will not do something."""

from __future__ import annotations


class ProgrammeError(Exception):
    """A request the programme's rules refuse; the message is safe to show the person asking."""


class NotAllowed(ProgrammeError):
    pass


class NotFound(ProgrammeError):
    pass


class Invalid(ProgrammeError):
    """Bad input: `fields` maps each field to what is wrong with it and how to fix it."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        super().__init__(" ".join(self.fields.values()))


class TooEarly(ProgrammeError):
    """A step the programme's dates do not allow yet (notes before the challenge day, say)."""
