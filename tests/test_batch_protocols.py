"""Per-sample protocols: each sample of an arm batch runs exactly as its own configuration, at
any thread count and chunking; padding is inert; failures are statuses; bad tables are errors."""

import copy

import numba
import numpy as np
import pytest
import xarray as xr

from follisim import ConfigError, Status, simulate
from follisim.experiment import arm_batch, simulate_arm
from follisim.interventions import DEFAULT_CARGO, PRESETS
from follisim.io.experiment import parse_experiment
from follisim.models import RAT
from follisim.protocols import stack
from follisim.simulate import solve_protocols

CTX = {"preset": "CTX_SD_30x5_Tang"}
HUCMSC = {"agent": "hucmsc", "dose": 1e6, "unit": "cells", "route": "iv", "days": [8]}
EV = {"agent": "ev", "dose": 100, "unit": "ug", "route": "iv", "days": [8, 11, 14]}
DOC = {"experiment": {"measure_days": [20.0, 30.0], "save_interval": 0.5, "burn_in": 20.0,
                      "measure_window": 4.0},
       "solver": {"max_steps": 20000},
       "arms": [{"name": "control"},
                {"name": "poi", "doses": [CTX]},
                {"name": "poi_hucmsc", "doses": [CTX, HUCMSC]},
                {"name": "poi_ev", "doses": [CTX, EV]}]}
VARIABLES = RAT.state_names + RAT.observable_names + RAT.input_names


@pytest.fixture(scope="module")
def exp():
    return parse_experiment(DOC, "<test>")


def explicit_ctx(scale=1.0):
    (line,) = PRESETS["CTX_SD_30x5_Tang"]
    return {"agent": line.agent, "dose": line.dose * scale, "unit": line.unit,
            "route": line.route, "days": list(line.days)}


def single_config(arm, row):
    """The experiment document of one sample, written out by hand, and its arm's config."""
    doc = copy.deepcopy(DOC)
    entry = next(a for a in doc["arms"] if a["name"] == arm)
    params = {k: v for k, v in row.items() if "." not in k}
    entry["parameters"] = params
    doses = []
    for d in entry.get("doses", []):
        if d.get("preset"):
            d = explicit_ctx(row.get("cyclophosphamide.dose_scale", 1.0))
        d = dict(d)
        agent = d["agent"]
        if f"{agent}.dose" in row:
            d["dose"] = row[f"{agent}.dose"]
        if f"{agent}.day" in row:
            first = d["days"][0]
            d["days"] = [row[f"{agent}.day"] + (day - first) for day in d["days"]]
        cargo = {k.split(".", 2)[2]: v for k, v in row.items() if k.startswith("ev.cargo.")}
        if agent == "ev" and cargo:
            d["cargo"] = {**DEFAULT_CARGO, **cargo}
        doses.append(d)
    entry["doses"] = doses
    return parse_experiment(doc, "<single>").arm(arm).config


TABLES = {
    "poi_hucmsc": {"hucmsc.dose": [1e6, 3e5, 2e7, 0.0], "hucmsc.day": [8.0, 5.5, 12.25, 20.0],
                   "msc_homing_fraction": [0.01, 0.05, 0.002, 0.2],
                   "k_activation": [RAT.parameters["k_activation"].default, 0.002, 0.004, 0.003],
                   "cyclophosphamide.dose_scale": [1.0, 0.5, 1.5, 0.0]},
    "poi_ev": {"ev.cargo.miR-126-3p": [1e6, 1e8, 0.0, 3e7], "ev_ovarian_uptake": [0.005, 0.05,
                                                                                   0.001, 0.1],
               "ev.day": [8.0, 3.0, 10.0, 15.5], "cyclophosphamide_gc_potency": [0.1466, 0.3,
                                                                                 0.05, 1.0]},
}


@pytest.fixture(scope="module")
def batches(exp):
    return {arm: simulate_arm(exp, arm, table) for arm, table in TABLES.items()}


@pytest.mark.parametrize("arm", sorted(TABLES))
def test_each_sample_is_bit_identical_to_its_single_configuration(exp, batches, arm):
    table = TABLES[arm]
    ds = batches[arm]
    for s in range(ds.sizes["sample"]):
        cfg = single_config(arm, {k: v[s] for k, v in table.items()})
        single = simulate(cfg)
        row = ds.isel(sample=s)
        assert int(row.status) == Status.SUCCESS == int(single.status)
        for name in VARIABLES:
            np.testing.assert_array_equal(row[name].values, single[name].values, err_msg=name)
        np.testing.assert_array_equal(row.n_steps.values, single.n_steps.values)


def test_samples_differ_where_their_dosing_differs(batches):
    """Guard against the batch silently ignoring a column."""
    ds = batches["poi_hucmsc"]
    msc = ds.msc_signal.values
    assert np.all(msc[3, ds.time.values < 20.0] == 0.0)      # zero dose: no MSC signal
    assert msc[0].max() > 0 and not np.array_equal(msc[0], msc[1])
    ev = batches["poi_ev"]
    assert ev.pik3r2_repression.values[2].max() == 0.0       # no miR-126 copies
    assert ev.pik3r2_repression.values[1].max() > ev.pik3r2_repression.values[0].max()


