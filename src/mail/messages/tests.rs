//! Snapshots of every message rendered with fixed sample data (`cargo insta review` after an
//! intended change), and the guard that every message ends with the one signature.

use super::account::*;
use super::organizer::*;
use super::physician::*;
use super::*;

/// A name with characters outside JIS X 0208 (髙, 﨑) and outside the BMP (𠮷).
const NAME: &str = "髙﨑 𠮷太郎";
const BASE: &str = "https://mamis.example.jp";

fn sig() -> Signature {
    Signature::portal("MAMISの手続きのお知らせ")
}

fn seminar() -> SeminarLines {
    SeminarLines {
        id: 42,
        title: "産業医研修会（髙﨑会場）".into(),
        period: "2025年6月1日～2025年6月2日".into(),
        approver: prefecture_association(13),
    }
}

fn renewal_head() -> RenewalHead {
    RenewalHead {
        name: NAME.into(),
        programme: "認定産業医".into(),
        certificate_number: "1234567".into(),
        valid_until: "2026年3月31日".into(),
    }
}

fn application_head() -> ApplicationHead {
    ApplicationHead {
        name: NAME.into(),
        application_id: 7,
        programme: "認定産業医".into(),
        kind: "更新".into(),
    }
}

fn committee() -> Committee {
    Committee { fiscal_year: 2025, number: 2, date: "2025年7月31日".into() }
}

fn sample(name: &'static str, m: &impl Message) -> (&'static str, String, String) {
    (name, m.subject(), m.render().expect("renders"))
}

