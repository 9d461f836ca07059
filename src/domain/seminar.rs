//! Seminars (研修会): the application form turned into a trusted draft, the rules a seminar must
//! satisfy (DOMAIN §2, §5), the review states, and which seminars a staff member sees (§9).

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::category::{Category, Format, Programme, Units};
use super::person::{parse_email, parse_free_text, parse_phone};
use super::prefecture;
use super::registration::FieldErrors;

use super::text::to_halfwidth_ascii;

pub use super::seminar_status::Status;

/// Organizers apply in the portal from this day (briefing: 研修会管理移行② 2025-07-01, 予定).
/// Before it, applications are made on paper and JMA enters the approved ones.
pub fn applications_open_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date")
}

/// The longest seminar, first to last day inclusive.
pub const MAX_DAYS: i64 = 31;

/// The form as typed (kept to show it again next to the errors). One units field per category.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SeminarInput {
    pub programme: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub format: String,
    pub venue: String,
    pub organizer_name: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub contact_fax: String,
    pub approving_prefecture: String,
    /// Paper entry by JMA only: the organizing association's id, empty for an outside body.
    pub organizer_association: String,
    pub units_basic_early_general: String,
    pub units_basic_early_health_management: String,
    pub units_basic_early_mental_health: String,
    pub units_basic_early_health_promotion: String,
    pub units_basic_early_work_environment: String,
    pub units_basic_early_work_management: String,
    pub units_basic_early_hazardous_work: String,
    pub units_basic_early_practice: String,
    pub units_basic_practical: String,
    pub units_basic_late: String,
    pub units_lifelong_renewal: String,
    pub units_lifelong_practical: String,
    pub units_lifelong_specialized: String,
    pub units_sports_early: String,
    pub units_sports_late: String,
    pub units_sports_retraining: String,
    /// "yes" when the organizer recruits attendees through the portal (受講者募集).
    pub recruiting: String,
    pub capacity: String,
    /// A random key hidden in the form: a second POST of the same form changes nothing.
    pub idempotency_key: String,
}

/// The form field holding a category's units, e.g. `units_lifelong_renewal`.
pub fn units_field(category: Category) -> &'static str {
    match category {
        Category::BasicEarlyGeneral => "units_basic_early_general",
        Category::BasicEarlyHealthManagement => "units_basic_early_health_management",
        Category::BasicEarlyMentalHealth => "units_basic_early_mental_health",
        Category::BasicEarlyHealthPromotion => "units_basic_early_health_promotion",
        Category::BasicEarlyWorkEnvironment => "units_basic_early_work_environment",
        Category::BasicEarlyWorkManagement => "units_basic_early_work_management",
        Category::BasicEarlyHazardousWork => "units_basic_early_hazardous_work",
        Category::BasicEarlyPractice => "units_basic_early_practice",
        Category::BasicPractical => "units_basic_practical",
        Category::BasicLate => "units_basic_late",
        Category::LifelongRenewal => "units_lifelong_renewal",
        Category::LifelongPractical => "units_lifelong_practical",
        Category::LifelongSpecialized => "units_lifelong_specialized",
        Category::SportsEarly => "units_sports_early",
        Category::SportsLate => "units_sports_late",
        Category::SportsRetraining => "units_sports_retraining",
    }
}

impl SeminarInput {
    pub fn units(&self, category: Category) -> &str {
        match category {
            Category::BasicEarlyGeneral => &self.units_basic_early_general,
            Category::BasicEarlyHealthManagement => &self.units_basic_early_health_management,
            Category::BasicEarlyMentalHealth => &self.units_basic_early_mental_health,
            Category::BasicEarlyHealthPromotion => &self.units_basic_early_health_promotion,
            Category::BasicEarlyWorkEnvironment => &self.units_basic_early_work_environment,
            Category::BasicEarlyWorkManagement => &self.units_basic_early_work_management,
            Category::BasicEarlyHazardousWork => &self.units_basic_early_hazardous_work,
            Category::BasicEarlyPractice => &self.units_basic_early_practice,
            Category::BasicPractical => &self.units_basic_practical,
            Category::BasicLate => &self.units_basic_late,
            Category::LifelongRenewal => &self.units_lifelong_renewal,
            Category::LifelongPractical => &self.units_lifelong_practical,
            Category::LifelongSpecialized => &self.units_lifelong_specialized,
            Category::SportsEarly => &self.units_sports_early,
            Category::SportsLate => &self.units_sports_late,
            Category::SportsRetraining => &self.units_sports_retraining,
        }
    }

