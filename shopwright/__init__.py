"""Shopwright: a multi-tenant hosted store builder."""
