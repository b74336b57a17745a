//! The language of the words a person reads (hours lines, refusals, review findings,
//! notes), and [`Text`]: a message written in both languages where it is made, and put
//! into one language only when an answer is written ([`crate::http::lang`] chooses which).
//!
//! # Design
//! Each message is composed twice at its source, in English and in Chinese, with the same
//! arguments: a parameter, field, layer or id stays as it is inside the Chinese sentence
//! (`参数 "k"：…`), and codes never change. A translation table from English sentences to
//! Chinese ones, applied on the way out, was rejected: it breaks silently each time a
//! sentence is reworded. [`text!`](crate::text) checks at compile time that every Chinese
//! sentence has Chinese in it, so a message copied without its translation does not build.

use std::fmt;

/// The language of the words a person reads: Chinese or English. Which one a request gets
/// is decided in one place, [`crate::http::lang`] (its default there too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// A language tag (`zh`, `zh-CN`, `en`, `en-GB`, any case) by its primary subtag; None
    /// for any other language.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first language we speak in an `Accept-Language` value, by its weights (`q`,
    /// default 1; ties in the order given); None when it names neither.
    pub fn from_accept_language(value: &str) -> Option<Lang> {
        let mut best: Option<(f64, Lang)> = None;
        for item in value.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = Lang::from_tag(parts.next().unwrap_or("")) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f64>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// Its code in answers: `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// Words in English and Chinese; [`Text::get`] picks one. `Display` is the English (logs,
/// the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    en: String,
    zh: String,
}

impl Text {
    /// The same message in English and in Chinese. Prefer [`text!`](crate::text), which checks
    /// the Chinese at compile time.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Text {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// A message made by `f` once per language: for one that embeds other [`Text`]s
    /// (`f(lang)` takes each in that language).
    pub fn each(f: impl Fn(Lang) -> String) -> Self {
        Text {
            en: f(Lang::En),
            zh: f(Lang::Zh),
        }
    }

    /// The words in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    /// The English words.
    pub fn en(&self) -> &str {
        &self.en
    }

    /// The Chinese words.
    pub fn zh(&self) -> &str {
        &self.zh
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// Whether `s` holds a CJK ideograph (U+4E00..U+9FFF, three bytes in UTF-8 led by 0xE4..0xE9).
/// `const`, so that [`text!`](crate::text) can refuse a Chinese sentence without Chinese
/// when the crate is built.
pub const fn has_cjk(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] >= 0xE4 && b[i] <= 0xE9 {
            return true;
        }
        i += 1;
    }
    false
}

/// A [`Text`] from an English and a Chinese format string with the same arguments (inline
/// `{name}` captures or trailing arguments, as in `format!`): `text!("{v} is out of range",
/// "{v} 超出范围")`. The Chinese must hold Chinese: checked at compile time.
#[macro_export]
macro_rules! text {
    ($en:literal, $zh:literal $(,)?) => {{
        const _: () = assert!(
            $crate::lang::has_cjk($zh),
            "text!: the Chinese has no Chinese in it"
        );
        $crate::lang::Text::new(format!($en), format!($zh))
    }};
    ($en:literal, $zh:literal, $($arg:expr),+ $(,)?) => {{
        const _: () = assert!(
            $crate::lang::has_cjk($zh),
            "text!: the Chinese has no Chinese in it"
        );
        $crate::lang::Text::new(format!($en, $($arg),+), format!($zh, $($arg),+))
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_is_found_in_chinese_and_not_in_english() {
        assert!(has_cjk("参数 \"k\"：必须是整数"));
        assert!(has_cjk("stop 站"));
        assert!(!has_cjk("parameter \"k\": 12 m, é, ü, —"));
        assert!(!has_cjk("："));
    }

    #[test]
    fn text_picks_its_language_and_shows_english() {
        let k = 7;
        let t = crate::text!("{k} is too many", "{k} 太多了");
        assert_eq!(t.get(Lang::En), "7 is too many");
        assert_eq!(t.get(Lang::Zh), "7 太多了");
        assert_eq!(t.to_string(), "7 is too many");
        let inner = crate::text!("{} and {}", "{}和{}", 1, 2);
        let outer = Text::each(|l| format!("[{}]", inner.get(l)));
        assert_eq!(outer.zh(), "[1和2]");
        assert_eq!(outer.en(), "[1 and 2]");
    }

    #[test]
    fn tags_and_accept_language() {
        assert_eq!(Lang::from_tag("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::from_tag("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(
            Lang::from_accept_language("fr, en;q=0.5, zh;q=0.9"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("de"), None);
    }
}
