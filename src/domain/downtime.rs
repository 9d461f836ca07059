//! Maintenance windows (DOMAIN §8): during a window the portal refuses service and says when
//! it returns.

use chrono::Duration;

use crate::clock::{format_jp_datetime, Jst};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub id: i64,
    pub starts_at: Jst,
    pub ends_at: Jst,
    pub reason: String,
}

impl Window {
    pub fn contains(&self, at: Jst) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

/// When service resumes if `now` falls in a window; windows that overlap or touch are followed
/// through, so the answer is the first moment no window covers.
pub fn resume_at(windows: &[Window], now: Jst) -> Option<Jst> {
    let mut resume = windows.iter().filter(|w| w.contains(now)).map(|w| w.ends_at).max()?;
    loop {
        let extended = windows
            .iter()
            .filter(|w| w.starts_at <= resume && w.ends_at > resume)
            .map(|w| w.ends_at)
            .max();
        match extended {
            Some(later) => resume = later,
            None => return Some(resume),
        }
    }
}

/// Paths served even inside a window: static files, health checks, and what the administrator
/// needs to end or shorten a window (their own sign-in page and pages). Everyone else's
/// `/login` stays closed.
pub fn open_during_maintenance(path: &str) -> bool {
    path.starts_with("/static/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/admin"
        || path.starts_with("/admin/")
}

/// Seconds for `Retry-After`, rounded up, at least 1.
pub fn retry_after_seconds(now: Jst, resume: Jst) -> i64 {
    let millis = (resume - now).num_milliseconds().max(0);
    ((millis + 999) / 1000).max(1)
}

/// 「2025年4月7日 0:00 に再開します」
pub fn resume_message(resume: Jst) -> String {
    format!("{} に再開します", format_jp_datetime(resume))
}

/// Windows not yet over, soonest first (for the login page's notices).
pub fn current_and_upcoming(windows: &[Window], now: Jst) -> Vec<&Window> {
    let mut list: Vec<&Window> = windows.iter().filter(|w| w.ends_at > now).collect();
    list.sort_by_key(|w| w.starts_at);
    list
}

/// A window that starts now or has already started stops the portal the moment it is saved:
/// the administrator must confirm it, told what will happen.
pub fn immediate_effect(starts_at: Jst, ends_at: Jst, now: Jst) -> Option<String> {
    (starts_at <= now).then(|| {
        format!(
            "この停止予定は、登録した時点ですぐに始まります。{} まで、医師・事務局・研修会主催者の\
             すべての画面とログインが使えなくなります（ログイン中の方も操作できなくなります）。\
             システム管理者は停止中も管理者用ログイン（/admin/login）から停止予定を変更・削除できます。",
            format_jp_datetime(ends_at)
        )
    })
}

/// A window must end after it starts and may not be absurdly long (a typing error).
pub fn validate(starts_at: Jst, ends_at: Jst) -> Result<(), &'static str> {
    if ends_at <= starts_at {
        return Err("終了日時は開始日時より後にしてください。");
    }
    if ends_at - starts_at > Duration::days(31) {
        return Err("停止期間は31日以内にしてください。");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn windows_starting_now_or_earlier_need_confirmation() {
        let now = crate::clock::parse_jst("2025-05-10 10:00").unwrap();
        let end = now + Duration::hours(2);
        for (start, needs) in
            [(now - Duration::hours(1), true), (now, true), (now + Duration::minutes(1), false)]
        {
            assert_eq!(super::immediate_effect(start, end, now).is_some(), needs, "{start}");
        }
        let text = super::immediate_effect(now, end, now).unwrap();
        assert!(text.contains("2025年5月10日 12:00 まで"), "{text}");
    }

    use super::*;
    use crate::clock::parse_jst;

    fn at(text: &str) -> Jst {
        parse_jst(text).unwrap()
    }

    fn seeded() -> Vec<Window> {
        vec![
            Window {
                id: 1,
                starts_at: at("2025-01-17 19:00"),
                ends_at: at("2025-01-20 09:30"),
                reason: "メンテナンス".into(),
            },
            Window {
                id: 2,
                starts_at: at("2025-03-30 00:00"),
                ends_at: at("2025-04-07 00:00"),
                reason: "全機能停止".into(),
            },
        ]
    }

    #[test]
    fn full_stop_covers_march_30_to_april_6_inclusive() {
        let w = seeded();
        assert_eq!(resume_at(&w, at("2025-03-29 23:59:59")), None);
        assert_eq!(resume_at(&w, at("2025-03-30 00:00")), Some(at("2025-04-07 00:00")));
        assert_eq!(resume_at(&w, at("2025-04-06 23:59:59")), Some(at("2025-04-07 00:00")));
        assert_eq!(resume_at(&w, at("2025-04-07 00:00")), None);
    }

    #[test]
    fn announced_window_edges() {
        let w = seeded();
        assert_eq!(resume_at(&w, at("2025-01-17 18:59:59")), None);
        assert_eq!(resume_at(&w, at("2025-01-17 19:00")), Some(at("2025-01-20 09:30")));
        assert_eq!(resume_at(&w, at("2025-01-20 09:30")), None);
    }

    #[test]
    fn chained_windows_resume_at_the_last_end() {
        let mut w = seeded();
        w.push(Window {
            id: 3,
            starts_at: at("2025-04-07 00:00"),
            ends_at: at("2025-04-07 06:00"),
            reason: "延長".into(),
        });
        assert_eq!(resume_at(&w, at("2025-04-01 12:00")), Some(at("2025-04-07 06:00")));
    }

    #[test]
    fn message_and_retry_after() {
        let resume = at("2025-04-07 00:00");
        assert_eq!(resume_message(resume), "2025年4月7日 0:00 に再開します");
        assert_eq!(retry_after_seconds(at("2025-04-06 23:00"), resume), 3600);
        assert_eq!(retry_after_seconds(resume, resume), 1);
    }

    #[test]
    fn upcoming_excludes_past_windows_and_sorts() {
        let w = seeded();
        let list = current_and_upcoming(&w, at("2025-02-01 00:00"));
        assert_eq!(list.iter().map(|w| w.id).collect::<Vec<_>>(), vec![2]);
        let list = current_and_upcoming(&w, at("2025-01-01 00:00"));
        assert_eq!(list.iter().map(|w| w.id).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn validation() {
        assert!(validate(at("2025-01-02"), at("2025-01-01")).is_err());
        assert!(validate(at("2025-01-01"), at("2025-03-01")).is_err());
        assert!(validate(at("2025-01-01"), at("2025-01-02")).is_ok());
    }
}
