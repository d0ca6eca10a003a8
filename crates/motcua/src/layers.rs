//! Cấu hình from its layers: the built-in defaults, then the TOML file, then `MOTCUA_*`
//! variables (`MOTCUA_SERVER__LISTEN` is `[server] listen`). Every refusal says in Vietnamese
//! which layer and which key is wrong; a key the program does not know is refused, not
//! ignored, so that a typo in `motcua.toml` cannot leave a setting at its default unnoticed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use toml::{Table, Value};

/// Prefix of the variables that set keys; only names with a section (`__`) are keys, so that
/// `MOTCUA_LOG` (the log filter) and variables holding secrets (`MOTCUA_KY_PIN`) are not.
const PREFIX: &str = "MOTCUA_";

/// Where a key's value came from, to say so when it is refused.
#[derive(Debug, Clone)]
enum Origin {
    File,
    Variable(String),
}

/// The layers merged into one table, with the origin of every key a layer set.
pub struct Layers {
    merged: Table,
    defaults: Table,
    file: Option<String>,
    origins: BTreeMap<String, Origin>,
    /// Variables whose text was read as a TOML value (a number, `true`, a list): if the key
    /// wants text, the text is used as it was written.
    typed: BTreeMap<String, (Vec<String>, String)>,
}

impl Layers {
    /// Starts from the program's defaults.
    pub fn new(defaults: &impl Serialize) -> Result<Self, String> {
        let defaults = Table::try_from(defaults)
            .map_err(|e| format!("không lập được cấu hình mặc định: {e}"))?;
        Ok(Layers {
            merged: defaults.clone(),
            defaults,
            file: None,
            origins: BTreeMap::new(),
            typed: BTreeMap::new(),
        })
    }

    /// Lays a TOML file over what is there.
    pub fn file(&mut self, path: &Path) -> Result<(), String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(crate::os)
            .map_err(|e| format!("không đọc được tệp cấu hình \"{name}\": {e}"))?;
        let table: Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e.span().map_or(0, |s| s.start);
            syntax_error(&name, &text, at)
        })?;
        let mut keys = Vec::new();
        merge(&mut self.merged, table, &mut Vec::new(), &mut keys);
        for key in keys {
            self.origins.insert(key, Origin::File);
        }
        self.file = Some(name);
        Ok(())
    }

    /// Lays `MOTCUA_SECTION__KEY` variables over what is there. A value is read as TOML when it
    /// is one (`8`, `true`, `["a", "b"]`, `[{ url = "…" }]`), as text otherwise.
    pub fn variables(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), String> {
        for (name, text) in vars {
            let Some(rest) = name.strip_prefix(PREFIX).filter(|r| r.contains("__")) else {
                continue;
            };
            let path: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
            if path.iter().any(String::is_empty) {
                return Err(format!(
                    "cấu hình không hợp lệ (biến môi trường {}): tên biến phải nêu mục và khóa, \
                     dạng MOTCUA_MỤC__KHÓA (ví dụ MOTCUA_SERVER__LISTEN)",
                    domain::error::shorten(&name)
                ));
            }
            let value = toml_value(&text);
            let key = path.join(".");
            if value.is_str() {
                self.typed.remove(&key);
            } else {
                self.typed.insert(key.clone(), (path.clone(), text));
            }
            set(&mut self.merged, &path, value);
            self.origins.insert(key, Origin::Variable(name));
        }
        Ok(())
    }

    /// Reads the merged layers as `T`, refusing a key `T` does not have.
    pub fn extract<T: DeserializeOwned>(mut self) -> Result<T, String> {
        loop {
            let mut unknown = Vec::new();
            let mut ignored = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
            let read: Result<T, _> = serde_path_to_error::deserialize(
                serde_ignored::Deserializer::new(Value::Table(self.merged.clone()), &mut ignored),
            );
            match read {
                Ok(value) => {
                    return match unknown.first() {
                        Some(key) => Err(self.unknown(key)),
                        None => Ok(value),
                    };
                }
                Err(e) => {
                    let key = e.path().to_string();
                    // A variable's text read as a number or a list where text is wanted:
                    // taken as the text it was (a token of digits, a date-like code).
                    if let Some((path, text)) = self.typed.remove(&key) {
                        set(&mut self.merged, &path, Value::String(text));
                        continue;
                    }
                    return Err(self.refused(&key, e.into_inner().message()));
                }
            }
        }
    }

    /// Which layer set `key` (or the nearest section above it that a layer set).
    fn origin(&self, key: &str) -> String {
        // "notify.webhooks[0].url": the layer set "notify.webhooks".
        let key = key.split('[').next().unwrap_or(key);
        let mut probe = key;
        loop {
            match self.origins.get(probe) {
                Some(Origin::Variable(name)) => return format!("biến môi trường {name}"),
                Some(Origin::File) => break,
                None => match probe.rsplit_once('.') {
                    Some((up, _)) => probe = up,
                    None => {
                        // A whole section nobody reads: whichever layer set a key in it.
                        let inside = format!("{key}.");
                        let mut set_inside = self.origins.range(inside.clone()..);
                        if let Some((k, Origin::Variable(name))) = set_inside.next()
                            && k.starts_with(&inside)
                        {
                            return format!("biến môi trường {name}");
                        }
                        break;
                    }
                },
            }
        }
        match &self.file {
            Some(file) => format!("tệp cấu hình \"{file}\""),
            None => "cấu hình".to_string(),
        }
    }

    fn refused(&self, key: &str, serde_said: &str) -> String {
        let said = app::serde_message(&format!("{key}: {serde_said}"));
        let origin = self.origin(key);
        // A variable holds text: a list or a table in it is written as TOML.
        let hint = if origin.starts_with("biến") && serde_said.starts_with("invalid type: string")
        {
            " (danh sách, bảng trong biến môi trường viết theo TOML, ví dụ \
             [{ url = \"https://…\" }])"
        } else {
            ""
        };
        format!("cấu hình không hợp lệ ({origin}): {said}{hint}")
    }

    fn unknown(&self, key: &str) -> String {
        let (section, _) = key.rsplit_once('.').unwrap_or(("", key));
        let table = match section {
            "" => Some(&self.defaults),
            _ => lookup(&self.defaults, section).and_then(Value::as_table),
        };
        let known = table
            .map(|t| t.keys().cloned().collect::<Vec<_>>().join(", "))
            .filter(|k| !k.is_empty());
        let hint = match known {
            Some(keys) if section.is_empty() => format!(" (các mục: {keys})"),
            Some(keys) => format!(" (các khóa của [{section}]: {keys})"),
            None => String::new(),
        };
        format!(
            "cấu hình không hợp lệ ({}): không có khóa \"{}\"{hint}",
            self.origin(key),
            domain::error::shorten(key)
        )
    }
}

