"""Keras fit/evaluate/predict on Python generators and keras.utils.PyDataset (issue 15): the same weights as on
arrays, Keras 3's epoch rules (a spent generator, steps_per_epoch, running out), the worker pool, on_epoch_* calls,
the progress bar. Keras's own answers for the same programs are compared by the Keras lane (programs_kdata.py)."""

from __future__ import annotations

import io
import math
import threading
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

rng = np.random.default_rng(0)
X = rng.standard_normal((24, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.25).astype("float32")


def _model(seed=1):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="tanh"), keras.layers.Dense(1)])
    r = np.random.default_rng(seed)
    m.set_weights([(r.standard_normal(w.shape) * 0.4).astype("float32") for w in m.weights])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return m


def _weights(m):
    return [w.numpy() for w in m.weights]


def _gen(bs=6, sw=None, n=None):
    n = len(X) if n is None else n
    for i in range(0, n, bs):
        batch = (X[i:i + bs], Y[i:i + bs])
        yield batch if sw is None else batch + (sw[i:i + bs],)


class Batches(keras.utils.PyDataset):
    def __init__(self, bs=6, log=None, fail_at=None, sw=None, **kwargs):
        super().__init__(**kwargs)
        self.bs, self.log, self.fail_at, self.sw = bs, log, fail_at, sw
        self.started = 0
        self.lock = threading.Lock()

    def __len__(self):
        return math.ceil(len(X) / self.bs)

    def __getitem__(self, i):
        with self.lock:
            self.started += 1
        if i == self.fail_at:
            raise RuntimeError(f"bad batch {i}")
        b = (X[i * self.bs:(i + 1) * self.bs], Y[i * self.bs:(i + 1) * self.bs])
        return b if self.sw is None else b + (self.sw[i * self.bs:(i + 1) * self.bs],)

    def on_epoch_end(self):
        if self.log is not None:
            self.log.append("end")


def test_generator_trains_to_the_same_weights_as_arrays():
    sw = np.linspace(0.5, 2.0, len(X)).astype("float32")
    a, b = _model(), _model()
    ha = a.fit(X, Y, sample_weight=sw, batch_size=6, epochs=1, shuffle=False, verbose=0)
    hb = b.fit(_gen(sw=sw), epochs=1, shuffle=False, verbose=0)
    for wa, wb in zip(_weights(a), _weights(b)):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    assert hb.params["steps"] is None and ha.params["steps"] == 4


