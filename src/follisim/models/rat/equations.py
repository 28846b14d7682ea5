"""The rat ovary model's equations, each stated once.

Every quantity below is a named expression over states, parameters, inputs and earlier
quantities (the rules are in ``follisim.spec.equations``). From this file
``follisim.spec.codegen`` generates the numba kernel ``follisim.core.rat`` (``rhs``, ``hazards``,
``observe``), the plain-Python right-hand side of ``follisim.models.rat_python``, the SBML
export's rules and the equation listing in ``docs/model.md``: editing a mechanism here edits all
of them (importing follisim regenerates a stale kernel file).

Units: time [day]; follicle counts [follicles, both ovaries]; E2 [pg/mL]; FSH, AMH [ng/L, Tang
2018 ELISA scale]; VEGF, Ang1, Ang2, vessel density [1, healthy = 1]. Evidence and hypotheses
for each mechanism: ``docs/model.md``.
"""

from follisim.spec.equations import Equations, clamp01, hill, knockdown, pos

eq = Equations("rat")

# --- miRNA targets -> intracellular pathways ----------------------------------------------
eq.group("pathways", "Pathways from miRNA targets")


@eq.signal(unit="1")
def pten_knockdown(pten_repression):
    """Fraction of PTEN removed by its log-repression input."""
    return knockdown(pten_repression)


@eq.signal(unit="1")
def pik3r2_knockdown(pik3r2_repression):
    """Fraction of PIK3R2 (p85beta) removed."""
    return knockdown(pik3r2_repression)


@eq.signal(unit="1")
def p53_knockdown(p53_repression):
    """Fraction of p53 removed."""
    return knockdown(p53_repression)


@eq.signal(unit="1")
def sirt7_knockdown(sirt7_repression):
    """Fraction of SIRT7 removed."""
    return knockdown(sirt7_repression)


@eq.signal(unit="1")
def hbp1_knockdown(hbp1_repression):
    """Fraction of HBP1 removed."""
    return knockdown(hbp1_repression)


@eq.signal(unit="1")
def akt(akt_signal, pten_akt_gain, pten_knockdown, pik3r2_akt_gain, pik3r2_knockdown):
    """PI3K/AKT activation above basal: direct input plus PTEN and PIK3R2 loss."""
    return pos(akt_signal) + pten_akt_gain * pten_knockdown + pik3r2_akt_gain * pik3r2_knockdown


@eq.signal(unit="1")
def angiogenic(angiogenic_signal, pik3r2_angiogenic_gain, pik3r2_knockdown):
    """Pro-angiogenic signal: direct input plus PIK3R2 loss (miR-126-3p axis)."""
    return pos(angiogenic_signal) + pik3r2_angiogenic_gain * pik3r2_knockdown


@eq.signal(unit="1")
def survival(survival_signal, sirt7_survival_gain, sirt7_knockdown, hbp1_survival_gain,
             hbp1_knockdown):
    """Anti-apoptotic signal: direct input plus SIRT7 and HBP1 loss."""
    return pos(survival_signal) + sirt7_survival_gain * sirt7_knockdown \
        + hbp1_survival_gain * hbp1_knockdown


@eq.signal(unit="1")
def msc_paracrine(msc_signal):
    """MSC paracrine signal (non-negative)."""
    return pos(msc_signal)


@eq.signal(unit="1")
def p53_kept(p53_apoptosis_share, p53_knockdown):
    """Share of follicle apoptosis kept when p53 is repressed."""
    return 1 - p53_apoptosis_share * p53_knockdown


# --- perfusion, hypoxia, apoptosis ----------------------------------------------------------
eq.group("perfusion", "Perfusion, hypoxia and the apoptosis signal")


@eq.signal(unit="1")
def perfusion(vessel_density, perfusion_half):
    """Perfusion factor D (1 + K)/(D + K): 1 at healthy vessel density, 0 without vessels."""
    return pos(vessel_density) * (1 + perfusion_half) / (pos(vessel_density) + perfusion_half)


@eq.signal(unit="1")
def hypoxia(perfusion, hypoxia_half):
    """Hypoxia index (1 + K)/(perfusion + K): 1 at healthy perfusion, (1 + K)/K without."""
    return (1 + hypoxia_half) / (perfusion + hypoxia_half)


