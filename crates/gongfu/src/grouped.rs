//! `gongfu grouped`: measures from published group tables (quintile or decile
//! means), through the parametric Lorenz curves of `gongfu-grouped`.

use crate::compute::{OutFormat, emit};
use anyhow::{Result, anyhow, bail};
use clap::Args;
use gongfu_compute::{Report, ResultRow, param_json};
use gongfu_grouped::{
    Fit, GroupedError, GroupedFit, GroupedMeasure, GroupedTable, Income, Mixture, Reference, Row,
};
use gongfu_io::{Column, ColumnRequest, ReadOptions};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

const POP: &str = "pop_share";
const SHARE: &str = "income_share";
const MEAN: &str = "mean";

const AFTER_HELP: &str = "\
Input: one row per group, poorest first, with pop_share (fractions summing to 1
or percentages summing to 100) and either income_share (then give --mean) or
mean (each group's mean income). Two fits are made, the General Quadratic and
the Beta Lorenz curve; distributional statistics use the valid fit with the
smaller error over the whole curve, poverty statistics the valid fit with the
smaller error up to the headcount (World Bank PIP). The output says which.

Measures: mean, median, quantile(p), deciles, gini, lorenz(p),
lorenz_curve(points=20), top_share(f=0.1), bottom_share(f=0.4), palma, qsr,
p90p10, p80p20, arpr(pct=0.6), fgt(alpha=0,line=0.6*median),
watts(line=0.6*median), middle_share(lo=0.75*median,hi=2*median),
prosperity_gap(z). Lines and bounds are numbers or multiples of median/mean.

--combine urban.csv:0.67,rural.csv:0.33 fits each table and combines them as
the population-weighted mixture (weights are shares or counts; FILE:W:MEAN
gives a table's mean when it has income_share). Results come for the mixture
(table = all) and for each table; relative lines refer to the mixture.";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct GroupedArgs {
    /// Grouped table (.csv or .parquet): pop_share and income_share or mean, poorest group first.
    #[arg(long, required_unless_present = "combine", conflicts_with = "combine")]
    input: Option<PathBuf>,
    /// Tables to combine with population weights: FILE:WEIGHT[:MEAN],… (e.g. urban.csv:0.67,rural.csv:0.33).
    #[arg(long)]
    combine: Option<String>,
    /// Measures, e.g. gini,median,"fgt(0,line=20000)" (see below).
    #[arg(long)]
    measures: String,
    /// The overall mean (needed with income_share; with group means it replaces their weighted mean).
    #[arg(long)]
    mean: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: OutFormat,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// One input table: where it came from, its label, weight and fit.
struct Source {
    path: PathBuf,
    label: String,
    weight: f64,
    fit: GroupedFit,
    notes: Vec<String>,
}

fn describe(e: GroupedError, file: &Path) -> anyhow::Error {
    let file = file.display();
    match e {
        GroupedError::Value {
            column,
            row,
            message,
        } => anyhow!("{file}: column {column:?}, row {row}: {message}"),
        other => anyhow!("{file}: {other}"),
    }
}

/// Reads and fits one table.
fn load(path: &Path, mean: Option<f64>) -> Result<(GroupedFit, Vec<String>)> {
    let opts = ReadOptions::default();
    let names = gongfu_io::column_names(path, &opts)?;
    let has = |c: &str| names.iter().any(|n| n == c);
    let mut notes = Vec::new();
    let income_col = match (has(MEAN), has(SHARE)) {
        (true, true) => {
            notes.push(format!(
                "both {MEAN} and {SHARE} given; the group means are used"
            ));
            MEAN
        }
        (true, false) => MEAN,
        (false, true) => SHARE,
        (false, false) => bail!(
            "{}: needs a column {SHARE:?} (income shares) or {MEAN:?} (group means); columns: {}",
            path.display(),
            names.join(", ")
        ),
    };
    let table = gongfu_io::read_columns(
        path,
        &[
            ColumnRequest::numeric(POP),
            ColumnRequest::numeric(income_col),
        ],
        &opts,
    )?;
    let mut cols = table.columns.into_iter().map(|c| match c {
        Column::Numeric(v) => Ok(v),
        Column::Key { .. } => Err(anyhow!("internal: numeric column expected")),
    });
    let pop = cols
        .next()
        .ok_or_else(|| anyhow!("internal: {POP} missing"))??;
    let inc = cols
        .next()
        .ok_or_else(|| anyhow!("internal: {income_col} missing"))??;
    let income = if income_col == MEAN {
        Income::Means(&inc)
    } else {
        Income::Shares(&inc)
    };
    let table = GroupedTable::new(&pop, income, mean).map_err(|e| describe(e, path))?;
    notes.extend(table.notes().iter().cloned());
    Ok((GroupedFit::new(table), notes))
}

/// A number with 6 significant digits, for the text output.
fn g6(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().log10().floor() as i32;
    if (-4..9).contains(&mag) {
        let decimals = (5 - mag).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.5e}")
    }
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `FILE:WEIGHT[:MEAN],…`, split from the right so that paths may hold colons.
fn parse_combine(spec: &str) -> Result<Vec<(PathBuf, f64, Option<f64>)>> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = item.split(':').collect();
        let n = parts.len();
        let (file, weight, mean) = if n >= 3
            && parse_number(parts[n - 1]).is_some()
            && parse_number(parts[n - 2]).is_some()
        {
            (
                parts[..n - 2].join(":"),
                parts[n - 2],
                parse_number(parts[n - 1]),
            )
        } else if n >= 2 && parse_number(parts[n - 1]).is_some() {
            (parts[..n - 1].join(":"), parts[n - 1], None)
        } else {
            bail!("--combine: {item:?} is not FILE:WEIGHT or FILE:WEIGHT:MEAN");
        };
        let weight = parse_number(weight)
            .filter(|w| *w > 0.0)
            .ok_or_else(|| anyhow!("--combine: {item:?}: the weight must be a positive number"))?;
        if file.is_empty() {
            bail!("--combine: {item:?} has no file name");
        }
        out.push((PathBuf::from(file), weight, mean));
    }
    if out.is_empty() {
        bail!("--combine: no tables given");
    }
    Ok(out)
}

