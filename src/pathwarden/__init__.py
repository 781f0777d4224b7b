"""pathwarden: close dangerous movement paths in cloud networks, one path at a time."""

__version__ = "0.1.0"
