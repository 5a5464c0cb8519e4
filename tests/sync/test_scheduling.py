"""`sinovik sync run --every`: intervals, jitter and one sync at a time per instance."""

from __future__ import annotations

import pytest
from filelock import FileLock

from sync.runner import SyncBusy, lock_path, next_delay, parse_interval, run
from tests.sync.conftest import Pair


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("1h", 3600), ("90", 90), ("2d", 172800)]
)
def test_intervals_are_read_as_people_write_them(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "0m", "fifteen", "15x", "-5m"])
def test_a_bad_interval_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an interval"):
        parse_interval(text)


def test_jitter_spreads_nodes_around_the_interval() -> None:
    delays = {round(next_delay(900)) for _ in range(200)}
    assert min(delays) >= 810 and max(delays) <= 990 and len(delays) > 20


def test_a_second_sync_of_the_same_instance_waits_its_turn(pair: Pair) -> None:
    pair.connect()
    with pair.node.app_context():
        path = lock_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path)), pytest.raises(SyncBusy, match="another sync"):
            run()