fn label_of(path: &Path, taken: &[Source]) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if taken.iter().any(|s| s.label == stem) {
        format!("{stem}#{}", taken.len() + 1)
    } else {
        stem
    }
}

fn fit_json(fit: &Fit) -> Value {
    let parameters = match fit.curve {
        Some(gongfu_grouped::Curve::Gq(g)) => json!({"a": g.a, "b": g.b, "c": g.c}),
        Some(gongfu_grouped::Curve::Beta(b)) => {
            json!({"theta": b.theta, "gamma": b.gamma, "delta": b.delta})
        }
        None => Value::Null,
    };
    let checks: Vec<Value> = fit
        .checks
        .iter()
        .map(|c| json!({"condition": c.condition, "passed": c.passed, "detail": c.detail}))
        .collect();
    json!({
        "parameters": parameters,
        "sse": if fit.sse.is_finite() { json!(fit.sse) } else { Value::Null },
        "valid": fit.valid(),
        "checks": checks,
        "failure": fit.failure,
    })
}

fn fit_line(fit: &Fit) -> String {
    let params = match fit.curve {
        Some(gongfu_grouped::Curve::Gq(g)) => {
            format!("a = {}, b = {}, c = {}", g6(g.a), g6(g.b), g6(g.c))
        }
        Some(gongfu_grouped::Curve::Beta(b)) => {
            format!(
                "θ = {}, γ = {}, δ = {}",
                g6(b.theta),
                g6(b.gamma),
                g6(b.delta)
            )
        }
        None => "not fitted".into(),
    };
    let sse = if fit.sse.is_finite() {
        format!("SSE {:.3e}", fit.sse)
    } else {
        String::new()
    };
    let status = if fit.valid() {
        "valid".to_string()
    } else {
        format!("invalid: {}", fit.why_invalid())
    };
    format!("{:<5} {params}  {sse}  {status}", fit.model.name())
}

/// The poverty lines the measures use, resolved against `r`.
fn lines(measures: &[GroupedMeasure], r: &Reference) -> Vec<f64> {
    let mut v: Vec<f64> = Vec::new();
    for m in measures {
        if let Some(z) = m.poverty_line(r)
            && !v.contains(&z)
        {
            v.push(z);
        }
    }
    v
}