    pub fn set_units(&mut self, category: Category, value: String) {
        let slot = match category {
            Category::BasicEarlyGeneral => &mut self.units_basic_early_general,
            Category::BasicEarlyHealthManagement => &mut self.units_basic_early_health_management,
            Category::BasicEarlyMentalHealth => &mut self.units_basic_early_mental_health,
            Category::BasicEarlyHealthPromotion => &mut self.units_basic_early_health_promotion,
            Category::BasicEarlyWorkEnvironment => &mut self.units_basic_early_work_environment,
            Category::BasicEarlyWorkManagement => &mut self.units_basic_early_work_management,
            Category::BasicEarlyHazardousWork => &mut self.units_basic_early_hazardous_work,
            Category::BasicEarlyPractice => &mut self.units_basic_early_practice,
            Category::BasicPractical => &mut self.units_basic_practical,
            Category::BasicLate => &mut self.units_basic_late,
            Category::LifelongRenewal => &mut self.units_lifelong_renewal,
            Category::LifelongPractical => &mut self.units_lifelong_practical,
            Category::LifelongSpecialized => &mut self.units_lifelong_specialized,
            Category::SportsEarly => &mut self.units_sports_early,
            Category::SportsLate => &mut self.units_sports_late,
            Category::SportsRetraining => &mut self.units_sports_retraining,
        };
        *slot = value;
    }
}

/// A seminar as the rules accept it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeminarDraft {
    pub programme: Programme,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub format: Format,
    pub venue: String,
    pub organizer_name: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub contact_fax: Option<String>,
    pub approving_prefecture_code: i16,
    /// In the order of `Category::ALL`, each category at most once.
    pub units: Vec<(Category, Units)>,
    pub recruiting: bool,
    pub capacity: Option<i32>,
}

fn required_text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max: usize,
    missing: &'static str,
) -> String {
    match parse_free_text(value, max, Some(missing)) {
        Ok(Some(text)) => text,
        Ok(None) => String::new(),
        Err(e) => {
            if e == missing {
                errors.add(field, e);
            } else {
                errors.add(field, format!("{max}文字以内で入力してください。"));
            }
            String::new()
        }
    }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    super::era::parse_typed_date(text)
}

