"""Light, list-backed morphology: lexicon lookup of inflected forms and compounds, noun and
adjective lemmas, and German adjective endings for key phrases.

All functions take folded keys (see `normalize.fold`) and are cached per language and word, so
the word lists are consulted once per distinct word.
"""

from __future__ import annotations

from functools import lru_cache

from touchpoint.text.models import Language
from touchpoint.text.normalize import collapse_repeats, fold, has_repeats
from touchpoint.text.resources import LanguageResources, load_resources

# Inflection endings tried (longest first) when a word is not listed as written.
_DE_ENDINGS = (
    "sten", "ster", "stes", "stem", "ste", "eren", "erer", "eres", "erem", "ere", "em", "en", "er", "es", "e", "n", "s",
)  # fmt: skip
_DE_ADJ_ENDINGS = ("sten", "ster", "stes", "stem", "ste", "em", "en", "er", "es", "e")
_DE_NOUN_ENDINGS = ("innen", "en", "n", "e", "er", "es", "s")
_EN_SUFFIXES = (
    ("iest", "y"), ("ier", "y"), ("ily", "y"), ("ied", "y"), ("ies", "y"), ("ably", "able"), ("ibly", "ible"),
    ("ly", ""), ("ly", "le"), ("est", ""), ("est", "e"), ("er", ""), ("er", "e"), ("ed", ""), ("ed", "e"),
    ("d", ""), ("ing", ""), ("ing", "e"), ("es", ""), ("s", ""),
)  # fmt: skip
_DE_ADJ_SUFFIXES = ("lich", "ig", "isch", "bar", "sam", "los", "haft", "iv", "frei")
_EN_ADJ_SUFFIXES = ("ful", "less", "ous", "ive", "able", "ible", "ic", "ish")
_DE_NOUN_SUFFIXES = {
    "ungen": "ung", "heiten": "heit", "keiten": "keit", "schaften": "schaft", "ionen": "ion", "täten": "tät",
    "taeten": "taet", "nisse": "nis", "ismen": "ismus", "ung": "ung", "heit": "heit", "keit": "keit",
    "schaft": "schaft", "ion": "ion", "tät": "tät", "taet": "taet", "nis": "nis", "ismus": "ismus",
    "ment": "ment", "ität": "ität",
}  # fmt: skip
_DE_GENDER_SUFFIXES = (
    ("ung", "f"), ("heit", "f"), ("keit", "f"), ("schaft", "f"), ("ion", "f"), ("taet", "f"), ("ik", "f"),
    ("ei", "f"), ("ur", "f"), ("enz", "f"), ("anz", "f"), ("ie", "f"), ("chen", "n"), ("lein", "n"),
    ("ment", "n"), ("um", "n"), ("nis", "n"), ("ling", "m"), ("ismus", "m"), ("or", "m"), ("eur", "m"),
    ("ist", "m"), ("ich", "m"), ("ig", "m"), ("er", "m"), ("e", "f"),
)  # fmt: skip
_DE_ENDING_BY_GENDER = {"m": "er", "f": "e", "n": "es", "p": "e"}
_MIN_STEM = 3


def _res(language: Language) -> LanguageResources:
    return load_resources(language)


# --------------------------------------------------------------------------- sentiment lookup


def _inflection_candidates(language: Language, key: str) -> list[str]:
    if language == "de":
        return [key[: -len(e)] for e in _DE_ENDINGS if key.endswith(e) and len(key) - len(e) >= _MIN_STEM]
    out: list[str] = []
    for suffix, replacement in _EN_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            stem = key[: -len(suffix)]
            out.append(stem + replacement)
            if not replacement and len(stem) > 2 and stem[-1] == stem[-2]:
                out.append(stem[:-1])  # bigger -> big, stopped -> stop
    if key.endswith("'s"):
        out.append(key[:-2])
    return out


@lru_cache(maxsize=65536)
def simple_valence(language: Language, key: str) -> float | None:
    """Lexicon score of a word as written or in a derivable inflected form, else None."""
    lexicon = _res(language).lexicon
    if key in lexicon:
        return lexicon[key]
    if has_repeats(key):
        collapsed = collapse_repeats(key)
        for candidate in (collapsed, *_inflection_candidates(language, collapsed)):
            if candidate in lexicon:
                return lexicon[candidate]
    for candidate in _inflection_candidates(language, key):
        if candidate in lexicon:
            return lexicon[candidate]
    return None


def _longest_noun_head(res: LanguageResources, key: str) -> str | None:
    for i in range(_MIN_STEM, len(key) - 2):
        if key[i:] in res.nouns:
            return key[i:]
    return None


