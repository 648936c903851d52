//! Hyperparameters by NeuralForecast name: what a user sets, what a model file stores.
//!
//! A model is built from a [`Hyperparams`] (an ordered list of `name = value` pairs, values in
//! the JSON data model) by reading every entry it knows through a [`ParamReader`], which fills in
//! NeuralForecast's default for each missing entry, checks each value's type and range, and
//! rejects names the model does not have (a misspelt `hiden_size` must not be ignored).
//! A built model reports the complete, resolved list (defaults included), so saving it and
//! building it again gives the same model.

use crate::error::{Error, Result};
use crate::io::json::Value;

/// An ordered list of hyperparameters; setting a name again replaces its value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hyperparams {
    entries: Vec<(String, Value)>,
}

impl Hyperparams {
    /// No entries.
    pub fn new() -> Hyperparams {
        Hyperparams::default()
    }

    /// Sets `name` to `value` (replacing an earlier value, keeping its position).
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> &mut Hyperparams {
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| k == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name.to_string(), value)),
        }
        self
    }

    /// As [`Hyperparams::set`], by value (for chaining).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Hyperparams {
        self.set(name, value);
        self
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.entries.iter().position(|(k, _)| k == name)?;
        Some(self.entries.remove(i).1)
    }

    /// Entries in the order they were first set.
    pub fn entries(&self) -> &[(String, Value)] {
        &self.entries
    }

    /// Sets an entry from the command line's `name=value`: the value is read as JSON when it
    /// parses as JSON (`64`, `1e-3`, `true`, `[80, 90]`, `"x"`), else as a plain string
    /// (`scaler_type=robust`, `loss=mqloss(level=[80,90])`).
    pub fn set_assignment(&mut self, assignment: &str) -> Result<()> {
        let Some((name, text)) = assignment.split_once('=') else {
            return Err(Error::config(
                assignment,
                "expected NAME=VALUE (for example hidden_size=256)",
            ));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::config(assignment, "the name before '=' is empty"));
        }
        let text = text.trim();
        let value = crate::io::json::parse(text, "value")
            .unwrap_or_else(|_| Value::String(text.to_string()));
        self.set(name, value);
        Ok(())
    }

    /// A JSON object of the entries, in order.
    pub fn to_json(&self) -> Value {
        Value::Object(self.entries.clone())
    }

    /// Entries from a JSON object.
    pub fn from_json(value: &Value) -> Result<Hyperparams> {
        let members = value.as_object().ok_or_else(|| {
            Error::config("hyperparameters", "expected a JSON object of name: value")
        })?;
        let mut hp = Hyperparams::new();
        for (k, v) in members {
            hp.set(k, v.clone());
        }
        Ok(hp)
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::Number(v as f64)
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::Number(v as f64)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Number(v as f64)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Number(v as f64)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Number(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Number(v as f64)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::String(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::String(v)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Reads a model's hyperparameters one by one, with defaults and range checks, and records the
/// resolved value of each (see the module docs). Errors name the model and the parameter.
#[derive(Debug)]
pub struct ParamReader<'a> {
    model: &'static str,
    given: &'a Hyperparams,
    used: Vec<bool>,
    resolved: Hyperparams,
}

impl<'a> ParamReader<'a> {
    /// A reader of `given` for the model class `model` (its name appears in errors).
    pub fn new(model: &'static str, given: &'a Hyperparams) -> ParamReader<'a> {
        ParamReader {
            model,
            given,
            used: vec![false; given.entries.len()],
            resolved: Hyperparams::new(),
        }
    }

    /// The model class whose hyperparameters are read.
    pub fn model(&self) -> &'static str {
        self.model
    }

    fn take(&mut self, name: &str) -> Option<&'a Value> {
        let i = self.given.entries.iter().position(|(k, _)| k == name)?;
        self.used[i] = true;
        Some(&self.given.entries[i].1).filter(|v| !matches!(v, Value::Null))
    }

    fn error(&self, name: &str, message: impl std::fmt::Display) -> Error {
        Error::config(&format!("{}.{name}", self.model), message)
    }

    /// A required non-negative integer at least `min`.
    pub fn required_usize(&mut self, name: &str, min: usize) -> Result<usize> {
        match self.take(name) {
            Some(_) => self.usize(name, min, min),
            None => Err(self.error(name, "is required")),
        }
    }

    /// A non-negative integer at least `min` (default `default`).
    pub fn usize(&mut self, name: &str, default: usize, min: usize) -> Result<usize> {
        let v = match self.take(name) {
            None => default,
            Some(v) => v.as_usize().ok_or_else(|| {
                self.error(
                    name,
                    format_args!("must be a whole number, got {}", v.to_json()),
                )
            })?,
        };
        if v < min {
            return Err(self.error(name, format_args!("must be at least {min}, got {v}")));
        }
        self.resolved.set(name, v);
        Ok(v)
    }

    /// An optional positive integer: absent, `null` or (NeuralForecast's convention) `-1`
    /// mean `None`.
    pub fn opt_usize(&mut self, name: &str, default: Option<usize>) -> Result<Option<usize>> {
        let v = match self.take(name) {
            None => default,
            Some(v) if v.as_f64() == Some(-1.0) => None,
            Some(v) => Some(v.as_usize().filter(|&n| n >= 1).ok_or_else(|| {
                self.error(
                    name,
                    format_args!(
                        "must be a whole number ≥ 1, or -1 for none; got {}",
                        v.to_json()
                    ),
                )
            })?),
        };
        self.resolved
            .set(name, v.map_or(Value::Number(-1.0), Value::from));
        Ok(v)
    }

    /// A signed integer in `range` (default `default`).
    pub fn i64(
        &mut self,
        name: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64> {
        let v = match self.take(name) {
            None => default,
            Some(v) => v
                .as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
                .map(|x| x as i64)
                .ok_or_else(|| {
                    self.error(
                        name,
                        format_args!("must be a whole number, got {}", v.to_json()),
                    )
                })?,
        };
        if !range.contains(&v) {
            return Err(self.error(
                name,
                format_args!(
                    "must be between {} and {}, got {v}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        self.resolved.set(name, v);
        Ok(v)
    }

    /// A finite number in `range` (default `default`).
    pub fn f64(
        &mut self,
        name: &str,
        default: f64,
        range: std::ops::RangeInclusive<f64>,
    ) -> Result<f64> {
        let v = match self.take(name) {
            None => default,
            Some(v) => v.as_f64().ok_or_else(|| {
                self.error(name, format_args!("must be a number, got {}", v.to_json()))
            })?,
        };
        if !v.is_finite() || !range.contains(&v) {
            return Err(self.error(
                name,
                format_args!(
                    "must be between {} and {}, got {v}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        self.resolved.set(name, v);
        Ok(v)
    }

    /// A boolean (default `default`).
    pub fn bool(&mut self, name: &str, default: bool) -> Result<bool> {
        let v = match self.take(name) {
            None => default,
            Some(v) => v.as_bool().ok_or_else(|| {
                self.error(
                    name,
                    format_args!("must be true or false, got {}", v.to_json()),
                )
            })?,
        };
        self.resolved.set(name, v);
        Ok(v)
    }

    /// A string (default `default`); `allowed`, when not empty, lists the accepted values
    /// (compared case-insensitively; the resolved value is the listed spelling).
    pub fn string(&mut self, name: &str, default: &str, allowed: &[&str]) -> Result<String> {
        let v = match self.take(name) {
            None => default.to_string(),
            Some(v) => v
                .as_str()
                .ok_or_else(|| {
                    self.error(name, format_args!("must be a string, got {}", v.to_json()))
                })?
                .to_string(),
        };
        let v = if allowed.is_empty() {
            v
        } else {
            match allowed.iter().find(|a| a.eq_ignore_ascii_case(&v)) {
                Some(a) => a.to_string(),
                None => {
                    return Err(self.error(
                        name,
                        format_args!(
                            "must be one of {}; got '{v}'{}",
                            allowed.join(", "),
                            crate::suggest::hint(&v, allowed.iter().copied())
                        ),
                    ))
                }
            }
        };
        self.resolved.set(name, v.as_str());
        Ok(v)
    }

    /// An optional string (absent or `null` give `None`).
    pub fn opt_string(&mut self, name: &str) -> Result<Option<String>> {
        let v = match self.take(name) {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .ok_or_else(|| {
                        self.error(name, format_args!("must be a string, got {}", v.to_json()))
                    })?
                    .to_string(),
            ),
        };
        self.resolved.set(name, v.clone());
        Ok(v)
    }

    /// A list of strings (absent or `null` give an empty list; a single string is a list of one).
    pub fn string_list(&mut self, name: &str) -> Result<Vec<String>> {
        let v: Vec<String> = match self.take(name) {
            None => Vec::new(),
            Some(Value::String(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| self.error(name, "must be a list of column names"))?,
            Some(v) => {
                return Err(self.error(
                    name,
                    format_args!("must be a list of column names, got {}", v.to_json()),
                ))
            }
        };
        self.resolved.set(name, v.clone());
        Ok(v)
    }

    /// A list of positive integers (default `default`).
    pub fn usize_list(&mut self, name: &str, default: &[usize]) -> Result<Vec<usize>> {
        let v: Vec<usize> =
            match self.take(name) {
                None => default.to_vec(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(Value::as_usize)
                    .collect::<Option<_>>()
                    .ok_or_else(|| self.error(name, "must be a list of whole numbers"))?,
                Some(v) => vec![v.as_usize().ok_or_else(|| {
                    self.error(
                        name,
                        format_args!("must be a list of whole numbers, got {}", v.to_json()),
                    )
                })?],
            };
        self.resolved.set(name, v.clone());
        Ok(v)
    }

    /// A list of strings, `default` when absent or `null` (unlike [`ParamReader::string_list`],
    /// whose default is empty).
    pub fn string_list_or(&mut self, name: &str, default: &[&str]) -> Result<Vec<String>> {
        let v = self.string_list(name)?;
        if self
            .given
            .get(name)
            .is_some_and(|v| !matches!(v, Value::Null))
        {
            return Ok(v);
        }
        let v: Vec<String> = default.iter().map(|s| s.to_string()).collect();
        self.resolved.set(name, v.clone());
        Ok(v)
    }

    /// A list of `[a, b]` pairs of whole numbers (NeuralForecast's `mlp_units`), `default`
    /// when absent.
    pub fn usize_pairs(&mut self, name: &str, default: &[[usize; 2]]) -> Result<Vec<[usize; 2]>> {
        let pair = |v: &Value| -> Option<[usize; 2]> {
            match v.as_array()? {
                [a, b] => Some([a.as_usize()?, b.as_usize()?]),
                _ => None,
            }
        };
        let v: Vec<[usize; 2]> = match self.take(name) {
            None => default.to_vec(),
            Some(v) => v
                .as_array()
                .and_then(|items| items.iter().map(pair).collect::<Option<_>>())
                .ok_or_else(|| {
                    self.error(
                        name,
                        format_args!(
                            "must be a list of [in, out] pairs of whole numbers, got {}",
                            v.to_json()
                        ),
                    )
                })?,
        };
        let value = Value::Array(
            v.iter()
                .map(|p| Value::Array(vec![Value::from(p[0]), Value::from(p[1])]))
                .collect(),
        );
        self.resolved.set(name, value);
        Ok(v)
    }

    /// Records a resolved value that was not read through this reader (a derived default).
    pub fn record(&mut self, name: &str, value: impl Into<Value>) {
        self.resolved.set(name, value);
    }

    /// The resolved hyperparameters, or an error naming the first given name the model does
    /// not have, with the names it does have.
    pub fn finish(self) -> Result<Hyperparams> {
        if let Some(i) = self.used.iter().position(|u| !u) {
            let name = &self.given.entries[i].0;
            let known: Vec<&str> = self
                .resolved
                .entries
                .iter()
                .map(|(k, _)| k.as_str())
                .collect();
            return Err(Error::config(
                &format!("{}.{name}", self.model),
                format_args!(
                    "{} has no such hyperparameter; it has: {}{}",
                    self.model,
                    known.join(", "),
                    crate::suggest::hint(name, known.iter().copied())
                ),
            ));
        }
        Ok(self.resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in_and_are_recorded() {
        let given = Hyperparams::new().with("hidden_size", 64usize);
        let mut r = ParamReader::new("MLP", &given);
        assert_eq!(r.usize("hidden_size", 1024, 1).unwrap(), 64);
        assert_eq!(r.usize("num_layers", 2, 1).unwrap(), 2);
        assert_eq!(
            r.opt_usize("windows_batch_size", Some(1024)).unwrap(),
            Some(1024)
        );
        let resolved = r.finish().unwrap();
        assert_eq!(resolved.get("num_layers"), Some(&Value::Number(2.0)));
        assert_eq!(resolved.get("hidden_size"), Some(&Value::Number(64.0)));
    }

    #[test]
    fn unknown_names_and_bad_values_are_errors_that_name_them() {
        let given = Hyperparams::new().with("hiden_size", 64usize);
        let mut r = ParamReader::new("MLP", &given);
        r.usize("hidden_size", 1024, 1).unwrap();
        let e = r.finish().unwrap_err().to_string();
        assert!(
            e.contains("MLP.hiden_size") && e.contains("hidden_size"),
            "{e}"
        );

        let given = Hyperparams::new().with("hidden_size", 0usize);
        let e = ParamReader::new("MLP", &given)
            .usize("hidden_size", 1024, 1)
            .unwrap_err();
        assert!(e.to_string().contains("at least 1, got 0"), "{e}");

        let given = Hyperparams::new().with("learning_rate", "fast");
        let e = ParamReader::new("MLP", &given)
            .f64("learning_rate", 1e-3, 0.0..=10.0)
            .unwrap_err();
        assert!(e.to_string().contains("must be a number"), "{e}");
    }

    #[test]
    fn minus_one_means_none_as_in_neuralforecast() {
        let given = Hyperparams::new().with("windows_batch_size", -1i64);
        let mut r = ParamReader::new("MLP", &given);
        assert_eq!(r.opt_usize("windows_batch_size", Some(1024)).unwrap(), None);
    }

    #[test]
    fn command_line_assignments_read_json_or_text() {
        let mut hp = Hyperparams::new();
        hp.set_assignment("hidden_size=256").unwrap();
        hp.set_assignment("scaler_type=robust").unwrap();
        hp.set_assignment("futr_exog_list=[\"a\",\"b\"]").unwrap();
        assert_eq!(hp.get("hidden_size"), Some(&Value::Number(256.0)));
        assert_eq!(hp.get("scaler_type"), Some(&Value::String("robust".into())));
        let mut r = ParamReader::new("MLP", &hp);
        assert_eq!(r.string_list("futr_exog_list").unwrap(), vec!["a", "b"]);
        assert!(hp.set_assignment("novalue").is_err());
    }

    #[test]
    fn pairs_and_list_defaults() {
        let mut hp = Hyperparams::new();
        hp.set_assignment("mlp_units=[[4,8],[8,2]]").unwrap();
        hp.set_assignment("stack_types=trend").unwrap();
        let mut r = ParamReader::new("NBEATS", &hp);
        assert_eq!(r.usize_pairs("mlp_units", &[]).unwrap(), [[4, 8], [8, 2]]);
        assert_eq!(
            r.string_list_or("stack_types", &["identity"]).unwrap(),
            ["trend"]
        );
        assert_eq!(r.string_list_or("other", &["a", "b"]).unwrap(), ["a", "b"]);
        let resolved = r.finish().unwrap();
        assert_eq!(
            resolved.get("mlp_units").unwrap().to_json(),
            "[[4,8],[8,2]]"
        );
        assert_eq!(resolved.get("other").unwrap().to_json(), r#"["a","b"]"#);
        for bad in ["[4,8]", "[[4,8,1]]", "[[4,-1]]", "\"x\""] {
            let hp =
                Hyperparams::new().with("mlp_units", crate::io::json::parse(bad, "t").unwrap());
            let e = ParamReader::new("NBEATS", &hp)
                .usize_pairs("mlp_units", &[])
                .unwrap_err();
            assert!(e.to_string().contains("NBEATS.mlp_units"), "{bad}: {e}");
        }
    }

    #[test]
    fn json_round_trip_keeps_order() {
        let hp = Hyperparams::new()
            .with("b", 1usize)
            .with("a", "x")
            .with("c", vec![1usize, 2]);
        assert_eq!(Hyperparams::from_json(&hp.to_json()).unwrap(), hp);
    }
}
