"""The rat model's states, inputs and observables: names (the kernel layouts), units, meaning.

Follicle counts are for both ovaries of one rat. Hormone scales: E2 in pg/mL; FSH and AMH in
ng/L on the scale of the ELISA kits of Tang 2018 (the only rat control-vs-CTX study with
complete numbers in ``datasets``); compare hormones across laboratories only as ratios to a
study's own control arm.
"""

from __future__ import annotations

from follisim.spec import Variable

FOLLICLES = "follicles (both ovaries)"
TANG_SCALE = "ng/L (Tang 2018 ELISA scale)"
RELATIVE = "1 (healthy = 1)"

STATES = (
    Variable("primordial", FOLLICLES, "primordial follicles"),
    Variable("primary", FOLLICLES, "primary follicles"),
    Variable("secondary", FOLLICLES, "secondary (preantral) follicles"),
    Variable("antral", FOLLICLES, "early antral follicles"),
    Variable("preovulatory", FOLLICLES, "preovulatory follicles"),
    Variable("corpora_lutea", "corpora lutea (both ovaries)", "corpora lutea"),
    Variable("atretic", FOLLICLES, "recently atretic follicles"),
    Variable("e2", "pg/mL", "serum estradiol"),
    Variable("fsh", TANG_SCALE, "serum FSH"),
    Variable("amh", TANG_SCALE, "serum AMH"),
    Variable("lh_tonic", "multiples of the healthy mean tonic LH", "tonic (basal) serum LH"),
    Variable("vegf", RELATIVE, "ovarian VEGF"),
    Variable("ang1", RELATIVE, "ovarian angiopoietin-1"),
    Variable("ang2", RELATIVE, "ovarian angiopoietin-2"),
    Variable("vessel_density", RELATIVE, "ovarian microvessel density"),
    Variable("surge", "1 (0 = off, 1 = full)", "hypothalamic GnRH/LH surge drive"),
    Variable("progesterone", "1 (1 = half-blocks the surge)", "luteal progesterone"),
    Variable("ovulated", "follicles (cumulative from day 0)", "ovulations since day 0"),
    Variable("gc_lesion", "1 (fraction, 0..1)", "lasting granulosa-cell lesion (senescence)"),
    Variable("stromal_lesion", "1 (fraction, 0..1)", "lasting stromal/vascular lesion (fibrosis)"),
)

#: States that count follicles (the total changes only by luteolysis and atretic clearance).
FOLLICLE_STATES = ("primordial", "primary", "secondary", "antral", "preovulatory",
                   "corpora_lutea", "atretic")

POSITIVE = (0.0, float("inf"))
FRACTION = (0.0, 1.0)
LOG_REPRESSION = "1 (-ln of target level)"
INPUTS = (
    Variable("injury_primordial", "1/day", "injury: direct primordial apoptosis rate", POSITIVE),
    Variable("injury_gc", "1", "injury: fold rise of granulosa-cell apoptosis", POSITIVE),
    Variable("injury_burnout", "1", "injury: fold rise of primordial activation", POSITIVE),
    Variable("injury_vascular", "1/day", "injury: vessel regression rate", POSITIVE),
    Variable("injury_gc_lesion", "1/day", "injury: lasting granulosa-cell lesion formation rate",
             POSITIVE),
    Variable("injury_stromal_lesion", "1/day", "injury: lasting stromal lesion formation rate",
             POSITIVE),
    Variable("msc_signal", "1", "MSC paracrine signal", POSITIVE),
    Variable("akt_signal", "1", "direct PI3K/AKT activation above basal", POSITIVE),
    Variable("angiogenic_signal", "1", "direct pro-angiogenic signal", POSITIVE),
    Variable("survival_signal", "1", "direct anti-apoptotic signal", POSITIVE),
    Variable("pten_repression", LOG_REPRESSION, "PTEN repression", POSITIVE),
    Variable("pik3r2_repression", LOG_REPRESSION, "PIK3R2 repression", POSITIVE),
    Variable("p53_repression", LOG_REPRESSION, "p53 repression", POSITIVE),
    Variable("sirt7_repression", LOG_REPRESSION, "SIRT7 repression", POSITIVE),
    Variable("hbp1_repression", LOG_REPRESSION, "HBP1 repression", POSITIVE),
    Variable("ang1_exogenous", "healthy Ang1 level", "exogenous angiopoietin-1", POSITIVE),
    Variable("ang2_blockade", "1", "fraction of Ang2 neutralised", FRACTION),
    Variable("tie2_agonist", "healthy Ang1 level", "Tie2 agonist (Ang1 equivalents)", POSITIVE),
)

OBSERVABLES = (
    Variable("perfusion", "1", "ovarian perfusion factor"),
    Variable("tie2_ang1_occupancy", "1", "Tie2 fraction bound by Ang1 or agonist"),
    Variable("tie2_ang2_occupancy", "1", "Tie2 fraction bound by Ang2"),
    Variable("ang1_ang2_ratio", RELATIVE, "Ang1/Ang2 ratio"),
    Variable("vessel_stability", "1", "fraction of vessels held mature by Tie2"),
    Variable("growing_follicles", FOLLICLES, "growing follicles (primary to preovulatory)"),
    Variable("activation_rate", "follicles/day", "primordial activation rate"),
    Variable("ovulation_rate", "follicles/day", "ovulation rate"),
    Variable("atresia_rate", "follicles/day", "rate of follicle death (all stages)"),
    Variable("lh", "multiples of the healthy mean tonic LH", "serum LH: tonic plus surge"),
    Variable("inhibin", RELATIVE, "serum inhibin B (quasi-steady)"),
    Variable("surge_gate", "1", "level the surge drive relaxes to (E2, self-excitation, P4)"),
)
