"""What the back office keeps in the merchant's session."""

from __future__ import annotations

# The id of the store the back office shows; set by signup, the store switcher,
# a new store and a joined store, checked against the user's memberships on use.
CURRENT_STORE_KEY = "current_store_id"