def test_padding_is_inert(exp):
    """Arms with 0, 1 and 2 PK chains stacked in one batch run as each arm alone."""
    arms = [exp.arm(n) for n in ("control", "poi", "poi_hucmsc", "poi_ev")]
    compiled = [a.config.protocol.compile(RAT, 0.0, exp.days) for a in arms]
    batch = stack(compiled)
    assert batch.pk_rates.shape[1] == 3      # poi_hucmsc pads its maps with a third chain
    assert np.isinf(batch.ev_t[0]).all()
    cfg = arms[0].config
    P = np.stack([RAT.parameters.pack(a.config.parameters) for a in arms])
    out_y, out_u, out_obs, codes, _ = solve_protocols(cfg, P, batch)
    for s, arm in enumerate(arms):
        single = simulate(arm.config)
        assert codes[s] == Status.SUCCESS
        for k, name in enumerate(RAT.state_names):
            np.testing.assert_array_equal(out_y[s, :, k], single[name].values, err_msg=name)
        for k, name in enumerate(RAT.input_names):
            np.testing.assert_array_equal(out_u[s, :, k], single[name].values, err_msg=name)


def test_independent_of_thread_count_and_chunking(exp):
    rng = np.random.default_rng(3)
    n = 13
    table = {"hucmsc.dose": rng.uniform(1e5, 1e7, n), "hucmsc.day": rng.uniform(5.0, 20.0, n),
             "fsh_secretion": rng.uniform(15.0, 30.0, n)}
    original = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate_arm(exp, "poi_hucmsc", table)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate_arm(exp, "poi_hucmsc", table)
        parts = [simulate_arm(exp, "poi_hucmsc", {k: v[a:b] for k, v in table.items()})
                 for a, b in ((0, 4), (4, 5), (5, n))]
    finally:
        numba.set_num_threads(original)
    xr.testing.assert_identical(one.drop_attrs(), two.drop_attrs())
    chunked = xr.concat(parts, dim="sample").assign_coords(sample=np.arange(n))
    xr.testing.assert_identical(one.drop_attrs(), chunked.drop_attrs())


def test_failed_sample_is_a_status(exp):
    doc = copy.deepcopy(DOC)
    doc["solver"]["max_steps"] = 3000
    table = {"k_e2_clearance": [RAT.parameters["k_e2_clearance"].default, 1000.0],
             "hucmsc.dose": [1e6, 1e6]}
    ds = simulate_arm(doc, "poi_hucmsc", table)
    assert ds.status.values.tolist() == [Status.SUCCESS, Status.MAX_STEPS]
    assert "step limit" in str(ds.status_message.values[1])
    assert ds.attrs["n_failed"] == 1 and np.isnan(ds.e2.values[1, -1])


@pytest.mark.parametrize(("table", "key", "fragment"), [
    ({"hucmsc.dosage": [1.0]}, "hucmsc.dosage", "not a dose modifier"),
    ({"hucmcs.dose": [1.0]}, "hucmcs.dose", "did you mean 'hucmsc'"),
    ({"msc_homing_fractoin": [0.1]}, "msc_homing_fractoin", "did you mean 'msc_homing_fraction'"),
    ({"msc_homing_fraction": [0.9]}, "msc_homing_fraction", "outside [0.0001, 0.5]"),
    ({"hucmsc.day": [29.0, 31.0]}, "hucmsc.day", "row 1: first dose on day 31"),
    ({"cyclophosphamide.day": [27.0]}, "cyclophosphamide.day", "allowed: 0 to 26"),
    ({"hucmsc.dose": [-1.0]}, "hucmsc.dose", "must be >= 0"),
    ({"hucmsc.cargo.miR-21-5p": [1.0]}, "hucmsc.cargo.miR-21-5p", "EVs only"),
    ({"ev.cargo.miR-999": [1.0]}, "ev.cargo.miR-999", "unknown miRNA"),
    ({"hucmsc.dose": [1.0], "k_activation": [0.003, 0.002]}, "k_activation", "has 2 rows"),
])
def test_bad_table_names_the_column(exp, table, key, fragment):
    with pytest.raises(ConfigError, match=None) as err:
        arm_batch(exp, "poi_hucmsc", table, "sweep.toml")
    assert err.value.key == key and fragment in str(err.value), str(err.value)


def test_dose_needs_one_dose_per_agent():
    doc = {"experiment": {"measure_days": [20.0]},
           "arms": [{"name": "wistar", "doses": [{"preset": "CTX_wistar_50_8"}]}]}
    exp = parse_experiment(doc, "<test>")
    with pytest.raises(ConfigError, match="several doses"):
        arm_batch(exp, "wistar", {"cyclophosphamide.dose": [10.0]})
    b = arm_batch(exp, "wistar", {"cyclophosphamide.dose_scale": [0.5, 2.0]})
    amounts = np.sort(b.protocols.ev_value[1][np.isfinite(b.protocols.ev_t[1])])
    np.testing.assert_array_equal(np.unique(amounts), [16.0, 100.0])

