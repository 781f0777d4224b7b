"""AWS: offline snapshot loading, semantics, and (later) live discovery and apply."""
