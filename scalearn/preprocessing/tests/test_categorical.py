import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_get_params_invariance

from scalearn.preprocessing import Categorizer, DummyEncoder


@pytest.fixture
def df():
    rng = np.random.default_rng(8)
    n = 400
    return pd.DataFrame(
        {
            "pay": pd.Series(rng.choice(["cash", "card", "none"], n), dtype="str"),
            "fare": rng.normal(10, 2, n),
            "zone": rng.choice(["z1", "z2"], n).astype(object),
        }
    )


def test_categorizer_on_dask_equals_pandas(df, count_computes):
    ddf = dd.from_pandas(df, npartitions=4)
    with count_computes() as counter:
        ours = Categorizer().fit(ddf)
    assert counter.count == 1
    expected = Categorizer().fit(df)
    assert list(ours.columns_) == ["pay", "zone"]
    assert ours.categories_ == expected.categories_
    assert list(ours.categories_["pay"].categories) == ["card", "cash", "none"]
    out = ours.transform(ddf)
    assert out.pay.cat.known
    pd.testing.assert_frame_equal(out.compute(), expected.transform(df))


def test_categorizer_given_categories_reads_nothing(df, count_computes):
    ddf = dd.from_pandas(df, npartitions=4)
    categories = {"pay": (["cash", "card", "none"], True)}
    with count_computes() as counter:
        ct = Categorizer(categories=categories).fit(ddf)
    assert counter.count == 0
    assert ct.categories_["pay"].ordered
    check_get_params_invariance("Categorizer", ct)


def test_dummy_encoder_after_categorizer_on_dask(df):
    ddf = dd.from_pandas(df, npartitions=4)
    pipe = make_pipeline(Categorizer(), DummyEncoder(drop_first=True))
    out = pipe.fit_transform(ddf)
    assert isinstance(out, dd.DataFrame)
    expected = pd.get_dummies(
        Categorizer().fit_transform(df), columns=["pay", "zone"], drop_first=True
    )
    pd.testing.assert_frame_equal(out.compute(), expected)
    encoder = pipe[-1]
    assert list(encoder.transformed_columns_) == list(expected.columns)
    back = encoder.inverse_transform(out).compute()
    pd.testing.assert_frame_equal(back, Categorizer().fit_transform(df))
    back_pandas = encoder.inverse_transform(expected)
    pd.testing.assert_frame_equal(back_pandas, Categorizer().fit_transform(df))


def test_dummy_encoder_needs_known_categories(df):
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(ValueError, match="Run Categorizer first"):
        DummyEncoder(columns=["pay"]).fit(ddf)
    with pytest.raises(TypeError, match="must be a pandas or dask DataFrame"):
        DummyEncoder().fit(np.zeros((2, 2)))
