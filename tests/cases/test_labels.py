"""Case fields in words, each list entry named by what it is."""

from __future__ import annotations

import pytest

from chagai.cases.checks import quantities
from chagai.cases.labels import field_label
from chagai.cases.library import bundled_case


@pytest.mark.parametrize(
    ("project", "path", "label"),
    [
        ("reko-diq", "financing[0].rate", "Loan interest rate, US EXIM"),
        ("reko-diq", "financing[1].rate", "Loan interest rate, IFC (ifc-subordinated)"),
        ("reko-diq", "prices[0].price", "Price, copper"),
        ("reko-diq", "production.grades.gold", "Ore grade, gold"),
        ("reko-diq", "costs.opex_per_tonne_milled", "Operating cost per tonne milled"),
        ("sui", "prices[1].price", "Price, natural-gas, pre-2016-terms deck"),
        ("sui", "production.history[0].rate", "Recorded production rate, 2006"),
        ("reko-diq", "location.no_such_field", "No such field"),  # a field without a label: its own name
    ],
)
def test_labels(project: str, path: str, label: str) -> None:
    assert field_label(bundled_case(project), path) == label


@pytest.mark.parametrize("project", ["reko-diq", "saindak", "sui", "duddar"])
def test_every_quantity_of_a_bundled_case_has_a_label_in_words(project: str) -> None:
    case = bundled_case(project)
    for path, _ in quantities(case):
        label = field_label(case, path)
        assert label[0].isupper(), (path, label)
        assert "[" not in label, (path, label)
        assert "_" not in label.split(",")[0], (path, label)