/// A variable's text as a TOML value when it is one, else as text.
fn toml_value(text: &str) -> Value {
    format!("v = {text}")
        .parse::<Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(text.to_string()))
}

/// Lays `over` onto `base`: tables merge key by key, anything else replaces. Records the
/// dotted key of every value laid.
fn merge(base: &mut Table, over: Table, at: &mut Vec<String>, keys: &mut Vec<String>) {
    for (key, value) in over {
        at.push(key.clone());
        keys.push(at.join("."));
        match (base.get_mut(&key), value) {
            (Some(Value::Table(inner)), Value::Table(value)) => merge(inner, value, at, keys),
            (_, value) => {
                base.insert(key, value);
            }
        }
        at.pop();
    }
}

/// Sets the value at `path`, making the tables on the way (replacing a non-table in the way).
fn set(table: &mut Table, path: &[String], value: Value) {
    let (last, up) = path.split_last().expect("a variable names a key");
    let mut here = table;
    for key in up {
        let entry = here
            .entry(key.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        here = entry.as_table_mut().expect("made a table just above");
    }
    here.insert(last.clone(), value);
}

fn lookup<'a>(table: &'a Table, dotted: &str) -> Option<&'a Value> {
    let mut parts = dotted.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// "không đúng cú pháp TOML ở dòng 3, cột 8: «[server»": the place and the line as written
