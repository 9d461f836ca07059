//! Login throttling: too many failures lock a login ID (or an address) for a while. The same
//! rule applies whether or not the login ID exists, so the lock reveals nothing.

use chrono::Duration;

use crate::clock::Jst;

pub const MAX_FAILURES_PER_LOGIN_ID: i32 = 5;
/// Higher than per ID: a hospital's staff may share one address.
pub const MAX_FAILURES_PER_IP: i32 = 20;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
pub const LOCK_DURATION: Duration = Duration::minutes(15);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counter {
    pub failures: i32,
    pub first_failure_at: Jst,
    pub locked_until: Option<Jst>,
}

pub fn is_locked(counter: Option<&Counter>, now: Jst) -> bool {
    counter.and_then(|c| c.locked_until).is_some_and(|until| now < until)
}

/// The counter after one more failure. Failures older than the window, or from before an
/// expired lock, start a fresh count.
pub fn after_failure(counter: Option<Counter>, now: Jst, limit: i32) -> Counter {
    let fresh = Counter { failures: 1, first_failure_at: now, locked_until: None };
    let mut next = match counter {
        Some(c) if c.locked_until.is_some_and(|u| now >= u) => fresh,
        Some(c) if now - c.first_failure_at > FAILURE_WINDOW && !is_locked(Some(&c), now) => fresh,
        Some(c) => Counter { failures: c.failures + 1, ..c },
        None => fresh,
    };
    if next.failures >= limit && next.locked_until.is_none() {
        next.locked_until = Some(now + LOCK_DURATION);
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_jst;

    fn t0() -> Jst {
        parse_jst("2025-04-10 10:00").unwrap()
    }

    #[test]
    fn fifth_failure_locks_for_fifteen_minutes() {
        let mut c = None;
        for i in 1..=4 {
            let next = after_failure(c, t0() + Duration::seconds(i), MAX_FAILURES_PER_LOGIN_ID);
            assert!(!is_locked(Some(&next), t0() + Duration::seconds(i)), "locked after {i}");
            c = Some(next);
        }
        let locked = after_failure(c, t0() + Duration::seconds(5), MAX_FAILURES_PER_LOGIN_ID);
        assert!(is_locked(Some(&locked), t0() + Duration::minutes(14)));
        assert!(!is_locked(Some(&locked), t0() + Duration::minutes(16)));
    }

    #[test]
    fn old_failures_are_forgotten() {
        let c = after_failure(None, t0(), 5);
        let c = after_failure(Some(c), t0() + Duration::minutes(1), 5);
        let later = after_failure(Some(c), t0() + Duration::minutes(30), 5);
        assert_eq!(later.failures, 1);
    }

    #[test]
    fn failure_after_lock_expiry_starts_over() {
        let mut c = None;
        for _ in 0..5 {
            c = Some(after_failure(c, t0(), 5));
        }
        let after = after_failure(c, t0() + Duration::minutes(20), 5);
        assert_eq!(after.failures, 1);
        assert!(after.locked_until.is_none());
    }
}
