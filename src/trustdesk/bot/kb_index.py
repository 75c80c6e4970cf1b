"""Retrieval over knowledge-base articles: three rankings fused by reciprocal rank fusion.

- words: BM25 over title (x3), tags and questions (x2) and body, with tokens that work for
  English and Indonesian (words) and Chinese (characters and character bigrams);
- meaning: latent semantic analysis, TF-IDF over character n-grams reduced by truncated SVD
  and fitted on the articles' passages, so inflections ("withdrawing" / "withdrawal") and
  words that keep company in the corpus meet without sharing a token;
- intent: articles that answer the caller's predicted intent, in the order they list it.

Built once per article set (a few tens of milliseconds); a query costs well under one."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from trustdesk.bot.kb import Article, Hit, Key

RRF_K = 60  # the usual constant: damps the weight of any single ranking's top place
# Weighted RRF: the meaning ranking is the noisier one (close cosines on short queries), so
# it decides between lexical near-ties and finds what shares no word, but does not outvote.
WEIGHTS = {"words": 1.0, "meaning": 0.5, "intent": 1.5}
MIN_COSINE = 0.55  # below this, "similar meaning" is noise (unrelated passages reach ~0.5)
SEMANTIC_DEPTH = 3  # only the few nearest articles get a vote from the meaning ranking
LSA_DIMENSIONS = 100
SNIPPET = 240
BM25_K1, BM25_B = 1.5, 0.75

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
# Words that carry no topic, English then Indonesian.
_STOP_WORDS = (
    "a an and are as at be but by can do does did for from has have how i if in is it its "
    "me my no not of on or our so that the their them there they this to was we what when "
    "where which who why will with you your "
    "ada akan aku anda apa atau bagaimana belum bisa dan dari di dengan ini itu ke kami "
    "kita kok saya sudah tidak untuk yang"
)
_STOP = frozenset(_STOP_WORDS.split())
# Function characters: a bigram holding one ("了怎", "我的") says nothing about the topic.
_ZH_STOP = frozenset("的了吗我你么呢吧啊怎请")
_MARKUP = re.compile(r"[*_`#>]+|^\s*(?:[-+]|\d+\.)\s+", re.MULTILINE)


def tokenize(text: str, lang: str = "en") -> list[str]:
    """Lower-cased tokens: words, lightly stemmed for English and Indonesian, and for Han
    script each pair of neighbouring characters (a lone character stands for itself)."""
    tokens: list[str] = []
    for run in _TOKEN.findall(unicodedata.normalize("NFKC", text).lower()):
        if run[0] >= "\u3400":
            pairs = [
                a + b
                for a, b in zip(run, run[1:], strict=False)
                if a not in _ZH_STOP and b not in _ZH_STOP
            ]
            tokens.extend(pairs or [ch for ch in run if ch not in _ZH_STOP])
        elif run not in _STOP and (len(run) > 1 or run.isdigit()):
            tokens.append(_stem_id(run) if lang == "id" else _stem_en(run))
    return tokens


# Crude on purpose: one suffix off, never below four letters. Query and articles go through
# the same rules, so "withdrawing", "withdrawal" and "withdrawals" meet at "withdraw".
_EN_SUFFIXES = ("ations", "ation", "ions", "ion", "ings", "ing", "als", "al", "ed", "es", "ly", "s")


def _stem_en(word: str) -> str:
    if word.endswith(("ss", "us", "is")):
        return word
    for suffix in _EN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _stem_id(word: str) -> str:
    # Possessive and verb suffixes, and the passive prefix: dompetnya -> dompet,
    # ditolak -> tolak, bekukan -> beku.
    for suffix in ("nya", "kan", "lah"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[2:] if word.startswith("di") and len(word) >= 6 else word


def plain(markdown: str) -> str:
    return _MARKUP.sub("", markdown).strip()


def passages(article: Article) -> list[str]:
    """What the meaning ranking compares a query with: the title, each way the article is
    asked for, then the body's paragraphs and list items (short ones joined to the next).
    Short pieces match short questions; a long one would dilute them."""
    head = [article.title, *article.questions]
    pieces: list[str] = []
    pending = ""
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-+]|\d+\.)\s)", article.body):
        text = " ".join(plain(block).split())
        if not text:
            continue
        pending = f"{pending} {text}".strip()
        if len(pending) >= 60:
            pieces.append(pending)
            pending = ""
    if pending:
        pieces.append(pending)
    return [*head, *pieces]


@dataclass(frozen=True)
class _Doc:
    key: Key
    length: int
    terms: Counter[str]


class Index:
    def __init__(self, articles: Sequence[Article]) -> None:
        self._docs: dict[Key, _Doc] = {}
        self._df: Counter[str] = Counter()
        for a in articles:
            weighted = (
                tokenize(a.title, a.lang) * 3
                + tokenize(" ".join(a.tags + a.questions), a.lang) * 2
                + tokenize(plain(a.body), a.lang)
            )
            terms = Counter(weighted)
            self._docs[a.key] = _Doc(a.key, len(weighted), terms)
            self._df.update(terms.keys())
        self._avg_len = sum(d.length for d in self._docs.values()) / max(len(self._docs), 1)
        self._passages: list[tuple[Key, str]] = [
            (a.key, text) for a in articles for text in passages(a)
        ]
        self._heads = {a.key: 1 + len(a.questions) for a in articles}
        self._fit([text for _, text in self._passages])

    def _fit(self, texts: list[str]) -> None:
        """LSA: the TF-IDF matrix X (passages x character n-grams) reduced to its top
        singular directions. With far fewer passages than n-grams, the exact SVD comes
        from the small Gram matrix X Xᵀ = U S² Uᵀ: passages are U S, and a query q folds in
        as q Xᵀ U S⁻¹ (sklearn's randomized TruncatedSVD took seconds on this shape)."""
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, lowercase=True
        )
        self._tfidf = self._vectorizer.fit_transform(texts)
        gram = (self._tfidf @ self._tfidf.T).toarray()
        eigenvalues, eigenvectors = np.linalg.eigh(gram)  # ascending
        order = np.argsort(eigenvalues)[::-1][: min(LSA_DIMENSIONS, len(texts))]
        order = order[eigenvalues[order] > 1e-9]
        singular = np.sqrt(eigenvalues[order])
        basis = eigenvectors[:, order]
        self._fold = basis / singular  # q Xᵀ @ fold: the query in LSA space
        self._vectors = _unit(basis * singular)
        self._by_key: dict[Key, list[int]] = defaultdict(list)
        for i, (key, _) in enumerate(self._passages):
            self._by_key[key].append(i)

    def _embed(self, text: str) -> np.ndarray:
        overlap = (self._tfidf @ self._vectorizer.transform([text]).T).toarray().ravel()
        return _unit((overlap @ self._fold)[np.newaxis, :])[0]

    def bm25(self, tokens: Sequence[str], key: Key) -> float:
        doc = self._docs[key]
        n = len(self._docs)
        score = 0.0
        for term in set(tokens):
            tf = doc.terms.get(term, 0)
            if not tf:
                continue
            df = self._df[term]
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            norm = BM25_K1 * (1 - BM25_B + BM25_B * doc.length / self._avg_len)
            score += idf * tf * (BM25_K1 + 1) / (tf + norm)
        return score

    def rank(
        self, query: str, lang: str, candidates: Sequence[Article], k: int, intent: str | None
    ) -> list[Hit]:
        tokens = tokenize(query, lang)
        cosines = self._vectors @ self._embed(query)
        lexical = {a.key: self.bm25(tokens, a.key) for a in candidates}
        meaning = {a.key: max(cosines[i] for i in self._by_key[a.key]) for a in candidates}
        rankings = {
            "words": _ranked({k_: s for k_, s in lexical.items() if s > 0}),
            "meaning": _ranked(
                {k_: s for k_, s in meaning.items() if s >= MIN_COSINE}, SEMANTIC_DEPTH
            ),
            "intent": _intent_ranks(candidates, intent),
        }
        fused: dict[Key, float] = defaultdict(float)
        for name, ranks in rankings.items():
            for key, rank in ranks.items():
                fused[key] += WEIGHTS[name] / (RRF_K + rank)
        by_key = {a.key: a for a in candidates}
        order = sorted(fused, key=lambda key: (-fused[key], -lexical[key], key))
        return [
            Hit(
                slug=key[0],
                lang=key[1],
                title=by_key[key].title,
                score=round(fused[key], 5),
                snippet=self._snippet(key, tokens, cosines),
                why=_why(key, rankings, lexical, meaning, intent),
            )
            for key in order[:k]
        ]

    def _snippet(self, key: Key, tokens: Sequence[str], cosines: np.ndarray) -> str:
        wanted = set(tokens)
        # Title and questions are no answer: quote the body.
        body = self._by_key[key][self._heads[key] :] or self._by_key[key]

        def fit(i: int) -> tuple[int, float]:
            return len(wanted & set(tokenize(self._passages[i][1], key[1]))), float(cosines[i])

        text = self._passages[max(body, key=fit)][1]
        if len(text) <= SNIPPET:
            return text
        cut = text[:SNIPPET]
        space = cut.rfind(" ")
        return (cut[:space] if space > SNIPPET // 2 else cut).rstrip(" ,;:") + "…"


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _ranked(scores: dict[Key, float], depth: int | None = None) -> dict[Key, int]:
    order = sorted(scores, key=lambda key: (-scores[key], key))[:depth]
    return {key: rank for rank, key in enumerate(order, 1)}


def _intent_ranks(candidates: Sequence[Article], intent: str | None) -> dict[Key, int]:
    """An article answers the intent it lists first best: rank = its place in the list."""
    if not intent:
        return {}
    return {a.key: a.intents.index(intent) + 1 for a in candidates if intent in a.intents}


def _why(
    key: Key,
    rankings: dict[str, dict[Key, int]],
    lexical: dict[Key, float],
    meaning: dict[Key, float],
    intent: str | None,
) -> str:
    parts = []
    if key in rankings["words"]:
        parts.append(f"words #{rankings['words'][key]} (bm25 {lexical[key]:.2f})")
    if key in rankings["meaning"]:
        parts.append(f"meaning #{rankings['meaning'][key]} (cosine {meaning[key]:.2f})")
    if key in rankings["intent"]:
        parts.append(f"answers intent {intent}")
    return "; ".join(parts)
