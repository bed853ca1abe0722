"""A strategy file never holds a secret: the linter refuses a secret-looking key (TP108) or a
token-like value, never quotes the value back (its excerpt stars it out, in every output
format), and `tradeplan run` refuses such a file before anything starts or is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_harness import ROOT

from tradeplan.cli.main import main

VALUE = "hunter2-Xq9"  # short and plain: only the key says it is a secret
TOKEN = "Zx8fQ2mLp0aB7cD9eF1gH3iJ5kL7mN9oP4q"  # long and random: the value alone says it
GRID = (ROOT / "strategies" / "usdjpy-grid.yaml").read_text("utf-8")
BROKER = "broker: paper                 # paper | oanda | binance | futu; connection settings never live here\n"


def with_broker(tmp_path: Path, broker: str, name: str = "s.yaml") -> Path:
    assert BROKER in GRID
    path = tmp_path / name
    path.write_text(GRID.replace(BROKER, broker), encoding="utf-8")
    return path


def lint(capsys: pytest.CaptureFixture[str], path: Path, *flags: str) -> tuple[int, str]:
    code = main(["lint", *flags, str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    "key",
    [
        "api_key",
        "apikey",
        "api_secret",
        "secret",
        "oanda_token",
        "access_token",
        "password",
        "trade_password_md5",
        "private_key",
    ],
)
@pytest.mark.parametrize("output", ["human", "json", "github", "sarif"])
def test_a_secret_looking_key_is_refused_and_its_value_never_shown(
    key: str, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_broker(tmp_path, f"broker:\n  name: paper\n  {key}: {VALUE}\n")
    code, text = lint(capsys, path, "--format", output)
    assert code == 1
    assert "TP108" in text and key in text
    assert VALUE not in text


def test_a_secret_at_the_top_level_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_broker(tmp_path, f"{BROKER}binance_api_secret: '{VALUE}'\n")
    code, text = lint(capsys, path)
    assert code == 1 and "TP108 `binance_api_secret` looks like a secret" in text
    assert VALUE not in text


def test_a_token_like_value_is_refused_whatever_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_broker(tmp_path, f"{BROKER}description: {TOKEN}\n")
    code, text = lint(capsys, path)
    assert code == 1 and "TP108" in text
    assert TOKEN not in text


def test_the_text_form_refuses_a_secret_as_the_yaml_form_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "strategies" / "usdjpy-grid.tp").read_text("utf-8")
    path = tmp_path / "s.tp"
    path.write_text(text.replace("tradeplan 1\n", f'tradeplan 1\napi_key "{VALUE}"\n'), "utf-8")
    code, out = lint(capsys, path)
    assert code == 1 and "TP108 `api_key` looks like a secret" in out
    assert VALUE not in out


def test_run_refuses_a_file_with_a_secret_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_broker(tmp_path, f"broker:\n  name: paper\n  api_key: {VALUE}\n")
    state = tmp_path / "state"
    feed = ROOT / "data" / "usdjpy_1m_2025.csv.gz"
    code = main(["run", str(path), "--feed", str(feed), "--state", str(state)])
    captured = capsys.readouterr()
    assert code == 1
    assert "TP108" in captured.err and VALUE not in captured.err + captured.out
    assert not state.exists()


def test_json_output_names_the_secret_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_broker(tmp_path, f"broker:\n  name: paper\n  api_key: {VALUE}\n")
    code, text = lint(capsys, path, "--format", "json")
    found = json.loads(text)["diagnostics"]
    assert code == 1 and [d["name"] for d in found if d["code"] == "TP108"] == ["secret-in-file"]


def test_a_secret_in_a_flow_mapping_is_not_quoted_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_broker(tmp_path, f"broker: {{name: paper, api_key: {VALUE}}}\n")
    code, text = lint(capsys, path)
    assert code == 1 and "TP108" in text
    assert VALUE not in text


@pytest.mark.parametrize("key", ["passphrase", "api_passphrase", "credentials", "access_key"])
def test_other_secret_words_are_refused_as_secrets(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_broker(tmp_path, f"broker:\n  name: paper\n  {key}: {VALUE}\n")
    code, text = lint(capsys, path)
    assert code == 1 and "TP108" in text
    assert VALUE not in text
