"""The digit-split solver: unique, ambiguous and impossible runs; spaces, signs, money."""

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
