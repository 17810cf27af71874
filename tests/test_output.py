"""Where output goes and what it looks like there: CSV that opens anywhere."""

from __future__ import annotations

import io
from fractions import Fraction

# --- CSV -----------------------------------------------------------------------------------------


def test_sweep_csv_equals_the_frame_and_exports_concatenate(run):
    import pandas

    from mobicost.sweep import sweep

    grid = ["--alpha", "1/3,0.35,1", "--res", "97,224", "--rounding", "div8"]
    first = pandas.read_csv(io.StringIO(run("sweep", *grid, "--bn", "slim", "-f", "csv").stdout))
    assert list(first["alpha"]) == [1 / 3, 1 / 3, 0.35, 0.35, 1.0, 1.0]
    assert set(first["bn"]) == {"slim"} and set(first["rounding"]) == {"div8"}
    assert str(first["macs"].dtype) == "int64" and first["top1_paper"].isna().sum() == 5
    second = pandas.read_csv(io.StringIO(run("sweep", "--unit", "flops", "-f", "csv").stdout))
    both = pandas.concat([first, second], ignore_index=True)
    assert str(both["macs"].dtype) == "int64" and len(both) == 6 + 16
    assert set(both["unit"]) == {"macs", "flops"}
    frame = sweep([Fraction(1, 3), "0.35", "1"], [97, 224], rounding="div8").to_frame()
    csv = pandas.read_csv(io.StringIO(run("sweep", *grid, "-f", "csv").stdout))
    pandas.testing.assert_frame_equal(csv, frame, check_exact=True)
