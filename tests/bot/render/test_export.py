"""The MediaWiki table for Meta-Wiki: readers' columns, labels and dates in the language."""

from __future__ import annotations

from bot.render.export import mediawiki_table

ROW = {
    "name": "Wiki-to-print",
    "kind": "partnership",
    "area": "content",
    "steward": "chapter",
    "chapter_name": "Wikimedia España",
    "status": "active",
    "partners": "Museo | Archivo",
    "summary": "Books from ''wiki'' articles\nin print",
    "links": ["https://a.org/x", "https://b.org"],
    "success_measures": "3 books",
    "funder": "A foundation",
    "reporting_due_at": "2027-03-01T16:30:00Z",
    "id": 7,
    "rejection_reason": None,
}


def test_the_table_is_for_readers_in_the_guilds_language() -> None:
    table = mediawiki_table([ROW], locale="es")
    lines = table.splitlines()
    assert lines[0] == '{| class="wikitable sortable"'
    assert lines[1].startswith("! Nombre !! Tipo !! Área !! Responsable !! Estado")
    assert "Fecha de informe" in lines[1] and "Financiador" in lines[1]
    row = lines[3]
    assert "asociación" in row and "activa" in row and "un capítulo (Wikimedia España)" in row
    assert 'data-sort-value="2027-03-01" | {{#time:j F Y|2027-03-01|es}}' in row
    assert "https://a.org/x<br />https://b.org" in row
    assert "Museo &#124; Archivo" in row and "<br />in print" in row  # cannot break the table
    assert "&#39;&#39;wiki&#39;&#39;" in row  # no bold or italics from user text
    assert "7" not in row.split("||")[0] and lines[-1] == "|}"
    english = mediawiki_table([ROW | {"reporting_due_at": None}], locale="en")
    assert "! Name !! Kind" in english and "partnership" in english
