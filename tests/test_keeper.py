"""SessionKeeper: what a reload takes back, who may take it, and when a gone session ends.
A fake clock and a fake list of connected sessions: no Streamlit, no threads, no waiting."""

from __future__ import annotations

import pytest

from mnist_core.training.keeper import SessionKeeper


class Clock:
    """A clock that moves only when told; ``sleep`` moves it and runs what is due meanwhile."""

    def __init__(self):
        self.now = 0.0
        self.slept = 0.0
        self.during_sleep = []  # callables run on the next sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds
        while self.during_sleep:
            self.during_sleep.pop(0)()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def world(clock):
    connected, ended = set(), []
    keeper = SessionKeeper(grace=10, keep_for=100, max_bytes=1000, clock=clock, sleep=clock.sleep,
                           size_of=lambda values: values.get("bytes", 0))

    def sweep(seconds: float = 0.0):
        clock.now += seconds
        keeper.sweep(alive(connected), ended.append)

    return keeper, connected, ended, sweep


def alive(connected: set):
    return lambda client: client in connected


def test_a_reload_within_the_grace_takes_everything_back_and_cancels_nothing(world):
    keeper, connected, ended, sweep = world
    runs = {"run-1": object()}
    connected.add("tab-1")
    keeper.attach("owner-a", "key-1", "tab-1", {"runs": runs})
    connected.discard("tab-1")  # F5: the old connection closes...
    sweep(1)
    connected.add("tab-1-reloaded")  # ...and the new one asks for what it left
    key, values = keeper.reclaim("owner-a", "tab-1-reloaded", alive(connected))
    assert key == "key-1" and values["runs"] is runs  # the same runs, job and all
    sweep(30)
    assert ended == []


def test_another_owner_never_gets_a_session(world):
    keeper, connected, ended, sweep = world
    keeper.attach("owner-a", "key-1", "tab-1", {"runs": {}})
    sweep(1)  # tab-1 is not connected: gone
    assert keeper.reclaim("owner-b", "tab-2", alive(connected)) is None
    assert keeper.reclaim("", "tab-2", alive(connected)) is None


def test_a_closed_page_ends_after_the_grace_once(world):
    keeper, connected, ended, sweep = world
    connected.add("tab-1")
    keeper.attach("owner-a", "key-1", "tab-1", {})
    sweep(100)
    assert ended == []  # connected: never ends, however long
    connected.discard("tab-1")
    sweep(1)
    sweep(9.5)
    assert ended == []
    sweep(1)
    assert ended == ["key-1"]
    sweep(5)
    assert ended == ["key-1"]  # once
    assert keeper.reclaim("owner-a", "tab-9", alive(connected)) is not None  # its stopped runs stay


def test_a_live_session_is_never_taken_by_another_tab_of_the_same_browser(world):
    keeper, connected, ended, sweep = world
    connected.update({"tab-1", "tab-2"})
    keeper.attach("owner-a", "key-1", "tab-1", {})
    sweep(1)
    assert keeper.reclaim("owner-a", "tab-2", alive(connected)) is None


def test_gone_sessions_expire_and_the_oldest_go_first_when_memory_is_short(world):
    keeper, connected, ended, sweep = world
    keeper.attach("owner-a", "key-1", "tab-1", {"bytes": 600})
    sweep(1)
    keeper.attach("owner-b", "key-2", "tab-2", {"bytes": 600})  # together over max_bytes
    sweep(1)
    assert keeper.owners_sessions("owner-a") == [] and keeper.owners_sessions("owner-b") == ["key-2"]
    sweep(101)
    assert len(keeper) == 0  # gone longer than keep_for


def test_attach_refreshes_a_session_and_reclaim_takes_the_latest_gone(world):
    keeper, connected, ended, sweep = world
    keeper.attach("owner-a", "key-1", "tab-1", {"value": 1})
    keeper.attach("owner-a", "key-1", "tab-1", {"value": 2})
    sweep(1)
    keeper.attach("owner-a", "key-2", "tab-2", {"value": 3})
    sweep(1)
    connected.add("tab-3")
    key, values = keeper.reclaim("owner-a", "tab-3", alive(connected))
    assert (key, values) == ("key-2", {"value": 3})  # the one seen last
    key, values = keeper.reclaim("owner-a", "tab-4", alive(connected))
    assert (key, values) == ("key-1", {"value": 2})


def test_a_reload_before_the_next_sweep_takes_its_own_session_not_an_older_closed_tab(world):
    keeper, connected, ended, sweep = world
    connected.update({"tab-1", "tab-2"})
    keeper.attach("owner-a", "key-1", "tab-1", {"value": 1})
    keeper.attach("owner-a", "key-2", "tab-2", {"value": 2})
    sweep(1)
    connected.discard("tab-1")  # the user closed tab 1 ...
    sweep(1)
    keeper.attach("owner-a", "key-2", "tab-2", {"value": 3})  # ... worked on in tab 2 ...
    connected.discard("tab-2")  # ... and reloaded it: no sweep has seen tab 2 close yet
    connected.add("tab-2-reloaded")
    assert keeper.reclaim("owner-a", "tab-2-reloaded", alive(connected)) == ("key-2", {"value": 3})


def test_reclaim_waits_for_the_old_connection_to_close_then_takes_it(world, clock):
    keeper, connected, ended, sweep = world
    connected.update({"tab-1", "tab-1-reloaded"})  # the new connection came before the old one's close
    keeper.attach("owner-a", "key-1", "tab-1", {"value": 1})
    clock.during_sleep.append(lambda: connected.discard("tab-1"))
    assert keeper.reclaim("owner-a", "tab-1-reloaded", alive(connected), wait=2.0) == ("key-1", {"value": 1})
    assert 0 < clock.slept < 2.0


def test_reclaim_gives_up_after_its_wait_while_the_other_tab_stays_open(world, clock):
    keeper, connected, ended, sweep = world
    connected.update({"tab-1", "tab-2"})
    keeper.attach("owner-a", "key-1", "tab-1", {})
    assert keeper.reclaim("owner-a", "tab-2", alive(connected), wait=2.0) is None
    assert 2.0 <= clock.slept < 2.2
    assert keeper.reclaim("owner-b", "tab-3", alive(connected), wait=2.0) is None
    assert clock.slept < 2.2  # an owner with no sessions at all does not wait
