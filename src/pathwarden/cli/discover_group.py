"""``pathwarden discover``: the AWS command with the Azure and GCP subcommands attached."""

from pathwarden.cli.discover_azure import azure
from pathwarden.cli.discover_cmd import discover
from pathwarden.cli.discover_gcp import gcp

discover.add_command(azure)
discover.add_command(gcp)

__all__ = ["discover"]
