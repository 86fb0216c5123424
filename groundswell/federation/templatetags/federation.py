from django import template

from groundswell.federation.models import Interaction
from groundswell.stories.models import Story

register = template.Library()


@register.simple_tag
def approved_replies(story: Story) -> list[Interaction]:
    """Replies from the fediverse shown under a story: public and approved by a moderator."""
    return list(Interaction.objects.shown_under(story))
