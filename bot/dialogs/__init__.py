"""One module per conversation. Each exposes `COMMANDS` (word -> handler) and may expose
`ACTIONS` (Adaptive Card verb -> handler returning the refreshed card)."""
