"""``mobicost sweep``, ``compare`` and ``check`` from the command line."""

from __future__ import annotations

import pytest


def test_sweep_default(run):
    data = run.json("sweep")
    assert data["evaluated"] == 16 and data["kept"] == 16
    assert data["rows"][0] == {
        "model": "1.0 MobileNet-224",
        "alpha": 1,
        "resolution": 224,
        "rho": 1,
        "macs": 568_740_352,
        "adds": 0,
        "flops": 1_137_480_704,
        "params": 4_209_088,
        "peak_bytes": (112 * 112 * 32 + 112 * 112 * 64) * 4,  # the first 1x1's input and output
        "weight_bytes": 4_209_088 * 4,
        "ratio": 1,
        "top1_howard_et_al_2017": 70.6,
        "top1_tf_slim_checkpoints": 70.9,
    }
    out = run("sweep").stdout
    assert "top-1 % (Howard et al. 2017)" in out and "0.5 MobileNet-160" in out


def test_sweep_largest_alpha_under_budget(run):
    data = run.json(
        "sweep",
        "--res",
        "192",
        "--alpha",
        "0.25:1.0:0.05",
        "--max-macs",
        "300M",
        "--sort",
        "alpha",
        "--top",
        "1",
    )
    assert [row["model"] for row in data["rows"]] == ["0.8 MobileNet-192"]
    assert data["evaluated"] == 16


def test_sweep_rho_budgets_pareto_csv(run):
    assert [
        r["resolution"]
        for r in run.json("sweep", "--alpha", "1", "--rho", "1,0.857,0.714,0.571")["rows"]
    ] == [224, 192, 160, 128]
    assert len(run.json("sweep", "--pareto")["rows"]) == 14
    assert all(r["params"] <= 2_000_000 for r in run.json("sweep", "--max-params", "2M")["rows"])
    csv = run("sweep", "--alpha", "0.25:1.0:0.25", "--res", "128:224:32", "-f", "csv").stdout
    assert len([line for line in csv.splitlines() if not line.startswith("#")]) == 17


def test_sweep_cuts_long_human_tables(run):
    out = run("sweep", "--alpha", "0.1:1.0:0.01", "--res", "96:224:16", "--rounding", "slim").stdout
    assert "Showing the first 500 of 819" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--alpha", "1,,0.5"], "empty item in '1,,0.5'"),
        (["--alpha", "0.25:1.0:0"], "step of '0.25:1.0:0' must be positive"),
        (["--res", "224:128"], "a range is start:end:step"),
        (["--res", "224:128:32"], "is empty (start above end)"),
        (["--res", "160.5"], "not a whole number"),
        (["--alpha", "abc"], "expected a list or range such as 1,0.75,0.5 or 0.25:1.0:0.05"),
        (["--res", "160", "--rho", "0.714"], "--res and --rho both set the resolutions"),
        (["--max-macs", "300X"], "expected a count such as 300M, 2.5G or 150000"),
        (["--max-macs", "-1M"], "must be greater than zero"),
        (["--max-params", "0"], "must be greater than zero"),
        (["--sort", "speed"], "'speed' is not one of"),
        (["--top", "0"], "'--top'"),
        (["--alpha", "0.5:2:0.0001"], "more than 10,000 values"),
        (["--alpha", "0.5:1:0.0001", "--res", "100:5000:1"], "is more than one sweep evaluates"),
    ],
)
def test_sweep_bad_input(run, args, fragment):
    assert fragment in run.error("sweep", *args)


def test_compare_layer(run):
    data = run.json(
        "compare", "--k", "3", "--m", "512", "--n", "512", "--size", "14", "--groups", "4"
    )
    rows = {r["variant"]: r for r in data["rows"]}
    assert rows["grouped"]["macs"] == 462_422_016 // 4 and rows["grouped"]["closed_form"] == "1/g"
    assert rows["depthwise-separable"]["closed_form"] == "1/N + 1/D_K**2"
    assert rows["depthwise-separable, alpha = 0.75, rho = 0.714"]["paper_macs"] == "15.1M"
    biased = run.json("compare", "--k", "3", "--m", "8", "--n", "8", "--size", "4", "--bias", "all")
    assert biased["rows"][0]["params"] == 9 * 64 + 8


