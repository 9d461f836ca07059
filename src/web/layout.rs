//! What the base layout needs on every page: the signed-in user's menu and the CSRF token.

use crate::clock::{format_jp_datetime, Jst};
use crate::db::{self, accounts::CurrentAccount};
use crate::domain::downtime::current_and_upcoming;
use crate::domain::policy::{allows, Action};
use crate::error::AppResult;
use crate::state::AppState;

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
    /// The administrators' announcements and planned stops, shown on the signed-in home pages
    /// as on the login page.
    pub announcements: Vec<NoticeView>,
}

/// One announcement or planned stop (システム管理者からのお知らせ).
pub struct NoticeView {
    pub title: String,
    pub body: String,
}

/// Planned stops (current and upcoming) first, then the announcements in force.
pub async fn site_notices(state: &AppState, now: Jst) -> AppResult<Vec<NoticeView>> {
    let mut list = Vec::new();
    let windows = state.windows.windows(&state.pool).await?;
    for w in current_and_upcoming(&windows, now) {
        list.push(NoticeView {
            title: format!("システム停止の予定（{}）", w.reason),
            body: format!(
                "{} から {} まで、MAMISをご利用いただけません。",
                format_jp_datetime(w.starts_at),
                format_jp_datetime(w.ends_at)
            ),
        });
    }
    for a in db::maintenance::visible_announcements(&state.pool, now).await? {
        list.push(NoticeView { title: a.title, body: a.body });
    }
    Ok(list)
}

impl Layout {
    pub fn anonymous() -> Self {
        Layout {
            user: None,
            proxy: None,
            csrf: String::new(),
            notice: None,
            announcements: Vec::new(),
        }
    }

    pub fn new(user: Option<&CurrentAccount>, csrf: &str) -> Self {
        Layout {
            user: user.map(nav_for),
            proxy: None,
            csrf: csrf.to_string(),
            notice: None,
            announcements: Vec::new(),
        }
    }

    pub fn with_proxy(mut self, staff: &str, physician: &str) -> Self {
        self.proxy = Some((staff.to_string(), physician.to_string()));
        self
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }

    pub fn with_announcements(mut self, announcements: Vec<NoticeView>) -> Self {
        self.announcements = announcements;
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
