"""The portals: the dispatchers' board at ``/`` and the technicians' phone portal at ``/tech``.

Server-rendered pages (Jinja) with htmx for partial updates and the browser's EventSource for
live ones; mounted by ``create_app`` with ``portal_router(config)``.
"""

from sm2_web.portal.router import portal_router

__all__ = ["portal_router"]