@eq.signal(unit="ng/L (Tang 2018 scale)")
def fsh_delivered(fsh, perfusion):
    """FSH reaching the follicles: serum FSH times perfusion."""
    return pos(fsh) * perfusion


@eq.signal(unit="1")
def apoptosis(injury_gc, gc_lesion_apoptosis_gain, gc_lesion, p53_kept, akt_survival_gain, akt,
              msc_survival_gain, msc_paracrine, survival):
    """Growing-follicle apoptosis signal: raised by acute granulosa injury and by the lasting
    granulosa-cell lesion, lowered by AKT (the protective sign), MSC paracrine signal and
    survival signals; 1 in health."""
    return (1 + pos(injury_gc)) * (1 + gc_lesion_apoptosis_gain * pos(gc_lesion)) * p53_kept \
        / ((1 + akt_survival_gain * akt) * (1 + msc_survival_gain * msc_paracrine)
           * (1 + survival))


@eq.signal(unit="1")
def preantral_stress(apoptosis, hypoxia, hypoxia_atresia_preantral):
    """Atresia multiplier of preantral follicles (no own vasculature: weak hypoxia exponent)."""
    return apoptosis * hypoxia ** hypoxia_atresia_preantral


@eq.signal(unit="1")
def antral_stress(apoptosis, hypoxia, hypoxia_atresia_antral):
    """Atresia multiplier of antral and preovulatory follicles (theca vasculature)."""
    return apoptosis * hypoxia ** hypoxia_atresia_antral


# --- activation, growth, atresia, ovulation -------------------------------------------------
eq.group("hazards", "Per-follicle hazards")


@eq.signal(unit="1")
def amh_brake(amh_brake_max, amh, amh_brake_half, amh_brake_hill):
    """Fraction of primordial activation left by the AMH brake."""
    return 1 - amh_brake_max * hill(amh, amh_brake_half, amh_brake_hill)


@eq.signal(unit="1")
def activation_push(akt_activation_gain, akt, injury_burnout):
    """Fold rise of primordial activation by AKT (the activating sign) and burnout injury."""
    return 1 + akt_activation_gain * akt + pos(injury_burnout)


@eq.signal(unit="1")
def fsh_rescue(fsh_delivered, fsh_rescue_half, fsh_rescue_hill):
    """Share of antral follicles rescued from atresia by delivered FSH."""
    return hill(fsh_delivered, fsh_rescue_half, fsh_rescue_hill)


@eq.signal(unit="multiples of the healthy mean tonic LH")
def lh(lh_tonic, lh_surge_amplitude, surge):
    """Serum LH: the tonic level plus the surge (quasi-steady in the surge)."""
    return pos(lh_tonic) + lh_surge_amplitude * pos(surge)


@eq.hazard()
def activation(k_activation, activation_push, amh_brake):
    """Primordial -> primary activation."""
    return k_activation * activation_push * amh_brake


@eq.hazard()
def primordial_death(k_primordial_death, injury_primordial, p53_kept):
    """Loss of primordial follicles without activation (basal, plus direct injury)."""
    return (k_primordial_death + pos(injury_primordial)) * p53_kept


@eq.hazard()
def primary_progression(k_primary_progression):
    """Primary -> secondary."""
    return k_primary_progression


@eq.hazard()
def primary_atresia(k_primary_atresia, preantral_stress):
    """Atresia of primary follicles."""
    return k_primary_atresia * preantral_stress


@eq.hazard()
def secondary_progression(k_secondary_progression):
    """Secondary -> early antral."""
    return k_secondary_progression


@eq.hazard()
def secondary_atresia(k_secondary_atresia, preantral_stress):
    """Atresia of secondary follicles."""
    return k_secondary_atresia * preantral_stress


@eq.hazard()
def antral_progression(k_antral_progression_max, fsh_delivered, fsh_progression_half,
                       fsh_progression_hill):
    """Antral -> preovulatory, driven by delivered FSH."""
    return k_antral_progression_max * hill(fsh_delivered, fsh_progression_half,
                                           fsh_progression_hill)


@eq.hazard()
def antral_atresia(k_antral_atresia_max, fsh_rescue, antral_stress):
    """Atresia of antral follicles not rescued by FSH."""
    return k_antral_atresia_max * (1 - fsh_rescue) * antral_stress


@eq.signal(unit="multiples of the healthy mean tonic LH")
def lh_surge(lh_surge_amplitude, surge):
    """LH that the surge adds on a healthy tonic level: what gates ovulation."""
    return 1 + lh_surge_amplitude * pos(surge)