/// The choices of one table, as JSON and as text lines.
fn selection(fit: &GroupedFit, lines: &[f64]) -> (Value, Vec<String>) {
    let mut text = Vec::new();
    let dist = match fit.distribution_choice() {
        Ok(c) => {
            text.push(format!(
                "distribution statistics: {} — {}",
                c.model, c.reason
            ));
            json!({"model": c.model.name(), "reason": c.reason})
        }
        Err(e) => {
            text.push(format!("distribution statistics: {e}"));
            json!({"model": null, "reason": e.to_string()})
        }
    };
    let mut pov = Vec::new();
    for &z in lines {
        match fit.poverty_choice(z) {
            Ok(pc) => {
                text.push(format!(
                    "poverty at {}: {} — {}",
                    g6(z),
                    pc.choice.model,
                    pc.choice.reason
                ));
                let mut h = Map::new();
                let mut s = Map::new();
                for (m, hh, ss) in &pc.candidates {
                    h.insert(m.name().into(), json!(hh));
                    s.insert(m.name().into(), json!(ss));
                }
                pov.push(
                    json!({"line": z, "model": pc.choice.model.name(), "reason": pc.choice.reason,
                    "headcount": h, "sse_to_headcount": s}),
                );
            }
            Err(e) => {
                text.push(format!("poverty at {}: {e}", g6(z)));
                pov.push(json!({"line": z, "model": null, "reason": e.to_string()}));
            }
        }
    }
    (json!({"distribution": dist, "poverty": pov}), text)
}

fn table_meta(s: &Source, lines: &[f64]) -> (Map<String, Value>, Vec<String>) {
    let t = s.fit.table();
    let (sel, sel_text) = selection(&s.fit, lines);
    let mut m = Map::new();
    m.insert("input".into(), s.path.display().to_string().into());
    m.insert("mean".into(), json!(t.mean()));
    m.insert("groups".into(), json!(t.groups()));
    m.insert(
        "fits".into(),
        json!({"gq": fit_json(s.fit.gq()), "beta": fit_json(s.fit.beta())}),
    );
    m.insert("selection".into(), sel);
    m.insert("notes".into(), json!(s.notes));
    let title = if s.label == "all" {
        "fits".to_string()
    } else {
        format!("fits for {}", s.label)
    };
    let mut text = vec![format!(
        "{title} ({} groups, mean {}):",
        t.groups(),
        g6(t.mean())
    )];
    text.push(format!("  {}", fit_line(s.fit.gq())));
    text.push(format!("  {}", fit_line(s.fit.beta())));
    text.extend(sel_text.into_iter().map(|l| format!("  {l}")));
    text.extend(s.notes.iter().map(|n| format!("  note: {n}")));
    (m, text)
}

fn result_row(
    r: &Row,
    index: usize,
    by: Option<(&str, &str)>,
    n: usize,
    population: f64,
) -> ResultRow {
    let mut params = Map::new();
    for (k, v) in &r.params {
        params.insert(k.clone(), param_json(v));
    }
    let mut b = Map::new();
    if let Some((k, v)) = by {
        b.insert(k.into(), v.into());
    }
    ResultRow {
        measure: r.measure.to_string(),
        params,
        by: b,
        value: r.value,
        se: None,
        ci: None,
        n,
        population,
        excluded: 0,
        measure_index: index,
    }
}

/// Adds a last column (the fit used) to a rendered table or CSV.
fn with_model_column(text: &str, models: &[String], csv: bool) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let header_lines = if csv { 1 } else { 2 };
    if lines.len() != models.len() + header_lines {
        return text.to_string();
    }
    let mut out = String::new();
    if csv {
        out.push_str(&format!("{},model\n", lines[0]));
        for (l, m) in lines[1..].iter().zip(models) {
            out.push_str(&format!("{l},{m}\n"));
        }
        return out;
    }
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let wm = models.iter().map(|m| m.len()).max().unwrap_or(0).max(5);
    let pad = |l: &str| format!("{l}{}", " ".repeat(width - l.chars().count()));
    out.push_str(&format!("{}  model\n", pad(lines[0])));
    out.push_str(&format!("{}  {}\n", pad(lines[1]), "-".repeat(wm)));
    for (l, m) in lines[2..].iter().zip(models) {
        out.push_str(&format!("{}  {m}\n", pad(l)));
    }
    out
}

