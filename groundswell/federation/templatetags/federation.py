from django import template

from groundswell.federation.models import Interaction

register = template.Library()


@register.simple_tag
def approved_replies(story: object) -> list[Interaction]:
    """Replies from the fediverse shown under a story: public and approved by a moderator."""
    return list(Interaction.objects.shown_under(story))