@eq.hazard()
def ovulation(k_ovulation, lh_surge, lh_ovulation_half, lh_ovulation_hill):
    """Ovulation (luteinisation) of preovulatory follicles, gated by the LH surge; a raised
    tonic LH (after follicle loss) does not ovulate follicles (simplification)."""
    return k_ovulation * hill(lh_surge, lh_ovulation_half, lh_ovulation_hill)


@eq.hazard()
def preovulatory_atresia(k_preovulatory_atresia, antral_stress):
    """Atresia of preovulatory follicles that miss the surge."""
    return k_preovulatory_atresia * antral_stress


@eq.hazard()
def luteolysis(k_luteolysis):
    """End of progesterone secretion by a corpus luteum."""
    return k_luteolysis


@eq.hazard()
def atretic_clearance(k_atretic_clearance):
    """Clearance of a recently atretic follicle from histology."""
    return k_atretic_clearance


# --- follicle population -------------------------------------------------------------------
eq.group("follicles", "Follicle population")


@eq.signal(unit="follicles/day")
def activation_flux(activation, primordial):
    """Primordial follicles activated per day."""
    return activation * primordial


@eq.signal(unit="follicles/day")
def primordial_death_flux(primordial_death, primordial):
    """Primordial follicles lost per day."""
    return primordial_death * primordial


@eq.signal(unit="follicles/day")
def primary_progression_flux(primary_progression, primary):
    """Primary follicles becoming secondary per day."""
    return primary_progression * primary


@eq.signal(unit="follicles/day")
def primary_atresia_flux(primary_atresia, primary):
    """Primary follicles becoming atretic per day."""
    return primary_atresia * primary


@eq.signal(unit="follicles/day")
def secondary_progression_flux(secondary_progression, secondary):
    """Secondary follicles forming an antrum per day."""
    return secondary_progression * secondary


@eq.signal(unit="follicles/day")
def secondary_atresia_flux(secondary_atresia, secondary):
    """Secondary follicles becoming atretic per day."""
    return secondary_atresia * secondary


@eq.signal(unit="follicles/day")
def antral_progression_flux(antral_progression, antral):
    """Antral follicles becoming preovulatory per day."""
    return antral_progression * antral


@eq.signal(unit="follicles/day")
def antral_atresia_flux(antral_atresia, antral):
    """Antral follicles becoming atretic per day."""
    return antral_atresia * antral


@eq.signal(unit="follicles/day")
def ovulation_flux(ovulation, preovulatory):
    """Follicles ovulated per day."""
    return ovulation * preovulatory


@eq.signal(unit="follicles/day")
def preovulatory_atresia_flux(preovulatory_atresia, preovulatory):
    """Preovulatory follicles becoming atretic per day."""
    return preovulatory_atresia * preovulatory


@eq.signal(unit="follicles/day")
def atresia_flux(primordial_death_flux, primary_atresia_flux, secondary_atresia_flux,
                 antral_atresia_flux, preovulatory_atresia_flux):
    """Follicles dying per day, all stages."""
    return primordial_death_flux + primary_atresia_flux + secondary_atresia_flux \
        + antral_atresia_flux + preovulatory_atresia_flux


@eq.rate("primordial", unit="follicles/day")
def d_primordial(activation_flux, primordial_death_flux):
    """Primordial pool: activation and death, no renewal."""
    return -activation_flux - primordial_death_flux


@eq.rate("primary", unit="follicles/day")
def d_primary(activation_flux, primary_progression_flux, primary_atresia_flux):
    """Primary follicles."""
    return activation_flux - primary_progression_flux - primary_atresia_flux


@eq.rate("secondary", unit="follicles/day")
def d_secondary(primary_progression_flux, secondary_progression_flux, secondary_atresia_flux):
    """Secondary (preantral) follicles."""
    return primary_progression_flux - secondary_progression_flux - secondary_atresia_flux


@eq.rate("antral", unit="follicles/day")
def d_antral(secondary_progression_flux, antral_progression_flux, antral_atresia_flux):
    """Early antral follicles."""
    return secondary_progression_flux - antral_progression_flux - antral_atresia_flux


@eq.rate("preovulatory", unit="follicles/day")
def d_preovulatory(antral_progression_flux, ovulation_flux, preovulatory_atresia_flux):
    """Preovulatory follicles."""
    return antral_progression_flux - ovulation_flux - preovulatory_atresia_flux


