//! The physician's application forms, parsed at the edge into what the rules accept: a credit
//! declared by hand (from the handbook or a certificate), the details (route, its document's
//! date, the late reason, the practical activity, the exemption). Pure: the forms' every
//! problem, keyed by the control it concerns, in the order of the form.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::category::{Category, Format, Programme};
use super::field_errors::FieldErrors as Errors;
use super::requirements::Exemption;
use crate::clock::format_jp_date;

/// The longest free text (late reason, practical activity).
pub const MAX_TEXT: usize = 4_000;

#[derive(Default, Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub units: String,
    #[serde(default)]
    pub attended_on: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Default, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    pub route: String,
    #[serde(default)]
    pub route_document_date: String,
    #[serde(default)]
    pub receiving_association_id: String,
    #[serde(default)]
    pub late_reason: String,
    #[serde(default)]
    pub practical_activity: String,
    #[serde(default)]
    pub exemption: String,
}

/// Routes that a programme and kind allow.
pub fn routes_for(programme: &str, kind: &str) -> &'static [&'static str] {
    match (programme, kind) {
        ("occupational", "new") => &["credits", "university"],
        ("sports", "new") => &["credits", "sports_exemption"],
        _ => &["credits"],
    }
}

/// Units as typed: 「1」「1.5」「１．５」. One decimal place, 0 < units ≤ 999.9.
pub fn parse_units(input: &str) -> Result<Decimal, &'static str> {
    let text = crate::domain::text::to_halfwidth_ascii(input).trim().to_string();
    if text.is_empty() {
        return Err("単位数を入力してください。");
    }
    let units: Decimal = text.parse().map_err(|_| "単位数は数字で入力してください（例：1.5）。")?;
    if units <= Decimal::ZERO || units > Decimal::new(9999, 1) {
        return Err("単位数は0より大きく999.9以下で入力してください。");
    }
    if units.normalize().scale() > 1 {
        return Err("単位数は小数第1位までで入力してください。");
    }
    Ok(units)
}

/// A typed date: Western (「2024-05-10」「2024/5/10」) or 和暦 (「令和6年5月10日」「R6.5.10」).
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    crate::domain::era::parse_typed_date(input)
}

/// A credit the physician declares by hand (from the handbook or a certificate), as accepted.
#[derive(Debug)]
pub struct DeclaredCredit {
    pub category: Category,
    pub format: Format,
    pub units: Decimal,
    pub attended_on: NaiveDate,
    pub source: &'static str,
    pub note: Option<String>,
}

/// The credit form of an application in `programme`: every problem, in the order of the form.
pub fn parse_credit(
    form: &CreditForm,
    programme: &str,
    cut_over: NaiveDate,
    today: NaiveDate,
) -> Result<DeclaredCredit, Errors> {
    let mut errors = Errors::default();
    let category =
        Category::from_code(form.category.trim()).filter(|c| c.programme().code() == programme);
    if category.is_none() {
        errors.add("category", "研修の区分を選んでください。");
    }
    let format = Format::from_code(form.format.trim());
    if format.is_none() {
        errors.add("format", "形式（対面・Web）を選んでください。");
    }
    // A course's completion certificate carries no units to type: record it as 1.
    let units = if category.is_some_and(Category::is_course) && form.units.trim().is_empty() {
        Some(rust_decimal::Decimal::ONE)
    } else {
        parse_units(&form.units).map_err(|e| errors.add("units", e)).ok()
    };
    let date = match parse_date(&form.attended_on) {
        None => {
            errors.add(
                "attended_on",
                "受講日を「2024-05-10」または「令和6年5月10日」のように入力してください。",
            );
            None
        }
        Some(d) if d >= cut_over => {
            errors.add(
                "attended_on",
                format!(
                    "{}以降に開催された研修会の単位はポータルに登録されるため、ここには入力しません。",
                    format_jp_date(cut_over)
                ),
            );
            None
        }
        Some(d) if d > today => {
            errors.add("attended_on", "受講日が未来の日付になっています。");
            None
        }
        Some(d) => Some(d),
    };
    let sources = Programme::from_code(programme).map(Programme::declared_sources).unwrap_or(&[]);
    let source = match sources.iter().find(|s| **s == form.source.trim()) {
        Some(s) => Some(*s),
        None if programme == Programme::Sports.code() => {
            errors.add("source", "健康スポーツ医の研修は、手帳ではなく修了証で入力してください。");
            None
        }
        None => {
            errors.add("source", "記録の種類（手帳・修了証）を選んでください。");
            None
        }
    };
    let note = form.note.trim().to_string();
    if note.chars().count() > 200 {
        errors.add("note", "研修会名・メモは200文字以内で入力してください。");
    }
    match (category, format, units, date, source, errors.is_empty()) {
        (Some(category), Some(format), Some(units), Some(attended_on), Some(source), true) => {
            Ok(DeclaredCredit {
                category,
                format,
                units,
                attended_on,
                source,
                note: (!note.is_empty()).then_some(note),
            })
        }
        _ => Err(errors),
    }
}

/// The categories a physician may declare by hand on an application of `programme` and `kind`:
/// for a renewal, the categories that renew (not 基礎研修 or the sports course); for a new
/// certification, those that qualify for it.
pub fn declarable_categories(programme: Programme, kind: &str) -> Vec<Category> {
    let course = |c: &Category| matches!(c, Category::SportsEarly | Category::SportsLate);
    programme
        .categories()
        .into_iter()
        .filter(|c| {
            if kind == "renewal" {
                !c.is_basic() && !course(c)
            } else {
                c.is_basic() || course(c)
            }
        })
        .collect()
}

