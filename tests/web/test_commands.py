"""`otklik user add` and `otklik serve` as click commands over the CLI's Ctx (wired into cli.py)."""

import click
from click.testing import CliRunner

from otklik.cli import Ctx
from otklik.web import auth
from otklik.cli.web import serve, user


def cli(home):
    @click.group()
    @click.pass_context
    def main(ctx):
        ctx.obj = Ctx(home)
    main.add_command(user)
    main.add_command(serve)
    return main


def test_user_add_from_stdin_and_prompt(home):
    runner = CliRunner()
    r = runner.invoke(cli(home), ["user", "add", "anna", "--role", "editor", "--password-stdin"],
                      input="a long enough password\n")
    assert r.exit_code == 0, r.output
    assert "added user 'anna' (editor)" in r.output
    r = runner.invoke(cli(home), ["user", "add", "boris", "--role", "viewer"], input="another password\nanother password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli(home), ["user", "add", "anna", "--role", "admin", "--password-stdin"], input="xxxxxxxxxxxxx\n")
    assert r.exit_code == 1 and "already exists" in r.output
    r = runner.invoke(cli(home), ["user", "add", "c", "--role", "admin", "--password-stdin"], input="short\n")
    assert r.exit_code == 1 and "at least 10 characters" in r.output
    r = runner.invoke(cli(home), ["user", "list"])
    assert "anna" in r.output and "boris" in r.output
    engine = Ctx(home).engine
    assert auth.authenticate(engine, "anna", "a long enough password")["role"] == "editor"
    assert auth.authenticate(engine, "anna", "wrong") is None
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM web_user WHERE name='anna'").scalar()
    assert stored.startswith("scrypt$") and "a long enough password" not in stored


def test_serve_defaults_to_localhost(home):
    r = CliRunner().invoke(cli(home), ["serve", "--help"])
    assert r.exit_code == 0 and "otklik serve --port 8000" in r.output
    defaults = {p.name: p.default for p in serve.params}
    assert defaults["host"] == "127.0.0.1" and defaults["port"] == 8000
