//! The actions written to the audit log (`audit_log.action`), each with the Japanese label
//! staff read on /audit. The stored text stays the stable code; this is the one place that
//! knows what each code means.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    AccountCreate,
    AccountEmailChange,
    AccountEmailChangeRequested,
    AccountEmailConfirmationSent,
    AccountEmailVerified,
    AccountPasswordChange,
    AccountPasswordReset,
    AccountPasswordResetRequested,
    AccountPasswordResetThrottled,
    AccountPasswordSetAtFirstLogin,
    AnnouncementCreate,
    AnnouncementDelete,
    ApplicationCreate,
    ApplicationDeclareCredit,
    ApplicationRemoveCredit,
    ApplicationRemoveFile,
    ApplicationResubmit,
    ApplicationSubmit,
    ApplicationUpdate,
    ApplicationUpload,
    ApplicationWithdraw,
    ApplicationReceived,
    ApplicationReturned,
    ApplicationFeeRecorded,
    ApplicationHandbookReceived,
    ApplicationPrefectureApproved,
    ApplicationApproved,
    ApplicationRejected,
    AuthLogin,
    CalendarFeedIssued,
    CalendarFeedRevoked,
    AuthLoginFailed,
    AuthLoginRefusedLocked,
    AuthLoginRefusedPostcard,
    AssociationPresidentChanged,
    AuthLoginUnlocked,
    AuthLogout,
    CertificateUnprintableName,
    CertificationsImport,
    ChangeRequestApprove,
    ChangeRequestCreate,
    ChangeRequestReject,
    ChangeRequestWithdraw,
    CreditsCommit,
    CreditsCorrect,
    CreditsCorrection,
    CreditsEntry,
    CreditsHeldAttach,
    CreditsHeldReject,
    CreditsWithdraw,
    ExportDownload,
    LinkReviewLink,
    LinkReviewReject,
    MaintenanceWindowCreate,
    MaintenanceWindowDelete,
    MembersImport,
    MembersPostcardsCsv,
    MembersPostcardsPrint,
    MembersPostcardsIssued,
    MembersPostcardsReissued,
    MissingCreditAnswer,
    MissingCreditReport,
    PaperCertificateSent,
    PhysicianAcceptTerms,
    PhysicianConfirmDetails,
    PhysicianIdentityChange,
    PhysicianRegistrationCompleted,
    PhysicianSelfRegistration,
    PhysicianUpdateContact,
    PrefectureDeadlineSet,
    ProxyConsentRecorded,
    ProxyConsentRevoked,
    ProxyStart,
    ProxyStop,
    ReceptionChanged,
    RegistrationStart,
    ReviewCycleClosed,
    ReviewCycleReopened,
    SeminarApply,
    SeminarApproved,
    SeminarCancelApplication,
    SeminarPaperEntered,
    SeminarPrefectureApproved,
    SeminarRejected,
    SeminarRemind,
    SeminarResubmitted,
    SeminarReturned,
    SeminarSubmitted,
    SeminarReportConfirm,
    SeminarReportResubmit,
    SeminarReportReturn,
    SeminarReportSubmit,
    WorkPageIssued,
    WorkPageReissued,
    WorkPageRevoked,
}

