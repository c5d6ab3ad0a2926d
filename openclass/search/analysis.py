"""Korean text into the terms the index stores and a query matches (SPEC F-14).

Korean is agglutinative: "독도의", "독도를", "독도는" are 독도 with a particle, and a compound is
written with or without a space ("안전교육", "안전 교육"). Matching words as written would miss
most of what a student types, so text is split by Kiwi, a morphological analyser, into:

- **terms**: nouns (common, proper, roots, foreign words and numbers) and verb and adjective
  stems (as their dictionary form, "배우다"); particles, endings and suffixes are dropped. A
  compound is kept whole and split: "진로진학" gives 진로, 진학 and 진로진학, so each finds it.
  Kiwi keeps some compounds as one noun ("교통안전"); a noun of four or more syllables whose
  two-syllable halves are each a noun is split into them too, so "안전교육" finds "교통안전".
- **grams**: the character bigrams of every word, for what morphemes cannot catch: a partial
  word ("독" while typing), a word Kiwi does not know, a typo in one syllable. They rank below
  terms (the backends weigh their columns so).

The index and the query use the same functions, so whatever a text is split into, a query
typed the same way is split into too. Kiwi's model takes about a second and 300 MB to load,
so it is loaded once per process, on first use (a process that never searches never loads it).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

#: Kiwi's tags kept as terms: nouns (common, proper, bound nouns are dropped), numerals, roots,
#: foreign words, hanja, numbers.
NOUN_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "SL", "SH", "SN"})
#: Verb and adjective stems (kept in their dictionary form: 알 → 알다).
STEM_TAGS = frozenset({"VV", "VA", "VV-R", "VA-R", "VV-I", "VA-I"})
#: A longer text is cut here before analysis: the index keeps the start of a body, and a query
#: longer than this is not a search but a paste.
MAX_TEXT = 20_000
MAX_QUERY = 200

_WORD = re.compile(r"[0-9A-Za-z\u3131-\u318e\uac00-\ud7a3\u4e00-\u9fff]+")
_HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")

_kiwi_lock = threading.Lock()
_kiwi: Any = None


def kiwi() -> Any:
    """The process's Kiwi analyser, loaded on first use (a loaded model, not state: it never
    changes once loaded, so it is not in ``core.runtime``)."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


@dataclass
class Analysed:
    """A text's terms (in order, repeats kept: the backends count them) and its grams."""

    terms: list[str] = field(default_factory=list)
    grams: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """NFKC (full-width letters, compatibility jamo), lower case, one space between words."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def grams_of(text: str) -> list[str]:
    """The character bigrams of every word; a one-character word is kept as it is."""
    grams: list[str] = []
    for word in words(text):
        if len(word) == 1:
            grams.append(word)
        else:
            grams.extend(word[i : i + 2] for i in range(len(word) - 1))
    return grams


@lru_cache(maxsize=50_000)
def _halves(noun: str) -> tuple[str, ...]:
    """The two-syllable parts of a long Hangul noun Kiwi kept whole, when every part is a noun
    on its own ("교통안전" → 교통, 안전); nothing otherwise ("학부모" stays)."""
    if len(noun) < 4 or len(noun) % 2 or not _HANGUL.match(noun):
        return ()
    parts = tuple(noun[i : i + 2] for i in range(0, len(noun), 2))
    for part in parts:
        tokens = kiwi().tokenize(part)
        if len(tokens) != 1 or tokens[0].tag not in ("NNG", "NNP"):
            return ()
    return parts


def _term(token: Any) -> str | None:
    if token.tag in NOUN_TAGS:
        return normalise(token.form)
    if token.tag in STEM_TAGS:
        return normalise(token.lemma)
    return None


def terms_of(text: str) -> list[str]:
    """The terms of ``text``: nouns and stems, compounds whole and split (see the module)."""
    return [term for term, _stem in tagged_terms_of(text)]


def tagged_terms_of(text: str) -> list[tuple[str, bool]]:
    """``terms_of`` with whether each term is a verb or adjective stem (a query asks for its
    nouns, and only prefers its stems: "어디에 있나요" must not require 있다)."""
    text = text[:MAX_TEXT]
    if not text.strip():
        return []
    terms: list[tuple[str, bool]] = []
    run: list[str] = []  # adjacent nouns, written without a space: a compound
    end = -1
    for token in kiwi().tokenize(text):
        term = _term(token)
        noun = token.tag in NOUN_TAGS and term is not None
        if not noun or token.start != end:
            if len(run) > 1:
                terms.append(("".join(run), False))
            run = []
        if term:
            terms.append((term, token.tag in STEM_TAGS))
            terms.extend((half, False) for half in _halves(term))
        if noun and term:
            run.append(term)
            end = token.start + token.len
        else:
            end = -1
    if len(run) > 1:
        terms.append(("".join(run), False))
    return [(term, stem) for term, stem in terms if _WORD.fullmatch(term)]


def analyse(text: str) -> Analysed:
    return Analysed(terms=terms_of(text), grams=grams_of(text[:MAX_TEXT]))


def jamo(text: str) -> str:
    """Hangul syllables taken apart into their letters (독 → ㄷㅗㄱ, as conjoining jamo), so an
    edit distance counts one wrong vowel as one edit rather than a whole wrong syllable."""
    return unicodedata.normalize("NFD", text)
