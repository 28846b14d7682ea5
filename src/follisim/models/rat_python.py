"""Plain-Python restatement of the rat model equations (``docs/model.md``).

Independent of the numba kernel on purpose: it is the oracle for ``scipy.integrate.solve_ivp``
in the tests and the plain-Python peer in the benchmarks. Parameters and inputs are read by
name; states are in ``STATE_NAMES`` order. Linear PK chains, if any, are appended to the state
vector as ordinary ODE states (``c``, ``x`` per chain), so a stiff scipy method can check the
closed-form PK of the numba path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from follisim.core.rat import INPUT_NAMES, STATE_NAMES


def _hill(x: float, half: float, n: float) -> float:
    if x <= 0.0:
        return 0.0
    r = (x / half) ** n
    return r / (1.0 + r)


def make_rhs(p: Mapping[str, float], inputs: Mapping[str, float],
             chains: Sequence[tuple[float, float, float]] = (),
             maps: Sequence[tuple[int, str, float, float, float]] = ()):
    """Return ``f(t, y) -> list`` for constant ``inputs`` and optional PK ``chains``.

    ``chains`` are ``(k_el, k_tr, k_out)`` [1/day]; ``maps`` are
    ``(chain, input, kind, gain, half, hill)`` or with a final ``site`` (``effect`` default) as
    in ``follisim.protocols.PkEffect``.
    """
    n_states = len(STATE_NAMES)

    def rhs(t, y):
        u = dict(inputs)
        for name in INPUT_NAMES:
            u.setdefault(name, 0.0)
        for j, name, kind, gain, half, hill, *site in maps:
            a = y[n_states + 2 * j + (0 if site and site[0] == "central" else 1)]
            if a <= 0.0:
                continue
            if kind == "linear":
                u[name] += gain * a
            elif kind == "hill":
                u[name] += gain * _hill(a, half, hill)
            else:
                u[name] += math.log1p((gain * a / half) ** hill)
        (P, F1, F2, F3, F4, CL, A, E, S, M, V, A1, A2, D, G, Q, _) = y[:n_states]

        phi = max(D, 0.0) * (1.0 + p["perfusion_half"]) / (max(D, 0.0) + p["perfusion_half"])
        chi = (1.0 + p["hypoxia_half"]) / (phi + p["hypoxia_half"])
        s_eff = max(S, 0.0) * phi
        inj = {k: max(u[f"injury_{k}"], 0.0) for k in ("primordial", "gc", "burnout", "vascular")}
        msc = max(u["msc_signal"], 0.0)
        kd = {t: 1.0 - math.exp(-max(u[f"{t}_repression"], 0.0))
              for t in ("pten", "pik3r2", "p53", "sirt7", "hbp1")}
        akt = max(u["akt_signal"], 0.0) + p["pten_akt_gain"] * kd["pten"] \
            + p["pik3r2_akt_gain"] * kd["pik3r2"]
        angio = max(u["angiogenic_signal"], 0.0) + p["pik3r2_angiogenic_gain"] * kd["pik3r2"]
        survival = max(u["survival_signal"], 0.0) + p["sirt7_survival_gain"] * kd["sirt7"] \
            + p["hbp1_survival_gain"] * kd["hbp1"]
        p53_kept = 1.0 - p["p53_apoptosis_share"] * kd["p53"]
        apoptosis = (1.0 + inj["gc"]) * p53_kept / (
            (1.0 + p["akt_survival_gain"] * akt) * (1.0 + p["msc_survival_gain"] * msc)
            * (1.0 + survival))
        brake = 1.0 - p["amh_brake_max"] * _hill(M, p["amh_brake_half"], p["amh_brake_hill"])
        push = 1.0 + p["akt_activation_gain"] * akt + inj["burnout"]
        stress_pre = apoptosis * chi ** p["hypoxia_atresia_preantral"]
        stress_ant = apoptosis * chi ** p["hypoxia_atresia_antral"]

        act = p["k_activation"] * push * brake * P
        pdeath = (p["k_primordial_death"] + inj["primordial"]) * p53_kept * P
        g1 = p["k_primary_progression"] * F1
        a1 = p["k_primary_atresia"] * stress_pre * F1
        g2 = p["k_secondary_progression"] * F2
        a2 = p["k_secondary_atresia"] * stress_pre * F2
        g3 = p["k_antral_progression_max"] * _hill(s_eff, p["fsh_progression_half"],
                                                   p["fsh_progression_hill"]) * F3
        a3 = p["k_antral_atresia_max"] * (1.0 - _hill(s_eff, p["fsh_rescue_half"],
                                                      p["fsh_rescue_hill"])) * stress_ant * F3
        lh = 1.0 + p["lh_surge_amplitude"] * max(G, 0.0)
        ov = p["k_ovulation"] * _hill(lh, p["lh_ovulation_half"], p["lh_ovulation_hill"]) * F4
        a4 = p["k_preovulatory_atresia"] * stress_ant * F4

        dE = p["e2_secretion"] * (F3 + p["e2_preovulatory_weight"] * F4) * phi \
            * s_eff / (s_eff + p["fsh_aromatase_half"]) - p["k_e2_clearance"] * E
        dS = p["fsh_secretion"] * (1.0 - _hill(E, p["e2_feedback_half"], p["e2_feedback_hill"])) \
            - p["k_fsh_clearance"] * S
        dM = p["amh_secretion"] * (p["amh_primary_weight"] * F1 + F2
                                   + p["amh_antral_weight"] * F3) - p["k_amh_clearance"] * M
        drive = p["vegf_basal_fraction"] + (1.0 - p["vegf_basal_fraction"]) * (F3 + F4) \
            / p["vegf_follicle_ref"]
        dV = p["k_vegf_turnover"] * (drive * chi ** p["vegf_hypoxia_exponent"]
                                     * (1.0 + p["msc_vegf_gain"] * msc) - V)
        dens = max(D, 0.0)
        dA1 = p["k_ang1_turnover"] * (dens * (1.0 + p["msc_ang1_gain"] * msc) - A1)
        dA2 = p["k_ang2_turnover"] * (dens * chi ** p["ang2_hypoxia_exponent"]
                                      * (1.0 + p["injury_ang2_induction"] * inj["vascular"])
                                      / (1.0 + p["msc_ang2_suppression"] * msc) - A2)
        agonist = max(A1, 0.0) + max(u["ang1_exogenous"], 0.0) + max(u["tie2_agonist"], 0.0)
        block = min(max(u["ang2_blockade"], 0.0), 1.0)
        ratio = p["ang2_ang1_ratio_healthy"] * max(A2, 0.0) * (1.0 - block) / max(agonist, 1e-12)
        stability = 1.0 / (1.0 + (ratio / p["tie2_switch_ratio"]) ** p["tie2_switch_hill"])
        v_sig = _hill(V, p["vegf_sprouting_half"], 1.0)
        sprout = p["k_sprouting"] * v_sig * (1.0 + p["angiogenic_gain"] * angio) \
            * (1.0 - D / p["vessel_capacity"])
        regress = p["k_regression"] * (1.0 - stability) * (1.0 - v_sig) + inj["vascular"]
        x = max(E, 0.0) / p["surge_e2_half"] * (1.0 + p["surge_self_excitation"] * max(G, 0.0)) \
            / (1.0 + max(Q, 0.0) ** p["surge_p4_hill"])
        dG = p["k_surge"] * (_hill(x, 1.0, p["surge_hill"]) - G)
        dQ = p["k_luteinization"] * (CL / p["cl_p4_half"] - Q)
        out = [
            -act - pdeath,
            act - g1 - a1,
            g1 - g2 - a2,
            g2 - g3 - a3,
            g3 - ov - a4,
            ov - p["k_luteolysis"] * CL,
            pdeath + a1 + a2 + a3 + a4 - p["k_atretic_clearance"] * A,
            dE, dS, dM, dV, dA1, dA2,
            (sprout - regress) * D,
            dG, dQ, ov,
        ]
        for j, (k_el, k_tr, k_out) in enumerate(chains):
            c = y[n_states + 2 * j]
            x = y[n_states + 2 * j + 1]
            out += [-(k_el + k_tr) * c, k_tr * c - k_out * x]
        return out

    return rhs
