"""Match keys for names, phones and ID numbers: pure functions, no database.

Registration lists are typed on phones, in several alphabets, by people who spell the same
name differently. Before any comparison a name is transliterated to ASCII (anyascii: Arabic,
Cyrillic, accents), lower-cased, split into words, stripped of particles (al-, el-), and each
word is folded to a canonical spelling when it is a known transliteration variant
(Mohamed, Mohammed, Muhammad -> muhammad). Words are sorted, so word order does not matter.

The *skeleton* is coarser: each word keeps its first letter and its consonants, with similar
consonants merged. Two spellings that differ only by vowels or doubled letters
(Aminata Traore / Aminata Troare) share a skeleton; the database finds candidates by it with
an ordinary index, on every backend.
"""

import functools
import re

from anyascii import anyascii
from rapidfuzz.distance import DamerauLevenshtein

# Canonical form -> spellings met in registration lists (Latin transliterations of Arabic
# names in West Africa and Iraq, and what anyascii makes of the Arabic script).
_VARIANTS = {
    "muhammad": "mohamed mohammed mohamad mohammad muhamad muhammed mouhamed mouhamad mouhammad mohamud "
    "mohd mhmd muhamed mohamet mouhamadou",
    "ahmad": "ahmed ahmet ahmat hmd 'hmd",
    "abdullah": "abdoulaye abdullahi abdallah abdoullah abdulla abdala abdellah bdllh",
    "abdul": "abdel abdoul abd bd",
    "umar": "oumar omar omer umer",
    "uthman": "ousmane usman othman osman ousman usmane",
    "musa": "moussa mousa mussa",
    "ibrahim": "ibrahima brahim ebrahim ibrahime",
    "yusuf": "youssouf yousif youssef yousef yusef yussuf yousuf",
    "aisha": "aicha aishah ayesha aisa",
    "fatima": "fatma fatimah fatema",
    "fatoumata": "fatimata fatoumatou",
    "husayn": "hussein hussain hosein houssein husein husain hossein",
    "hasan": "hassan hassane hasane",
    "khadija": "khadidja kadidia khadidia kadija khadijah",
    "zaynab": "zainab zeinab zenab",
    "ali": "aly ly",
    "amadou": "ahmadou hamadou",
    "mariam": "maryam mariama meriem",
    "aminata": "aminatou",
    "salimata": "salimatou",
    "boubacar": "aboubacar boubakar aboubakar abubakar",
    "issa": "isa",
    "sekou": "seku",
}
CANONICAL = {variant: canonical for canonical, spellings in _VARIANTS.items() for variant in spellings.split()}
_PARTICLES = {"al", "el"}
_WORD = re.compile(r"[a-z0-9']+")
_DOUBLED = re.compile(r"(.)\1+")
_CONSONANT_CLASSES = str.maketrans({"q": "k", "c": "k", "z": "s", "v": "f", "w": "u", "j": "y", "p": "b"})
_DIGRAPHS = (("ph", "f"), ("kh", "k"), ("gh", "g"), ("sh", "s"), ("ch", "s"), ("th", "t"), ("dh", "d"), ("ou", "u"))


def name_words(name: str) -> list[str]:
    ascii_name = anyascii(name or "").lower().replace("-", " ")
    words = []
    for word in _WORD.findall(ascii_name):
        if word in CANONICAL:
            words.append(CANONICAL[word])
            continue
        word = word.replace("'", "")
        if word and word not in _PARTICLES:
            words.append(CANONICAL.get(word, word))
    return words


@functools.lru_cache(maxsize=65536)  # a file repeats its names: imports compute each once
def name_key(name: str) -> str:
    """Canonical, order-free form of a name: 'Traoré Mohamed' -> 'muhammad traore'."""
    return " ".join(sorted(name_words(name)))[:200]


def _word_skeleton(word: str) -> str:
    """The word's consonants, similar ones merged: what Arabic script writes (it leaves short vowels out).

    'khalid' and anyascii's 'khld' (خالد) -> 'kld'; 'ibrahim' and 'brhym' (ابراهيم) -> 'brhm';
    'fatima' and 'ftmh' (فاطمة, the final taa marbuta) -> 'ftm'. A word of vowels alone keeps its first.
    """
    for digraph, single in _DIGRAPHS:
        word = word.replace(digraph, single)
    word = word.translate(_CONSONANT_CLASSES)
    consonants = re.sub(r"[aeiouy]", "", word)
    if len(consonants) > 1 and consonants.endswith("h"):
        consonants = consonants[:-1]  # taa marbuta (ة), written -a or -ah in Latin script
    return _DOUBLED.sub(r"\1", consonants or word[:1])


