"""Synthetic estates at scale and the harness that measures pathwarden on them."""
