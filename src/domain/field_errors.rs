//! A form's errors, one per field, in the order they were found (the order of the form): shown
//! next to each field and summarised at the top of the page with a link to each field.
//!
//! The key is the id of the control the message concerns, so that the summary can link to it
//! (`<a href="#key">`) and the control can point back at its message (`aria-describedby`).

use std::borrow::Cow;

type Key = Cow<'static, str>;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(Key, String)>);

impl FieldErrors {
    /// Records the first message for `field`; a later one for the same field is dropped, so the
    /// physician reads one problem per field, the first in the form's own order.
    pub fn add(&mut self, field: impl Into<Key>, message: impl Into<String>) {
        let field = field.into();
        if !self.has(&field) {
            self.0.push((field, message.into()));
        }
    }

    /// Appends a message even when `field` has one already: a list of problems that all point
    /// at one place (the unmet requirements point at the requirement table).
    pub fn push(&mut self, field: impl Into<Key>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    /// One message for `field` (convenience for a form that reports one problem at a time).
    pub fn one(field: impl Into<Key>, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(k, _)| k == field)
    }

    /// Whether any of `fields` has a message (a section with several controls).
    pub fn any_of(&self, fields: &[&str]) -> bool {
        fields.iter().any(|f| self.has(f))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every message, in the order found.
    pub fn messages(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(_, v)| v.as_str())
    }

    /// (field id, message) pairs in the order found: the summary at the top of the page.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v.as_str()))
    }

    /// The messages about `field`, in the order found (a list shown beside one place).
    pub fn all(&self, field: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == field).map(|(_, v)| v.as_str()).collect()
    }

    pub fn merge(&mut self, other: FieldErrors) {
        for (k, v) in other.0 {
            if !self.has(&k) {
                self.0.push((k, v));
            }
        }
    }
}

/// The prefix of the page title when a form came back with errors, so that a screen reader
/// announces the problem first and a tab strip shows it.
pub const TITLE_PREFIX: &str = "入力内容を確認してください";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_found_and_the_first_message_per_field() {
        let mut e = FieldErrors::default();
        e.add("units", "単位数は数字で入力してください（例：1.5）。");
        e.add("attended_on", "受講日を「2024-05-10」のように入力してください。");
        e.add("units", "second message for the same field");
        let entries: Vec<_> = e.entries().collect();
        assert_eq!(
            entries,
            vec![
                ("units", "単位数は数字で入力してください（例：1.5）。"),
                ("attended_on", "受講日を「2024-05-10」のように入力してください。"),
            ]
        );
        assert_eq!(e.len(), 2);
        assert!(e.any_of(&["x", "attended_on"]));
        assert!(!e.any_of(&["x", "y"]));
    }

    #[test]
    fn merge_keeps_existing_messages() {
        let mut a = FieldErrors::one("file", "first");
        let mut b = FieldErrors::one("file", "second");
        b.add("note", "note");
        a.merge(b);
        assert_eq!(a.get("file"), Some("first"));
        assert_eq!(a.get("note"), Some("note"));
        assert!(FieldErrors::default().is_empty());
    }

    #[test]
    fn push_keeps_every_message_for_one_place() {
        let mut e = FieldErrors::default();
        e.push("check-heading", "更新 1単位");
        e.push("check-heading", "合計 20単位");
        e.add("check-heading", "dropped: add keeps the first");
        e.add(format!("credit-file-{}", 7), "ファイルが大きすぎます。");
        assert_eq!(e.all("check-heading"), vec!["更新 1単位", "合計 20単位"]);
        assert_eq!(e.get("credit-file-7"), Some("ファイルが大きすぎます。"));
        assert_eq!(e.len(), 3);
    }
}
