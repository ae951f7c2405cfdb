"""Accounts in the web workspace (admins only): add, disable/enable, delete, change role, reset
password, end a user's sessions. The work is auth.add_user / auth.manage_user, each in the custody log."""

from __future__ import annotations

from starlette.routing import Route

from . import auth


def routes(site) -> list[Route]:

    @site.page("admin")
    def users_page(request, user, form):
        if request.method == "POST":
            try:
                auth.add_user(site.engine, str(form.get("name", "")), str(form.get("role", "")),
                              str(form.get("password", "")), by=user.actor)
                site.flash(user, f"added user {form.get('name')!r} ({form.get('role')})")
            except auth.AccountError as e:
                site.flash(user, f"error: {e}")
            return site.back("/users")
        return site.render(request, user, "users.html", users=auth.list_users(site.reader), roles=auth.ROLES)

    @site.page("admin")
    def user_manage(request, user, form):
        name, action = str(form.get("name", "")), str(form.get("action", ""))
        value = {"role": str(form.get("role", "")), "passwd": str(form.get("password", ""))}.get(action, "")
        try:
            site.flash(user, auth.manage_user(site.engine, name, action, value, by=user.actor))
        except auth.AccountError as e:
            site.flash(user, f"error: {e}")
        return site.back("/users")

    return [Route("/users", users_page, methods=["GET", "POST"]),
            Route("/users/manage", user_manage, methods=["POST"])]
