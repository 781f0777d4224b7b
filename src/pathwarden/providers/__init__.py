"""Cloud providers: load (offline) and discover (live) into the shared model, plus semantics.

Importing the package registers each provider's evaluation semantics with the engine.
"""

from pathwarden.providers import registry as _registry  # noqa: F401
