"""The regional panel: nominations and the register of practitioners."""
