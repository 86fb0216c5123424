"""Feeds shaped like real ones (a WordPress RSS 2.0, a Atom blog, an RSS 1.0 from a
scientific publisher's table of contents, a JSON Feed from a micro.blog), and hostile ones.
Everything in them is fictional."""

# ruff: noqa: E501 - documents as servers send them, long lines and all
from __future__ import annotations

RSS2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Riverside Gazette</title>
  <link>https://gazette.example/</link>
  <description>Local news</description>
  <language>en-GB</language>
  <atom:link href="{self_url}" rel="self" type="application/rss+xml"/>
  {hub}
  <item>
    <title>Council delays the sewage vote</title>
    <link>https://gazette.example/2026/12/sewage-vote/?utm_source=rss&amp;utm_medium=rss</link>
    <dc:creator><![CDATA[Jo Reporter]]></dc:creator>
    <pubDate>Sun, 06 Dec 2026 09:00:00 +0000</pubDate>
    <guid isPermaLink="false">https://gazette.example/?p=101</guid>
    <description><![CDATA[The vote on clean rivers is put off again.]]></description>
    <content:encoded><![CDATA[<p>The vote on <strong>clean rivers</strong> is put off again, says the
    council. Campaigners of #saveriverlea plan a <a href="https://gazette.example/march">march</a>.</p>
    <script>alert("x")</script><img src="https://tracker.example/pixel.gif"></p>]]></content:encoded>
  </item>
  <item>
    <title>Bakery wins a prize</title>
    <link>https://gazette.example/2026/12/bakery/</link>
    <dc:creator>Sam Writer</dc:creator>
    <pubDate>Sat, 05 Dec 2026 08:00:00 +0000</pubDate>
    <guid isPermaLink="false">https://gazette.example/?p=100</guid>
    <description>A sourdough from the high street takes the county's first prize this year.</description>
  </item>
</channel>
</rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <title type="text">Le blog du fleuve</title>
  <id>tag:fleuve.example,2026:blog</id>
  <updated>2026-12-06T10:00:00Z</updated>
  <link rel="alternate" href="https://fleuve.example/"/>
  <entry>
    <title>Les rivières propres</title>
    <id>tag:fleuve.example,2026:post-7</id>
    <link rel="alternate" type="text/html" href="https://fleuve.example/posts/7"/>
    <updated>2026-12-06T10:00:00Z</updated>
    <published>2026-12-06T09:30:00Z</published>
    <author><name>Camille Auteur</name><uri>https://fleuve.example/camille</uri></author>
    <content type="html">&lt;p&gt;Nous demandons des rivières propres.&lt;/p&gt;</content>
  </entry>
</feed>"""

RSS1 = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://journal.example/rss">
    <title>Journal of River Studies</title>
    <link>https://journal.example/</link>
    <description>Latest articles</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://journal.example/a/42"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://journal.example/a/42">
    <title>Nitrate levels in urban rivers</title>
    <link>https://journal.example/a/42</link>
    <description>We measured nitrate in twelve rivers over three years.</description>
    <dc:creator>A. Scientist</dc:creator>
    <dc:date>2026-12-04T12:00:00Z</dc:date>
    <dc:language>en</dc:language>
  </item>
</rdf:RDF>"""

JSON_FEED = """{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Pat's notes",
  "home_page_url": "https://notes.example/",
  "feed_url": "https://notes.example/feed.json",
  "language": "en",
  "authors": [{"name": "Pat Notes", "url": "https://notes.example/about"}],
  "items": [
    {"id": "https://notes.example/2026/12/06/river.html",
     "url": "https://notes.example/2026/12/06/river.html",
     "content_html": "<p>Walked along the river today. It smells awful. #saveriverlea</p>",
     "date_published": "2026-12-06T07:00:00+00:00"},
    {"id": "2", "content_text": "Plain text note & more", "date_published": "2026-12-05T07:00:00Z"}
  ]
}"""

RSS091_WITH_DOCTYPE = """<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old school</title><link>https://old.example/</link>
<description>d</description><language>en</language>
<item><title>Still here</title><link>https://old.example/1</link><description>x</description></item>
</channel></rss>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><guid>1</guid></item></channel></rss>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><title>&secret;</title><guid>1</guid><description>&secret;</description></item>
</channel></rss>"""

EXTERNAL_PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{url}"> %remote;]>
<rss version="2.0"><channel><title>t</title><item><title>x</title><guid>1</guid></item>
</channel></rss>"""

BAD_ENCODING = (
    b'<?xml version="1.0" encoding="x-no-such-charset"?>\n'
    b"<rss version='2.0'><channel><title>\xff\xfe\x00bad</title>"
    b"<item><title>\xc3\x28</title><guid>1</guid></item></channel></rss>"
)

SITE_PAGE = """<!doctype html><html lang="en"><head><title>Riverside Gazette</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="All news" href="/feed/">
<link rel="alternate" type="application/atom+xml" title="Comments" href="{atom}">
<link rel="alternate" type="application/feed+json" href="/feed.json">
</head><body><h1>News</h1></body></html>"""

PAGE_WITHOUT_FEEDS = """<!doctype html><html><head><title>No feeds</title></head>
<body><p>Nothing to subscribe to.</p></body></html>"""


def rss_with_items(items: list[tuple[str, str, str]], *, hub: str = "", self_url: str = "") -> str:
    """An RSS 2.0 document with (guid, title, pubDate) items."""
    body = "".join(
        f"<item><title>{title}</title><guid isPermaLink='false'>{guid}</guid>"
        f"<link>https://churn.example/{title.lower().replace(' ', '-')}</link><pubDate>{date}</pubDate>"
        f"<description>{title} and some words to read in the body</description></item>"
        for guid, title, date in items
    )
    links = ""
    if hub:
        links += f'<atom:link rel="hub" href="{hub}"/>'
    if self_url:
        links += f'<atom:link rel="self" href="{self_url}"/>'
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>Generated</title>{links}{body}</channel></rss>"
    )


MASTODON_TAG = """[
 {"id": "113500000000000002", "created_at": "2026-12-06T11:00:00.000Z",
  "uri": "https://social.example/users/river_friend/statuses/113500000000000002",
  "url": "https://social.example/@river_friend/113500000000000002",
  "language": "en",
  "content": "<p>Who is joining the march on Saturday? <a href=\\"https://social.example/tags/saveriverlea\\" class=\\"mention hashtag\\" rel=\\"tag\\">#<span>saveriverlea</span></a></p>",
  "account": {"id": "1", "acct": "river_friend@social.example", "display_name": "River Friend",
              "url": "https://social.example/@river_friend", "followers_count": 321},
  "reblog": null},
 {"id": "113500000000000001", "created_at": "2026-12-06T10:00:00.000Z",
  "uri": "https://other.example/notes/abc",
  "url": "https://other.example/notes/abc",
  "language": "de",
  "content": "<p>Sauberes Wasser für alle! #saveriverlea</p>",
  "account": {"id": "2", "acct": "wasser@other.example", "display_name": "Wasser",
              "url": "https://other.example/@wasser", "followers_count": 12},
  "reblog": null}
]"""