def _privative(language: Language, key: str) -> float | None:
    """Words in -los/-frei/-less/-free: a negative stem turns positive ("problemlos"), a positive one negative."""
    res = _res(language)
    bases = [key, *_inflection_candidates(language, key)] if language == "de" else [key]
    for base in bases:
        for suffix in res.privative_suffixes:
            if base.endswith(suffix) and len(base) - len(suffix) >= _MIN_STEM:
                stem = base[: -len(suffix)].rstrip("-")
                for candidate in (stem, stem[:-1] if stem.endswith("s") else stem):
                    value = simple_valence(language, candidate)
                    if value:
                        return -0.8 * value
    return None


def _hyphenated(language: Language, key: str) -> float | None:
    res = _res(language)
    parts = [p for p in key.split("-") if p]
    if len(parts) < 2:
        return None
    head = valence(language, parts[-1])
    first = parts[0]
    if first in res.compound_intensifiers and head:
        return head * 1.3
    prefix = res.compound_prefixes.get(first)
    if prefix is None:
        prefix = simple_valence(language, first)
    if head is None or head == 0:
        return prefix
    return head


def _closed_compound(language: Language, key: str) -> float | None:
    """German closed compounds: a sentiment prefix ("Superservice") or a sentiment head ("Lieferverzögerung")."""
    res = _res(language)
    if key in res.nouns or len(key) < 7:
        return None
    for prefix in sorted({*res.compound_prefixes, *res.compound_intensifiers}, key=len, reverse=True):
        if not key.startswith(prefix) or len(key) - len(prefix) < _MIN_STEM:
            continue
        rest = key[len(prefix) :]
        head = simple_valence(language, rest)
        if head and prefix in res.compound_intensifiers:
            return head * 1.3
        if prefix in res.compound_prefixes:
            if head:
                return head
            if noun_lemma(language, rest)[1]:
                return res.compound_prefixes[prefix]
    noun_head = _longest_noun_head(res, key)
    for i in range(_MIN_STEM, len(key) - 3):
        head_key = key[i:]
        if noun_head is not None and len(noun_head) > len(head_key):
            return None  # the word ends in a neutral noun ("Mehrwertsteuer" is not "teuer")
        value = simple_valence(language, head_key)
        if value is not None:
            return value
    return None


@lru_cache(maxsize=65536)
def valence(language: Language, key: str) -> float | None:
    """Sentiment score of a word (lexicon, inflection, un-prefix, -los/-frei, compounds), else None."""
    value = simple_valence(language, key)
    if value is not None:
        return value
    if "-" in key:
        return _hyphenated(language, key)
    if key.startswith("un") and len(key) > 5:
        base = simple_valence(language, key[2:])
        if base:
            return -0.9 * base
    privative = _privative(language, key)
    if privative is not None:
        return privative
    if language == "de":
        return _closed_compound(language, key)
    return None


# --------------------------------------------------------------------------- nouns


@lru_cache(maxsize=65536)
def noun_lemma(language: Language, key: str) -> tuple[str, bool]:
    """Folded singular of a noun and whether it is a known (listed or compound/suffix-recognised) noun."""
    res = _res(language)
    if key in res.irregular_nouns:
        return fold(res.irregular_nouns[key]), True
    if key in res.nouns:
        return key, True
    if language == "de":
        return _de_noun_lemma(res, key)
    return _en_noun_lemma(res, key)


def _de_noun_lemma(res: LanguageResources, key: str) -> tuple[str, bool]:
    candidates = [key]
    for ending in _DE_NOUN_ENDINGS:
        if key.endswith(ending) and len(key) - len(ending) >= _MIN_STEM:
            candidates.append(key[: -len(ending)] + ("in" if ending == "innen" else ""))
    for candidate in candidates:
        if candidate in res.nouns or candidate in res.lexicon_nouns:
            return candidate, True
    for candidate in candidates:
        if _longest_noun_head(res, candidate) is not None:
            return candidate, True
    for suffix, singular in _DE_NOUN_SUFFIXES.items():
        if key.endswith(suffix):
            return key[: -len(suffix)] + singular, True
    return key, False


def _en_noun_lemma(res: LanguageResources, key: str) -> tuple[str, bool]:
    candidates: list[str] = []
    if key.endswith("ies") and len(key) > 4:
        candidates.append(key[:-3] + "y")
    if key.endswith("es") and len(key) > 3:
        candidates.append(key[:-2])
    if key.endswith("s") and not key.endswith(("ss", "us", "is")) and len(key) > 3:
        candidates.append(key[:-1])
    for candidate in candidates:
        if candidate in res.nouns or candidate in res.lexicon_nouns:
            return candidate, True
    if key in res.lexicon_nouns:
        return key, True
    if key.endswith("ies") and len(key) > 4:
        return key[:-3] + "y", False
    if key.endswith(("sses", "xes", "ches", "shes", "zes")):
        return key[:-2], False
    if key.endswith("s") and not key.endswith(("ss", "us", "is")) and len(key) > 3:
        return key[:-1], False
    return key, False


