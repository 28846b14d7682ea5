"""The rat model's parameter registry: every parameter with unit, default, bounds and source.

The tuple order is the kernel's flat parameter layout. Equations: ``equations.py``.
"""

from __future__ import annotations

from follisim.spec import Parameter, ParameterSpace

HUTCHINSON = "biomodels:MODEL1911130007"
HUTCHINSON_NOTE = ("Hutchinson et al. 2016 J Theor Biol angiogenesis model (PubMed 26987523), "
                   "SBML values as read in LITERATURE.md sec. 5.1 [V]; tumour vasculature, "
                   "converted from 1/h to 1/day")
TANG_FIT = ("Tang 2018 (ChinaXiv 201806.00186v1) healthy control arm, rat_outcomes.csv: E2 50.11, "
            "FSH 2.16, AMH 81.22 ng/L; solved by follisim.calibrate.healthy so that the cycle "
            "means on the healthy limit cycle of the default model reproduce them")
NORMALISATION = ("normalisation: chosen by follisim.calibrate.healthy so that the healthy "
                 "limit cycle has cycle-mean VEGF = 1 and vessel density = 1 (relative units)")
PERIOD_FIT = ("cycle length 4.5 d, the middle of the reported 4-5 d (rat_physiology.csv, "
              "estrous_len_hindawi); solved by follisim.calibrate.healthy")
PER_UNIT = "per unit of the input"
HUCMSC_FIT = ("the pooled MSC effects of Front Endocrinol 2023 (meta_analysis.csv, 'all "
              "species' rows: SMD of E2, FSH, primordial, primary and secondary follicles, "
              "treated vs untreated POI) against experiments/rat_ctx_hucmsc_iv at day 35, "
              "scored as follisim compare scores them: follisim calibrate "
              "configs/calibrate_hucmsc.toml (subgroup rows held out)")
INHIBIN_NORM = ("normalisation: chosen by follisim.calibrate.healthy so that the healthy limit "
                "cycle has cycle-mean inhibin B = 1 (relative units; no rat inhibin numbers in "
                "the curated data)")
LH_NORM = ("normalisation: chosen by follisim.calibrate.healthy so that the healthy limit cycle "
           "has cycle-mean tonic LH = 1 (LH in multiples of the healthy mean tonic level) with "
           "the 20-fold castrate level of lh_tonic_secretion")


def _p(name, default, unit, bounds, description, scale="lin", source="assumed", reference=""):
    return Parameter(name, default, unit, bounds, description, scale, source, reference)


