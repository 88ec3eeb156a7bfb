"""Years, brands and models in the words of a message, grouped into vehicle phrases."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

import attrs

from sm2_adapters.parsing import vocab_vehicles, vocab_words
from sm2_adapters.parsing.catalog import ModelEntry, VehicleCatalog, vehicle_catalog
from sm2_adapters.parsing.text import FuzzyIndex, Token, fold, is_sentence_start, tight, tokenize

MIN_YEAR, MAX_YEAR = 1981, 2030
_NOT_A_YEAR_AFTER = frozenset(
    {
        "km",
        "kms",
        "kilometres",
        "kilometers",
        "miles",
        "mi",
        "dollars",
        "cad",
        "lbs",
        "rpm",
        "cc",
        "hp",
    }
)
_MODEL_YEAR = re.compile(r"my(\d{2}|\d{4})")
# The letter O typed for a zero, as in VINs: "2O21", "2O2O".
_YEAR_WITH_O = re.compile(r"(?:19|2[0o])[0-9o]{2}")
_FAMILY = re.compile(r"([a-z]{1,3})(\d{2,3})([a-z]{0,2})")
_BMW_SERIES = re.compile(vocab_vehicles.BMW_SERIES_PATTERN)


@attrs.frozen
class Atom:
    """One year, brand or model read from tokens ``first..last``."""

    kind: str  # "year" | "brand" | "model"
    first: int
    last: int
    year: int | None = None
    makes: tuple[str, ...] = ()
    model: str | None = None
    fuzzy: bool = False
    names: tuple[str, ...] = ()
    """The model as each of ``makes`` prints it ("Ram 1500" at Dodge, "1500" at Ram)."""


@attrs.frozen
class VehiclePhrase:
    """Adjacent year/brand/model words: "2023 Audi Q5", "RAV4 '22", "F150 24"."""

    start: int
    year: int | None
    brand: str | None
    model_makes: tuple[str, ...]
    model: str | None
    fuzzy_model: bool
    fuzzy_brand: bool
    model_names: tuple[str, ...] = ()
    """The model as each of ``model_makes`` prints it."""
    make_hinted: bool = False
    """Several makes sell the model and the dealership's brand put its own first."""
    unknown_name: bool = False
    """No model read, but a word no vocabulary knows, written like a name ("EV3",
    "Telurride"), stands against the year or brand: the vehicle was named, not understood."""


def _century(two_digits: int) -> int:
    return 2000 + two_digits if two_digits <= MAX_YEAR - 2000 else 1900 + two_digits


def _year_of(tokens: Sequence[Token], folded: str, i: int) -> int | None:
    tok = tokens[i]
    nxt = tokens[i + 1].norm if i + 1 < len(tokens) else ""
    norm = tok.norm.replace("o", "0") if _YEAR_WITH_O.fullmatch(tok.norm) else tok.norm
    if norm.isdigit() and len(norm) == 4:
        year = int(norm)
        near = folded[max(0, tok.start - 1) : tok.end + 1]
        if MIN_YEAR <= year <= MAX_YEAR and nxt not in _NOT_A_YEAR_AFTER and "$" not in near:
            return year
    if tok.norm.isdigit() and len(tok.norm) == 2 and folded[tok.start - 1 : tok.start] == "'":
        return _century(int(tok.norm))  # '22
    match = _MODEL_YEAR.fullmatch(tok.norm)
    if match:
        digits = match.group(1)
        return int(digits) if len(digits) == 4 else _century(int(digits))
    return None


def find_years(tokens: Sequence[Token], folded: str) -> list[Atom]:
    atoms = []
    for i, tok in enumerate(tokens):
        year = _year_of(tokens, folded, i)
        if year is None and tok.norm == "my" and i + 1 < len(tokens):
            year = _two_digit(tokens[i + 1].norm)  # "MY 23"
        if year is not None and MIN_YEAR <= year <= MAX_YEAR:
            atoms.append(Atom("year", i, i, year=year))
    return atoms


def _two_digit(norm: str) -> int | None:
    if norm.isdigit() and len(norm) == 2:
        return _century(int(norm))
    return None


def family_model(key: str) -> ModelEntry | None:
    """The model a family-and-number name stands for ("rx350" → Lexus RX, "330i" → BMW 3 Series)."""
    match = _FAMILY.fullmatch(key)
    if match:
        prefix, digits, _ = match.groups()
        family = vocab_vehicles.NUMBERED_FAMILIES.get(prefix)
        if family and (len(prefix) > 1 or len(digits) == 3):
            return ModelEntry(family[0], family[1], 2)
    bmw = _BMW_SERIES.fullmatch(key)
    return ModelEntry("BMW", f"{bmw.group(1)} Series", 2) if bmw else None


