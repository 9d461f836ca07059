//! The requirement engine (DOMAIN §2, §3): does a physician meet the rules for a new
//! certification or a renewal, and why not. Pure functions; every number lives in `limits`.
//!
//! Credits come from two sources that are simply added: the portal's (seminars from
//! 2025-04-01) and those declared in the application (手帳 stickers, paper certificates).

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;

use super::category::{Category, Format, Programme};

/// Every threshold of the two programmes, in one place.
pub mod limits {
    /// Occupational renewal: total units within the validity period.
    pub const RENEWAL_TOTAL: i64 = 20;
    /// Occupational renewal: at least this many of each of 更新, 実地, 専門.
    pub const RENEWAL_EACH: i64 = 1;
    /// Occupational renewal: Web units counted at most (briefing's sample: 10 Web → 5).
    pub const RENEWAL_WEB_CAP: i64 = 5;
    /// Occupational new: 基礎 前期 / 実地 / 後期.
    pub const BASIC_EARLY: i64 = 14;
    pub const BASIC_PRACTICAL: i64 = 10;
    pub const BASIC_LATE: i64 = 26;
    /// Occupational new: apply within this many years of the last 基礎 attendance (and of the
    /// 産業医科大学 completion certificate).
    pub const BASIC_VALID_YEARS: u32 = 5;
    /// Sports renewal: 再研修 units within the validity period.
    pub const SPORTS_RETRAINING: i64 = 5;
    /// Late renewal: up to this many months after expiry, with a reason.
    pub const LATE_RENEWAL_MONTHS: u32 = 6;
    /// Certificates are valid this many years.
    pub const VALIDITY_YEARS: u32 = 5;
}

