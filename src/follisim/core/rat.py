"""Rat ovary kernels: per-stage hazards, right-hand side and observables (estrous-cycle model).

Canonical units: time [day]; follicle counts [follicles, both ovaries]; E2 [pg/mL];
FSH and AMH [ng/L on the Tang 2018 ELISA scale]; VEGF, Ang1, Ang2 and vessel density
[1, relative to the healthy default steady state]; surge drive [1, 0..1]; luteal progesterone
[1, relative to the level that halves the surge drive]; cumulative ovulations [follicles since
day 0]; LH [1, multiples of the tonic level]. Every array is float64 and C-contiguous.
Nothing here allocates. The equations are written out in ``docs/model.md``.

Layouts are kept in *this* file: numba's cache is keyed on the defining file's source.
"""

import math

from follisim.core._jit import kernel

STATE_NAMES = (
    "primordial", "primary", "secondary", "antral", "preovulatory", "corpora_lutea", "atretic",
    "e2", "fsh", "amh", "vegf", "ang1", "ang2", "vessel_density", "surge", "progesterone",
    "ovulated",
)
(PRIMORDIAL, PRIMARY, SECONDARY, ANTRAL, PREOVULATORY, CORPORA_LUTEA, ATRETIC,
 E2, FSH, AMH, VEGF, ANG1, ANG2, VESSEL, SURGE, P4, OVULATED) = range(len(STATE_NAMES))
FOLLICLE_STATES = (PRIMORDIAL, PRIMARY, SECONDARY, ANTRAL, PREOVULATORY, CORPORA_LUTEA, ATRETIC)

INPUT_NAMES = (
    "injury_primordial", "injury_gc", "injury_burnout", "injury_vascular",
    "msc_signal", "akt_signal", "angiogenic_signal", "survival_signal",
    "pten_repression", "pik3r2_repression", "p53_repression", "sirt7_repression",
    "hbp1_repression", "ang1_exogenous", "ang2_blockade", "tie2_agonist",
)
(U_INJ_PRIM, U_INJ_GC, U_INJ_BURNOUT, U_INJ_VASC, U_MSC, U_AKT, U_ANGIO, U_SURVIVAL,
 U_PTEN, U_PIK3R2, U_P53, U_SIRT7, U_HBP1, U_ANG1, U_ANG2_BLOCK, U_TIE2) = range(len(INPUT_NAMES))

