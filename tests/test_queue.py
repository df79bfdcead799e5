"""``tf.queue`` blocking semantics with threads. Deterministic: a test waits for a thread to be blocked inside the
queue through the queue's own condition variable (``_wait_for_waiters``), never with sleeps. The values TF
determines are compared with TF in ``tests/conformance/test_queue_vs_tf.py``."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import CancelledError, OutOfRangeError


def _start(fn: Any) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            out.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def test_dequeue_blocks_until_an_element_arrives() -> None:
    q = tf.queue.FIFOQueue(2, tf.int32, shapes=[[]])
    t, out = _start(q.dequeue)
    assert q._wait_for_waiters(1)
    assert t.is_alive() and out == []
    q.enqueue(7)
    t.join(30)
    assert int(out[0]) == 7 and int(q.size()) == 0


def test_enqueue_blocks_while_full_and_resumes_in_order() -> None:
    q = tf.queue.FIFOQueue(2, tf.int32, shapes=[[]])
    q.enqueue_many([[1, 2]])
    t, out = _start(lambda: q.enqueue(3))
    assert q._wait_for_waiters(1) and int(q.size()) == 2
    assert int(q.dequeue()) == 1
    t.join(30)
    assert out == [None] and q.dequeue_many(2).numpy().tolist() == [2, 3]


def test_close_lets_a_pending_enqueue_finish_unless_cancelled() -> None:
    # TF: close() stops new enqueues; one already waiting completes when room appears ...
    q = tf.queue.FIFOQueue(1, tf.int32, shapes=[[]])
    q.enqueue(1)
    t, out = _start(lambda: q.enqueue(2))
    assert q._wait_for_waiters(1)
    q.close()
    with pytest.raises(CancelledError):
        q.enqueue(3)
    assert int(q.dequeue()) == 1
    t.join(30)
    assert out == [None] and int(q.dequeue()) == 2
    with pytest.raises(OutOfRangeError):
        q.dequeue()
    # ... and close(cancel_pending_enqueues=True) cancels it
    q = tf.queue.FIFOQueue(1, tf.int32, shapes=[[]])
    q.enqueue(1)
    t, out = _start(lambda: q.enqueue(2))
    assert q._wait_for_waiters(1)
    q.close(cancel_pending_enqueues=True)
    t.join(30)
    assert isinstance(out[0], CancelledError) and int(q.size()) == 1


def test_waiting_dequeues_on_close() -> None:
    q = tf.queue.FIFOQueue(5, tf.int32, shapes=[[]])
    q.enqueue_many([[1, 2]])
    t1, many = _start(lambda: q.dequeue_many(3))
    assert q._wait_for_waiters(1)
    t2, up_to = _start(lambda: q.dequeue_up_to(3))
    assert q._wait_for_waiters(2)
    q.close()
    t1.join(30)
    t2.join(30)
    # whichever wakes first: dequeue_many cannot get 3 (fails, taking nothing), dequeue_up_to takes the 2 left
    assert isinstance(many[0], OutOfRangeError)
    assert up_to[0].numpy().tolist() == [1, 2]


def test_random_shuffle_queue_holds_back_min_after_dequeue() -> None:
    q = tf.queue.RandomShuffleQueue(10, 2, tf.int32, shapes=[[]], seed=3)
    q.enqueue_many([[1, 2]])
    t, out = _start(q.dequeue)  # 2 elements, min_after_dequeue 2: must wait for a third
    assert q._wait_for_waiters(1) and out == []
    q.enqueue(3)
    t.join(30)
    assert int(out[0]) in (1, 2, 3) and int(q.size()) == 2
    a = tf.queue.RandomShuffleQueue(20, 0, tf.int32, shapes=[[]], seed=11)
    b = tf.queue.RandomShuffleQueue(20, 0, tf.int32, shapes=[[]], seed=11)
    for r in (a, b):
        r.enqueue_many([list(range(15))])
    order = a.dequeue_many(15).numpy().tolist()
    assert order == b.dequeue_many(15).numpy().tolist()  # seeded: reproducible
    assert sorted(order) == list(range(15)) and order != list(range(15))


def test_many_producers_and_consumers_deliver_each_element_once() -> None:
    q = tf.queue.FIFOQueue(4, [tf.int32, tf.float32], shapes=[[], [2]])
    n_prod, per = 4, 60
    got: list[int] = []
    lock = threading.Lock()

    def produce(k: int) -> None:
        for i in range(per):
            v = k * per + i
            q.enqueue((v, [float(v), -float(v)]))

    def consume() -> None:
        while True:
            try:
                ids, xs = q.dequeue_up_to(3)
            except OutOfRangeError:
                return
            assert np.array_equal(xs.numpy()[:, 0], ids.numpy().astype("float32"))
            with lock:
                got.extend(ids.numpy().tolist())

    producers = [threading.Thread(target=produce, args=(k,)) for k in range(n_prod)]
    consumers = [threading.Thread(target=consume) for _ in range(3)]
    for t in producers + consumers:
        t.start()
    for t in producers:
        t.join(60)
    q.close()
    for t in consumers:
        t.join(60)
    assert sorted(got) == list(range(n_prod * per))


def test_values_are_copied_and_shared_name_shares_state() -> None:
    q = tf.queue.FIFOQueue(3, tf.float32, shapes=[[2]], shared_name="shared_q")
    user = np.array([1.0, 2.0], "float32")
    q.enqueue([user])
    user[0] = 99.0  # the caller's array changes after the enqueue: the queued element does not
    other = tf.queue.FIFOQueue(3, tf.float32, shapes=[[2]], shared_name="shared_q")
    assert other.queue_ref is q.queue_ref and int(other.size()) == 1
    assert other.dequeue().numpy().tolist() == [1.0, 2.0] and int(q.size()) == 0
    assert tf.queue.FIFOQueue(3, tf.float32).queue_ref is not q.queue_ref


def test_from_list_and_attributes() -> None:
    a = tf.queue.FIFOQueue(3, tf.int32, shapes=[[]], names=["x"])
    b = tf.queue.FIFOQueue(3, tf.int32, shapes=[[]], names=["x"])
    view = tf.queue.QueueBase.from_list(tf.constant(1), [a, b])
    view.enqueue({"x": 5})
    assert int(b.size()) == 1 and int(a.size()) == 0
    assert (view.dtypes, view.names, [s.as_list() for s in view.shapes]) == ([tf.int32], ["x"], [[]])
    pq = tf.queue.PriorityQueue(3, [tf.float32], shapes=[[2]], names=["p", "v"])
    assert pq.dtypes == [tf.int64, tf.float32] and pq.name == "priority_queue"
    with pytest.raises(tf.errors.InvalidArgumentError, match="require the components to have specified shapes"):
        tf.queue.FIFOQueue(3, tf.int32).dequeue_many(1)
    unbounded = tf.queue.FIFOQueue(-1, tf.int32, shapes=[[]])
    unbounded.enqueue_many([list(range(100))])
    assert int(unbounded.size()) == 100


def test_docstring_examples_run() -> None:
    import doctest

    import tapegrad.queue as module

    r = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert r.attempted >= 10 and r.failed == 0
