//! Measure parameters and the measure-list syntax (`gini,arpr,"fgt(1,line=20000)"`).

use crate::error::{MeasureError, Result};
use std::fmt;

/// A parameter value as written by the user.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A number (`0.2`, `20000`, `1e5`).
    Num(f64),
    /// A multiple of a statistic of the reference population (`0.6*median`, `0.5*mean`).
    Rel {
        /// The factor.
        factor: f64,
        /// The statistic.
        of: RelTo,
    },
    /// A word (`household`, `convey`, a column name or a domain label).
    Text(String),
}

/// The statistic a relative line or bound refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelTo {
    /// The median (under the active quantile rule).
    Median,
    /// The mean.
    Mean,
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Num(v) => write!(f, "{v}"),
            ParamValue::Rel { factor, of } => write!(
                f,
                "{factor}*{}",
                match of {
                    RelTo::Median => "median",
                    RelTo::Mean => "mean",
                }
            ),
            ParamValue::Text(s) => f.write_str(s),
        }
    }
}

/// One parsed item of a measure list: a name and its arguments (positional ones first).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The measure name as written.
    pub name: String,
    /// Positional arguments.
    pub positional: Vec<ParamValue>,
    /// Named arguments in the order written.
    pub named: Vec<(String, ParamValue)>,
    /// Byte offset of the item in the list (for messages).
    pub position: usize,
}

fn perr(position: usize, message: impl Into<String>) -> MeasureError {
    MeasureError::Parse {
        position,
        message: message.into(),
    }
}

fn parse_value(text: &str, position: usize) -> Result<ParamValue> {
    let t = text.trim();
    if t.is_empty() {
        return Err(perr(position, "empty argument"));
    }
    let t = t.trim_matches(|c| c == '"' || c == '\'');
    if let Some((a, b)) = t.split_once('*') {
        let factor: f64 = a
            .trim()
            .parse()
            .map_err(|_| perr(position, format!("\"{a}\" is not a number in \"{t}\"")))?;
        if !factor.is_finite() {
            return Err(perr(position, format!("non-finite factor in \"{t}\"")));
        }
        let of = match b.trim() {
            "median" => RelTo::Median,
            "mean" => RelTo::Mean,
            other => {
                return Err(perr(
                    position,
                    format!("a relative value is a multiple of median or mean, not \"{other}\""),
                ));
            }
        };
        return Ok(ParamValue::Rel { factor, of });
    }
    let looks_numeric = t
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == '.');
    if looks_numeric && let Ok(v) = t.parse::<f64>() {
        if !v.is_finite() {
            return Err(perr(position, format!("non-finite number \"{t}\"")));
        }
        return Ok(ParamValue::Num(v));
    }
    if t.chars()
        .all(|c| c.is_alphanumeric() || "_-.:+".contains(c))
    {
        return Ok(ParamValue::Text(t.to_string()));
    }
    Err(perr(position, format!("cannot read argument \"{t}\"")))
}

fn is_ident(s: &str) -> bool {
    let mut ch = s.chars();
    ch.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && ch.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a measure list such as `gini,arpr,fgt(1,line=20000),"ge(2)"`.
///
/// Items are separated by commas outside parentheses; quotes around an item
/// are allowed. Arguments are positional or `name=value`; values are numbers,
/// multiples of `median` or `mean` (`0.6*median`), or words.
///
/// # Errors
/// [`MeasureError::Parse`] with the character position.
pub fn parse_list(list: &str) -> Result<Vec<Call>> {
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut start = 0usize;
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(perr(i, "unbalanced ')'"));
                }
            }
            ',' if depth == 0 => {
                items.push((start, &list[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(perr(list.len(), "unclosed '('"));
    }
    items.push((start, &list[start..]));
    let mut calls = Vec::new();
    for (pos, raw) in items {
        let lead = raw.len() - raw.trim_start().len();
        let pos = pos + lead;
        let item = raw.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        if item.is_empty() {
            if list.trim().is_empty() {
                return Err(perr(0, "no measures given"));
            }
            return Err(perr(pos, "empty item in measure list"));
        }
        let (name, args) = match item.find('(') {
            Some(open) => {
                if !item.ends_with(')') {
                    return Err(perr(
                        pos + item.len(),
                        "expected ')' at the end of the item",
                    ));
                }
                (&item[..open], Some(&item[open + 1..item.len() - 1]))
            }
            None => (item, None),
        };
        let name = name.trim();
        if !is_ident(name) {
            return Err(perr(pos, format!("\"{name}\" is not a measure name")));
        }
        let mut call = Call {
            name: name.to_string(),
            positional: Vec::new(),
            named: Vec::new(),
            position: pos,
        };
        if let Some(args) = args {
            if args.contains('(') || args.contains(')') {
                return Err(perr(pos, "nested parentheses are not allowed in arguments"));
            }
            if !args.trim().is_empty() {
                for a in args.split(',') {
                    match a.split_once('=') {
                        Some((k, v)) => {
                            let k = k.trim();
                            if !is_ident(k) {
                                return Err(perr(pos, format!("\"{k}\" is not a parameter name")));
                            }
                            if call.named.iter().any(|(n, _)| n == k) {
                                return Err(perr(pos, format!("parameter \"{k}\" given twice")));
                            }
                            call.named.push((k.to_string(), parse_value(v, pos)?));
                        }
                        None => {
                            if !call.named.is_empty() {
                                return Err(perr(pos, "positional argument after a named one"));
                            }
                            call.positional.push(parse_value(a, pos)?);
                        }
                    }
                }
            }
        }
        calls.push(call);
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_catalogue_syntax() {
        let c = parse_list(r#"gini, arpr,"fgt(1,line=20000)",ge(2),middle_share(lo=0.75*median,hi=2*median),quantile(0.2)"#).unwrap();
        assert_eq!(c.len(), 6);
        assert_eq!(c[2].name, "fgt");
        assert_eq!(c[2].positional, vec![ParamValue::Num(1.0)]);
        assert_eq!(c[2].named, vec![("line".into(), ParamValue::Num(20000.0))]);
        assert_eq!(
            c[4].named[0].1,
            ParamValue::Rel {
                factor: 0.75,
                of: RelTo::Median
            }
        );
        assert_eq!(c[5].positional, vec![ParamValue::Num(0.2)]);
    }

    #[test]
    fn rejects_garbage_with_positions() {
        for bad in [
            "",
            "gini,,arpr",
            "fgt(1",
            "fgt)1(",
            "fgt(x=1,x=2)",
            "fgt(a=1,2)",
            "1gini",
            "fgt(1*foo)",
            "ge(1e999)",
            "q((1))",
        ] {
            assert!(
                matches!(parse_list(bad), Err(MeasureError::Parse { .. })),
                "{bad}"
            );
        }
    }
}
