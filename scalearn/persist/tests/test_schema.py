"""The input schema check: missing and mistyped columns, widths, from metadata only."""

from __future__ import annotations

import re

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from scalearn.persist import Schema, SchemaError
from scalearn.persist._schema import dtype_family

SCHEMA = Schema(("fare", "payment", "hour"), ("float64", "str", "int8"), 3)


def _frame(**columns):
    return pd.DataFrame(columns)


@pytest.mark.parametrize("lazy", [False, True])
def test_matching_columns_pass_in_any_order_with_extras(lazy):
    frame = _frame(trip_id=[1], hour=[3], payment=["cash"], fare=[2.5])
    if lazy:
        frame = dd.from_pandas(frame, npartitions=1)
    SCHEMA.check(frame)


def test_numbers_of_any_width_are_numbers():
    SCHEMA.check(_frame(fare=[1], payment=["x"], hour=[2.0]))
    SCHEMA.check(
        _frame(fare=pd.array([1], dtype="Int64"), payment=pd.Categorical(["x"])).assign(
            hour=[True]
        )
    )


def test_every_missing_and_mistyped_column_is_listed():
    frame = dd.from_pandas(_frame(payment=[1.0], hour=["late"]), npartitions=1)
    with pytest.raises(SchemaError) as error:
        SCHEMA.check(frame, source="trips.csv")
    message = str(error.value)
    assert message.startswith("trips.csv does not match the columns")
    assert "missing column 'fare' (float64)" in message
    assert "column 'payment' is float64 (number) but the model was trained on str" in (
        message
    )
    assert re.search(
        r"column 'hour' is \w+ \(text\) but the model was trained on int8", message
    )
    assert "convert them before scoring" in message


def test_names_without_dtypes_check_only_presence():
    schema = Schema(("a", "b"), None, 2)
    schema.check(_frame(a=["x"], b=[1]))
    with pytest.raises(SchemaError, match=r"missing column 'b'\."):
        schema.check(_frame(a=[1]))


def test_array_width_is_checked():
    schema = Schema(None, ("float64",) * 3, 3)
    schema.check(np.zeros((2, 3)))
    with pytest.raises(
        SchemaError, match="has 4 columns but the model was trained on 3"
    ):
        schema.check(np.zeros((2, 4)))


def test_round_trip_through_dict():
    assert Schema.from_dict(SCHEMA.to_dict()) == SCHEMA
    assert Schema.from_dict({}) == Schema()


@pytest.mark.parametrize(
    ("dtype", "family"),
    [
        ("datetime64[ns]", "datetime"),
        ("timedelta64[ns]", "timedelta"),
        ("string", "text"),
        ("uint16", "number"),
        ("complex128", "number"),
    ],
)
def test_dtype_families(dtype, family):
    assert dtype_family(dtype) == family
