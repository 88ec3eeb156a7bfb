"""The HTTP driver: ``create_app(services, ...)`` builds the Litestar app."""

from sm2_web.app import create_app
from sm2_web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
