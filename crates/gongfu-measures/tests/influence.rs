//! Influence values are derivatives: z_i = ∂θ̂/∂w_i. For every smooth measure
//! (absolute lines; no density), central finite differences in each weight
//! must reproduce the linearisation, part by part. (Lorenz ordinates and
//! shares follow convey's asymptotic linearisation through an interpolated
//! quantile rather than the finite-sample derivative; they are checked against
//! convey's standard errors in the conformance tests instead.)

use gongfu_measures::{Ctx, Distribution, Measure};

const SMOOTH: &str = "mean,total,population,gini,gini(form=convey),ge(-1),ge(0),ge(0.5),ge(1),ge(2),ge(3),theil,mld,atkinson(0.5),atkinson(1),atkinson(2),cv,jdiv,\
fgt(0,line=3000),fgt(1,line=3000),fgt(2,line=3000),watts(line=3000),\
middle_share(lo=2000,hi=6000),richness(cha,1,line=5000),prosperity_gap(4000),\
ge_decomp(0,by=g),ge_decomp(1,by=g),ge_decomp(2,by=g),jdiv_decomp(by=g),fgt_contrib(1,line=3000,by=g),\
gini_sources(sources=a+b),ratio(of=mean,by=g,num=x,den=y),difference(of=gini,by=g,num=x,den=all)";

fn data(w: &[f64]) -> Distribution {
    // distinct incomes (no ties), two sources adding up, two groups
    let n = w.len();
    let a: Vec<f64> = (0..n)
        .map(|i| 500.0 + 137.0 * ((i * 7) % n) as f64)
        .collect();
    let b: Vec<f64> = (0..n)
        .map(|i| 40.0 + 91.0 * ((i * 11) % n) as f64 + 0.37 * i as f64)
        .collect();
    let x: Vec<f64> = a.iter().zip(&b).map(|(a, b)| a + b).collect();
    let g: Vec<u32> = (0..n).map(|i| (i % 3 == 0) as u32).collect();
    Distribution::builder(&x, Some(w))
        .numeric("a", &a)
        .numeric("b", &b)
        .category("g", &g, vec!["x".into(), "y".into()])
        .keep_rows()
        .build()
        .unwrap()
}

#[test]
fn influence_values_are_weight_derivatives() {
    let n = 40;
    let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 5) as f64 * 0.75).collect();
    let base = data(&w);
    let rows = base.rows().unwrap().to_vec();
    for m in Measure::parse_list(SMOOTH).unwrap() {
        let ctx = Ctx::new(&base);
        let infl = m
            .influence(&ctx)
            .unwrap_or_else(|e| panic!("{}: {e}", m.id()));
        let parts = m.evaluate(&ctx).unwrap();
        assert_eq!(
            infl.len(),
            parts.len(),
            "{}: {} influences for {} parts",
            m.id(),
            infl.len(),
            parts.len()
        );
        for (k, z) in infl.iter().enumerate() {
            // sorted position → input row, so the perturbed weight is the right one
            for (pos, &row) in rows.iter().enumerate() {
                let h = 1e-6 * w[row as usize];
                let eval = |dw: f64| {
                    let mut ww = w.clone();
                    ww[row as usize] += dw;
                    let d = data(&ww);
                    m.evaluate(&Ctx::new(&d)).unwrap()[k].value
                };
                let fd = (eval(h) - eval(-h)) / (2.0 * h);
                let zi = z.domain[pos] + z.whole.as_ref().map_or(0.0, |wz| wz[pos]);
                let scale = parts[k].value.abs().max(1e-3) / n as f64;
                assert!(
                    (fd - zi).abs() <= 1e-5 * scale.max(fd.abs()),
                    "{} part {k} row {row}: finite difference {fd} vs influence {zi}",
                    m.id()
                );
            }
        }
    }
}
