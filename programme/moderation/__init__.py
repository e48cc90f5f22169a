"""Moderation enquiries, their stages and steps, panel assignments and the days they give."""
