"""Item 21: one data error report lists every kind of problem in the file, not only the first."""

from pathlib import Path

import pytest

from tradeplan.backtest.data import DataError, load_market_data


def test_every_kind_of_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(
        "time,open,high,low,close,spread\n"
        "2025-01-02T00:00:00Z,1.1,1.2,1.0,1.1,0.01\n"
        "2025-01-02T00:01:00Z,1.1,1.0,1.2,1.1,0.01\n"
        "2025-01-02T00:02:00Z,NaN,1.2,1.0,1.1,0.01\n"
        "2025-01-02T00:03:00Z,1.1,1.2,1.0,1.1,-0.01\n"
    )
    with pytest.raises(DataError) as caught:
        load_market_data(path)
    text = str(caught.value)
    assert ":3:" in text and "high 1 is below low 1.2" in text
    assert ":4:" in text and "not a number: 'NaN'" in text
    assert ":5:" in text and "spread -0.01 is negative" in text
    # the unreadable row is not also reported as a zero price
    assert "not positive" not in text
