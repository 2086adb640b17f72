"""Model files: save a fitted model with its metadata, load it safely.

:func:`save` writes the model in skops' safe format (pickle only where skops
cannot hold its types) with the library versions, the input schema and a hash
of the model's bytes; :func:`load` checks them. :class:`Schema` checks new
input against the columns the model was trained on.
"""

from scalearn.persist._files import (
    ModelFileError,
    ModelInfo,
    ModelVersionWarning,
    UntrustedModelError,
    load,
    load_with_info,
    read_info,
    save,
)
from scalearn.persist._schema import Schema, SchemaError

__all__ = [
    "ModelFileError",
    "ModelInfo",
    "ModelVersionWarning",
    "Schema",
    "SchemaError",
    "UntrustedModelError",
    "load",
    "load_with_info",
    "read_info",
    "save",
]
