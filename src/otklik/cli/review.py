"""`otklik review` (the editor's check of the machine's stance) and `otklik bench review`.

Thin click commands over `analysis.review`; they expect the CLI's context object (`.engine`).
"""

from __future__ import annotations

import json
import sys

import click

from .base import EXIT_BAD_INPUT, fail

KEYS = {"1": 1, "2": 0, "3": -1, "0": None}
STANCE_WORDS = {1: "supportive", 0: "neutral", -1: "hostile", None: "not about the case"}




def _read_key() -> str:
    """One keystroke from the terminal (no Enter) when stdin is a tty; else one line."""
    if sys.stdin.isatty():
        import termios
        import tty

        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            ch = sys.stdin.read(1)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)
        click.echo(ch)
        return ch
    line = sys.stdin.readline()
    return line.strip()[:1] if line else "q"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def estimate_line(e: dict) -> str:
    s, a = e["by_comments"]["supportive"], e["by_authors"]["supportive"]
    how = (f"{e['n_draws']} queue draw(s), {e['n_checked']} comment(s) checked" if e["n_draws"]
           else f"machine's unchecked estimate, ±{_pct(e['documented_error'])} documented error")
    return (f"supportive: {_pct(a['share'])} of people ({_pct(a['low'])}–{_pct(a['high'])}), "
            f"{_pct(s['share'])} of comments ({_pct(s['low'])}–{_pct(s['high'])}); {how}")


@click.command("review")
@click.option("--case", "case_name", required=True)
@click.option("--next", "n_next", type=int, default=None,
              help="Print the next N questions instead of asking interactively (answers: `otklik label`).")
@click.option("--json", "as_json", is_flag=True, help="With --next: print {\"questions\": [...], \"estimate\": {...}}.")
@click.option("--user", default=None, help="Whose answers these are (default: the OS user).")
@click.pass_obj
def review(obj, case_name, n_next, as_json, user):
    """Check the machine's stance on the comments that matter most for the reported shares.

    One keystroke per comment: 1 supportive, 2 neutral, 3 hostile, 0 not about the case,
    s skip (this person's draw is left out), q quit. Each answer adapts the case's model at
    once and narrows the interval of the shares the report states.

    \b
    Examples:
      otklik review --case movlaev
      otklik review --case movlaev --next 5 --json
      otklik label --case movlaev 17912345678 --stance +1   # answers a pending question
    """
    from ..analysis import review as rv
    from ..cases import CaseError

    try:
        if n_next is not None:
            if n_next < 1:
                fail("--next must be at least 1", EXIT_BAD_INPUT)
            qs = rv.next_questions(obj.engine, case_name, n_next)
            with obj.engine.begin() as conn:
                e = rv.current_estimate(conn, case_name)
            if as_json:
                click.echo(json.dumps({"questions": qs, "estimate": e}, ensure_ascii=False, indent=2))
            else:
                for q in qs:
                    click.echo(f"{q['platform_id']}  [{STANCE_WORDS[q['machine_stance']]} {q['confidence']:.2f}]  "
                               f"{q['author'] or '?'}: {q['text']}")
                click.echo(estimate_line(e))
            return
        _interactive(obj.engine, case_name, user)
    except (CaseError, ValueError) as e:
        fail(str(e))


def _interactive(engine, case_name: str, user) -> None:
    from ..analysis import review as rv

    answered = 0
    with engine.begin() as conn:
        click.echo(estimate_line(rv.current_estimate(conn, case_name)))
    while True:
        qs = rv.next_questions(engine, case_name, 1)
        if not qs:
            click.echo("every comment of the case is labelled: the shares are exact")
            break
        q = qs[0]
        click.echo("")
        click.echo(f"{q['author'] or '?'} · {q['published_at'] or ''} · comment {q['platform_id']}")
        click.echo(q["text"])
        click.echo(f"machine: {STANCE_WORDS[q['machine_stance']]} (confidence {q['confidence']:.2f})")
        click.echo("1 supportive  2 neutral  3 hostile  0 not about the case  s skip  q quit > ", nl=False)
        key = _read_key().lower()
        if key == "q":
            break
        if key == "s":
            rv.skip(engine, case_name, q["draw"])
            click.echo("skipped (this person's draw is left out of the estimate)")
            continue
        if key not in KEYS:
            click.echo(f"unknown key {key!r}")
            continue
        e = rv.answer(engine, case_name, q["platform_id"], KEYS[key], user)
        answered += 1
        click.echo(estimate_line(e))
    click.echo(f"{answered} answer(s) recorded; reports use them from now on")


@click.command("review")
@click.option("--comments", "n", default=10_000, show_default=True)
@click.option("--answers", default=30, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), default="bench-data", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_review(n, answers, data_dir, as_json):
    """Time from one review answer to the next question on a generated, analysed case (target < 300 ms).

    \b
    Example:
      otklik bench review --comments 10000
    """
    from pathlib import Path

    from ..bench.review import bench_review as run

    res = run(n, answers, Path(data_dir), echo=(lambda m: None) if as_json else click.echo)
    if as_json:
        click.echo(json.dumps(res, indent=2))
    else:
        click.echo(f"review: one answer -> next question {res['median_ms']:.0f} ms median "
                   f"(p90 {res['p90_ms']:.0f} ms, {res['answers']} answers, {res['comments']:,} comments; target < 300 ms)")
