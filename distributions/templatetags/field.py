from django import template

from distributions.models import VerificationMethod

register = template.Library()


@register.simple_tag
def verification_methods() -> list[tuple[str, str]]:
    return VerificationMethod.choices
