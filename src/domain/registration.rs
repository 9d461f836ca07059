//! Registration (登録完了) and when certification data shows (DOMAIN §4, briefing p.1–3).

use chrono::{NaiveDate, TimeZone};

use super::person::{
    parse_birth_date, parse_free_text, parse_furigana, parse_kanji_name, parse_phone,
    parse_postal_code, RegistryNumber, Sex,
};
use super::prefecture;
use crate::clock::{jst, Jst};

/// The steps of a member's first login, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Terms,
    Password,
    Email,
    Details,
}

impl Step {
    pub fn path(self) -> &'static str {
        match self {
            Step::Terms => "/welcome/terms",
            Step::Password => "/welcome/password",
            Step::Email => "/welcome/email",
            Step::Details => "/welcome/details",
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub terms_accepted: bool,
    pub must_change_password: bool,
    pub email_verified: bool,
    pub details_confirmed: bool,
}

/// The first step not yet done; None when registration can be completed.
pub fn next_step(p: Progress) -> Option<Step> {
    if !p.terms_accepted {
        Some(Step::Terms)
    } else if p.must_change_password {
        Some(Step::Password)
    } else if !p.email_verified {
        Some(Step::Email)
    } else if !p.details_confirmed {
        Some(Step::Details)
    } else {
        None
    }
}

/// Registration completed by this moment: certification data visible from `data_visible_from`.
pub fn cutoff() -> Jst {
    jst().with_ymd_and_hms(2025, 3, 29, 17, 0, 0).single().expect("valid cut-off")
}

/// The portal shows migrated certification data from this moment (after the full stop).
pub fn data_visible_from() -> Jst {
    jst().with_ymd_and_hms(2025, 4, 7, 0, 0, 0).single().expect("valid date")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificationDisplay {
    /// Show the linked certifications.
    Show,
    /// Registered in time; the migrated data appears on 2025-04-07.
    FromApril7,
    /// Registered after the cut-off, or staff must compare data first: 反映待ち.
    AwaitingLink,
    /// Nothing to show and nothing pending (e.g. a physician aiming for certification).
    Nothing,
}

pub fn certification_display(
    completed_at: Option<Jst>,
    now: Jst,
    linked: usize,
    open_reviews: usize,
) -> CertificationDisplay {
    let Some(completed_at) = completed_at else {
        return CertificationDisplay::Nothing;
    };
    if now < data_visible_from() {
        return if completed_at <= cutoff() {
            CertificationDisplay::FromApril7
        } else {
            CertificationDisplay::AwaitingLink
        };
    }
    if linked > 0 {
        CertificationDisplay::Show
    } else if open_reviews > 0
        || (completed_at > cutoff() && now < completed_at + chrono::Duration::days(31))
    {
        // The old system needed up to a month to carry data over for late registrations.
        CertificationDisplay::AwaitingLink
    } else {
        CertificationDisplay::Nothing
    }
}

pub use super::field_errors::FieldErrors;

/// The details form as typed (kept to redisplay on error).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DetailsInput {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub sex: String,
    pub registry_number: String,
    pub phone: String,
    pub fax: String,
    pub postal_code: String,
    pub prefecture: String,
    pub address: String,
    pub workplace: String,
}

impl DetailsInput {
    /// The birth date typed in 和暦, read back in the Western calendar for the page to echo.
    pub fn birth_date_echo(&self) -> Option<String> {
        super::era::western_echo(&self.birth_date)
    }
}

/// Parsed, trusted details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Details {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub registry_number: RegistryNumber,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub postal_code: Option<String>,
    pub prefecture_code: i16,
    pub address: String,
    pub workplace: Option<String>,
}