PARAM_NAMES = (
    # follicle population
    "primordial_initial", "k_activation", "amh_brake_max", "amh_brake_half", "amh_brake_hill",
    "akt_activation_gain", "k_primordial_death",
    "k_primary_progression", "k_primary_atresia", "k_secondary_progression", "k_secondary_atresia",
    "k_antral_progression_max", "fsh_progression_half", "fsh_progression_hill",
    "k_antral_atresia_max", "fsh_rescue_half", "fsh_rescue_hill",
    "k_ovulation", "k_preovulatory_atresia", "k_luteolysis", "k_atretic_clearance",
    # perfusion and apoptosis modifiers
    "perfusion_half", "hypoxia_half", "hypoxia_atresia_preantral", "hypoxia_atresia_antral",
    "akt_survival_gain", "p53_apoptosis_share", "msc_survival_gain",
    # miRNA targets -> pathways, and injury side effects
    "pten_akt_gain", "pik3r2_akt_gain", "pik3r2_angiogenic_gain", "sirt7_survival_gain",
    "hbp1_survival_gain", "injury_ang2_induction",
    # hormones
    "e2_secretion", "e2_preovulatory_weight", "fsh_aromatase_half", "k_e2_clearance",
    "fsh_secretion", "e2_feedback_half", "e2_feedback_hill", "k_fsh_clearance",
    "amh_secretion", "amh_primary_weight", "amh_antral_weight", "k_amh_clearance",
    # vasculature
    "vegf_basal_fraction", "vegf_follicle_ref", "vegf_hypoxia_exponent", "msc_vegf_gain",
    "k_vegf_turnover", "msc_ang1_gain", "k_ang1_turnover", "k_ang2_turnover",
    "msc_ang2_suppression",
    "ang2_hypoxia_exponent", "tie2_kd", "ang2_ang1_ratio_healthy", "tie2_switch_ratio",
    "tie2_switch_hill", "k_sprouting", "vegf_sprouting_half", "angiogenic_gain",
    "k_regression", "vessel_capacity",
    # estrous cycle: E2-triggered surge, LH, ovulation gate, luteal progesterone
    "surge_e2_half", "surge_self_excitation", "surge_hill", "k_surge", "surge_p4_hill",
    "cl_p4_half", "k_luteinization", "lh_surge_amplitude", "lh_ovulation_half",
    "lh_ovulation_hill",
)
(P0_PRIMORDIAL, K_ACT, AMH_BRAKE_MAX, AMH_BRAKE_HALF, AMH_BRAKE_HILL,
 AKT_ACT_GAIN, K_PRIM_DEATH,
 K_G1, K_A1, K_G2, K_A2,
 K_G3_MAX, FSH_PROG_HALF, FSH_PROG_HILL,
 K_A3_MAX, FSH_RESCUE_HALF, FSH_RESCUE_HILL,
 K_OVUL, K_A4, K_LUTEOLYSIS, K_ATR_CLEAR,
 PERF_HALF, HYPOXIA_HALF, HYPOXIA_PREANTRAL, HYPOXIA_ANTRAL,
 AKT_SURV_GAIN, P53_SHARE, MSC_SURV_GAIN,
 PTEN_AKT_GAIN, PIK3R2_AKT_GAIN, PIK3R2_ANGIO_GAIN, SIRT7_SURV_GAIN, HBP1_SURV_GAIN, INJ_ANG2,
 E2_SEC, E2_PREOV_W, FSH_AROM_HALF, K_E2,
 FSH_SEC, E2_FB_HALF, E2_FB_HILL, K_FSH,
 AMH_SEC, AMH_PRIMARY_W, AMH_ANTRAL_W, K_AMH,
 VEGF_BASAL, VEGF_FOL_REF, VEGF_HYPOXIA_EXP, MSC_VEGF_GAIN,
 K_VEGF, MSC_ANG1_GAIN, K_ANG1, K_ANG2, MSC_ANG2_SUPP,
 ANG2_HYPOXIA_EXP, TIE2_KD, ANG2_ANG1_RATIO, TIE2_SWITCH,
 TIE2_SWITCH_HILL, K_SPROUT, VEGF_SPROUT_HALF, ANGIO_GAIN, K_REGRESSION,
 VESSEL_CAPACITY,
 SURGE_E2_HALF, SURGE_SELF, SURGE_HILL, K_SURGE, SURGE_P4_HILL,
 CL_P4_HALF, K_LUTEINIZATION, LH_AMPLITUDE, LH_OVUL_HALF,
 LH_OVUL_HILL) = range(len(PARAM_NAMES))

HAZARD_NAMES = (
    "activation", "primordial_death", "primary_progression", "primary_atresia",
    "secondary_progression", "secondary_atresia", "antral_progression", "antral_atresia",
    "ovulation", "preovulatory_atresia", "luteolysis", "atretic_clearance",
)
(H_ACT, H_PRIM_DEATH, H_G1, H_A1, H_G2, H_A2, H_G3, H_A3, H_OVUL, H_A4, H_LUTEOLYSIS,
 H_ATR_CLEAR) = range(len(HAZARD_NAMES))

OBSERVABLE_NAMES = (
    "perfusion", "tie2_ang1_occupancy", "tie2_ang2_occupancy", "ang1_ang2_ratio",
    "vessel_stability", "growing_follicles", "activation_rate", "ovulation_rate", "atresia_rate",
    "lh", "surge_gate",
)
(O_PERFUSION, O_TIE2_ANG1, O_TIE2_ANG2, O_ANG1_ANG2, O_STABILITY, O_GROWING, O_ACT_RATE,
 O_OVUL_RATE, O_ATR_RATE, O_LH, O_SURGE_GATE) = range(len(OBSERVABLE_NAMES))


@kernel(inline="always")
def _pow(x, e):
    """x**e for x >= 0, with the common exponents 0, 1, 2 and 0.5 done without ``pow``."""
    if e == 1.0:
        return x
    if e == 2.0:
        return x * x
    if e == 0.0:
        return 1.0
    if e == 0.5:
        return math.sqrt(x)
    return x ** e


@kernel(inline="always")
def _hill(x, half, n):
    """x^n / (x^n + half^n) for x >= 0 (0 for x <= 0)."""
    if x <= 0.0:
        return 0.0
    r = _pow(x / half, n)
    return r / (1.0 + r)


@kernel(inline="always")
def perfusion(vessel, p):
    """Perfusion factor [1] from relative vessel density: D (1+K)/(D+K); 1 at D = 1."""
    d = max(vessel, 0.0)
    k = p[PERF_HALF]
    return d * (1.0 + k) / (d + k)


