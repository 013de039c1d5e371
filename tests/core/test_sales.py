"""A priced stake sale is a transfer: the buyer pays, the seller receives; a sale the model cannot value is refused."""

from __future__ import annotations

import math

import pytest
import yaml

from chagai.cases.compile import Scenario, StakeSale, compile_case
from chagai.cases.io import case_from_data
from chagai.core.metrics import npv
from chagai.errors import InputError
from chagai.services.appraise import appraise

from ..conftest import FIXTURES

POCKET = yaml.safe_load((FIXTURES / "pocket-mine.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pocket():  # type: ignore[no-untyped-def]
    return case_from_data(POCKET)


def _party(a, party_id: str) -> int:  # type: ignore[no-untyped-def]
    return next(i for i, p in enumerate(a.compiled.parties) if p.id == party_id)


def test_the_buyer_pays_and_the_seller_receives_the_price(pocket) -> None:  # type: ignore[no-untyped-def]
    price = 12.5
    free = appraise(pocket, Scenario(sales=(StakeSale(0.2, "minco", "holdco", 2029),)), solve=False)
    paid = appraise(pocket, Scenario(sales=(StakeSale(0.2, "minco", "holdco", 2029, price),)), solve=False)
    t = 2029 - 2026
    buyer, seller = _party(paid, "holdco"), _party(paid, "minco")
    assert paid.party_net[buyer, t] == pytest.approx(free.party_net[buyer, t] - price, abs=1e-12)
    assert paid.party_net[seller, t] == pytest.approx(free.party_net[seller, t] + price, abs=1e-12)
    # nothing else moves: the project's lines are those of the unpriced sale but the government's, which hold the
    # federal buyer's payment
    assert paid.figure("npv_pre_tax").value == free.figure("npv_pre_tax").value
    federal_pv = paid.figure("government_federal_pv").value - free.figure("government_federal_pv").value
    assert federal_pv == pytest.approx(-price / 1.1**t, abs=1e-9)


def test_sale_values_for_the_buyer_and_the_seller(pocket) -> None:  # type: ignore[no-untyped-def]
    price = 12.5
    sale = StakeSale(0.2, "minco", "holdco", 2029, price)
    a = appraise(pocket, Scenario(sales=(sale,)), solve=False)
    holding = appraise(pocket, Scenario(), solve=False)
    (value,) = a.sales
    t = 2029 - 2026
    buyer_flows = a.party_net[_party(a, "holdco")]
    assert value.buyer_npv == pytest.approx(float(npv(0.1, buyer_flows)), abs=1e-9)
    seller = _party(a, "minco")
    assert value.seller_npv_holding == pytest.approx(float(npv(0.1, holding.party_net[seller])), abs=1e-9)
    assert value.seller_gain == pytest.approx(value.seller_npv_with_sale - value.seller_npv_holding, abs=1e-12)
    # at its indifference price, each party's NPV (buyer) or gain (seller) is zero
    for indifferent, key in (
        (value.buyer_indifference_price, "buyer_npv"),
        (value.seller_indifference_price, "seller_gain"),
    ):
        again = appraise(pocket, Scenario(sales=(StakeSale(0.2, "minco", "holdco", 2029, indifferent),)), solve=False)
        assert getattr(again.sales[0], key) == pytest.approx(0.0, abs=1e-7), key
    assert value.buyer_indifference_price == pytest.approx(price + value.buyer_npv * 1.1**t, abs=1e-9)
    assert math.isnan(value.seller_government_gain)  # a private seller has no government receipts to change


def test_a_group_seller_shares_the_price_pro_rata(pocket) -> None:  # type: ignore[no-untyped-def]
    a = appraise(
        pocket, Scenario(sales=(StakeSale(0.05, "provincial", ["new", "fund"][1], 2028, 30.0, True),)), solve=False
    )
    t = 2028 - 2026
    province = _party(a, "province")
    base = appraise(pocket, Scenario(sales=(StakeSale(0.05, "provincial", "fund", 2028, None, True),)), solve=False)
    assert a.party_net[province, t] - base.party_net[province, t] == pytest.approx(30.0, abs=1e-9)
    assert a.party_net[_party(a, "fund"), t] - base.party_net[_party(base, "fund"), t] == pytest.approx(-30.0)


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("15%:minco->holdco@2020", "--sell year", "from the valuation year 2026"),
        ("15%:minco->holdco@9999", "--sell year", "last year"),
        ("15%:minco->manara@2028", "--sell buyer", "new:manara"),
        ("15%:minco->new:holdco@2028", "--sell buyer", "not yet in the case"),
    ],
)
def test_a_sale_the_model_cannot_value_is_refused(pocket, text: str, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        compile_case(pocket, Scenario(sales=(StakeSale.parse(text),)))
    (issue,) = caught.value.issues
    assert issue.path == field
    assert words in f"{issue.expected} {issue.fix}"


@pytest.mark.parametrize("price", ["nan", "inf", "-5"])
def test_a_price_must_be_a_finite_number(price: str) -> None:
    with pytest.raises(InputError) as caught:
        StakeSale.parse(f"15%:minco->holdco@2028={price}")
    assert caught.value.issues[0].path == "--sell price"


def test_a_new_buyer_is_declared_in_the_text() -> None:
    sale = StakeSale.parse("15%:federal->new:gulf-fund@2028=540")
    assert (sale.buyer, sale.new_buyer, sale.price) == ("gulf-fund", True, 540.0)


def test_an_overridden_input_is_credited_to_the_override_and_listed() -> None:
    from chagai.cases.library import bundled_case

    reko = bundled_case("reko-diq")
    a = appraise(reko, Scenario(), {"prices.copper": 9000}, solve=False)
    copper = next(p for p in a.case.prices if p.commodity == "copper" and p.deck == "base")
    assert copper.price.value == 9000
    assert copper.price.source == []
    assert copper.price.estimate is not None
    assert copper.price.estimate.startswith("override in this run: prices.copper = 9000")
    assert "override prices.copper = 9000" in a.compiled.scenario.changes()
    assert a.result().model_dump()["scenario"]["overrides"] == [{"path": "prices.copper", "value": "9000"}]
