//! Formulas of derived indicators: arithmetic on other indicators of the same
//! region and year, with standard errors carried by the delta method.
//!
//! ```text
//! formula := term (("+" | "-") term)*
//! term    := unary (("*" | "/") unary)*
//! unary   := "-" unary | atom
//! atom    := number | id | "(" formula ")"
//!          | "lag(" id ")"                 the value of the previous year
//!          | "max(" id "," level ")"       the largest value among the region's cities or counties
//!          | "min(" id "," level ")"       the smallest
//! ```
//!
//! The variance of a result treats its operands as independent: `Var(a ± b) =
//! Var a + Var b`, `Var(ab) ≈ b² Var a + a² Var b`, `Var(a/b) ≈ Var a / b² +
//! a² Var b / b⁴`; `max`/`min` take the variance of the region they select.
//! That holds exactly for operands from different regions of a stratified
//! survey (strata nest in counties), and for administrative counts (no
//! sampling variance); a ratio of two figures of the *same* sample should be a
//! microdata measure (`ratio(of=mean,by=…)`), whose linearised variance
//! accounts for the covariance.

use crate::config::Scope;

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    expr: Expr,
    text: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(f64),
    Ref(String),
    Lag(String),
    Extreme { max: bool, id: String, level: Scope },
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
}

/// A value with its variance (`None`: no sampling error is known).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Valued {
    /// The value.
    pub value: f64,
    /// Its variance.
    pub var: Option<f64>,
}

/// What a formula can look up while it is evaluated.
pub trait Lookup {
    /// The value of indicator `id` for `region` in `year`.
    fn value(&self, id: &str, region: &str, year: u16) -> Option<Valued>;
    /// The regions of `level` under `region` (the cities of the province,
    /// the counties of a city or of the province).
    fn children(&self, region: &str, level: Scope) -> Vec<String>;
}

fn add_var(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    }
}

impl Formula {
    /// Parses a formula.
    ///
    /// # Errors
    /// A message saying where the formula stops making sense.
    pub fn parse(text: &str) -> Result<Formula, String> {
        let toks = tokenize(text)?;
        let mut p = Parser { toks, pos: 0 };
        let expr = p.expr()?;
        if p.pos != p.toks.len() {
            return Err(format!(
                "unexpected {} after a complete formula",
                p.toks[p.pos]
            ));
        }
        Ok(Formula {
            expr,
            text: text.to_string(),
        })
    }

