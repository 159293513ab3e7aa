from django import template

from portal import formats

register = template.Library()
register.filter("percent", formats.percent)


@register.filter
def result_summary(result: dict | None) -> str:
    """A job's (or an import's) result summary in the reader's language."""
    from portal.texts import text_render

    return text_render(result)


@register.filter
def shown(text: str) -> str:
    """English a store keeps (an audit summary, an award's message) in the reader's language, where known."""
    from portal.texts import stored_shown

    return stored_shown(text)
