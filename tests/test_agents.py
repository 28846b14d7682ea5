"""The agent engine: RNG, transition table, mean equality with the ODE, conservation,
determinism across threads and chunks, capacity growth, marks, CLI.

False-failure rate of the statistical tests: each compares replicate means with the ODE at every
save time and stage, with a per-comparison two-sided normal band chosen so that the family
(Bonferroni) fails with probability at most ALPHA = 1e-3 when the engine is right (normal
approximation of the replicate mean). Seeds are
fixed, so each test is deterministic; the rate is the chance that a correct engine would fail
for a seed picked at random.
"""

from __future__ import annotations

import dataclasses

import numba
import numpy as np
import pytest
import xarray as xr
from scipy import stats

import follisim
from follisim.agents import TRANSITIONS, compile_tables, replicate_cycles, run_agents
from follisim.agents.dataset import AGENT_CRITERIA
from follisim.agents.scaling import scaled_ovary
from follisim.cli import main
from follisim.core import rat, rng
from follisim.cycles import status_at
from follisim.io.config import ConfigError, load
from follisim.io.experiment import load_experiment
from follisim.models import RAT
from follisim.solution import Status

ALPHA = 1e-3
COUNTS = ("primordial", "primary", "secondary", "antral", "preovulatory", "corpora_lutea",
          "atretic", "ovulated")
DEFAULT = "configs/default.toml"
HUCMSC = "experiments/rat_ctx_hucmsc_iv/experiment.toml"


def short(days=30.0, save_interval=0.5):
    return {"run": {"model": "rat", "days": days, "save_interval": save_interval}}


def arm(name, save_interval=0.5):
    exp = load_experiment(HUCMSC)
    cfg = next(a.config for a in exp.arms if a.name == name)
    return dataclasses.replace(cfg, save_t=np.arange(0.0, cfg.days + 1e-9, save_interval))


# --- random numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("counter, key, expected", [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
])
def test_philox_matches_random123_known_answers(counter, key, expected):
    out = rng.philox4x32(*(np.uint64(x) for x in counter + key))
    assert tuple(int(x) for x in out) == expected


@numba.njit
def _poisson_draws(seed, lam, n):
    state = rng.seeded(seed, 3)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = rng.poisson(state, lam)
    return out


@pytest.mark.parametrize("lam", [0.7, 4.0, 37.0])
def test_poisson_sampler_follows_the_poisson_law(lam):
    """Chi-square goodness of fit against scipy's pmf (false failure 1e-4 per mean)."""
    x = _poisson_draws(11, lam, 20000)
    lo, hi = stats.poisson.ppf([1e-3, 1 - 1e-3], lam).astype(int)
    edges = np.arange(lo, hi + 2)
    observed = np.histogram(np.clip(x, lo, hi), bins=edges)[0]
    p = stats.poisson.pmf(np.arange(lo, hi + 1), lam)
    p[0] += stats.poisson.cdf(lo - 1, lam)
    p[-1] += stats.poisson.sf(hi, lam)
    assert stats.chisquare(observed, p * x.size).pvalue > 1e-4


# --- the transition table is the model's follicle topology ------------------------------------

def test_transition_table_reproduces_the_follicle_rows_of_rat_rhs():
    """sum over transitions of hazard x source count, out of the source and into the target
    (and counter), equals rat.rhs for every follicle state and counter, at random states."""
    tables = compile_tables(RAT)
    generator = np.random.default_rng(5)
    p = RAT.parameters.pack()
    for _ in range(20):
        y = RAT.y0_guess() * generator.uniform(0.2, 3.0, len(RAT.states))
        y[rat.SURGE] = generator.uniform(0, 1)
        u = np.where(generator.uniform(size=len(RAT.inputs)) < 0.3,
                     generator.uniform(0, 0.5, len(RAT.inputs)), 0.0)
        h = np.empty(len(rat.HAZARD_NAMES))
        dydt = np.empty(len(y))
        rat.hazards(y, p, u, h)
        rat.rhs(0.0, y, p, u, dydt)
        flow = np.zeros(len(y))
        for hz, src, dst, counter in tables.transitions:
            f = h[hz] * y[src]
            flow[src] -= f
            if dst >= 0:
                flow[dst] += f
            if counter >= 0:
                flow[counter] += f
        owned = tables.owned != 0
        np.testing.assert_allclose(flow[owned], dydt[owned], rtol=1e-12, atol=1e-12)
    assert {RAT.state_names[i] for i in rat.FOLLICLE_STATES} == (
        {t.source for t in TRANSITIONS} | {t.target for t in TRANSITIONS if t.target})


