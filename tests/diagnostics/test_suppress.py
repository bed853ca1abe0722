"""`# tradeplan: ignore[...]` comments: what they hide, and what they must never hide."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradeplan.diagnostics import CODES, Diagnostic, Span
from tradeplan.diagnostics.suppress import apply_suppressions, comment_start


def diag(code: str, line: int, col: int = 1) -> Diagnostic:
    info = CODES[code]
    return Diagnostic(code, info.name, info.severity, "message", Span("p.yaml", line, col))


def kept(source: str, *diagnostics: Diagnostic) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in apply_suppressions(source, diagnostics)]


def test_trailing_comment_suppresses_its_own_line() -> None:
    source = "grid:\n  stop_loss: none  # tradeplan: ignore[TP402]\n"
    assert kept(source, diag("TP402", 2), diag("TP402", 1)) == [("TP402", 1)]


def test_comment_alone_on_the_line_above_suppresses_the_next_line() -> None:
    source = "grid:\n  # tradeplan: ignore[TP402]\n  stop_loss: none\n  units: 1\n"
    assert kept(source, diag("TP402", 3), diag("TP402", 4)) == [("TP402", 4)]


def test_comment_two_lines_above_does_not_reach() -> None:
    source = "# tradeplan: ignore[TP402]\n\nstop_loss: none\n"
    assert kept(source, diag("TP402", 3)) == [("TP402", 3)]


def test_trailing_comment_on_the_line_above_does_not_reach_the_next_line() -> None:
    source = "side: buy  # tradeplan: ignore[TP402]\nstop_loss: none\n"
    assert kept(source, diag("TP402", 2)) == [("TP402", 2)]


def test_only_the_named_code_is_suppressed() -> None:
    source = "sizing: {risk: 5%}  # tradeplan: ignore[TP402]\n"
    assert kept(source, diag("TP402", 1), diag("TP403", 1)) == [("TP403", 1)]


def test_comma_separated_codes_names_and_any_case() -> None:
    source = "x: 1  # tradeplan: ignore[TP402,  risk-above-two-percent , tp307]\n"
    found = kept(source, diag("TP402", 1), diag("TP403", 1), diag("TP307", 1), diag("TP308", 1))
    assert found == [("TP308", 1)]


def test_a_reason_may_follow_the_directive() -> None:
    source = "# tradeplan: ignore[no-stop-loss]   the range itself is the stop\nstop_loss: none\n"
    assert kept(source, diag("TP402", 2)) == []


def test_code_name_alone() -> None:
    assert kept("x: 1 # tradeplan: ignore[no-stop-loss]\n", diag("TP402", 1)) == []


def test_spacing_inside_the_directive_is_free() -> None:
    assert kept("x: 1 #tradeplan:ignore[TP402]\n", diag("TP402", 1)) == []
    assert kept("x: 1 #   TradePlan:   ignore[TP402]\n", diag("TP402", 1)) == []


def test_ignore_file_covers_every_line() -> None:
    source = "tradeplan: 1\nname: x\n# tradeplan: ignore-file[TP402, TP501]\n"
    found = kept(source, diag("TP402", 1), diag("TP402", 40), diag("TP501", 9), diag("TP403", 2))
    assert found == [("TP403", 2)]


def test_syntax_and_internal_errors_cannot_be_suppressed() -> None:
    source = (
        "# tradeplan: ignore-file[TP001, TP004, TP901, yaml-syntax]\n"
        "a: [  # tradeplan: ignore[TP001, TP002, TP003, TP901]\n"
    )
    diagnostics = (diag("TP001", 2), diag("TP004", 1), diag("TP003", 2), diag("TP901", 2))
    assert kept(source, *diagnostics) == [("TP001", 2), ("TP004", 1), ("TP003", 2), ("TP901", 2)]


def test_hash_inside_a_double_quoted_string_is_not_a_comment() -> None:
    source = 'name: "a # tradeplan: ignore[TP402]"\n'
    assert kept(source, diag("TP402", 1)) == [("TP402", 1)]


def test_hash_inside_a_single_quoted_string_with_escaped_quote_is_not_a_comment() -> None:
    source = "name: 'it''s # tradeplan: ignore[TP402]'\n"
    assert kept(source, diag("TP402", 1)) == [("TP402", 1)]


def test_comment_after_a_quoted_string_counts() -> None:
    source = 'when: "close > 1 # not a comment" # tradeplan: ignore[TP402]\n'
    assert kept(source, diag("TP402", 1)) == []


def test_escaped_quote_inside_double_quotes() -> None:
    source = 'name: "say \\"# tradeplan: ignore[TP402]\\""\n'
    assert kept(source, diag("TP402", 1)) == [("TP402", 1)]


def test_hash_glued_to_a_plain_yaml_word_is_not_a_comment() -> None:
    assert kept("name: a#tradeplan: ignore[TP402]\n", diag("TP402", 1)) == [("TP402", 1)]


def test_apostrophe_in_a_plain_word_does_not_open_a_string() -> None:
    source = "note: don't stop # tradeplan: ignore[TP402]\n"
    assert kept(source, diag("TP402", 1)) == []


def test_unclosed_quote_does_not_hide_the_comment() -> None:
    assert kept("note: 'tis so # tradeplan: ignore[TP402]\n", diag("TP402", 1)) == []


def test_text_form_comments() -> None:
    source = (
        'strategy "grid # tradeplan: ignore[TP402]" on USD/JPY\n'
        "grid buy from 105 to 115 step 50 pips units 1000 {  # tradeplan: ignore[TP402]\n"
        "    # tradeplan: ignore[TP307]\n"
        "    counter +50 pips\n"
        "}\n"
    )
    found = kept(source, diag("TP402", 1), diag("TP402", 2), diag("TP307", 4))
    assert found == [("TP402", 1)]


def test_unknown_codes_and_empty_brackets_are_not_errors() -> None:
    source = "a: 1  # tradeplan: ignore[TP999, nonsense, ]\nb: 2  # tradeplan: ignore[]\n"
    assert kept(source, diag("TP402", 1), diag("TP402", 2)) == [("TP402", 1), ("TP402", 2)]


def test_bare_ignore_without_codes_suppresses_nothing() -> None:
    assert kept("a: 1  # tradeplan: ignore\n", diag("TP402", 1)) == [("TP402", 1)]


def test_two_directives_in_one_comment() -> None:
    source = "a: 1  # tradeplan: ignore[TP402]  tradeplan: ignore-file[TP501]\n"
    assert kept(source, diag("TP402", 1), diag("TP501", 7), diag("TP403", 1)) == [("TP403", 1)]


def test_crlf_line_endings() -> None:
    source = "a: 1\r\n# tradeplan: ignore[TP402]\r\nb: 2\r\n"
    assert kept(source, diag("TP402", 3)) == []


def test_order_of_remaining_diagnostics_is_kept() -> None:
    source = "a: 1  # tradeplan: ignore[TP403]\n"
    diagnostics = [diag("TP501", 9), diag("TP403", 1), diag("TP402", 1), diag("TP101", 2)]
    assert kept(source, *diagnostics) == [("TP501", 9), ("TP402", 1), ("TP101", 2)]


def test_comment_start() -> None:
    assert comment_start("# x") == 0
    assert comment_start("a: 1 # x") == 5
    assert comment_start("a: 1") is None
    assert comment_start("url: http://x/#frag") is None
    assert comment_start("t: ['#', \"#\"] # c") == 14


@given(
    source=st.lists(st.sampled_from([*"ab #'\"\\[],:\n\t", "tradeplan: ignore["])).map("".join),
    lines=st.lists(st.integers(-2, 12), max_size=6),
)
def test_never_raises_and_returns_a_subsequence(source: str, lines: list[int]) -> None:
    diagnostics = [diag(code, line) for line in lines for code in ("TP402", "TP001")]
    out = apply_suppressions(source + "TP402]", diagnostics)
    assert [d for d in diagnostics if d in out] == out
    assert all(d in out for d in diagnostics if d.code == "TP001")
