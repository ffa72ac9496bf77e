"""The curated taxonomy: canonical tech terms, their Korean and English aliases and themes,
read from taxonomy.yaml, and a matcher that finds the aliases in text."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy.yaml")

# The Hangul syllables, as a regex character range.
HANGUL = "가-힣"
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")
_SEPARATOR = re.compile(r"[\s\-]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; the message names the bad entry."""


@dataclass(frozen=True)
class TaxonomyTerm:
    """One curated topic: its canonical (display) name and the ways articles write it."""

    name: str
    aliases: tuple[str, ...] = ()
    match_case: tuple[str, ...] = ()
    general: bool = False  # mentioned in passing by many articles whatever they are about


@dataclass(frozen=True)
class Taxonomy:
    """The curated topics, with a matcher that finds their aliases in text."""

    terms: tuple[TaxonomyTerm, ...]
    # (theme, its members) by canonical name: what an article about the members is about
    themes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    _by_alias: dict[str, str] = field(init=False, repr=False, compare=False)
    _spellings: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    general: frozenset[str] = field(init=False, repr=False, compare=False)  # canonical names
    _english: dict[str, str] = field(init=False, repr=False, compare=False)
    broader: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    # The aliases matched in any case and those matched as written; compiled into patterns by
    # the first `find` (the API only looks names up, and a pattern of every alias costs more
    # than reading the file).
    _loose: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _exact: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _patterns: tuple[re.Pattern[str], re.Pattern[str]] | None = field(
        init=False, repr=False, compare=False, default=None
    )

    def __post_init__(self) -> None:
        by_alias: dict[str, str] = {}
        loose: list[str] = []
        exact: list[str] = []
        for term in self.terms:
            if not term.name.strip():
                raise TaxonomyError(f"taxonomy entry with aliases {list(term.aliases)}: empty name")
            spellings = [(a, a in term.match_case) for a in (term.name, *term.aliases)]
            spellings += [(a, True) for a in term.match_case if a != term.name]
            for alias, case_sensitive in spellings:
                key = alias_key(alias)
                if not key:
                    raise TaxonomyError(f"taxonomy entry {term.name!r}: empty alias")
                owner = by_alias.setdefault(key, term.name)
                if owner != term.name:
                    raise TaxonomyError(
                        f"taxonomy entry {term.name!r}: alias {alias!r} already belongs to {owner!r}"
                    )
                (exact if case_sensitive else loose).append(alias)
        # Case-insensitive by lowering ASCII in the text, not by re.IGNORECASE, which makes the
        # character classes of thousands of aliases slow to compile.
        object.__setattr__(self, "_by_alias", by_alias)
        spellings_of: dict[str, list[str]] = {}
        for key, name in by_alias.items():
            spellings_of.setdefault(alias_key(name), []).append(key)
        object.__setattr__(self, "_spellings", {k: tuple(v) for k, v in spellings_of.items()})
        object.__setattr__(self, "general", frozenset(t.name for t in self.terms if t.general))
        object.__setattr__(self, "broader", _broader(self.terms, by_alias))
        english = {
            t.name: next((a for a in (t.name, *t.aliases) if a.isascii()), t.name)
            for t in self.terms
        }
        object.__setattr__(self, "_english", english)
        object.__setattr__(self, "_loose", tuple(loose))
        object.__setattr__(self, "_exact", tuple(exact))

    def canonical(self, phrase: str) -> str | None:
        """The canonical name `phrase` is an alias of, if any."""
        key = alias_key(phrase)
        name = self._by_alias.get(key)
        if name is None and key.endswith("s"):
            name = self._by_alias.get(key[:-1]) or self._by_alias.get(key[:-2])
        return name

    def english_name(self, name: str) -> str:
        """A term's first English spelling (its canonical name if it has none)."""
        return self._english.get(name, name)

    def spellings(self, key: str) -> tuple[str, ...]:
        """The keys of every spelling of the term whose canonical name has `key` (none if no
        term has it): a term renamed keeps what was recorded under its old name."""
        return self._spellings.get(key, ())

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Alias occurrences in `text` as (start, end, canonical name): leftmost, longest."""
        patterns = self._patterns
        if patterns is None:
            patterns = (
                re.compile(_trie_pattern(self._loose, plural=True)),
                re.compile(_trie_pattern(self._exact, plural=False)),
            )
            object.__setattr__(self, "_patterns", patterns)
        loose, exact = patterns
        matches = [*loose.finditer(text.translate(_ASCII_LOWER)), *exact.finditer(text)]
        spans = sorted((m.start(), -m.end()) for m in matches if m.group())
        found: list[tuple[int, int, str]] = []
        for start, negative_end in spans:
            if found and start < found[-1][1]:
                continue
            name = self.canonical(text[start:-negative_end])
            if name is not None:
                found.append((start, -negative_end, name))
        return found


def _broader(
    terms: tuple[TaxonomyTerm, ...], by_alias: dict[str, str]
) -> dict[str, frozenset[str]]:
    """Narrower term key -> broader term keys: a name ending in another term's name as whole words."""
    found: dict[str, set[str]] = {}
    for term in terms:
        for spelling in (term.name, *term.aliases):
            words = spelling.split()
            for i in range(1, len(words)):
                owner = by_alias.get(alias_key(" ".join(words[i:])))
                if owner is not None and owner != term.name:
                    found.setdefault(alias_key(term.name), set()).add(alias_key(owner))
    return {k: frozenset(v) for k, v in found.items()}


