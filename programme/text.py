"""People's text made comparable, the same way wherever it is read: the curly quotes and apostrophes
Outlook, Word and phones type made straight, and non-breaking spaces plain."""

from __future__ import annotations

STRAIGHT = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "\u00a0": " "})
