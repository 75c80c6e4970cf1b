"""Name screening: an in-memory index over list entries and a ranked, explained search.

Blocking keeps a query cheap: each query token finds the listed tokens that are the same, one
edit away (a deletion index), alike in sound (metaphone) or, for a word no list has, two edits
away; only names holding such tokens are candidates, and the most promising few are scored in
full. A full score pairs query and listed tokens (best assignment, so order does not matter;
initials, typos and words run together count) and weighs them by rarity: how much of the query
was found, and how much of the listed name. Date of birth, country and type then add or remove
a little. Every step is written into the candidate's explanation."""

from __future__ import annotations

import functools
import heapq
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import process
from rapidfuzz.distance import OSA

from trustdesk.compliance.model import (
    Adjustment,
    AliasQuality,
    Candidate,
    EntryType,
    Explanation,
    SanctionsEntry,
    TokenMatch,
    query_birth_date,
    query_entry_type,
)
from trustdesk.compliance.names import (
    PARTICLES,
    compare_tokens,
    country_key,
    is_initial,
    joined_similarity,
    normalize_listed,
    normalize_name,
    phonetic_key,
    query_country,
    resembles_stopword,
    skeleton,
)
from trustdesk.core.errors import InvalidInput

DEFAULT_THRESHOLD = 0.77  # chosen on the tuning seed of bench/screening_eval.py (--tune)
MAX_LIMIT = 100
_SHORTLIST = 60  # names scored in full per query
_COMMON_POSTINGS = 300  # a token in more names than this is common (see _shortlist)
_MIN_PAIR = 0.6  # "similar" token pairs below this are not paired
_TYPO_LEVEL = 0.9  # a listed word this close (one edit) makes a query word a name
_INITIAL_SIMILARITY = 0.85  # "m." typed for "mohammed"
_WEAK_INITIAL_SIMILARITY = 0.5  # a full word for a listed initial, or "b." for "bin"
_PARTICLE_WEIGHT = 0.2
_NOISE_WEIGHT = 0.05  # a misspelt legal form or title ("Limitd")
_INITIAL_WEIGHT = 0.7
_UNKNOWN_WEIGHT = {2: 0.4, 3: 0.6}  # words no list has: short ones say less
_MIN_LISTED_WEIGHT = 0.35  # a common listed word left unmatched costs little...
_MIN_QUERY_WEIGHT = 0.6  # ...but any word the person typed and we miss costs
_QUERY_SHARE = 0.7  # of the name score; the rest is the share of the listed name found
_ONE_NAME_PENALTY = 0.1
_FORGIVEN_EDITS = 2  # typos across a whole name; each one more costs _EDIT_PENALTY
_EDIT_PENALTY = 0.05
_PHONETIC_EDITS = 1  # a sound-alike spelling counts as one edit towards that budget
_PERSON_TYPE_PENALTY = 0.2  # a person found for an entity, or the other way round
_TYPE_PENALTY = 0.05  # an entity found for a vessel, and so on
_EVIDENCE = {
    "dob_match": 0.05,
    "dob_year_match": 0.03,
    "dob_near": 0.0,
    "dob_mismatch": -0.15,
    "country_match": 0.03,
    "country_mismatch": -0.05,
    "weak_alias": -0.05,
    "one_name_only": -_ONE_NAME_PENALTY,
}
# BirthDate.agreement, best first -> the evidence it gives
_DOB_REASONS = {
    "exact": "dob_match",
    "year": "dob_year_match",
    "near": "dob_near",
    "none": "dob_mismatch",
}


@dataclass(frozen=True)
class _Name:
    entry: int
    text: str
    matched: str
    tokens: tuple[str, ...]
    token_ids: tuple[int, ...]
    weak: bool


@dataclass(frozen=True)
class _Query:
    tokens: tuple[str, ...]
    abjad: tuple[bool, ...]  # typed in a script without vowels (Arabic, Hebrew)
    weights: tuple[float, ...]
    neighbours: tuple[dict[int, tuple[float, str]], ...]  # per token: token id -> (sim, how)
    compared: tuple[dict[int, tuple[float, str] | None], ...]  # the same, met while scoring
    dob: tuple[int, int | None, int | None] | None
    country: str | None
    type: EntryType | None