def sold_in(make: str, model: str, year: int) -> bool:
    """Whether ``make`` sold ``model`` in ``year``, for a name several makes used."""
    first, last = vocab_vehicles.SOLD_YEARS.get((make, model), (MIN_YEAR, MAX_YEAR))
    return first <= year <= last


def _still_sold_first(entry: ModelEntry) -> int:
    return -vocab_vehicles.SOLD_YEARS.get((entry.make, entry.model), (0, MAX_YEAR))[1]


def _lookup(cat: VehicleCatalog, key: str, n: int) -> Atom | None:
    entries = cat.models.get(key, ())
    models = [e for e in entries if e.max_parts >= n]
    if len(models) > 1:
        models.sort(key=_still_sold_first)
    if models:
        return Atom(
            "model",
            0,
            n - 1,
            makes=tuple(e.make for e in models),
            model=models[0].model,
            names=tuple(e.model for e in models),
        )
    brand = cat.brands.get(key)
    if brand and brand[1] >= n:
        return Atom("brand", 0, n - 1, makes=(brand[0],))
    family = family_model(key) if n <= 2 else None
    if family:
        return Atom("model", 0, n - 1, makes=(family.make,), model=family.model)
    return None


def _match_at(
    cat: VehicleCatalog, tokens: Sequence[Token], folded: str, i: int, known: frozenset[str]
) -> Atom | None:
    for n in range(min(cat.max_parts, len(tokens) - i), 0, -1):
        if not all(tight(folded, tokens[j], tokens[j + 1]) for j in range(i, i + n - 1)):
            continue
        key = "".join(t.norm for t in tokens[i : i + n])
        atom = _lookup(cat, key, n)
        if atom is not None:
            return attrs.evolve(atom, first=i, last=i + n - 1)
    return _fuzzy_at(cat, tokens[i], known)


@cache
def _weak_fuzzy() -> FuzzyIndex:
    """Models that are also uncommon words ("Palisade", "Outback"): corrected from a typo only
    with a year, brand or VIN beside them (see ``_fuzzy_believed``)."""
    return FuzzyIndex(vocab_vehicles.WEAK_MODELS, min_length=5)


def _fuzzy_at(cat: VehicleCatalog, tok: Token, known: frozenset[str]) -> Atom | None:
    """A typo of a brand or model. Four-letter words are tried too ("Jeta"), but believed only
    with strong evidence; a first letter is rarely mistyped, so a different one is no typo
    ("summer" is not "Hummer", "Paris" is not "Yaris")."""
    norm = tok.norm
    if len(norm) < 4 or norm in known:
        return None
    for index in (cat.fuzzy, _weak_fuzzy()):
        readings = {_lookup(cat, t, 1) for t in index.close(norm) if t[0] == norm[0]}
        if len(readings) == 1:  # one vehicle, though maybe through several spellings
            atom = readings.pop()
            return attrs.evolve(atom, first=tok.index, last=tok.index, fuzzy=True) if atom else None
        if readings:
            return None  # a typo of two different names: no guess
    return None


def find_names(
    cat: VehicleCatalog,
    tokens: Sequence[Token],
    folded: str,
    taken: set[int],
    known: frozenset[str],
) -> list[Atom]:
    """Brand and model mentions, longest first, before anyone decides whether to believe them.

    ``known`` are real words (service vocabulary, everyday words), never read as typos of a name.
    """
    atoms: list[Atom] = []
    i = 0
    while i < len(tokens):
        atom = None if i in taken else _match_at(cat, tokens, folded, i, known)
        if atom is not None and not taken & set(range(atom.first, atom.last + 1)):
            atoms.append(atom)
            i = atom.last + 1
        else:
            i += 1
    return atoms


_AFTER_NOT_YEAR = _NOT_A_YEAR_AFTER | {"min", "mins", "minutes", "h", "heures", "hours", "x"}


def _level(atom: Atom, key: str) -> str:
    model_key = "".join(c for c in (atom.model or "").lower() if c.isalnum())
    if {key, model_key} & vocab_vehicles.COMMON_WORD_MODELS or (key.isalpha() and len(key) <= 2):
        return "common"
    if {key, model_key} & vocab_vehicles.WEAK_MODELS:
        return "weak"
    return "strong"