/// Turns the form into a draft, or reports every problem next to its field, in Japanese.
/// `today` bounds the dates against typing slips (a seminar in 2205, or in 1925).
pub fn parse_seminar(input: &SeminarInput, today: NaiveDate) -> Result<SeminarDraft, FieldErrors> {
    let mut errors = FieldErrors::default();

    let programme = Programme::from_code(input.programme.trim());
    if programme.is_none() {
        errors.add("programme", "制度（認定産業医／認定健康スポーツ医）を選んでください。");
    }
    let format = Format::from_code(input.format.trim());
    if format.is_none() {
        errors.add("format", "開催形式（対面／Web）を選んでください。");
    }
    let title =
        required_text(&mut errors, "title", &input.title, 200, "研修会の名称を入力してください。");
    let venue = required_text(
        &mut errors,
        "venue",
        &input.venue,
        200,
        "会場を入力してください（Web開催の場合は配信方法など）。",
    );
    let organizer_name = required_text(
        &mut errors,
        "organizer_name",
        &input.organizer_name,
        100,
        "主催者名を入力してください。",
    );
    let contact_name = required_text(
        &mut errors,
        "contact_name",
        &input.contact_name,
        50,
        "担当者の氏名を入力してください。",
    );
    let contact_email = parse_email(&input.contact_email)
        .map_err(|e| errors.add("contact_email", e))
        .unwrap_or_default();
    let phone = parse_phone(&input.contact_phone).map_err(|e| errors.add("contact_phone", e));
    let fax = parse_phone(&input.contact_fax)
        .map_err(|e| errors.add("contact_fax", e.replace("電話番号", "FAX番号")));
    if let (Ok(None), Ok(None)) = (&phone, &fax) {
        errors.add("contact_phone", "電話番号かFAX番号のどちらかを入力してください。");
    }
    let approving_prefecture_code = prefecture::parse(&input.approving_prefecture);
    if approving_prefecture_code.is_none() {
        errors.add("approving_prefecture", "申請先の都道府県医師会を選んでください。");
    }

    // Dates: the last day may be left empty for a one-day seminar.
    let earliest = today - Duration::days(2 * 366);
    let latest = today + Duration::days(3 * 366);
    let starts_on = if input.starts_on.trim().is_empty() {
        errors.add("starts_on", "開催日（初日）を入力してください。");
        None
    } else {
        match parse_date(&input.starts_on) {
            None => {
                errors.add("starts_on", "開催日は西暦で「2025-09-20」のように入力してください。");
                None
            }
            Some(d) if d < earliest || d > latest => {
                errors.add("starts_on", "開催日を確認してください（年の入力誤りはありませんか）。");
                None
            }
            Some(d) => Some(d),
        }
    };
    let ends_on = if input.ends_on.trim().is_empty() {
        starts_on
    } else {
        match parse_date(&input.ends_on) {
            None => {
                errors.add("ends_on", "終了日は西暦で「2025-09-21」のように入力してください。");
                None
            }
            Some(d) => Some(d),
        }
    };
    if let (Some(s), Some(e)) = (starts_on, ends_on) {
        if e < s {
            errors
                .add("ends_on", "終了日は開催日（初日）と同じか、それより後の日付にしてください。");
        } else if (e - s).num_days() + 1 > MAX_DAYS {
            errors.add("ends_on", format!("開催期間は{MAX_DAYS}日以内にしてください。"));
        }
    }

    // Units per category: only the programme's categories, only those the format may grant.
    let mut units = Vec::new();
    for category in Category::ALL {
        let text = input.units(category);
        if text.trim().is_empty() {
            continue;
        }
        let field = units_field(category);
        let parsed = match Units::parse(text) {
            Ok(u) => u,
            Err(e) => {
                errors.add(field, e);
                continue;
            }
        };
        if let Some(p) = programme {
            if category.programme() != p {
                errors.add(
                    field,
                    format!("「{}」は{}の区分ではありません。", category.label(), p.label()),
                );
                continue;
            }
        }
        if let Some(f) = format {
            if !category.allowed_in(f) {
                errors.add(
                    field,
                    format!(
                        "{}開催の研修会では「{}」の単位は付与できません。",
                        f.label(),
                        category.label()
                    ),
                );
                continue;
            }
        }
        units.push((category, parsed));
    }
    let any_units_typed = Category::ALL.iter().any(|c| !input.units(*c).trim().is_empty());
    if !any_units_typed {
        errors.add("units", "単位を付与する区分を1つ以上選び、単位数を入力してください。");
    }

    let recruiting = matches!(input.recruiting.trim(), "yes" | "on" | "true" | "1");
    let capacity_text = to_halfwidth_ascii(&input.capacity);
    let capacity_text = capacity_text.trim().replace(',', "");
    let capacity = if capacity_text.is_empty() {
        None
    } else {
        match capacity_text.parse::<i32>() {
            Ok(n) if (1..=100_000).contains(&n) => Some(n),
            _ => {
                errors
                    .add("capacity", "定員は1以上の数字で入力してください（定めない場合は空欄）。");
                None
            }
        }
    };

    if !errors.is_empty() {
        return Err(errors);
    }
    match (programme, format, starts_on, ends_on, approving_prefecture_code, phone, fax) {
        (
            Some(programme),
            Some(format),
            Some(starts_on),
            Some(ends_on),
            Some(code),
            Ok(p),
            Ok(f),
        ) => Ok(SeminarDraft {
            programme,
            title,
            starts_on,
            ends_on,
            format,
            venue,
            organizer_name,
            contact_name,
            contact_email,
            contact_phone: p,
            contact_fax: f,
            approving_prefecture_code: code,
            units,
            recruiting,
            capacity,
        }),
        _ => Err(errors),
    }
}

