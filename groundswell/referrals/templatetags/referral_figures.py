from django import template

from groundswell.referrals.services import FIGURES, Figures

register = template.Library()


@register.simple_tag
def referral_figures() -> Figures:
    """`{% referral_figures as figures %}`: the names and meanings of the referral figures."""
    return FIGURES
