//! The catalogue of measures (SPEC §3). Each measure is a function from a
//! context and resolved arguments to an [`Output`]; the table at the bottom
//! registers them.

pub(crate) mod contrast;
pub(crate) mod decomp;
pub(crate) mod dynamics;
pub(crate) mod inequality;
pub(crate) mod infl;
pub(crate) mod infl_density;
pub(crate) mod level;
pub(crate) mod poverty;

use crate::dist::View;
use crate::error::{MeasureError, Result};
use crate::registry::{Family, MeasureDef, ParamDef};

pub(crate) fn undefined(measure: &str, reason: impl Into<String>) -> MeasureError {
    MeasureError::Undefined {
        measure: measure.to_string(),
        reason: reason.into(),
    }
}

/// Σ w x of the poorest fraction `p` of the population, the unit straddling
/// `pN` counted fractionally (convey `svylorenz(empirical = FALSE)`).
pub(crate) fn lorenz_sum(v: &View<'_>, p: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return v.total();
    }
    let target = p * v.total_weight();
    // first k with C_k >= pN
    let (mut a, mut b) = (0usize, v.len());
    while a < b {
        let m = a + (b - a) / 2;
        if v.c(m) < target {
            a = m + 1;
        } else {
            b = m;
        }
    }
    let k = a.min(v.len() - 1);
    let (x, w) = (v.x, v.w);
    let full = v.partial_total(0, k);
    let frac = if w[k] > 0.0 {
        (target - v.c_before(k)) / w[k]
    } else {
        0.0
    };
    full + w[k] * x[k] * frac.clamp(0.0, 1.0)
}

/// Lorenz ordinate L(p).
pub(crate) fn lorenz(v: &View<'_>, p: f64, measure: &str) -> Result<f64> {
    if !(0.0..=1.0).contains(&p) {
        return Err(MeasureError::BadParameter {
            measure: measure.into(),
            message: format!("population fraction must be in [0, 1], got {p}"),
        });
    }
    if v.total() == 0.0 {
        return Err(undefined(measure, "total income is 0"));
    }
    if p == 0.0 {
        return Ok(0.0);
    }
    if p == 1.0 {
        return Ok(1.0);
    }
    Ok(lorenz_sum(v, p) / v.total())
}

#[allow(non_snake_case)]
const fn P(name: &'static str, default: Option<&'static str>, doc: &'static str) -> ParamDef {
    ParamDef { name, default, doc }
}

macro_rules! def {
    ($id:literal, $fam:ident, $f:path, $peer:literal, $summary:literal, [$($p:expr),* $(,)?]) => {
        MeasureDef { id: $id, summary: $summary, params: &[$($p),*], peer: $peer, family: Family::$fam, eval: $f }
    };
}

const SCOPE: ParamDef = ParamDef {
    name: "scope",
    default: None,
    doc: "national (default: relative lines from the whole population) or domain",
};

