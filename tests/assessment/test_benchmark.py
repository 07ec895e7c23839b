import pytest

from assessment.benchmark import MIN_PEERS, benchmark, median, percentile_rank


@pytest.mark.parametrize(
    ("value", "peers", "expected"),
    [
        (3.0, [1.0, 2.0, 4.0, 5.0, 2.5], 60.0),  # 3 below of 5
        (3.0, [3.0, 3.0, 1.0, 4.0, 5.0], 40.0),  # 1 below + ½·2 ties = 2 of 5
        (1.0, [1.0, 1.0, 1.0, 1.0, 1.0], 50.0),  # all tied: the middle
        (5.0, [1.0, 2.0, 3.0, 4.0, 4.5, 4.9], 100.0),
        (0.5, [1.0, 2.0, 3.0, 4.0, 5.0], 0.0),
    ],
)
def test_percentile_rank_by_hand(value, peers, expected):
    assert percentile_rank(value, peers) == pytest.approx(expected)


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert median([4, 1, 3, 2]) == 2.5
    assert median([5, 1, 3]) == 3


def test_a_benchmark_is_withheld_below_five_peers_and_shown_from_five():
    own = {"process": 3.0, "people": 2.0}
    peers = [{"process": v, "people": v} for v in (1.0, 2.0, 4.0, 5.0)]
    few = {b.dimension: b for b in benchmark(own, peers, ["process", "people"])}
    assert few["process"].percentile is None and few["process"].peers == 4
    assert few["process"].peer_median is None
    enough = {b.dimension: b for b in benchmark(own, [*peers, {"process": 3.0}], ["process", "people"])}
    assert MIN_PEERS == 5
    assert enough["process"].percentile == pytest.approx(100 * (2 + 0.5) / 5)
    assert enough["process"].peer_median == 3.0
    # Only four peers have a people score: that dimension stays hidden.
    assert enough["people"].percentile is None and enough["people"].peers == 4


def test_a_dimension_without_evidence_has_no_percentile():
    peers = [{"process": float(v)} for v in range(1, 6)]
    (result,) = benchmark({"process": None}, peers, ["process"])
    assert result.percentile is None and result.peers == 5 and result.peer_median == 3.0
