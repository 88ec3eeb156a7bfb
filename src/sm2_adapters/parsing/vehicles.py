"""Years, brands and models in the words of a message, grouped into vehicle phrases."""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from sm2_adapters.parsing import vocab_vehicles, vocab_words
from sm2_adapters.parsing.catalog import ModelEntry, VehicleCatalog
from sm2_adapters.parsing.text import Token, is_sentence_start, tight

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


def _century(two_digits: int) -> int:
    return 2000 + two_digits if two_digits <= MAX_YEAR - 2000 else 1900 + two_digits


def _year_of(tokens: Sequence[Token], folded: str, i: int) -> int | None:
    tok = tokens[i]
    nxt = tokens[i + 1].norm if i + 1 < len(tokens) else ""
    if tok.norm.isdigit() and len(tok.norm) == 4:
        year = int(tok.norm)
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


def _lookup(cat: VehicleCatalog, key: str, n: int) -> Atom | None:
    entries = cat.models.get(key, ())
    models = [e for e in entries if e.max_parts >= n]
    if models:
        return Atom("model", 0, n - 1, makes=tuple(e.make for e in models), model=models[0].model)
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


def _fuzzy_at(cat: VehicleCatalog, tok: Token, known: frozenset[str]) -> Atom | None:
    norm = tok.norm
    if len(norm) < 5 or norm in known:
        return None
    target = cat.fuzzy.correct(norm)
    if target is None:
        return None
    atom = _lookup(cat, target, 1)
    return attrs.evolve(atom, first=tok.index, last=tok.index, fuzzy=True) if atom else None


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

    def year_near(self, atom: Atom) -> bool:
        return any(atom.first - 2 <= y.first <= atom.last + 2 for y in self.years)

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
        if (
            key not in vocab_vehicles.WEAK_BRAND_WORDS
            or followed
            or ctx.year_near(atom)
            or ctx.written_as_name(atom)
        ):
            kept.append(atom)
    return kept


def believe_models(models: Sequence[Atom], brands: Sequence[Atom], ctx: Context) -> list[Atom]:
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
    return VehiclePhrase(
        start=ctx.tokens[group[0].first].start,
        year=year.year if year else None,
        brand=brand.makes[0] if brand else None,
        model_makes=model.makes if model else (),
        model=model.model if model else None,
        fuzzy_model=bool(model and model.fuzzy),
        fuzzy_brand=bool(brand and brand.fuzzy),
    )
