//! The states of the smaller records staff work through, each an enum stored as its text code
//! (`db::text_enum`): certifications, identity change requests, certification link reviews,
//! seminar reports and missing-credit reports. Their transitions are single steps (open → decided), written in the
//! `db/` statements that lock the row; the web layer compares these, never strings.

use super::terms::Standing;

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

        /// Rows aggregated as JSON by the database carry the stored code.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::from_code(&code).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {} code {code:?}", stringify!($name)))
                })
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
    /// 認定 (certifications.status): in force, or ended by revocation or withdrawal.
    CertificationStatus { Active => "active", Revoked => "revoked", Withdrawn => "withdrawn" }
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

impl ChangeRequestStatus {
    /// As the physician and the staff read it.
    pub fn label(self) -> &'static str {
        match self {
            ChangeRequestStatus::Pending => "審査中",
            ChangeRequestStatus::Approved => "承認されました",
            ChangeRequestStatus::Rejected => "承認されませんでした",
            ChangeRequestStatus::Withdrawn => "取り下げました",
        }
    }
}

impl LinkReviewStatus {
    pub fn label(self) -> &'static str {
        match self {
            LinkReviewStatus::Open => "確認待ち",
            LinkReviewStatus::Linked => "紐付け済み",
            LinkReviewStatus::Rejected => "紐付けない（却下）",
        }
    }
}

impl CertificationStatus {
    pub fn label(self) -> &'static str {
        match self {
            CertificationStatus::Active => "有効",
            CertificationStatus::Revoked => "取消し",
            CertificationStatus::Withdrawn => "辞退",
        }
    }

    /// A term of this certification as it stands on a day, for the staff's record page.
    pub fn term_label(self, standing: Standing) -> &'static str {
        match (self, standing) {
            (CertificationStatus::Active, Standing::InForce) => "有効（現在の有効期間）",
            (CertificationStatus::Active, Standing::NotStarted) => "これから（承認済み）",
            (CertificationStatus::Active, Standing::Expired) => "終了",
            (CertificationStatus::Revoked | CertificationStatus::Withdrawn, _) => "無効",
        }
    }

    /// The certification as it stands on a day, for the physician's my page.
    pub fn standing_label(self, standing: Standing) -> &'static str {
        match (self, standing) {
            (CertificationStatus::Active, Standing::InForce) => "有効",
            (CertificationStatus::Active, Standing::NotStarted) => "有効期間の開始前",
            (CertificationStatus::Active, Standing::Expired) => "期限切れ",
            (CertificationStatus::Revoked | CertificationStatus::Withdrawn, _) => "無効",
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
        for s in CertificationStatus::ALL {
            assert_eq!(CertificationStatus::from_code(s.code()), Some(*s));
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(serde_json::from_str::<CertificationStatus>(&json).unwrap(), *s);
        }
        assert!(serde_json::from_str::<CertificationStatus>("\"suspended\"").is_err());
        for s in ReportStatus::ALL {
            assert_eq!(ReportStatus::from_code(s.code()), Some(*s));
        }
        for s in MissingReportStatus::ALL {
            assert_eq!(MissingReportStatus::from_code(s.code()), Some(*s));
        }
        assert_eq!(ReportStatus::from_code("open"), None);
    }
}
