"""The Reports page's SVG charts (``sm2_web.portal.charts``): well-formed, named for screen
readers, every value written as text, names escaped, and nothing broken by no data, one value
or only zeros."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sm2_web.portal.charts import (
    LABEL_WIDTH,
    VALUE_WIDTH,
    WIDTH,
    Bars,
    Point,
    bar_chart,
    line_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
ODD = "Toyota <Ste-Foy> & Fils"


def parsed(markup: str) -> ET.Element:
    """The chart as XML: a chart that is not well-formed fails here."""
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def bars(groups: list[Bars], series: tuple[str, ...] = ("Invoiced", "Paid")) -> ET.Element:
    return parsed(
        bar_chart(
            chart_id="money",
            title="Invoiced and paid",
            description="Per dealership",
            series=series,
            groups=groups,
            empty="Nothing invoiced",
        )
    )


def line(points: list[Point]) -> ET.Element:
    return parsed(
        line_chart(
            chart_id="jobs",
            title="Jobs per day",
            description="March",
            points=points,
            empty="No job",
        )
    )


def widths(root: ET.Element) -> list[float]:
    return [
        float(r.get("width", "0")) for r in root.iter(f"{SVG}rect") if "bar" in r.get("class", "")
    ]


class TestNamedForScreenReaders:
    @pytest.mark.parametrize("chart", ["bars", "line", "empty"])
    def test_an_image_named_by_its_title_and_description(self, chart: str) -> None:
        root = {
            "bars": lambda: bars([Bars("Ford", (10.0, 5.0), ("$10", "$5"))]),
            "line": lambda: line([Point("Mar 1", 3, "3")]),
            "empty": lambda: line([]),
        }[chart]()
        assert "img" == root.get("role")
        chart_id = root.get("id")
        assert f"{chart_id}-title {chart_id}-desc" == root.get("aria-labelledby")
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None
        assert desc is not None
        assert (f"{chart_id}-title", f"{chart_id}-desc") == (title.get("id"), desc.get("id"))

    def test_every_value_is_written_as_text(self) -> None:
        root = bars(
            [
                Bars("Ford", (1249.5, 100.0), ("1 249,50 $", "100,00 $")),
                Bars("Kia", (0.0, 0.0), ("0,00 $", "0,00 $")),
            ]
        )
        assert {"1 249,50 $", "100,00 $", "0,00 $", "Ford", "Kia", "Invoiced", "Paid"} <= set(
            texts(root)
        )
        titled = [
            "".join(r.itertext())
            for r in root.iter(f"{SVG}rect")
            if r.find(f"{SVG}title") is not None
        ]
        assert ["Ford — Invoiced: 1 249,50 $", "Ford — Paid: 100,00 $"] == titled[:2]
        assert 4 == len(titled)


class TestEscaping:
    def test_a_name_with_markup_is_text(self) -> None:
        markup = str(bar_chart(
            chart_id="c", title="A & B", description="<desc>", series=["S <1>"],
            groups=[Bars(ODD, (5.0,), ("5 & 6",))], empty="",
        ))  # fmt: skip
        assert "<Ste-Foy>" not in markup
        assert "Toyota &lt;Ste-Foy&gt; &amp; Fils" in markup
        root = parsed(markup)
        assert ODD in texts(root)
        assert "5 & 6" in texts(root)
        assert "A & B" == root.find(f"{SVG}title").text  # type: ignore[union-attr]

    def test_line_labels_are_escaped(self) -> None:
        markup = str(line_chart(
            chart_id="l", title="t", description="d", points=[Point("<b>", 1, "1 & 2")], empty=""
        ))  # fmt: skip
        assert "<b>" not in markup
        assert "1 & 2" in texts(parsed(markup))

    def test_a_long_name_is_shortened_in_the_label_whole_in_the_bar_title(self) -> None:
        name = "Concessionnaire automobile de la Rive-Sud et des environs"
        root = bars([Bars(name, (1.0, 1.0), ("1", "1"))])
        labels = [t for t in texts(root) if t.startswith("Concessionnaire")]
        assert labels
        assert all(label.endswith("…") for label in labels)
        assert all(len(label) <= 28 for label in labels)
        assert any(name in "".join(t.itertext()) for t in root.iter(f"{SVG}title"))


class TestEdgeCases:
    def test_no_data_says_so(self) -> None:
        root = bars([])
        assert ["Nothing invoiced"] == texts(root)
        assert [] == widths(root)
        assert ["No job"] == texts(line([]))

    def test_one_value_fills_the_room(self) -> None:
        root = bars([Bars("Ford", (42.0,), ("42",))], series=("Jobs",))
        assert [WIDTH - LABEL_WIDTH - VALUE_WIDTH] == widths(root)

    def test_the_largest_value_sets_the_scale(self) -> None:
        root = bars([Bars("A", (50.0, 100.0), ("50", "100"))])
        room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
        assert [room / 2, room] == widths(root)

    def test_only_zeros_draw_empty_bars(self) -> None:
        """A zero maximum divides nothing: every bar is 0 wide, every value still written."""
        root = bars([Bars("A", (0.0, 0.0), ("0", "0")), Bars("B", (0.0, -3.0), ("0", "-3"))])
        assert [0.0, 0.0, 0.0, 0.0] == widths(root)
        assert {"0", "-3"} <= set(texts(root))

    def test_one_point_is_a_dot_without_a_line(self) -> None:
        root = line([Point("Mar 1", 4, "4")])
        assert [] == list(root.iter(f"{SVG}polyline"))
        (dot,) = root.iter(f"{SVG}circle")
        assert "Mar 1: 4" == "".join(dot.itertext())

    def test_a_flat_line_of_zeros_lies_on_the_axis(self) -> None:
        root = line([Point(f"d{n}", 0, "0") for n in range(5)])
        axis = next(root.iter(f"{SVG}line"))
        assert {axis.get("y1")} == {c.get("cy") for c in root.iter(f"{SVG}circle")}

    def test_a_year_of_points_keeps_its_labels_apart(self) -> None:
        """366 points: each titled, the axis labelled a few times, no value text crowding."""
        root = line([Point(f"day {n}", n % 7, str(n % 7)) for n in range(366)])
        assert 366 == len(list(root.iter(f"{SVG}circle")))
        ticks = [t for t in root.iter(f"{SVG}text") if "tick--x" in t.get("class", "")]
        assert 2 <= len(ticks) <= 9
        assert "day 365" == "".join(ticks[-1].itertext())
