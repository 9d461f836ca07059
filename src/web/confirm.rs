//! The page of its own on which a destructive action is confirmed: what will be lost, one red
//! button that says what it does, and a way back. The POST it sends carries `confirm=yes`; a
//! POST without it (a stale form, a double click on an old page, a crafted request) changes
//! nothing and lands on this page.

use askama::Template;
use serde::Deserialize;

use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub title: String,
    /// One sentence: what this will do, to what.
    pub lead: String,
    /// What will be lost, one line each.
    pub lost: Vec<String>,
    pub note: Option<String>,
    /// Where the confirming POST goes.
    pub action: String,
    pub button: String,
    pub cancel_href: String,
    pub cancel_label: String,
}

/// The confirming POST's body.
#[derive(Default, Deserialize)]
pub struct Confirmed {
    #[serde(default)]
    confirm: String,
}

impl Confirmed {
    pub fn yes(&self) -> bool {
        self.confirm == "yes"
    }
}
