from django import template

from portal import formats

register = template.Library()
register.filter("percent", formats.percent)


@register.filter
def result_summary(result: dict | None) -> str:
    """A job's (or an import's) result summary in the reader's language."""
    from portal.texts import text_render

    return text_render(result)