def test_engine_needs_a_model_with_hazards():
    with pytest.raises(ConfigError, match="hazards"):
        run_agents({"run": {"model": "reference", "days": 5}}, replicates=2)


@pytest.mark.parametrize("kwargs, key", [
    ({"replicates": 0}, "replicates"), ({"seed": -1}, "seed"), ({"step": 0.0}, "step"),
    ({"mode": "exact"}, "mode"), ({"size_parameters": {"size_antral": 5.0}}, "size_antral"),
])
def test_bad_agent_options_name_the_option(kwargs, key):
    with pytest.raises(ConfigError, match=key):
        run_agents(short(5), **kwargs)


# --- splitting convergence and mean equality --------------------------------------------------

def test_mean_field_splitting_converges_to_the_ode_at_second_order():
    """The deterministic variant of the engine's splitting (same loop, expected follicle flow)
    converges to the adaptive DP5 ODE as the step shrinks: errors fall ~4x per halving."""
    doc = short(30.0, 0.1)
    ode = follisim.simulate(doc)
    errors = []
    for step in (0.02, 0.01, 0.005):
        mf = run_agents(doc, replicates=1, mode="mean_field", step=step)
        errors.append([float(np.max(np.abs(mf[v].values[0] - ode[v].values))
                             / np.max(np.abs(ode[v].values)))
                       for v in ("ovulated", "e2", "fsh", "antral", "primordial")])
    errors = np.array(errors)
    ratios = errors[:-1] / errors[1:]
    assert np.all(ratios > 3.0), ratios
    assert np.all(errors[1] < [2e-3, 1e-2, 1e-2, 1e-4, 1e-8]), errors[1]   # default step


def test_day0_state_and_inputs_are_the_odes():
    cfg = arm("poi_hucmsc", 0.1)
    ode = follisim.simulate(cfg)
    mf = run_agents(cfg, replicates=1, mode="mean_field")
    for v in RAT.state_names:
        assert mf[v].values[0, 0] == ode[v].values[0], v
    for v in RAT.input_names:             # same protocol arrays, same closed-form PK
        np.testing.assert_array_equal(mf[v].values, ode[v].values, err_msg=v)


def _assert_mean_equals_ode(cfg, replicates, seed):
    ode = follisim.simulate(cfg)
    mf = run_agents(cfg, replicates=1, mode="mean_field")
    ds = run_agents(cfg, replicates=replicates, seed=seed, mode="forced")
    assert ds.attrs["n_failed"] == 0
    n_tests = len(COUNTS) * ds.time.size
    z = stats.norm.isf(ALPHA / (2 * n_tests))
    for v in COUNTS:
        x = ds[v].values
        mean = x.mean(axis=0)
        # sample variance, floored at the least variance an integer count with the ODE's mean
        # can have (f (1 - f), f its fractional part): a rare count seen in no replicate must
        # not collapse the band
        f = ode[v].values % 1.0
        se = np.sqrt(np.maximum(x.var(axis=0, ddof=1), f * (1 - f)) / x.shape[0])
        split = np.abs(mf[v].values[0] - ode[v].values)     # deterministic splitting error
        excess = np.abs(mean - ode[v].values) - (z * se + split + 1e-9)
        assert np.all(excess <= 0), (v, float(ds.time[np.argmax(excess)]), float(excess.max()))
    return ds, mf


