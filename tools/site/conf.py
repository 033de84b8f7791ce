"""Sphinx configuration of the lab's static book (`make site`, run through tools/site/build.py).

The book is read from the notebooks' committed outputs: nothing is executed. Every asset is local:
the theme's own files, MathJax 2 from the `jupyter-server-mathjax` wheel, no widget manager (the live
plots are shown as the PNG stored in the notebook's widget state, see nbprep.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

project = "hotcache-lab"
author = "the hotcache-lab authors"
copyright = "the hotcache-lab authors, MIT licence"

extensions = ["myst_nb", "nbprep"]
root_doc = "index"
exclude_patterns = ["README.md", "**/.ipynb_checkpoints", "_build"]

# The committed outputs are the book: never re-run a notebook here (`make notebooks` makes them).
nb_execution_mode = "off"
nb_ipywidgets_js = {}            # no widget manager from a CDN: nbprep shows the stored PNG instead
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
highlight_language = "text"        # an unlabelled fence (the architecture diagram) is not Python

html_theme = "furo"
html_title = "hotcache-lab"
html_show_sourcelink = False
html_show_search_summary = False   # a summary is fetched from each page, which file:// forbids
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {"navigation_with_keys": True}

# MathJax 2, copied from the jupyter-server-mathjax wheel into _static/mathjax by nbprep at the end
# of the build; Sphinx's own default is a CDN address.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {"tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                               "processRefs": False, "processEnvironments": False,
                               # myst-nb marks a notebook's page tex2jax_ignore and its math spans "math"
                               "processClass": "tex2jax_process|mathjax_process|math|output_area"},
                   # The wheel ships the STIX-Web fonts only: never look for TeX fonts or images. MathJax's
                   # blank measuring font is url('about:blank'), a font request Chromium refuses with a
                   # console error; a local() font that does not exist measures the same and asks nothing.
                   "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web",
                                "imageFont": None,
                                "styles": {"@font-face": {"font-family": "MathJax_Blank",
                                                          "src": "local('MathJax_Blank_none')"}}},
                   "menuSettings": {"zoom": "None"}, "showMathMenu": False}
