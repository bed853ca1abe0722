"""`tradeplan size`, driven through an argparse parser built the way the main CLI builds it."""

from __future__ import annotations

import argparse
import json
import shlex

import pytest

from tradeplan.cli import size_cmd
from tradeplan.cli.main import main


def words(text: str) -> list[str]:
    return shlex.split(text)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tradeplan")
    subparsers = parser.add_subparsers(dest="command")
    size_cmd.add_parser(subparsers)
    args = parser.parse_args(["size", *argv])
    assert args.func is size_cmd.run
    code: int = size_cmd.run(args)
    return code


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert run([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("argv", "units"),
    [
        (words("--balance 500000 --risk 2% --stop 20 --pip 0.01"), 50_000),
        (
            words("--balance 500000 --risk 2% --stop 20 --pip 0.0001 --rate 105"),
            47_619,
        ),
        (
            words("--balance 500000 --risk 0.02 --stop 20 --symbol EUR/JPY --rate 1/128"),
            6_400_000,
        ),
        (
            words("--balance 98891.66 --risk 2% --stop 10 --pip 0.0001 --rate 1.38392"),
            1_429_152,
        ),
    ],
)
def test_semantics_rows_on_the_command_line(
    argv: list[str], units: int, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(argv, capsys)
    assert data["units"] == units
    assert data["capped"] is False
    assert data["min_stop_pips"] is None


def test_capped_json_has_capped_and_min_stop(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        words(
            "--balance 98891.66 --risk 2% --stop 10 --pip 0.01 "
            "--rate 0.00920251 --leverage 20 --base-rate 1"
        ),
        capsys,
    )
    assert data["units"] == 1_977_833
    assert data["uncapped_units"] == 2_149_232
    assert data["capped"] is True
    assert data["cap"] == 1_977_833
    assert data["min_stop_pips"] == 11
    assert data["units_at_min_stop"] == 1_953_847
    assert data["risk_amount"] == "1977.8332"  # non-integral decimals are strings


def test_usd_jpy_cap_from_issue(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        words("--balance 98891.66 --risk 2% --stop 10 --pip 0.01 --rate 0.009226795 --leverage 20"),
        capsys,
    )
    assert (data["uncapped_units"], data["units"]) == (2_143_575, 1_977_833)


def test_units_available_and_step(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        words(
            "--balance 500000 --risk 2% --stop 20 --pip 0.0001 "
            "--rate 105 --step 1000 --units-available 30500"
        ),
        capsys,
    )
    assert data["uncapped_units"] == 47_000
    assert data["units"] == 30_000
    assert data["capped"] is True


def test_text_output_explains_the_arithmetic(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--balance", "500000", "--risk", "2%", "--stop", "20", "--pip", "0.0001"]
    assert run([*argv, "--rate", "105", "--currency", "JPY"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Size: 47,619 units."
    assert "500,000 JPY x 2% = 10,000 JPY" in out
    assert "10,000 / 105" in out
    assert "within the 10,000 JPY budget" in out


def test_text_output_when_capped(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--balance", "98891.66", "--risk", "2%", "--stop", "10", "--pip", "0.01"]
    assert run([*argv, "--rate", "0.00920251", "--leverage", "20"]) == 0
    out = capsys.readouterr().out
    assert "capped by margin" in out
    assert "at least 11 pips" in out
    assert "1,953,847 units" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--risk", "abc"], "--risk: 'abc' is not a percentage; write 2% or 0.02"),
        (["--risk", "2"], "--risk 2 would risk 200% of the balance; write 2% for 2 percent"),
        (["--risk", "150%"], "--risk 150% is more than the whole balance"),
        (["--risk", "0%"], "--risk must be greater than 0"),
        (["--stop", "-20"], "--stop must be greater than 0, got -20"),
        (["--stop", "ten"], "--stop: 'ten' is not a number"),
        (["--balance", "0"], "--balance must be greater than 0"),
        (["--pip", "0"], "--pip must be greater than 0"),
        (["--rate", "1/0"], "--rate: '1/0' is not a fraction of two positive numbers"),
        (["--leverage", "-5"], "--leverage must be greater than 0"),
        (["--step", "0"], "--step must be greater than 0"),
        (["--units-available", "-1"], "units available must not be negative"),
        (["--pip", None], "give the pip size with --pip"),
        (["--pip", None, "--symbol", "US.NVDA"], "is not an FX pair"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(
    argv: list[str | None], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = {"--balance": "500000", "--risk": "2%", "--stop": "20", "--pip": "0.01"}
    extra: list[str] = []
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        assert flag is not None
        if value is None:
            base.pop(flag)
        elif flag in base:
            base[flag] = value
        else:
            extra += [flag, value]
    args = [item for pair in base.items() for item in pair] + extra
    assert run(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("tradeplan size: error: ")
    assert message in lines[0]


def test_missing_required_option_is_an_argparse_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        run(["--risk", "2%", "--stop", "20", "--pip", "0.01"])
    assert exc.value.code == 2


@pytest.mark.parametrize("flag", ["--balance", "--risk", "--stop", "--pip", "--rate", "--step"])
@pytest.mark.parametrize("value", ["1e999999", "1e23", "1e-300"])
def test_size_with_absurd_numbers_is_a_one_line_usage_error(
    capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    args = {"--balance": "500000", "--risk": "2%", "--stop": "20", "--pip": "0.01"}
    args[flag] = value
    argv = ["size", *[part for pair in args.items() for part in pair]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "TP901" not in err
    assert flag in err
    assert err.count("\n") == 1
