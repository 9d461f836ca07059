//! Mail to physicians: renewal notices, applications, registered details, credits.

use askama::Template;

use super::{Message, Signature};

/// The opening every renewal notice shares.
pub struct RenewalHead {
    pub name: String,
    /// 「認定産業医」 or 「認定健康スポーツ医」.
    pub programme: String,
    pub certificate_number: String,
    /// The expiry, 「2026年3月31日」.
    pub valid_until: String,
}

#[derive(Template)]
#[template(path = "mail/renewal_one_year.txt", escape = "none")]
pub struct RenewalOneYear {
    pub head: RenewalHead,
    pub mypage_url: String,
    pub sig: Signature,
}

impl Message for RenewalOneYear {
    fn subject(&self) -> String {
        format!("【MAMIS】{}の有効期限まで1年となりました", self.head.programme)
    }
}

#[derive(Template)]
#[template(path = "mail/renewal_four_months.txt", escape = "none")]
pub struct RenewalFourMonths {
    pub head: RenewalHead,
    /// What the portal's credits still lack (empty when the requirement is met).
    pub missing: Vec<String>,
    pub applications_url: String,
    pub mypage_url: String,
    pub sig: Signature,
}

impl Message for RenewalFourMonths {
    fn subject(&self) -> String {
        format!("【MAMIS】{}の更新のご案内", self.head.programme)
    }
}

#[derive(Template)]
#[template(path = "mail/renewal_one_month.txt", escape = "none")]
pub struct RenewalOneMonth {
    pub head: RenewalHead,
    pub applications_url: String,
    pub sig: Signature,
}

impl Message for RenewalOneMonth {
    fn subject(&self) -> String {
        format!("【MAMIS】{}の有効期限まで1か月です（最終のご案内）", self.head.programme)
    }
}

/// One changed item of a change request.
pub struct ChangeLine {
    pub label: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "mail/change_request_approved.txt", escape = "none")]
pub struct ChangeRequestApproved {
    pub name: String,
    pub requested_at: String,
    pub lines: Vec<ChangeLine>,
    pub comment: Option<String>,
    pub profile_url: String,
    pub sig: Signature,
}

impl Message for ChangeRequestApproved {
    fn subject(&self) -> String {
        "【MAMIS】登録情報の変更申請が承認されました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/change_request_rejected.txt", escape = "none")]
pub struct ChangeRequestRejected {
    pub name: String,
    pub requested_at: String,
    /// The items asked for, 「氏名、医籍登録番号」.
    pub items: String,
    pub comment: String,
    pub association: String,
    pub profile_url: String,
    pub sig: Signature,
}

impl Message for ChangeRequestRejected {
    fn subject(&self) -> String {
        "【MAMIS】登録情報の変更申請について".into()
    }
}

#[derive(Template)]
#[template(path = "mail/proxy_consent_recorded.txt", escape = "none")]
pub struct ProxyConsentRecorded {
    pub name: String,
    pub association: String,
    pub staff_name: String,
    pub recorded_at: String,
    /// How the consent was given: 「書面」「電話」…
    pub method: String,
    pub consents_url: String,
    pub sig: Signature,
}

impl Message for ProxyConsentRecorded {
    fn subject(&self) -> String {
        "【MAMIS】代理入力の同意が記録されました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/application_submitted.txt", escape = "none")]
pub struct ApplicationSubmitted {
    pub name: String,
    pub application_id: i64,
    pub programme: String,
    pub kind: String,
    pub receiving: String,
    pub submitted_at: String,
    /// An occupational application with 手帳 credits declared: the original is to be mailed.
    pub mail_handbook: bool,
    pub sig: Signature,
}

impl Message for ApplicationSubmitted {
    fn subject(&self) -> String {
        "【MAMIS】申請を受け付けました".into()
    }
}

/// The physician and application a review mail is about.
pub struct ApplicationHead {
    pub name: String,
    pub application_id: i64,
    pub programme: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "mail/application_received_municipal.txt", escape = "none")]
