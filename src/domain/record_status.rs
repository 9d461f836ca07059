//! The states of the smaller records staff work through, each an enum stored as its text code
//! (`db::text_enum`): identity change requests, certification link reviews, seminar reports and
//! missing-credit reports. Their transitions are single steps (open → decided), written in the
//! `db/` statements that lock the row; the web layer compares these, never strings.

macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|s| s.code() == code)
            }
        }

        /// Audit entries carry the stored code.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }
    };
}

coded!(
    /// 登録情報の変更申請 (change_requests.status).
    ChangeRequestStatus { Pending => "pending", Approved => "approved", Rejected => "rejected", Withdrawn => "withdrawn" }
);
coded!(
    /// 紐付けの確認 (link_reviews.status).
    LinkReviewStatus { Open => "open", Linked => "linked", Rejected => "rejected" }
);
coded!(
    /// 開催報告 (seminar_reports.status).
    ReportStatus { Submitted => "submitted", Returned => "returned", Confirmed => "confirmed" }
);
coded!(
    /// 単位未反映の問い合わせ (missing_credit_reports.status).
    MissingReportStatus { Open => "open", Closed => "closed" }
);

impl ReportStatus {
    pub fn label(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "提出済み（都道府県医師会の確認待ち）",
            ReportStatus::Returned => "差し戻し（修正して再提出してください）",
            ReportStatus::Confirmed => "確認済み",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in ChangeRequestStatus::ALL {
            assert_eq!(ChangeRequestStatus::from_code(s.code()), Some(*s));
        }
        for s in LinkReviewStatus::ALL {
            assert_eq!(LinkReviewStatus::from_code(s.code()), Some(*s));
        }
        for s in ReportStatus::ALL {
            assert_eq!(ReportStatus::from_code(s.code()), Some(*s));
        }
        for s in MissingReportStatus::ALL {
            assert_eq!(MissingReportStatus::from_code(s.code()), Some(*s));
        }
        assert_eq!(ReportStatus::from_code("open"), None);
    }
}