PARAMETERS = ParameterSpace((
    # --- follicle population -------------------------------------------------------------
    _p("primordial_initial", 6000.0, "follicles", (300.0, 40000.0),
       "Primordial follicles in both ovaries at the start of the run", "log",
       reference="order of magnitude from Arai 1920 (Am J Anat 27:405): ~11,000 oocytes in both "
                 "ovaries at day 23 (LITERATURE.md 1.7 [A]); the adult value is assumed"),
    _p("k_activation", 0.0029, "1/day", (1e-4, 0.05),
       "Primordial activation rate without AMH brake or AKT push", "log",
       reference="order of magnitude from OvSim's daily activation probability 0.005 (mouse, "
                 "LITERATURE.md 1.4 [V]); gives ~14 activations/day at the default pool"),
    _p("amh_brake_max", 0.4, "1", (0.0, 0.95),
       "Largest fractional reduction of activation by AMH", source="doi:10.1210/en.143.3.1076",
       reference="Durlinger 2002: AMH in culture gave 40% fewer growing follicles"),
    _p("amh_brake_half", 80.0, "ng/L (Tang 2018 scale)", (5.0, 1000.0),
       "AMH level giving half the maximal brake on activation", "log",
       reference="set near the healthy AMH level so the brake is half-engaged in health"),
    _p("amh_brake_hill", 1.0, "1", (0.5, 4.0), "Hill coefficient of the AMH brake"),
    _p("akt_activation_gain", 0.5, "1 per unit AKT signal", (0.0, 20.0),
       "Fold increase of primordial activation per unit AKT signal (PTEN loss)",
       reference="set below akt_survival_gain so that default MSC-EV cargo spares primordials, "
                 "the reported direction (primordial SMD +2.38, Front Endocrinol 2023, "
                 "meta_analysis.csv); a strong PTEN knockdown still speeds depletion"),
    _p("k_primordial_death", 5e-4, "1/day", (0.0, 0.01),
       "Basal loss of primordial follicles without activation"),
    _p("k_primary_progression", 0.125, "1/day", (0.02, 1.0),
       "Primary -> secondary progression rate", "log",
       reference="~8 days per preantral stage (hamster 3H-thymidine study, LITERATURE.md 1.7 [A])"),
    _p("k_primary_atresia", 0.02, "1/day", (0.001, 0.5),
       "Basal atresia rate of primary follicles", "log"),
    _p("k_secondary_progression", 0.125, "1/day", (0.02, 1.0),
       "Secondary -> early antral progression rate", "log",
       reference="~8 days per preantral stage (hamster 3H-thymidine study, LITERATURE.md 1.7 [A])"),
    _p("k_secondary_atresia", 0.125, "1/day", (0.005, 1.0),
       "Basal atresia rate of secondary follicles", "log",
       reference="equal to progression: ~50% atresia per stage (hamster, LITERATURE.md 1.7 [A])"),
    _p("k_antral_progression_max", 0.5, "1/day", (0.05, 5.0),
       "Antral -> preovulatory progression rate at saturating delivered FSH", "log",
       reference="healthy antral residence ~2-3 d; antral to ovulation ~2 cycles (Osman 1985)"),
    _p("fsh_progression_half", 2.0, "ng/L (Tang 2018 scale)", (0.1, 50.0),
       "Delivered FSH giving half-maximal antral progression", "log"),
    _p("fsh_progression_hill", 2.0, "1", (1.0, 6.0), "Hill coefficient of FSH-driven progression"),
    _p("k_antral_atresia_max", 0.45, "1/day", (0.01, 5.0),
       "Antral atresia rate without FSH rescue, at healthy perfusion", "log",
       reference="about half the antral cohort becomes atretic per cycle (Osman 1985: "
                 "15-20% at dioestrus 1 and 35% at dioestrus 3, LITERATURE.md 1.7 [A])"),
    _p("fsh_rescue_half", 2.0, "ng/L (Tang 2018 scale)", (0.1, 50.0),
       "Delivered FSH giving half-maximal rescue of antral follicles from atresia", "log"),
    _p("fsh_rescue_hill", 2.0, "1", (1.0, 6.0), "Hill coefficient of FSH rescue",
       reference="GynCycle uses Hill 4 on normalised FSH (LITERATURE.md 5.1 [V]); 2 assumed"),
    _p("k_ovulation", 20.0, "1/day", (1.0, 200.0),
       "Ovulation rate of preovulatory follicles at saturating (surge) LH", "log",
       reference="assumed fast against the surge, so nearly the whole preovulatory cohort "
                 "leaves at one surge; the transition stands for LH-induced luteinisation "
                 "(rupture follows ~10 h later in rats, not modelled; docs/cycle.md)"),
    _p("k_preovulatory_atresia", 0.2, "1/day", (0.001, 2.0),
       "Atresia rate of preovulatory follicles that miss the surge (healthy perfusion)", "log",
       reference="assumed: an unovulated preovulatory follicle lasts ~5 d; sets the growing-"
                 "follicle supply below which the cycle stops (docs/cycle.md)"),
    _p("k_luteolysis", 0.5, "1/day", (0.05, 5.0),
       "Functional regression rate of corpora lutea (end of progesterone secretion)", "log",
       reference="non-mated rat CL secrete progesterone for ~1-1.5 d (metestrus to diestrus; "
                 "Smith, Freeman & Neill 1975 Endocrinology 96:219, Butcher 1974 "
                 "Endocrinology 94:1704; datasets/rat_cycle.csv); 0.5 keeps the secreting "
                 "phase ~2 d including the luteinisation lag"),
    _p("k_atretic_clearance", 0.35, "1/day", (0.05, 5.0),
       "Clearance of recently atretic follicles (histologically recognisable)", "log",
       reference="half-life ~2 d: morphological atresia takes >= 24 h + 24 h (Osman 1985, "
                 "LITERATURE.md 1.7 [A])"),
    # --- perfusion and apoptosis modifiers ------------------------------------------------
    _p("perfusion_half", 0.5, "1", (0.05, 5.0),
       "Vessel density giving half-maximal perfusion (perfusion = 1 at density 1)", "log"),
    _p("hypoxia_half", 0.5, "1", (0.05, 5.0),
       "Perfusion scale of the hypoxia index (1+K)/(perfusion+K)", "log"),
    _p("hypoxia_atresia_preantral", 0.5, "1", (0.0, 4.0),
       "Exponent of the hypoxia index on preantral atresia (no own vasculature)"),
    _p("hypoxia_atresia_antral", 2.0, "1", (0.0, 6.0),
       "Exponent of the hypoxia index on antral/preovulatory atresia (theca vasculature)"),
    _p("akt_survival_gain", 1.0, "1 per unit AKT signal", (0.0, 20.0),
       "Division of growing-follicle apoptosis per unit AKT signal (protective sign of AKT)"),
    _p("p53_apoptosis_share", 0.5, "1", (0.0, 1.0),
       "Share of follicle apoptosis that runs through p53 (removable by p53 repression)"),
    _p("msc_survival_gain", 3.081, "1 per unit MSC signal", (0.0, 20.0),
       "Division of growing-follicle apoptosis per unit MSC paracrine signal", source="fitted",
       reference=HUCMSC_FIT + "; bounded above only (profile 95 % <= 5.4)"),
    # --- miRNA targets -> pathways, injury side effects -----------------------------------
    _p("pten_akt_gain", 2.0, "1 per unit PTEN knockdown", (0.0, 50.0),
       "AKT signal per unit fractional PTEN knockdown (PTEN dephosphorylates PIP3)"),
    _p("pik3r2_akt_gain", 0.5, "1 per unit PIK3R2 knockdown", (0.0, 50.0),
       "AKT signal per unit fractional PIK3R2 (p85beta) knockdown"),
    _p("pik3r2_angiogenic_gain", 1.0, "1 per unit PIK3R2 knockdown", (0.0, 50.0),
       "Angiogenic signal per unit fractional PIK3R2 knockdown (miR-126-3p axis, Qu 2022)"),
    _p("sirt7_survival_gain", 0.5, "1 per unit SIRT7 knockdown", (0.0, 50.0),
       "Survival signal per unit fractional SIRT7 knockdown (miR-17-5p axis, Ding 2020)"),
    _p("hbp1_survival_gain", 0.5, "1 per unit HBP1 knockdown", (0.0, 50.0),
       "Survival signal per unit fractional HBP1 knockdown (miR-29a -> Wnt/beta-catenin)"),
    _p("injury_ang2_induction", 5.0, "day", (0.0, 100.0),
       "Fold increase of Ang2 production per 1/day of vascular injury rate"),
    # --- hormones ------------------------------------------------------------------------
    _p("e2_secretion", 6.97997, "pg/mL/day per follicle", (0.01, 1000.0),
       "E2 secretion per antral follicle at healthy perfusion and saturating FSH", "log",
       source="fitted", reference=TANG_FIT),
    _p("e2_preovulatory_weight", 8.0, "1", (1.0, 50.0),
       "E2 output of a preovulatory follicle relative to an antral one",
       reference="assumed; large because serum E2 rises ~6-fold from dioestrus to the "
                 "proestrus peak (Smith, Freeman & Neill 1975; datasets/rat_cycle.csv)"),
    _p("fsh_aromatase_half", 2.0, "ng/L (Tang 2018 scale)", (0.05, 50.0),
       "Delivered FSH giving half-maximal aromatase stimulation", "log"),
    _p("k_e2_clearance", 4.0, "1/day", (1.0, 1000.0),
       "First-order elimination of serum E2 (effective; fast against follicle turnover)", "log",
       reference="no rat value found (LITERATURE check); effective relaxation rate: it shapes "
                 "E2 within the cycle (trough, rise to the surge); the fitted cycle means "
                 "absorb it"),
    _p("fsh_secretion", 32.5614, "ng/L/day", (0.1, 10000.0),
       "Pituitary FSH secretion without E2 feedback", "log", source="fitted", reference=TANG_FIT),
    _p("e2_feedback_half", 100.0, "pg/mL", (5.0, 500.0),
       "E2 level halving FSH secretion (negative feedback)", "log",
       reference="assumed: weak against inhibin; E2 antiserum at dioestrus raised FSH only to "
                 "144 +/- 22 % (n.s.) while LH rose to 318 % (rat_gonadotropins.csv)"),
    _p("e2_feedback_hill", 2.0, "1", (0.5, 6.0), "Hill coefficient of E2 negative feedback"),
    _p("k_fsh_clearance", 4.0, "1/day", (1.0, 500.0),
       "First-order elimination of serum FSH", "log",
       reference="rat LH initial half-life 14-23 min and human FSH 4.6 h (LITERATURE check); "
                 "no rat FSH value found"),
    _p("amh_secretion", 0.681003, "ng/L/day per follicle", (0.001, 1000.0),
       "AMH secretion per secondary-follicle equivalent", "log", source="fitted",
       reference=TANG_FIT),
    _p("amh_primary_weight", 0.2, "1", (0.0, 2.0),
       "AMH output of a primary follicle relative to a secondary one"),
    _p("amh_antral_weight", 0.5, "1", (0.0, 2.0),
       "AMH output of an antral follicle relative to a secondary one"),
    _p("k_amh_clearance", 0.603, "1/day", (0.1, 20.0),
       "First-order elimination of serum AMH", "log",
       reference="terminal half-life 27.6 h in women after oophorectomy (Griesinger 2012 JCEM); "
                 "no rat value found"),
    # --- gonadotropin axis: inhibin and tonic LH ---------------------------------------------
    _p("inhibin_secretion", 0.0161279, "1 per follicle (healthy mean = 1)", (1e-5, 100.0),
       "Serum inhibin B per antral-follicle equivalent at healthy perfusion (quasi-steady: "
       "rat serum inhibin half-life 14-15 min, Robertson 1988, rat_gonadotropins.csv)", "log",
       source="fitted", reference=INHIBIN_NORM),
    _p("inhibin_secondary_weight", 1.0, "1", (0.0, 4.0),
       "Inhibin B output of a secondary (preantral) follicle relative to an antral one",
       reference="assumed equal: small growing follicles secrete inhibin B, mature antral "
                 "follicles inhibin A (rat abstract, rat_gonadotropins.csv)"),
    _p("inhibin_preovulatory_weight", 0.5, "1", (0.0, 4.0),
       "Inhibin B output of a preovulatory follicle relative to an antral one",
       reference="assumed: dominant/preovulatory follicles shift to inhibin A"),
    _p("inhibin_feedback_half", 0.5, "1 (healthy mean = 1)", (0.05, 20.0),
       "Inhibin B level halving pituitary FSH secretion", "log",
       reference="assumed: inhibin B is the rat's main FSH brake (anti-inhibin serum raises FSH "
                 "but not LH for ~28 h; follicular fluid halves FSH pulse frequency in OVX "
                 "rats, rat_gonadotropins.csv); a healthy level brakes secretion 3-fold"),
    _p("inhibin_feedback_hill", 1.0, "1", (0.5, 4.0),
       "Steepness of the inhibin brake on FSH secretion"),
    _p("lh_tonic_secretion", 20.0, "multiples of the healthy mean tonic LH", (0.1, 100.0),
       "Tonic LH without ovarian negative feedback (the castrate level)", "log",
       source="fitted", reference="set to the reported castrate rise: plasma LH 'about 20-fold'"
                                  " over intact dioestrus/oestrus rats 2 months after "
                                  "ovariectomy (rat_gonadotropins.csv)"),
    _p("lh_e2_feedback_half", 15.1519, "pg/mL", (0.5, 500.0),
       "E2 level halving tonic LH secretion (negative feedback)", "log", source="fitted",
       reference=LH_NORM),
    _p("lh_e2_feedback_hill", 2.0, "1", (0.5, 6.0), "Steepness of E2 feedback on tonic LH"),
    _p("lh_p4_feedback_half", 1.0, "1 (1 = half-blocks the surge)", (0.05, 20.0),
       "Luteal progesterone level halving tonic LH secretion", "log"),
    _p("k_lh_tonic", 0.5, "1/day", (0.01, 50.0),
       "Rate at which tonic LH secretion adapts to ovarian feedback", "log",
       reference="assumed: with a 20-fold castrate level it gives the 3.2-fold LH rise 6 h "
                 "after E2 antiserum at dioestrus (rat_gonadotropins.csv); the further rise "
                 "over weeks after ovariectomy (still rising at day 30) is not captured; the "
                 "plasma half-life itself is minutes (13.7 min, rat_cycle.csv)"),
    # --- vasculature -----------------------------------------------------------------------
    _p("vegf_basal_fraction", 0.5, "1", (0.0, 1.0),
       "Share of healthy ovarian VEGF production not tied to antral follicles"),
    _p("vegf_follicle_ref", 17.8632, "follicles", (0.1, 10000.0),
       "Antral + preovulatory count at which follicular VEGF output is at its healthy level",
       "log", source="fitted", reference=NORMALISATION),
    _p("vegf_hypoxia_exponent", 1.0, "1", (0.0, 4.0),
       "Exponent of the hypoxia index on VEGF production (HIF-driven)"),
    _p("msc_vegf_gain", 1.0, "1 per unit MSC signal", (0.0, 20.0),
       "Fold increase of VEGF production per unit MSC paracrine signal"),
    _p("k_vegf_turnover", 2.0, "1/day", (0.5, 200.0), "Turnover rate of ovarian VEGF", "log"),
    _p("msc_ang1_gain", 1.0, "1 per unit MSC signal", (0.0, 20.0),
       "Fold increase of Ang1 production per unit MSC paracrine signal"),
    _p("k_ang1_turnover", 2.0, "1/day", (0.1, 200.0),
       "Turnover rate of the ovarian (largely matrix-bound) Ang1 pool", "log",
       reference="Hutchinson 2016 uses 113/day for free Ang1 in tumour tissue; a slower "
                 "effective turnover is assumed for the tissue pool"),
    _p("k_ang2_turnover", 1.5, "1/day", (0.1, 50.0), "Turnover rate of ovarian Ang2", "log",
       source=HUTCHINSON, reference=HUTCHINSON_NOTE + ": Ang2 decay 0.0625/h"),
    _p("msc_ang2_suppression", 1.0, "1 per unit MSC signal", (0.0, 20.0),
       "Division of Ang2 production per unit MSC paracrine signal"),
    _p("ang2_hypoxia_exponent", 1.0, "1", (0.0, 4.0),
       "Exponent of the hypoxia index on endothelial Ang2 production"),
    _p("tie2_kd", 1.0, "healthy Ang1 level", (0.05, 20.0),
       "Tie2 dissociation constant for Ang1 and Ang2 (equal affinities)", "log",
       reference="Hutchinson 2016 gives Kd ~3 nM for both ligands; ovarian levels in nM unknown"),
    _p("ang2_ang1_ratio_healthy", 1.0, "mol/mol", (0.05, 20.0),
       "Ang2:Ang1 molar ratio in healthy ovarian tissue", "log",
       reference="serum Ang1:Ang2 > 1 but follicular fluid << 1 (Hurliman 2010, PMC2839053)"),
    _p("tie2_switch_ratio", 8.0, "mol/mol", (1.0, 50.0),
       "Ang2:Ang1 Tie2-occupancy ratio at which maturation and destabilisation balance", "log",
       source=HUTCHINSON, reference=HUTCHINSON_NOTE + ": lambda = 8"),
    _p("tie2_switch_hill", 2.0, "1", (1.0, 6.0), "Steepness of the Tie2 stability switch",
       source=HUTCHINSON, reference=HUTCHINSON_NOTE + ": ratio enters squared"),
    _p("k_sprouting", 1.0, "1/day", (0.05, 10.0), "Maximal VEGF-driven vessel growth rate", "log",
       source=HUTCHINSON, reference=HUTCHINSON_NOTE + ": immature EC proliferation 0.0417/h"),
    _p("vegf_sprouting_half", 1.0, "1", (0.05, 20.0),
       "VEGF level (relative) giving half-maximal sprouting and vessel survival", "log"),
    _p("angiogenic_gain", 1.0, "1 per unit angiogenic signal", (0.0, 20.0),
       "Fold increase of sprouting per unit angiogenic signal (e.g. PIK3R2 repression)"),
    _p("k_regression", 0.24, "1/day", (0.01, 5.0),
       "Regression rate of destabilised vessels without VEGF support", "log",
       source=HUTCHINSON, reference=HUTCHINSON_NOTE + ": dematuration 0.01/h"),
    _p("vessel_capacity", 1.00371, "1", (1.0001, 10.0),
       "Carrying capacity of ovarian vessel density (relative to healthy)", "log",
       source="fitted", reference=NORMALISATION),
    # --- estrous cycle ---------------------------------------------------------------------
    _p("surge_e2_half", 88.4794, "pg/mL", (5.0, 1000.0),
       "E2 level that half-activates the surge generator without self-excitation", "log",
       source="fitted", reference=PERIOD_FIT),
    _p("surge_self_excitation", 3.0, "1", (0.0, 20.0),
       "Fold gain of the surge generator's drive by its own activity (hysteresis)",
       reference="hypothesis: stands for GnRH self-priming and the AVPV kisspeptin positive "
                 "loop; gives the all-or-none surge"),
    _p("surge_hill", 8.0, "1", (1.0, 16.0), "Steepness of the surge generator's response"),
    _p("k_surge", 10.0, "1/day", (1.0, 200.0),
       "Relaxation rate of the surge drive (GnRH surge rise and fall)", "log",
       reference="assumed; gives an LH surge ~4-5 h wide at half height (reported 4-6 h above "
                 "baseline, datasets/rat_cycle.csv)"),
    _p("surge_p4_hill", 2.0, "1", (1.0, 8.0),
       "Hill coefficient of luteal progesterone inhibition of the surge generator"),
    _p("cl_p4_half", 4.0, "corpora lutea", (0.5, 50.0),
       "Functional corpora lutea whose progesterone halves the surge drive", "log"),
    _p("k_luteinization", 1.5, "1/day", (0.2, 50.0),
       "Rate at which new corpora lutea reach their progesterone output", "log",
       reference="luteal progesterone rises on dioestrus-1, about a day after ovulation (Smith, "
                 "Freeman & Neill 1975; datasets/rat_cycle.csv); serum progesterone itself is "
                 "taken as quasi-steady"),
    _p("lh_surge_amplitude", 20.0, "multiples of tonic LH", (2.0, 500.0),
       "LH rise above tonic at full surge drive", "log"),
    _p("lh_ovulation_half", 8.0, "multiples of tonic LH", (1.5, 200.0),
       "LH level giving half-maximal ovulation (tonic LH gives almost none)", "log"),
    _p("lh_ovulation_hill", 6.0, "1", (1.0, 12.0), "Steepness of the LH ovulation gate"),

    # --- lasting damage (hypotheses; docs/model.md) -------------------------------------------
    _p("gc_lesion_repair", 0.01, "1/day", (1e-4, 1.0),
       "Repair rate of the lasting granulosa-cell lesion (senescence)", "log",
       reference="assumed: untreated POI persists for at least 3-8 weeks after POI-grade "
                 "protocols (poi_timecourse.md), so repair is slower than ~1/60 per day"),
    _p("gc_lesion_apoptosis_gain", 4.0, "1", (0.0, 50.0),
       "Fold rise of growing-follicle apoptosis per unit granulosa-cell lesion"),
    _p("stromal_lesion_repair", 0.01, "1/day", (1e-4, 1.0),
       "Repair rate of the lasting stromal/vascular lesion (fibrosis)", "log",
       reference="assumed, as gc_lesion_repair"),
    _p("stromal_lesion_capacity_loss", 0.5, "1", (0.0, 1.0),
       "Fraction of the ovary's vessel capacity lost at a full stromal lesion"),
    _p("msc_repair_gain", 1.519, "1 per unit MSC signal", (0.0, 20.0),
       "Fold rise of lesion repair per unit MSC paracrine signal (hypothesis: MSC paracrine "
       "factors restore granulosa and stromal function; lasting recovery after hUCMSC, "
       "poi_timecourse.md item 3)", source="fitted",
       reference=HUCMSC_FIT + "; not identifiable by these data (flat profile)"),
))