@eq.rate("corpora_lutea", unit="corpora lutea/day")
def d_corpora_lutea(ovulation_flux, luteolysis, corpora_lutea):
    """Functional (progesterone-secreting) corpora lutea."""
    return ovulation_flux - luteolysis * corpora_lutea


@eq.rate("atretic", unit="follicles/day")
def d_atretic(atresia_flux, atretic_clearance, atretic):
    """Recently atretic follicles (histologically recognisable)."""
    return atresia_flux - atretic_clearance * atretic


@eq.rate("ovulated", unit="follicles/day")
def d_ovulated(ovulation_flux):
    """Cumulative ovulations since day 0 (the cycle marker)."""
    return ovulation_flux


# --- hormones -------------------------------------------------------------------------------
eq.group("hormones", "Hormones")


@eq.signal(unit="1")
def aromatase(fsh_delivered, fsh_aromatase_half):
    """FSH-stimulated aromatase activity of granulosa cells."""
    return fsh_delivered / (fsh_delivered + fsh_aromatase_half)


@eq.signal(unit="1 (healthy mean = 1)")
def inhibin(inhibin_secretion, inhibin_secondary_weight, secondary, antral,
            inhibin_preovulatory_weight, preovulatory, perfusion):
    """Serum inhibin B from granulosa cells of preantral and antral follicles (less from
    preovulatory ones), released in proportion to perfusion; quasi-steady (plasma half-life
    minutes)."""
    return inhibin_secretion * (inhibin_secondary_weight * secondary + antral
                                + inhibin_preovulatory_weight * preovulatory) * perfusion


@eq.signal(unit="1")
def fsh_release(e2, e2_feedback_half, e2_feedback_hill, inhibin, inhibin_feedback_half,
                inhibin_feedback_hill):
    """Share of pituitary FSH secretion left under negative feedback: E2 and inhibin B (the
    rat's main FSH brake)."""
    return (1 - hill(e2, e2_feedback_half, e2_feedback_hill)) \
        / (1 + (pos(inhibin) / inhibin_feedback_half) ** inhibin_feedback_hill)


@eq.signal(unit="1")
def lh_release(e2, lh_e2_feedback_half, lh_e2_feedback_hill, progesterone,
               lh_p4_feedback_half):
    """Share of tonic LH secretion left under E2 and luteal progesterone negative feedback."""
    return (1 - hill(e2, lh_e2_feedback_half, lh_e2_feedback_hill)) \
        / (1 + pos(progesterone) / lh_p4_feedback_half)


@eq.rate("e2", unit="pg/mL/day")
def d_e2(e2_secretion, antral, e2_preovulatory_weight, preovulatory, perfusion, aromatase,
         k_e2_clearance, e2):
    """Serum E2: secreted by antral and (more) preovulatory granulosa cells, released in
    proportion to perfusion; first-order elimination."""
    return e2_secretion * (antral + e2_preovulatory_weight * preovulatory) * perfusion \
        * aromatase - k_e2_clearance * e2


@eq.rate("fsh", unit="ng/L/day")
def d_fsh(fsh_secretion, fsh_release, k_fsh_clearance, fsh):
    """Serum FSH: pituitary secretion under E2 negative feedback; first-order elimination."""
    return fsh_secretion * fsh_release - k_fsh_clearance * fsh


@eq.rate("lh_tonic", unit="1/day")
def d_lh_tonic(k_lh_tonic, lh_tonic_secretion, lh_release, lh_tonic):
    """Tonic LH adapts to the ovarian feedback over days (castrate level lh_tonic_secretion)."""
    return k_lh_tonic * (lh_tonic_secretion * lh_release - lh_tonic)


@eq.rate("amh", unit="ng/L/day")
def d_amh(amh_secretion, amh_primary_weight, primary, secondary, amh_antral_weight, antral,
          k_amh_clearance, amh):
    """Serum AMH from primary (weak), secondary and small antral follicles."""
    return amh_secretion * (amh_primary_weight * primary + secondary
                            + amh_antral_weight * antral) - k_amh_clearance * amh


# --- estrous cycle --------------------------------------------------------------------------
eq.group("cycle", "Surge generator, LH and luteal progesterone")


