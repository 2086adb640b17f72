import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import preprocessing as sk

from scalearn.preprocessing import BlockTransformer, PolynomialFeatures
from scalearn.preprocessing.tests._parity import KINDS, check_parity, dense


@pytest.fixture
def X():
    return np.random.default_rng(4).normal(size=(600, 3))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "options", [{}, {"degree": 3, "interaction_only": True, "include_bias": False}]
)
def test_polynomial_features_equal_sklearn(X, kind, options):
    out = check_parity(
        PolynomialFeatures(**options),
        sk.PolynomialFeatures(**options),
        X,
        kind,
        ("n_output_features_", "powers_"),
    )
    if kind == "dask_frame":
        assert list(out.columns) == list(
            sk.PolynomialFeatures(**options)
            .fit(pd.DataFrame(X, columns=["f0", "f1", "f2"]))
            .get_feature_names_out()
        )


def test_polynomial_features_read_no_dask_data(X, count_computes):
    Xd = da.from_array(X, chunks=100)
    with count_computes() as counter:
        out = PolynomialFeatures().fit_transform(Xd)
    assert counter.count == 0
    assert out.shape == (600, 10)


def test_block_transformer_on_every_container(X):
    frame = pd.DataFrame(X, columns=list("abc"))
    expected = np.log1p(np.abs(X))

    def log_abs(block, offset):
        return np.log1p(np.abs(block)) + offset

    for data in (
        X,
        frame,
        da.from_array(X, chunks=150),
        dd.from_pandas(frame, npartitions=3),
    ):
        out = BlockTransformer(log_abs, offset=0.0).fit_transform(data)
        assert type(out).__module__.split(".")[0] == type(data).__module__.split(".")[0]
        np.testing.assert_allclose(dense(out), expected)
    lazy = BlockTransformer(np.abs).fit_transform(da.from_array(X, chunks=150))
    assert lazy.chunks[0] == (150,) * 4


def test_block_transformer_keeps_extra_keywords_through_clone():
    from sklearn.base import clone

    transformer = BlockTransformer(np.round, decimals=1)
    assert transformer.kw_args == {"decimals": 1}
    assert clone(transformer).kw_args == {"decimals": 1}
    out = clone(transformer).fit_transform(np.array([[1.234]]))
    np.testing.assert_array_equal(out, [[1.2]])


def test_block_transformer_validate_checks_metadata_only():
    text = dd.from_pandas(pd.DataFrame({"a": ["x", "y"]}), npartitions=1)
    with pytest.raises(ValueError, match="not numeric"):
        BlockTransformer(validate=True).fit(text)
    fitted = BlockTransformer(validate=True).fit(da.zeros((4, 3), chunks=2))
    with pytest.raises(ValueError, match="X has 2 features"):
        fitted.transform(da.zeros((4, 2), chunks=2))


def test_searches_clone_and_fit_our_transformers(X):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV as SkGridSearchCV
    from sklearn.pipeline import make_pipeline

    from scalearn.impute import SimpleImputer
    from scalearn.model_selection import GridSearchCV
    from scalearn.preprocessing import RobustScaler

    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    pipe = make_pipeline(
        SimpleImputer(), RobustScaler(), PolynomialFeatures(), LogisticRegression()
    )
    grid = {"polynomialfeatures__degree": [1, 2]}
    ours = GridSearchCV(pipe, grid, cv=3).fit(da.from_array(X, chunks=200), y)
    theirs = SkGridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert ours.best_params_ == theirs.best_params_ == {"polynomialfeatures__degree": 2}
    np.testing.assert_allclose(ours.best_score_, theirs.best_score_)
