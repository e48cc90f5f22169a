"""The Teams app manifest template, its icons, and the code that packages them."""

from manifest.package import COMMANDS, Command, build_manifest, write_package

__all__ = ["COMMANDS", "Command", "build_manifest", "write_package"]