/// The minimum of each of the eight 前期 items (総論 2, 健康管理 2, メンタルヘルス対策 1,
/// 健康保持増進 1, 作業環境管理 2, 作業管理 2, 有害業務管理 2, 産業医活動の実際 2).
pub fn basic_early_item_minimum(category: Category) -> Option<i64> {
    match category {
        Category::BasicEarlyGeneral
        | Category::BasicEarlyHealthManagement
        | Category::BasicEarlyWorkEnvironment
        | Category::BasicEarlyWorkManagement
        | Category::BasicEarlyHazardousWork
        | Category::BasicEarlyPractice => Some(2),
        Category::BasicEarlyMentalHealth | Category::BasicEarlyHealthPromotion => Some(1),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Portal,
    Declared,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credit {
    pub category: Category,
    pub format: Format,
    pub units: Decimal,
    pub date: NaiveDate,
    pub source: Source,
    /// A declared certificate (修了証) whose photo or PDF was uploaded with it. Sports evidence
    /// counts only so (DOMAIN §2); occupational 手帳 credits are checked on the mailed original.
    pub evidenced: bool,
}

impl Credit {
    /// Counts for the sports programme: the portal's, or a declared certificate with its upload.
    fn sports_evidence(&self) -> bool {
        self.source == Source::Portal || self.evidenced
    }
}

/// The four exemptions from the 健康スポーツ医学講習会 for a first sports application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exemption {
    /// 日本整形外科学会 認定スポーツ医.
    JosSportsDoctor,
    /// 日本整形外科学会 スポーツ医学研修会 総論 修了.
    JosCourse,
    /// 日本スポーツ協会 公認スポーツドクター.
    JspoSportsDoctor,
    /// 日本スポーツ協会 公認スポーツドクター養成講習会 基礎科目 修了.
    JspoBasic,
}

impl Exemption {
    pub const ALL: [Exemption; 4] = [
        Exemption::JosSportsDoctor,
        Exemption::JosCourse,
        Exemption::JspoSportsDoctor,
        Exemption::JspoBasic,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Exemption::JosSportsDoctor => "jos_sports_doctor",
            Exemption::JosCourse => "jos_course",
            Exemption::JspoSportsDoctor => "jspo_sports_doctor",
            Exemption::JspoBasic => "jspo_basic",
        }
    }

    pub fn from_code(code: &str) -> Option<Exemption> {
        Exemption::ALL.into_iter().find(|e| e.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Exemption::JosSportsDoctor => "日本整形外科学会 認定スポーツ医",
            Exemption::JosCourse => "日本整形外科学会 スポーツ医学研修会 総論 修了",
            Exemption::JspoSportsDoctor => "日本スポーツ協会 公認スポーツドクター",
            Exemption::JspoBasic => "日本スポーツ協会 公認スポーツドクター養成講習会 基礎科目 修了",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    New,
    Renewal,
}

/// Alternative ways to qualify that need an uploaded document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Credits,
    /// 産業医科大学 基本講座/集中講座 修了認定証 of this date.
    UniversityCertificate(NaiveDate),
    /// Sports new: one of the four exemptions (None: not chosen yet); its evidence is uploaded.
    SportsExemption(Option<Exemption>),
}

pub struct Input {
    pub programme: Programme,
    pub kind: Kind,
    pub credits: Vec<Credit>,
    /// The current certificate's validity (renewal).
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub applied_on: NaiveDate,
    pub route: Route,
    /// Sports renewal: the record of practical activity was given.
    pub practical_activity_recorded: bool,
    /// Late renewal: the reason (遅延理由書) was given.
    pub late_reason_given: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    pub label: String,
    pub required: Option<Decimal>,
    pub counted: Option<Decimal>,
    pub met: bool,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub met: bool,
    pub rules: Vec<Rule>,
}

fn d(n: i64) -> Decimal {
    Decimal::from(n)
}

fn rule(label: &str, required: i64, counted: Decimal) -> Rule {
    Rule {
        label: label.to_string(),
        required: Some(d(required)),
        counted: Some(counted),
        met: counted >= d(required),
        note: None,
    }
}

fn condition(label: &str, met: bool, note: Option<String>) -> Rule {
    Rule { label: label.to_string(), required: None, counted: None, met, note }
}

pub fn check(input: &Input) -> Outcome {
    let rules = match (input.programme, input.kind) {
        (Programme::Occupational, Kind::Renewal) => occupational_renewal(input),
        (Programme::Occupational, Kind::New) => occupational_new(input),
        (Programme::Sports, Kind::Renewal) => sports_renewal(input),
        (Programme::Sports, Kind::New) => sports_new(input),
    };
    Outcome { met: rules.iter().all(|r| r.met), rules }
}

fn sum(credits: &[&Credit], category: Category, format: Option<Format>) -> Decimal {
    credits
        .iter()
        .filter(|c| c.category == category && format.is_none_or(|f| c.format == f))
        .map(|c| c.units)
        .sum()
}

/// Renewal timing: within the validity period, or late within the grace months with a reason.
fn renewal_timing(input: &Input) -> Vec<Rule> {
    let Some(until) = input.valid_until else {
        return vec![condition("更新の対象となる認定がある", false, None)];
    };
    if input.applied_on <= until {
        return vec![];
    }
    let grace = until + Months::new(limits::LATE_RENEWAL_MONTHS);
    if input.applied_on > grace {
        return vec![condition(
            "有効期限から6か月以内の申請",
            false,
            Some("有効期限から6か月を過ぎているため更新できません。新規申請となります。".into()),
        )];
    }
    vec![condition(
        "遅延理由書（有効期限後の申請）",
        input.late_reason_given,
        Some("有効期限を過ぎているため、遅延理由書が必要です。".into()),
    )]
}

/// Credits dated within the validity period (renewal).
fn within_validity(input: &Input) -> Vec<&Credit> {
    input
        .credits
        .iter()
        .filter(|c| {
            input.valid_from.is_some_and(|f| c.date >= f)
                && input.valid_until.is_some_and(|u| c.date <= u)
        })
        .collect()
}

/// The label of the occupational renewal's total rule (its `counted` is the 合計 the staff's
/// workbook shows).
pub const RENEWAL_TOTAL_LABEL: &str = "生涯研修 合計";

/// Occupational renewal. In-person units count fully; Web units count only for 更新 and 専門
/// and at most 5 in all. Capped Web units go first where they make a category minimum.
pub fn occupational_renewal(input: &Input) -> Vec<Rule> {
    use Category::*;
    let credits = within_validity(input);
    let in_person = |c| sum(&credits, c, Some(Format::InPerson));
    let web = |c| sum(&credits, c, Some(Format::Web));
    let (renewal_ip, practical_ip, specialized_ip) =
        (in_person(LifelongRenewal), in_person(LifelongPractical), in_person(LifelongSpecialized));
    let (renewal_web, specialized_web) = (web(LifelongRenewal), web(LifelongSpecialized));

    let mut cap = d(limits::RENEWAL_WEB_CAP);
    let mut take = |want: Decimal, available: Decimal| {
        let taken = want.min(available).min(cap).max(Decimal::ZERO);
        cap -= taken;
        taken
    };
    let each = d(limits::RENEWAL_EACH);
    // First, Web units that lift a category to its minimum.
    let mut renewal_web_used = take(each - renewal_ip, renewal_web);
    let mut specialized_web_used = take(each - specialized_ip, specialized_web);
    // Then whatever the cap still allows.
    renewal_web_used += take(renewal_web - renewal_web_used, renewal_web - renewal_web_used);
    specialized_web_used +=
        take(specialized_web - specialized_web_used, specialized_web - specialized_web_used);

    let web_total = renewal_web + specialized_web + web(LifelongPractical);
    let web_counted = renewal_web_used + specialized_web_used;
    let total = renewal_ip + practical_ip + specialized_ip + web_counted;

    let mut rules = renewal_timing(input);
    let mut total_rule = rule(RENEWAL_TOTAL_LABEL, limits::RENEWAL_TOTAL, total);
    if web_total > web_counted {
        total_rule.note = Some(format!(
            "Web研修{}単位のうち{}単位を算入（Webは更新・専門のみ、合計5単位まで）",
            web_total.normalize(),
            web_counted.normalize()
        ));
    }
    rules.push(total_rule);
    rules.push(rule("生涯研修 更新", limits::RENEWAL_EACH, renewal_ip + renewal_web_used));
    let mut practical = rule("生涯研修 実地（対面のみ）", limits::RENEWAL_EACH, practical_ip);
    if web(LifelongPractical) > Decimal::ZERO {
        practical.note = Some("Webの実地研修は算入されません".into());
    }
    rules.push(practical);
    rules.push(rule("生涯研修 専門", limits::RENEWAL_EACH, specialized_ip + specialized_web_used));
    rules
}

/// Occupational new: 基礎 units in person only, 前期 with its eight items.
pub fn occupational_new(input: &Input) -> Vec<Rule> {
    let window_start = input
        .applied_on
        .checked_sub_months(Months::new(12 * limits::BASIC_VALID_YEARS))
        .unwrap_or(input.applied_on);
    if let Route::UniversityCertificate(date) = input.route {
        return vec![condition(
            "産業医科大学の修了認定証（5年以内）",
            date >= window_start && date <= input.applied_on,
            Some("修了認定証の写しの提出が必要です。".into()),
        )];
    }
    let credits: Vec<&Credit> = input
        .credits
        .iter()
        .filter(|c| c.category.is_basic() && c.format == Format::InPerson)
        .filter(|c| c.date <= input.applied_on)
        .collect();
    let mut rules = Vec::new();
    let early: Decimal =
        credits.iter().filter(|c| c.category.is_basic_early_item()).map(|c| c.units).sum();
    rules.push(rule("基礎研修 前期", limits::BASIC_EARLY, early));
    for item in Category::ALL.into_iter().filter(|c| c.is_basic_early_item()) {
        let minimum = basic_early_item_minimum(item).unwrap_or(0);
        rules.push(rule(item.label(), minimum, sum(&credits, item, None)));
    }
    rules.push(rule(
        "基礎研修 実地",
        limits::BASIC_PRACTICAL,
        sum(&credits, Category::BasicPractical, None),
    ));
    rules.push(rule("基礎研修 後期", limits::BASIC_LATE, sum(&credits, Category::BasicLate, None)));
    let last = credits.iter().map(|c| c.date).max();
    rules.push(condition(
        "最後の基礎研修の受講から5年以内の申請",
        last.is_some_and(|l| l >= window_start),
        None,
    ));
    if input.credits.iter().any(|c| c.category.is_basic() && c.format == Format::Web) {
        if let Some(first) = rules.first_mut() {
            first.note = Some("Webの基礎研修は算入されません".into());
        }
    }
    rules
}

/// Sports new: both courses of the 健康スポーツ医学講習会 completed — a completion registered in
/// the portal, or a completion certificate declared with its upload (a course is completed or
/// not, never a sum of units); or one of the four exemptions.
pub fn sports_new(input: &Input) -> Vec<Rule> {
    if let Route::SportsExemption(exemption) = input.route {
        return vec![condition(
            &match exemption {
                Some(e) => format!("免除の資格：{}", e.label()),
                None => "免除の資格（どの資格かを選んでください）".to_string(),
            },
            exemption.is_some(),
            Some("資格を証明する書類の写しの提出が必要です。".into()),
        )];
    }
    [
        (Category::SportsEarly, "健康スポーツ医学講習会 前期の修了"),
        (Category::SportsLate, "健康スポーツ医学講習会 後期の修了"),
    ]
    .into_iter()
    .map(|(course, label)| {
        let of_course: Vec<&Credit> = input
            .credits
            .iter()
            .filter(|c| c.category == course && c.date <= input.applied_on)
            .collect();
        let met = of_course.iter().any(|c| c.sports_evidence());
        let note = (!met && !of_course.is_empty()).then(|| {
            "修了証の写し（写真またはPDF）を、申告した表の下の欄から提出してください。".to_string()
        });
        condition(label, met, note)
    })
    .collect()
}

/// Sports renewal: 再研修 within the validity period (portal, or declared certificates with
/// their uploads), every declared certificate uploaded, and the practical activity.
pub fn sports_renewal(input: &Input) -> Vec<Rule> {
    let credits: Vec<&Credit> =
        within_validity(input).into_iter().filter(|c| c.sports_evidence()).collect();
    let mut rules = renewal_timing(input);
    rules.push(rule(
        "健康スポーツ医学再研修",
        limits::SPORTS_RETRAINING,
        sum(&credits, Category::SportsRetraining, None),
    ));
    let declared = input
        .credits
        .iter()
        .filter(|c| c.source == Source::Declared && c.category == Category::SportsRetraining);
    let missing = declared.filter(|c| !c.evidenced).count();
    if input.credits.iter().any(|c| c.source == Source::Declared) {
        rules.push(condition(
            "申告した再研修の修了証の写し（すべて）",
            missing == 0,
            (missing > 0).then(|| format!("修了証の写しが{missing}件足りません。申告した表の下の欄から提出してください（原本の郵送は不要です）。")),
        ));
    }
    rules.push(condition("実践活動の記録", input.practical_activity_recorded, None));
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use Category::*;
    use Format::*;

    fn date(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn c(category: Category, format: Format, units: i64, on: NaiveDate) -> Credit {
        Credit {
            category,
            format,
            units: Decimal::from(units),
            date: on,
            source: Source::Portal,
            evidenced: false,
        }
    }

    fn renewal(credits: Vec<Credit>) -> Input {
        Input {
            programme: Programme::Occupational,
            kind: Kind::Renewal,
            credits,
            valid_from: Some(date(2021, 8, 1)),
            valid_until: Some(date(2026, 7, 31)),
            applied_on: date(2026, 4, 10),
            route: Route::Credits,
            practical_activity_recorded: false,
            late_reason_given: false,
        }
    }

    fn inside() -> NaiveDate {
        date(2024, 6, 1)
    }

    fn counted(o: &Outcome, label: &str) -> Decimal {
        o.rules.iter().find(|r| r.label == label).and_then(|r| r.counted).unwrap()
    }

    #[test]
    fn renewal_exactly_twenty_with_each_category_is_met() {
        let o = check(&renewal(vec![
            c(LifelongRenewal, InPerson, 1, inside()),
            c(LifelongPractical, InPerson, 1, inside()),
            c(LifelongSpecialized, InPerson, 18, inside()),
        ]));
        assert!(o.met, "{o:?}");
        let o = check(&renewal(vec![
            c(LifelongRenewal, InPerson, 1, inside()),
            c(LifelongPractical, InPerson, 1, inside()),
            c(LifelongSpecialized, InPerson, 17, inside()),
        ]));
        assert!(!o.met);
        assert_eq!(counted(&o, "生涯研修 合計"), Decimal::from(19));
    }

    #[test]
    fn web_counts_at_most_five() {
        // The briefing's sample: 10 Web units, 5 counted.
        let o = check(&renewal(vec![
            c(LifelongRenewal, Web, 10, inside()),
            c(LifelongPractical, InPerson, 1, inside()),
            c(LifelongSpecialized, InPerson, 14, inside()),
        ]));
        assert_eq!(counted(&o, "生涯研修 合計"), Decimal::from(20));
        assert!(o.met, "{o:?}");
        // Web 5 vs 6: the sixth does not help.
        let base = vec![
            c(LifelongRenewal, InPerson, 1, inside()),
            c(LifelongPractical, InPerson, 1, inside()),
            c(LifelongSpecialized, InPerson, 12, inside()),
        ];
        let mut five = base.clone();
        five.push(c(LifelongSpecialized, Web, 5, inside()));
        let mut six = base.clone();
        six.push(c(LifelongSpecialized, Web, 6, inside()));
        assert_eq!(counted(&check(&renewal(five)), "生涯研修 合計"), Decimal::from(19));
        assert_eq!(counted(&check(&renewal(six)), "生涯研修 合計"), Decimal::from(19));
    }

    #[test]
    fn web_practical_never_counts() {
        let o = check(&renewal(vec![
            c(LifelongRenewal, InPerson, 10, inside()),
            c(LifelongPractical, Web, 3, inside()),
            c(LifelongSpecialized, InPerson, 10, inside()),
        ]));
        assert!(!o.met);
        assert_eq!(counted(&o, "生涯研修 実地（対面のみ）"), Decimal::ZERO);
    }

    #[test]
    fn capped_web_units_go_where_they_meet_a_minimum() {
        // 6 Web 更新 + 1 Web 専門: the cap of 5 must keep one for 専門.
        let o = check(&renewal(vec![
            c(LifelongRenewal, Web, 6, inside()),
            c(LifelongSpecialized, Web, 1, inside()),
            c(LifelongPractical, InPerson, 15, inside()),
        ]));
        assert_eq!(counted(&o, "生涯研修 専門"), Decimal::ONE);
        assert_eq!(counted(&o, "生涯研修 合計"), Decimal::from(20));
        assert!(o.met, "{o:?}");
    }

    #[test]
    fn units_a_day_outside_the_validity_period_do_not_count() {
        let o = check(&renewal(vec![
            c(LifelongRenewal, InPerson, 1, date(2021, 8, 1)),
            c(LifelongPractical, InPerson, 1, date(2026, 7, 31)),
            c(LifelongSpecialized, InPerson, 18, date(2021, 7, 31)),
        ]));
        assert_eq!(counted(&o, "生涯研修 合計"), Decimal::from(2));
    }

    #[test]
    fn late_renewal_needs_a_reason_and_ends_after_six_months() {
        let credits = vec![
            c(LifelongRenewal, InPerson, 1, inside()),
            c(LifelongPractical, InPerson, 1, inside()),
            c(LifelongSpecialized, InPerson, 18, inside()),
        ];
        let mut input = renewal(credits);
        input.applied_on = date(2026, 9, 1);
        assert!(!check(&input).met);
        input.late_reason_given = true;
        assert!(check(&input).met);
        input.applied_on = date(2027, 1, 31);
        assert!(check(&input).met, "the last day of the grace period");
        input.applied_on = date(2027, 2, 1);
        assert!(!check(&input).met);
    }

    fn new_occupational(credits: Vec<Credit>) -> Input {
        Input {
            programme: Programme::Occupational,
            kind: Kind::New,
            credits,
            valid_from: None,
            valid_until: None,
            applied_on: date(2026, 4, 10),
            route: Route::Credits,
            practical_activity_recorded: false,
            late_reason_given: false,
        }
    }

    fn full_basic() -> Vec<Credit> {
        let on = date(2025, 6, 1);
        let mut v: Vec<Credit> = Category::ALL
            .into_iter()
            .filter(|x| x.is_basic_early_item())
            .map(|x| c(x, InPerson, basic_early_item_minimum(x).unwrap(), on))
            .collect();
        v.push(c(BasicPractical, InPerson, 10, on));
        v.push(c(BasicLate, InPerson, 26, on));
        v
    }

    #[test]
    fn new_occupational_needs_every_early_item() {
        assert!(check(&new_occupational(full_basic())).met);
        // 14 前期 units but one item short: not met.
        let mut v = full_basic();
        v.retain(|x| x.category != BasicEarlyMentalHealth);
        v.push(c(BasicEarlyGeneral, InPerson, 1, date(2025, 6, 1)));
        let o = check(&new_occupational(v));
        assert!(!o.met);
        assert_eq!(counted(&o, "基礎研修 前期"), Decimal::from(14));
        let item = o.rules.iter().find(|r| r.label == BasicEarlyMentalHealth.label()).unwrap();
        assert!(!item.met);
    }

    #[test]
    fn web_basic_units_never_count_and_five_years_apply() {
        let mut v = full_basic();
        v.retain(|x| x.category != BasicLate);
        v.push(c(BasicLate, Web, 26, date(2025, 6, 1)));
        assert!(!check(&new_occupational(v)).met);
        let mut old = new_occupational(full_basic());
        old.applied_on = date(2030, 6, 2);
        assert!(!check(&old).met, "last attendance more than five years ago");
    }

    #[test]
    fn university_route_within_five_years() {
        let mut input = new_occupational(vec![]);
        input.route = Route::UniversityCertificate(date(2022, 1, 10));
        assert!(check(&input).met);
        input.route = Route::UniversityCertificate(date(2021, 1, 10));
        assert!(!check(&input).met);
    }

    #[test]
    fn sports_rules() {
        let mut input = Input {
            programme: Programme::Sports,
            kind: Kind::Renewal,
            credits: vec![c(SportsRetraining, InPerson, 5, date(2024, 1, 1))],
            valid_from: Some(date(2022, 4, 1)),
            valid_until: Some(date(2027, 3, 31)),
            applied_on: date(2026, 12, 1),
            route: Route::Credits,
            practical_activity_recorded: true,
            late_reason_given: false,
        };
        assert!(check(&input).met);
        input.practical_activity_recorded = false;
        assert!(!check(&input).met);
        input.practical_activity_recorded = true;
        input.credits[0].units = Decimal::from(4);
        assert!(!check(&input).met);

        let mut new = Input { kind: Kind::New, valid_from: None, valid_until: None, ..input };
        new.credits = vec![c(SportsEarly, InPerson, 13, date(2025, 5, 1))];
        assert!(!check(&new).met);
        new.credits.push(c(SportsLate, InPerson, 12, date(2025, 9, 1)));
        assert!(check(&new).met);
        new.credits.clear();
        new.route = Route::SportsExemption(None);
        assert!(!check(&new).met, "the exemption must be named");
        new.route = Route::SportsExemption(Some(Exemption::JspoSportsDoctor));
        assert!(check(&new).met);
    }

    fn declared(category: Category, units: i64, on: NaiveDate, evidenced: bool) -> Credit {
        Credit { source: Source::Declared, evidenced, ..c(category, Web, units, on) }
    }

    #[test]
    fn sports_courses_are_completions_with_evidence_not_units() {
        let mut new = Input {
            programme: Programme::Sports,
            kind: Kind::New,
            credits: vec![],
            valid_from: None,
            valid_until: None,
            applied_on: date(2026, 4, 10),
            route: Route::Credits,
            practical_activity_recorded: false,
            late_reason_given: false,
        };
        // Declared without its upload: not a completion, whatever the units.
        new.credits = vec![
            declared(SportsEarly, 13, date(2019, 5, 1), false),
            declared(SportsLate, 12, date(2019, 9, 1), true),
        ];
        let o = check(&new);
        assert!(!o.met);
        assert!(o.rules[0].note.as_deref().unwrap_or("").contains("修了証の写し"));
        new.credits[0].evidenced = true;
        assert!(check(&new).met);
        // A portal completion of the course satisfies it.
        new.credits[0] = c(SportsEarly, InPerson, 1, date(2025, 6, 1));
        assert!(check(&new).met);
    }

    #[test]
    fn sports_renewal_needs_every_declared_certificate_uploaded() {
        let input = Input {
            programme: Programme::Sports,
            kind: Kind::Renewal,
            credits: vec![
                c(SportsRetraining, InPerson, 3, date(2025, 6, 1)),
                declared(SportsRetraining, 2, date(2024, 1, 1), false),
                declared(SportsRetraining, 2, date(2023, 1, 1), true),
            ],
            valid_from: Some(date(2022, 4, 1)),
            valid_until: Some(date(2027, 3, 31)),
            applied_on: date(2026, 12, 1),
            route: Route::Credits,
            practical_activity_recorded: true,
            late_reason_given: false,
        };
        let o = check(&input);
        assert!(!o.met);
        let uploads = o.rules.iter().find(|r| r.label.contains("修了証の写し")).unwrap();
        assert!(!uploads.met);
        let mut all = input;
        all.credits[1].evidenced = true;
        assert!(check(&all).met);
    }
}
