"""Accuracy of tapegrad's special functions: max relative error vs SciPy (float64, wide grids) and vs TensorFlow
(float32, moderate grids). ``PYTHONPATH=src python benchmarks/special_accuracy.py`` (needs scipy; TF optional).
The numbers go in docs/special_functions.md."""

from __future__ import annotations

import numpy as np
import scipy.special as sc

import tapegrad as tg

rng = np.random.default_rng(0)
pos = np.concatenate([np.logspace(-300, -1, 200), np.linspace(0.1, 30, 3000), np.logspace(1.48, 5, 300)])
sym = np.concatenate([-pos[::-1], pos])
unit = np.concatenate([np.linspace(-1, 1, 4001), -1 + np.logspace(-16, -1, 300), 1 - np.logspace(-16, -1, 300)])
prob = np.concatenate([np.logspace(-300, -1, 600), np.linspace(0, 1, 2001), 1 - np.logspace(-16, -1, 300)])
sp = tg.math.special
UNARY = {
    "erfinv": (tg.math.erfinv, sc.erfinv, unit), "ndtri": (tg.math.ndtri, sc.ndtri, prob),
    "erfcinv": (tg.math.erfcinv, sc.erfcinv, 2 * prob),
    **{f"bessel_{n}": (getattr(sp, f"bessel_{n}"), getattr(sc, n), sym if n[0] in "ij" else pos)
       for n in ("i0", "i0e", "i1", "i1e", "j0", "j1", "y0", "y1", "k0", "k0e", "k1", "k1e")},
    "dawsn": (sp.dawsn, sc.dawsn, sym), "expint": (sp.expint, sc.expi, pos[pos < 700]),
    "fresnel_cos": (sp.fresnel_cos, lambda v: sc.fresnel(v)[1], sym[np.abs(sym) < 3e4]),
    "fresnel_sin": (sp.fresnel_sin, lambda v: sc.fresnel(v)[0], sym[np.abs(sym) < 3e4]),
    "spence": (sp.spence, sc.spence, pos),
}
g = np.concatenate([np.logspace(-10, -1, 20), np.linspace(0.1, 20, 60), np.logspace(1.3, 4, 30)])
A, X = (v.ravel() for v in np.meshgrid(g, g))
g2 = np.concatenate([np.logspace(-3, -1, 6), np.linspace(0.2, 20, 25), np.logspace(1.5, 4, 8)])
xg = np.concatenate([np.logspace(-8, -1, 8), np.linspace(0.05, 0.95, 19), 1 - np.logspace(-8, -1, 8)])
BA, BB, BX = (v.ravel() for v in np.meshgrid(g2, g2, xg))
s = np.concatenate([1 + np.logspace(-8, -1, 8), np.linspace(1.2, 30, 40), [50, 80, 120, 300]])
q = np.concatenate([np.logspace(-6, -1, 6), np.linspace(0.1, 20, 30), np.logspace(1.5, 6, 6)])
ZS, ZQ = (v.ravel() for v in np.meshgrid(s, q))
PN, PX = (v.ravel() for v in np.meshgrid(np.arange(0, 8.0), np.concatenate([np.linspace(-5.3, -0.1, 30),
                                                                             np.linspace(0.05, 30, 60)])))
MULTI = {
    "igamma": (tg.math.igamma, sc.gammainc, (A, X)), "igammac": (tg.math.igammac, sc.gammaincc, (A, X)),
    "betainc": (tg.math.betainc, sc.betainc, (BA, BB, BX)), "zeta": (tg.math.zeta, sc.zeta, (ZS, ZQ)),
    "polygamma": (tg.math.polygamma, lambda n, x: sc.polygamma(n.astype(int), x), (PN, PX)),
}


def rel(a: np.ndarray, b: np.ndarray) -> float:
    m = np.isfinite(b) & (np.abs(b) > 1e-290)
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(a[m] - b[m]) / np.abs(b[m]))) if m.any() else 0.0


def main() -> None:
    try:
        import tensorflow as tf
    except ImportError:
        tf = None
    print("| function | float64: max rel. error vs SciPy | float32: share within rtol 1e-5 of TF | float32: max rel. "
          "error vs SciPy, tapegrad / TF |")
    print("|---|---|---|---|")
    rows = [(k, f, r, (x,)) for k, (f, r, x) in UNARY.items()] + [(k, f, r, xs) for k, (f, r, xs) in MULTI.items()]
    for name, fn, ref, xs in rows:
        e64 = rel(fn(*[tg.constant(x) for x in xs]).numpy(), ref(*xs))
        share = err = "-"
        if tf is not None:
            tfn = (getattr(tf.math.special, name, None) or getattr(tf.math, name))
            x32 = [x.astype(np.float32) for x in xs]
            ours = fn(*[tg.constant(x) for x in x32]).numpy().astype(np.float64)
            theirs = tfn(*[tf.constant(x) for x in x32]).numpy().astype(np.float64)
            truth = ref(*[x.astype(np.float64) for x in x32])
            keep = np.isfinite(truth) & (np.abs(truth) > 1e-30) & (np.abs(truth) < 1e30)  # float32's normal range
            with np.errstate(all="ignore"):
                close = np.isclose(ours[keep], theirs[keep], rtol=1e-5, atol=0)
            share = f"{close.mean():.2%}"
            err = f"{rel(ours[keep], truth[keep]):.1e} / {rel(theirs[keep], truth[keep]):.1e}"
        print(f"| `{name}` | {e64:.1e} | {share} | {err} |")


if __name__ == "__main__":
    main()
