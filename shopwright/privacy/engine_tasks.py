"""Jobs of the export and erasure engine (exports.py, erasure.py)."""
