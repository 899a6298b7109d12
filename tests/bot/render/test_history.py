"""History lines: what changed, with labels and values in the reader's language."""

from __future__ import annotations

from bot.render.history import change_detail


def test_a_status_change_names_both_statuses() -> None:
    before, after = {"status": "active"}, {"status": "paused"}
    assert change_detail(before, after, "en") == "Status: active → paused"
    assert change_detail(before, after, "es") == "Estado: activa → en pausa"


def test_short_fields_show_values_long_ones_their_length() -> None:
    before = {"funder": None, "summary": "old", "partners": "A", "links": ["https://a.org"]}
    after = {"funder": "A foundation", "summary": "x" * 312, "partners": "", "links": []}
    assert change_detail(before, after, "en") == (
        "Funder: — → “A foundation”; Summary: changed (312 characters); "
        "Partner organisations: removed; Links: removed"
    )
    assert "Resumen: cambiado (312 caracteres)" in change_detail(before, after, "es")


def test_creation_lists_only_filled_fields() -> None:
    after = {
        "name": "Museo",
        "kind": "alliance",
        "funder": None,
        "summary": "",
        "partners": "Museo Nacional",
        "is_model": False,
    }
    assert change_detail(None, after, "en") == (
        "Name: “Museo”; Kind: alliance; Partner organisations: 14 characters"
    )
    assert change_detail({"is_model": False}, {"is_model": True}, "es") == "Modelo: no → sí"
