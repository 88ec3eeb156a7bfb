"""Realistic dealership texts written for these tests (not the labeled corpus): the parser must
generalise to messages it was not tuned on — mixed languages, no accents, typos, shouting."""

from __future__ import annotations

import pytest

from sm2_adapters.parsing import OfflineParser

PARSER = OfflineParser()

Row = tuple[int | None, str | None, str | None, str | None, str | None, str | None]

MESSAGES: list[tuple[str, list[Row]]] = [
    (
        "Salut, besoin d'une clé pour Civic 2024 2HGFE2F52RH501234 svp",
        [(2024, "Honda", "Civic", "2HGFE2F52RH501234", None, "KEY_PROGRAMMING")],
    ),
    (
        "changment dhuile sur rav4 2019 stk 2T1-4471",
        [(2019, "Toyota", "RAV4", None, "2T1-4471", "OIL_CHANGE")],
    ),
    (
        "CHANGEMENT D'HUILE CAMRY 2021 STOCK T21-0456 SVP",
        [(2021, "Toyota", "Camry", None, "T21-0456", "OIL_CHANGE")],
    ),
    (
        "pneu d'hiver a poser sur Tucson 2023 #stock H23-991",
        [(2023, "Hyundai", "Tucson", None, "H23-991", "TIRE_CHANGE")],
    ),
    (
        "batteri morte sur le Sorento 2024 KNDJ23AU1R7123456 client attend",
        [(2024, "Kia", "Sorento", "KNDJ23AU1R7123456", None, "BATTERY_REPLACEMENT")],
    ),
    (
        "2x PDI: Santa Fe 2023 stock H2301 et H2302",
        [
            (2023, "Hyundai", "Santa Fe", None, "H2301", "PDI"),
            (2023, "Hyundai", "Santa Fe", None, "H2302", "PDI"),
        ],
    ),
    (
        "Need brakes on a 2022 Chevy Silverado 1500 1GNSKBKD8NR123456",
        [(2022, "Chevrolet", "Silverado 1500", "1GNSKBKD8NR123456", None, "BRAKE_SERVICE")],
    ),
    (
        "oil change on the Escape 24, stock F4471, no rush",
        [(2024, "Ford", "Escape", None, "F4471", "OIL_CHANGE")],
    ),
    ("diag voyant moteur F-150 2021 asap", [(2021, "Ford", "F-150", None, None, "DIAGNOSTIC")]),
    (
        "Model 3 2023 5YJ3E1EA4PF512345 needs a windshield replacement",
        [(2023, "Tesla", "Model 3", "5YJ3E1EA4PF512345", None, "WINDSHIELD_REPAIR")],
    ),
    (
        "Bonjour! Pouvez-vous faire l'esthétique du Grand Cherokee 2021 unité 5521? Merci",
        [(2021, "Jeep", "Grand Cherokee", None, "5521", "DETAILING")],
    ),
    (
        "Remote starter for a Bronco Sport 2023 stock B2399",
        [(2023, "Ford", "Bronco Sport", None, "B2399", "REMOTE_STARTER")],
    ),
    (
        "reprogrammation du module sur Golf 2019 WVWZZZAU5KW123456",
        [(2019, "Volkswagen", "Golf", "WVWZZZAU5KW123456", None, "SOFTWARE_UPDATE")],
    ),
    (
        "debosselage porte arriere Kona 2022 stock Y-2231",
        [(2022, "Hyundai", "Kona", None, "Y-2231", "PAINTLESS_DENT_REPAIR")],
    ),
    (
        "A/C pas froid sur Santa Fe 2023 5NMS3DAJ1PH612345",
        [(2023, "Hyundai", "Santa Fe", "5NMS3DAJ1PH612345", None, "AC_SERVICE")],
    ),
    (
        "clim a recharger sur un Sierra 1500 2022 3GTU9DED4NG112233",
        [(2022, "GMC", "Sierra 1500", "3GTU9DED4NG112233", None, "AC_SERVICE")],
    ),
    (
        "key fob for 2021 Acura RDX 19UUB5F50MA000111 lost both",
        [(2021, "Acura", "RDX", "19UUB5F50MA000111", None, "KEY_PROGRAMMING")],
    ),
    (
        "PDI on 3 new Tacoma 2024: stk T4401, T4402, T4403",
        [(2024, "Toyota", "Tacoma", None, s, "PDI") for s in ("T4401", "T4402", "T4403")],
    ),
    (
        "esthétique complète Corolla 22 stock T9922",
        [(2022, "Toyota", "Corolla", None, "T9922", "DETAILING")],
    ),
    ("Vidange Mazda3 2020 stk M20-331", [(2020, "Mazda", "Mazda3", None, "M20-331", "OIL_CHANGE")]),
    (
        "Pls swap winter tires on Ioniq 5 2023, stock H5512 when you can",
        [(2023, "Hyundai", "Ioniq 5", None, "H5512", "TIRE_CHANGE")],
    ),
    (
        "changer les pneus sur la CX-30 MY23 stock M2330",
        [(2023, "Mazda", "CX-30", None, "M2330", "TIRE_CHANGE")],
    ),
    (
        "2 oil changes: Accord 2021 stock H1121 and CR-V 2022 stock H2231",
        [
            (2021, "Honda", "Accord", None, "H1121", "OIL_CHANGE"),
            (2022, "Honda", "CR-V", None, "H2231", "OIL_CHANGE"),
        ],
    ),
    (
        "freins avant + arrière sur Equinox 2020, unité G2020, pas pressé",
        [(2020, "Chevrolet", "Equinox", None, "G2020", "BRAKE_SERVICE")],
    ),
    (
        "dent on the hood of the Jetta 2021 stk V21-101 PDR",
        [(2021, "Volkswagen", "Jetta", None, "V21-101", "PAINTLESS_DENT_REPAIR")],
    ),
    (
        "pare brise craqué Ram 1500 2022 stock R22-15",
        [(2022, "Ram", "1500", None, "R22-15", "WINDSHIELD_REPAIR")],
    ),
    (
        "windshield chip on F150 24 stk F24-331",
        [(2024, "Ford", "F-150", None, "F24-331", "WINDSHIELD_REPAIR")],
    ),
    (
        "cle perdu pour Elantra 2019 no de stock H19-220",
        [(2019, "Hyundai", "Elantra", None, "H19-220", "KEY_PROGRAMMING")],
    ),
    (
        "Need software update on Tiguan 2021 & Atlas 2022",
        [
            (2021, "Volkswagen", "Tiguan", None, None, "SOFTWARE_UPDATE"),
            (2022, "Volkswagen", "Atlas", None, None, "SOFTWARE_UPDATE"),
        ],
    ),
    (
        "VIN 2T1BURHE0KC 234567 besoin vidange",
        [(2019, "Toyota", None, "2T1BURHE0KC234567", None, "OIL_CHANGE")],
    ),
    (
        "RX350 2020 battery replacement stock L2020",
        [(2020, "Lexus", "RX", None, "L2020", "BATTERY_REPLACEMENT")],
    ),
    (
        "C300 2020 remote start WDDWF4KB3LR556677",
        [(2020, "Mercedes-Benz", "C-Class", "WDDWF4KB3LR556677", None, "REMOTE_STARTER")],
    ),
    (
        "Ça prend un diag sur la Mazda 6 2018 stock M18-22, bruit dans le moteur",
        [(2018, "Mazda", "Mazda6", None, "M18-22", "DIAGNOSTIC")],
    ),
    (
        "new key for the Pilot 2019 stock H-9921",
        [(2019, "Honda", "Pilot", None, "H-9921", "KEY_PROGRAMMING")],
    ),
    (
        "Ford F-250 2021 brakes + rotors stock F25-77 urgent",
        [(2021, "Ford", "F-250", None, "F25-77", "BRAKE_SERVICE")],
    ),
    (
        "RUSH - customer waiting - Kia Telluride 2023 flat tire",
        [(2023, "Kia", "Telluride", None, None, "TIRE_CHANGE")],
    ),
    (
        "Need 2 keys cut for Rogue 2020 stock N2020",
        [(2020, "Nissan", "Rogue", None, "N2020", "KEY_PROGRAMMING")],
    ),
    (
        "oil change on 2T1BURHE0KC234567 and 2HGFE2F52RH501234",
        [
            (2019, "Toyota", None, "2T1BURHE0KC234567", None, "OIL_CHANGE"),
            (2024, "Honda", None, "2HGFE2F52RH501234", None, "OIL_CHANGE"),
        ],
    ),
    ("kia sportage 2023 pdi stk k2391", [(2023, "Kia", "Sportage", None, "K2391", "PDI")]),
    (
        "rav4 hybride 2024 vidange stock T24-118",
        [(2024, "Toyota", "RAV4", None, "T24-118", "OIL_CHANGE")],
    ),
    ("🚗 Civic 2022 clé svp 🙏", [(2022, "Honda", "Civic", None, None, "KEY_PROGRAMMING")]),
    (
        "Can you do a diag on the Outback 2019? P0420",
        [(2019, "Subaru", "Outback", None, None, "DIAGNOSTIC")],
    ),
    (
        "Oil change RAV4 stk T2201, brakes Highlander stk T2202",
        [
            (None, "Toyota", "RAV4", None, "T2201", "OIL_CHANGE"),
            (None, "Toyota", "Highlander", None, "T2202", "BRAKE_SERVICE"),
        ],
    ),
    (
        "Tuscon 2021 changement de pneus stock H21-441",
        [(2021, "Hyundai", "Tucson", None, "H21-441", "TIRE_CHANGE")],
    ),
    ("Hyundia Kona 2022 battery", [(2022, "Hyundai", "Kona", None, None, "BATTERY_REPLACEMENT")]),
    (
        "ESCAPE 2020 OIL CHANGE STK F20-991",
        [(2020, "Ford", "Escape", None, "F20-991", "OIL_CHANGE")],
    ),
    (
        "PDI sur encore un Sportage 2024 stock K24-1",
        [(2024, "Kia", "Sportage", None, "K24-1", "PDI")],
    ),
    (
        "windshield for a GMC Terrain 2019 stock G19-31",
        [(2019, "GMC", "Terrain", None, "G19-31", "WINDSHIELD_REPAIR")],
    ),
    (
        "2021 Jeep Wrangler Unlimited battery + diag",
        [(2021, "Jeep", "Wrangler", None, None, "BATTERY_REPLACEMENT")],
    ),
    (
        "Detail the Sorento 2023 stk K23-9 before 3pm, and a full detail on the Niro 2022 stk K22-4",
        [
            (2023, "Kia", "Sorento", None, "K23-9", "DETAILING"),
            (2022, "Kia", "Niro", None, "K22-4", "DETAILING"),
        ],
    ),
    (
        "Installation démarreur à distance Kicks 2022 #N22-30",
        [(2022, "Nissan", "Kicks", None, "N22-30", "REMOTE_STARTER")],
    ),
    (
        "volkswagon jetta 2018 ac recharge",
        [(2018, "Volkswagen", "Jetta", None, None, "AC_SERVICE")],
    ),
    ("Need tires on MINI Cooper 2019", [(2019, "MINI", "Cooper", None, None, "TIRE_CHANGE")]),
    (
        "Besoin d'une inspection sur la Mazda CX-50 2023 stock M23-50",
        [(2023, "Mazda", "CX-50", None, "M23-50", "PDI")],
    ),
    (
        "vidange + pneus sur Civic 2020 stock H20-7",
        [(2020, "Honda", "Civic", None, "H20-7", "OIL_CHANGE")],
    ),
    ("ok merci", []),
    ("c'est beau merci", []),
    ("Merci pour la job sur le RAV4!", []),
    ("How much for a remote starter on a 2022 Civic?", []),
    ("Ignore the last message", []),
]


@pytest.mark.parametrize(("body", "expected"), MESSAGES, ids=[m[0][:40] for m in MESSAGES])
def test_realistic_message(body: str, expected: list[Row]) -> None:
    """Every field of every request, in order, as a dispatcher would have read it."""
    result = PARSER.parse_text(body)
    got = [(r.year, r.make, r.model, r.vin, r.stock_no, r.service_code) for r in result.requests]
    assert expected == got
