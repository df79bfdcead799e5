"""Conformance lane: the same programs under TensorFlow (subprocess, cached) and tapegrad (in-process)."""
