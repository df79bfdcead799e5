"""``tf.queue`` programs whose results TF determines (FIFO, padding, priority order, sizes, the errors of closed
queues, threads whose outcome does not depend on timing), run unchanged under TensorFlow and tapegrad (the
harness of ``strings_ragged_programs.py``: ``python queue_programs.py MODULE OUT``). No program can block forever
under a correct queue (a blocked TF op cannot be interrupted).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _error(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - compared by class
        return type(exc).__name__
    return "no error"


@case
def fifo_single_component(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(10, tf.float32)
    q.enqueue(1.0)
    q.enqueue([2.0])
    q.enqueue(3)
    return q.size(), q.dequeue(), q.dequeue(), q.size(), q.dtypes, q.shapes, q.names


@case
def fifo_named_components(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(10, [tf.int32, tf.float32], shapes=[[], [2]], names=["a", "b"])
    q.enqueue({"a": 1, "b": [1.0, 2.0]})
    q.enqueue_many({"a": [2, 3, 4], "b": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]})
    first = q.dequeue()
    many = q.dequeue_many(2)
    return sorted(first.items()), sorted(many.items()), q.size(), q.names


@case
def fifo_unnamed_tuple(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(10, [tf.int32, tf.float32], shapes=[[], [2]])
    q.enqueue((1, [1.0, 2.0]))
    return q.dequeue(), q.dequeue_many(0)


@case
def closed_queue_drains_then_out_of_range(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(10, [tf.int32], shapes=[[]])
    q.enqueue_many([[1, 2, 3]])
    q.close()
    return (q.is_closed(), _error(lambda: q.enqueue(4)), q.dequeue(), _error(lambda: q.dequeue_many(5)), q.size(),
            q.dequeue_up_to(5), _error(lambda: q.dequeue_up_to(5)), _error(q.dequeue))


@case
def validation_errors(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(10, [tf.int32, tf.float32], shapes=[[], [2]], names=["a", "b"])
    plain = tf.queue.FIFOQueue(10, tf.float32)
    shaped = tf.queue.FIFOQueue(10, tf.float32, shapes=[[2]])
    return [
        _error(lambda: q.enqueue([1, [1.0, 2.0]])),
        _error(lambda: q.enqueue({"a": 1})),
        _error(lambda: q.enqueue({"a": 1, "b": [1.0, 2.0, 3.0]})),
        _error(lambda: q.enqueue_many({"a": [2, 3], "b": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]})),
        _error(lambda: plain.enqueue(tf.constant(1))),
        _error(lambda: plain.enqueue("a")),
        _error(lambda: plain.dequeue_many(1)),
        _error(lambda: plain.dequeue_up_to(1)),
        _error(lambda: shaped.enqueue([[1.0, 2.0, 3.0]])),
        _error(lambda: shaped.dequeue_many(-1)),
        _error(lambda: tf.queue.FIFOQueue(3, [tf.float32], names=["a", "b"])),
        _error(lambda: tf.queue.FIFOQueue(3, [tf.float32], shapes=[[1], [2]])),
        _error(lambda: tf.queue.PaddingFIFOQueue(3, [tf.float32], shapes=[[None], [2]])),
        _error(lambda: tf.queue.RandomShuffleQueue(3, 5, tf.float32)),
        _error(lambda: tf.queue.QueueBase.from_list(0, [plain, q])),
    ]


@case
def padding_fifo_pads_batches(tf: Any) -> Any:
    p = tf.queue.PaddingFIFOQueue(10, [tf.int32, tf.string], shapes=[[None], [None]])
    p.enqueue([[1, 2, 3], ["a"]])
    p.enqueue([[4], ["b", "c"]])
    p.enqueue([[5, 6], []])
    single = p.dequeue()
    return single, p.dequeue_many(2)


@case
def priority_queue_order(tf: Any) -> Any:
    q = tf.queue.PriorityQueue(10, [tf.string], shapes=[[]])
    q.enqueue((tf.constant(5, tf.int64), "five"))
    q.enqueue((tf.constant(1, tf.int64), "one"))
    q.enqueue((tf.constant(3, tf.int64), "three"))
    first = q.dequeue()
    two = q.dequeue_many(2)
    q.enqueue_many(([4, 2, 7], ["a", "b", "c"]))
    return first, two, q.dequeue_many(3), q.dtypes, q.shapes, _error(lambda: q.enqueue((tf.constant(3), "x")))


@case
def random_shuffle_keeps_the_multiset(tf: Any) -> Any:
    q = tf.queue.RandomShuffleQueue(10, 2, tf.int32, shapes=[[]], seed=1)
    q.enqueue_many([[1, 2, 3, 4, 5]])
    a = sorted(q.dequeue_many(3).numpy().tolist())  # 5 - 3 >= min_after_dequeue: no wait
    q.close()
    b = sorted(q.dequeue_many(2).numpy().tolist())  # closed: min_after_dequeue no longer holds back
    return q.size(), sorted(a + b), _error(q.dequeue)


@case
def threads_fifo_order_is_kept(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(3, tf.int32, shapes=[[]])  # smaller than the stream: the producer blocks on a full queue

    def produce() -> None:
        for i in range(12):
            q.enqueue(i)
        q.close()

    t = threading.Thread(target=produce)
    t.start()
    got = []
    while True:
        try:
            got.append(int(q.dequeue()))
        except tf.errors.OutOfRangeError:
            break
    t.join()
    return got


@case
def threads_waiting_dequeue_fails_on_close(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(3, tf.int32, shapes=[[]])
    out: list[str] = []

    def consume() -> None:
        out.append(_error(lambda: q.dequeue_many(2)))

    t = threading.Thread(target=consume)
    t.start()
    q.enqueue(1)  # one element: the consumer cannot get two, before or after the close
    q.close()
    t.join()
    return out, q.size()


@case
def threads_cancelled_enqueue(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(1, tf.int32, shapes=[[]])
    q.enqueue(1)
    out: list[str] = []
    t = threading.Thread(target=lambda: out.append(_error(lambda: q.enqueue(2))))
    t.start()
    q.close(cancel_pending_enqueues=True)  # before or while the enqueue waits: CancelledError either way
    t.join()
    return out, q.dequeue(), _error(q.dequeue)


if __name__ == "__main__":
    _main(CASES)
