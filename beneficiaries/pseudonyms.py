"""What partner and donor outputs may say about households: a keyed pseudonym, and no small counts.

A pseudonym is an HMAC-SHA256 of the registration code under HOUSEHOLD_PSEUDONYM_KEY: stable, so a
partner can count or link a household's receipts across exports, and useless without the key, so
it cannot be turned back into the code printed on the household's card. Without the setting the key
is derived from SECRET_KEY (development); production sets its own, so rotating the secret key does
not change every pseudonym.

A cell counting fewer than SMALL_COUNT_THRESHOLD households could point at a family in a small site:
its counts are replaced by a marker ("<5") in partner and donor exports. Where the output also
publishes the total of a group of cells (a region's sites add up to the region's row), one withheld
cell alone could be recovered by subtraction: the next smallest cell of the group is withheld too
(complementary suppression, `withheld_rows`).
"""

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence

from django.conf import settings

PSEUDONYM_PREFIX = "hh-"


def _key() -> bytes:
    if settings.HOUSEHOLD_PSEUDONYM_KEY:
        return settings.HOUSEHOLD_PSEUDONYM_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"household-pseudonym", hashlib.sha256).digest()


def household_pseudonym(registration_code: str) -> str:
    """The household's identifier for outputs without personal data (32 hex digits, 128 bits)."""
    digest = hmac.new(_key(), registration_code.encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:32]


def is_small_count(households: int | None) -> bool:
    """A cell of 1 to threshold-1 households is suppressed; zero reveals no one."""
    return households is not None and 0 < households < settings.SMALL_COUNT_THRESHOLD


def suppressed_marker() -> str:
    return f"<{settings.SMALL_COUNT_THRESHOLD}"


def withheld_rows(
    rows: Sequence[dict], group: Callable[[dict], Hashable], households: str = "households"
) -> list[bool]:
    """For each row, whether its counts are withheld: every small count, and in a group whose total
    is published where exactly one row is small, the group's next smallest non-zero row as well."""
    withheld = [is_small_count(row[households]) for row in rows]
    members: dict[Hashable, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        members[group(row)].append(index)
    for indexes in members.values():
        if sum(withheld[index] for index in indexes) != 1:
            continue
        shown = [index for index in indexes if not withheld[index] and rows[index][households]]
        if shown:
            withheld[min(shown, key=lambda index: rows[index][households])] = True
    return withheld