def has_noun_suffix(language: Language, key: str) -> bool:
    """True if the word ends like a noun ("-ung", "-heit" / "-ment", "-ness", "-tion")."""
    if language == "de":
        return key.endswith(tuple(_DE_NOUN_SUFFIXES)) and len(key) > 5
    return (
        key.endswith(("ment", "ness", "tion", "sion", "ity", "ance", "ence", "ship", "ery")) and len(key) > 5
    )


@lru_cache(maxsize=16384)
def noun_gender(key: str) -> str:
    """Grammatical gender of a German noun (m, f, n, or p for plural-only), guessed from its last part."""
    res = _res("de")
    gender = res.nouns.get(key)
    if gender:
        return gender
    head = _longest_noun_head(res, key)
    if head is not None and res.nouns[head]:
        return res.nouns[head]
    for suffix, gender in _DE_GENDER_SUFFIXES:
        if key.endswith(suffix):
            return gender
    return "f"


# --------------------------------------------------------------------------- adjectives


def _is_listed_adjective(res: LanguageResources, key: str) -> bool:
    if key in res.adjectives:
        return True
    if (
        key in res.lexicon
        and key not in res.lexicon_nouns
        and key not in res.lexicon_verbs
        and key not in res.verbs
    ):
        return True
    return any(key in aspect.scores for aspect in res.aspects)


@lru_cache(maxsize=65536)
def adjective_lemma(language: Language, key: str) -> tuple[str, bool] | None:
    """Folded base form of an adjective and whether it is listed (False: recognised by its suffix only)."""
    res = _res(language)
    if key in res.irregular_adjectives:
        return fold(res.irregular_adjectives[key]), True
    if _is_listed_adjective(res, key):
        return key, True
    if language == "de":
        for ending in _DE_ADJ_ENDINGS:
            if key.endswith(ending) and len(key) - len(ending) >= _MIN_STEM:
                stem = key[: -len(ending)]
                if _is_listed_adjective(res, stem):
                    return stem, True
        for ending in ("", *_DE_ADJ_ENDINGS):
            stem = key[: -len(ending)] if ending else key
            if not ending or (key.endswith(ending) and len(stem) >= _MIN_STEM):
                if stem.endswith(_DE_ADJ_SUFFIXES) and len(stem) > 4:
                    return stem, False
                if stem.startswith("ge") and stem.endswith("t") and len(stem) > 5:
                    return stem, False
        if key.startswith("un") and adjective_lemma(language, key[2:]) is not None:
            inner = adjective_lemma(language, key[2:])
            assert inner is not None
            return "un" + inner[0], inner[1]
        return None
    if key.endswith(_EN_ADJ_SUFFIXES) and len(key) > 5 and key not in res.nouns:
        return key, False
    return None


def adjective_display(language: Language, lemma: str) -> str:
    """Preferred spelling (with umlauts where known) of a folded adjective lemma."""
    return _res(language).display.get(lemma, lemma)


def noun_display(language: Language, lemma: str, written: str) -> str:
    """Preferred spelling of a folded noun lemma; falls back to the written form, singularised."""
    res = _res(language)
    if lemma in res.display:
        return res.display[lemma]
    lowered = written.lower()
    if fold(lowered) == lemma:
        return lowered
    # Keep the writer's umlauts when the lemma is a prefix of what was written ("lieferzeiten").
    for cut in range(len(lowered), 0, -1):
        if fold(lowered[:cut]) == lemma:
            return lowered[:cut]
    return lemma


def inflect_de(adjective: str, gender: str) -> str:
    """Strong nominative form of a German adjective for a noun of `gender` ("lang" + f -> "lange")."""
    res = _res("de")
    key = fold(adjective)
    if key in res.invariable_adjectives:
        return adjective
    stem = res.attributive_stems.get(key)
    if stem is None:
        stem = adjective
        if stem.endswith(("euer", "auer")) or (stem.endswith("el") and len(stem) > 4):
            stem = stem[:-2] + stem[-1]
    ending = _DE_ENDING_BY_GENDER.get(gender, "e")
    if stem.endswith("e"):
        ending = ending[1:]
    return stem + ending
