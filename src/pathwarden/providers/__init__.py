"""Cloud providers: load (offline) and discover (live) into the shared model, plus semantics."""