pub fn run(a: GroupedArgs) -> Result<()> {
    let measures = GroupedMeasure::parse_list(&a.measures)
        .map_err(|e| anyhow!("--measures {:?}: {e}", a.measures))?;
    if let Some(m) = a.mean
        && !(m.is_finite() && m > 0.0)
    {
        bail!("--mean must be a positive number, got {m}");
    }
    let mut sources: Vec<Source> = Vec::new();
    let combined = a.combine.is_some();
    match (&a.input, &a.combine) {
        (Some(path), None) => {
            let (fit, notes) = load(path, a.mean)?;
            sources.push(Source {
                path: path.clone(),
                label: "all".into(),
                weight: 1.0,
                fit,
                notes,
            });
        }
        (None, Some(spec)) => {
            if a.mean.is_some() {
                bail!(
                    "--mean applies to one --input; with --combine give each table's mean as FILE:WEIGHT:MEAN"
                );
            }
            for (path, weight, mean) in parse_combine(spec)? {
                let (fit, notes) = load(&path, mean)?;
                let label = label_of(&path, &sources);
                sources.push(Source {
                    path,
                    label,
                    weight,
                    fit,
                    notes,
                });
            }
        }
        _ => bail!("give either --input FILE or --combine FILE:WEIGHT,…"),
    }

    let mut results = Vec::new();
    let mut models = Vec::new();
    let mut meta = Map::new();
    let mut footer = Vec::new();
    if !combined {
        let s = &sources[0];
        let rows =
            gongfu_grouped::evaluate(&measures, &s.fit, None).map_err(|e| describe(e, &s.path))?;
        let r = if measures.iter().any(GroupedMeasure::is_relative) {
            gongfu_grouped::reference(&s.fit).ok()
        } else {
            None
        }
        .unwrap_or(Reference {
            median: f64::NAN,
            mean: s.fit.mean(),
        });
        let groups = s.fit.table().groups();
        let mut index = Vec::new();
        for (i, m) in measures.iter().enumerate() {
            index.extend(std::iter::repeat_n(i, m.parts()));
        }
        for (j, r) in rows.iter().enumerate() {
            results.push(result_row(
                r,
                index.get(j).copied().unwrap_or(0),
                None,
                groups,
                1.0,
            ));
            models.push(r.model.clone());
        }
        let (m, text) = table_meta(s, &lines(&measures, &r));
        meta.extend(m);
        if r.median.is_finite() {
            meta.insert(
                "relative_to".into(),
                json!({"median": r.median, "mean": r.mean}),
            );
        }
        footer.extend(text);
        meta.insert(
            "models".into(),
            json!(
                rows.iter()
                    .map(|r| json!({"model": r.model, "reason": r.reason}))
                    .collect::<Vec<_>>()
            ),
        );
    } else {
        let mix = Mixture::new(sources.iter().map(|s| (s.fit.clone(), s.weight)).collect())
            .map_err(|e| {
                let names: Vec<String> = sources
                    .iter()
                    .map(|s| s.path.display().to_string())
                    .collect();
                anyhow!("--combine ({}): {e}", names.join(", "))
            })?;
        let reference = if measures.iter().any(GroupedMeasure::is_relative) {
            Some(gongfu_grouped::mixture_reference(&mix).map_err(|e| anyhow!("--combine: {e}"))?)
        } else {
            None
        };
        // each table first, so that a failure names its file
        let mut per_table = Vec::new();
        for s in &sources {
            let r = reference.unwrap_or(Reference {
                median: f64::NAN,
                mean: s.fit.mean(),
            });
            per_table.push(
                gongfu_grouped::evaluate(&measures, &s.fit, Some(r))
                    .map_err(|e| describe(e, &s.path))?,
            );
        }
        let mixed = gongfu_grouped::evaluate_mixture(&measures, &mix)
            .map_err(|e| anyhow!("--combine: {e}"))?;
        let total_groups: usize = sources.iter().map(|s| s.fit.table().groups()).sum();
        let total_weight: f64 = sources.iter().map(|s| s.weight).sum();
        let mut reasons = Vec::new();
        // the overall row of each measure first, then each table (as `--by`)
        let mut cursor = 0;
        for (mi, m) in measures.iter().enumerate() {
            let count = m.parts();
            for r in mixed.iter().skip(cursor).take(count) {
                results.push(result_row(
                    r,
                    mi,
                    Some(("table", "all")),
                    total_groups,
                    total_weight,
                ));
                models.push(r.model.clone());
                reasons.push(json!({"model": r.model, "reason": r.reason}));
            }
            for (s, rows) in sources.iter().zip(&per_table) {
                for r in rows.iter().skip(cursor).take(count) {
                    results.push(result_row(
                        r,
                        mi,
                        Some(("table", &s.label)),
                        s.fit.table().groups(),
                        s.weight,
                    ));
                    models.push(r.model.clone());
                    reasons.push(json!({"model": r.model, "reason": r.reason}));
                }
            }
            cursor += count;
        }
        let shares = mix.shares();
        let mut tables = Vec::new();
        let r_lines = reference.unwrap_or(Reference {
            median: f64::NAN,
            mean: mix.mean(),
        });
        let line_list = lines(&measures, &r_lines);
        for (s, share) in sources.iter().zip(shares) {
            let (mut m, text) = table_meta(s, &line_list);
            m.insert("label".into(), s.label.clone().into());
            m.insert("weight".into(), json!(s.weight));
            m.insert("share".into(), json!(share));
            tables.push(Value::Object(m));
            footer.extend(text);
        }
        meta.insert("tables".into(), Value::Array(tables));
        if let Some(r) = reference {
            meta.insert(
                "relative_to".into(),
                json!({"median": r.median, "mean": r.mean}),
            );
        }
        meta.insert("mean".into(), json!(mix.mean()));
        meta.insert(
            "combination".into(),
            json!(format!(
                "population-weighted mixture of {} tables: poverty, Watts, prosperity gap and middle share are the weighted averages of the tables' values; quantiles solve F(x) = p for F = Σ share × F_table; Lorenz ordinates, shares and the Gini come from a merged grid of {} equal-population cells per table",
                sources.len(),
                gongfu_grouped::GRID
            )),
        );
        meta.insert("models".into(), Value::Array(reasons));
        footer.push(format!(
            "combined: population-weighted mixture of {} tables (weights {})",
            sources.len(),
            sources
                .iter()
                .map(|s| format!("{} {}", s.label, s.weight))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    meta.insert(
        "method".into(),
        "grouped data: General Quadratic and Beta Lorenz curves (Datt 1998), World Bank PIP validity and selection"
            .into(),
    );
    meta.insert(
        "program".into(),
        concat!("gongfu ", env!("CARGO_PKG_VERSION")).into(),
    );
    let report = Report { results, meta };
    let text = match a.format {
        OutFormat::Json => gongfu_compute::render_json(&report),
        OutFormat::Csv => with_model_column(&gongfu_compute::render_csv(&report), &models, true),
        OutFormat::Table => {
            let mut t = with_model_column(&gongfu_compute::render_table(&report), &models, false);
            t.push('\n');
            for l in &footer {
                t.push_str(l);
                t.push('\n');
            }
            t
        }
    };
    emit(&text, a.output.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combine_items_split_from_the_right() {
        let v = parse_combine("urban.csv:0.67, rural.csv:0.33:12000").unwrap();
        assert_eq!(v[0], (PathBuf::from("urban.csv"), 0.67, None));
        assert_eq!(v[1], (PathBuf::from("rural.csv"), 0.33, Some(12000.0)));
        let v = parse_combine("C:/data/u.csv:2").unwrap();
        assert_eq!(v[0].0, PathBuf::from("C:/data/u.csv"));
        assert!(parse_combine("urban.csv").is_err());
        assert!(parse_combine("urban.csv:-1").is_err());
        assert!(parse_combine(":1").is_err());
        assert!(parse_combine(" , ").is_err());
    }

    #[test]
    fn help_lists_every_measure() {
        for (id, params, _) in gongfu_grouped::available() {
            let call = if params.is_empty() {
                id.to_string()
            } else {
                format!("{id}({})", params.replace(", ", ","))
            };
            assert!(AFTER_HELP.replace('\n', " ").contains(&call), "{call}");
        }
    }

    #[test]
    fn model_column_is_appended_to_every_row() {
        let csv = "measure,value\ngini,0.3\nmedian,10\n";
        let out = with_model_column(csv, &["gq".into(), "beta".into()], true);
        assert_eq!(out, "measure,value,model\ngini,0.3,gq\nmedian,10,beta\n");
        let table = "measure  value\n-------  -----\ngini       0.3\n";
        let out = with_model_column(table, &["gq".into()], false);
        assert_eq!(
            out,
            "measure  value  model\n-------  -----  -----\ngini       0.3  gq\n"
        );
    }
}