def test_compare_models(run):
    data = run.json("compare", "--models")
    assert [r["model"] for r in data["rows"]] == [
        "1.0 MobileNet-224",
        "1.0 Conv MobileNet-224",
        "1.0 Shallow MobileNet-224",
        "0.75 MobileNet-224",
    ]
    assert data["rows"][1]["macs"] == 4_867_293_184 and data["rows"][1]["published_macs"] == "4866M"
    named = run.json(
        "compare", "0.5-MobileNet-160", "MobileNet_v1_0.25_224", "--alpha", "0.75", "--res", "192"
    )
    assert [r["model"] for r in named["rows"]] == [
        "0.5 MobileNet-160",
        "0.25 MobileNet-224",
        "0.75 MobileNet-192",
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--k", "3", "--m", "4"], "missing --n, --size"),
        (["--models", "--k", "3"], "--models compares networks"),
        (
            ["--k", "3", "--m", "4", "--n", "4", "--size", "8", "--res", "160"],
            "use it with --models",
        ),
        (["--k", "3", "--m", "6", "--n", "6", "--size", "8", "--groups", "4"], "cannot be split"),
        (["Not-A-Net"], "unknown network 'Not-A-Net'"),
        (["mobilenet-v2@x"], "the width after '@' is not a number"),
        (["mobilenet-v2:12a"], "the resolution after ':' is not a whole number"),
        (["--models", "mobilenet-v1", "--groups", "3"], "none has them"),
    ],
)
def test_compare_bad_input(run, args, fragment):
    assert fragment in run.error("compare", *args)


def test_check_exit_codes(run):
    import json

    # Tables 2-9 all hold or are explained; Tables 12 and 14 hold 9 figures nothing reproduces,
    # Table 10 one (Inception V3's 23.2M parameters), and 18 of Tables 10-14 are not costed
    # (networks the library does not build)
    paper = json.loads(run("check", "--source", "paper", "-f", "json", code=1).stdout)
    assert (paper["claims"], paper["unexplained"]) == (70 + 56, 9 + 1 + 18)
    assert paper["verdicts"]["not costed"] == 18
    slim = json.loads(run("check", "--source", "slim", "--format", "json", code=1).stdout)
    assert slim["unexplained"] == 1  # TF-Slim's 0.25 MobileNet-192 "34M"
    whole = json.loads(run("check", "--format", "json", code=1).stdout)
    library = json.loads(run("check", "--source", "library", "--format", "json", code=1).stdout)
    assert whole["claims"] == paper["claims"] + 20 + library["claims"]
    assert whole["unexplained"] == paper["unexplained"] + 1 + library["unexplained"]
    mismatches = run("check", "--mismatches", code=1).stdout
    assert "paper typo" in mismatches and "1.19%" in mismatches
    assert "holds within printed precision" not in mismatches


def test_check_one_network_and_a_spec_file(run, tmp_path):
    import json

    v2 = json.loads(run("check", "mobilenet-v2", "-f", "json", code=1).stdout)
    by_claim = {(r["claim"], r["source"]): r for r in v2["rows"]}
    documented = by_claim[
        "1.0 MobileNetV2-224: parameters", "torchvision docs, MobileNet_V2_Weights: num_params"
    ]
    assert documented["verdict"] == "holds"
    spec = tmp_path / "mine.toml"
    spec.write_text(
        'name = "mine"\ninput = [3, 8, 8]\n[[layers]]\nop = "conv"\nfilters = 4\nkernel = 3\n'
        '[[published]]\nwhat = "macs"\nprinted = "6.9"\nscale = "K"\nsource = "my notes"\n'
    )
    mine = json.loads(run("check", str(spec), "-f", "json").stdout)
    verdict = mine["rows"][0]["verdict"]  # 6,912 MACs = 3 x 3 x 3 x 4 x 8 x 8: "6.9K"
    assert verdict == "holds within printed precision"
    assert "give NETWORKs or --source" in run.error("check", str(spec), "--source", "paper")


