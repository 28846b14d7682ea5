"""Endpoint vocabulary: what each reported endpoint name means in the model.

Every endpoint name used in the shipped outcome files (and a few that users bring) maps to the
model variables it is made of and to the observation model that turns them into what a study
measures, or is marked unsupported with the reason. An endpoint the model cannot produce is
listed in the report as ``unsupported``, never dropped. ``docs/compare.md`` prints this table.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Observation models (``follisim.compare.observe``).
SECTIONS, ASSAY, SMEARS, NONE = "sections", "assay", "smears", ""


@dataclass(frozen=True)
class Endpoint:
    """One reported endpoint.

    Attributes
    ----------
    name : str              the name used in data files
    variables : tuple       model variables (states or observables) summed for it
    observation : str       ``sections`` (follicle counts in histological sections),
                            ``assay`` (serum hormone ELISA), ``smears`` (daily vaginal smears)
    quantity : str          for smears: ``regular`` (fraction with regular cycles),
                            ``diestrus`` (fraction in persistent diestrus) or
                            ``cycle_length`` (days); else ``level``
    absolute : bool         units comparable across studies (days, fractions); otherwise
                            values are compared as ratios to the same study's control arm
    reason : str            why it is unsupported (empty when supported)
    description : str       what it is
    """

    name: str
    variables: tuple[str, ...] = ()
    observation: str = NONE
    quantity: str = "level"
    absolute: bool = False
    reason: str = ""
    description: str = ""

    @property
    def supported(self) -> bool:
        return not self.reason


def _follicles(name, variables, description):
    return Endpoint(name, variables, SECTIONS, description=description)


def _hormone(name, variable, description):
    return Endpoint(name, (variable,), ASSAY, description=description)


def _unsupported(name, reason, description):
    return Endpoint(name, reason=reason, description=description)


ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (
    _follicles("follicles_primordial", ("primordial",), "primordial follicles"),
    _follicles("follicles_primary", ("primary",), "primary follicles"),
    _follicles("follicles_secondary", ("secondary",), "secondary (preantral) follicles"),
    _follicles("follicles_antral", ("antral", "preovulatory"),
               "antral follicles (early antral and preovulatory)"),
    _follicles("follicles_mature(antral/preovulatory)", ("antral", "preovulatory"),
               "'mature' follicles as Tang 2018 label them: antral and preovulatory"),
    _follicles("follicles_preovulatory", ("preovulatory",), "preovulatory follicles"),
    _follicles("follicles_growing", ("primary", "secondary", "antral", "preovulatory"),
               "growing follicles, primary to preovulatory"),
    _follicles("follicle_count", ("primordial", "primary", "secondary", "antral",
                                  "preovulatory"),
               "all healthy follicles, primordial to preovulatory"),
    _follicles("follicles_atretic", ("atretic",), "recently atretic follicles"),
    _follicles("corpora_lutea", ("corpora_lutea",), "corpora lutea"),
    _hormone("E2", "e2", "serum estradiol"),
    _hormone("FSH", "fsh", "serum FSH"),
    _hormone("AMH", "amh", "serum AMH"),
    _hormone("LH", "lh", "serum LH (tonic plus surge, at the sacrifice time)"),
    _hormone("progesterone", "progesterone", "luteal progesterone (relative units)"),
    _hormone("VEGF", "vegf", "ovarian VEGF"),
    _hormone("Ang1", "ang1", "ovarian angiopoietin-1"),
    _hormone("Ang2", "ang2", "ovarian angiopoietin-2"),
    _hormone("Ang1_Ang2_ratio", "ang1_ang2_ratio", "ovarian Ang1/Ang2 ratio"),
    _hormone("microvessel_density", "vessel_density", "ovarian microvessel density (CD31)"),
    Endpoint("estrous_cycle_improved", observation=SMEARS, quantity="regular", absolute=True,
             description="animals with regular 4-5-day cycles in the daily smears of the "
                         "14 days before sacrifice (fraction)"),
    Endpoint("estrous_cycle_regular", observation=SMEARS, quantity="regular", absolute=True,
             description="same as estrous_cycle_improved"),
    Endpoint("estrous_cycle_regular_at_end", observation=SMEARS, quantity="regular",
             absolute=True, description="same as estrous_cycle_improved (Tang 2018's wording)"),
    Endpoint("model_success_persistent_diestrus", observation=SMEARS, quantity="diestrus",
             absolute=True, description="animals in persistent diestrus: no estrus smear for 10 "
                                        "days before sacrifice (fraction)"),
    Endpoint("estrous_cycle_length", observation=SMEARS, quantity="cycle_length",
             absolute=True, description="mean smear cycle length of the cycling animals [day]"),
    _unsupported("ovarian_weight", "the model has no ovarian mass (stroma, corpora lutea and "
                 "follicle volumes are not modelled)", "ovarian wet weight"),
    _unsupported("ovarian_index", "the model has no ovarian mass",
                 "ovary weight relative to body weight"),
    _unsupported("pregnancies", "the model has no mating, fertilisation or pregnancy",
                 "pregnancy rate"),
)}

#: Aliases: other spellings found in data files.
ALIASES = {
    "estradiol": "E2", "e2": "E2", "fsh": "FSH", "amh": "AMH", "lh": "LH",
    "p4": "progesterone", "primordial follicles": "follicles_primordial",
    "primary follicles": "follicles_primary", "secondary follicles": "follicles_secondary",
    "antral follicles": "follicles_antral", "atretic follicles": "follicles_atretic",
    "mature (antral) follicles": "follicles_mature(antral/preovulatory)",
    "follicles_mature": "follicles_mature(antral/preovulatory)",
    "cd31": "microvessel_density", "vessel_density": "microvessel_density",
}

#: Relative-change endpoints (reported as % change vs the study's control):
#: ``<endpoint>_change_vs_control`` resolves to ``<endpoint>``.
CHANGE_SUFFIX = "_change_vs_control"


def lookup(name: str) -> tuple[Endpoint, bool]:
    """The endpoint called ``name`` and whether it is a %-change-vs-control form.

    Unknown names give an unsupported endpoint whose reason says so.
    """
    relative = name.endswith(CHANGE_SUFFIX)
    base = name[: -len(CHANGE_SUFFIX)] if relative else name
    if base in ENDPOINTS:
        return ENDPOINTS[base], relative
    alias = ALIASES.get(base.strip().lower())
    if alias:
        return ENDPOINTS[alias], relative
    return Endpoint(name, reason="not in the endpoint vocabulary (docs/compare.md)"), relative
