"""The standing thread runs calls on its one named thread, also in a forked worker."""

import multiprocessing
import threading

from sensors.standing_thread import StandingThread

THREAD = StandingThread("backmon-test")


def _thread_name() -> str:
    return threading.current_thread().name


def _in_child(queue) -> None:
    queue.put(THREAD.submit(_thread_name).result(timeout=5.0))


def test_calls_run_on_the_one_named_thread():
    names = {THREAD.submit(_thread_name).result(timeout=5.0) for _ in range(3)}
    assert names == {"backmon-test_0"}


def test_a_forked_worker_gets_a_thread_of_its_own():
    THREAD.submit(_thread_name).result(timeout=5.0)  # the parent's thread is running before the fork
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    child = fork.Process(target=_in_child, args=(queue,))
    child.start()
    assert queue.get(timeout=10.0) == "backmon-test_0"
    child.join(10.0)
    assert child.exitcode == 0
