"""The body of a django-tables2 table drawn in Python: the library's template loop (``{% for column, cell in
row.items %}<td {{ column.attrs.td.as_html }}>...``) costs more than the cells it draws, most of a list page."""

from django import template
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize, unlocalize
from django.utils.safestring import mark_safe

register = template.Library()


def _holds_callable(attrs: dict) -> bool:
    return any(callable(value) or (isinstance(value, dict) and _holds_callable(value)) for value in attrs.values())


def _td_attrs_vary(table, column) -> bool:
    """Whether a column's <td> attributes depend on the cell: django-tables2 calls any callable in them with the
    record and value (table attrs first, the column's over them, ``cell`` when there is no ``td``)."""
    attrs = {**table.attrs, **column.column.attrs}
    return _holds_callable(attrs.get("td", attrs.get("cell", {})))


def _show(cell, column, context):
    """The cell as ``{{ cell }}``, ``{{ cell|localize }}`` or ``{{ cell|unlocalize }}`` in the library's template."""
    if column.localize is not None:
        cell = localize(cell) if column.localize else unlocalize(cell)
    return render_value_in_context(cell, context)


@register.simple_tag(takes_context=True)
def table_body(context, table):
    """The <tbody> that django_tables2/table.html draws for ``table``, identical but for whitespace. Every piece is
    escaped (or not) as that template would escape it, so the joined pieces are safe."""
    columns = list(table.columns)
    # Attributes without a callable are the same in every row: computed once, as the library would compute them.
    fixed_td = {column.name: None if _td_attrs_vary(table, column) else column.attrs["td"].as_html()
                for column in columns}
    html = [f"<tbody {table.attrs['tbody'].as_html()}>"]
    for row in table.paginated_rows:
        html.append(f"<tr {row.attrs.as_html()}>")
        for column in columns:
            # As BoundRow.items: callables in the td attributes read the cell's value and record from the column.
            column.current_value = cell = row.get_cell(column.name)
            column.current_record = row.record
            td = fixed_td[column.name]
            html.append(f"<td {column.attrs['td'].as_html() if td is None else td}>{_show(cell, column, context)}</td>")
        html.append("</tr>")
    if len(html) == 1 and table.empty_text:
        html.append(f'<tr><td colspan="{len(columns)}">{render_value_in_context(table.empty_text, context)}</td></tr>')
    html.append("</tbody>")
    return mark_safe("".join(html))
