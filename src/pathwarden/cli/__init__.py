"""The ``pathwarden`` command line (click)."""