impl AuditAction {
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::AccountCreate,
        AuditAction::AccountEmailChange,
        AuditAction::AccountEmailChangeRequested,
        AuditAction::AccountEmailConfirmationSent,
        AuditAction::AccountEmailVerified,
        AuditAction::AccountPasswordChange,
        AuditAction::AccountPasswordReset,
        AuditAction::AccountPasswordResetRequested,
        AuditAction::AccountPasswordResetThrottled,
        AuditAction::AccountPasswordSetAtFirstLogin,
        AuditAction::AnnouncementCreate,
        AuditAction::AnnouncementDelete,
        AuditAction::ApplicationCreate,
        AuditAction::ApplicationDeclareCredit,
        AuditAction::ApplicationRemoveCredit,
        AuditAction::ApplicationRemoveFile,
        AuditAction::ApplicationResubmit,
        AuditAction::ApplicationSubmit,
        AuditAction::ApplicationUpdate,
        AuditAction::ApplicationUpload,
        AuditAction::ApplicationWithdraw,
        AuditAction::ApplicationReceived,
        AuditAction::ApplicationReturned,
        AuditAction::ApplicationFeeRecorded,
        AuditAction::ApplicationHandbookReceived,
        AuditAction::ApplicationPrefectureApproved,
        AuditAction::ApplicationApproved,
        AuditAction::ApplicationRejected,
        AuditAction::AuthLogin,
        AuditAction::CalendarFeedIssued,
        AuditAction::CalendarFeedRevoked,
        AuditAction::AuthLoginFailed,
        AuditAction::AuthLoginRefusedLocked,
        AuditAction::AuthLoginRefusedPostcard,
        AuditAction::AssociationPresidentChanged,
        AuditAction::AuthLoginUnlocked,
        AuditAction::AuthLogout,
        AuditAction::CertificateUnprintableName,
        AuditAction::CertificationsImport,
        AuditAction::ChangeRequestApprove,
        AuditAction::ChangeRequestCreate,
        AuditAction::ChangeRequestReject,
        AuditAction::ChangeRequestWithdraw,
        AuditAction::CreditsCommit,
        AuditAction::CreditsCorrect,
        AuditAction::CreditsCorrection,
        AuditAction::CreditsEntry,
        AuditAction::CreditsHeldAttach,
        AuditAction::CreditsHeldReject,
        AuditAction::CreditsWithdraw,
        AuditAction::ExportDownload,
        AuditAction::LinkReviewLink,
        AuditAction::LinkReviewReject,
        AuditAction::MaintenanceWindowCreate,
        AuditAction::MaintenanceWindowDelete,
        AuditAction::MembersImport,
        AuditAction::MembersPostcardsCsv,
        AuditAction::MembersPostcardsPrint,
        AuditAction::MembersPostcardsIssued,
        AuditAction::MembersPostcardsReissued,
        AuditAction::MissingCreditAnswer,
        AuditAction::MissingCreditReport,
        AuditAction::PaperCertificateSent,
        AuditAction::PhysicianAcceptTerms,
        AuditAction::PhysicianConfirmDetails,
        AuditAction::PhysicianIdentityChange,
        AuditAction::PhysicianRegistrationCompleted,
        AuditAction::PhysicianSelfRegistration,
        AuditAction::PhysicianUpdateContact,
        AuditAction::PrefectureDeadlineSet,
        AuditAction::ProxyConsentRecorded,
        AuditAction::ProxyConsentRevoked,
        AuditAction::ProxyStart,
        AuditAction::ProxyStop,
        AuditAction::ReceptionChanged,
        AuditAction::RegistrationStart,
        AuditAction::ReviewCycleClosed,
        AuditAction::ReviewCycleReopened,
        AuditAction::SeminarApply,
        AuditAction::SeminarApproved,
        AuditAction::SeminarCancelApplication,
        AuditAction::SeminarPaperEntered,
        AuditAction::SeminarPrefectureApproved,
        AuditAction::SeminarRejected,
        AuditAction::SeminarRemind,
        AuditAction::SeminarResubmitted,
        AuditAction::SeminarReturned,
        AuditAction::SeminarSubmitted,
        AuditAction::SeminarReportConfirm,
        AuditAction::SeminarReportResubmit,
        AuditAction::SeminarReportReturn,
        AuditAction::SeminarReportSubmit,
        AuditAction::WorkPageIssued,
        AuditAction::WorkPageReissued,
        AuditAction::WorkPageRevoked,
    ];

    /// The code stored in `audit_log.action`.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::AccountCreate => "account.create",
            AuditAction::AccountEmailChange => "account.email_change",
            AuditAction::AccountEmailChangeRequested => "account.email_change_requested",
            AuditAction::AccountEmailConfirmationSent => "account.email_confirmation_sent",
            AuditAction::AccountEmailVerified => "account.email_verified",
            AuditAction::AccountPasswordChange => "account.password_change",
            AuditAction::AccountPasswordReset => "account.password_reset",
            AuditAction::AccountPasswordResetRequested => "account.password_reset_requested",
            AuditAction::AccountPasswordResetThrottled => "account.password_reset_throttled",
            AuditAction::AccountPasswordSetAtFirstLogin => "account.password_set_at_first_login",
            AuditAction::AnnouncementCreate => "announcement.create",
            AuditAction::AnnouncementDelete => "announcement.delete",
            AuditAction::ApplicationCreate => "application.create",
            AuditAction::ApplicationDeclareCredit => "application.declare_credit",
            AuditAction::ApplicationRemoveCredit => "application.remove_credit",
            AuditAction::ApplicationRemoveFile => "application.remove_file",
            AuditAction::ApplicationResubmit => "application.resubmit",
            AuditAction::ApplicationSubmit => "application.submit",
            AuditAction::ApplicationUpdate => "application.update",
            AuditAction::ApplicationUpload => "application.upload",
            AuditAction::ApplicationWithdraw => "application.withdraw",
            AuditAction::ApplicationReceived => "application.received",
            AuditAction::ApplicationReturned => "application.returned",
            AuditAction::ApplicationFeeRecorded => "application.fee_recorded",
            AuditAction::ApplicationHandbookReceived => "application.handbook_received",
            AuditAction::ApplicationPrefectureApproved => "application.prefecture_approved",
            AuditAction::ApplicationApproved => "application.approved",
            AuditAction::ApplicationRejected => "application.rejected",
            AuditAction::AuthLogin => "auth.login",
            AuditAction::AuthLoginFailed => "auth.login_failed",
            AuditAction::AuthLoginRefusedLocked => "auth.login_refused_locked",
            AuditAction::AuthLoginRefusedPostcard => "auth.login_refused_postcard",
            AuditAction::AssociationPresidentChanged => "association.president_changed",
            AuditAction::AuthLoginUnlocked => "auth.login_unlocked",
            AuditAction::AuthLogout => "auth.logout",
            AuditAction::CertificateUnprintableName => "certificate.unprintable_name",
            AuditAction::CertificationsImport => "certifications.import",
            AuditAction::ChangeRequestApprove => "change_request.approve",
            AuditAction::ChangeRequestCreate => "change_request.create",
            AuditAction::ChangeRequestReject => "change_request.reject",
            AuditAction::ChangeRequestWithdraw => "change_request.withdraw",
            AuditAction::CreditsCommit => "credits.commit",
            AuditAction::CreditsCorrect => "credits.correct",
            AuditAction::CreditsCorrection => "credits.correction",
            AuditAction::CreditsEntry => "credits.entry",
            AuditAction::CreditsHeldAttach => "credits.held_attach",
            AuditAction::CreditsHeldReject => "credits.held_reject",
            AuditAction::CreditsWithdraw => "credits.withdraw",
            AuditAction::ExportDownload => "export.download",
            AuditAction::LinkReviewLink => "link_review.link",
            AuditAction::LinkReviewReject => "link_review.reject",
            AuditAction::MaintenanceWindowCreate => "maintenance_window.create",
            AuditAction::MaintenanceWindowDelete => "maintenance_window.delete",
            AuditAction::MembersImport => "members.import",
            AuditAction::MembersPostcardsCsv => "members.postcards_csv",
            AuditAction::MembersPostcardsPrint => "members.postcards_print",
            AuditAction::MembersPostcardsIssued => "members.postcards_issued",
            AuditAction::MembersPostcardsReissued => "members.postcards_reissued",
            AuditAction::MissingCreditAnswer => "missing_credit.answer",
            AuditAction::MissingCreditReport => "missing_credit.report",
            AuditAction::PaperCertificateSent => "paper_certificate.sent",
            AuditAction::PhysicianAcceptTerms => "physician.accept_terms",
            AuditAction::PhysicianConfirmDetails => "physician.confirm_details",
            AuditAction::PhysicianIdentityChange => "physician.identity_change",
            AuditAction::PhysicianRegistrationCompleted => "physician.registration_completed",
            AuditAction::PhysicianSelfRegistration => "physician.self_registration",
            AuditAction::PhysicianUpdateContact => "physician.update_contact",
            AuditAction::PrefectureDeadlineSet => "prefecture_deadline.set",
            AuditAction::ProxyConsentRecorded => "proxy.consent_recorded",
            AuditAction::ProxyConsentRevoked => "proxy.consent_revoked",
            AuditAction::ProxyStart => "proxy.start",
            AuditAction::ProxyStop => "proxy.stop",
            AuditAction::ReceptionChanged => "reception.changed",
            AuditAction::RegistrationStart => "registration.start",
            AuditAction::ReviewCycleClosed => "review_cycle.closed",
            AuditAction::ReviewCycleReopened => "review_cycle.reopened",
            AuditAction::SeminarApply => "seminar.apply",
            AuditAction::SeminarApproved => "seminar.approved",
            AuditAction::SeminarCancelApplication => "seminar.cancel_application",
            AuditAction::SeminarPaperEntered => "seminar.paper_entered",
            AuditAction::SeminarPrefectureApproved => "seminar.prefecture_approved",
            AuditAction::SeminarRejected => "seminar.rejected",
            AuditAction::SeminarRemind => "seminar.remind",
            AuditAction::SeminarResubmitted => "seminar.resubmitted",
            AuditAction::SeminarReturned => "seminar.returned",
            AuditAction::SeminarSubmitted => "seminar.submitted",
            AuditAction::SeminarReportConfirm => "seminar_report.confirm",
            AuditAction::SeminarReportResubmit => "seminar_report.resubmit",
            AuditAction::SeminarReportReturn => "seminar_report.return",
            AuditAction::SeminarReportSubmit => "seminar_report.submit",
            AuditAction::WorkPageIssued => "work_page.issued",
            AuditAction::WorkPageReissued => "work_page.reissued",
            AuditAction::WorkPageRevoked => "work_page.revoked",
            AuditAction::CalendarFeedIssued => "calendar_feed.issue",
            AuditAction::CalendarFeedRevoked => "calendar_feed.revoke",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::AccountCreate => "アカウントの作成",
            AuditAction::AccountEmailChange => "メールアドレスの変更",
            AuditAction::AccountEmailChangeRequested => "メールアドレス変更の確認メールの送信",
            AuditAction::AccountEmailConfirmationSent => "メールアドレス確認メールの送信",
            AuditAction::AccountEmailVerified => "メールアドレスの確認",
            AuditAction::AccountPasswordChange => "パスワードの変更",
            AuditAction::AccountPasswordReset => "パスワードの再設定",
            AuditAction::AccountPasswordResetRequested => "パスワード再設定のご案内メールの送信",
            AuditAction::AccountPasswordResetThrottled => {
                "パスワード再設定の申し出（回数制限で停止）"
            }
            AuditAction::AccountPasswordSetAtFirstLogin => "初回ログイン時のパスワード設定",
            AuditAction::AnnouncementCreate => "お知らせの登録",
            AuditAction::AnnouncementDelete => "お知らせの削除",
            AuditAction::ApplicationCreate => "申請の作成",
            AuditAction::ApplicationDeclareCredit => "申請への単位の入力",
            AuditAction::ApplicationRemoveCredit => "申請から単位を削除",
            AuditAction::ApplicationRemoveFile => "申請からファイルを削除",
            AuditAction::ApplicationResubmit => "申請の再提出",
            AuditAction::ApplicationSubmit => "申請の提出",
            AuditAction::ApplicationUpdate => "申請内容の保存",
            AuditAction::ApplicationUpload => "申請へのファイル提出",
            AuditAction::ApplicationWithdraw => "申請の取下げ",
            AuditAction::ApplicationReceived => "申請の受付（郡市区医師会）",
            AuditAction::ApplicationReturned => "申請の差し戻し",
            AuditAction::ApplicationFeeRecorded => "申請料の入金の記録",
            AuditAction::ApplicationHandbookReceived => "手帳の原本の受領",
            AuditAction::ApplicationPrefectureApproved => {
                "都道府県医師会の承認（日本医師会へ進達）"
            }
            AuditAction::ApplicationApproved => "申請の承認（認定）",
            AuditAction::ApplicationRejected => "申請の不承認",
            AuditAction::AuthLogin => "ログイン",
            AuditAction::AuthLoginFailed => "ログインの失敗",
            AuditAction::AuthLoginRefusedLocked => "ログインの拒否（ロック中）",
            AuditAction::AuthLoginRefusedPostcard => {
                "ログインの拒否（はがきの期限切れ・再発行済み）"
            }
            AuditAction::AssociationPresidentChanged => "会長名の変更",
            AuditAction::AuthLoginUnlocked => "ログイン制限の解除",
            AuditAction::AuthLogout => "ログアウト",
            AuditAction::CertificateUnprintableName => "認定証に印字できない文字",
            AuditAction::CertificationsImport => "認定情報の取り込み",
            AuditAction::ChangeRequestApprove => "変更申請の承認",
            AuditAction::ChangeRequestCreate => "氏名・生年月日などの変更を申請",
            AuditAction::ChangeRequestReject => "変更申請の不承認",
            AuditAction::ChangeRequestWithdraw => "変更申請の取り下げ",
            AuditAction::CreditsCommit => "単位の登録（一括）",
            AuditAction::CreditsCorrect => "単位の訂正",
            AuditAction::CreditsCorrection => "単位の訂正（事務局）",
            AuditAction::CreditsEntry => "単位の登録（1件）",
            AuditAction::CreditsHeldAttach => "保留中の単位の反映",
            AuditAction::CreditsHeldReject => "保留中の単位の却下",
            AuditAction::CreditsWithdraw => "単位の取消し",
            AuditAction::ExportDownload => "一覧のダウンロード",
            AuditAction::LinkReviewLink => "認定情報のひも付け",
            AuditAction::LinkReviewReject => "ひも付けの却下",
            AuditAction::MaintenanceWindowCreate => "停止予定の登録",
            AuditAction::MaintenanceWindowDelete => "停止予定の削除",
            AuditAction::MembersImport => "会員の取り込み",
            AuditAction::MembersPostcardsCsv => "はがき用一覧のダウンロード",
            AuditAction::MembersPostcardsPrint => "はがきの印刷",
            AuditAction::MembersPostcardsIssued => "はがきの印刷（初期パスワードの発行）",
            AuditAction::MembersPostcardsReissued => "はがきの再発行",
            AuditAction::MissingCreditAnswer => "未反映の単位への回答",
            AuditAction::MissingCreditReport => "未反映の単位の問い合わせ",
            AuditAction::PaperCertificateSent => "紙の認定証の発送",
            AuditAction::PhysicianAcceptTerms => "利用規約への同意",
            AuditAction::PhysicianConfirmDetails => "登録内容の確認",
            AuditAction::PhysicianIdentityChange => {
                "氏名・生年月日などの変更（申請の承認により反映）"
            }
            AuditAction::PhysicianRegistrationCompleted => "マイページの登録完了",
            AuditAction::PhysicianSelfRegistration => "利用者登録",
            AuditAction::PhysicianUpdateContact => "連絡先・住所などの変更",
            AuditAction::PrefectureDeadlineSet => "都道府県の締切の設定",
            AuditAction::ProxyConsentRecorded => "代理入力への同意の記録",
            AuditAction::ProxyConsentRevoked => "代理入力への同意の取り消し",
            AuditAction::ProxyStart => "事務局による代理入力の開始",
            AuditAction::ProxyStop => "事務局による代理入力の終了",
            AuditAction::ReceptionChanged => "受付方法の変更",
            AuditAction::RegistrationStart => "利用者登録の開始",
            AuditAction::ReviewCycleClosed => "審査回の締切り",
            AuditAction::ReviewCycleReopened => "審査回の再開",
            AuditAction::SeminarApply => "研修会の申請",
            AuditAction::SeminarApproved => "研修会の承認（日本医師会）",
            AuditAction::SeminarCancelApplication => "研修会の申請の取下げ",
            AuditAction::SeminarPaperEntered => "紙で申請された研修会の入力",
            AuditAction::SeminarPrefectureApproved => "研修会の承認（都道府県医師会）",
            AuditAction::SeminarRejected => "研修会の不承認",
            AuditAction::SeminarRemind => "単位登録の督促",
            AuditAction::SeminarResubmitted => "研修会の再申請",
            AuditAction::SeminarReturned => "研修会の差し戻し",
            AuditAction::SeminarSubmitted => "研修会の提出",
            AuditAction::SeminarReportConfirm => "開催報告の確認",
            AuditAction::SeminarReportResubmit => "開催報告の再提出",
            AuditAction::SeminarReportReturn => "開催報告の差し戻し",
            AuditAction::SeminarReportSubmit => "開催報告の提出",
            AuditAction::WorkPageIssued => "作業ページURLの発行",
            AuditAction::WorkPageReissued => "作業ページURLの再発行",
            AuditAction::WorkPageRevoked => "作業ページURLの停止",
            AuditAction::CalendarFeedIssued => "カレンダー配信URLの発行",
            AuditAction::CalendarFeedRevoked => "カレンダー配信URLの停止",
        }
    }

    pub fn parse(code: &str) -> Option<AuditAction> {
        Self::ALL.iter().copied().find(|a| a.code() == code)
    }
}