@pytest.mark.slow
def test_replicate_means_equal_the_ode_on_the_default_run():
    """Agents driven by the deterministic hormones: every stage count's replicate mean agrees
    with the ODE at every save time within z SE + the measured splitting error (family-wise
    false failure <= 1e-3), and the primordial pool is exactly binomial."""
    cfg = load(DEFAULT)
    cfg = dataclasses.replace(cfg, save_t=np.arange(0.0, 120.0001, 1.0))
    ds, mf = _assert_mean_equals_ode(cfg, replicates=200, seed=2024)
    # Under forcing each primordial survives independently with the deterministic probability
    # q(t): the pool is Binomial(P0, q). Chi-square test of the variance (false failure 1e-4).
    p0 = ds.primordial.values[0, 0]
    q = mf.primordial.values[0, -1] / p0
    x = ds.primordial.values[:, -1]
    statistic = (x.size - 1) * x.var(ddof=1) / (p0 * q * (1 - q))
    p = stats.chi2.cdf(statistic, x.size - 1)
    assert 5e-5 < p < 1 - 5e-5


@pytest.mark.slow
def test_replicate_means_equal_the_ode_on_a_dosed_arm():
    """The same on CTX + IV hUCMSC (injury inputs, PK chains, doses as events)."""
    _assert_mean_equals_ode(arm("poi_hucmsc"), replicates=200, seed=7)


@pytest.mark.slow
def test_coupled_engine_approaches_the_ode_as_the_ovary_grows():
    """With the follicle numbers scaled by N (and their hormone outputs by 1/N, an exact
    symmetry of the ODE) the cycle-length spread falls like 1/sqrt(N) and the mean period
    stays on the ODE's (law of large numbers for the coupled process)."""
    base = load(DEFAULT)
    base = dataclasses.replace(base, days=60.0, save_t=np.arange(0.0, 60.0001, 0.1))
    par = base.model.parameters
    ode = follisim.simulate(base)
    period = np.nanmean(ode.cycle_length.values[1:])
    spread = {}
    for n in (1, 16):
        scaled = scaled_ovary(par, n)
        cfg = dataclasses.replace(base, parameters=scaled)
        ds = run_agents(cfg, replicates=32, seed=n)
        criteria = dataclasses.replace(AGENT_CRITERIA, min_ova=n, rate_threshold=0.5 * n)
        lengths = replicate_cycles(ds.time.values, ds.ovulated.values, criteria)
        lengths = lengths["cycle_length"][1]
        lengths = lengths[np.isfinite(lengths)]
        spread[n] = lengths.std(ddof=1)
        assert abs(lengths.mean() - period) < 4 * spread[n] / np.sqrt(lengths.size)
    assert 2.5 < spread[1] / spread[16] < 6.5, spread


# --- conservation, determinism, capacity, marks -----------------------------------------------

@pytest.fixture(scope="module")
def ctx_run():
    return run_agents(arm("poi"), replicates=12, seed=3)


def test_follicles_are_conserved_in_every_replicate(ctx_run):
    ds = ctx_run
    stock = sum(ds[v] for v in COUNTS if v != "ovulated") + ds.removed_follicles
    np.testing.assert_array_equal(stock.values, stock.isel(time=[0]).values
                                  * np.ones_like(stock.values))
    # every ovulation made a corpus luteum; counts are whole numbers
    assert np.all(np.diff(ds.ovulated.values, axis=1) >= 0)
    for v in COUNTS:
        np.testing.assert_array_equal(ds[v].values, np.round(ds[v].values))


def test_every_agent_is_in_the_size_distribution(ctx_run):
    ds = ctx_run
    totals = ds.size_distribution.sum("size_bin")
    for stage in ds.stage.values:
        np.testing.assert_array_equal(totals.sel(stage=stage).values, ds[str(stage)].values)


