"""Jobs of policy versions and consents (policies.py, consents.py)."""
