"""simulate_many: equal to a loop of simulate, independent of threads, failures recorded."""

import numba
import numpy as np
import pytest
import xarray as xr

from follisim import ConfigError, Status, simulate, simulate_many

DOC = {"run": {"days": 40.0, "save_interval": 2.0},
       "solver": {"max_steps": 3000},
       "inputs": [{"channel": "injury_gc", "start": 3.0, "stop": 8.0, "level": 1.0}]}
TABLE = {"k_activation": [0.002, 0.003, 0.004, 0.0025, 0.0035],
         "k_e2_clearance": [4.0, 10.0, 1000.0, 3.0, 20.0]}


@pytest.fixture(scope="module")
def many():
    return simulate_many(DOC, TABLE)


def test_batch_equals_loop_of_simulate(many):
    for s in range(many.sizes["sample"]):
        params = {name: TABLE[name][s] for name in TABLE}
        single = simulate({**DOC, "parameters": params})
        row = many.isel(sample=s)
        assert int(row.status) == int(single.status)
        for name in ("primordial", "antral", "e2", "fsh", "vessel_density", "perfusion",
                     "injury_gc"):
            np.testing.assert_array_equal(row[name].values, single[name].values)


def test_failed_sample_is_recorded_not_fatal(many):
    status = many.status.values
    assert status[2] == Status.MAX_STEPS            # the very stiff sample ran out of steps
    assert np.all(status[[0, 1, 3, 4]] == Status.SUCCESS)
    assert many.attrs["n_failed"] == 1
    assert np.isnan(many.e2.isel(sample=2).values[-1])


def test_parameters_travel_with_results(many):
    np.testing.assert_array_equal(many.k_activation.values, TABLE["k_activation"])
    assert many.k_activation.dims == ("sample",)
    col = list(many.parameter.values).index("k_e2_clearance")
    np.testing.assert_array_equal(many.param_value.values[:, col], TABLE["k_e2_clearance"])


def test_identical_at_any_thread_count():
    rng = np.random.default_rng(1)
    table = {"k_activation": rng.uniform(0.001, 0.006, 37),
             "fsh_secretion": rng.uniform(10.0, 40.0, 37)}
    original = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate_many(DOC, table)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate_many(DOC, table)
    finally:
        numba.set_num_threads(original)
    xr.testing.assert_identical(one.drop_attrs(), two.drop_attrs())


@pytest.mark.parametrize(("table", "fragment"), [
    ({"k_activaton": [0.1]}, "did you mean k_activation"),
    ({"k_activation": [0.003, 0.9]}, "row 1: 0.9 outside"),
    ({"k_activation": [0.003], "fsh_secretion": [20.0, 30.0]}, "has 2 rows"),
    ({}, "at least one"),
])
def test_bad_parameter_table(table, fragment):
    with pytest.raises(ConfigError, match=fragment):
        simulate_many(DOC, table)


def test_window_means_equal_means_of_the_full_trajectories(many):
    """Keeping only window means gives the trapezoidal means of the full run's samples."""
    windows = [(0.0, 10.0), (12.0, 12.0), (20.0, 40.0)]
    means = simulate_many(DOC, TABLE, windows=windows)
    assert means.sizes == {"sample": 5, "window": 3, "parameter": many.sizes["parameter"]}
    np.testing.assert_array_equal(means.status.values, many.status.values)
    for w, (a, b) in enumerate(windows):
        piece = many.sel(time=slice(a, b))
        for name in ("primordial", "e2", "perfusion", "injury_gc"):
            if a == b:
                expected = piece[name].isel(time=0).values
            else:
                expected = piece[name].integrate("time").values / float(piece.time[-1]
                                                                       - piece.time[0])
            got = means[name].isel(window=w).values
            ok = many.status.values == 0
            np.testing.assert_allclose(got[ok], expected[ok], rtol=1e-12)


@pytest.mark.parametrize("windows", [[(5.0, 2.0)], [(0.0, 50.0)], [(3.0, 3.5)], []])
def test_bad_windows(windows):
    with pytest.raises(ConfigError, match="windows"):
        simulate_many(DOC, TABLE, windows=windows)


def test_stack_keeps_every_chain_of_a_protocol_with_many():
    """A protocol with more PK chains than a chain has rates (four here) keeps all of them."""
    from follisim.models import RAT
    from follisim.protocols import stack
    from follisim.protocols.schedule import PkChain, PkDose, PkEffect, Protocol

    chains = tuple(PkChain(f"c{j}", 1.0 + j, 0.5, 0.3, (PkEffect("akt_signal"),))
                   for j in range(4))
    many = Protocol(chains=chains, doses=tuple(PkDose(c.name, 1.0, 1.0) for c in chains))
    compiled = [many.compile(RAT, 0.0, 10.0), Protocol().compile(RAT, 0.0, 10.0)]
    batch = stack(compiled)
    assert batch.pk_rates.shape[1] == 4
    np.testing.assert_array_equal(batch.pk_rates[0], compiled[0].pk_rates)
    np.testing.assert_array_equal(batch.pk_state0[0], compiled[0].pk_state0)
