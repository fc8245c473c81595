"""Template helpers of the readers' side: where a page lies (its breadcrumb and its
space), read from the chain `pages.reading.fast_route` found (no query), or from
one query for its ancestors."""

from django import template

from pages import reading

register = template.Library()


@register.simple_tag(takes_context=True)
def page_place(context, page):
    """`{% page_place page as place %}`: `place.ancestors` (from the portal home down,
    the page excluded) and `place.space` (the school or commune space, if any)."""
    chain = reading.chain_of(context["request"], page)
    return {"ancestors": chain[:-1], "space": reading.space_in_chain(chain)}