def alias_key(phrase: str) -> str:
    """How aliases are compared: case, spaces and hyphens ignored."""
    return _SEPARATOR.sub("", phrase).casefold()


# Where spacing may vary inside a name: a space, a hyphen or nothing ("A/B 테스트", "AB테스트").
GAP = r"[\s\-]*"


def _units(alias: str, *, fold: bool) -> tuple[str, ...]:
    """An alias as match units: its characters, with a gap wherever spacing may vary."""
    units: list[str] = []
    for char in alias.strip():
        if char.isspace() or char == "-":
            if units[-1] != GAP:
                units.append(GAP)
            continue
        if units and units[-1] != GAP and is_hangul(units[-1]) != is_hangul(char):
            units.append(GAP)  # "AB테스트" is also written "AB 테스트"
        units.append(char.translate(_ASCII_LOWER) if fold else char)
    return tuple(units)


def _trie_pattern(aliases: tuple[str, ...], *, plural: bool) -> str:
    """One regex for many aliases, sharing prefixes (a flat alternation compiles and runs slowly).

    Aliases match on word boundaries: a Latin alias not inside a longer Latin word, a Korean one
    only at the start of a word; longer aliases win. English aliases also match their plural.
    """
    trie: dict[str, Any] = {}
    for alias in aliases:
        node = trie
        for unit in _units(alias, fold=plural):
            node = node.setdefault(unit, {})
        last = alias.strip()[-1]
        end = ""
        if _LATIN_OR_DIGIT.match(last):
            wants_plural = plural and last.isalpha() and len(alias) >= 3
            end = ("(?:e?s)?" if wants_plural else "") + r"(?![A-Za-z0-9_])"
        if "" not in node or len(end) > len(node[""]):
            node[""] = end

    def emit(node: dict[str, Any]) -> str:
        branches = [
            (unit if unit == GAP else re.escape(unit)) + emit(child)
            for unit, child in node.items()
            if unit != ""
        ]
        if "" in node:
            branches.append(node[""])  # last: a longer alias sharing this prefix is tried first
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    # One lookbehind per script, not per alias: each character class costs compile time.
    groups: dict[str, dict[str, Any]] = {f"(?<![{HANGUL}])": {}, r"(?<![A-Za-z0-9_])": {}, "": {}}
    for unit, child in trie.items():
        guard = (
            f"(?<![{HANGUL}])"
            if is_hangul(unit)
            else r"(?<![A-Za-z0-9_])"
            if _LATIN_OR_DIGIT.match(unit)
            else ""
        )
        groups[guard][unit] = child
    return "|".join(guard + emit(group) for guard, group in groups.items() if group)


def is_hangul(char: str) -> bool:
    """Whether char is a Hangul syllable."""
    return "가" <= char <= "힣"


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (the packaged `taxonomy.yaml` by default)."""
    source = Path(path) if path is not None else DEFAULT_TAXONOMY
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster when present
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise TaxonomyError(f"{source}: expected a mapping with a 'terms' list")
    general = data.get("general") or []
    if not isinstance(general, list) or not all(isinstance(name, str) for name in general):
        raise TaxonomyError(f"{source}: 'general' must be a list of canonical names")
    terms = [_term(entry, index) for index, entry in enumerate(data["terms"])]
    names = {term.name for term in terms}
    if unknown := set(general) - names:
        raise TaxonomyError(f"{source}: 'general' names no taxonomy entry: {sorted(unknown)}")
    themes = data.get("themes") or {}
    if not isinstance(themes, dict) or not all(
        isinstance(members, list) and all(isinstance(m, str) for m in members)
        for members in themes.values()
    ):
        raise TaxonomyError(f"{source}: 'themes' must map a canonical name to a list of them")
    for theme, members in themes.items():
        if unknown := {theme, *members} - names:
            raise TaxonomyError(
                f"{source}: theme {theme!r} names no taxonomy entry: {sorted(unknown)}"
            )
    return Taxonomy(
        tuple(dataclasses.replace(t, general=True) if t.name in general else t for t in terms),
        tuple((theme, tuple(members)) for theme, members in themes.items()),
    )


def _term(entry: Any, index: int) -> TaxonomyTerm:
    """One taxonomy entry: `[name, alias, ...]` or `{name, aliases, match_case}`."""
    if isinstance(entry, list):
        entry = {"name": entry[0] if entry else "", "aliases": entry[1:]}
    if not isinstance(entry, dict) or set(entry) - {"name", "aliases", "match_case"}:
        raise TaxonomyError(
            f"taxonomy entry #{index + 1} ({entry!r}): expected a list or a mapping"
        )
    name, aliases, exact = entry.get("name"), entry.get("aliases", []), entry.get("match_case", [])
    if not isinstance(name, str) or not name.strip():
        raise TaxonomyError(f"taxonomy entry #{index + 1} ({entry!r}): empty name")
    for spellings in (aliases, exact):
        if not isinstance(spellings, list) or not all(
            isinstance(a, str) and a.strip() for a in spellings
        ):
            raise TaxonomyError(f"taxonomy entry {name!r}: aliases must be non-empty strings")
    return TaxonomyTerm(name.strip(), tuple(a.strip() for a in aliases), tuple(exact))
