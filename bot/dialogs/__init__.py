"""One module per conversation. Each exposes `COMMANDS` (word -> handler, for people the programme
knows: the handler gets a `KnownTurn`), and may expose `OPEN_COMMANDS` (for anyone) and `ACTIONS`
(Adaptive Card verb -> handler returning the refreshed card, for people the programme knows)."""
