"""Background jobs of the privacy engine; Huey finds this module, each area keeps its jobs in its own module."""

from shopwright.privacy import engine_tasks, policy_tasks, request_tasks, retention_tasks

__all__ = ["engine_tasks", "policy_tasks", "request_tasks", "retention_tasks"]