def test_size_and_sensitivity_do_not_feed_back():
    """Stage counts are bit-identical whatever the sensitivity spread; sizes differ."""
    one = run_agents(short(20), replicates=3, seed=5, size_parameters={"fsh_sensitivity_cv": 0})
    two = run_agents(short(20), replicates=3, seed=5, size_parameters={"fsh_sensitivity_cv": 1})
    for v in COUNTS + ("e2", "fsh"):
        np.testing.assert_array_equal(one[v].values, two[v].values)
    assert not np.array_equal(one.size_distribution.sel(stage="antral").values,
                              two.size_distribution.sel(stage="antral").values)


def test_same_seed_same_numbers_at_one_and_two_threads_and_any_chunking():
    doc = short(25)
    original = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_agents(doc, replicates=6, seed=99)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = run_agents(doc, replicates=6, seed=99)
        first = run_agents(doc, replicates=2, seed=99)
        rest = run_agents(doc, replicates=4, seed=99, first_replicate=2)
    finally:
        numba.set_num_threads(original)
    xr.testing.assert_identical(one.drop_attrs(), two.drop_attrs())
    keep = [v for v in one.data_vars if "replicate" in one[v].dims and "ovulation" not in
            one[v].dims]
    chunked = xr.concat([first[keep], rest[keep]], dim="replicate")
    xr.testing.assert_identical(one[keep].drop_attrs(), chunked.drop_attrs())
    other = run_agents(doc, replicates=6, seed=100)
    assert not np.array_equal(one.antral.values, other.antral.values)


def test_capacity_grows_on_demand_and_overflow_is_a_status():
    doc = short(20)
    roomy = run_agents(doc, replicates=3, seed=8)
    tight = run_agents(doc, replicates=3, seed=8, capacity=1)
    xr.testing.assert_identical(roomy.drop_vars("agent_capacity").drop_attrs(),
                                tight.drop_vars("agent_capacity").drop_attrs())
    assert np.all(tight.agent_capacity.values >= tight.peak_agents.values)
    alive0 = sum(roomy[v].isel(time=0) for v in roomy.stage.values).values
    limit = int(alive0.max()) + 1
    over = run_agents(doc, replicates=3, seed=8, capacity=1, max_capacity=limit)
    failed = over.status.values == Status.POPULATION_CAPACITY
    np.testing.assert_array_equal(failed, roomy.peak_agents.values > limit)
    assert failed.any() and over.attrs["n_failed"] == failed.sum()
    for r in range(3):                      # identical up to the overflow, NaN after it
        ok = np.isfinite(over.antral.values[r])
        assert ok[: ok.sum()].all() and (ok.all() != failed[r]) and ok.sum() > 0
        np.testing.assert_array_equal(over.antral.values[r, ok], roomy.antral.values[r, ok])
    with pytest.raises(follisim.SimulationError, match="max_capacity"):
        run_agents(doc, replicates=1, seed=8, max_capacity=10, throw=True)


# --- cycles, outputs, interfaces --------------------------------------------------------------

def test_single_ovulations_of_one_surge_merge_into_one_episode():
    t = np.arange(0.0, 12.0, 0.1)
    events = [2.0, 2.05, 2.31, 2.52, 6.6, 6.61, 6.93]          # two surges, gaps of 0.2 d
    ovulated = np.array([[np.sum(np.array(events) <= tk) for tk in t]], float)
    cycles = replicate_cycles(t, ovulated, AGENT_CRITERIA)
    np.testing.assert_array_equal(cycles["ova"][1][0], [4.0, 3.0])
    assert cycles["cycle_length"][1][0, 0] == pytest.approx(4.5, abs=0.25)


def test_status_at_matches_its_definition():
    """The vectorised ``status_at`` against the per-day definition (docs/cycle.md)."""
    generator = np.random.default_rng(3)
    c = AGENT_CRITERIA
    for _ in range(200):
        times = np.sort(generator.uniform(0.0, 60.0, generator.integers(0, 14)))
        t = np.sort(generator.uniform(0.0, 70.0, 40))
        got = status_at(t, times, c)
        for k, tk in enumerate(t):
            past = times[times <= tk]
            since = tk - past[-1] if past.size else tk - t[0]
            ends = times[1:]
            inside = np.diff(times)[(ends <= tk) & (ends >= tk - c.window)]
            regular = (inside.size >= c.min_cycles and since < c.regular_max
                       and bool(np.all((inside >= c.regular_min) & (inside <= c.regular_max))))
            assert got["days_since_ovulation"][k] == since
            assert got["cycles_in_window"][k] == inside.size
            assert got["regular_cycles"][k] == regular
            assert got["persistent_diestrus"][k] == (since >= c.diestrus_days)
            if inside.size:
                assert got["mean_cycle_length"][k] == inside.mean()