@functools.lru_cache(maxsize=65536)
def name_skeleton(name: str) -> str:
    return " ".join(sorted(_word_skeleton(word) for word in name_words(name)))[:200]


_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def is_arabic_script(name: str) -> bool:
    return bool(_ARABIC_SCRIPT.search(name or ""))


# A name in Arabic script and one in Latin script with the same consonant skeleton (the short vowels
# that Arabic leaves unwritten are all they lack) are alike enough to be flagged for review, never
# more: the skeleton cannot tell Khalid from Khaled from Khulud, so a person decides.
CROSS_SCRIPT_SIMILARITY = 0.85


def cross_script_similarity(name_a: str, name_b: str, skeleton_a: str, skeleton_b: str) -> float:
    """0..CROSS_SCRIPT_SIMILARITY for one name in Arabic script and the other in Latin script, else 0.

    Compared on the consonant skeletons, word by word (as name_similarity compares keys).
    """
    if is_arabic_script(name_a) == is_arabic_script(name_b) or not skeleton_a or not skeleton_b:
        return 0.0
    return round(CROSS_SCRIPT_SIMILARITY * name_similarity(skeleton_a, skeleton_b), 3)


def phone_key(phone: str) -> str:
    """The last eight digits, so that '+223 70 12 34 56', '0022370123456' and '70123456' compare equal."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-8:] if len(digits) >= 8 else ""


# Typed where the form wanted an ID number and the person had none (English, French, Arabic forms).
_PLACEHOLDER_WORDS = {
    "na",
    "n_a",
    "none",
    "nil",
    "null",
    "no",
    "non",
    "aucun",
    "aucune",
    "neant",
    "inconnu",
    "inconnue",
    "unknown",
    "sans",
    "pas_de_piece",
    "no_id",
    "nd",
    "x",
    "xx",
    "xxx",
    "la_yujad",  # لا يوجد
    "la",  # لا
    "la_ywjd",  # لا يوجد
}


def is_placeholder_id_number(number: str) -> bool:
    """True for what stands for "no document": empty after punctuation, a placeholder word, or only zeros.

    '-', 'N/A', 'NA', 'none', 'inconnu', '0', '000000', 'لا يوجد' -> True; '41507230118452K' -> False.
    """
    text = (number or "").strip()
    if not text:
        return False
    word = re.sub(r"[^a-z0-9]+", "_", anyascii(text).lower()).strip("_")
    if not word or word in _PLACEHOLDER_WORDS:
        return True
    digits = re.sub(r"[^0-9a-z]", "", word)
    return bool(re.fullmatch(r"0+", digits)) or bool(re.fullmatch(r"(.)\1{3,}", digits) and len(digits) <= 12)


def id_document_key(document_type: str, number: str) -> str:
    """'national_id:ML0042'; '' for no number or a placeholder one ('N/A', '0'): no document, no match."""
    if is_placeholder_id_number(number):
        return ""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", number or "").upper()
    return f"{document_type}:{cleaned}" if cleaned else ""


def name_similarity(key_a: str, key_b: str) -> float:
    """0..1 similarity of two name keys, word by word, whatever the word order.

    Each word of the shorter name is paired with its closest word in the other (Damerau-Levenshtein,
    so a swap of two letters is one typo); a missing or extra word costs 0.05. 'Aminata Traoré' /
    'Aminata Troare' scores 0.92, 'Aminata Traoré' / 'Aminata Touré' (another family) 0.75.
    """
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 1.0
    words_a, words_b = key_a.split(), key_b.split()
    shorter, longer = sorted((words_a, words_b), key=len)
    best = [max(DamerauLevenshtein.normalized_similarity(word, other) for other in longer) for word in shorter]
    # A middle name more or less is common; a lone first name against a full name says little.
    missing_word_cost = 0.05 if len(shorter) >= 2 else 0.25
    return max(0.0, sum(best) / len(best) - missing_word_cost * (len(longer) - len(shorter)))