@eq.signal(unit="1")
def surge_input(e2, surge_e2_half, surge_self_excitation, surge, progesterone, surge_p4_hill):
    """Input of the surge generator: E2 positive feedback, self-excitation, progesterone
    inhibition."""
    return pos(e2) / surge_e2_half * (1 + surge_self_excitation * pos(surge)) \
        / (1 + pos(progesterone) ** surge_p4_hill)


@eq.signal(unit="1")
def surge_gate(surge_input, surge_hill):
    """Level the surge drive relaxes to (all-or-none for a steep Hill)."""
    return hill(surge_input, 1, surge_hill)


@eq.rate("surge", unit="1/day")
def d_surge(k_surge, surge_gate, surge):
    """Hypothalamic GnRH/LH surge drive."""
    return k_surge * (surge_gate - surge)


@eq.rate("progesterone", unit="1/day")
def d_progesterone(k_luteinization, corpora_lutea, cl_p4_half, progesterone):
    """Luteal progesterone follows the functional corpora lutea with a luteinisation lag."""
    return k_luteinization * (corpora_lutea / cl_p4_half - progesterone)


# --- vasculature ----------------------------------------------------------------------------
eq.group("vessels", "Vasculature")


@eq.signal(unit="1")
def vegf_target(vegf_basal_fraction, antral, preovulatory, vegf_follicle_ref, hypoxia,
                vegf_hypoxia_exponent, msc_vegf_gain, msc_paracrine):
    """VEGF production: basal plus antral/preovulatory share, raised by hypoxia (HIF) and MSCs."""
    return (vegf_basal_fraction + (1 - vegf_basal_fraction) * (antral + preovulatory)
            / vegf_follicle_ref) * hypoxia ** vegf_hypoxia_exponent \
        * (1 + msc_vegf_gain * msc_paracrine)


@eq.signal(unit="1")
def ang2_target(vessel_density, hypoxia, ang2_hypoxia_exponent, injury_ang2_induction,
                injury_vascular, msc_ang2_suppression, msc_paracrine):
    """Endothelial Ang2 production: raised by hypoxia and vascular injury, suppressed by MSCs."""
    return pos(vessel_density) * hypoxia ** ang2_hypoxia_exponent \
        * (1 + injury_ang2_induction * pos(injury_vascular)) \
        / (1 + msc_ang2_suppression * msc_paracrine)


@eq.signal(unit="healthy Ang1 level")
def tie2_agonism(ang1, ang1_exogenous, tie2_agonist):
    """Tie2 agonists: endogenous Ang1, exogenous Ang1 and Tie2 agonist drugs."""
    return pos(ang1) + pos(ang1_exogenous) + pos(tie2_agonist)


@eq.signal(unit="healthy Ang1 level")
def ang2_free(ang2_ang1_ratio_healthy, ang2, ang2_blockade):
    """Ang2 not neutralised by a blocking antibody, in Ang1 molar units."""
    return ang2_ang1_ratio_healthy * pos(ang2) * (1 - clamp01(ang2_blockade))


@eq.signal(unit="mol/mol")
def tie2_ratio(ang2_free, tie2_agonism):
    """Ang2:agonist ratio seen by Tie2 (equal affinities)."""
    return ang2_free / max(tie2_agonism, 1e-12)


@eq.signal(unit="1")
def vessel_stability(tie2_ratio, tie2_switch_ratio, tie2_switch_hill):
    """Fraction of vessels held mature by the Tie2 balance (Hutchinson 2016 switch)."""
    return 1 / (1 + (tie2_ratio / tie2_switch_ratio) ** tie2_switch_hill)


@eq.signal(unit="1")
def vegf_support(vegf, vegf_sprouting_half):
    """VEGF support of sprouting and of vessel survival."""
    return hill(vegf, vegf_sprouting_half, 1)


@eq.signal(unit="1")
def capacity(vessel_capacity, stromal_lesion_capacity_loss, stromal_lesion):
    """Vessel capacity of the ovary, reduced by the lasting stromal lesion (fibrosis)."""
    return vessel_capacity * (1 - stromal_lesion_capacity_loss * pos(stromal_lesion))


@eq.signal(unit="1/day")
def sprouting(k_sprouting, vegf_support, angiogenic_gain, angiogenic, vessel_density, capacity):
    """VEGF-driven vessel growth per unit density, logistic in the ovary's capacity."""
    return k_sprouting * vegf_support * (1 + angiogenic_gain * angiogenic) \
        * (1 - vessel_density / capacity)


