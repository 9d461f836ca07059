//! How long a signed-in session lasts: 30 minutes without activity, 12 hours at most.

use chrono::Duration;

use crate::clock::Jst;

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// The last-seen time is written back at most this often (a session write per request would
/// cost a database round trip on every page).
pub const TOUCH_INTERVAL: Duration = Duration::minutes(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Idle,
    Absolute,
}

pub fn expired(login_at: Jst, last_seen: Jst, now: Jst) -> Option<Expiry> {
    if now - login_at >= ABSOLUTE_TIMEOUT {
        Some(Expiry::Absolute)
    } else if now - last_seen >= IDLE_TIMEOUT {
        Some(Expiry::Idle)
    } else {
        None
    }
}

pub fn needs_touch(last_seen: Jst, now: Jst) -> bool {
    now - last_seen >= TOUCH_INTERVAL
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_jst;

    #[test]
    fn idle_and_absolute_limits() {
        let t0 = parse_jst("2025-04-07 09:00").unwrap();
        assert_eq!(expired(t0, t0, t0 + Duration::minutes(29)), None);
        assert_eq!(expired(t0, t0, t0 + Duration::minutes(30)), Some(Expiry::Idle));
        let busy = t0 + Duration::hours(11) + Duration::minutes(59);
        assert_eq!(expired(t0, busy, busy), None);
        let late = t0 + Duration::hours(12);
        assert_eq!(expired(t0, late, late), Some(Expiry::Absolute));
    }

    #[test]
    fn touches_once_a_minute() {
        let t0 = parse_jst("2025-04-07 09:00").unwrap();
        assert!(!needs_touch(t0, t0 + Duration::seconds(59)));
        assert!(needs_touch(t0, t0 + Duration::seconds(60)));
    }
}