def test_sweep_choices_are_the_librarys():
    from mobicost.analysis.sweep import SORT_KEYS
    from mobicost.cli.sweep import sweep
    from mobicost.nets.spec import ROUNDINGS

    choices = {p.name: list(p.type.choices) for p in sweep.params if p.name in ("sort", "rounding")}
    assert choices == {"sort": list(SORT_KEYS), "rounding": list(ROUNDINGS)}


def test_sweep_memory_budget(run):
    """int8 MobileNets whose activations fit 256 KB: 0.25 MobileNet-96 peaks at its first 1x1,
    48 x 48 x (8 + 16) bytes."""
    data = run.json(
        "sweep", "--alpha", "0.25:1.0:0.05", "--res", "96:224:32", "--dtype", "int8",
        "--max-memory", "256K", "--sort", "macs",
    )  # fmt: skip
    first = data["rows"][0]
    assert first["model"] == "0.25 MobileNet-96" and first["peak_bytes"] == 48 * 48 * 24
    assert all(row["peak_bytes"] <= 256_000 for row in data["rows"])
    assert first["weight_bytes"] == first["params"]  # one byte a weight
    both = run.json("sweep", "--max-weights", "2M", "--weight-dtype", "int8")
    # 0.75 MobileNet has 2,568,144 weights, 0.5 1,319,648: 0.5 and 0.25 at 4 resolutions each
    assert all(row["weight_bytes"] <= 2_000_000 for row in both["rows"]) and both["kept"] == 8


@pytest.mark.parametrize(
    ("text", "count"),
    [("256KiB", 262_144), ("256Ki", 262_144), ("256K", 256_000), ("256kB", 256_000),
     ("1.5MiB", 1_572_864), ("2MB", 2_000_000), ("65536", 65_536), ("1GiB", 2**30)],
)  # fmt: skip
def test_byte_budgets_take_binary_and_si_suffixes(text, count):
    from mobicost.cli.params import BYTES

    assert BYTES.convert(text, None, None) == count


def test_a_binary_budget_is_a_bigger_budget(run):
    """0.25 MobileNet in int8 peaks at its first 1x1 layer, (R/2)^2 x (8 + 16) bytes at input R:
    at 208, 104^2 x 24 = 259,584 bytes, over 256K (256,000) and under 256KiB (262,144)."""
    si = run.json("sweep", "--alpha", "0.25", "--res", "96:224:8", "--dtype", "int8",
                  "--max-memory", "256K")  # fmt: skip
    binary = run.json("sweep", "--alpha", "0.25", "--res", "96:224:8", "--dtype", "int8",
                      "--max-memory", "256KiB")  # fmt: skip
    assert all(row["peak_bytes"] <= 262_144 for row in binary["rows"])
    fits = {row["resolution"] for row in si["rows"]}
    assert fits == set(range(96, 201, 8))
    assert {row["resolution"] for row in binary["rows"]} == fits | {208}
    line = run.error("sweep", "--max-memory", "256Kb")
    assert "256KiB (= 262,144), 256K (= 256,000)" in line
    assert "300M, 2.5G" in run.error("sweep", "--max-macs", "256KiB")  # counts are not bytes


def test_sweep_skips_impossible_widths_and_says_so(run):
    """alpha 0.01 to 1.0 by 0.01 crosses MobileNet v1's impossible widths (int(alpha x 32) = 0
    for alpha 0.01, 0.02, 0.03): they are skipped, counted and explained; a table at one of
    them still fails, and so does a sweep with nothing left."""
    out = run("sweep", "--alpha", "0.01:1.0:0.01", "--res", "224", "--top", "1").stdout
    assert "97 configurations evaluated, 1 kept." in out
    assert "Skipped 3 impossible configurations (alpha 0.01, 0.02, 0.03): " in out
    data = run.json("sweep", "--alpha", "0.01:1.0:0.01", "--res", "224,128")
    assert (data["evaluated"], data["kept"], data["skipped"]) == (194, 194, 6)
    assert [item["alpha"] for item in data["impossible"]] == [0.01, 0.02, 0.03]
    assert data["rows"][0]["alpha"] == 0.04
    assert "leaves a 32-filter layer with no channels" in run.error("table", "--alpha", "0.01")
    assert run.error("sweep", "--alpha", "0.01:0.03:0.01").startswith(
        "Error: no configuration can be built: mobilenet-v1.toml:"
    )