@eq.signal(unit="1/day")
def regression(k_regression, vessel_stability, vegf_support, injury_vascular):
    """Regression of destabilised vessels without VEGF support, plus direct vascular injury."""
    return k_regression * (1 - vessel_stability) * (1 - vegf_support) + pos(injury_vascular)


@eq.rate("vegf", unit="1/day")
def d_vegf(k_vegf_turnover, vegf_target, vegf):
    """Ovarian VEGF relaxes to its production level."""
    return k_vegf_turnover * (vegf_target - vegf)


@eq.rate("ang1", unit="1/day")
def d_ang1(k_ang1_turnover, vessel_density, msc_ang1_gain, msc_paracrine, ang1):
    """Ovarian Ang1, made by mural cells of existing vessels and by MSCs."""
    return k_ang1_turnover * (pos(vessel_density) * (1 + msc_ang1_gain * msc_paracrine) - ang1)


@eq.rate("ang2", unit="1/day")
def d_ang2(k_ang2_turnover, ang2_target, ang2):
    """Ovarian Ang2 relaxes to its endothelial production level."""
    return k_ang2_turnover * (ang2_target - ang2)


@eq.rate("vessel_density", unit="1/day")
def d_vessel_density(sprouting, regression, vessel_density):
    """Microvessel density: sprouting minus regression."""
    return (sprouting - regression) * vessel_density


# --- lasting damage ---------------------------------------------------------------------------
eq.group("lesions", "Lasting damage (hypotheses)")


@eq.signal(unit="1/day")
def lesion_repair(msc_repair_gain, msc_paracrine):
    """Fold of the lesion repair rates: MSC paracrine factors speed repair (hypothesis)."""
    return 1 + msc_repair_gain * msc_paracrine


@eq.rate("gc_lesion", unit="1/day")
def d_gc_lesion(injury_gc_lesion, gc_lesion, gc_lesion_repair, lesion_repair):
    """Lasting granulosa-cell lesion (senescence): formed by injury, repaired slowly."""
    return pos(injury_gc_lesion) * (1 - gc_lesion) - gc_lesion_repair * lesion_repair * gc_lesion


@eq.rate("stromal_lesion", unit="1/day")
def d_stromal_lesion(injury_stromal_lesion, stromal_lesion, stromal_lesion_repair,
                     lesion_repair):
    """Lasting stromal/vascular lesion (fibrosis): formed by injury, repaired slowly."""
    return pos(injury_stromal_lesion) * (1 - stromal_lesion) \
        - stromal_lesion_repair * lesion_repair * stromal_lesion


# --- observables ----------------------------------------------------------------------------
eq.group("observables", "Observables")

eq.expose("perfusion")


@eq.observable(unit="1")
def tie2_ang1_occupancy(tie2_agonism, ang2_free, tie2_kd):
    """Tie2 fraction bound by Ang1 or an agonist (quasi-steady binding)."""
    return (tie2_agonism / tie2_kd) / (1 + tie2_agonism / tie2_kd + ang2_free / tie2_kd)


@eq.observable(unit="1")
def tie2_ang2_occupancy(tie2_agonism, ang2_free, tie2_kd):
    """Tie2 fraction bound by Ang2."""
    return (ang2_free / tie2_kd) / (1 + tie2_agonism / tie2_kd + ang2_free / tie2_kd)


@eq.observable(unit="1 (healthy = 1)")
def ang1_ang2_ratio(ang1, ang1_exogenous, ang2):
    """Ang1/Ang2 ratio (endogenous plus exogenous Ang1)."""
    return (pos(ang1) + pos(ang1_exogenous)) / max(ang2, 1e-300)


eq.expose("vessel_stability")


@eq.observable(unit="follicles (both ovaries)")
def growing_follicles(primary, secondary, antral, preovulatory):
    """Growing follicles, primary to preovulatory."""
    return primary + secondary + antral + preovulatory


@eq.observable(unit="follicles/day")
def activation_rate(activation_flux):
    """Primordial activation rate."""
    return activation_flux


@eq.observable(unit="follicles/day")
def ovulation_rate(ovulation_flux):
    """Ovulation rate."""
    return ovulation_flux


@eq.observable(unit="follicles/day")
def atresia_rate(atresia_flux):
    """Rate of follicle death (all stages)."""
    return atresia_flux


eq.expose("lh", "inhibin", "surge_gate")
