"""`otklik user disable|enable|delete|passwd|role|sessions revoke`: managing the web accounts
(`user add` and `user list` are in web.py; these join that group in cli/__init__._register).
Each is web/auth.manage_user, as the admins' page uses it, and is in the custody log."""

from __future__ import annotations

import sys

import click

from .base import EXIT_BAD_INPUT, fail


def _manage(obj, name: str, action: str, value: str = "") -> None:
    from ..web.auth import AccountError, manage_user

    try:
        click.echo(manage_user(obj.engine, name, action, value))
    except AccountError as e:
        fail(str(e), EXIT_BAD_INPUT)


@click.command("disable")
@click.argument("name")
@click.pass_obj
def user_disable(obj, name):
    """Stop an account from logging in and end its sessions (kept, and its labels with it).
    The last active admin cannot be disabled. Example: otklik user disable anna"""
    _manage(obj, name, "disable")


@click.command("enable")
@click.argument("name")
@click.pass_obj
def user_enable(obj, name):
    """Let a disabled account log in again. Example: otklik user enable anna"""
    _manage(obj, name, "enable")


@click.command("delete")
@click.argument("name")
@click.pass_obj
def user_delete(obj, name):
    """Delete an account and its sessions (its labels and custody entries stay, under its name).
    Example: otklik user delete anna"""
    _manage(obj, name, "delete")


@click.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of standard input.")
@click.pass_obj
def user_passwd(obj, name, password_stdin):
    """Set an account's password (asked for, or read with --password-stdin; at least 10
    characters) and end its sessions.

    \b
    Examples:
      otklik user passwd anna
      printf '%s\\n' "$PASSWORD" | otklik user passwd bot --password-stdin
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("new password", hide_input=True, confirmation_prompt=True)
    _manage(obj, name, "passwd", password)


@click.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["admin", "editor", "viewer"]))
@click.pass_obj
def user_role(obj, name, role):
    """Change an account's role and end its sessions (the last active admin keeps theirs).
    Example: otklik user role anna viewer"""
    _manage(obj, name, "role", role)


@click.group("sessions")
def sessions():
    """The login sessions of an account."""


@sessions.command("revoke")
@click.argument("name")
@click.pass_obj
def sessions_revoke(obj, name):
    """End every session of an account (logged in browsers must log in again).
    Example: otklik user sessions revoke anna"""
    _manage(obj, name, "revoke")


COMMANDS = (user_disable, user_enable, user_delete, user_passwd, user_role, sessions)
