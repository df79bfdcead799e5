"""The compiler behind ``tapegrad.function``: trace → passes → memory plan → generated Python (docs/compiler.md).

Nothing here is imported by ``import tapegrad``; the front-end imports it on first use.
"""
