"""The one entry point to WeasyPrint: HTML in, tagged PDF/UA bytes out, nothing fetched but our assets."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import mimetypes
import re
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Collection, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import cssselect2
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from reports import svg_text

ASSETS = (Path(__file__).resolve().parent / "static" / "reports").resolve()
# Relative URLs in the roadmap's HTML and CSS (`roadmap.css`, `fonts/Inter-Regular.otf`) resolve here.
BASE_URL = ASSETS.as_uri() + "/"
PDF_VARIANT = "pdf/ua-1"
STYLESHEET = "roadmap.css"
# The HTML defaults of the elements the roadmap uses, in place of WeasyPrint's stylesheet for all of HTML.
DEFAULTS_STYLESHEET = "base.css"

# Chart labels are shaped and drawn a run at a time, not a character at a time (see svg_text).
svg_text.install()

logger = logging.getLogger(__name__)
# The roadmap's own doctype; any other declaration (an entity, say) sends a document to the HTML5 parser.
DOCTYPE = re.compile(r"\s*<!doctype html>", re.IGNORECASE)
DECLARATION = re.compile(r"<!(?!--)")


class AssetFetcher(weasyprint.URLFetcher):
    """Serves files under our static folder from disk and refuses every other URL.

    No other `file://`, no network, no `data:`; the refused URLs are kept in `refused`, every URL
    WeasyPrint asked for in `requested`, so a test can prove what was (not) fetched.
    """

    def __init__(self, assets: Path = ASSETS, *, also: Collection[Path] = ()) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.assets = assets
        # Single files outside the assets that this render may read (the firm's logo), and no others.
        self.also = frozenset(path.resolve() for path in also)
        self.requested: list[str] = []
        self.served: list[Path] = []
        self.refused: list[str] = []

    def asset_path(self, url: str) -> Path | None:
        """The file a URL names when it is one of our assets, else None."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if not (path.is_relative_to(self.assets) or path in self.also) or not path.is_file():
            return None
        return path

    def fetch(self, url: str, headers: object = None) -> weasyprint.urls.URLFetcherResponse:
        self.requested.append(url)
        path = self.asset_path(url)
        if path is None:
            self.refused.append(url)
            logger.warning("Refused to fetch %.200s while rendering a PDF", url)
            raise ValueError(f"Only the report's own assets can be fetched, not {url[:200]!r}")
        self.served.append(path)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return weasyprint.urls.URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
        )


@functools.cache
def print_stylesheet() -> tuple[weasyprint.CSS, FontConfiguration, AssetFetcher]:
    """The report's print stylesheet and its fonts, loaded once per process through its own fetcher.

    Parsing the CSS and registering the fonts on every render cost a fifth of it; a worker renders
    many reports, so they are kept (and the fonts are not copied to a new temporary folder each time).
    """
    fetcher = AssetFetcher()
    font_config = FontConfiguration()
    css = weasyprint.CSS(url=BASE_URL + STYLESHEET, url_fetcher=fetcher, font_config=font_config)
    return css, font_config, fetcher


_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = False


@contextlib.contextmanager
def cyclic_collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off inside the block, then collect the young objects once.

    A render allocates a few hundred thousand objects; with the collector on, that triggers about two
    full collections per render, each walking every object in the process (Django, the rubric caches),
    for a third of the render time. Nested or concurrent pauses share one; a collector that was already
    off stays off.
    """
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()
                # The render's garbage cycles are all young: reclaim them now, not in the next request.
                gc.collect(0)


def html_to_pdf(html: str, *, fetcher: AssetFetcher | None = None, also: Collection[Path] = ()) -> bytes:
    """Render HTML (with `<html lang>` and `<title>`) to a tagged PDF/UA-1 document in our print style.

    Relative URLs resolve against our static folder, and nothing else can be fetched but the files
    named in `also` (the firm's logo); attachments are never embedded.
    """
    with cyclic_collector_paused():
        return _render(html, fetcher or AssetFetcher(also=also))


@functools.cache
def defaults_stylesheet() -> weasyprint.CSS:
    """The roadmap's HTML defaults (`base.css`), parsed once per process."""
    return weasyprint.CSS(url=BASE_URL + DEFAULTS_STYLESHEET, url_fetcher=AssetFetcher())


class RoadmapHTML(weasyprint.HTML):
    """A document laid out on our HTML defaults rather than WeasyPrint's stylesheet for every HTML element."""

    def _ua_stylesheets(self, forms: bool = False) -> list[weasyprint.CSS]:
        return [defaults_stylesheet()]


class WellFormedHTML(RoadmapHTML):
    """A document WeasyPrint takes from an element tree already parsed, instead of parsing the string.

    WeasyPrint's HTML5 parser is written in Python: for the roadmap it took 70 ms a render, a tenth
    of the whole. The roadmap's templates write well-formed XML, which the standard library's C parser
    reads in a few milliseconds into the same tree (`tests/reports/test_pdf.py` compares them).
    """

    def __init__(self, root: ElementTree.Element, *, base_url: str, url_fetcher: AssetFetcher) -> None:
        # The attributes WeasyPrint's own __init__ sets once it has parsed the string.
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element


def parse_html(html: str, fetcher: AssetFetcher) -> weasyprint.HTML:
    """The document to render: through the XML parser when `html` is well-formed, else WeasyPrint's HTML5 parser.

    Only a plain `<!doctype html>` is allowed before the root, so no entity is ever declared or expanded.
    """
    body = html[doctype.end() :] if (doctype := DOCTYPE.match(html)) else html
    if not DECLARATION.search(body):
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            pass
        else:
            if root.tag == "html":
                return WellFormedHTML(root, base_url=BASE_URL, url_fetcher=fetcher)
    return RoadmapHTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)


def _render(html: str, fetcher: AssetFetcher) -> bytes:
    stylesheet, font_config, _ = print_stylesheet()
    document = parse_html(html, fetcher).render(
        stylesheets=[stylesheet], font_config=font_config, pdf_variant=PDF_VARIANT
    )
    # `<link rel="attachment">` and `<a rel="attachment">` would embed files: a report carries none.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document.write_pdf(pdf_variant=PDF_VARIANT)
