"""The local push service (``push_service``) for the Web Push adapter's tests."""

from __future__ import annotations

from integration.push.fake_push_service import push_service

__all__ = ["push_service"]