/// Every measure, in catalogue order.
pub static CATALOGUE: &[MeasureDef] = &[
    def!(
        "count",
        Level,
        level::count,
        "survey",
        "number of observations n",
        []
    ),
    def!(
        "population",
        Level,
        level::population,
        "survey",
        "total weight N = Σw",
        []
    ),
    def!(
        "total",
        Level,
        level::total,
        "survey svytotal",
        "weighted total Σwx",
        []
    ),
    def!(
        "mean",
        Level,
        level::mean,
        "survey svymean",
        "weighted mean μ = Σwx/N",
        []
    ),
    def!(
        "quantile",
        Level,
        level::quantile,
        "laeken weightedQuantile; survey svyquantile",
        "weighted quantile of order p under the quantile rule",
        [P("p", None, "order, 0..1")]
    ),
    def!(
        "median",
        Level,
        level::median,
        "laeken weightedMedian",
        "quantile(0.5)",
        []
    ),
    def!(
        "deciles",
        Level,
        level::deciles,
        "laeken weightedQuantile",
        "the nine deciles (labelled p)",
        []
    ),
    def!(
        "quintile_means",
        Level,
        level::quintile_means,
        "NBS five equal groups",
        "mean income of each population fifth, poorest first (labelled group); straddling units split",
        []
    ),
    def!(
        "lorenz",
        Inequality,
        inequality::lorenz_ordinate,
        "convey svylorenz",
        "Lorenz ordinate L(p) with the straddling unit counted fractionally",
        [P("p", None, "population fraction")]
    ),
    def!(
        "share",
        Inequality,
        inequality::share,
        "convey svylorenz",
        "income share of the population between fractions a and b: L(b) − L(a)",
        [
            P("a", None, "lower fraction"),
            P("b", None, "upper fraction")
        ]
    ),
    def!(
        "top_share",
        Inequality,
        inequality::top_share,
        "PIP",
        "income share of the richest fraction f: 1 − L(1 − f)",
        [P("f", Some("0.1"), "fraction")]
    ),
    def!(
        "bottom_share",
        Inequality,
        inequality::bottom_share,
        "PIP",
        "income share of the poorest fraction f: L(f)",
        [P("f", Some("0.4"), "fraction")]
    ),
    def!(
        "bottom40_mean",
        Inequality,
        inequality::bottom40_mean,
        "PIP / World Bank shared prosperity",
        "mean income of the poorest 40%",
        []
    ),
    def!(
        "gini",
        Inequality,
        inequality::gini,
        "laeken gini (eurostat); convey svygini (convey)",
        "Gini coefficient; form=eurostat (default) or convey",
        [P("form", Some("eurostat"), "eurostat or convey")]
    ),
    def!(
        "ge",
        Inequality,
        inequality::ge,
        "convey svygei",
        "generalised entropy GE(α)",
        [P("alpha", Some("2"), "sensitivity α")]
    ),
    def!(
        "theil",
        Inequality,
        inequality::theil,
        "convey svygei(epsilon = 1)",
        "Theil T index = GE(1)",
        []
    ),
    def!(
        "mld",
        Inequality,
        inequality::mld,
        "convey svygei(epsilon = 0)",
        "mean log deviation = GE(0)",
        []
    ),
    def!(
        "atkinson",
        Inequality,
        inequality::atkinson,
        "convey svyatk",
        "Atkinson index A(ε)",
        [P("eps", Some("1"), "inequality aversion ε")]
    ),
    def!(
        "cv",
        Inequality,
        inequality::cv,
        "Williamson",
        "coefficient of variation: weighted SD / μ",
        []
    ),
    def!(
        "palma",
        Inequality,
        inequality::palma,
        "PIP",
        "top-10% income share / bottom-40% share",
        []
    ),
    def!(
        "qsr",
        Inequality,
        inequality::qsr,
        "laeken qsr; convey svyqsr",
        "S80/S20: Σwx{x>q80} / Σwx{x≤q20}",
        []
    ),
    def!(
        "p90p10",
        Inequality,
        inequality::p90p10,
        "PIP",
        "q(0.9)/q(0.1)",
        []
    ),
    def!(
        "p80p20",
        Inequality,
        inequality::p80p20,
        "PIP",
        "q(0.8)/q(0.2)",
        []
    ),
    def!(
        "zenga",
        Inequality,
        inequality::zenga,
        "convey svyzenga",
        "Zenga (2007) inequality index; tied incomes merged (ties=merged) or in input order as convey (ties=input)",
        [P("ties", Some("merged"), "merged or input")]
    ),
    def!(
        "jdiv",
        Inequality,
        inequality::jdiv,
        "convey svyjdiv",
        "J-divergence = GE(0) + GE(1)",
        []
    ),
    def!(
        "wolfson",
        Middle,
        inequality::wolfson,
        "PIP",
        "Wolfson polarisation 2(μ(1−G) − mean of bottom half)/median",
        []
    ),
    def!(
        "arpt",
        Poverty,
        poverty::arpt,
        "laeken arpt; convey svyarpt",
        "at-risk-of-poverty threshold pct × median (of the domain itself)",
        [P("pct", Some("0.6"), "fraction of the median")]
    ),
    def!(
        "arpr",
        Poverty,
        poverty::arpr,
        "laeken arpr; convey svyarpr",
        "at-risk-of-poverty rate: share with x < pct × median (national median)",
        [P("pct", Some("0.6"), "fraction of the median"), SCOPE]
    ),
    def!(
        "rmpg",
        Poverty,
        poverty::rmpg,
        "laeken rmpg; convey svyrmpg",
        "relative median poverty gap (t − median of the poor)/t",
        [P("pct", Some("0.6"), "fraction of the median"), SCOPE]
    ),
    def!(
        "poormed",
        Poverty,
        poverty::poormed,
        "convey svypoormed",
        "median income of the poor (x < pct × median)",
        [P("pct", Some("0.6"), "fraction of the median"), SCOPE]
    ),
    def!(
        "fgt",
        Poverty,
        poverty::fgt,
        "convey svyfgt; PIP",
        "Foster–Greer–Thorbecke Σw((z−x)/z)^α 1{x<z}/N",
        [
            P("alpha", Some("0"), "poverty aversion α"),
            P(
                "line",
                Some("0.6*median"),
                "poverty line: number or multiple of median/mean"
            ),
            SCOPE
        ]
    ),
    def!(
        "watts",
        Poverty,
        poverty::watts,
        "convey svywatts; PIP",
        "Watts index Σw ln(z/x) 1{x<z}/N",
        [P("line", Some("0.6*median"), "poverty line"), SCOPE]
    ),
    def!(
        "richness",
        Poverty,
        poverty::richness,
        "convey svyrich",
        "richness measures over a line ρ (type cha, fgtt1 or fgtt2)",
        [
            P("type", Some("cha"), "cha, fgtt1 or fgtt2"),
            P("g", Some("1"), "sensitivity"),
            P("line", Some("1.5*median"), "richness line"),
            SCOPE
        ]
    ),
    def!(
        "middle_share",
        Middle,
        poverty::middle_share,
        "NBS middle-income group",
        "share with lo ≤ x < hi; unit person (weights as given) or household (weight/size, income×size)",
        [
            P("lo", Some("0.75*median"), "lower bound"),
            P("hi", Some("2*median"), "upper bound"),
            P("unit", Some("person"), "person or household"),
            P(
                "size",
                Some("hh_size"),
                "household size column for unit=household"
            ),
            SCOPE
        ]
    ),
    def!(
        "prosperity_gap",
        Poverty,
        poverty::prosperity_gap,
        "PIP (Kraay et al. 2023)",
        "mean of z/x",
        [P("z", None, "prosperity standard")]
    ),
    def!(
        "rmir",
        Contrast,
        contrast::rmir,
        "convey svyrmir",
        "ratio of the medians of two groups: median(by = num) / median(by = den)",
        [
            P("by", None, "grouping column"),
            P("num", None, "numerator group label"),
            P("den", None, "denominator group label")
        ]
    ),
    def!(
        "ratio",
        Contrast,
        contrast::ratio,
        "survey svycontrast",
        "ratio of a measure between two groups",
        [
            P("of", Some("mean"), "measure id"),
            P("by", None, "grouping column"),
            P("num", None, "numerator group"),
            P("den", None, "denominator group")
        ]
    ),
    def!(
        "difference",
        Contrast,
        contrast::difference,
        "survey svycontrast",
        "difference of a measure between two groups (num − den)",
        [
            P("of", Some("mean"), "measure id"),
            P("by", None, "grouping column"),
            P("num", None, "first group"),
            P("den", None, "second group")
        ]
    ),
    def!(
        "ge_decomp",
        Decomposition,
        decomp::ge_decomp,
        "convey svygeidec",
        "GE(α) = within + between groups (component total/within/between)",
        [P("alpha", Some("0"), "α"), P("by", None, "grouping column")]
    ),
    def!(
        "jdiv_decomp",
        Decomposition,
        decomp::jdiv_decomp,
        "convey svyjdivdec",
        "J-divergence = within + between groups",
        [P("by", None, "grouping column")]
    ),
    def!(
        "fgt_contrib",
        Decomposition,
        decomp::fgt_contrib,
        "DASP dfgtg",
        "FGT by group and each group's share of the total (population share × FGT_g / FGT)",
        [
            P("alpha", Some("0"), "α"),
            P("line", Some("0.6*median"), "poverty line"),
            P("by", None, "grouping column"),
            SCOPE
        ]
    ),
    def!(
        "gini_sources",
        Decomposition,
        decomp::gini_sources,
        "Lerman & Yitzhaki (1985); DASP diginis",
        "Gini by income source: share × source Gini × Gini correlation",
        [P(
            "sources",
            None,
            "source columns joined by +, summing to the income"
        )]
    ),
    def!(
        "gic",
        Dynamics,
        dynamics::gic,
        "PIP growth incidence",
        "growth incidence curve: annualised growth of quantile p (p = k/n)",
        [P("n", Some("20"), "number of groups: p = 1/n … (n−1)/n")]
    ),
    def!(
        "growth_mean",
        Dynamics,
        dynamics::growth_mean,
        "PIP",
        "annualised growth of the mean",
        []
    ),
    def!(
        "shared_prosperity",
        Dynamics,
        dynamics::shared_prosperity,
        "World Bank shared prosperity",
        "annualised growth of the bottom-40% mean, of the mean, and the premium (their difference)",
        []
    ),
    def!(
        "pro_poor_growth",
        Dynamics,
        dynamics::pro_poor_growth,
        "Ravallion & Chen (2003)",
        "mean annualised growth of percentiles 1..100H of the baseline (H: baseline headcount at the line)",
        [P(
            "line",
            Some("0.6*median"),
            "poverty line (relative lines from the baseline)"
        )]
    ),
    def!(
        "poverty_change",
        Dynamics,
        dynamics::poverty_change,
        "Datt & Ravallion (1992); Shapley (Shorrocks 2013)",
        "change in FGT(α) split into growth and redistribution (Datt–Ravallion with residual; Shapley without)",
        [
            P("alpha", Some("0"), "α"),
            P(
                "line",
                None,
                "absolute poverty line, same units in both years"
            )
        ]
    ),
];