@attrs.frozen
class Context:
    """What the rest of the message says, to decide whether a common word is a vehicle."""

    tokens: Sequence[Token]
    folded: str
    years: Sequence[Atom]
    vin_makes: frozenset[str]
    has_service: bool
    quantities: frozenset[int] = frozenset()
    """Tokens of a count ("x2", "2x", "qty 3"): they number vehicles, they do not name one."""
    identifiers: int = 0
    """VINs and stock numbers read in the message."""
    makes_hint: frozenset[str] = frozenset()
    """The dealership's brands: break a tie between makes selling the same model, nothing else."""
    known: frozenset[str] = frozenset()
    """Everyday and service words: not a vehicle's name when no model is read."""

    def year_near(self, atom: Atom) -> bool:
        return any(atom.first - 2 <= y.first <= atom.last + 2 for y in self.years)

    def year_beside(self, atom: Atom) -> bool:
        """A year written against the name ("Civik 2017", "2019 Odysey")."""
        return any(
            (
                y.first == atom.last + 1
                and tight(self.folded, self.tokens[atom.last], self.tokens[y.first])
            )
            or (
                y.last == atom.first - 1
                and tight(self.folded, self.tokens[y.last], self.tokens[atom.first])
            )
            for y in self.years
        )

    def brand_before(self, atom: Atom, brands: Sequence[Atom]) -> bool:
        """A brand that sells the model written right before it ("Hyundai Kona", "BMW X2")."""
        return atom.first > 0 and any(
            b.last == atom.first - 1
            and set(b.makes) & set(atom.makes)
            and tight(self.folded, self.tokens[b.last], self.tokens[atom.first])
            for b in brands
        )

    def written_as_name(self, atom: Atom) -> bool:
        """Capitalised mid-sentence ("on the Encore") or in capitals in a lower-case text."""
        raw = self.tokens[atom.first].raw
        if is_sentence_start(self.folded, self.tokens[atom.first]) or not raw[:1].isupper():
            return False
        shouting = all(t.raw == t.raw.upper() for t in self.tokens if t.raw.isalpha())
        return not shouting and (len(raw) > 2 or raw.isupper())


def believe_brands(brands: Sequence[Atom], models: Sequence[Atom], ctx: Context) -> list[Atom]:
    kept = []
    for atom in brands:
        key = "".join(t.norm for t in ctx.tokens[atom.first : atom.last + 1])
        followed = any(m.first == atom.last + 1 and set(m.makes) & set(atom.makes) for m in models)
        if atom.fuzzy:
            # A misspelt brand needs its model, a year, the VIN's maker or a capital beside
            # it; four letters ("acra") need the model or the VIN.
            vin_agrees = bool(set(atom.makes) & ctx.vin_makes)
            evidence = (ctx.year_near(atom), ctx.written_as_name(atom)) if len(key) > 4 else ()
            if followed or vin_agrees or any(evidence):
                kept.append(atom)
            continue
        if (
            key not in vocab_vehicles.WEAK_BRAND_WORDS
            or followed
            or ctx.year_near(atom)
            or ctx.written_as_name(atom)
        ):
            kept.append(atom)
    return kept


def believe_models(models: Sequence[Atom], brands: Sequence[Atom], ctx: Context) -> list[Atom]:
    """Exact readings first; a typo's reading then needs evidence, more of it when an exact
    model is already named (the message has its vehicle, the typo is likely a word)."""
    models = [m for m in models if not _counts_vehicles(m, models, brands, ctx)]
    exact = _believe_exact([m for m in models if not m.fuzzy], brands, ctx)
    fuzzy = [m for m in models if m.fuzzy and _fuzzy_believed(m, brands, ctx, bool(exact))]
    return sorted(exact + fuzzy, key=lambda a: a.first)


def _counts_vehicles(
    atom: Atom, models: Sequence[Atom], brands: Sequence[Atom], ctx: Context
) -> bool:
    """A count, not a model: "x2" in "PDI x2" numbers vehicles; "X2" after "BMW" or with a
    BMW VIN names one.

    A lone "X3 2021" with fewer than two identifiers still names the car: nothing else does."""
    if atom.first not in ctx.quantities:
        return False
    if ctx.brand_before(atom, brands) or set(atom.makes) & ctx.vin_makes:
        return False
    alone = all(m is atom or m.first in ctx.quantities for m in models)
    raw = ctx.tokens[atom.first].raw
    return not (alone and raw[:1].isupper() and ctx.year_beside(atom) and ctx.identifiers < 2)


def _fuzzy_believed(atom: Atom, brands: Sequence[Atom], ctx: Context, exact_named: bool) -> bool:
    key = ctx.tokens[atom.first].norm
    vin_agrees = bool(set(atom.makes) & ctx.vin_makes)
    if len(key) < 5:
        # Four letters are one edit from too many words ("pris" → Prius): the VIN's maker,
        # or the brand and the year together, must vouch.
        return vin_agrees or (ctx.brand_before(atom, brands) and ctx.year_near(atom))
    firm = vin_agrees or ctx.brand_before(atom, brands) or ctx.year_beside(atom)
    if exact_named or _level(atom, key) != "strong":
        return firm
    return firm or ctx.written_as_name(atom)


