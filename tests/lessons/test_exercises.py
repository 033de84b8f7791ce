from hotcache_lab.lessons.exercises import check, is_right


def test_verdicts(capsys):
    check("a", None, 3, hint="look at cache_info()")
    check("b", 3, 3)
    check("c", 4, 3)
    check("d", 0.101, 0.1, rel_tol=0.05)
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["[ ] a: not answered yet. Hint: look at cache_info()", "[x] b: right.",
                     "[ ] c: not yet (got 4).", "[x] d: right."]


def test_is_right():
    assert is_right(3, 3) and not is_right(None, None) and not is_right(True, 1)
    assert is_right([1, 2], [1, 2]) and not is_right(0.11, 0.1) and is_right(0.1 + 0.2, 0.3)