@dataclass(frozen=True)
class _Pair:
    query: tuple[int, ...]  # one token, or two typed as one listed word ("al qaida")
    listed: tuple[int, ...]
    similarity: float
    method: str

    @property
    def credit(self) -> float:
        """A "similar" pair is most likely another name ("hassan" / "hussam"): part credit."""
        if self.method != "similar":
            return self.similarity
        return max(0.0, (self.similarity - 0.5) * 2)


@dataclass(frozen=True)
class _Match:
    name: _Name
    pairs: tuple[_Pair, ...]
    query_coverage: float
    listed_coverage: float
    name_score: float
    adjustments: tuple[Adjustment, ...]
    score: float


class ScreeningIndex:
    """Built once per list version; read-only afterwards, so safe to share between threads."""

    def __init__(self, entries: Iterable[SanctionsEntry]) -> None:
        self._entries: list[SanctionsEntry] = []
        self._countries: list[frozenset[str]] = []
        self._names: list[_Name] = []
        self._token_ids: dict[str, int] = {}
        self._vocabulary: list[str] = []
        self._postings: list[list[int]] = []
        self._by_length: dict[int, list[str]] = {}
        self._by_phonetic: dict[str, list[int]] = {}
        self._by_deletion: dict[str, list[int]] = {}  # token minus one letter -> token ids
        self._by_skeleton: dict[str, list[int]] = {}  # consonants only: "mhmd"
        self._letters: list[int] = []  # per name: a bit for each first letter of its words
        for entry in entries:
            self._add_entry(entry)
        self._weights = self._token_weights()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def name_count(self) -> int:
        return len(self._names)

    # --- building --------------------------------------------------------------------------

    def _add_entry(self, entry: SanctionsEntry) -> None:
        number = len(self._entries)
        self._entries.append(entry)
        codes = {country_key(c) for c in (*entry.nationalities, *entry.countries)}
        self._countries.append(frozenset(c for c in codes if len(c) == 2))
        named = [(entry.primary_name, "primary", False)]
        for alias in entry.aliases:
            weak = alias.quality is AliasQuality.WEAK
            named.append((alias.name, "weak alias" if weak else "alias", weak))
        named += [(n, "original script", False) for n in entry.original_script_names]
        seen: set[tuple[str, ...]] = set()
        for text, matched, weak in named:
            tokens = normalize_listed(text).tokens
            if tokens and tokens not in seen:
                seen.add(tokens)
                ids = tuple(self._token_id(t) for t in tokens)
                for token_id in set(ids):
                    self._postings[token_id].append(len(self._names))
                self._names.append(_Name(number, text, matched, tokens, ids, weak))
                letters = (_letter_bit(t) for t in tokens if t not in PARTICLES)
                self._letters.append(functools.reduce(operator.or_, letters, 0))

    def _token_id(self, token: str) -> int:
        token_id = self._token_ids.get(token)
        if token_id is None:
            token_id = self._token_ids[token] = len(self._vocabulary)
            self._vocabulary.append(token)
            self._postings.append([])
            self._by_length.setdefault(len(token), []).append(token)
            self._by_phonetic.setdefault(phonetic_key(token), []).append(token_id)
            self._by_skeleton.setdefault(skeleton(token), []).append(token_id)
            for variant in {token, *_deletions(token)}:
                self._by_deletion.setdefault(variant, []).append(token_id)
        return token_id

    def _token_weights(self) -> list[float]:
        """Rare tokens say more about who is meant than common ones ("muhammad")."""
        total = max(len(self._names), 2)
        top = math.log(total)
        weights = []
        for token, postings in zip(self._vocabulary, self._postings, strict=True):
            if token in PARTICLES:
                weights.append(_PARTICLE_WEIGHT)
            elif is_initial(token):
                weights.append(_INITIAL_WEIGHT)
            else:
                idf = math.log(total / len(postings))
                weights.append(min(1.0, max(_MIN_LISTED_WEIGHT, idf / top * 1.5)))
        return weights

    # --- screening -------------------------------------------------------------------------

    def screen(
        self,
        query: str,
        *,
        dob: str | date | None = None,
        country: str | None = None,
        type: str | EntryType | None = None,
        limit: int = 10,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[Candidate]:
        """Entries whose names match ``query``, best first, one candidate per entry.

        ``dob`` (YYYY, YYYY-MM or YYYY-MM-DD) and ``country`` (name or ISO code) support or
        contradict a name match; ``type`` (person, entity, vessel, aircraft) penalises others.
        Only candidates scoring at least ``threshold`` (0..1) are returned, at most ``limit``."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}", field="limit")
        if not isinstance(threshold, int | float) or not 0.0 <= threshold <= 1.0:
            raise InvalidInput("threshold must be a number from 0 to 1", field="threshold")
        prepared = self._prepare(query, dob, country, type)
        best: dict[int, _Match] = {}
        for name_number in self._shortlist(prepared):
            match = self._match(prepared, self._names[name_number])
            entry = match.name.entry
            if match.score >= threshold and (entry not in best or match.score > best[entry].score):
                best[entry] = match
        ranked = sorted(
            best.values(),
            key=lambda m: (-m.score, self._entries[m.name.entry].list, m.name.entry),
        )
        return [self._candidate(prepared, m) for m in ranked[:limit]]

    def _prepare(
        self, query: str, dob: str | date | None, country: str | None, kind: str | EntryType | None
    ) -> _Query:
        normalized = normalize_name(query)
        tokens = normalized.tokens
        found: dict[tuple[str, bool], dict[int, tuple[float, str]]] = {}
        for key in zip(tokens, normalized.abjad, strict=True):
            if key not in found:
                found[key] = self._neighbours(*key)
        neighbours = tuple(found[k] for k in zip(tokens, normalized.abjad, strict=True))
        return _Query(
            tokens=tokens,
            abjad=normalized.abjad,
            weights=tuple(
                self._query_weight(t, n) for t, n in zip(tokens, neighbours, strict=True)
            ),
            neighbours=neighbours,
            compared=tuple({} for _ in tokens),
            dob=query_birth_date(dob),
            country=query_country(country),
            type=query_entry_type(kind),
        )

    def _neighbours(self, token: str, abjad: bool) -> dict[int, tuple[float, str]]:
        """Listed tokens close to a query token, with their similarity. A word typed in Arabic
        script also finds romanized words with the same consonant skeleton."""
        if is_initial(token):
            return {}  # an initial matches by first letter when names are scored in full
        close: set[int] = set()
        for variant in {token, *_deletions(token)}:  # one edit, found by shared deletions
            close.update(self._by_deletion.get(variant, ()))
        close.update(self._by_phonetic.get(phonetic_key(token), ()))
        if token not in self._token_ids and len(token) >= 5:  # a typo: look two edits away
            for length in range(len(token) - 2, len(token) + 3):
                for other, _, _ in process.extract(
                    token,
                    self._by_length.get(length, ()),
                    scorer=OSA.distance,
                    score_cutoff=2,
                    limit=None,
                ):
                    close.add(self._token_ids[other])
        if abjad:
            close.update(self._by_skeleton.get(skeleton(token), ()))
        found = {}
        for token_id in close:
            similarity, method = compare_tokens(token, abjad, self._vocabulary[token_id])
            if method != "similar" or similarity >= _MIN_PAIR:
                found[token_id] = (similarity, method)
        return found

    def _query_weight(self, token: str, neighbours: dict[int, tuple[float, str]]) -> float:
        if token in PARTICLES:
            return _PARTICLE_WEIGHT
        if is_initial(token):
            return _INITIAL_WEIGHT
        closest = max(neighbours, key=lambda k: neighbours[k][0], default=None)
        if closest is None or neighbours[closest][0] < _TYPO_LEVEL:
            if resembles_stopword(token):  # "Limitd": a misspelt legal form, not "Sadam"
                return _NOISE_WEIGHT
            if closest is None:  # no list has anything like it
                return _UNKNOWN_WEIGHT.get(len(token), 1.0)
        return max(_MIN_QUERY_WEIGHT, self._weights[closest])

    def _shortlist(self, query: _Query) -> list[int]:
        """Names sharing close tokens with the query, the most promising first. Rare tokens
        gather the names; common ones ("muhammad", "al") only add to names already gathered,
        unless the query has nothing rarer, so a query touches few names."""
        gains: dict[int, float] = {}
        for weight, neighbours in zip(query.weights, query.neighbours, strict=True):
            for token_id, (similarity, _) in neighbours.items():
                gains[token_id] = gains.get(token_id, 0.0) + weight * similarity
        for i in range(len(query.tokens) - 1):  # "al qaida" typed for a listed "alqaida"
            if is_initial(query.tokens[i]) or is_initial(query.tokens[i + 1]):
                continue
            joined = self._token_ids.get(query.tokens[i] + query.tokens[i + 1])
            if joined is not None:
                gain = query.weights[i] + query.weights[i + 1]
                gains[joined] = gains.get(joined, 0.0) + gain
        common = {t: g for t, g in gains.items() if len(self._postings[t]) > _COMMON_POSTINGS}
        gathered: dict[int, float] = {}
        for token_id, gain in gains.items():
            if token_id not in common:
                for name_number in self._postings[token_id]:
                    gathered[name_number] = gathered.get(name_number, 0.0) + gain
        if gathered:
            for name_number in gathered:
                for token_id in set(self._names[name_number].token_ids).intersection(common):
                    gathered[name_number] += common[token_id]
        else:
            for token_id, gain in common.items():
                for name_number in self._postings[token_id]:
                    gathered[name_number] = gathered.get(name_number, 0.0) + gain
        # Initials find nothing alone, but they tell apart names that share the rest.
        letters = [_letter_bit(t) for t in query.tokens if is_initial(t)]
        if letters:
            masks = self._letters
            for n in gathered:
                gathered[n] += _INITIAL_WEIGHT * sum(1 for bit in letters if masks[n] & bit)
        total = sum(query.weights)
        names = self._names
        ranked = [(g / (total + 0.1 * len(names[n].tokens)), n) for n, g in gathered.items()]
        return [n for _, n in heapq.nlargest(_SHORTLIST, ranked)]

    def _match(self, query: _Query, name: _Name) -> _Match:
        pairs = _best_pairs(query, name)
        listed_weights = [self._weights[t] for t in name.token_ids]
        found_query = sum(sum(query.weights[i] for i in p.query) * p.credit for p in pairs)
        found_listed = sum(sum(listed_weights[j] for j in p.listed) * p.credit for p in pairs)
        query_coverage = found_query / sum(query.weights)
        listed_coverage = found_listed / sum(listed_weights)
        name_score = _QUERY_SHARE * query_coverage + (1 - _QUERY_SHARE) * listed_coverage
        adjustments = self._evidence(query, name, pairs)
        score = min(1.0, max(0.0, name_score + sum(a.delta for a in adjustments)))
        return _Match(name, pairs, query_coverage, listed_coverage, name_score, adjustments, score)

    def _evidence(
        self, query: _Query, name: _Name, pairs: tuple[_Pair, ...]
    ) -> tuple[Adjustment, ...]:
        entry = self._entries[name.entry]
        found = []
        edits = sum(
            OSA.distance(query.tokens[p.query[0]], name.tokens[p.listed[0]])
            if p.method == "typo"
            else _PHONETIC_EDITS * (p.method == "phonetic")
            for p in pairs
        )
        if edits > _FORGIVEN_EDITS:
            found.append(Adjustment("many_edits", -_EDIT_PENALTY * (edits - _FORGIVEN_EDITS)))
        reasons = []
        if _one_name_only(name, pairs):
            reasons.append("one_name_only")
        if name.weak:
            reasons.append("weak_alias")
        if query.dob is not None and entry.dates_of_birth:
            agreements = {d.agreement(*query.dob) for d in entry.dates_of_birth}
            best = next(a for a in _DOB_REASONS if a in agreements)
            reasons.append(_DOB_REASONS[best])
        countries = self._countries[name.entry]
        if query.country is not None and countries:
            reasons.append("country_match" if query.country in countries else "country_mismatch")
        found += [Adjustment(r, _EVIDENCE[r]) for r in reasons]
        if query.type is not None and query.type is not entry.type:
            person_involved = EntryType.PERSON in (query.type, entry.type)
            penalty = _PERSON_TYPE_PENALTY if person_involved else _TYPE_PENALTY
            found.append(Adjustment("type_mismatch", -penalty))
        return tuple(found)

    def _candidate(self, query: _Query, match: _Match) -> Candidate:
        name = match.name
        entry = self._entries[name.entry]
        paired_q = {i for p in match.pairs for i in p.query}
        paired_n = {j for p in match.pairs for j in p.listed}
        explanation = Explanation(
            tokens=tuple(
                TokenMatch(
                    " ".join(query.tokens[i] for i in p.query),
                    " ".join(name.tokens[j] for j in p.listed),
                    round(p.similarity, 3),
                    p.method,
                )
                for p in match.pairs
            ),
            unmatched_query=tuple(t for i, t in enumerate(query.tokens) if i not in paired_q),
            unmatched_listed=tuple(t for j, t in enumerate(name.tokens) if j not in paired_n),
            query_coverage=round(match.query_coverage, 4),
            listed_coverage=round(match.listed_coverage, 4),
            name_score=round(match.name_score, 4),
            adjustments=match.adjustments,
        )
        return Candidate(
            entry_id=entry.entry_id,
            list=entry.list,
            name=name.text,
            primary_name=entry.primary_name,
            score=round(match.score, 4),
            programs=entry.programs,
            type=entry.type,
            matched=name.matched,
            explanation=explanation,
        )


def _letter_bit(token: str) -> int:
    return 1 << (ord(token[0]) & 127)


def _deletions(token: str) -> set[str]:
    return {token[:k] + token[k + 1 :] for k in range(len(token))} if len(token) > 1 else set()


def _best_pairs(query: _Query, name: _Name) -> tuple[_Pair, ...]:
    """Greedy best assignment of query tokens to listed tokens, each used once. Words run
    together are only tried when single words leave something unpaired."""
    options = _single_options(query, name)
    pairs = _assign(options)
    exact_q = {i for p in pairs if p.similarity == 1.0 for i in p.query}
    exact_n = {j for p in pairs if p.similarity == 1.0 for j in p.listed}
    if len(exact_q) < len(query.tokens) and len(exact_n) < len(name.tokens):
        joined = _joined_options(query.tokens, name.tokens, exact_q, exact_n)
        if joined:
            pairs = _assign(options + joined)
    return tuple(pairs)


def _assign(options: list[_Pair]) -> list[_Pair]:
    used_q: set[int] = set()
    used_n: set[int] = set()
    pairs = []
    for pair in sorted(options, key=lambda p: -p.credit):
        if used_q.isdisjoint(pair.query) and used_n.isdisjoint(pair.listed):
            used_q.update(pair.query)
            used_n.update(pair.listed)
            pairs.append(pair)
    return pairs


def _single_options(query: _Query, name: _Name) -> list[_Pair]:
    options = []
    for i, token in enumerate(query.tokens):
        neighbours = query.neighbours[i]
        for j, listed in enumerate(name.tokens):
            hit = neighbours.get(name.token_ids[j])
            if hit is not None:
                options.append(_Pair((i,), (j,), *hit))
            elif is_initial(token) or is_initial(listed):
                if token[0] == listed[0]:
                    strong = is_initial(token) and listed not in PARTICLES
                    similarity = _INITIAL_SIMILARITY if strong else _WEAK_INITIAL_SIMILARITY
                    options.append(_Pair((i,), (j,), similarity, "initial"))
            elif abs(len(token) - len(listed)) <= 2:  # outside blocking, maybe two typos
                compared = query.compared[i]
                token_id = name.token_ids[j]
                if token_id not in compared:
                    similarity, method = compare_tokens(token, query.abjad[i], listed)
                    keep = method != "similar" or similarity >= _MIN_PAIR
                    compared[token_id] = (similarity, method) if keep else None
                if (known := compared[token_id]) is not None:
                    options.append(_Pair((i,), (j,), *known))
    return options


def _joined_options(
    query: tuple[str, ...], listed: tuple[str, ...], exact_q: set[int], exact_n: set[int]
) -> list[_Pair]:
    """Two adjacent words on one side written as one on the other ("xiao bing", "xiaobing"),
    among the words not already matched exactly; never initials ("m. b." is not "mb")."""
    options = []
    free_q = [i for i, t in enumerate(query) if i not in exact_q and not is_initial(t)]
    free_n = [j for j, t in enumerate(listed) if j not in exact_n and not is_initial(t)]
    for i in free_q:
        if i + 1 in free_q:
            for j in free_n:
                if (
                    similarity := joined_similarity(query[i] + query[i + 1], listed[j])
                ) is not None:
                    options.append(_Pair((i, i + 1), (j,), similarity, "joined"))
    for j in free_n:
        if j + 1 in free_n:
            for i in free_q:
                if (
                    similarity := joined_similarity(listed[j] + listed[j + 1], query[i])
                ) is not None:
                    options.append(_Pair((i,), (j, j + 1), similarity, "joined"))
    return options


def _one_name_only(name: _Name, pairs: tuple[_Pair, ...]) -> bool:
    """One word found of a listed name of several ("MOKHTARI" for "MOKHTARI, Khosro"): a
    surname alone is weak evidence."""
    words = {j for j, t in enumerate(name.tokens) if t not in PARTICLES}
    found = {j for p in pairs for j in p.listed if j in words}
    return len(words) >= 2 and len(found) == 1 and all(len(p.listed) == 1 for p in pairs)
