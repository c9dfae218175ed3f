"""Tests of the price table (catalogue prices with the user's overrides) and of costs."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.catalogue import (
    UNKNOWN_MODEL,
    CostSummary,
    Price,
    PriceTable,
    catalogue_prices,
    conversation_cost,
    cost_usd,
    price_for,
    price_from_json,
    price_to_json,
    same_price,
)

PRO_OVERRIDE = {"input": 2.0, "output": 6.0, "cached_input": None}


def test_without_overrides_the_table_is_the_catalogue() -> None:
    table = PriceTable()
    for model_id, price in catalogue_prices().items():
        assert table.price_for(model_id) == price == price_for(model_id)
    assert table.price_for("mimo-v2.5-pro") is None
    assert table.cost_usd("mimo-v2-pro", 1000, 200, 500) == cost_usd("mimo-v2-pro", 1000, 200, 500)


def test_an_override_replaces_the_whole_catalogue_price() -> None:
    table = PriceTable({"MiMo-V2-Pro": PRO_OVERRIDE})
    assert table.price_for("mimo-v2-pro") == Price(input=2.0, output=6.0, cached_input=None)
    assert table.is_overridden("mimo-v2-pro")
    # No cached rate now: cached tokens are billed at the input rate.
    assert table.cost_usd("mimo-v2-pro", 1_000_000, 500_000, 1_000_000) == pytest.approx(8.0)
    # The module-level functions still give catalogue prices.
    assert price_for("mimo-v2-pro") == Price(input=1.0, output=3.0, cached_input=0.2)
    assert cost_usd("mimo-v2-pro", 1_000_000, 0, 0) == pytest.approx(1.0)


def test_an_override_can_price_a_model_the_catalogue_does_not() -> None:
    table = PriceTable({"local-llama": {"input": 0, "output": 0.5}})
    assert table.price_for("local-llama") == Price(input=0.0, output=0.5)
    assert table.cost_usd("local-llama", 0, 0, 2_000_000) == pytest.approx(1.0)
    assert table.model_ids()[-1] == "local-llama"
    assert table.model_ids()[:4] == list(catalogue_prices())


def test_an_override_equal_to_the_catalogue_is_not_marked_overridden() -> None:
    table = PriceTable({"mimo-v2-flash": price_to_json(catalogue_prices()["mimo-v2-flash"])})
    assert not table.is_overridden("mimo-v2-flash")


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "cheap",
        {"input": 1.0},
        {"output": 1.0},
        {"input": -1.0, "output": 1.0},
        {"input": "1", "output": 1.0},
        {"input": True, "output": 1.0},
        {"input": float("nan"), "output": 1.0},
        {"input": 1.0, "output": float("inf")},
        {"input": 1.0, "output": 1.0, "cached_input": -0.1},
        {"input": 1.0, "output": 1.0, "cached_input": "0.1"},
    ],
)
def test_malformed_overrides_are_ignored(raw: Any) -> None:
    assert price_from_json(raw) is None
    table = PriceTable({"mimo-v2-pro": raw, "": PRO_OVERRIDE})
    assert table.price_for("mimo-v2-pro") == price_for("mimo-v2-pro")
    assert dict(table.overrides) == {}


def test_price_json_round_trip() -> None:
    price = Price(input=0.4, output=2.0, cached_input=0.1)
    assert price_from_json(price_to_json(price)) == price
    assert price_from_json({"input": 1, "output": 2}) == Price(input=1.0, output=2.0)


def test_same_price_tolerates_float_noise_only() -> None:
    assert same_price(Price(0.1, 0.3, 0.01), Price(0.1 + 1e-15, 0.3, 0.01))
    assert not same_price(Price(0.1, 0.3, 0.01), Price(0.1, 0.3, None))
    assert not same_price(Price(0.1, 0.3), Price(0.11, 0.3))
    assert same_price(None, None)
    assert not same_price(None, Price(0.0, 0.0))


def usage(prompt: int, completion: int, cached: int = 0, reasoning: int = 0) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cached_tokens": cached,
        "reasoning_tokens": reasoning,
    }


def test_conversation_cost_sums_tokens_and_cost_over_models() -> None:
    summary = conversation_cost(
        [
            ("mimo-v2-pro", None),  # a user message
            ("mimo-v2-pro", usage(1_000_000, 1_000_000, cached=500_000, reasoning=300_000)),
            ("mimo-v2-flash", usage(2_000_000, 1_000_000)),
        ]
    )
    assert summary.input_tokens == 3_000_000
    assert summary.cached_tokens == 500_000
    assert summary.output_tokens == 2_000_000
    assert summary.reasoning_tokens == 300_000
    assert summary.total_tokens == 5_000_000
    # pro: 0.5M * 1.0 + 0.5M * 0.2 + 1M * 3.0 = 3.6; flash: 2M * 0.1 + 1M * 0.3 = 0.5
    assert summary.cost_usd == pytest.approx(4.1)
    assert summary.priced_cost_usd == pytest.approx(4.1)
    assert summary.unpriced_models == ()
    assert summary.replies == 2


def test_conversation_cost_uses_the_price_table_given() -> None:
    table = PriceTable({"mimo-v2-flash": {"input": 1.0, "output": 1.0}})
    summary = conversation_cost([("mimo-v2-flash", usage(1_000_000, 1_000_000))], table)
    assert summary.cost_usd == pytest.approx(2.0)


def test_an_unpriced_model_makes_the_total_unknown_but_keeps_the_known_part() -> None:
    summary = conversation_cost(
        [
            ("mimo-v2-flash", usage(1_000_000, 0)),
            ("Local-Model", usage(10, 10)),
            (None, usage(5, 5)),
        ]
    )
    assert summary.cost_usd is None
    assert summary.priced_cost_usd == pytest.approx(0.1)
    assert summary.unpriced_models == ("local-model", UNKNOWN_MODEL)
    assert summary.input_tokens == 1_000_015


def test_an_unpriced_model_that_used_no_tokens_does_not_spoil_the_total() -> None:
    summary = conversation_cost([("local-model", usage(0, 0)), ("mimo-v2-tts", usage(9, 9))])
    assert summary.cost_usd == 0.0
    assert summary.unpriced_models == ()


def test_conversation_cost_of_nothing_is_zero() -> None:
    assert conversation_cost([]) == CostSummary()
    assert conversation_cost([]).cost_usd == 0.0


def test_odd_usage_records_are_read_without_raising() -> None:
    summary = conversation_cost(
        [
            ("mimo-v2-flash", {"prompt_tokens": "many", "completion_tokens": 10}),
            ("mimo-v2-flash", {"prompt_tokens": 10, "cached_tokens": 50, "reasoning_tokens": 99}),
            ("mimo-v2-flash", {"prompt_tokens": -5, "completion_tokens": True}),
            ("mimo-v2-flash", "not a dict"),  # type: ignore[list-item]
        ]
    )
    assert summary.input_tokens == 10
    assert summary.cached_tokens == 10  # at most the prompt
    assert summary.output_tokens == 10
    assert summary.reasoning_tokens == 0  # at most the completion
    assert summary.total_tokens == 20  # prompt + completion where total is missing
    assert summary.replies == 3
    assert summary.cost_usd is not None
