"""Pages and pieces of pages kept in a worker's memory, rendered once for everyone they are the same for.

A lesson's page is the same 25 KB for every reader in the same state (enrolled or not, done or
not, the menu of their role, the language); only a few pieces are the reader's own: the CSRF
token in its forms, the course outline with their done marks. ``kept_page`` renders such a page
once per state and keeps it as segments of UTF-8 around named *slots*; later readers get the
segments joined with their own pieces. The template marks the slots itself, as it renders:
``own("outline", html)`` shows the piece it rendered and marks it as the reader's own, which
later readers get from the view's function for it; ``csrf_token()`` is a slot of its own. So
nothing is found by searching the page's text.

Smaller pieces that depend only on the curriculum and the language (a course's card, the numbers
in a badge) are kept with the curriculum by ``kept_each``; pieces that depend only on the code
and the translations (the menu of an endpoint and role, the footer) by ``kept_static``, which
reads nothing from the database, so error pages can use it while the database is down.

Everything here is kept with the curriculum's generation (app.caching.kept) or, for the static
pieces, for the worker's life, and bounded.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.caching.kept import _generation, _may_keep_curriculum
from app.platform.csrf import signed_csrf_token

# Whole kept pages: about 25 KB each, so about 8 MB; the least recently served go first.
MAX_PAGES = 300
# Kept pieces (course cards per language, badges): a few hundred in practice.
MAX_PIECES = 5000

# Marks a slot while a page is rendered to be kept: random per process, so no course text can
# contain it, by chance or on purpose.
_NONCE = secrets.token_hex(8)
_OPEN, _CLOSE = f"\x00slot-{_NONCE}:", f"\x00end-{_NONCE}\x00"
_SLOTS = re.compile(re.escape(_OPEN) + r"([\w-]+)\x00(.*?)" + re.escape(_CLOSE), re.S)
_CSRF = "csrf"


def kept_page(varies_by: tuple | None, render: Callable[[], str],
              own: dict[str, Callable[[], str | bytes]] | None = None) -> str | bytes:
    """The page ``render()`` makes, made once for everyone whose page would be the same.

    ``varies_by`` names everything the page shows besides the curriculum, the language, the path,
    the reader's menu (all added here) and the ``own`` pieces: the reader's state, never the
    reader. None renders as usual, and so does a request with a query string, flashed messages
    or another method than GET.

    ``own``: the reader's own pieces, by name, as functions giving each piece's HTML (text, or
    UTF-8 bytes) exactly as the template renders it with ``own(name, html)``, or None when they
    cannot without rendering the page (then it is rendered). They must not contain a form.
    """
    g._sabak_own = own or {}
    if varies_by is None or request.method != "GET" or request.query_string or "_flashes" in session:
        return render()
    generation = _generation()
    user = current_user._get_current_object()
    signed_in = user.is_authenticated
    key = (str(get_locale()), request.path, request.endpoint, signed_in, signed_in and user.is_instructor,
           signed_in and user.is_admin, signed_in and user.is_coordinator, *varies_by)
    pages = generation.store("pages", MAX_PAGES)
    segments = generation.get(pages, key)
    if segments is not None:
        filled = _filled(segments)
        if filled is not None:
            return filled
    # Every form's token, ``csrf_token()`` in a template or a form's hidden field, is what
    # Flask-WTF finds in ``g``: marked as a slot while this page renders.
    token = signed_csrf_token()
    g._sabak_keeping, g.csrf_token = True, Markup(f"{_OPEN}{_CSRF}\x00{token}{_CLOSE}")
    try:
        html = render()
    finally:
        g._sabak_keeping, g.csrf_token = False, token
    segments, shown = _segments(html)
    if _may_keep_curriculum(generation):
        with generation.lock:
            pages[key] = segments
    return shown


def _segments(html: str) -> tuple[tuple[bytes | str, ...], str]:
    """The kept form of a page rendered with slot marks (UTF-8 segments, slot names between them)
    and the page as this reader gets it (the marks taken out)."""
    segments: list[bytes | str] = []
    shown: list[str] = []
    at = 0
    for found in _SLOTS.finditer(html):
        segments.append(html[at:found.start()].encode())
        segments.append(found.group(1))
        shown.append(html[at:found.start()])
        shown.append(found.group(2))
        at = found.end()
    segments.append(html[at:].encode())
    shown.append(html[at:])
    return tuple(segments), "".join(shown)


def _filled(segments) -> bytes | None:
    """A kept page with this reader's pieces in its slots, or None when a piece is not to be had
    without rendering the page."""
    own, parts = g._sabak_own, []
    for segment in segments:
        if type(segment) is bytes:
            parts.append(segment)
        elif segment == _CSRF:
            parts.append(signed_csrf_token().encode())
        else:
            piece = own[segment]()
            if piece is None:
                return None
            parts.append(piece if type(piece) is bytes else piece.encode())
    return b"".join(parts)


def _slot(name: str, html: str) -> Markup:
    if g.get("_sabak_keeping"):
        if _OPEN in html:  # a form's token inside the piece: the reader's own piece would keep it
            raise ValueError(f"the reader's own piece {name!r} holds a form; keep the form outside it")
        return Markup(f"{_OPEN}{name}\x00{html}{_CLOSE}")
    return Markup(html)


def own(name: str, html=None) -> Markup:
    """Template helper: the reader's own piece ``name``, marked as such when the view named that
    piece (kept_page's ``own``); else a part of the page like any other. ``html``: the piece as
    this render made it; without it, the view's function gives it."""
    if html is None:
        html = g._sabak_own[name]()
    html = html.decode() if type(html) is bytes else str(html)
    return _slot(name, html) if name in g.get("_sabak_own", ()) else Markup(html)





def kept_each(items, macro) -> Markup:
    """``macro(item)`` for each item, joined, each rendered once per worker, curriculum revision
    and language and kept under ``item.fragment_key`` (rendered every time when that is None).

    For pieces that depend on nothing but the curriculum and the language: a course's card (its
    link, summary and labels, the numbers in its badge). ``fragment_key`` names everything else
    the piece shows (a course id, the numbers in a badge), never anything of the reader's own.
    One call for the whole list: a template call per card cost more than looking the card up.
    """
    generation, locale = _generation(), str(get_locale())
    if generation is None:
        return Markup("".join(str(macro(item)) for item in items))
    store = generation.store("pieces", MAX_PIECES)
    parts = []
    for item in items:
        key = item.fragment_key
        if key is None:
            parts.append(str(macro(item)))
            continue
        key = (locale, *key)
        html = generation.get(store, key)
        if html is None:
            html = Markup(macro(item))
            with generation.lock:
                store[key] = html
        parts.append(html)
    return Markup("".join(parts))


def kept_pieces(keys: tuple[tuple, ...], replaced: Mapping[int, tuple] | None = None) -> bytes | None:
    """The pieces ``kept_each`` keeps under ``keys`` in this request's language, joined as UTF-8, with
    the pieces under ``replaced`` (by place) instead of those at their places; None when one has
    not been rendered yet at this revision (or outside a request). For a view's own piece made
    of kept pieces: the catalog's cards, the same for every reader but their own courses'.

    ``keys`` should be one kept object (a ``kept_for_curriculum`` result): its pieces are joined
    once and kept beside it, so a reader costs a lookup per replaced piece, not one per piece."""
    generation = _generation()
    if generation is None:
        return None
    locale = str(get_locale())
    lists = generation.store("piece-lists", None)
    listed = lists.get((locale, id(keys)))
    if listed is None or listed[0] is not keys:  # the id of another object since: look again
        listed = lists[(locale, id(keys))] = (keys, [_utf8(generation, (locale, *key)) for key in keys])
    pieces = listed[1]  # as a visitor sees them; None where one was not rendered yet
    if replaced or None in pieces:
        pieces = list(pieces)
        for place, key in (replaced or {}).items():
            piece = pieces[place] = _utf8(generation, (locale, *key))
            if piece is None:
                return None
        for place, piece in enumerate(pieces):
            if piece is None:  # a visitor's piece not rendered when the list was made: look again
                piece = pieces[place] = _utf8(generation, (locale, *keys[place]))
                if piece is None:
                    return None
                listed[1][place] = piece
    return b"".join(pieces)


def _utf8(generation, key: tuple) -> bytes | None:
    """The piece kept under ``key`` (language first) as UTF-8, kept so too; None if not kept."""
    utf8 = generation.store("pieces-utf8", None)  # a dict: read many times a request, cleared when full
    piece = utf8.get(key)
    if piece is None:
        html = generation.get(generation.store("pieces", MAX_PIECES), key)
        if html is None:
            return None
        if len(utf8) >= MAX_PIECES:
            utf8.clear()
        piece = utf8[key] = str(html).encode()
    return piece


def kept_static(key: tuple, macro, *args) -> Markup:
    """``macro(*args)`` rendered once per worker process and language.

    For pieces that depend only on the code, the translations (both fixed until the workers
    restart) and ``key``: the main menu for an endpoint and a role, the footer. ``key`` must name
    everything the piece shows.
    """
    memo = worker_memo("static-pieces")  # endpoints x roles: a few hundred at most
    html = memo.get(key)
    if html is None:
        html = memo[key] = Markup(macro(*args))
    return html


def worker_memo(name: str) -> dict:
    """A dict kept by this worker for the language: pieces of HTML that depend only on a key and
    the language, rendered once per worker instead of on every view (kept_static, and
    ``render_shared(by_value=True)`` for a progress matrix's cells). Reads nothing from the
    database. Started again past 5,000 entries."""
    store = current_app.extensions.setdefault("sabak_worker_memos", {})
    key = (name, str(get_locale()))
    memo = store.get(key)
    if memo is None or len(memo) > 5000:
        memo = store[key] = {}
    return memo


def render_shared(items, render, memo: dict, by_value: bool = False) -> Markup:
    """Template filter: ``render(item)`` for each item, joined; an item seen before (in ``memo``) is
    not rendered again. For long lists of few distinct objects, such as the cells of a progress
    matrix. Keyed by identity, with a dict the page keeps (the items must outlive the page);
    ``by_value`` keys by the item itself (frozen, hashable), for a ``worker_memo`` kept across
    requests when the HTML depends on nothing but the item and the language."""
    parts = []
    for item in items:
        key = item if by_value else id(item)
        html = memo.get(key)
        if html is None:
            html = memo[key] = str(render(item))
        parts.append(html)
    return Markup("".join(parts))


def register(app) -> None:
    """The template helpers: ``own``, ``kept_each``, ``kept_static``, ``worker_memo`` and the
    ``render_shared`` filter. (``csrf_token()`` is app.platform.csrf's: while a page is rendered to
    be kept, the token it finds in ``g`` is marked as a slot.)"""
    app.jinja_env.globals.update(own=own, kept_each=kept_each, kept_static=kept_static, worker_memo=worker_memo)
    app.template_filter("render_shared")(render_shared)
