"""Score every reported row against the virtual cohort (rules: ``docs/compare.md``).

* arm-level rows (``rat_outcomes.csv`` schema) at every measurement day: the arm's value as a
  ratio to the same study's control arm (kit- and section-specific units), with the log-ratio
  interval of a study of the reported sizes, and its between-animal spread (CV, ``cv_z``); the
  control rows themselves compare the spread only; %-change rows (``*_change_vs_control``)
  compare the ratio; smear endpoints (fractions, days) compare directly;
* pooled rows (``meta_analysis.csv`` schema) at the pooled day, treated arm against the POI
  arm: SMD as Hedges' g, RR as a risk ratio, MD for absolute units, each with the interval of a
  study of the row's per-arm size.

Every input row gives at least one report row; rows the model cannot score are ``unsupported``
with the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from follisim.compare import scores
from follisim.compare.cohort import Cohort
from follisim.compare.observe import fraction_from_control, observed, reference_fraction
from follisim.compare.vocabulary import SECTIONS, SMEARS, Endpoint, lookup
from follisim.datasets.schema import Outcomes
from follisim.interventions import AGENTS

COLUMNS = ("source", "study", "endpoint", "kind", "arm", "day", "n", "reported",
           "reported_low", "reported_high", "simulated", "simulated_low", "simulated_high", "z",
           "reported_sd", "simulated_sd", "reported_cv", "simulated_cv", "cv_z", "sign_agrees",
           "inside_interval", "status", "reason")
#: Report-row kinds.
ARM, SPREAD, CHANGE, FRACTION = "arm", "control_spread", "change_vs_control", "fraction"
SMD, RR, MD = "SMD", "RR", "MD"
#: Per-arm size assumed for a pooled row that gives neither sizes nor study counts.
DEFAULT_POOLED_N = 10.0

#: Words by which data files name the injury agents of the experiment arms.
AGENT_WORDS = {"cyclophosphamide": ("cyclophosphamide", "ctx", "cpa", "cy", "cyc"),
               "cisplatin": ("cisplatin", "cddp", "cis"), "busulfan": ("busulfan", "bu", "bus")}


@dataclass
class Row:
    """One report row (``COLUMNS``)."""

    source: str
    study: str
    endpoint: str
    kind: str
    arm: str = ""
    day: float = math.nan
    n: float = math.nan
    reported: float = math.nan
    reported_low: float = math.nan
    reported_high: float = math.nan
    simulated: float = math.nan
    simulated_low: float = math.nan
    simulated_high: float = math.nan
    z: float = math.nan
    reported_sd: float = math.nan
    simulated_sd: float = math.nan
    reported_cv: float = math.nan
    simulated_cv: float = math.nan
    cv_z: float = math.nan
    sign_agrees: bool | None = None
    inside_interval: bool | None = None
    status: str = "ok"
    reason: str = ""

    def unsupported(self, reason: str) -> Row:
        self.status, self.reason = "unsupported", reason
        return self

    def finish(self) -> Row:
        if np.isfinite(self.reported_low) and np.isfinite(self.simulated):
            self.inside_interval = bool(self.reported_low <= self.simulated
                                        <= self.reported_high)
        return self


def _num(text: str | None) -> float | None:
    if text is None or not str(text).strip():
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _leading_int(text: str | None) -> int | None:
    m = re.match(r"\s*(\d+)", text or "")
    return int(m[1]) if m else None


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _injury_agents(cohort: Cohort, arm: str) -> set[str]:
    return {d.agent for d in cohort.experiment.arm(arm).doses
            if AGENTS[d.agent].kind == "injury"}


def induction_fits(text: str, agents: set[str]) -> bool:
    words = _words(text)
    return any(w in words for a in agents for w in AGENT_WORDS.get(a, (a,)))


def _stats(values: np.ndarray) -> tuple[float, float, int]:
    v = values[np.isfinite(values)]
    if v.size < 2:
        return math.nan, math.nan, int(v.size)
    return float(v.mean()), float(v.std(ddof=1)), int(v.size)


# --- arm-level rows -------------------------------------------------------------------------
def _group_arm(group: str, cohort: Cohort) -> str | None:
    s = cohort.settings
    arms = {a.name for a in cohort.experiment.arms}
    key = group.strip()
    if key in arms:
        return key
    roles = {"control": s.control_arm, "normal": s.control_arm, "poi": s.poi_arm,
             "model": s.poi_arm, "treated": s.treated_arm, "treatment": s.treated_arm}
    return roles.get(key.lower())


def _arm_rows(data: Outcomes, cohort: Cohort) -> Iterable[Row]:
    s = cohort.settings
    rows = data.rows
    for k, r in enumerate(rows, start=1):
        endpoint, relative = lookup(r["endpoint"])
        for day in cohort.days:
            row = Row(f"{data.source}:row {k}", r.get("study_id", ""), r["endpoint"], ARM,
                      day=day)
            yield _score_arm_row(row, r, endpoint, relative, rows, cohort)
    del s


def _score_arm_row(row: Row, r: dict, endpoint: Endpoint, relative: bool,
                   rows: tuple[dict, ...], cohort: Cohort) -> Row:
    s = cohort.settings
    if not endpoint.supported:
        return row.unsupported(endpoint.reason)
    species = r.get("species", "rat").strip().lower()
    if species and not species.startswith("rat"):
        return row.unsupported(f"species {species}: the model is the rat")
    arm = _group_arm(r["group"], cohort)
    if arm is None:
        return row.unsupported(f"group {r['group']!r} matches no arm (arm names, or control, "
                               "poi, treated)")
    row.arm = arm
    injury = _injury_agents(cohort, s.poi_arm)
    induction = r.get("induction", "")
    if induction and injury and not induction_fits(induction, injury):
        return row.unsupported(f"the study's induction ({induction[:40]}...) is not the "
                               f"experiment's injury ({', '.join(sorted(injury))})")
    mean = float(r["mean"])
    n = _leading_int(r.get("n"))
    sd = scores.sd_from_spread(_num(r.get("spread")), r.get("spread_kind", "none"), n)
    row.n = float(n) if n else math.nan
    row.reported, row.reported_sd = mean, (sd if sd is not None else math.nan)
    day = row.day

    if endpoint.observation == SMEARS:
        values = observed(cohort, arm, endpoint, day)
        m, sim_sd, _ = _stats(values)
        row.simulated, row.simulated_sd = m, sim_sd
        if endpoint.quantity != "cycle_length":          # a fraction of animals
            row.kind = FRACTION
            if "%" in r.get("unit", ""):
                mean /= 100.0
                row.reported = mean
            size = n or DEFAULT_POOLED_N
            row.n = size
            row.reported_low, row.reported_high = scores.wilson(mean, size)
            row.simulated_low, row.simulated_high = scores.wilson(m, size)
            se = (row.reported_high - row.reported_low) / (2 * scores.Z95)
            row.z = (m - mean) / se if se > 0 else math.nan
            if row.arm != s.control_arm:
                ctrl = np.nanmean(observed(cohort, s.control_arm, endpoint, day))
                row.sign_agrees = (mean > ctrl) == (m > ctrl)
            return row.finish()
        if sd is None or not n:
            return row.finish()
        se = sd / math.sqrt(n)
        row.reported_low, row.reported_high = mean - scores.Z95 * se, mean + scores.Z95 * se
        se = sim_sd / math.sqrt(n)
        row.simulated_low, row.simulated_high = m - scores.Z95 * se, m + scores.Z95 * se
        return row.finish()

    control_rows = [c for c in rows if c.get("study_id", "") == r.get("study_id", "")
                    and c["endpoint"] == r["endpoint"] and _group_arm(c["group"], cohort)
                    == s.control_arm]
    if relative:
        if arm == s.control_arm:
            return row.unsupported("a change versus control of the control arm")
        row.kind = CHANGE
        sim = _ratio(cohort, endpoint, arm, day, fraction=1.0)
        row.reported = 1.0 + mean / 100.0
        row.simulated = sim
        row.sign_agrees = math.copysign(1, row.reported - 1) == math.copysign(1, sim - 1)
        return row.finish()
    if not control_rows:
        return row.unsupported("no control row of the same study and endpoint: values in kit- "
                               "or section-specific units are compared as ratios to control")
    c = control_rows[0]
    c_mean = float(c["mean"])
    c_n = _leading_int(c.get("n"))
    c_sd = scores.sd_from_spread(_num(c.get("spread")), c.get("spread_kind", "none"), c_n)
    fraction = fraction_from_control(cohort, s.control_arm, endpoint, day, c_mean) \
        if endpoint.observation == SECTIONS else 1.0
    arm_values = observed(cohort, arm, endpoint, day, fraction)
    ctrl_values = observed(cohort, s.control_arm, endpoint, day, fraction)
    m_arm, sd_arm, _ = _stats(arm_values)
    m_ctrl, sd_ctrl, _ = _stats(ctrl_values)
    if not (m_ctrl > 0 and m_arm > 0):
        return row.unsupported("the simulated arm or control mean is not positive")
    scale = c_mean / m_ctrl          # kit or section units of this study
    if arm == s.control_arm:
        row.kind = SPREAD
        if sd is None or not n or n < 2:
            return row.unsupported("no spread or size reported for the control arm")
        cv_rep, cv_sim = sd / mean, sd_arm / m_arm
        half = scores.Z95 / math.sqrt(2.0 * (n - 1))
        row.reported, row.reported_low, row.reported_high = (cv_rep, cv_rep * math.exp(-half),
                                                             cv_rep * math.exp(half))
        row.simulated, row.simulated_low, row.simulated_high = (cv_sim, cv_sim * math.exp(-half),
                                                                cv_sim * math.exp(half))
        row.reported_sd, row.simulated_sd = sd, sd_arm * scale
        row.z = math.log(cv_sim / cv_rep) / (1.0 / math.sqrt(2.0 * (n - 1)))
        row.reported_cv, row.simulated_cv, row.cv_z = cv_rep, cv_sim, row.z
        return row.finish()
    if sd is None or c_sd is None or not n or not c_n:
        return row.unsupported("the arm or its control lacks a spread or size")
    r_rep, r_sim = mean / c_mean, m_arm / m_ctrl
    se_rep = scores.log_ratio_se(sd / mean, n, c_sd / c_mean, c_n)
    se_sim = scores.log_ratio_se(sd_arm / m_arm, n, sd_ctrl / m_ctrl, c_n)
    row.reported_low = c_mean * r_rep * math.exp(-scores.Z95 * se_rep)
    row.reported_high = c_mean * r_rep * math.exp(scores.Z95 * se_rep)
    row.simulated = c_mean * r_sim
    row.simulated_low = row.simulated * math.exp(-scores.Z95 * se_sim)
    row.simulated_high = row.simulated * math.exp(scores.Z95 * se_sim)
    row.simulated_sd = sd_arm * scale
    row.z = (math.log(r_sim) - math.log(r_rep)) / se_rep
    row.sign_agrees = (r_rep > 1) == (r_sim > 1)
    if n >= 2 and sd > 0 and sd_arm > 0:
        row.reported_cv, row.simulated_cv = sd / mean, sd_arm / m_arm
        row.cv_z = math.log(row.simulated_cv / row.reported_cv) * math.sqrt(2.0 * (n - 1))
    return row.finish()


def _ratio(cohort: Cohort, endpoint: Endpoint, arm: str, day: float, fraction: float) -> float:
    s = cohort.settings
    m_arm = np.nanmean(observed(cohort, arm, endpoint, day, fraction))
    m_ctrl = np.nanmean(observed(cohort, s.control_arm, endpoint, day, fraction))
    return float(m_arm / m_ctrl)


# --- pooled rows ----------------------------------------------------------------------------
def pooled_n(r: dict) -> tuple[float, str]:
    """Per-arm size of a typical study behind a pooled row, and how it was found."""
    animals = _leading_int(r.get("n_animals"))
    studies = _leading_int(r.get("n_studies"))
    if studies is None:
        m = re.search(r"(\d+)\s+studies", r.get("n_animals", "") or "")
        studies = int(m[1]) if m else None
    if animals and studies:
        return animals / (2.0 * studies), f"{animals} animals / {studies} studies / 2 arms"
    return DEFAULT_POOLED_N, f"sizes not given: {DEFAULT_POOLED_N:g} per arm assumed"


def _pooled_rows(data: Outcomes, cohort: Cohort) -> Iterable[Row]:
    s = cohort.settings
    for k, r in enumerate(data.rows, start=1):
        kind = r["effect_kind"]
        subgroup = (r.get("population_subgroup", "") or "").split("subgroup=")[-1].strip()
        study = r.get("meta_id", "") or r.get("study_id", "")
        row = Row(f"{data.source}:row {k}", f"{study} ({subgroup})" if subgroup else study,
                  r["endpoint"], kind, arm=f"{s.treated_arm} vs {s.poi_arm}", day=s.pooled_day)
        yield _score_pooled_row(row, r, cohort).finish()


def _score_pooled_row(row: Row, r: dict, cohort: Cohort) -> Row:
    s = cohort.settings
    endpoint, relative = lookup(r["endpoint"])
    if not endpoint.supported:
        return row.unsupported(endpoint.reason)
    if relative:
        return row.unsupported("a %-change endpoint in a pooled-effect row")
    if s.treated_arm is None:
        return row.unsupported("the experiment has no treated arm")
    estimate, low, high = (float(r[c]) for c in ("estimate", "ci_low", "ci_high"))
    row.reported, row.reported_low, row.reported_high = estimate, low, high
    n, how = pooled_n(r)
    row.n, row.reason = n, how
    day = row.day
    fraction = reference_fraction(cohort, s.control_arm, endpoint, day) \
        if endpoint.observation == SECTIONS else 1.0
    treated = observed(cohort, s.treated_arm, endpoint, day, fraction)
    poi = observed(cohort, s.poi_arm, endpoint, day, fraction)
    m1, s1, _ = _stats(treated)
    m2, s2, _ = _stats(poi)
    kind = row.kind
    if kind == "SMD":
        if endpoint.quantity == "regular":
            return row.unsupported("an SMD of a yes/no smear outcome")
        g, g_low, g_high = scores.hedges_g(m1, s1, n, m2, s2, n)
        row.simulated, row.simulated_low, row.simulated_high = g, g_low, g_high
        se_rep = (high - low) / (2 * scores.Z95)
        row.z = (g - estimate) / se_rep if se_rep > 0 else math.nan
        row.sign_agrees = (g > 0) == (estimate > 0)
    elif kind == "RR":
        if endpoint.quantity != "regular":
            return row.unsupported("a risk ratio needs a yes/no endpoint (regular cycles)")
        rr, rr_low, rr_high = scores.risk_ratio(m1, n, m2, n)
        row.simulated, row.simulated_low, row.simulated_high = rr, rr_low, rr_high
        se_rep = (math.log(high) - math.log(low)) / (2 * scores.Z95)
        row.z = (math.log(rr) - math.log(estimate)) / se_rep if se_rep > 0 else math.nan
        row.sign_agrees = (rr > 1) == (estimate > 1)
    else:
        if not endpoint.absolute:
            return row.unsupported("a mean difference in kit- or section-specific units "
                                   "cannot be compared across studies (give an SMD)")
        diff = m1 - m2
        se = math.sqrt(s1 * s1 / n + s2 * s2 / n)
        row.simulated = diff
        row.simulated_low, row.simulated_high = diff - scores.Z95 * se, diff + scores.Z95 * se
        se_rep = (high - low) / (2 * scores.Z95)
        row.z = (diff - estimate) / se_rep if se_rep > 0 else math.nan
        row.sign_agrees = (diff > 0) == (estimate > 0)
    return row


def score(data: Iterable[Outcomes], cohort: Cohort) -> list[Row]:
    """Report rows for every row of every outcome table."""
    out: list[Row] = []
    for table in data:
        rows = _arm_rows(table, cohort) if table.schema == "arm outcomes" \
            else _pooled_rows(table, cohort)
        out.extend(rows)
    return out
