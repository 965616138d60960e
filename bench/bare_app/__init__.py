"""The ceiling: a bare Django project that renders a 24-item listing from memory.

`bench/storefront.py` serves it the same way as Shopwright (same server,
same workers) and reports every storefront page as a fraction of its
throughput. No database, no middleware, no sessions: only Django's request
handling and template rendering, so the gap to it is what Shopwright's own
work costs.
"""