@kernel(inline="always")
def hypoxia(phi, p):
    """Hypoxia index [1]: (1+K)/(phi+K); 1 at healthy perfusion, (1+K)/K without perfusion."""
    k = p[HYPOXIA_HALF]
    return (1.0 + k) / (phi + k)


@kernel(inline="always")
def tie2_ratio(y, p, u):
    """Molar Ang2:Ang1-like ratio seen by Tie2 (after blockade, plus exogenous agonists) [1]."""
    agonist = max(y[ANG1], 0.0) + max(u[U_ANG1], 0.0) + max(u[U_TIE2], 0.0)
    block = min(max(u[U_ANG2_BLOCK], 0.0), 1.0)
    antagonist = p[ANG2_ANG1_RATIO] * max(y[ANG2], 0.0) * (1.0 - block)
    return antagonist / max(agonist, 1e-12)


@kernel(inline="always")
def vessel_stability(y, p, u):
    """Fraction of vessels held mature by Tie2 [1]: lambda^m / (lambda^m + ratio^m)."""
    r = tie2_ratio(y, p, u) / p[TIE2_SWITCH]
    return 1.0 / (1.0 + _pow(r, p[TIE2_SWITCH_HILL]))


@kernel(inline="always")
def lh_level(y, p):
    """Serum LH [multiples of tonic]: 1 + amplitude * surge drive (quasi-steady, see docs)."""
    return 1.0 + p[LH_AMPLITUDE] * max(y[SURGE], 0.0)


@kernel(inline="always")
def surge_gate(y, p):
    """Target of the surge drive [1]: Hill_n(x, 1) with x = E2/E2_half (1 + w S) / (1 + P4^m).

    E2 positive feedback, self-excitation of the surge generator (w) and luteal progesterone
    inhibition; with a steep n the drive has two stable levels over a range of E2 (hysteresis).
    """
    x = (max(y[E2], 0.0) / p[SURGE_E2_HALF]) * (1.0 + p[SURGE_SELF] * max(y[SURGE], 0.0)) / (
        1.0 + _pow(max(y[P4], 0.0), p[SURGE_P4_HILL]))
    return _hill(x, 1.0, p[SURGE_HILL])


@kernel(inline="always")
def knockdown(log_repression):
    """Fraction of a target removed [1] from its log-repression input r >= 0: 1 - exp(-r).

    Inputs carry -ln(target level), so independent repressors (several miRNAs on one target)
    add exactly: exp(-(r1 + r2)) = exp(-r1) exp(-r2).
    """
    if log_repression <= 0.0:
        return 0.0
    return -math.expm1(-log_repression)


@kernel(inline="always")
def pathways(u, p):
    """AKT activation, angiogenic signal, survival signal and p53 kept [1] from the inputs."""
    pten = knockdown(u[U_PTEN])
    pik3r2 = knockdown(u[U_PIK3R2])
    akt = max(u[U_AKT], 0.0) + p[PTEN_AKT_GAIN] * pten + p[PIK3R2_AKT_GAIN] * pik3r2
    angio = max(u[U_ANGIO], 0.0) + p[PIK3R2_ANGIO_GAIN] * pik3r2
    survival = (max(u[U_SURVIVAL], 0.0) + p[SIRT7_SURV_GAIN] * knockdown(u[U_SIRT7])
                + p[HBP1_SURV_GAIN] * knockdown(u[U_HBP1]))
    p53_kept = 1.0 - p[P53_SHARE] * knockdown(u[U_P53])
    return akt, angio, survival, p53_kept


@kernel(inline="always")
def signals(y, p, u):
    """Shared intermediate signals, computed once per evaluation.

    Returns (perfusion, hypoxia index, delivered FSH, AKT, angiogenic, survival, p53 kept).
    """
    phi = perfusion(y[VESSEL], p)
    chi = hypoxia(phi, p)
    akt, angio, survival, p53_kept = pathways(u, p)
    return phi, chi, max(y[FSH], 0.0) * phi, akt, angio, survival, p53_kept


@kernel(inline="always")
def hazard_values(y, p, u):
    """Per-follicle hazard rates [1/day] as a tuple in the order of ``HAZARD_NAMES``."""
    return hazards_from(y, p, u, signals(y, p, u))


