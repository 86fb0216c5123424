"""What the safety gate reads of a story, in one place for every path that lets it out:
the story workflow, the editor's panel, and the worker about to send a post with its card."""

from __future__ import annotations

from .models import Story


def compose_text(title: str, summary: str, body: str, *more: str) -> str:
    """Everything a reader sees as text, joined: `more` holds the link, its card's words and
    the descriptions of the images (they travel with the story to every network)."""
    return "\n\n".join(part for part in (title, summary, body, *more) if part)


def alt_texts(story: Story) -> list[str]:
    if story.pk is None:
        return []
    return list(story.images.order_by("pk").values_list("alt_text", flat=True))


def link_texts(story: Story) -> list[str]:
    """The link and the title and description fetched for its card: shown with the story,
    and a page's own title can name a private person as well as anything we write."""
    if not story.link_url:
        return []
    card = story.link_card
    if card is None:
        return [story.link_url]
    return [story.link_url, card.title, card.description]


def story_text(story: Story) -> str:
    return compose_text(
        story.title, story.summary, story.body, *link_texts(story), *alt_texts(story)
    )
