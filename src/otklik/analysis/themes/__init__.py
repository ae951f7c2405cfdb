"""Themes: group comments by the argument they make (across languages), title each group with a
short phrase cut from its most central comments, count who says it.

A model of swappable parts (`parts.py`: space, clusterer, keyworder, titler; the quoter is in
`analysis/quotes.py`), composed by `ThemeModel` (`model.py`), with the editor's overrides
(rename, merge, move; pin and reject act on quotes) replayed on every run.

Measured (`otklik eval themes --argkp`, ArgKP-2021 dev; parameters chosen on train topics only):
ARI 0.372 (0.345 with the earlier lemma+embedding clusters), within-side ARI 0.277 (0.207),
key-point coverage of each theme's first quote 0.675 against 0.536 for as many random picks.
"""

from .model import OTHER, Overrides, Theme, ThemeModel, ThemeParams, find_themes
from .parts import CLUSTERERS, KEYWORDERS, SPACES, TITLERS
from .text import content_lemmas

VERSION = "7"  # changes whenever the same input gives other themes (2: Kazakh and Chechen stopwords;
# 3: a theme with no lemma in two comments is named by its comments' own lemmas; 4: clustered on
# language-centred embeddings only, titled by a verbatim span, one-language groups dissolved; 5: no
# title overlaps an @mention; 6: no title from the page's own replies; 7: quotes read surely first)

__all__ = ["OTHER", "Overrides", "Theme", "ThemeModel", "ThemeParams", "find_themes", "content_lemmas",
           "SPACES", "CLUSTERERS", "KEYWORDERS", "TITLERS", "VERSION"]
