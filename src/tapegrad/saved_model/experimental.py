"""``tf.saved_model.experimental``: fingerprints, ``TrackableResource`` and ``VariablePolicy``.

>>> import os, tempfile
>>> import tapegrad as tf
>>> m = tf.Module()
>>> m.v = tf.Variable(1.0)
>>> path = os.path.join(tempfile.mkdtemp(), "m")
>>> tf.saved_model.save(m, path)
>>> fp = tf.saved_model.experimental.read_fingerprint(path)
>>> fp.version, isinstance(fp.saved_model_checksum, int)
(1, True)
"""

from __future__ import annotations

import enum
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["Fingerprint", "TrackableResource", "VariablePolicy", "read_fingerprint"]


class VariablePolicy(enum.Enum):
    """``tf.saved_model.experimental.VariablePolicy`` (device placement of variables: no effect in tapegrad)."""

    NONE = None
    SAVE_VARIABLE_DEVICES = "save_variable_devices"
    EXPAND_DISTRIBUTED_VARIABLES = "expand_distributed_variables"

    def _expand_distributed_variables(self) -> bool:
        return self is VariablePolicy.EXPAND_DISTRIBUTED_VARIABLES

    def _save_variable_devices(self) -> bool:
        return self in (VariablePolicy.SAVE_VARIABLE_DEVICES, VariablePolicy.EXPAND_DISTRIBUTED_VARIABLES)

    @classmethod
    def from_obj(cls, obj: Any) -> VariablePolicy:
        if obj is None:
            return cls.NONE
        if isinstance(obj, cls):
            return obj
        key = str(obj).lower()
        for policy in cls:
            if key == policy.value:
                return policy
        raise ValueError(f'Received invalid VariablePolicy value: {obj}.')


class Fingerprint:
    """The hashes of a SavedModel's parts (``tf.saved_model.experimental.Fingerprint``); tapegrad's are 64-bit
    SHA-256 prefixes of its own files, so they identify tapegrad SavedModels only."""

    def __init__(self, saved_model_checksum: int | None = None, graph_def_program_hash: int | None = None,
                 signature_def_hash: int | None = None, saved_object_graph_hash: int | None = None,
                 checkpoint_hash: int | None = None, version: int | None = None) -> None:
        self.saved_model_checksum = saved_model_checksum
        self.graph_def_program_hash = graph_def_program_hash
        self.signature_def_hash = signature_def_hash
        self.saved_object_graph_hash = saved_object_graph_hash
        self.checkpoint_hash = checkpoint_hash
        self.version = version

    def singleprint(self) -> str:
        """The four model hashes joined with ``/`` (TF's ``singleprint``)."""
        return "/".join(str(h) for h in (self.graph_def_program_hash, self.signature_def_hash,
                                         self.saved_object_graph_hash, self.checkpoint_hash))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return ("Fingerprint(" + ", ".join(f"{k}={v}" for k, v in vars(self).items()) + ")")


def read_fingerprint(export_dir: Any) -> Fingerprint:
    """The :class:`Fingerprint` written by ``tf.saved_model.save``; ``FileNotFoundError`` when there is none."""
    from ._save import FINGERPRINT

    path = Path(os.fspath(export_dir)) / FINGERPRINT
    if not path.is_file():
        raise FileNotFoundError(f"SavedModel Fingerprint Error: {str(path)!r} does not exist (tapegrad writes "
                                "fingerprint.json with tf.saved_model.save).")
    return Fingerprint(**json.loads(path.read_text()))


class TrackableResource:
    """A resource owned by a saved object (``tf.saved_model.experimental.TrackableResource``): subclasses define
    ``_create_resource`` (and optionally ``_initialize``); ``resource_handle`` creates it on first use."""

    def __init__(self, device: str = "") -> None:
        self._resource_handle_value: Any = None
        self._resource_device = device

    def _create_resource(self) -> Any:
        raise NotImplementedError("TrackableResource subclasses define _create_resource()")

    def _initialize(self) -> None:
        pass

    @property
    def resource_handle(self) -> Any:
        if self._resource_handle_value is None:
            self._resource_handle_value = self._create_resource()
            self._initialize()
        return self._resource_handle_value
