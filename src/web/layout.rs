//! What the base layout needs on every page: the signed-in user's menu and the CSRF token.

use crate::db::accounts::CurrentAccount;
use crate::domain::policy::{allows, Action};

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

pub struct NavUser {
    pub display_name: String,
    pub role_label: &'static str,
    pub association: Option<String>,
    pub links: Vec<NavLink>,
}

pub struct Layout {
    pub user: Option<NavUser>,
    /// (staff name, physician name) while entering data for a physician.
    pub proxy: Option<(String, String)>,
    pub csrf: String,
    /// A one-off notice shown at the top of the page.
    pub notice: Option<String>,
}

impl Layout {
    pub fn anonymous() -> Self {
        Layout { user: None, proxy: None, csrf: String::new(), notice: None }
    }

    pub fn new(user: Option<&CurrentAccount>, csrf: &str) -> Self {
        Layout { user: user.map(nav_for), proxy: None, csrf: csrf.to_string(), notice: None }
    }

    pub fn with_proxy(mut self, staff: &str, physician: &str) -> Self {
        self.proxy = Some((staff.to_string(), physician.to_string()));
        self
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }
}

fn nav_for(user: &CurrentAccount) -> NavUser {
    let actor = user.actor();
    let mut links = vec![NavLink { href: user.role.home_path(), label: "ホーム" }];
    if allows(&actor, Action::ManageMaintenance) {
        links.push(NavLink { href: "/admin/maintenance", label: "停止予定" });
    }
    if allows(&actor, Action::ManageAnnouncements) {
        links.push(NavLink { href: "/admin/announcements", label: "お知らせ" });
    }
    if allows(&actor, Action::UnlockLogins) {
        links.push(NavLink { href: "/admin/logins", label: "ログイン制限の解除" });
    }
    if allows(&actor, Action::ViewAuditLog) {
        links.push(NavLink { href: "/audit", label: "操作履歴" });
    }
    links.push(NavLink { href: "/account/password", label: "パスワード変更" });
    NavUser {
        display_name: user.display_name.clone(),
        role_label: user.role.label(),
        association: user.association.as_ref().map(|a| a.name.clone()),
        links,
    }
}

/// One <option> of the prefecture select.
pub struct PrefectureOption {
    pub code: i16,
    pub name: &'static str,
    pub selected: bool,
}

pub fn prefecture_options(selected: &str) -> Vec<PrefectureOption> {
    let selected = crate::domain::prefecture::parse(selected);
    crate::domain::prefecture::NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let code = i as i16 + 1;
            PrefectureOption { code, name, selected: selected == Some(code) }
        })
        .collect()
}
