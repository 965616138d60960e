"""Jobs of retention, store closure and children's accounts (retention.py, closures.py, children.py)."""
