"""Model files: the model in a safe format, with what it needs to be used safely.

A scalearn model file is a zip archive of two members:

* ``scalearn-model.json``: the metadata (library versions, the input schema,
  the serializer, the SHA-256 of the model bytes, the estimator's methods);
* ``model.skops`` (skops' format, which builds objects without running their
  code) or ``model.pickle`` (when skops cannot hold the model's types).

:func:`load` checks the hash before deserializing, warns when the libraries
differ from those the model was saved with, refuses types skops does not trust
(scalearn's own are trusted) and refuses pickles unless ``trust_pickle=True``.
It also reads the plain pickle or joblib files of ``joblib.dump(model, path)``
(with ``trust_pickle=True``) and plain skops files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import io
import json
import pickle
import platform
import time
import uuid
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

import scalearn
from scalearn.persist._schema import Schema
from scalearn.utils._validation import check_param

METADATA_NAME = "scalearn-model.json"
FORMAT = "scalearn-model"
FORMAT_VERSION = 1
SKOPS = "skops"
PICKLE = "pickle"
AUTO = "auto"
SERIALIZERS = (AUTO, SKOPS, PICKLE)
_PAYLOADS = {SKOPS: "model.skops", PICKLE: "model.pickle"}
#: Libraries whose versions are recorded; a difference in the first two warns.
_CHECKED = ("scikit-learn", "scalearn")
_RECORDED = (*_CHECKED, "numpy", "scipy", "pandas", "dask", "skops")
_METHODS = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
)
# First bytes of the files a pickle-based dump can start with: a pickle
# (protocol >= 2), or joblib's zlib, gzip, bz2, xz and lzma compressions.
_PICKLE_MAGIC = (b"\x80", b"\x78", b"\x1f\x8b", b"BZ", b"\xfd7zXZ", b"\x5d\x00")
_SAVE = "scalearn.persist.save"
_LOAD = "scalearn.persist.load"


class ModelFileError(ValueError):
    """A file that is not a readable model: not one, corrupt, or cut short."""


class UntrustedModelError(ValueError):
    """A model file whose loading could run code nobody vouched for."""


class ModelVersionWarning(UserWarning):
    """The model was saved with other versions of the libraries it depends on."""


@dataclass(frozen=True)
class ModelInfo:
    """What a model file says about its model, read without loading the model.

    Attributes
    ----------
    serializer : str
        ``"skops"`` or ``"pickle"``.
    estimator : str
        Qualified class name of the model.
    schema : Schema
        The columns (names, dtypes) the model was trained on, where known.
    methods : tuple of str
        The prediction methods the model has.
    versions : dict
        Library versions at saving time (empty for a plain pickle or skops file).
    sha256 : str
        Hash of the model's bytes.
    created : str or None
        UTC time of saving.
    """

    serializer: str
    estimator: str
    schema: Schema
    methods: tuple[str, ...]
    versions: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    created: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "serializer": self.serializer,
            "estimator": self.estimator,
            "schema": self.schema.to_dict(),
            "methods": list(self.methods),
            "versions": dict(self.versions),
            "sha256": self.sha256,
            "created": self.created,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelInfo:
        return cls(
            serializer=data["serializer"],
            estimator=data["estimator"],
            schema=Schema.from_dict(data.get("schema") or {}),
            methods=tuple(data.get("methods") or ()),
            versions=dict(data.get("versions") or {}),
            sha256=data["sha256"],
            created=data.get("created"),
        )

    def version_mismatches(self) -> dict[str, tuple[str, str]]:
        """``{library: (saved with, installed)}`` for the libraries that differ."""
        installed = library_versions()
        return {
            name: (self.versions[name], installed[name])
            for name in _CHECKED
            if name in self.versions and self.versions[name] != installed[name]
        }


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries a model's behaviour depends on."""
    versions = {"python": platform.python_version()}
    for name in _RECORDED:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["scalearn"] = scalearn.__version__
    return versions


