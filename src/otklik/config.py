"""The configuration: one table, read by every command (through the CLI's Ctx) and the web.

Sources, lowest precedence first; each value remembers where it came from (`otklik config show`):

1. built-in defaults;
2. the user file, ``$XDG_CONFIG_HOME/otklik/config.toml`` (default ``~/.config/otklik/config.toml``);
3. the workspace's own file, ``<workspace>/otklik.toml``;
4. environment variables: ``OTKLIK_HOME`` (workspace), ``OTKLIK_TRANSLATOR`` (translator.engine),
   ``OTKLIK_STANCE_BACKEND`` (stance.backend), ``OTKLIK_STYLE_RU`` / ``OTKLIK_STYLE_EN`` (style.ru/en),
   and for any other value ``OTKLIK__SECTION__KEY`` (double underscores), e.g.
   ``OTKLIK__TRANSLATORS__DEEPL__URL``;
5. command-line options (``--home``, ``--translator``), applied by the command.

Tables::

    workspace = "~/cases/otklik-data"          # user file or environment only
    [translator]
    engine = "deepl"                           # the default of `otklik report --translator`
    [translators.deepl]                        # options per engine, as translate.get_translator takes them
    auth_key_env = "DEEPL_AUTH_KEY"
    [translators.libretranslate]
    url = "http://127.0.0.1:5000"
    [translators.openai]
    url = "http://127.0.0.1:8080/v1"
    model = "qwen2.5-7b-instruct"
    [stance]                                   # the analysis' stance table (backend, base_url, model, ...)
    backend = "default"
    [style]                                    # the house style: labelling of designated entities
    ru = "asterisk"
    en = "inline"

Secrets are never written in a configuration file: a key is given by the NAME of the environment
variable that holds it (``auth_key_env``, ``api_key_env``); a literal ``api_key``/``auth_key``/``token``/
``password`` in a file is an error. So nothing secret can reach the store or the custody log through
the configuration, and `config show` prints only the variable's name and whether it is set.
"""

from __future__ import annotations

import os
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOME = "otklik-data"
WORKSPACE_FILE = "otklik.toml"
SECRET_KEYS = ("api_key", "auth_key", "key", "token", "password", "secret")
_NAMED_ENV = {
    "OTKLIK_HOME": ("workspace",),
    "OTKLIK_TRANSLATOR": ("translator", "engine"),
    "OTKLIK_STANCE_BACKEND": ("stance", "backend"),
    "OTKLIK_STYLE_RU": ("style", "ru"),
    "OTKLIK_STYLE_EN": ("style", "en"),
}
_DEFAULTS = {"workspace": DEFAULT_HOME, "translator": {"engine": "none"}, "stance": {"backend": "default"}}


class ConfigError(ValueError):
    """A configuration file or variable that cannot be used; the message names the file and the key."""


def user_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "otklik" / "config.toml"


@dataclass
class Config:
    """The effective configuration: `data` (nested dicts) and `sources` ({"a.b": where it came from})."""

    data: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)

    def get(self, dotted: str, default=None):
        node = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def section(self, name: str) -> dict:
        value = self.data.get(name)
        return dict(value) if isinstance(value, dict) else {}

    def set(self, dotted: str, value, source: str) -> None:
        _put(self.data, self.sources, dotted.split("."), value, source)

    def translator_options(self, engine: str) -> dict:
        """The options table of one engine, with its `engine` name, for translate.translator_from_config."""
        return {"engine": engine, **(self.section("translators").get(engine) or {})}

    @property
    def home_is_default(self) -> bool:
        return self.sources.get("workspace") == "default"

    def masked(self) -> list[tuple[str, str, str]]:
        """(key, printable value, source) for every value: `*_env` keys say whether the variable is set,
        and a password in a URL is replaced by ***."""
        rows = []
        for key, source in sorted(self.sources.items()):
            value = self.get(key)
            if key.endswith("_env"):
                shown = f"${value} ({'set' if os.environ.get(str(value)) else 'NOT set'})"
            elif isinstance(value, str) and "://" in value:
                shown = _mask_url(value)
            else:
                shown = repr(value) if not isinstance(value, str) else value
            rows.append((key, shown, source))
        return rows


def _put(data: dict, sources: dict, path: list[str], value, source: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _put(data, sources, path + [str(k)], v, source)
        return
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{source}: {'.'.join(path)} sits under a value that is not a table")
    node[path[-1]] = value
    sources[".".join(path)] = source


def _mask_url(url: str) -> str:
    p = urllib.parse.urlsplit(url)
    if p.password is None:
        return url
    netloc = f"{p.username}:***@{p.hostname}" + (f":{p.port}" if p.port else "")
    return urllib.parse.urlunsplit((p.scheme, netloc, p.path, p.query, p.fragment))


def _check_secrets(table: dict, where: str, path: str = "") -> None:
    for k, v in table.items():
        dotted = f"{path}{k}"
        if isinstance(v, dict):
            _check_secrets(v, where, dotted + ".")
        elif k.lower() in SECRET_KEYS:
            raise ConfigError(f"{where}: {dotted} holds a secret in plain text; name the environment variable "
                              f"that holds it instead: {dotted}_env = \"MY_VARIABLE\"")


def read_file(path: Path, label: str) -> dict:
    """One TOML file as a table ({} when it does not exist); errors name the file."""
    if not path.is_file():
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{label} {path}: not valid TOML: {e}") from None
    _check_secrets(table, f"{label} {path}")
    return table


def load_config(home: Path | None = None, home_source: str | None = None) -> Config:
    """The effective configuration. `home` (with `home_source`, e.g. "--home") is a workspace the
    caller was given explicitly; otherwise the user file, then OTKLIK_HOME, then ./otklik-data."""
    cfg = Config()
    for k, v in _DEFAULTS.items():
        cfg.set(k, v, "default")
    ufile = user_file()
    user = read_file(ufile, "user configuration")
    cfg_user_src = f"user file {ufile}"
    for k, v in user.items():
        cfg.set(k, v, cfg_user_src)
    if "workspace" in user:
        cfg.set("workspace", str(Path(str(user["workspace"])).expanduser()), cfg_user_src)
    if os.environ.get("OTKLIK_HOME"):
        cfg.set("workspace", os.environ["OTKLIK_HOME"], "env OTKLIK_HOME")
    if home is not None:
        cfg.set("workspace", str(home), home_source or "--home")
    wfile = Path(cfg.data["workspace"]) / WORKSPACE_FILE
    workspace = read_file(wfile, "workspace configuration")
    if "workspace" in workspace:
        raise ConfigError(f"workspace configuration {wfile}: `workspace` belongs in the user file "
                          f"({ufile}) or $OTKLIK_HOME, not inside the workspace")
    for k, v in workspace.items():
        cfg.set(k, v, f"workspace file {wfile}")
    for var, path in _NAMED_ENV.items():
        if path != ("workspace",) and os.environ.get(var):
            cfg.set(".".join(path), os.environ[var], f"env {var}")
    for var, value in sorted(os.environ.items()):
        if var.startswith("OTKLIK__") and len(var) > 8:
            parts = [p.lower() for p in var[8:].split("__") if p]
            if parts[-1] in SECRET_KEYS:
                raise ConfigError(f"env {var}: a secret goes in its own variable, named by {parts[-1]}_env")
            cfg.set(".".join(parts), value, f"env {var}")
    return cfg
