"""Synthetic taxi trips for the demo: a partition generator and the model encodings.

Every function here works on one pandas partition, so that dask can map it over a
dataset of any size, on threads or on worker processes (all of it pickles).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PAYMENT_TYPES = ("credit", "cash", "no charge", "dispute")
NUMERIC_COLUMNS = ("trip_distance", "passenger_count", "pickup_hour", "fare_amount")
CATEGORICAL_COLUMN = "payment_type"
FEATURES = (*NUMERIC_COLUMNS, CATEGORICAL_COLUMN)
TARGET = "tipped"
TRIP_ID = "trip_id"
# The columns of ``encode_trips``: the numeric ones and one indicator per payment.
ENCODED_FEATURES = (
    *NUMERIC_COLUMNS,
    *(f"payment_{kind.replace(' ', '_')}" for kind in PAYMENT_TYPES),
)

_PAYMENT_SHARES = (0.62, 0.35, 0.02, 0.01)
_PASSENGER_SHARES = (0.70, 0.14, 0.05, 0.03, 0.05, 0.03)
_HOURS = np.arange(24)
# More pickups in the evening than at dawn.
_HOUR_WEIGHTS = 1.0 + 0.7 * np.sin((_HOURS - 11) / 24 * 2 * np.pi)
_HOUR_SHARES = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()


def make_trips(start: int, n_rows: int, *, seed: int) -> pd.DataFrame:
    """Generate the trips numbered ``start`` to ``start + n_rows - 1``.

    The rows depend only on ``start`` and ``seed``, so a partition can be made
    anywhere (on any worker, in any order) and always comes out the same.

    Parameters
    ----------
    start : int
        Number of the first trip; the index (``trip_id``) starts there.
    n_rows : int
        Number of trips to make.
    seed : int
        Seed of the whole dataset.

    Returns
    -------
    pandas.DataFrame
        Columns ``trip_distance`` (miles), ``passenger_count``, ``pickup_hour``,
        ``fare_amount`` (dollars), ``payment_type`` (one of ``PAYMENT_TYPES``)
        and the target ``tipped`` (0 or 1), after a ``trip_id`` column. The
        index is a plain range: parquet files keep no index.

    Examples
    --------
    >>> trips = make_trips(10, 3, seed=0)
    >>> trips["trip_id"].tolist()
    [10, 11, 12]
    >>> trips.columns.tolist()[-2:]
    ['payment_type', 'tipped']
    """
    rng = np.random.default_rng([seed, start])
    distance = np.round(rng.lognormal(0.7, 0.75, n_rows).clip(0.1, 50.0), 2)
    passengers = rng.choice(np.arange(1, 7, dtype=np.int8), n_rows, p=_PASSENGER_SHARES)
    hour = rng.choice(_HOURS.astype(np.int8), n_rows, p=_HOUR_SHARES)
    fare = _fare(rng, distance, hour)
    payment = rng.choice(
        np.array(PAYMENT_TYPES, dtype=object), n_rows, p=_PAYMENT_SHARES
    )
    tipped = _tipped(rng, payment, fare, hour, passengers)
    columns = {
        TRIP_ID: np.arange(start, start + n_rows, dtype=np.int64),
        "trip_distance": distance,
        "passenger_count": passengers,
        "pickup_hour": hour,
        "fare_amount": fare,
        CATEGORICAL_COLUMN: pd.array(payment, dtype="str"),
        TARGET: tipped,
    }
    return pd.DataFrame(columns)


def _is_night(hour: np.ndarray) -> np.ndarray:
    return (hour >= 20) | (hour < 6)


def _fare(rng: np.random.Generator, distance: np.ndarray, hour: np.ndarray):
    """Flag fall, a rate per mile, time in traffic and a night surcharge."""
    traffic = rng.gamma(2.0, 1.5, distance.shape[0])
    fare = 3.0 + 2.5 * distance + traffic + 1.0 * _is_night(hour)
    return np.round(fare, 2)


def _tipped(
    rng: np.random.Generator,
    payment: np.ndarray,
    fare: np.ndarray,
    hour: np.ndarray,
    passengers: np.ndarray,
) -> np.ndarray:
    """Draw the target: card payers tip, cash tips go unrecorded, and so on."""
    logit = (
        -2.4
        + 3.6 * (payment == "credit")
        - 1.5 * (payment == "dispute")
        + 0.5 * np.log1p(fare)
        + 0.4 * _is_night(hour)
        - 0.15 * (passengers - 1)
    )
    chance = 1.0 / (1.0 + np.exp(-logit))
    return (rng.random(fare.shape[0]) < chance).astype(np.int8)


def encode_trips(trips: pd.DataFrame) -> pd.DataFrame:
    """Encode trips as numbers for a model that sees one block at a time.

    The numeric columns become float64 and the payment type one indicator
    column per kind in ``PAYMENT_TYPES`` (a fixed list, so every block gets the
    same columns); the target is kept as it is.

    Parameters
    ----------
    trips : pandas.DataFrame
        Trips as made by :func:`make_trips`.

    Returns
    -------
    pandas.DataFrame
        Columns ``ENCODED_FEATURES`` then ``TARGET``, on the same index
        (``trip_id`` is left out).

    Examples
    --------
    >>> encode_trips(make_trips(0, 2, seed=0)).shape
    (2, 9)
    """
    columns = {name: trips[name].astype(np.float64) for name in NUMERIC_COLUMNS}
    payment = trips[CATEGORICAL_COLUMN]
    for name, kind in zip(
        ENCODED_FEATURES[len(NUMERIC_COLUMNS) :], PAYMENT_TYPES, strict=True
    ):
        columns[name] = (payment == kind).astype(np.float64)
    columns[TARGET] = trips[TARGET]
    return pd.DataFrame(columns, index=trips.index)
