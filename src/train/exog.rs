//! Projecting a [`Dataset`] (built with every exogenous column any model of a
//! `NeuralForecast` lists) onto one model's own `futr_exog_list`, `hist_exog_list` and
//! `stat_exog_list`, in the model's order, so its batches carry exactly its channels.

use std::borrow::Cow;

use crate::data::batch::FutureExog;
use crate::data::dataset::{ExogBlock, StaticBlock};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::models::TrainConfig;

/// `ds` with only the exogenous columns `cfg` lists (borrowed when it has exactly those).
///
/// Errors: a listed column the dataset lacks (names the list and the column).
pub fn project<'d>(ds: &'d Dataset, cfg: &TrainConfig) -> Result<Cow<'d, Dataset>> {
    let same = ds.futr_exog.names == cfg.futr_exog_list
        && ds.hist_exog.names == cfg.hist_exog_list
        && ds.static_exog.names == cfg.stat_exog_list;
    if same {
        return Ok(Cow::Borrowed(ds));
    }
    let n = ds.n_rows();
    let futr_exog = select_block(&ds.futr_exog, &cfg.futr_exog_list, n, "futr_exog_list")?;
    let hist_exog = select_block(&ds.hist_exog, &cfg.hist_exog_list, n, "hist_exog_list")?;
    let static_exog = select_static(&ds.static_exog, &cfg.stat_exog_list, ds.n_series())?;
    Ok(Cow::Owned(Dataset {
        ids: ds.ids.clone(),
        offsets: ds.offsets.clone(),
        time_kind: ds.time_kind,
        offset_minutes: ds.offset_minutes,
        freq: ds.freq,
        times: ds.times.clone(),
        y: ds.y.clone(),
        mask: ds.mask.clone(),
        futr_exog,
        hist_exog,
        static_exog,
    }))
}

/// Future values of the columns `list` out of `future`, whose channels are `names`.
///
/// Errors: a listed column `future` lacks.
pub fn project_future(
    future: &FutureExog,
    names: &[String],
    list: &[String],
) -> Result<FutureExog> {
    let idx = positions(names, list, "futr_exog_list")?;
    let nf = future.n_futr;
    let mut values = Vec::with_capacity(future.values.len() / nf.max(1) * list.len());
    for point in future.values.chunks_exact(nf.max(1)) {
        values.extend(idx.iter().map(|&c| point[c]));
    }
    if nf == 0 {
        values.clear();
    }
    Ok(FutureExog {
        h: future.h,
        n_futr: list.len(),
        values,
    })
}

fn positions(names: &[String], list: &[String], param: &str) -> Result<Vec<usize>> {
    list.iter()
        .map(|want| {
            names.iter().position(|n| n == want).ok_or_else(|| {
                Error::config(
                    param,
                    format_args!("column '{want}' is not among the data's columns"),
                )
            })
        })
        .collect()
}

fn select_block(
    block: &ExogBlock,
    list: &[String],
    n_rows: usize,
    param: &str,
) -> Result<ExogBlock> {
    let idx = positions(&block.names, list, param)?;
    let mut values = Vec::with_capacity(idx.len() * n_rows);
    for &c in &idx {
        values.extend_from_slice(block.column(c, n_rows));
    }
    Ok(ExogBlock {
        names: list.to_vec(),
        values,
    })
}

fn select_static(block: &StaticBlock, list: &[String], n_series: usize) -> Result<StaticBlock> {
    let idx = positions(&block.names, list, "stat_exog_list")?;
    let nc = block.names.len();
    let mut values = Vec::with_capacity(idx.len() * n_series);
    for s in 0..n_series {
        values.extend(idx.iter().map(|&c| block.values[s * nc + c]));
    }
    Ok(StaticBlock {
        names: list.to_vec(),
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Hyperparams;

    #[test]
    fn keeps_the_listed_columns_in_the_models_order() {
        let mut d = Dataset::from_series(&[("a", &[1.0, 2.0]), ("b", &[3.0])]);
        d.hist_exog = ExogBlock {
            names: vec!["p".into(), "q".into()],
            values: vec![1.0, 2.0, 3.0, 10.0, 20.0, 30.0],
        };
        d.static_exog = StaticBlock {
            names: vec!["s1".into(), "s2".into()],
            values: vec![1.0, 2.0, 3.0, 4.0],
        };
        let hp = Hyperparams::new()
            .with("h", 1usize)
            .with("input_size", 1usize)
            .with("hist_exog_list", vec!["q"])
            .with("stat_exog_list", vec!["s2"]);
        let mut r = crate::models::ParamReader::new("T", &hp);
        let cfg = TrainConfig::read(&mut r, crate::models::nlinear::DEFAULTS, None).unwrap();
        let p = project(&d, &cfg).unwrap();
        assert_eq!(p.hist_exog.values, vec![10.0, 20.0, 30.0]);
        assert_eq!(p.static_exog.values, vec![2.0, 4.0]);
        let mut cfg2 = cfg.clone();
        cfg2.hist_exog_list = vec!["zz".into()];
        let e = project(&d, &cfg2).unwrap_err().to_string();
        assert!(e.contains("hist_exog_list") && e.contains("zz"), "{e}");
        let f = FutureExog {
            h: 1,
            n_futr: 2,
            values: vec![1.0, 2.0, 3.0, 4.0],
        };
        let g = project_future(&f, &["x".into(), "y".into()], &["y".into()]).unwrap();
        assert_eq!(g.values, vec![2.0, 4.0]);
    }
}
