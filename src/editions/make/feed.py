"""Feed: an Atom feed of the published editions, so readers can follow new ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from editions.model import Settings

FEED_PATH = "feed.xml"


@dataclass(frozen=True)
class FeedEntry:
    """One published edition as the feed announces it; paths are relative to the site."""

    number: int
    title: str
    published: dt.date
    updated: dt.date  # the edition's date, or its newest revision's
    page: str
    summary: str
    pdf: str | None = None
    pdf_size: int | None = None


def site_address(settings: Settings) -> str:
    """The site's public address, always ending in a slash so links resolve under it."""
    url = settings.site_url
    return url if url.endswith("/") else url + "/"


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# The feed's date before anything is published. Fixed, not the clock nor SOURCE_DATE_EPOCH:
# the same files give the same feed on any machine, whatever its environment.
NOTHING_PUBLISHED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def fallback_moment() -> dt.datetime:
    """The feed's date before anything is published (NOTHING_PUBLISHED)."""
    return NOTHING_PUBLISHED


def atom_feed(settings: Settings, entries: Sequence[FeedEntry]) -> bytes:
    """The Atom document, newest entry first; the same entries give the same bytes.

    Every date comes from the editions themselves, never from the clock: the feed is as
    new as its newest entry.
    """
    import feedgenerator

    class Feed(feedgenerator.Atom1Feed):  # type: ignore[misc]
        def latest_post_date(self) -> dt.datetime:
            # the library falls back on the clock when nothing is published yet
            return super().latest_post_date() if self.items else fallback_moment()

    base = site_address(settings)
    feed = Feed(title=settings.title, link=base, description=settings.subtitle or "",
                subtitle=settings.subtitle, language=settings.language,
                author_name=settings.publisher, feed_url=urljoin(base, FEED_PATH),
                feed_guid=base)
    for entry in sorted(entries, key=lambda e: e.number, reverse=True):
        page = urljoin(base, entry.page)
        enclosures = []
        if entry.pdf is not None and entry.pdf_size is not None:
            enclosures.append(feedgenerator.Enclosure(urljoin(base, entry.pdf),
                                                      str(entry.pdf_size), "application/pdf"))
        feed.add_item(title=entry.title, link=page, unique_id=page, description=entry.summary,
                      author_name=settings.publisher, pubdate=_moment(entry.published),
                      updateddate=_moment(entry.updated), enclosures=enclosures)
    xml: str = feed.writeString("utf-8")
    return xml.encode("utf-8")
