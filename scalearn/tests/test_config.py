import threading

import pytest

import scalearn


def test_defaults_and_context():
    assert scalearn.get_config()["read_ahead"] == 2
    with scalearn.config_context(read_ahead=5, progress_bar=True):
        assert scalearn.get_config() == {"read_ahead": 5, "progress_bar": True}
    assert scalearn.get_config()["read_ahead"] == 2


def test_set_config_is_thread_local():
    scalearn.set_config(read_ahead=7)
    try:
        seen = []
        thread = threading.Thread(target=lambda: seen.append(scalearn.get_config()))
        thread.start()
        thread.join()
        assert seen[0]["read_ahead"] == 2
        assert scalearn.get_config()["read_ahead"] == 7
    finally:
        scalearn.set_config(read_ahead=2)


def test_bad_options_are_clear():
    with pytest.raises(
        ValueError, match=r"'read_ahead' option .* integer >= 0.*Got -1"
    ):
        scalearn.set_config(read_ahead=-1)
    with pytest.raises(ValueError, match="'progress_bar' option"):
        scalearn.set_config(progress_bar="sometimes")
    with (
        pytest.raises(TypeError, match="unknown option 'colour'"),
        scalearn.config_context(colour=1),
    ):
        pass


def test_progress_bar_reports_when_enabled(capsys):
    from scalearn.utils._progress import progress_bar

    with scalearn.config_context(progress_bar=False):
        bar = progress_bar(3, "quiet")
        bar.update(3)
        bar.close()
    assert capsys.readouterr().err == ""
    with scalearn.config_context(progress_bar=True):
        bar = progress_bar(3, "loud")
        bar.update(3)
        bar.close()
    assert "loud" in capsys.readouterr().err


def test_version():
    assert scalearn.__version__.count(".") == 2