@kernel(inline="always")
def hazards_from(y, p, u, sig):
    """Hazards given the shared ``signals`` tuple."""
    _, chi, fsh_delivered, akt, _, survival, p53_kept = sig
    apoptosis = (1.0 + max(u[U_INJ_GC], 0.0)) * p53_kept / (
        (1.0 + p[AKT_SURV_GAIN] * akt) * (1.0 + p[MSC_SURV_GAIN] * max(u[U_MSC], 0.0))
        * (1.0 + survival))
    brake = 1.0 - p[AMH_BRAKE_MAX] * _hill(y[AMH], p[AMH_BRAKE_HALF], p[AMH_BRAKE_HILL])
    push = 1.0 + p[AKT_ACT_GAIN] * akt + max(u[U_INJ_BURNOUT], 0.0)
    preantral_stress = apoptosis * _pow(chi, p[HYPOXIA_PREANTRAL])
    antral_stress = apoptosis * _pow(chi, p[HYPOXIA_ANTRAL])
    rescue = _hill(fsh_delivered, p[FSH_RESCUE_HALF], p[FSH_RESCUE_HILL])
    return (
        p[K_ACT] * push * brake,
        (p[K_PRIM_DEATH] + max(u[U_INJ_PRIM], 0.0)) * p53_kept,
        p[K_G1],
        p[K_A1] * preantral_stress,
        p[K_G2],
        p[K_A2] * preantral_stress,
        p[K_G3_MAX] * _hill(fsh_delivered, p[FSH_PROG_HALF], p[FSH_PROG_HILL]),
        p[K_A3_MAX] * (1.0 - rescue) * antral_stress,
        p[K_OVUL] * _hill(lh_level(y, p), p[LH_OVUL_HALF], p[LH_OVUL_HILL]),
        p[K_A4] * antral_stress,
        p[K_LUTEOLYSIS],
        p[K_ATR_CLEAR],
    )


@kernel
def hazards(y, p, u, h):
    """Write per-follicle hazard rates [1/day] into ``h`` (layout ``HAZARD_NAMES``).

    The ODE right-hand side multiplies each hazard by its source compartment; the agent engine
    draws stochastic events from the same numbers.

    Parameters
    ----------
    y : float64[n_states]   state, layout ``STATE_NAMES``
    p : float64[n_params]   parameters, layout ``PARAM_NAMES``
    u : float64[n_inputs]   inputs, layout ``INPUT_NAMES``
    h : float64[n_hazards]  output buffer, overwritten
    """
    values = hazard_values(y, p, u)
    for i in range(len(values)):
        h[i] = values[i]


