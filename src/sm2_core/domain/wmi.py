"""World manufacturer identifiers (VIN positions 1-3) of the brands sold in Canada.

Makes are written as NHTSA writes them. This table wins over the generic vininfo data, which is
broader but names makers inconsistently ("DaimlerChrysler AG/Daimler AG", "Porsche car").
"""

from __future__ import annotations

_BY_MAKE: dict[str, tuple[str, ...]] = {
    "Acura": ("19U", "JH4", "5J8", "2HN"),
    "Alfa Romeo": ("ZAR", "ZAS"),
    "Audi": ("WAU", "WA1", "WUA", "TRU", "WU1"),
    "BMW": ("WBA", "WBS", "WBX", "WBY", "5UX", "5UJ", "5YM", "4US"),
    "Buick": ("1G4", "2G4", "KL4", "5GA", "LRB"),
    "Cadillac": ("1G6", "1GY", "1GE"),
    "Chevrolet": (
        "1G1",
        "1GC",
        "1GN",
        "1GB",
        "2G1",
        "2GN",
        "2GC",
        "3G1",
        "3GN",
        "3GC",
        "KL1",
        "KL7",
        "1GT0",
    ),
    "Chrysler": ("1C3", "2C3", "2C4", "1C4"),
    "Dodge": ("1B3", "2B3", "2D3", "1D7", "2D4", "1C6"),
    "Fiat": ("ZFA", "3C3"),
    "Ford": (
        "1FA",
        "1FB",
        "1FC",
        "1FD",
        "1FM",
        "1FT",
        "1FV",
        "2FA",
        "2FM",
        "2FT",
        "3FA",
        "3FM",
        "3FT",
        "NM0",
        "WF0",
        "MAJ",
    ),
    "Genesis": ("KMT", "5NM0"),
    "GMC": ("1GT", "1GK", "2GT", "2GK", "3GT", "3GK"),
    "Honda": ("1HG", "2HG", "5FN", "5FP", "JHM", "2HK", "5J6", "7FA", "SHH", "SHS", "3HG"),
    "Hyundai": ("KMH", "KM8", "5NM", "5NP", "5NT", "5XY3", "KMF"),
    "Infiniti": ("JN8A", "JNK", "5N1A"),
    "Jaguar": ("SAJ",),
    "Jeep": ("1C4", "1J4", "1J8", "3C4", "ZAC"),
    "Kia": ("KNA", "KND", "KNE", "5XX", "5XY", "3KP"),
    "Land Rover": ("SAL",),
    "Lexus": ("JTH", "JTJ", "2T2", "58A"),
    "Lincoln": ("1LN", "2LM", "3LN", "5LM"),
    "Mazda": ("JM1", "JM3", "JMZ", "3MZ", "3MV", "4F2", "4F4"),
    "Mercedes-Benz": ("WDB", "WDC", "WDD", "WDF", "W1K", "W1N", "W1V", "W1W", "4JG", "55S"),
    "MINI": ("WMW",),
    "Mitsubishi": ("JA3", "JA4", "JA7", "4A3", "4A4", "ML3"),
    "Nissan": ("1N4", "1N6", "3N1", "3N6", "5N1", "JN1", "JN8", "4N2"),
    "Polestar": ("LPS", "YSM"),
    "Porsche": ("WP0", "WP1"),
    "Ram": ("1C6", "3C6", "3C7", "2C6"),
    "Subaru": ("JF1", "JF2", "4S3", "4S4", "4S6"),
    "Tesla": ("5YJ", "7SA", "LRW", "XP7"),
    "Toyota": (
        "JT2",
        "JT3",
        "JT4",
        "JTD",
        "JTE",
        "JTK",
        "JTL",
        "JTM",
        "JTN",
        "JTT",
        "2T1",
        "2T3",
        "4T1",
        "4T3",
        "4T4",
        "5TD",
        "5TE",
        "5TF",
        "5TB",
        "7MU",
        "MR0",
    ),
    "Volkswagen": ("WVW", "WVG", "WV1", "WV2", "1VW", "3VW", "3VV", "9BW", "1V2"),
    "Volvo": ("YV1", "YV4", "7JR", "LVY"),
}

#: Code (3 characters, or 4 where a maker shares a WMI) → make.
WMI_MAKES: dict[str, str] = {code: make for make, codes in _BY_MAKE.items() for code in codes}

#: vininfo's manufacturer names that differ from NHTSA's, by the name's first word.
_VININFO_ALIASES: dict[str, str] = {
    "mercedes": "Mercedes-Benz",
    "daimlerchrysler": "Mercedes-Benz",
    "porsche": "Porsche",
    "nissan": "Nissan",
    "chevrolet": "Chevrolet",
    "volkswagen": "Volkswagen",
    "toyota": "Toyota",
    "honda": "Honda",
    "hyundai": "Hyundai",
    "mazda": "Mazda",
    "tesla": "Tesla",
    "volvo": "Volvo",
    "lexus": "Lexus",
    "ford": "Ford",
    "subaru": "Subaru",
    "suzuki": "Suzuki",
    "mitsubishi": "Mitsubishi",
    "dodge": "Dodge",
    "chrysler": "Chrysler",
    "buick": "Buick",
    "mini": "MINI",
    "gmc": "GMC",
    "bmw": "BMW",
    "kia": "Kia",
    "audi": "Audi",
}


def make_for_wmi(vin: str) -> str | None:
    """The make of a VIN's maker, from our table first, then vininfo's broader data."""
    for length in (4, 3):
        make = WMI_MAKES.get(vin[:length])
        if make:
            return make
    return _vininfo_make(vin)


def _vininfo_make(vin: str) -> str | None:
    try:
        from vininfo.dicts.wmi import WMI  # pure data; imported lazily as it is large
    except ImportError:  # pragma: no cover - vininfo is a declared dependency
        return None
    raw = WMI.get(vin[:3]) or WMI.get(vin[:2])
    if not raw:
        return None
    name = str(raw)
    first = name.replace("(", " ").split()[0].lower().strip(",")
    return _VININFO_ALIASES.get(first, name if len(name.split()) == 1 else None)
