"""The two SDKs the assistant can run on, behind the seam of bot/host.py: `botbuilder` (the Bot
Framework SDK, the default) and `agents` (the Microsoft 365 Agents SDK). BOT_HOST chooses."""
