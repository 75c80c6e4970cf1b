from __future__ import annotations

import re
import time

from trustdesk.core.ids import new_id


def test_ids_made_in_one_millisecond_keep_their_order() -> None:
    # 2000 ids are made in a few milliseconds, so most share their timestamp with others.
    ids = [new_id("att") for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 2000


def test_id_shape_and_timestamp() -> None:
    before = int(time.time() * 1000)
    made = new_id("tkt")
    after = int(time.time() * 1000)
    assert re.fullmatch(r"tkt_[0-9a-hjkmnp-tv-z]{26}", made)
    value = 0
    for ch in made[4:]:
        value = value * 32 + "0123456789abcdefghjkmnpqrstvwxyz".index(ch)
    # The top 48 bits are the millisecond (or, for a same-millisecond id, one just after).
    assert before <= value >> 80 <= after + 1