/// The label of a stored action; a code this version does not know (written by a newer one)
/// is named as such rather than shown raw.
pub fn label_of(code: &str) -> String {
    match AuditAction::parse(code) {
        Some(action) => action.label().to_string(),
        None => format!("その他の操作（{code}）"),
    }
}

/// The kinds of record the program writes to `audit_log.entity_type` (the /audit filter).
pub const ENTITY_TYPES: &[&str] = &[
    "account",
    "announcement",
    "application",
    "association",
    "calendar_feed",
    "certification",
    "certification_import",
    "change_request",
    "email",
    "export",
    "link_review",
    "login",
    "maintenance_window",
    "member_import_batch",
    "missing_credit_report",
    "physician",
    "prefecture",
    "prefecture_deadline",
    "registration",
    "review_cycle",
    "seminar",
    "seminar_applicant",
    "seminar_report",
    "work_page",
];

/// What kind of record an entry concerns (`audit_log.entity_type`), in Japanese.
pub fn entity_label(entity_type: &str) -> &str {
    match entity_type {
        "account" => "アカウント",
        "association" => "医師会",
        "calendar_feed" => "カレンダー配信",
        "announcement" => "お知らせ",
        "application" => "申請",
        "certification" => "認定",
        "certification_import" => "認定情報の取り込み",
        "change_request" => "変更申請",
        "email" => "メールアドレス",
        "export" => "ダウンロード",
        "link_review" => "ひも付けの確認",
        "login" => "ログイン",
        "maintenance_window" => "停止予定",
        "member_import_batch" => "会員の取り込み",
        "missing_credit_report" => "未反映の単位の問い合わせ",
        "physician" => "医師",
        "prefecture" => "都道府県",
        "prefecture_deadline" => "都道府県の締切",
        "registration" => "利用者登録",
        "review_cycle" => "審査回",
        "seminar" => "研修会",
        "seminar_applicant" => "研修会の申込者",
        "seminar_report" => "開催報告",
        "work_page" => "作業ページ",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_to_its_action_and_has_a_japanese_label() {
        let mut codes = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.code()), Some(*a));
            assert!(codes.insert(a.code()), "duplicate code {}", a.code());
            assert!(!a.label().is_ascii(), "{} needs a Japanese label", a.code());
        }
    }

    #[test]
    fn every_entity_type_has_a_japanese_label() {
        for t in ENTITY_TYPES {
            assert!(!entity_label(t).is_ascii(), "{t}");
        }
    }

    #[test]
    fn known_labels() {
        for (code, want) in [
            ("auth.login", "ログイン"),
            ("application.fee_recorded", "申請料の入金の記録"),
            ("credits.withdraw", "単位の取消し"),
            ("review_cycle.closed", "審査回の締切り"),
        ] {
            assert_eq!(label_of(code), want);
        }
        assert_eq!(label_of("future.thing"), "その他の操作（future.thing）");
    }

    /// Every action the program writes is known here: scans the sources for audit codes.
    #[test]
    fn every_action_written_by_the_program_has_a_label() {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(src)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines().filter(|l| l.contains("action: \"") || l.contains("=> \""))
                {
                    for code in line.split('"').skip(1).step_by(2) {
                        let prefixes = [
                            "account.",
                            "application.",
                            "auth.",
                            "credits.",
                            "seminar",
                            "work_page.",
                            "proxy.",
                            "physician.",
                            "members.",
                            "change_request.",
                            "association.",
                        ];
                        let looks_like_audit = code.contains('.')
                            && !code.contains(' ')
                            && code.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                            && prefixes.iter().any(|p| code.starts_with(p));
                        if looks_like_audit && AuditAction::parse(code).is_none() {
                            missing.push(format!("{}: {code}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "audit actions without a label: {missing:?}");
    }
}
