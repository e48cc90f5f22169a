"""The aiohttp app, the Bot Framework adapter and turn routing."""
