"""`otklik serve` and `otklik user add`: the web workspace's commands (wired into cli.py)."""

from __future__ import annotations

import sys

import click

from .base import fail


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default is this computer only; anything else exposes the workspace.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--secure-cookies", is_flag=True, envvar="OTKLIK_SECURE_COOKIES",
              help="Mark session cookies Secure (set this when a TLS proxy serves the workspace over HTTPS).")
@click.option("--max-upload-mb", default=512, show_default=True, type=int, help="Largest upload accepted, in MB.")
@click.pass_obj
def serve(obj, host, port, secure_cookies, max_upload_mb):
    """Run the web workspace for editors (log in with an account from `otklik user add`).

    \b
    Example:
      otklik user add anna --role editor
      otklik serve --port 8000        # then open http://127.0.0.1:8000/
    """
    import uvicorn

    from ..web import auth
    from ..web.app import create_app

    if not auth.list_users(obj.engine):
        click.echo("no accounts yet: create one with `otklik user add NAME --role admin`", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: other computers can reach this workspace", err=True)
    try:  # [web] trusted_proxies (X-Forwarded-For only from these) and allowed_hosts (other Host headers: 400)
        app = create_app(obj.home, secure_cookies=secure_cookies, max_upload_bytes=max_upload_mb * 1024 * 1024,
                         trusted_proxies=obj.config.get("web.trusted_proxies", ()), allowed_hosts=obj.config.get("web.allowed_hosts"))
    except ValueError as e:
        fail(str(e))
    click.echo(f"otklik web workspace for {obj.home} on http://{host}:{port}/", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)


@click.group("user")
def user():
    """Accounts of the web workspace."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "editor", "viewer"]),
              help="viewer reads; editor also labels, edits themes and reports, imports, analyses, exports; "
                   "admin also manages accounts.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_obj
def user_add(obj, name, role, password_stdin):
    """Add a web account (the password is asked for, or read with --password-stdin).

    \b
    Examples:
      otklik user add anna --role editor
      printf '%s\\n' "$PASSWORD" | otklik user add bot --role viewer --password-stdin
    """
    from ..web.auth import AccountError, add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        u = add_user(obj.engine, name, role, password)
    except AccountError as e:
        fail(str(e))
    click.echo(f"added user {u['name']!r} ({u['role']}) to {obj.home}")


@user.command("list")
@click.pass_obj
def user_list(obj):
    """List the web accounts. Example: otklik user list"""
    from ..web.auth import list_users

    for u in list_users(obj.engine):
        click.echo(f"{u['name']:<20} {u['role']:<8} created {u['created_at']}{'  DISABLED' if u['disabled'] else ''}")
