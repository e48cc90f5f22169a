"""Asks, offers and plenary suggestions; matching and the directory of support."""
