"""Jobs of data requests: deadline reminders (requests.py)."""
