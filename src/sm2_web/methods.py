"""``Allow`` as the routes really are: an OPTIONS answer names every method of its path.

Litestar answers OPTIONS itself, but its answer can list only the methods of the handlers first
registered on a path (``/api/zones`` said ``OPTIONS, POST`` without its GET); a 405 names them
all already (its ``Allow`` goes through ``problems``). This ``before_send`` hook puts the path's
full list in an OPTIONS answer's ``Allow``.
"""

from __future__ import annotations

from typing import Any

from litestar.types import Message, Scope


def _methods(scope: Scope) -> set[str]:
    handler: Any = scope.get("route_handler")
    app: Any = scope.get("litestar_app")
    if handler is None or app is None:
        return set()
    routes = app.route_handler_method_map
    return {method for path in handler.paths for method in routes.get(path, {})}


async def stamp_allow(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    headers = list(message.get("headers", ()))
    if not any(name.lower() == b"allow" for name, _ in headers):
        return  # not Litestar's own OPTIONS answer (a CORS preflight, say)
    methods = _methods(scope)
    if methods:
        headers = [(name, value) for name, value in headers if name.lower() != b"allow"]
        headers.append((b"allow", ", ".join(sorted(methods)).encode()))
        message["headers"] = headers