@kernel(inline="always")
def rhs(t, y, p, u, dydt):
    """Write dy/dt [state units / day] into ``dydt``.

    Parameters
    ----------
    t : float               time [day]; the model is autonomous, inputs carry time dependence
    y : float64[17]         state, layout ``STATE_NAMES``
    p : float64[n_params]   parameters, layout ``PARAM_NAMES``
    u : float64[16]         inputs, layout ``INPUT_NAMES``
    dydt : float64[17]      output buffer, overwritten
    """
    sig = signals(y, p, u)
    h = hazards_from(y, p, u, sig)
    f_act = h[H_ACT] * y[PRIMORDIAL]
    f_pdeath = h[H_PRIM_DEATH] * y[PRIMORDIAL]
    f_g1 = h[H_G1] * y[PRIMARY]
    f_a1 = h[H_A1] * y[PRIMARY]
    f_g2 = h[H_G2] * y[SECONDARY]
    f_a2 = h[H_A2] * y[SECONDARY]
    f_g3 = h[H_G3] * y[ANTRAL]
    f_a3 = h[H_A3] * y[ANTRAL]
    f_ov = h[H_OVUL] * y[PREOVULATORY]
    f_a4 = h[H_A4] * y[PREOVULATORY]

    dydt[PRIMORDIAL] = -f_act - f_pdeath
    dydt[PRIMARY] = f_act - f_g1 - f_a1
    dydt[SECONDARY] = f_g1 - f_g2 - f_a2
    dydt[ANTRAL] = f_g2 - f_g3 - f_a3
    dydt[PREOVULATORY] = f_g3 - f_ov - f_a4
    dydt[CORPORA_LUTEA] = f_ov - h[H_LUTEOLYSIS] * y[CORPORA_LUTEA]
    dydt[OVULATED] = f_ov
    dydt[ATRETIC] = f_pdeath + f_a1 + f_a2 + f_a3 + f_a4 - h[H_ATR_CLEAR] * y[ATRETIC]

    phi, chi, fsh_delivered, _, angio, _, _ = sig
    msc = max(u[U_MSC], 0.0)
    vascular_injury = max(u[U_INJ_VASC], 0.0)

    aromatase = fsh_delivered / (fsh_delivered + p[FSH_AROM_HALF])
    e2_sources = y[ANTRAL] + p[E2_PREOV_W] * y[PREOVULATORY]
    dydt[E2] = p[E2_SEC] * e2_sources * phi * aromatase - p[K_E2] * y[E2]
    feedback = 1.0 - _hill(y[E2], p[E2_FB_HALF], p[E2_FB_HILL])
    dydt[FSH] = p[FSH_SEC] * feedback - p[K_FSH] * y[FSH]
    amh_sources = p[AMH_PRIMARY_W] * y[PRIMARY] + y[SECONDARY] + p[AMH_ANTRAL_W] * y[ANTRAL]
    dydt[AMH] = p[AMH_SEC] * amh_sources - p[K_AMH] * y[AMH]

    follicle_drive = p[VEGF_BASAL] + (1.0 - p[VEGF_BASAL]) * (
        (y[ANTRAL] + y[PREOVULATORY]) / p[VEGF_FOL_REF])
    vegf_target = follicle_drive * _pow(chi, p[VEGF_HYPOXIA_EXP]) * (1.0 + p[MSC_VEGF_GAIN] * msc)
    dydt[VEGF] = p[K_VEGF] * (vegf_target - y[VEGF])
    vessel = max(y[VESSEL], 0.0)
    dydt[ANG1] = p[K_ANG1] * (vessel * (1.0 + p[MSC_ANG1_GAIN] * msc) - y[ANG1])
    ang2_target = vessel * _pow(chi, p[ANG2_HYPOXIA_EXP]) \
        * (1.0 + p[INJ_ANG2] * vascular_injury) / (
        1.0 + p[MSC_ANG2_SUPP] * msc)
    dydt[ANG2] = p[K_ANG2] * (ang2_target - y[ANG2])

    stability = vessel_stability(y, p, u)
    vegf_signal = _hill(y[VEGF], p[VEGF_SPROUT_HALF], 1.0)
    sprouting = p[K_SPROUT] * vegf_signal * (1.0 + p[ANGIO_GAIN] * angio) \
        * (1.0 - y[VESSEL] / p[VESSEL_CAPACITY])
    regression = p[K_REGRESSION] * (1.0 - stability) * (1.0 - vegf_signal) \
        + vascular_injury
    dydt[VESSEL] = (sprouting - regression) * y[VESSEL]

    dydt[SURGE] = p[K_SURGE] * (surge_gate(y, p) - y[SURGE])
    dydt[P4] = p[K_LUTEINIZATION] * (y[CORPORA_LUTEA] / p[CL_P4_HALF] - y[P4])


@kernel
def observe(y, p, u, out):
    """Write the observables (layout ``OBSERVABLE_NAMES``) for one state into ``out``.

    Units: perfusion, occupancies, ratio and stability [1]; growing follicles [follicles];
    activation, ovulation and atresia rates [follicles/day]; LH [multiples of tonic];
    surge gate [1].
    """
    h = hazard_values(y, p, u)
    phi = perfusion(y[VESSEL], p)
    kd = p[TIE2_KD]
    a1 = (max(y[ANG1], 0.0) + max(u[U_ANG1], 0.0) + max(u[U_TIE2], 0.0)) / kd
    block = min(max(u[U_ANG2_BLOCK], 0.0), 1.0)
    a2 = p[ANG2_ANG1_RATIO] * max(y[ANG2], 0.0) * (1.0 - block) / kd
    out[O_PERFUSION] = phi
    out[O_TIE2_ANG1] = a1 / (1.0 + a1 + a2)
    out[O_TIE2_ANG2] = a2 / (1.0 + a1 + a2)
    out[O_ANG1_ANG2] = (max(y[ANG1], 0.0) + max(u[U_ANG1], 0.0)) / max(y[ANG2], 1e-300)
    out[O_STABILITY] = vessel_stability(y, p, u)
    out[O_GROWING] = y[PRIMARY] + y[SECONDARY] + y[ANTRAL] + y[PREOVULATORY]
    out[O_ACT_RATE] = h[H_ACT] * y[PRIMORDIAL]
    out[O_OVUL_RATE] = h[H_OVUL] * y[PREOVULATORY]
    out[O_ATR_RATE] = (h[H_PRIM_DEATH] * y[PRIMORDIAL] + h[H_A1] * y[PRIMARY]
                       + h[H_A2] * y[SECONDARY] + h[H_A3] * y[ANTRAL]
                       + h[H_A4] * y[PREOVULATORY])
    out[O_LH] = lh_level(y, p)
    out[O_SURGE_GATE] = surge_gate(y, p)
