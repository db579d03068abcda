"""Household registration codes: short, human-typable, with a check character.

Eight random characters from Crockford's base 32 (no I, L, O, U: nothing to confuse
on a crumpled card) and one check character (Crockford's mod-37 check symbol), printed
as `XXXX-XXXX-C`. Typing mistakes of one character, and swaps of two neighbours, are
caught by the check before any database look-up.

New codes only use bodies whose check character is a letter or a digit: the five symbols of
the mod-37 check alphabet (`*~$=`, and `U`'s neighbours) need the symbols keyboard on a phone.
The check is unchanged (mod 37, so every code issued before still validates, whatever its
check character); only the drawing skips the bodies whose check is a symbol (4 in 37).
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
BODY_LENGTH = 8
# What officers mistype or read differently on a card.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_character(body: str) -> str:
    value = 0
    for char in body:
        value = value * 32 + ALPHABET.index(char)
    return CHECK_ALPHABET[value % 37]


# Check characters that need a phone's symbols keyboard: never issued any more, still accepted.
SYMBOL_CHECKS = frozenset("*~$=")


def new_code() -> str:
    """A fresh code (9 characters, letters and digits only); see the module's docstring."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
        check = check_character(body)
        if check not in SYMBOL_CHECKS:
            return body + check


def new_codes(count: int) -> list[str]:
    """`count` distinct fresh codes at once (file imports): 40 random bits each, the 8 base-32 digits of new_code,
    and like new_code never a symbol as check character."""
    drawn: set[str] = set()
    while len(drawn) < count:
        value = int.from_bytes(secrets.token_bytes(5))
        body = "".join(ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5))
        check = check_character(body)
        if check not in SYMBOL_CHECKS:
            drawn.add(body + check)
    return list(drawn)


def normalise(typed: str) -> str:
    """The canonical stored form of what an officer typed or scanned: upper case, no separators."""
    cleaned = "".join(char for char in typed.upper() if char.isalnum() or char in "*~$=")
    return cleaned.translate(_READ_AS)


def is_valid(code: str) -> bool:
    code = normalise(code)
    if len(code) != BODY_LENGTH + 1 or any(char not in ALPHABET for char in code[:-1]):
        return False
    return check_character(code[:-1]) == code[-1]


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}" if len(code) == BODY_LENGTH + 1 else code