pub fn parse_details(input: &DetailsInput, today: NaiveDate) -> Result<Details, FieldErrors> {
    let mut errors = FieldErrors::default();
    let kanji_name = parse_kanji_name(&input.kanji_name).map_err(|e| errors.add("kanji_name", e));
    let furigana = parse_furigana(&input.furigana).map_err(|e| errors.add("furigana", e));
    let birth_date =
        parse_birth_date(&input.birth_date, today).map_err(|e| errors.add("birth_date", e));
    let sex = Sex::parse(&input.sex).map_err(|e| errors.add("sex", e));
    let registry_number =
        RegistryNumber::parse(&input.registry_number).map_err(|e| errors.add("registry_number", e));
    let phone = parse_phone(&input.phone).map_err(|e| errors.add("phone", e));
    let fax =
        parse_phone(&input.fax).map_err(|e| errors.add("fax", e.replace("電話番号", "FAX番号")));
    let postal_code =
        parse_postal_code(&input.postal_code).map_err(|e| errors.add("postal_code", e));
    let prefecture_code = prefecture::parse(&input.prefecture)
        .ok_or_else(|| errors.add("prefecture", "都道府県を選んでください。"));
    let address = parse_free_text(&input.address, 200, Some("住所を入力してください。"))
        .map_err(|e| errors.add("address", e));
    let workplace =
        parse_free_text(&input.workplace, 100, None).map_err(|e| errors.add("workplace", e));
    if let (Ok(None), Ok(None)) = (&phone, &fax) {
        errors.add("phone", "電話番号かFAX番号のどちらかを入力してください。");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match (
        kanji_name,
        furigana,
        birth_date,
        sex,
        registry_number,
        phone,
        fax,
        postal_code,
        prefecture_code,
        address,
        workplace,
    ) {
        (
            Ok(kanji_name),
            Ok(furigana),
            Ok(birth_date),
            Ok(sex),
            Ok(registry_number),
            Ok(phone),
            Ok(fax),
            Ok(postal_code),
            Ok(prefecture_code),
            Ok(Some(address)),
            Ok(workplace),
        ) => Ok(Details {
            kanji_name,
            furigana,
            birth_date,
            sex,
            registry_number,
            phone,
            fax,
            postal_code,
            prefecture_code,
            address,
            workplace,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_jst;

    #[test]
    fn steps_come_in_order() {
        let mut p = Progress { must_change_password: true, ..Default::default() };
        assert_eq!(next_step(p), Some(Step::Terms));
        p.terms_accepted = true;
        assert_eq!(next_step(p), Some(Step::Password));
        p.must_change_password = false;
        assert_eq!(next_step(p), Some(Step::Email));
        p.email_verified = true;
        assert_eq!(next_step(p), Some(Step::Details));
        p.details_confirmed = true;
        assert_eq!(next_step(p), None);
    }

    #[test]
    fn certification_display_around_the_cutoff() {
        let at = |s: &str| parse_jst(s).unwrap();
        use CertificationDisplay::*;
        let in_time = Some(at("2025-03-29 16:59"));
        let late = Some(at("2025-03-29 17:01"));
        assert_eq!(certification_display(in_time, at("2025-03-29 18:00"), 1, 0), FromApril7);
        assert_eq!(certification_display(late, at("2025-03-29 18:00"), 1, 0), AwaitingLink);
        assert_eq!(certification_display(in_time, at("2025-04-07 00:00"), 1, 0), Show);
        assert_eq!(certification_display(late, at("2025-04-08 00:00"), 1, 0), Show);
        assert_eq!(certification_display(late, at("2025-04-08 00:00"), 0, 0), AwaitingLink);
        assert_eq!(certification_display(late, at("2025-06-01 00:00"), 0, 0), Nothing);
        assert_eq!(certification_display(in_time, at("2025-04-08 00:00"), 1, 1), Show);
        assert_eq!(certification_display(in_time, at("2025-06-08 00:00"), 0, 1), AwaitingLink);
        assert_eq!(certification_display(None, at("2025-04-08 00:00"), 1, 0), Nothing);
    }

    fn good() -> DetailsInput {
        DetailsInput {
            kanji_name: "髙橋 﨑子".into(),
            furigana: "ﾀｶﾊｼ ｻｷｺ".into(),
            birth_date: "1975/6/3".into(),
            sex: "女".into(),
            registry_number: "第２３４５６７号".into(),
            phone: "".into(),
            fax: "06-1234-5678".into(),
            postal_code: "5300001".into(),
            prefecture: "27".into(),
            address: "大阪府大阪市北区梅田1-1".into(),
            workplace: "".into(),
        }
    }

    #[test]
    fn details_parse_into_trusted_values() {
        let today = NaiveDate::from_ymd_opt(2025, 4, 10).unwrap();
        let d = parse_details(&good(), today).unwrap();
        assert_eq!(d.kanji_name, "髙橋\u{3000}﨑子");
        assert_eq!(d.furigana, "タカハシ\u{3000}サキコ");
        assert_eq!(d.registry_number.as_str(), "234567");
        assert_eq!(d.sex, Sex::Female);
        assert_eq!(d.fax.as_deref(), Some("06-1234-5678"));
        assert_eq!(d.phone, None);
        assert_eq!(d.postal_code.as_deref(), Some("530-0001"));
        assert_eq!(d.prefecture_code, 27);
    }

    #[test]
    fn details_report_every_bad_field() {
        let today = NaiveDate::from_ymd_opt(2025, 4, 10).unwrap();
        let mut input = good();
        input.fax = "".into();
        input.furigana = "Takahashi".into();
        input.sex = "".into();
        input.prefecture = "".into();
        let errors = parse_details(&input, today).unwrap_err();
        assert_eq!(errors.get("phone"), Some("電話番号かFAX番号のどちらかを入力してください。"));
        assert!(errors.has("furigana"));
        assert!(errors.has("sex"));
        assert!(errors.has("prefecture"));
        assert_eq!(errors.len(), 4);
    }
}

/// A login ID chosen at self-registration: 4–32 half-width letters, digits, '.', '_' or '-'.
pub fn parse_new_login_id(input: &str) -> Result<String, &'static str> {
    let id = crate::domain::text::normalize_login_id(input);
    if id.is_empty() {
        return Err("ログインIDを入力してください。");
    }
    let len = id.chars().count();
    if !(4..=32).contains(&len) {
        return Err("ログインIDは4～32文字にしてください。");
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err("ログインIDには半角英数字と「.」「_」「-」だけが使えます。");
    }
    Ok(id)
}

#[cfg(test)]
mod login_id_tests {
    use super::parse_new_login_id;

    #[test]
    fn login_ids() {
        assert_eq!(parse_new_login_id(" ｔａｒｏ.y ").unwrap(), "taro.y");
        for bad in ["", "abc", "山田太郎", "taro y", "a/b/c/d", &"x".repeat(33)] {
            assert!(parse_new_login_id(bad).is_err(), "{bad}");
        }
    }
}
