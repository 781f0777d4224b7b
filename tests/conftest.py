"""Test-run settings.

Every property-based test runs derandomized by default (the same inputs on every run), so a
CI run is reproducible and a red run means a change, not an unlucky draw. To explore new
inputs locally: ``pytest --hypothesis-profile explore`` (random, more examples).
"""

from hypothesis import settings

settings.register_profile("default", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, max_examples=1000)
settings.load_profile("default")
