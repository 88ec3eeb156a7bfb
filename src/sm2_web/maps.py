"""Links that open the phone's maps application on an address."""

from __future__ import annotations

from urllib.parse import quote

#: Google's documented cross-platform Maps URL: opens the maps app on Android and iOS.
MAPS_SEARCH = "https://www.google.com/maps/search/?api=1&query="


def maps_url(address: str) -> str:
    return MAPS_SEARCH + quote(address.strip(), safe="")