pub struct ApplicationReceivedMunicipal {
    pub head: ApplicationHead,
    pub municipal: String,
    pub sig: Signature,
}

impl Message for ApplicationReceivedMunicipal {
    fn subject(&self) -> String {
        "【MAMIS】申請を郡市区医師会が受け付けました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/application_returned.txt", escape = "none")]
pub struct ApplicationReturned {
    pub head: ApplicationHead,
    /// The tier that returned it: 「都道府県医師会」…
    pub tier: String,
    pub comment: String,
    pub mypage_url: String,
    pub sig: Signature,
}

impl Message for ApplicationReturned {
    fn subject(&self) -> String {
        "【MAMIS】申請が差し戻されました".into()
    }
}

/// A bimonthly committee meeting of JMA.
pub struct Committee {
    pub fiscal_year: i32,
    pub number: i16,
    pub date: String,
}

#[derive(Template)]
#[template(path = "mail/application_prefecture_approved.txt", escape = "none")]
pub struct ApplicationPrefectureApproved {
    pub head: ApplicationHead,
    pub committee: Committee,
    pub sig: Signature,
}

impl Message for ApplicationPrefectureApproved {
    fn subject(&self) -> String {
        "【MAMIS】申請を都道府県医師会が承認しました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/application_certified.txt", escape = "none")]
pub struct ApplicationCertified {
    pub head: ApplicationHead,
    pub committee_date: String,
    pub comment: String,
    pub certificate_url: String,
    pub sig: Signature,
}

impl Message for ApplicationCertified {
    fn subject(&self) -> String {
        "【MAMIS】認定されました（認定証をダウンロードできます）".into()
    }
}

#[derive(Template)]
#[template(path = "mail/application_rejected.txt", escape = "none")]
pub struct ApplicationRejected {
    pub head: ApplicationHead,
    pub reason: String,
    pub sig: Signature,
}

impl Message for ApplicationRejected {
    fn subject(&self) -> String {
        "【MAMIS】申請について（不承認）".into()
    }
}

#[derive(Template)]
#[template(path = "mail/application_fee_recorded.txt", escape = "none")]
pub struct ApplicationFeeRecorded {
    pub head: ApplicationHead,
    pub sig: Signature,
}

impl Message for ApplicationFeeRecorded {
    fn subject(&self) -> String {
        "【MAMIS】申請料の入金を確認しました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/application_handbook_received.txt", escape = "none")]
pub struct ApplicationHandbookReceived {
    pub head: ApplicationHead,
    pub sig: Signature,
}

impl Message for ApplicationHandbookReceived {
    fn subject(&self) -> String {
        "【MAMIS】手帳の原本を受け取りました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/missing_credit_answered.txt", escape = "none")]
pub struct MissingCreditAnswered {
    pub name: String,
    pub association: String,
    pub seminar_title: String,
    pub seminar_date: String,
    pub answer: String,
    pub sig: Signature,
}

impl Message for MissingCreditAnswered {
    fn subject(&self) -> String {
        "【MAMIS】単位未反映のご報告への回答".into()
    }
}

#[derive(Template)]
#[template(path = "mail/held_credits_linked.txt", escape = "none")]
pub struct HeldCreditsLinked {
    pub name: String,
    pub seminar_title: String,
    pub seminar_date: String,
    /// The birth date the organizer registered, 「1960-01-02」.
    pub registered_birth_date: String,
    /// 「更新 2単位、専門 1.5単位」.
    pub units: String,
    pub sig: Signature,
}

impl Message for HeldCreditsLinked {
    fn subject(&self) -> String {
        "【MAMIS】確認中の単位を反映しました".into()
    }
}

#[derive(Template)]
#[template(path = "mail/seminar_application_received.txt", escape = "none")]
pub struct SeminarApplicationReceived {
    pub name: String,
    pub seminar_title: String,
    pub period: String,
    pub venue: String,
    pub organizer: String,
    pub sig: Signature,
}

impl Message for SeminarApplicationReceived {
    fn subject(&self) -> String {
        "【MAMIS】研修会の受講申込みを受け付けました".into()
    }
}
