"""The technician portal as an installable app: its manifest, service worker and offline page.

The service worker is served from ``/tech/sw.js`` so that it may control the portal's pages,
``/tech`` itself included: a worker's scope is at most its own folder (``/tech/``, which misses
``/tech``) unless ``Service-Worker-Allowed`` widens it, so the response does. Its text names the
static files it keeps, fingerprinted: a new deployment changes them, hence the worker, which
browsers then install afresh. None of these needs a login: browsers fetch a manifest without
cookies, and the offline page is shown to whoever has no network.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from litestar import Request, Response, get

from sm2_web.portal.render import environment, render, static_url, translator

SCOPE = "/tech"
THEME = "#0a58a6"  # --c-primary in portal.css
BACKGROUND = "#f3f5f7"  # --c-bg
OFFLINE_PATH = "/tech/offline"
#: What the offline copy of a page needs besides the page: kept when the worker installs.
_KEPT = ("portal.css", "portal.js", "htmx.min.js", "tech.js", "tech-icon-192.png")
_ICONS = (
    ("tech-icon-192.png", "192x192", "any"),
    ("tech-icon-512.png", "512x512", "any"),
    ("tech-icon-maskable-512.png", "512x512", "maskable"),
)


@get("/tech/manifest.webmanifest", name="portal:tech-manifest")
async def manifest(request: Request[Any, Any, Any]) -> Response[bytes]:
    t = translator(request)
    document = {
        "id": SCOPE,
        "name": "SM2 Technicien",
        "short_name": "SM2",
        "description": t("Your jobs, live, on your phone."),
        "lang": t.lang,
        "start_url": SCOPE,
        "scope": SCOPE,
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "icons": [
            {"src": static_url(name), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for name, sizes, purpose in _ICONS
        ],
    }
    return Response(
        json.dumps(document, ensure_ascii=False).encode(),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache", "Vary": "Accept-Language"},
    )


@cache
def _worker() -> str:
    kept = [static_url(name) for name in _KEPT]
    template = environment().get_template("tech/sw.js")
    # The version names the worker's cache of static files: it changes with any of them.
    version = hashlib.sha256("\n".join(kept).encode()).hexdigest()[:12]
    return template.render(
        version=version, kept=kept, offline=OFFLINE_PATH, icon=static_url(_ICONS[0][0])
    )


@get("/tech/sw.js", name="portal:tech-worker")
async def service_worker() -> Response[str]:
    return Response(
        _worker(),
        media_type="text/javascript; charset=utf-8",
        # no-cache: the browser asks every time it checks for a new worker.
        headers={"Service-Worker-Allowed": SCOPE, "Cache-Control": "no-cache"},
    )


@get(OFFLINE_PATH, name="portal:tech-offline")
async def offline(request: Request[Any, Any, Any]) -> Response[str]:
    return render(request, "tech/offline.html")


INSTALL_HANDLERS = [manifest, service_worker, offline]
