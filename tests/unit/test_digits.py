"""The digit-split solver: unique, ambiguous and impossible runs; spaces, signs, money."""

from hypothesis import given, settings
from hypothesis import strategies as st

from xxgk.digits import TooMany, agreement, first_run, solve_joint, splits, sum_splits


def r3(option):
    return int(option[6]) == sum(int(x) for x in option[:6])


def test_unique_split_under_row_total():
    # report-format.md §9.13: 一、本年新收… 801000081 is 80, 1, 0, 0, 0, 0, 81
    assert [o for o in splits("801000081", ["count"] * 7) if r3(o)] == [("80", "1", "0", "0", "0", "0", "81")]
    assert sum_splits("801000081", 6) == [("80", "1", "0", "0", "0", "0", "81")]


def test_ambiguous_split_keeps_every_candidate():
    # pingtan 2021 （一）予以公开: two cuts satisfy the row total
    got = sorted(sum_splits("270020130", 6))
    assert got == [("2", "7", "0", "0", "20", "1", "30"), ("27", "0", "0", "2", "0", "1", "30")]
    same = agreement(got)
    assert [s for s, _ in same] == [False, False, True, False, False, True, True]


def test_impossible_run_has_no_split():
    assert splits("12", ["count"] * 3) == []
    assert sum_splits("9999999", 6) == []          # no six counts add up to the last digits
    assert splits("007", ["count", "count"]) == []  # '07' has a leading zero, so no 2-cut exists


def test_leading_zero_forces_single_digit_cells():
    assert splits("0000000", ["count"] * 7) == [("0",) * 7]


def test_spaces_are_hard_boundaries():
    # pingtan 2020 （七）总计 '20 0 00 0 121' = 20, 0, 0, 0, 0, 1, 21
    assert sum_splits("20 0 00 0 121", 6) == [("20", "0", "0", "0", "0", "1", "21")]
    assert splits("1 2", ["count"]) == []


def test_signed_and_money_cells():
    assert splits("35-15", ["count", "signed"]) == [("35", "-15")]
    opts = splits("2832995元", ["count", "money"])
    assert ("2", "832995元") in opts and len(opts) == 6
    assert splits("24252.311082", ["amount"]) == [("24252.311082",)]


def test_prune_and_limit():
    table4 = "110024001510102"  # 1 1 0 0 2 | 4 0 0 1 5 | 1 0 1 0 2

    def group_totals(acc):
        return len(acc) % 5 or int(acc[-1]) == sum(int(x) for x in acc[-5:-1])

    assert splits(table4, ["count"] * 15, prune=group_totals) == [
        ("1", "1", "0", "0", "2", "4", "0", "0", "1", "5", "1", "0", "1", "0", "2")]
    try:
        splits("1" * 40, ["count"] * 10, limit=50)
    except TooMany:
        pass
    else:
        raise AssertionError("expected TooMany")


def test_solve_joint_and_first_run():
    rows = [[(1, 2), (2, 1)], [(3, 3)]]
    assert solve_joint(rows, lambda c: c[0][0] + c[1][0] == 4) == [((1, 2), (3, 3))]
    assert solve_joint([[(1,)] * 1000] * 3, lambda c: True, limit=10) is None
    assert first_run("（区分处理的）1000001（三）不予公开").group(0) == "1000001"
    assert first_run("总计 0 1 1 0 2 五、").group(0) == "0 1 1 0 2"
    assert first_run("政府集中采购39573802895.90元三、").group(0) == "39573802895.90元"


def _brute_sum_splits(run: str, n_parts: int) -> list[tuple[str, ...]]:
    """Every cut by brute force: the oracle for sum_splits (spaces are hard boundaries, no leading zeros)."""
    import itertools

    tokens = run.split(" ")
    digits = "".join(tokens)
    forced = set(itertools.accumulate(len(t) for t in tokens[:-1]))
    out = []
    for cuts in itertools.combinations(range(1, len(digits)), n_parts):
        if not forced <= set(cuts):
            continue
        bounds = (0, *cuts, len(digits))
        cells = [digits[a:b] for a, b in itertools.pairwise(bounds)]
        if any(c[0] == "0" and len(c) > 1 for c in cells):
            continue
        if sum(int(c) for c in cells[:-1]) == int(cells[-1]):
            out.append(tuple(cells))
    return out


@given(st.lists(st.integers(0, 60), min_size=6, max_size=6), st.text("0123456789 ", max_size=3),
       st.randoms(use_true_random=False))
@settings(max_examples=150, deadline=None)
def test_sum_splits_finds_exactly_every_cut(parts, noise, rnd):
    run = "".join(map(str, parts)) + str(sum(parts))
    if noise.strip():  # sometimes a run that is not a valid row, or has spaces inside
        pos = rnd.randrange(len(run) + 1)
        run = (run[:pos] + noise + run[pos:]).strip()
        run = " ".join(run.split())
    if not run or len(run.replace(" ", "")) < 7 or len(run) > 18 or not run.replace(" ", "").isdigit():
        return
    assert sum_splits(run, 6) == _brute_sum_splits(run, 6)


def test_runs_longer_than_a_row_are_refused_with_a_reason():
    import pytest

    with pytest.raises(TooMany, match=r"\(57 digits\) are longer than any plausible row of 7 cells \(at most 56\)"):
        sum_splits("1" * 57, 6)
    with pytest.raises(TooMany, match="needs more than 1,000 search steps"):
        sum_splits("1" * 56, 6, steps=1000)
    with pytest.raises(TooMany, match="longer than any plausible row of 3 cells"):
        splits("9" * 25, ["count", "count", "count"])
