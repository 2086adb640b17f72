"""Plot how the models of an adaptive search scored as they trained."""

from __future__ import annotations

from typing import Any

from scalearn.utils._validation import param_error


def plot_history(search: Any, ax: Any = None, *, highlight_best: bool = True) -> Any:
    """Score versus ``partial_fit`` calls, one line per model of a fitted search.

    Parameters
    ----------
    search : fitted adaptive search
        IncrementalSearchCV, InverseDecaySearchCV, SuccessiveHalvingSearchCV
        or HyperbandSearchCV (anything with ``model_history_``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    highlight_best : bool, default=True
        Draw the best model's line thick, labelled ``'best model'``.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from scalearn.model_selection import IncrementalSearchCV, plot_history
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> search = IncrementalSearchCV(
    ...     SGDClassifier(), {"alpha": [1e-4, 1.0]}, n_initial_parameters="grid",
    ...     max_iter=3, random_state=0,
    ... ).fit(X, y, classes=[0, 1])
    >>> len(plot_history(search).get_lines())
    2
    """
    if not hasattr(search, "model_history_"):
        raise param_error(
            "plot_history",
            "search",
            type(search).__name__,
            "a fitted adaptive search (with model_history_)",
            "call search.fit(X, y) first",
        )
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is in the test extra
        raise ImportError(
            "plot_history needs matplotlib: pip install 'scalearn[plot]'"
        ) from exc
    if ax is None:
        _, ax = plt.subplots()
    best_id = search.cv_results_["model_id"][search.best_index_]
    for ident, records in search.model_history_.items():
        calls = [r["partial_fit_calls"] for r in records]
        scores = [r["score"] for r in records]
        if highlight_best and ident == best_id:
            ax.plot(calls, scores, marker="o", linewidth=2.5, label="best model")
        else:
            ax.plot(calls, scores, marker=".", linewidth=0.8, alpha=0.6)
    ax.set_xlabel("partial_fit calls")
    ax.set_ylabel("score on the held-out set")
    ax.set_title(type(search).__name__)
    if highlight_best:
        ax.legend()
    return ax