/// (shortened), not the parser's English.
fn syntax_error(file: &str, text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let at = (0..=at)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_no = text[..at].matches('\n').count() + 1;
    let column = text[line_start..at].chars().count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("").trim_end();
    format!(
        "tệp cấu hình \"{file}\" không đúng cú pháp TOML ở dòng {line_no}, cột {column}: «{}» \
         (mục viết [tên], khóa viết tên = giá trị, chuỗi đặt trong dấu ngoặc kép)",
        domain::error::shorten(line)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize)]
    struct Config {
        server: Server,
        #[serde(default)]
        notify: Notify,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Server {
        #[serde(deserialize_with = "crate::server::listen_address")]
        listen: std::net::SocketAddr,
        #[serde(default)]
        token: Option<String>,
        hours: u32,
    }

    #[derive(Debug, Default, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Notify {
        #[serde(default)]
        hooks: Vec<Hook>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Hook {
        url: String,
    }

    fn defaults() -> Config {
        Config {
            server: Server {
                listen: "127.0.0.1:8080".parse().unwrap(),
                token: None,
                hours: 10,
            },
            notify: Notify::default(),
        }
    }

    fn load(file: Option<&str>, vars: &[(&str, &str)]) -> Result<Config, String> {
        let mut layers = Layers::new(&defaults())?;
        if let Some(text) = file {
            let dir = std::env::temp_dir().join(format!("motcua-layers-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{:x}.toml", text.len() * 31 + vars.len()));
            std::fs::write(&path, text).unwrap();
            layers.file(&path)?;
        }
        layers.variables(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        )?;
        layers.extract()
    }

    #[test]
    fn variables_override_the_file_which_overrides_the_defaults() {
        let c = load(None, &[]).unwrap();
        assert_eq!((c.server.listen.port(), c.server.hours), (8080, 10));
        let c = load(Some("[server]\nhours = 8\n"), &[]).unwrap();
        assert_eq!((c.server.listen.port(), c.server.hours), (8080, 8));
        let c = load(
            Some("[server]\nhours = 8\n"),
            &[
                ("MOTCUA_SERVER__HOURS", "12"),
                ("MOTCUA_SERVER__LISTEN", "0.0.0.0:80"),
                (
                    "MOTCUA_NOTIFY__HOOKS",
                    r#"[{ url = "https://chat.example/1" }]"#,
                ),
                // Not keys: the log filter and a secret named by the configuration.
                ("MOTCUA_LOG", "debug"),
                ("MOTCUA_KY_PIN", "1234"),
                ("HOME", "/root"),
            ],
        )
        .unwrap();
        assert_eq!((c.server.listen.port(), c.server.hours), (80, 12));
        assert_eq!(c.notify.hooks[0].url, "https://chat.example/1");
    }

    #[test]
    fn a_variable_of_digits_is_text_where_text_is_wanted() {
        let c = load(None, &[("MOTCUA_SERVER__TOKEN", "1234567890123456")]).unwrap();
        assert_eq!(c.server.token.as_deref(), Some("1234567890123456"));
        let c = load(None, &[("MOTCUA_SERVER__TOKEN", "[1, 2]")]).unwrap();
        assert_eq!(c.server.token.as_deref(), Some("[1, 2]"));
    }

    #[test]
    fn a_key_nobody_reads_is_refused_with_where_it_is_and_the_keys_there_are() {
        let e = load(Some("[server]\nlistn = \"1.2.3.4:5\"\n"), &[]).unwrap_err();
        assert!(
            e.contains("server.listn: trường \"listn\" không được phép"),
            "{e}"
        );
        assert!(
            e.contains("các trường hợp lệ: \"listen\", \"token\", \"hours\""),
            "{e}"
        );
        assert!(e.contains("tệp cấu hình"), "{e}");
        let e = load(None, &[("MOTCUA_SERVR__LISTEN", "1.2.3.4:5")]).unwrap_err();
        assert!(e.contains("biến môi trường MOTCUA_SERVR__LISTEN"), "{e}");
        assert!(
            e.contains("không có khóa \"servr\" (các mục: notify, server)"),
            "{e}"
        );
        let e = load(Some("[notify]\nhoks = []\n"), &[]).unwrap_err();
        assert!(
            e.contains("notify.hoks: trường \"hoks\" không được phép"),
            "{e}"
        );
        let e = load(None, &[("MOTCUA_NOTIFY__HOKS", "[]")]).unwrap_err();
        assert!(e.contains("biến môi trường MOTCUA_NOTIFY__HOKS"), "{e}");
        let e = load(None, &[("MOTCUA_NOTIFY__", "x")]).unwrap_err();
        assert!(
            e.contains("(biến môi trường MOTCUA_NOTIFY__): tên biến phải nêu mục"),
            "{e}"
        );
    }

    #[test]
    fn a_wrong_value_names_its_key_and_its_layer_in_vietnamese() {
        let e = load(Some("[server]\nhours = \"mười\"\n"), &[]).unwrap_err();
        assert!(e.contains("server.hours: sai kiểu dữ liệu"), "{e}");
        assert!(!e.contains("invalid") && !e.contains("expected"), "{e}");
        let e = load(None, &[("MOTCUA_SERVER__LISTEN", "abc")]).unwrap_err();
        assert!(e.contains("biến môi trường MOTCUA_SERVER__LISTEN"), "{e}");
        assert!(e.contains("server.listen"), "{e}");
        assert!(e.contains("ví dụ 127.0.0.1:8080"), "{e}");
        let e = load(None, &[("MOTCUA_NOTIFY__HOOKS", r#"[{"url":"x"}]"#)]).unwrap_err();
        assert!(e.contains("notify.hooks: sai kiểu dữ liệu"), "{e}");
        assert!(e.contains("viết theo TOML"), "{e}");
        assert!(!e.contains(" in "), "{e}");
        let e = load(None, &[("MOTCUA_NOTIFY__HOOKS", r#"[{ uri = "x" }]"#)]).unwrap_err();
        assert!(
            e.contains("(biến môi trường MOTCUA_NOTIFY__HOOKS): notify.hooks[0]"),
            "{e}"
        );
        let e = load(Some("[server]\nlisten = 5\n"), &[]).unwrap_err();
        assert!(e.contains("server.listen: sai kiểu dữ liệu"), "{e}");
    }

    #[test]
    fn a_file_that_is_not_toml_is_shown_where_it_breaks() {
        let e = load(Some("# cấu hình\n[server\nhours = 8\n"), &[]).unwrap_err();
        assert!(e.contains("dòng 2"), "{e}");
        assert!(e.contains("«[server»"), "{e}");
        assert!(!e.contains("invalid table header"), "{e}");
        let e = load(Some("[server]\nhours = ngày\n"), &[]).unwrap_err();
        assert!(e.contains("dòng 2, cột 9"), "{e}");
    }
}