/// An application (not a paper entry) is for a seminar still to come.
pub fn check_application(draft: &SeminarDraft, today: NaiveDate) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    if today < applications_open_on() {
        errors.add(
            "form",
            format!(
                "研修会の申請は{}から受け付けます。それまでは従来どおり書面で都道府県医師会へ申請してください。",
                applications_open_on().format("%Y年%-m月%-d日")
            ),
        );
    }
    if draft.starts_on <= today {
        errors.add("starts_on", "開催日が過ぎている（または今日の）研修会は申請できません。");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// 「2025年9月20日」 or 「2025年9月20日～9月21日」.
pub fn period_label(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    let first = starts_on.format("%Y年%-m月%-d日").to_string();
    if ends_on == starts_on {
        first
    } else if ends_on.format("%Y").to_string() == starts_on.format("%Y").to_string() {
        format!("{first}～{}", ends_on.format("%-m月%-d日"))
    } else {
        format!("{first}～{}", ends_on.format("%Y年%-m月%-d日"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::{allows, Action, SeminarTarget};
    use crate::domain::role::AssociationRef;
    use crate::domain::role::{Actor, AssociationKind, Role};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 7, 10).unwrap()
    }

    fn good() -> SeminarInput {
        SeminarInput {
            programme: "occupational".into(),
            title: "産業医研修会（メンタルヘルス）".into(),
            starts_on: "2025/9/20".into(),
            ends_on: "".into(),
            format: "in_person".into(),
            venue: "千代田区医師会館 3階ホール".into(),
            organizer_name: "株式会社 産業保健研修".into(),
            contact_name: "鈴木 一郎".into(),
            contact_email: "suzuki@example.jp".into(),
            contact_phone: "０３－１２３４－５６７８".into(),
            contact_fax: "".into(),
            approving_prefecture: "13".into(),
            units_lifelong_renewal: "1".into(),
            units_lifelong_specialized: "1.5".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_becomes_a_draft() {
        let d = parse_seminar(&good(), today()).unwrap();
        assert_eq!(d.programme, Programme::Occupational);
        assert_eq!(d.format, Format::InPerson);
        assert_eq!(d.starts_on, NaiveDate::from_ymd_opt(2025, 9, 20).unwrap());
        assert_eq!(d.ends_on, d.starts_on, "an empty last day means a one-day seminar");
        assert_eq!(d.contact_phone.as_deref(), Some("03-1234-5678"));
        assert_eq!(d.contact_fax, None);
        assert_eq!(d.approving_prefecture_code, 13);
        let units: Vec<(Category, String)> =
            d.units.iter().map(|(c, u)| (*c, u.to_string())).collect();
        assert_eq!(
            units,
            vec![
                (Category::LifelongRenewal, "1".to_string()),
                (Category::LifelongSpecialized, "1.5".to_string())
            ]
        );
        assert!(!d.recruiting);
        assert_eq!(d.capacity, None);
    }

    /// Each row: what to change, the field that must carry an error, and part of the message.
    #[test]
    fn every_rule_reports_next_to_its_field() {
        type Change = fn(&mut SeminarInput);
        let table: Vec<(&str, Change, &str, &str)> = vec![
            ("no programme", |i| i.programme = "".into(), "programme", "制度"),
            ("unknown format", |i| i.format = "zoom".into(), "format", "開催形式"),
            ("no title", |i| i.title = " ".into(), "title", "名称を入力"),
            ("long title", |i| i.title = "あ".repeat(201), "title", "200文字以内"),
            ("no venue", |i| i.venue = "".into(), "venue", "会場"),
            ("no organizer", |i| i.organizer_name = "".into(), "organizer_name", "主催者名"),
            ("no contact", |i| i.contact_name = "".into(), "contact_name", "担当者"),
            ("bad e-mail", |i| i.contact_email = "suzuki".into(), "contact_email", "形式"),
            (
                "neither phone nor fax",
                |i| i.contact_phone = "".into(),
                "contact_phone",
                "電話番号かFAX番号",
            ),
            ("bad fax", |i| i.contact_fax = "12".into(), "contact_fax", "FAX番号"),
            (
                "no prefecture",
                |i| i.approving_prefecture = "".into(),
                "approving_prefecture",
                "都道府県",
            ),
            ("no first day", |i| i.starts_on = "".into(), "starts_on", "入力してください"),
            ("bad first day", |i| i.starts_on = "9月20日".into(), "starts_on", "西暦"),
            ("impossible date", |i| i.starts_on = "2025-02-30".into(), "starts_on", "西暦"),
            ("year slip", |i| i.starts_on = "2205-09-20".into(), "starts_on", "確認"),
            ("bad last day", |i| i.ends_on = "あした".into(), "ends_on", "西暦"),
            ("ends before it starts", |i| i.ends_on = "2025-09-19".into(), "ends_on", "同じか"),
            ("32 days", |i| i.ends_on = "2025-10-21".into(), "ends_on", "31日以内"),
            (
                "no units at all",
                |i| {
                    i.units_lifelong_renewal = "".into();
                    i.units_lifelong_specialized = "".into();
                },
                "units",
                "1つ以上",
            ),
            (
                "zero units",
                |i| i.units_lifelong_renewal = "0".into(),
                "units_lifelong_renewal",
                "0より大きく",
            ),
            (
                "two decimals",
                |i| i.units_lifelong_renewal = "1.25".into(),
                "units_lifelong_renewal",
                "小数第1位",
            ),
            (
                "a sports category in an occupational seminar",
                |i| i.units_sports_retraining = "2".into(),
                "units_sports_retraining",
                "「健康スポーツ医学再研修」は認定産業医の区分ではありません",
            ),
            (
                "an occupational category in a sports seminar",
                |i| {
                    i.programme = "sports".into();
                    i.units_lifelong_specialized = "".into();
                },
                "units_lifelong_renewal",
                "認定健康スポーツ医の区分ではありません",
            ),
            (
                "Web grants 基礎",
                |i| {
                    i.format = "web".into();
                    i.units_basic_late = "2".into();
                },
                "units_basic_late",
                "Web開催の研修会では「基礎研修 後期」の単位は付与できません。",
            ),
            (
                "Web grants 生涯 実地",
                |i| {
                    i.format = "web".into();
                    i.units_lifelong_practical = "1".into();
                },
                "units_lifelong_practical",
                "「生涯研修 実地」の単位は付与できません",
            ),
            ("capacity not a number", |i| i.capacity = "多数".into(), "capacity", "定員"),
            ("capacity zero", |i| i.capacity = "0".into(), "capacity", "定員"),
        ];
        for (name, change, field, message) in table {
            let mut input = good();
            change(&mut input);
            let errors = parse_seminar(&input, today()).expect_err(name);
            let got = errors.get(field).unwrap_or_else(|| panic!("{name}: no error on {field}"));
            assert!(got.contains(message), "{name}: {got}");
            assert_eq!(errors.len(), 1, "{name}: only {field} is wrong, got {errors:?}");
        }
    }

    #[test]
    fn web_may_grant_renewal_specialized_and_sports_units() {
        let mut input = good();
        input.format = "web".into();
        assert_eq!(parse_seminar(&input, today()).unwrap().format, Format::Web);
        let mut sports = SeminarInput {
            programme: "sports".into(),
            format: "web".into(),
            units_sports_retraining: "２.５".into(),
            ..good()
        };
        sports.units_lifelong_renewal = "".into();
        sports.units_lifelong_specialized = "".into();
        let d = parse_seminar(&sports, today()).unwrap();
        assert_eq!(d.units.len(), 1);
        assert_eq!(d.units[0].0, Category::SportsRetraining);
        assert_eq!(d.units[0].1.to_string(), "2.5");
    }

    #[test]
    fn dates_spelled_many_ways_and_31_days_at_most() {
        for (starts, ends, ok) in [
            ("2025-09-20", "2025-09-21", true),
            ("20250920", "２０２５年９月２１日", true),
            ("2025.9.20", "2025/10/20", true),
            ("2025-09-20", "2025-10-21", false),
            ("2025-09-20", "2025-09-20", true),
        ] {
            let input = SeminarInput { starts_on: starts.into(), ends_on: ends.into(), ..good() };
            assert_eq!(parse_seminar(&input, today()).is_ok(), ok, "{starts} – {ends}");
        }
    }

    #[test]
    fn recruiting_and_capacity() {
        let input =
            SeminarInput { recruiting: "yes".into(), capacity: "１，２００".into(), ..good() };
        let d = parse_seminar(&input, today()).unwrap();
        assert!(d.recruiting);
        assert_eq!(d.capacity, Some(1200));
    }

    #[test]
    fn applications_are_for_seminars_to_come_from_july_2025() {
        let d = parse_seminar(&good(), today()).unwrap();
        assert!(check_application(&d, today()).is_ok());
        let held = SeminarDraft { starts_on: today(), ..d.clone() };
        assert!(check_application(&held, today()).unwrap_err().has("starts_on"));
        let june = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let errors = check_application(&d, june).unwrap_err();
        assert!(errors.get("form").unwrap().contains("2025年7月1日から"));
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        assert!(Status::Returned.editable());
        assert!(!Status::Approved.editable());
        assert_eq!(Status::from_code("nonsense"), None);
    }

    #[test]
    fn periods() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(period_label(d(2025, 9, 20), d(2025, 9, 20)), "2025年9月20日");
        assert_eq!(period_label(d(2025, 9, 20), d(2025, 9, 21)), "2025年9月20日～9月21日");
        assert_eq!(period_label(d(2025, 12, 31), d(2026, 1, 2)), "2025年12月31日～2026年1月2日");
    }

    /// The list scope agrees with the policy for every role and seminar (DOMAIN §9).
    #[test]
    fn scope_is_the_policy_in_sql_form() {
        const TOKYO: i16 = 13;
        const OSAKA: i16 = 27;
        let association = |id, kind, pref| {
            Some(AssociationRef { id, kind, name: "x".into(), prefecture_code: pref })
        };
        let actors = [
            Actor { account_id: 1, role: Role::Physician, association: None },
            Actor {
                account_id: 2,
                role: Role::MunicipalStaff,
                association: association(100, AssociationKind::Municipal, Some(TOKYO)),
            },
            Actor {
                account_id: 3,
                role: Role::PrefecturalStaff,
                association: association(14, AssociationKind::Prefectural, Some(TOKYO)),
            },
            Actor { account_id: 4, role: Role::PrefecturalStaff, association: None },
            Actor {
                account_id: 5,
                role: Role::JmaStaff,
                association: association(1, AssociationKind::Jma, None),
            },
            Actor {
                account_id: 6,
                role: Role::Sysadmin,
                association: association(1, AssociationKind::Jma, None),
            },
        ];
        let targets = [
            SeminarTarget { organizer_association_id: Some(100), approving_prefecture_code: TOKYO },
            SeminarTarget { organizer_association_id: Some(101), approving_prefecture_code: TOKYO },
            SeminarTarget { organizer_association_id: None, approving_prefecture_code: TOKYO },
            SeminarTarget { organizer_association_id: None, approving_prefecture_code: OSAKA },
            SeminarTarget { organizer_association_id: Some(100), approving_prefecture_code: OSAKA },
        ];
        for actor in &actors {
            let scope = crate::domain::policy::scope(actor, crate::domain::policy::List::Seminars);
            for target in targets {
                assert_eq!(
                    scope.covers_seminar(target),
                    allows(actor, Action::ViewSeminarAttendees(target)),
                    "{:?} / {target:?}",
                    actor.role
                );
            }
        }
    }
}