def test_py_dataset_trains_to_the_same_weights_as_arrays_with_and_without_workers():
    ref = _model()
    ref.fit(X, Y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    for kwargs in ({}, {"workers": 3, "max_queue_size": 2}, {"workers": 1, "use_multiprocessing": True}):
        m = _model()
        h = m.fit(Batches(**kwargs), epochs=3, shuffle=False, verbose=0)
        assert h.params["steps"] == 4
        for wa, wb in zip(_weights(ref), _weights(m)):
            np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_py_dataset_shuffle_is_seeded_by_python_random():
    runs = []
    for _ in range(2):
        m = _model()
        keras.utils.set_random_seed(3)
        m.fit(Batches(), epochs=2, verbose=0)  # shuffle=True: batch order from Python's random, as Keras
        runs.append(_weights(m))
    for wa, wb in zip(*runs):
        np.testing.assert_array_equal(wa, wb)
    plain = _model()
    plain.fit(Batches(), epochs=2, shuffle=False, verbose=0)
    assert not np.allclose(runs[0][0], _weights(plain)[0])


def test_worker_pool_keeps_at_most_max_queue_size_batches_ahead():
    ds = Batches(bs=2, workers=4, max_queue_size=3)
    ahead = []

    class Watch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            ahead.append(ds.started - batch)

    _model().fit(ds, epochs=1, shuffle=False, verbose=0, callbacks=[Watch()])
    assert max(ahead) <= 4 and ds.started == 12


def test_worker_error_reaches_fit():
    with pytest.raises(RuntimeError, match="bad batch 2"):
        _model().fit(Batches(workers=2, fail_at=2), epochs=1, shuffle=False, verbose=0)
    with pytest.raises(RuntimeError, match="bad batch 1"):
        _model().fit(Batches(fail_at=1), epochs=1, shuffle=False, verbose=0)


def test_on_epoch_end_runs_at_reset_and_after_each_epoch():
    log = []
    _model().fit(Batches(log=log), epochs=3, shuffle=False, verbose=0)
    assert log == ["end"] * 4  # Keras: once when fit starts, then after every epoch


def test_spent_generator_and_steps_per_epoch_follow_keras():
    m = _model()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        h = m.fit(_gen(bs=5), epochs=3, shuffle=False, verbose=0)
    # epoch 1: all 5 batches; a spent generator then replays the two batches Keras read ahead
    assert sum("ran out of data" in str(x.message) for x in w) == 3
    assert int(m.optimizer.iterations) == 5 + 2 + 2 + 3  # each run-out step still counts, as on TF's backend
    assert len(h.history["loss"]) == 3
    m = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        m.fit(_gen(bs=5), epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert int(m.optimizer.iterations) == 6


def test_validation_generator_restarts_each_evaluation():
    m = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = m.fit(_gen(), epochs=2, steps_per_epoch=2, shuffle=False, verbose=0,
                  validation_data=_gen(n=12), validation_steps=1)
    assert list(h.history) == ["loss", "mae", "val_loss", "val_mae"]
    # validation_steps=1: every evaluation reads the first validation batch again (Keras resets its iterator)
    assert np.isclose(h.history["val_loss"][-1], m.evaluate(X[:6], Y[:6], verbose=0)[0], rtol=1e-6)


def test_evaluate_and_predict_on_generators_and_py_datasets():
    m = _model()
    ref = m.evaluate(X, Y, batch_size=6, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(m.evaluate(_gen(), verbose=0), ref, rtol=1e-6)
        np.testing.assert_allclose(m.evaluate(Batches(workers=2), verbose=0), ref, rtol=1e-6)
        p = m.predict(((tf.constant(X[i:i + 5]),) for i in range(0, 24, 5)), verbose=0)
    np.testing.assert_allclose(p, m.predict(X, verbose=0), rtol=1e-6)
    assert m.predict(Batches(), steps=2, verbose=0).shape == (12, 1)


def test_progress_bar_learns_an_unknown_length():
    out = io.StringIO()
    with redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _model().fit(_gen(), epochs=2, verbose=2)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("4/4 - ") and "loss:" in lines[1]


def test_refusals():
    m = _model()
    with pytest.raises(ValueError, match="`y` should not be passed"):
        m.fit(_gen(), Y, verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        m.fit(_gen(), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="must return a tuple"):
        m.predict((x for x in [X[:4]]), verbose=0)
    with pytest.raises(ValueError, match="at least one batch"):
        m.fit((b for b in []), verbose=0)
    with pytest.raises(ValueError, match="Unrecognized data type"):
        m.fit(iter([(X, Y)]), verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(Batches(), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="class_weight` and `sample_weight"):
        m.fit(Batches(sw=np.ones(24, "float32")), class_weight={0: 1.0}, shuffle=False, verbose=0)

    def varying():
        yield X[:4], Y[:4]
        yield X[4:8], Y[4:8]
        yield X[8:12, :2], Y[8:12]

    with pytest.raises(TypeError, match="shape"):
        m.fit(varying(), shuffle=False, verbose=0)


def test_py_dataset_without_super_init_warns():
    class NoInit(keras.utils.PyDataset):
        def __init__(self):  # no super().__init__()
            self.n = 1

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return X[:4], Y[:4]

    with pytest.warns(UserWarning, match="super"):
        _model().fit(NoInit(), epochs=1, shuffle=False, verbose=0)
    assert keras.utils.Sequence is keras.utils.PyDataset


def test_docstring_runs():
    import doctest

    from tapegrad.keras import _py_dataset

    result = doctest.testmod(_py_dataset)
    assert result.failed == 0 and result.attempted > 0
