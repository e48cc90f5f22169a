"""Getting a message to a person: channel choice and fallback, rate limits, retries, templates."""