/// Every message the portal sends, with fixed sample data.
fn samples() -> Vec<(&'static str, String, String)> {
    vec![
        sample(
            "email_confirmation",
            &EmailConfirmation {
                name: NAME.into(),
                link: format!("{BASE}/verify-email?token=TOKEN"),
                sig: Signature::portal("メールアドレスの確認"),
            },
        ),
        sample(
            "email_change_confirmation",
            &EmailChangeConfirmation {
                name: NAME.into(),
                link: format!("{BASE}/mypage/profile/email/confirm?token=TOKEN"),
                until: "2025年4月11日 10:00".into(),
                sig: sig(),
            },
        ),
        sample(
            "email_change_notice",
            &EmailChangeNotice {
                name: NAME.into(),
                requested_at: "2025年4月10日 10:00".into(),
                sig: sig(),
            },
        ),
        sample(
            "registration_address_in_use",
            &RegistrationAddressInUse { forgot_url: format!("{BASE}/forgot"), sig: sig() },
        ),
        sample(
            "registration_invitation",
            &RegistrationInvitation {
                link: format!("{BASE}/register/continue?token=TOKEN"),
                sig: sig(),
            },
        ),
        sample(
            "registration_completed",
            &RegistrationCompleted {
                name: NAME.into(),
                completed_at: "2025年4月10日 10:00".into(),
                login_id: "takasaki01".into(),
                login_url: format!("{BASE}/login"),
                sig: sig(),
            },
        ),
        sample(
            "mypage_registered",
            &MypageRegistered {
                name: NAME.into(),
                completed_at: "2025年4月10日 10:00".into(),
                login_url: format!("{BASE}/login"),
                sig: sig(),
            },
        ),
        sample(
            "password_changed",
            &PasswordChanged {
                name: NAME.into(),
                changed_at: "2025年4月10日 10:00".into(),
                login_url: format!("{BASE}/login"),
                sig: sig(),
            },
        ),
        sample(
            "password_reset_link",
            &PasswordResetLink {
                name: NAME.into(),
                login_id: "takasaki01".into(),
                link: format!("{BASE}/reset?token=TOKEN"),
                until: "2025年4月10日 11:00".into(),
                sig: sig(),
            },
        ),
        sample(
            "password_reset_done",
            &PasswordResetDone {
                name: NAME.into(),
                reset_at: "2025年4月10日 10:00".into(),
                login_url: format!("{BASE}/login"),
                sig: sig(),
            },
        ),
        sample(
            "renewal_one_year",
            &RenewalOneYear {
                head: renewal_head(),
                mypage_url: format!("{BASE}/mypage"),
                sig: Signature::portal_for("東京都医師会", "認定の有効期限のお知らせ"),
            },
        ),
        sample(
            "renewal_four_months_met",
            &RenewalFourMonths {
                head: renewal_head(),
                missing: vec![],
                applications_url: format!("{BASE}/mypage/applications"),
                mypage_url: format!("{BASE}/mypage"),
                sig: Signature::portal_for("東京都医師会", "認定の有効期限のお知らせ"),
            },
        ),
        sample(
            "renewal_four_months_missing",
            &RenewalFourMonths {
                head: renewal_head(),
                missing: vec!["更新 1単位".into(), "専門 0.5単位".into()],
                applications_url: format!("{BASE}/mypage/applications"),
                mypage_url: format!("{BASE}/mypage"),
                sig: Signature::portal_for("東京都医師会", "認定の有効期限のお知らせ"),
            },
        ),
        sample(
            "renewal_one_month",
            &RenewalOneMonth {
                head: renewal_head(),
                applications_url: format!("{BASE}/mypage/applications"),
                sig: Signature::portal_for("東京都医師会", "認定の有効期限のお知らせ"),
            },
        ),
        sample(
            "change_request_approved",
            &ChangeRequestApproved {
                name: NAME.into(),
                requested_at: "2025年4月9日 15:30".into(),
                lines: vec![ChangeLine {
                    label: "氏名".into(),
                    before: "高崎 吉太郎".into(),
                    after: NAME.into(),
                }],
                comment: Some("戸籍の表記に合わせました。".into()),
                profile_url: format!("{BASE}/mypage/profile"),
                sig: Signature::by("東京都医師会", "登録情報の変更申請の結果のお知らせ"),
            },
        ),
        sample(
            "change_request_approved_no_comment",
            &ChangeRequestApproved {
                name: NAME.into(),
                requested_at: "2025年4月9日 15:30".into(),
                lines: vec![
                    ChangeLine {
                        label: "氏名".into(),
                        before: "高崎 吉太郎".into(),
                        after: NAME.into(),
                    },
                    ChangeLine {
                        label: "医籍登録番号".into(),
                        before: "123456".into(),
                        after: "123457".into(),
                    },
                ],
                comment: None,
                profile_url: format!("{BASE}/mypage/profile"),
                sig: Signature::by("東京都医師会", "登録情報の変更申請の結果のお知らせ"),
            },
        ),
        sample(
            "change_request_rejected",
            &ChangeRequestRejected {
                name: NAME.into(),
                requested_at: "2025年4月9日 15:30".into(),
                items: "氏名".into(),
                comment: "戸籍の写しで確認できませんでした。".into(),
                association: "東京都医師会".into(),
                profile_url: format!("{BASE}/mypage/profile"),
                sig: Signature::by("東京都医師会", "登録情報の変更申請の結果のお知らせ"),
            },
        ),
        sample(
            "proxy_consent_recorded",
            &ProxyConsentRecorded {
                name: NAME.into(),
                association: "東京都医師会".into(),
                staff_name: "千代田 花子".into(),
                recorded_at: "2025年4月10日 10:00".into(),
                method: "電話".into(),
                consents_url: format!("{BASE}/mypage/consents"),
                sig: Signature::by("東京都医師会", "代理入力の同意の記録のお知らせ"),
            },
        ),
        sample(
            "application_submitted",
            &ApplicationSubmitted {
                name: NAME.into(),
                application_id: 7,
                programme: "認定産業医".into(),
                kind: "更新".into(),
                receiving: "東京都医師会".into(),
                submitted_at: "2025年4月10日 10:00".into(),
                mail_handbook: true,
                sig: Signature::portal_for("東京都医師会", "申請の受付のお知らせ"),
            },
        ),
        sample(
            "application_submitted_no_handbook",
            &ApplicationSubmitted {
                name: NAME.into(),
                application_id: 8,
                programme: "認定健康スポーツ医".into(),
                kind: "新規".into(),
                receiving: "千代田区医師会".into(),
                submitted_at: "2025年4月10日 10:00".into(),
                mail_handbook: false,
                sig: Signature::portal_for("千代田区医師会", "申請の受付のお知らせ"),
            },
        ),
        sample(
            "application_received_municipal",
            &ApplicationReceivedMunicipal {
                head: application_head(),
                municipal: "千代田区医師会".into(),
                sig: Signature::by("千代田区医師会", "申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "application_returned",
            &ApplicationReturned {
                head: application_head(),
                tier: "都道府県医師会".into(),
                comment: "手帳の写真が読み取れません。".into(),
                mypage_url: format!("{BASE}/mypage"),
                sig: Signature::by("東京都医師会", "申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "application_prefecture_approved",
            &ApplicationPrefectureApproved {
                head: application_head(),
                committee: committee(),
                sig: Signature::by("東京都医師会", "申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "application_certified",
            &ApplicationCertified {
                head: application_head(),
                committee_date: "2025年7月31日".into(),
                comment: "承認します。".into(),
                certificate_url: format!("{BASE}/mypage/certificates/3/terms/5.pdf"),
                sig: Signature::portal_for("東京都医師会", "申請の審査の結果のお知らせ"),
            },
        ),
        sample(
            "application_rejected",
            &ApplicationRejected {
                head: application_head(),
                reason: "単位が不足しています。".into(),
                sig: Signature::portal_for("東京都医師会", "申請の審査の結果のお知らせ"),
            },
        ),
        sample(
            "application_fee_recorded",
            &ApplicationFeeRecorded {
                head: application_head(),
                sig: Signature::by("東京都医師会", "申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "application_handbook_received",
            &ApplicationHandbookReceived {
                head: application_head(),
                sig: Signature::by("東京都医師会", "申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "missing_credit_answered",
            &MissingCreditAnswered {
                name: NAME.into(),
                association: "東京都医師会".into(),
                seminar_title: "産業医研修会（髙﨑会場）".into(),
                seminar_date: "2025年6月1日".into(),
                answer: "主催者に登録を依頼しました。".into(),
                sig: Signature::by("東京都医師会", "単位未反映のご報告への回答のお知らせ"),
            },
        ),
        sample(
            "held_credits_linked",
            &HeldCreditsLinked {
                name: NAME.into(),
                seminar_title: "産業医研修会（髙﨑会場）".into(),
                seminar_date: "2025年6月1日".into(),
                registered_birth_date: "1960-01-02".into(),
                units: "更新 2単位、専門 1.5単位".into(),
                sig: Signature::by("東京都医師会", "確認中だった単位の反映のお知らせ"),
            },
        ),
        sample(
            "seminar_application_received",
            &SeminarApplicationReceived {
                name: NAME.into(),
                seminar_title: "産業医研修会（髙﨑会場）".into(),
                period: "2025年6月1日".into(),
                venue: "髙﨑市民会館".into(),
                organizer: "𠮷田産業保健協会".into(),
                sig: Signature::portal_for(
                    "𠮷田産業保健協会",
                    "研修会の受講申込みの受付のお知らせ",
                ),
            },
        ),
        sample(
            "seminar_received",
            &SeminarReceived {
                contact_name: NAME.into(),
                seminar: seminar(),
                sig: Signature::portal_for("東京都医師会", "研修会の申請の受付のお知らせ"),
            },
        ),
        sample(
            "seminar_received_unconfirmed",
            &SeminarReceivedUnconfirmed {
                seminar_id: 42,
                period: "2025年6月1日".into(),
                approver: "東京都医師会".into(),
                sig: Signature::portal_for("東京都医師会", "研修会の申請の受付のお知らせ"),
            },
        ),
        sample(
            "work_page_issued_approved",
            &WorkPageIssued {
                reason: WorkPageReason::Approved,
                contact_name: NAME.into(),
                seminar: seminar(),
                work_page_url: format!("{BASE}/work/TOKEN"),
                deadline: "2025年7月2日".into(),
                deadline_passed: false,
                sig: Signature::portal_for("東京都医師会", "作業ページのURLのお知らせ"),
            },
        ),
        sample(
            "work_page_issued_paper",
            &WorkPageIssued {
                reason: WorkPageReason::PaperApproved,
                contact_name: NAME.into(),
                seminar: seminar(),
                work_page_url: format!("{BASE}/work/TOKEN"),
                deadline: "2025年7月2日".into(),
                deadline_passed: true,
                sig: Signature::portal_for("東京都医師会", "作業ページのURLのお知らせ"),
            },
        ),
        sample(
            "work_page_issued_reissued",
            &WorkPageIssued {
                reason: WorkPageReason::Reissued,
                contact_name: NAME.into(),
                seminar: seminar(),
                work_page_url: format!("{BASE}/work/TOKEN"),
                deadline: "2025年7月2日".into(),
                deadline_passed: false,
                sig: Signature::by("東京都医師会", "作業ページのURLのお知らせ"),
            },
        ),
        sample(
            "seminar_prefecture_approved",
            &SeminarPrefectureApproved {
                contact_name: NAME.into(),
                seminar: seminar(),
                committee: Some(committee()),
                sig: Signature::by("東京都医師会", "研修会の申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "seminar_prefecture_approved_no_cycle",
            &SeminarPrefectureApproved {
                contact_name: NAME.into(),
                seminar: seminar(),
                committee: None,
                sig: Signature::by("東京都医師会", "研修会の申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "seminar_returned_link",
            &SeminarReturned {
                contact_name: NAME.into(),
                seminar: seminar(),
                comment: "講師名が空欄です。".into(),
                on_office_page: false,
                correction_url: format!("{BASE}/seminars/correct/TOKEN"),
                sig: Signature::by("東京都医師会", "研修会の申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "seminar_returned_office",
            &SeminarReturned {
                contact_name: NAME.into(),
                seminar: seminar(),
                comment: "講師名が空欄です。".into(),
                on_office_page: true,
                correction_url: format!("{BASE}/office/seminars/42/edit"),
                sig: Signature::by("東京都医師会", "研修会の申請の審査の状況のお知らせ"),
            },
        ),
        sample(
            "seminar_rejected",
            &SeminarRejected {
                contact_name: NAME.into(),
                seminar: seminar(),
                comment: "産業医学の内容ではありません。".into(),
                sig: Signature::portal_for("東京都医師会", "研修会の申請の審査の結果のお知らせ"),
            },
        ),
        sample(
            "work_page_revoked",
            &WorkPageRevoked {
                contact_name: NAME.into(),
                seminar: seminar(),
                sig: Signature::by("東京都医師会", "作業ページのURLの無効化のお知らせ"),
            },
        ),
        sample(
            "seminar_reminder",
            &SeminarReminder {
                organizer: "𠮷田産業保健協会".into(),
                association: "東京都医師会".into(),
                seminar_title: "産業医研修会（髙﨑会場）".into(),
                period: "2025年6月1日".into(),
                tasks: vec![
                    "・受講者の単位登録（登録期限：2025年7月1日、期限を過ぎています）".into(),
                    "・開催報告の提出（現在：未提出）".into(),
                ],
                sig: Signature::by("東京都医師会", "研修会の手続きのお願い"),
            },
        ),
        sample(
            "report_confirmed",
            &ReportConfirmed {
                organizer: "𠮷田産業保健協会".into(),
                seminar_title: "産業医研修会（髙﨑会場）".into(),
                period: "2025年6月1日".into(),
                association: "東京都医師会".into(),
                comment: Some("収支の記載もありがとうございました。".into()),
                sig: Signature::by("東京都医師会", "開催報告の確認の結果のお知らせ"),
            },
        ),
        sample(
            "report_confirmed_no_comment",
            &ReportConfirmed {
                organizer: "𠮷田産業保健協会".into(),
                seminar_title: "産業医研修会（髙﨑会場）".into(),
                period: "2025年6月1日".into(),
                association: "東京都医師会".into(),
                comment: None,
                sig: Signature::by("東京都医師会", "開催報告の確認の結果のお知らせ"),
            },
        ),
        sample(
            "report_returned",
            &ReportReturned {
                organizer: "𠮷田産業保健協会".into(),
                seminar_title: "産業医研修会（髙﨑会場）".into(),
                period: "2025年6月1日".into(),
                association: "東京都医師会".into(),
                comment: "受講者数が空欄です。".into(),
                sig: Signature::by("東京都医師会", "開催報告の確認の結果のお知らせ"),
            },
        ),
        sample(
            "missing_credit_reported",
            &MissingCreditReported {
                organizer: "𠮷田産業保健協会".into(),
                seminar_title: "産業医研修会（髙﨑会場）".into(),
                period: "2025年6月1日".into(),
                deadline: "2025年7月1日".into(),
                sig: Signature::portal_for(
                    "東京都医師会",
                    "受講者からの単位未反映のご報告のお知らせ",
                ),
            },
        ),
    ]
}

#[test]
fn every_message_matches_its_snapshot() {
    for (name, subject, body) in samples() {
        insta::assert_snapshot!(name, format!("Subject: {subject}\n\n{body}"));
    }
}

#[test]
fn every_message_ends_with_the_signature() {
    for (name, _, body) in samples() {
        let tail = body.rsplit_once("\n――\n").map(|(_, tail)| tail);
        let tail = tail.unwrap_or_else(|| panic!("{name}: no signature"));
        for line in ["送信元：", "お問い合わせ先：", "このメールは、", "このメールは送信専用です。"]
        {
            assert!(tail.contains(line), "{name}: signature lacks 「{line}」:\n{body}");
        }
        assert!(
            tail.contains("のためにお送りしています。"),
            "{name}: signature does not say why:\n{body}"
        );
        assert!(!body.contains("{{") && !body.contains("{%"), "{name}: unrendered tag");
        assert!(body.ends_with("お願いします。\n"), "{name}: the signature is not last:\n{body}");
    }
}

/// A template added without the signature partial fails here even before it gets a sample.
#[test]
fn every_mail_template_includes_the_signature() {
    let partials = [
        "signature.txt",
        "renewal_head.txt",
        "application_head.txt",
        "application_lines.txt",
        "seminar_lines.txt",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/mail");
    let mut templates = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if partials.contains(&file.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.trim_end().ends_with(r#"{% include "mail/signature.txt" %}"#),
            "{file} does not end with the signature partial"
        );
        templates.insert(file.trim_end_matches(".txt").to_string());
    }
    // Every message template has a sample above (a variant may have several).
    let sampled: std::collections::BTreeSet<String> = samples()
        .iter()
        .map(|(name, _, _)| {
            let known = [
                "renewal_four_months",
                "change_request_approved",
                "application_submitted",
                "work_page_issued",
                "seminar_prefecture_approved",
                "seminar_returned",
                "report_confirmed",
            ];
            known.into_iter().find(|k| name.starts_with(k)).unwrap_or(name).to_string()
        })
        .collect();
    assert_eq!(sampled, templates, "every message template has a sample, and only those");
}
