"""The reminder rules, their facts, working days, and planning them into the outbox."""