def test_simulate_and_experiments_take_the_agent_engine(tmp_path):
    ds = follisim.simulate(short(10), engine="agent", replicates=2, seed=4)
    assert ds.primordial.dims == ("replicate", "time") and ds.e2.dims == ("replicate", "time")
    assert ds.injury_gc.dims == ("time",)
    assert ds.size_distribution.dims == ("replicate", "time", "stage", "size_bin")
    assert set(RAT.state_names) | set(RAT.observable_names) <= set(ds.data_vars)
    with pytest.raises(ConfigError, match="engine"):
        follisim.simulate(short(10), engine="agents")
    from follisim.experiment import run_experiment

    doc = {"experiment": {"measure_days": [6], "save_interval": 0.5},
           "arms": [{"name": "control"},
                    {"name": "ctx", "doses": [{"preset": "CTX_SD_30x5_Tang"}]}]}
    exp = run_experiment(doc, engine="agent", replicates=3, seed=1)
    assert exp.status.dims == ("arm", "replicate") and exp.attrs["n_failed"] == 0
    assert exp.primordial.sel(arm="ctx").mean() < exp.primordial.sel(arm="control").mean()


def test_cli_agent_engine_writes_replicates(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text('[run]\nmodel = "rat"\ndays = 12\nsave_interval = 0.5\n', encoding="utf-8")
    out, png = tmp_path / "a.nc", tmp_path / "a.png"
    assert main(["run", str(path), "--engine", "agent", "--replicates", "3", "--seed", "5",
                 "-o", str(out), "--plot", str(png)]) == 0
    assert "3 replicates (seed 5)" in capsys.readouterr().out
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds.sizes["replicate"] == 3 and ds.attrs["seed"] == 5
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize("argv, key", [
    (["--replicates", "4"], "--replicates"),
    (["--engine", "agent", "--replicates", "0"], "replicates"),
    (["--engine", "agent", "--seed", "-2"], "seed"),
])
def test_cli_bad_agent_options_exit_2_without_output(tmp_path, capsys, argv, key):
    path = tmp_path / "c.toml"
    path.write_text('[run]\nmodel = "rat"\ndays = 5\n', encoding="utf-8")
    out = tmp_path / "a.nc"
    assert main(["run", str(path), "-o", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert key in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_size_parameters_are_documented_with_their_defaults():
    from pathlib import Path

    from follisim.agents import SIZE_PARAMETERS

    text = (Path(__file__).resolve().parents[1] / "docs" / "agents.md").read_text(encoding="utf-8")
    for par in SIZE_PARAMETERS.parameters:
        lo, hi = par.bounds
        assert f"| `{par.name}` | {par.default:g} | {par.unit.replace('um', 'µm')} | " \
               f"{lo:g}–{hi:g} |" in text, par.name


def test_fractions_at_count_persistent_estrus_as_not_cycling():
    """'cycling' means an ovulation in the last diestrus_days: neither persistent state."""
    from follisim.agents.summary import fractions_at

    flags = {"regular_cycles": [True, False, False, False],
             "persistent_diestrus": [False, False, True, False],
             "persistent_estrus": [False, False, False, True]}
    ds = xr.Dataset({k: (("replicate", "time"), np.array(v)[:, None]) for k, v in flags.items()},
                    coords={"time": [35.0]})
    f = fractions_at(ds, 35.0)
    assert (float(f["regular"]), float(f["cycling"]), float(f["persistent_diestrus"]),
            float(f["persistent_estrus"])) == (0.25, 0.5, 0.25, 0.25)
