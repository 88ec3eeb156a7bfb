"""The HTTP driver: ``create_app(services, ...)`` builds the Litestar app."""

from sm2_web.app import create_app
from sm2_web.config import EventFeed, HealthProbe, WebConfig, WebDeps

__all__ = ["EventFeed", "HealthProbe", "WebConfig", "WebDeps", "create_app"]
