"""Engine "argos": Argos Translate, offline, with whichever language packages the user installed.

argostranslate is imported only when this engine is chosen: it is an optional dependency, and a
missing install or language package is an error that says exactly what to install.
"""

from __future__ import annotations

from otklik.translate import EngineNotAvailable, Translator

INSTALL = ("pip install argostranslate, then its language package, e.g. "
           "`argospm update && argospm install translate-{s}_{t}` (that download needs network once; "
           "translation then runs offline)")


def _module():
    try:
        import argostranslate.translate as at
    except ImportError:
        raise EngineNotAvailable("Argos Translate is not installed: " + INSTALL.format(s="ru", t="en")) from None
    return at


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("argostranslate")
    except Exception:
        return ""


class ArgosTranslator(Translator):
    """Translates with the installed Argos language packages; a pivot through English is used when
    Argos offers one (e.g. kk→en→ru)."""

    name = "argos"

    def __init__(self):
        super().__init__()
        self._at = _module()
        self.version = _version()

    def _translation(self, source, target):
        languages = {lang.code: lang for lang in self._at.get_installed_languages()}
        tr = None
        if source in languages and target in languages:
            tr = languages[source].get_translation(languages[target])
        if tr is None:
            have = ", ".join(sorted(languages)) or "none"
            raise EngineNotAvailable(f"no Argos Translate language package for {source}→{target} is installed "
                                     f"(installed languages: {have}): " + INSTALL.format(s=source, t=target))
        return tr

    def _translate(self, texts, source, target):
        tr = self._translation(source, target)
        return [str(tr.translate(t)) for t in texts]

    def label(self, lang):
        return f"Argos Translate {self.version}".strip()
