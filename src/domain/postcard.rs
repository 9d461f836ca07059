//! The member's postcard (はがき) and its initial password (issue 12 §8): the password exists in
//! clear only while the postcards are printed; the portal keeps its argon2id hash and when it
//! stops working. Printing a batch again is a reissue: new passwords, the earlier ones void.

use chrono::{DateTime, Duration, TimeZone};

/// How long a printed initial password works (*assumed*: a quarter, long enough for the post
/// and a physician who opens the mail late; the association reissues after that).
pub const INITIAL_PASSWORD_VALID_DAYS: i64 = 90;

/// When a password printed at `issued_at` stops working.
pub fn expires_at<Tz: TimeZone>(issued_at: DateTime<Tz>) -> DateTime<Tz> {
    issued_at + Duration::days(INITIAL_PASSWORD_VALID_DAYS)
}

/// Where a member's initial password stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitialPassword {
    /// Imported, postcard not printed yet: no password anyone knows.
    NotIssued,
    /// Printed and still within its validity.
    Valid,
    /// Printed, but the validity has passed: the association must reissue.
    Expired,
}

impl InitialPassword {
    /// From the postcard's stored expiry (None: never printed).
    pub fn at<Tz: TimeZone>(expires_at: Option<DateTime<Tz>>, now: DateTime<Tz>) -> Self {
        match expires_at {
            None => InitialPassword::NotIssued,
            Some(until) if now < until => InitialPassword::Valid,
            Some(_) => InitialPassword::Expired,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InitialPassword::NotIssued => "未印刷",
            InitialPassword::Valid => "有効",
            InitialPassword::Expired => "期限切れ",
        }
    }
}

/// What printing a batch's postcards does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printing {
    /// None of the batch's postcards was printed yet: the first passwords are issued.
    First,
    /// Some were printed already: new passwords replace them, and the earlier postcards stop
    /// working. Asks for confirmation first.
    Reissue,
}

impl Printing {
    /// From how many of the batch's waiting postcards were printed before.
    pub fn for_batch(already_printed: usize) -> Self {
        if already_printed == 0 {
            Printing::First
        } else {
            Printing::Reissue
        }
    }

    /// The audit action recorded.
    pub fn audit_action(self) -> &'static str {
        match self {
            Printing::First => "members.postcards_issued",
            Printing::Reissue => "members.postcards_reissued",
        }
    }
}

/// The sign-in page's answer for a correct but expired initial password.
pub const EXPIRED_MESSAGE: &str = "はがきの初期パスワードの有効期限が過ぎています。お手数ですが、ご所属の医師会にご連絡いただき、はがきの再発行をお申し付けください。";

/// The sign-in page's answer for the password of a postcard that was reissued.
pub const REISSUED_MESSAGE: &str = "このはがきのパスワードは、はがきの再発行により使えなくなりました。新しいはがきのパスワードでログインしてください。お手元にない場合は、ご所属の医師会にご連絡ください。";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_jst;

    #[test]
    fn a_password_works_for_ninety_days_from_printing() {
        let issued = parse_jst("2025-04-07T10:00:00").unwrap();
        assert_eq!(expires_at(issued), parse_jst("2025-07-06T10:00:00").unwrap());
        let until = Some(expires_at(issued));
        let table = [
            ("2025-04-07T10:00:00", InitialPassword::Valid),
            ("2025-07-06T09:59:59", InitialPassword::Valid),
            ("2025-07-06T10:00:00", InitialPassword::Expired),
            ("2026-01-01T00:00:00", InitialPassword::Expired),
        ];
        for (now, expected) in table {
            assert_eq!(InitialPassword::at(until, parse_jst(now).unwrap()), expected, "{now}");
        }
        let now = parse_jst("2025-04-07T10:00:00").unwrap();
        assert_eq!(InitialPassword::at(None, now), InitialPassword::NotIssued);
    }

    #[test]
    fn printing_again_is_a_reissue() {
        let table = [(0, Printing::First), (1, Printing::Reissue), (500, Printing::Reissue)];
        for (printed, expected) in table {
            assert_eq!(Printing::for_batch(printed), expected, "{printed}");
        }
        assert_ne!(Printing::First.audit_action(), Printing::Reissue.audit_action());
    }

    #[test]
    fn labels_are_japanese() {
        for state in [InitialPassword::NotIssued, InitialPassword::Valid, InitialPassword::Expired]
        {
            assert!(!state.label().is_ascii());
        }
        assert!(EXPIRED_MESSAGE.contains("医師会にご連絡"));
        assert!(REISSUED_MESSAGE.contains("医師会にご連絡"));
    }
}