def _believe_exact(models: Sequence[Atom], brands: Sequence[Atom], ctx: Context) -> list[Atom]:
    brand_makes = {m for b in brands for m in b.makes}
    kept = []
    for atom in models:
        key = "".join(t.norm for t in ctx.tokens[atom.first : atom.last + 1])
        level = _level(atom, key)
        before = ctx.tokens[atom.first - 1].norm if atom.first else ""
        if (
            level == "strong"
            or set(atom.makes) & (brand_makes | ctx.vin_makes)
            or ctx.year_near(atom)
            or ctx.written_as_name(atom)
            or (level == "weak" and ctx.has_service and before in vocab_words.VEHICLE_DETERMINERS)
        ):
            kept.append(atom)
    return kept


def years_after_models(models: Sequence[Atom], years: Sequence[Atom], ctx: Context) -> list[Atom]:
    """Two-digit years written right after a model ("F150 24", "Civic 19")."""
    found = []
    taken = {y.first for y in years}
    for model in models:
        i = model.last + 1
        if (
            i >= len(ctx.tokens)
            or i in taken
            or not tight(ctx.folded, ctx.tokens[i - 1], ctx.tokens[i])
        ):
            continue
        after = ctx.tokens[i + 1].norm if i + 1 < len(ctx.tokens) else ""
        year = _two_digit(ctx.tokens[i].norm)
        if year is not None and after not in _AFTER_NOT_YEAR:
            found.append(Atom("year", i, i, year=year))
    return found


def phrases(atoms: Sequence[Atom], ctx: Context) -> list[VehiclePhrase]:
    """Adjacent atoms with no slot twice form one vehicle phrase."""
    groups: list[list[Atom]] = []
    for atom in sorted(atoms, key=lambda a: a.first):
        last = groups[-1][-1] if groups else None
        joined = last is not None and tight(
            ctx.folded, ctx.tokens[last.last], ctx.tokens[atom.first]
        )
        if joined and all(a.kind != atom.kind for a in groups[-1]):
            groups[-1].append(atom)
        else:
            groups.append([atom])
    return [_phrase(group, ctx) for group in groups]


def _phrase(group: Sequence[Atom], ctx: Context) -> VehiclePhrase:
    by_kind = {a.kind: a for a in group}
    year, brand, model = by_kind.get("year"), by_kind.get("brand"), by_kind.get("model")
    makes, names, hinted = _hinted(model, ctx.makes_hint) if model else ((), (), False)
    return VehiclePhrase(
        start=ctx.tokens[group[0].first].start,
        year=year.year if year else None,
        brand=brand.makes[0] if brand else None,
        model_makes=makes,
        model=names[0] if names else (model.model if model else None),
        fuzzy_model=bool(model and model.fuzzy),
        fuzzy_brand=bool(brand and brand.fuzzy),
        model_names=names,
        make_hinted=hinted,
        unknown_name=model is None and _unknown_name_beside(group, ctx),
    )


def _unknown_name_beside(group: Sequence[Atom], ctx: Context) -> bool:
    first, last = group[0].first, group[-1].last
    for i in (first - 1, last + 1):
        if 0 <= i < len(ctx.tokens):
            tok = ctx.tokens[i]
            left, right = (tok, ctx.tokens[first]) if i < first else (ctx.tokens[last], tok)
            if tight(ctx.folded, left, right) and _name_shaped(tok, ctx.known):
                return True
    return False


def _name_shaped(tok: Token, known: frozenset[str]) -> bool:
    """Capitalised, or letters with digits ("EV3"), and in no vocabulary."""
    norm = tok.norm
    if len(norm) < 2 or norm.isdigit() or norm in known:
        return False
    return tok.raw[:1].isupper() or not norm.isalpha()


def _hinted(model: Atom, hint: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """The model's makes (and names), the dealership's own make first when exactly one of the
    makes selling the model is the dealership's: the text and the VIN still decide first."""
    names = model.names or tuple(model.model or "" for _ in model.makes)
    pairs = list(zip(model.makes, names, strict=True))
    ours = [p for p in pairs if p[0] in hint]
    if len(pairs) < 2 or len(ours) != 1:
        return model.makes, names, False
    ordered = ours + [p for p in pairs if p not in ours]
    return tuple(m for m, _ in ordered), tuple(n for _, n in ordered), True


@lru_cache(maxsize=1024)
def brands_in(text: str) -> frozenset[str]:
    """The makes a free text names, such as a dealership's name: "Kia de Québec" → {"Kia"},
    "Chevrolet Buick GMC de Lévis" → {"Chevrolet", "Buick", "GMC"}."""
    brands = vehicle_catalog().brands
    norms = [t.norm for t in tokenize(text, fold(text))]
    found = set()
    for i in range(len(norms)):
        for n in (2, 1):  # "Mercedes Benz", "Land Rover", "Alfa Romeo"
            entry = brands.get("".join(norms[i : i + n])) if i + n <= len(norms) else None
            if entry is not None:
                found.add(entry[0])
                break
    return frozenset(found)