    /// The formula as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The indicators the formula uses, each once, in order of appearance.
    pub fn references(&self) -> Vec<String> {
        fn walk(e: &Expr, out: &mut Vec<String>) {
            match e {
                Expr::Num(_) => {}
                Expr::Ref(id) | Expr::Lag(id) | Expr::Extreme { id, .. } => {
                    if !out.contains(id) {
                        out.push(id.clone());
                    }
                }
                Expr::Neg(a) => walk(a, out),
                Expr::Bin(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.expr, &mut out);
        out
    }

    /// Evaluates the formula for one region and year; `None` when an operand
    /// is missing or the result is not a finite number (a division by zero).
    pub fn eval(&self, look: &dyn Lookup, region: &str, year: u16) -> Option<Valued> {
        let v = eval(&self.expr, look, region, year)?;
        (v.value.is_finite() && v.var.is_none_or(f64::is_finite)).then_some(v)
    }
}

fn eval(e: &Expr, look: &dyn Lookup, region: &str, year: u16) -> Option<Valued> {
    match e {
        Expr::Num(v) => Some(Valued {
            value: *v,
            var: None,
        }),
        Expr::Ref(id) => look.value(id, region, year),
        Expr::Lag(id) => look.value(id, region, year.checked_sub(1)?),
        Expr::Extreme { max, id, level } => {
            let mut best: Option<Valued> = None;
            for c in look.children(region, *level) {
                let v = look.value(id, &c, year)?; // every child must have a value
                let better = match best {
                    None => true,
                    Some(b) => {
                        if *max {
                            v.value > b.value
                        } else {
                            v.value < b.value
                        }
                    }
                };
                if better {
                    best = Some(v);
                }
            }
            best
        }
        Expr::Neg(a) => {
            let a = eval(a, look, region, year)?;
            Some(Valued {
                value: -a.value,
                var: a.var,
            })
        }
        Expr::Bin(op, a, b) => {
            let a = eval(a, look, region, year)?;
            let b = eval(b, look, region, year)?;
            let (va, vb) = (a.var, b.var);
            Some(match op {
                '+' => Valued {
                    value: a.value + b.value,
                    var: add_var(va, vb),
                },
                '-' => Valued {
                    value: a.value - b.value,
                    var: add_var(va, vb),
                },
                '*' => Valued {
                    value: a.value * b.value,
                    var: add_var(
                        va.map(|v| v * b.value * b.value),
                        vb.map(|v| v * a.value * a.value),
                    ),
                },
                _ => {
                    if b.value == 0.0 {
                        return None;
                    }
                    let b2 = b.value * b.value;
                    Valued {
                        value: a.value / b.value,
                        var: add_var(
                            va.map(|v| v / b2),
                            vb.map(|v| v * a.value * a.value / (b2 * b2)),
                        ),
                    }
                }
            })
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Id(String),
    Sym(char),
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Num(v) => write!(f, "number {v}"),
            Tok::Id(s) => write!(f, "{s:?}"),
            Tok::Sym(c) => write!(f, "{c:?}"),
        }
    }
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < cs.len()
                && (cs[i].is_ascii_digit()
                    || cs[i] == '.'
                    || cs[i] == 'e'
                    || cs[i] == 'E'
                    || ((cs[i] == '-' || cs[i] == '+') && matches!(cs[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let t: String = cs[start..i].iter().collect();
            let v: f64 = t.parse().map_err(|_| format!("{t:?} is not a number"))?;
            out.push(Tok::Num(v));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < cs.len() && (cs[i].is_ascii_alphanumeric() || cs[i] == '_') {
                i += 1;
            }
            out.push(Tok::Id(cs[start..i].iter().collect()));
        } else if "+-*/(),".contains(c) {
            out.push(Tok::Sym(c));
            i += 1;
        } else {
            return Err(format!("unexpected character {c:?}"));
        }
    }
    if out.is_empty() {
        return Err("empty formula".into());
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn sym(&mut self, c: char) -> Result<(), String> {
        match self.peek() {
            Some(Tok::Sym(x)) if *x == c => {
                self.pos += 1;
                Ok(())
            }
            Some(t) => Err(format!("expected {c:?}, found {t}")),
            None => Err(format!("expected {c:?} at the end")),
        }
    }

    fn ident(&mut self) -> Result<String, String> {
        match self.peek().cloned() {
            Some(Tok::Id(s)) => {
                self.pos += 1;
                Ok(s)
            }
            Some(t) => Err(format!("expected an indicator id, found {t}")),
            None => Err("expected an indicator id at the end".into()),
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut a = self.term()?;
        while let Some(Tok::Sym(c @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let b = self.term()?;
            a = Expr::Bin(c, Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut a = self.unary()?;
        while let Some(Tok::Sym(c @ ('*' | '/'))) = self.peek().cloned() {
            self.pos += 1;
            let b = self.unary()?;
            a = Expr::Bin(c, Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if let Some(Tok::Sym('-')) = self.peek() {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.peek().cloned() {
            Some(Tok::Num(v)) => {
                self.pos += 1;
                Ok(Expr::Num(v))
            }
            Some(Tok::Sym('(')) => {
                self.pos += 1;
                let e = self.expr()?;
                self.sym(')')?;
                Ok(e)
            }
            Some(Tok::Id(name)) => {
                self.pos += 1;
                if let Some(Tok::Sym('(')) = self.peek() {
                    self.pos += 1;
                    let e = match name.as_str() {
                        "lag" => Expr::Lag(self.ident()?),
                        "max" | "min" => {
                            let id = self.ident()?;
                            self.sym(',')?;
                            let lv = self.ident()?;
                            let level = match lv.as_str() {
                                "city" => Scope::City,
                                "county" => Scope::County,
                                o => {
                                    return Err(format!(
                                        "{o:?}: max and min run over city or county"
                                    ));
                                }
                            };
                            Expr::Extreme {
                                max: name == "max",
                                id,
                                level,
                            }
                        }
                        o => return Err(format!("unknown function {o:?} (lag, max, min)")),
                    };
                    self.sym(')')?;
                    Ok(e)
                } else {
                    Ok(Expr::Ref(name))
                }
            }
            Some(t) => Err(format!("unexpected {t}")),
            None => Err("the formula ends too early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Table(HashMap<(String, String, u16), Valued>);

    impl Lookup for Table {
        fn value(&self, id: &str, region: &str, year: u16) -> Option<Valued> {
            self.0
                .get(&(id.to_string(), region.to_string(), year))
                .copied()
        }
        fn children(&self, region: &str, level: Scope) -> Vec<String> {
            match (region, level) {
                ("P", Scope::City) => vec!["A".into(), "B".into(), "C".into()],
                _ => vec![],
            }
        }
    }

    fn v(value: f64, se: f64) -> Valued {
        Valued {
            value,
            var: Some(se * se),
        }
    }

    fn table() -> Table {
        let mut m = HashMap::new();
        m.insert(("inc".into(), "A".into(), 2022), v(60_000.0, 600.0));
        m.insert(("inc".into(), "B".into(), 2022), v(40_000.0, 800.0));
        m.insert(("inc".into(), "C".into(), 2022), v(50_000.0, 500.0));
        m.insert(("inc".into(), "P".into(), 2022), v(52_000.0, 300.0));
        m.insert(("inc".into(), "P".into(), 2021), v(50_000.0, 300.0));
        m.insert(
            ("built".into(), "P".into(), 2022),
            Valued {
                value: 7_000.0,
                var: None,
            },
        );
        Table(m)
    }

    #[test]
    fn ratio_of_extremes_takes_the_selected_regions_variances() {
        let f = Formula::parse("max(inc, city) / min(inc, city)").unwrap();
        assert_eq!(f.references(), ["inc"]);
        let r = f.eval(&table(), "P", 2022).unwrap();
        assert_eq!(r.value, 1.5);
        // Var = 600²/40000² + 60000² 800²/40000⁴
        let want = 600.0f64.powi(2) / 40_000f64.powi(2)
            + 60_000f64.powi(2) * 800f64.powi(2) / 40_000f64.powi(4);
        assert!((r.var.unwrap() - want).abs() < 1e-15);
        // a missing child makes the extreme undefined
        assert_eq!(f.eval(&table(), "P", 2021), None);
    }

    #[test]
    fn precedence_lag_and_constants() {
        let t = table();
        let f = Formula::parse("(inc - lag(inc)) / lag(inc) * 100").unwrap();
        let r = f.eval(&t, "P", 2022).unwrap();
        assert!((r.value - 4.0).abs() < 1e-12);
        let f = Formula::parse("-built / 10000 + 1").unwrap();
        let r = f.eval(&t, "P", 2022).unwrap();
        assert!((r.value - 0.3).abs() < 1e-12);
        assert_eq!(r.var, None);
        let f = Formula::parse("2 * 3 + 4 / 2 - 1").unwrap();
        assert_eq!(f.eval(&t, "P", 2022).unwrap().value, 7.0);
        // division by zero is no value, not infinity
        let f = Formula::parse("inc / (built - 7000)").unwrap();
        assert_eq!(f.eval(&t, "P", 2022), None);
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        for (s, want) in [
            ("", "empty"),
            ("a +", "ends too early"),
            ("a b", "after a complete formula"),
            ("avg(a)", "unknown function"),
            ("max(a, province)", "city or county"),
            ("a # b", "unexpected character"),
            ("(a", "expected ')'"),
            ("1.2.3", "not a number"),
        ] {
            let e = Formula::parse(s).unwrap_err();
            assert!(e.contains(want), "{s}: {e}");
        }
    }
}