def _qualified_name(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _skops_io(owner: str, fix: str) -> Any:
    try:
        return importlib.import_module("skops.io")
    except ImportError as exc:
        raise ImportError(
            f"{owner} needs skops for its safe format, which is not installed. "
            f"Install it with: pip install 'scalearn[persist]'. {fix}"
        ) from exc


# --- save ------------------------------------------------------------------------


def save(
    model: Any,
    path: str,
    *,
    X: Any = None,
    serializer: str = AUTO,
) -> ModelInfo:
    """Save a fitted model, with the metadata needed to use it safely, to ``path``.

    Parameters
    ----------
    model : estimator
        A fitted model (any object skops or pickle can hold).
    path : str or path-like
        Where to write; a local path or any fsspec URL. The file appears whole
        or not at all (written under a temporary name, then renamed).
    X : DataFrame or array, optional
        The training data, or a few rows of it: only its column names and
        dtypes are recorded (nothing is computed for a dask DataFrame), so that
        input can be checked against them. Without it, the names come from the
        model's ``feature_names_in_`` and the dtypes are not recorded.
    serializer : {"auto", "skops", "pickle"}, default "auto"
        ``"skops"`` is safe to load (it builds objects without running their
        code). ``"auto"`` uses skops when it is installed and can hold the
        model's types, else pickle (with a warning: loading a pickle needs
        ``trust_pickle=True``).

    Returns
    -------
    ModelInfo
        The metadata written.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from scalearn.persist import load, save
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> info = save(model, "memory://doc/model.scalearn", X=X)
    >>> info.serializer, info.schema.names, info.methods[:2]
    ('skops', ('a', 'b'), ('predict', 'predict_proba'))
    >>> load("memory://doc/model.scalearn").predict(X).tolist()
    [0, 0, 1, 1]
    """
    check_param(
        _SAVE,
        "serializer",
        serializer,
        serializer in SERIALIZERS,
        f"one of {list(SERIALIZERS)}",
        "Use 'skops' (safe to load) or 'pickle' (for types skops cannot hold).",
    )
    used, payload = _serialize(model, serializer)
    info = ModelInfo(
        serializer=used,
        estimator=_qualified_name(model),
        schema=Schema.of(model, X),
        methods=tuple(m for m in _METHODS if hasattr(model, m)),
        versions=library_versions(),
        sha256=hashlib.sha256(payload).hexdigest(),
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(METADATA_NAME, json.dumps(info.to_dict(), indent=2))
        archive.writestr(_PAYLOADS[used], payload)
    _write_atomically(str(path), buffer.getvalue())
    return info


def _serialize(model: Any, serializer: str) -> tuple[str, bytes]:
    if serializer == PICKLE:
        return PICKLE, pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    if serializer == SKOPS:
        sio = _skops_io(_SAVE, "Or pass serializer='pickle'.")
        return SKOPS, sio.dumps(model)
    try:
        sio = importlib.import_module("skops.io")
        return SKOPS, sio.dumps(model)
    except Exception as exc:  # skops missing, or a type it cannot hold
        warnings.warn(
            f"{_SAVE}: saving the model as a pickle, since skops could not "
            f"({type(exc).__name__}: {exc}). Loading it will need "
            "trust_pickle=True (--trust-pickle on the command line).",
            UserWarning,
            stacklevel=3,
        )
        return PICKLE, pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def _write_atomically(path: str, data: bytes) -> None:
    fs, target = fsspec.core.url_to_fs(path)
    parent = target.rsplit("/", 1)[0] if "/" in target else ""
    # Object stores have no directories to check; a local one must exist.
    if isinstance(fs, LocalFileSystem) and parent and not fs.isdir(parent):
        raise FileNotFoundError(
            f"{_SAVE}: the directory {parent!r} of {path!r} does not exist. "
            "Create it first, or save elsewhere."
        )
    temporary = f"{target}.{uuid.uuid4().hex}.tmp"
    try:
        with fs.open(temporary, "wb") as f:
            f.write(data)
        fs.mv(temporary, target)
    finally:
        if fs.exists(temporary):
            fs.rm(temporary)


# --- load ------------------------------------------------------------------------


def read_info(path: str) -> ModelInfo:
    """The metadata of a model file, without loading (or trusting) the model.

    A plain pickle or skops file has no metadata: its serializer is reported,
    and the schema and methods stay unknown until the model is loaded.
    """
    return _read(str(path)).info


def load(
    path: str,
    *,
    trust_pickle: bool = False,
    trusted: Sequence[str] = (),
) -> Any:
    """Load a model saved by :func:`save`, or a plain skops, pickle or joblib file.

    Parameters
    ----------
    path : str or path-like
        A local path or any fsspec URL.
    trust_pickle : bool, default False
        Load pickles. A pickle runs code as it loads: pass True only for files
        from a source you trust.
    trusted : sequence of str, default ()
        Qualified type names a skops file may hold beyond those skops trusts
        (scikit-learn's, numpy's...) and scalearn's own. Review the names the
        error lists before adding them.

    Returns
    -------
    estimator
        The model.

    Raises
    ------
    ModelFileError
        Not a model file, corrupt or cut short (the hash does not match).
    UntrustedModelError
        A pickle without ``trust_pickle=True``, or skops types not trusted.

    Warns
    -----
    ModelVersionWarning
        When scikit-learn or scalearn differ from the versions at saving time.
    """
    return load_with_info(path, trust_pickle=trust_pickle, trusted=trusted)[0]


def load_with_info(
    path: str, *, trust_pickle: bool = False, trusted: Sequence[str] = ()
) -> tuple[Any, ModelInfo]:
    """:func:`load`, and the file's :class:`ModelInfo`.

    For a plain pickle or skops file, the schema and methods come from the
    loaded model (its ``feature_names_in_``; dtypes are unknown).
    """
    path = str(path)
    loaded = _read(path)
    info = loaded.info
    if loaded.metadata:
        _warn_on_versions(path, info)
    if info.serializer == PICKLE:
        if not trust_pickle:
            raise UntrustedModelError(
                f"{_LOAD}: {path!r} holds a pickle, which runs code as it "
                "loads. If you trust where the file comes from, pass "
                "trust_pickle=True (--trust-pickle on the command line); better, "
                "save the model with scalearn.persist.save, which uses skops."
            )
        model = _unpickle(loaded.payload)
    else:
        model = _unskops(loaded.payload, path, trusted)
    if not loaded.metadata:
        info = dataclasses.replace(
            info,
            estimator=_qualified_name(model),
            schema=Schema.of(model),
            methods=tuple(m for m in _METHODS if hasattr(model, m)),
        )
    return model, info


def _warn_on_versions(path: str, info: ModelInfo) -> None:
    mismatches = info.version_mismatches()
    if not mismatches:
        return
    listed = ", ".join(
        f"{name} {saved} (installed: {now})"
        for name, (saved, now) in sorted(mismatches.items())
    )
    warnings.warn(
        f"{_LOAD}: {path!r} was saved with {listed}. Predictions may differ or "
        "fail; install those versions, or refit and save the model again.",
        ModelVersionWarning,
        stacklevel=4,
    )


@dataclass
class _Loaded:
    info: ModelInfo
    payload: bytes
    metadata: bool


def _read(path: str) -> _Loaded:
    try:
        with fsspec.open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise ModelFileError(
            f"{_LOAD}: no model file at {path!r} ({type(exc).__name__}). Check the "
            "path; save a model there with scalearn.persist.save."
        ) from exc
    if zipfile.is_zipfile(io.BytesIO(data)):
        return _read_archive(path, data)
    if data.startswith(_PICKLE_MAGIC):
        info = ModelInfo(PICKLE, "unknown", Schema(), (), sha256=_sha256(data))
        return _Loaded(info, data, metadata=False)
    raise _not_a_model(path, "it is neither a zip archive nor a pickle")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _not_a_model(path: str, why: str) -> ModelFileError:
    return ModelFileError(
        f"{_LOAD}: {path!r} is not a model file: {why}. Pass a file written by "
        "scalearn.persist.save (or skops.io.dump, or joblib.dump with "
        "trust_pickle=True); if it is one, it was truncated or corrupted: save "
        "it again."
    )


def _read_archive(path: str, data: bytes) -> _Loaded:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if METADATA_NAME not in names:
                if "schema.json" in names:  # a plain skops file
                    info = ModelInfo(
                        SKOPS, "unknown", Schema(), (), sha256=_sha256(data)
                    )
                    return _Loaded(info, data, metadata=False)
                raise _not_a_model(path, "a zip archive without model metadata")
            metadata = json.loads(archive.read(METADATA_NAME))
            if metadata.get("format") != FORMAT:
                raise _not_a_model(path, "its metadata is not scalearn's")
            info = ModelInfo.from_dict(metadata)
            payload = archive.read(_PAYLOADS[info.serializer])
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise _not_a_model(path, f"{type(exc).__name__}: {exc}") from exc
    if _sha256(payload) != info.sha256:
        raise ModelFileError(
            f"{_LOAD}: the model in {path!r} does not match the hash saved with "
            "it: the file was changed or corrupted after saving. Save the model "
            "again."
        )
    return _Loaded(info, payload, metadata=True)


def _unpickle(payload: bytes) -> Any:
    import joblib  # a scikit-learn dependency; reads both pickles and joblib files

    return joblib.load(io.BytesIO(payload))


def _unskops(payload: bytes, path: str, trusted: Sequence[str]) -> Any:
    sio = _skops_io(_LOAD, "Or re-save the model with serializer='pickle'.")
    untrusted = [
        name
        for name in sio.get_untrusted_types(data=payload)
        if not name.startswith("scalearn.") and name not in set(trusted)
    ]
    if untrusted:
        raise UntrustedModelError(
            f"{_LOAD}: {path!r} holds types that are not trusted by default: "
            f"{untrusted}. If you trust them, pass trusted={untrusted!r} "
            "(--trust-type on the command line)."
        )
    # Everything left is scalearn's own or listed by the caller.
    return sio.loads(payload, trusted=sio.get_untrusted_types(data=payload))