/// The details as accepted: what `db::applications::update_details` stores.
#[derive(Debug, PartialEq)]
pub struct Details {
    pub route: &'static str,
    pub route_document_date: Option<NaiveDate>,
    pub late_reason: Option<String>,
    pub practical_activity: Option<String>,
    pub exemption: Option<Exemption>,
}

/// What the details form of one application needs to know about it.
pub struct DetailsFacts<'a> {
    pub programme: &'a str,
    pub kind: &'a str,
    /// A renewal applied for after the term ended: the late reason is kept.
    pub late: bool,
    pub today: NaiveDate,
}

/// The details form: every problem, keyed by the control it concerns.
pub fn parse_details(form: &DetailsForm, facts: &DetailsFacts<'_>) -> Result<Details, Errors> {
    let mut errors = Errors::default();
    let allowed = routes_for(facts.programme, facts.kind);
    let route = allowed.iter().copied().find(|r| *r == form.route.trim()).unwrap_or("credits");
    let route_document_date = if route == "university" {
        match parse_date(&form.route_document_date) {
            Some(d) if d > facts.today => {
                errors.add("route_document_date", "修了認定証の日付が未来になっています。");
                None
            }
            Some(d) => Some(d),
            None => {
                errors.add(
                    "route_document_date",
                    "修了認定証の日付を「2022-03-31」（または令和4年3月31日）のように入力してください。",
                );
                None
            }
        }
    } else {
        None
    };
    let late_reason = form.late_reason.trim().replace("\r\n", "\n");
    let practical = form.practical_activity.trim().replace("\r\n", "\n");
    if late_reason.chars().count() > MAX_TEXT {
        errors.add("late_reason", "遅延理由書は4,000文字以内で入力してください。");
    }
    if practical.chars().count() > MAX_TEXT {
        errors.add("practical_activity", "実践活動の記録は4,000文字以内で入力してください。");
    }
    let exemption = Exemption::from_code(form.exemption.trim());
    if route == "sports_exemption" && exemption.is_none() {
        errors.add("exemption", "免除の資格を4つのうちから選んでください。");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let sports_renewal = facts.programme == Programme::Sports.code() && facts.kind == "renewal";
    Ok(Details {
        route,
        route_document_date,
        late_reason: (facts.late && !late_reason.is_empty()).then_some(late_reason),
        practical_activity: (sports_renewal && !practical.is_empty()).then_some(practical),
        exemption: exemption.filter(|_| route == "sports_exemption"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_as_typed() {
        assert_eq!(parse_units("1.5"), Ok(Decimal::new(15, 1)));
        assert_eq!(parse_units("１８"), Ok(Decimal::from(18)));
        assert!(parse_units("0").is_err());
        assert!(parse_units("1.25").is_err());
        assert!(parse_units("abc").is_err());
        assert!(parse_units("1000").is_err());
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn declarable_categories_by_kind() {
        use Category::*;
        let renew = declarable_categories(Programme::Occupational, "renewal");
        assert!(renew.contains(&LifelongPractical) && !renew.iter().any(|c| c.is_basic()));
        let new = declarable_categories(Programme::Occupational, "new");
        assert!(!new.is_empty() && new.iter().all(|c| c.is_basic()));
        let sports_new = declarable_categories(Programme::Sports, "new");
        assert!(sports_new.contains(&SportsEarly) && sports_new.contains(&SportsLate));
        let sports_renew = declarable_categories(Programme::Sports, "renewal");
        assert_eq!(sports_renew, vec![SportsRetraining]);
    }

    #[test]
    fn details_by_route_and_kind() {
        let today = day(2025, 6, 1);
        let facts = |programme, kind, late| DetailsFacts { programme, kind, late, today };
        let form = |route: &str, date: &str| DetailsForm {
            route: route.into(),
            route_document_date: date.into(),
            late_reason: "遅れました".into(),
            practical_activity: "活動".into(),
            ..DetailsForm::default()
        };
        // A route the programme does not allow falls back to credits.
        let d = parse_details(&form("university", ""), &facts("sports", "new", false)).unwrap();
        assert_eq!(d.route, "credits");
        // The university route needs its certificate's date, not in the future.
        let f = facts("occupational", "new", false);
        assert!(parse_details(&form("university", ""), &f).is_err());
        assert!(parse_details(&form("university", "2025-07-01"), &f).is_err());
        let d = parse_details(&form("university", "令和4年3月31日"), &f).unwrap();
        assert_eq!(d.route_document_date, Some(day(2022, 3, 31)));
        // The late reason is kept only when late; the practical activity only for sports renewal.
        let d =
            parse_details(&form("credits", ""), &facts("occupational", "renewal", true)).unwrap();
        assert_eq!(d.late_reason.as_deref(), Some("遅れました"));
        assert_eq!(d.practical_activity, None);
        let d = parse_details(&form("credits", ""), &facts("sports", "renewal", false)).unwrap();
        assert_eq!((d.late_reason, d.practical_activity.as_deref()), (None, Some("活動")));
        // The exemption route needs one of the four.
        let f = facts("sports", "new", false);
        assert!(parse_details(&form("sports_exemption", ""), &f).is_err());
    }
}
