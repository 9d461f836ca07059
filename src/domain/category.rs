//! Credit categories of the two programmes, the formats they may be earned in, and units.
//! Every rule about which category a seminar may grant lives here (DOMAIN §2).

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Programme {
    Occupational,
    Sports,
}

impl Programme {
    pub const ALL: [Programme; 2] = [Programme::Occupational, Programme::Sports];

    /// How pre-cut-over credits are declared (DOMAIN §2): occupational 手帳 stickers (the
    /// original is mailed) or certificates; sports completion certificates only, uploaded.
    pub fn declared_sources(self) -> &'static [&'static str] {
        match self {
            Programme::Occupational => &["handbook", "certificate"],
            Programme::Sports => &["certificate"],
        }
    }

    /// Each declared certificate needs its own upload (sports: 原本提出は不要, the photo or PDF
    /// is the evidence).
    pub fn declared_needs_upload(self) -> bool {
        self == Programme::Sports
    }

    pub fn code(self) -> &'static str {
        match self {
            Programme::Occupational => "occupational",
            Programme::Sports => "sports",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Programme::Occupational => "認定産業医",
            Programme::Sports => "認定健康スポーツ医",
        }
    }

    pub fn categories(self) -> Vec<Category> {
        Category::ALL.into_iter().filter(|c| c.programme() == self).collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    InPerson,
    Web,
}

impl Format {
    pub fn code(self) -> &'static str {
        match self {
            Format::InPerson => "in_person",
            Format::Web => "web",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "in_person" => Some(Format::InPerson),
            "web" => Some(Format::Web),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::InPerson => "対面",
            Format::Web => "Web",
        }
    }
}

/// A credit category. 基礎研修 前期 is split into its eight items, each with its own minimum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    BasicEarlyGeneral,
    BasicEarlyHealthManagement,
    BasicEarlyMentalHealth,
    BasicEarlyHealthPromotion,
    BasicEarlyWorkEnvironment,
    BasicEarlyWorkManagement,
    BasicEarlyHazardousWork,
    BasicEarlyPractice,
    BasicPractical,
    BasicLate,
    LifelongRenewal,
    LifelongPractical,
    LifelongSpecialized,
    SportsEarly,
    SportsLate,
    SportsRetraining,
}

impl Category {
    pub const ALL: [Category; 16] = [
        Category::BasicEarlyGeneral,
        Category::BasicEarlyHealthManagement,
        Category::BasicEarlyMentalHealth,
        Category::BasicEarlyHealthPromotion,
        Category::BasicEarlyWorkEnvironment,
        Category::BasicEarlyWorkManagement,
        Category::BasicEarlyHazardousWork,
        Category::BasicEarlyPractice,
        Category::BasicPractical,
        Category::BasicLate,
        Category::LifelongRenewal,
        Category::LifelongPractical,
        Category::LifelongSpecialized,
        Category::SportsEarly,
        Category::SportsLate,
        Category::SportsRetraining,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::BasicEarlyGeneral => "basic_early_general",
            Category::BasicEarlyHealthManagement => "basic_early_health_management",
            Category::BasicEarlyMentalHealth => "basic_early_mental_health",
            Category::BasicEarlyHealthPromotion => "basic_early_health_promotion",
            Category::BasicEarlyWorkEnvironment => "basic_early_work_environment",
            Category::BasicEarlyWorkManagement => "basic_early_work_management",
            Category::BasicEarlyHazardousWork => "basic_early_hazardous_work",
            Category::BasicEarlyPractice => "basic_early_practice",
            Category::BasicPractical => "basic_practical",
            Category::BasicLate => "basic_late",
            Category::LifelongRenewal => "lifelong_renewal",
            Category::LifelongPractical => "lifelong_practical",
            Category::LifelongSpecialized => "lifelong_specialized",
            Category::SportsEarly => "sports_early",
            Category::SportsLate => "sports_late",
            Category::SportsRetraining => "sports_retraining",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The full Japanese name, e.g. 「基礎研修 前期（総論）」.
    pub fn label(self) -> &'static str {
        match self {
            Category::BasicEarlyGeneral => "基礎研修 前期（総論）",
            Category::BasicEarlyHealthManagement => "基礎研修 前期（健康管理）",
            Category::BasicEarlyMentalHealth => "基礎研修 前期（メンタルヘルス対策）",
            Category::BasicEarlyHealthPromotion => "基礎研修 前期（健康保持増進）",
            Category::BasicEarlyWorkEnvironment => "基礎研修 前期（作業環境管理）",
            Category::BasicEarlyWorkManagement => "基礎研修 前期（作業管理）",
            Category::BasicEarlyHazardousWork => "基礎研修 前期（有害業務管理）",
            Category::BasicEarlyPractice => "基礎研修 前期（産業医活動の実際）",
            Category::BasicPractical => "基礎研修 実地",
            Category::BasicLate => "基礎研修 後期",
            Category::LifelongRenewal => "生涯研修 更新",
            Category::LifelongPractical => "生涯研修 実地",
            Category::LifelongSpecialized => "生涯研修 専門",
            Category::SportsEarly => "健康スポーツ医学講習会 前期",
            Category::SportsLate => "健康スポーツ医学講習会 後期",
            Category::SportsRetraining => "健康スポーツ医学再研修",
        }
    }

    /// The CSV column header for per-row units, e.g. 「単位_生涯研修 更新」.
    pub fn csv_header(self) -> String {
        format!("単位_{}", self.label())
    }

    /// A category from its code, label, or a short form people write in spreadsheets.
    pub fn parse(input: &str) -> Option<Self> {
        let text = input.trim().replace(['　', ' '], "");
        Self::ALL.into_iter().find(|c| {
            c.code() == text
                || c.label().replace(' ', "") == text
                || c.short_label().replace(' ', "") == text
        })
    }

    pub fn short_label(self) -> &'static str {
        match self {
            Category::BasicEarlyGeneral => "前期総論",
            Category::BasicEarlyHealthManagement => "前期健康管理",
            Category::BasicEarlyMentalHealth => "前期メンタルヘルス対策",
            Category::BasicEarlyHealthPromotion => "前期健康保持増進",
            Category::BasicEarlyWorkEnvironment => "前期作業環境管理",
            Category::BasicEarlyWorkManagement => "前期作業管理",
            Category::BasicEarlyHazardousWork => "前期有害業務管理",
            Category::BasicEarlyPractice => "前期産業医活動の実際",
            Category::BasicPractical => "基礎実地",
            Category::BasicLate => "基礎後期",
            Category::LifelongRenewal => "生涯更新",
            Category::LifelongPractical => "生涯実地",
            Category::LifelongSpecialized => "生涯専門",
            Category::SportsEarly => "前期講習",
            Category::SportsLate => "後期講習",
            Category::SportsRetraining => "再研修",
        }
    }

    pub fn programme(self) -> Programme {
        match self {
            Category::SportsEarly | Category::SportsLate | Category::SportsRetraining => {
                Programme::Sports
            }
            _ => Programme::Occupational,
        }
    }

    /// A course (健康スポーツ医学講習会 前期・後期): completed or not, never a sum of units.
    pub fn is_course(self) -> bool {
        matches!(self, Category::SportsEarly | Category::SportsLate)
    }

    /// A credit as pages and files name it: 「生涯研修 更新 1単位」, or for a course
    /// 「健康スポーツ医学講習会 前期 修了」 (its units are not what it means).
    pub fn credit_text(self, units: impl std::fmt::Display) -> String {
        if self.is_course() {
            format!("{} 修了", self.label())
        } else {
            format!("{} {}単位", self.label(), units)
        }
    }

    pub fn is_basic_early_item(self) -> bool {
        matches!(
            self,
            Category::BasicEarlyGeneral
                | Category::BasicEarlyHealthManagement
                | Category::BasicEarlyMentalHealth
                | Category::BasicEarlyHealthPromotion
                | Category::BasicEarlyWorkEnvironment
                | Category::BasicEarlyWorkManagement
                | Category::BasicEarlyHazardousWork
                | Category::BasicEarlyPractice
        )
    }

    pub fn is_basic(self) -> bool {
        self.is_basic_early_item() || matches!(self, Category::BasicPractical | Category::BasicLate)
    }

    /// Whether a seminar in this format may grant this category. Web never grants 基礎 units
    /// (they do not count for new certification) nor 生涯 実地; the sports courses and 再研修
    /// may be held on the Web *(assumed: the briefing is silent on sports formats)*.
    pub fn allowed_in(self, format: Format) -> bool {
        match format {
            Format::InPerson => true,
            Format::Web => !self.is_basic() && self != Category::LifelongPractical,
        }
    }
}

/// Units: a positive decimal with at most one decimal place, below 100 (NUMERIC(4,1)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Units(Decimal);

impl Units {
    pub fn parse(input: &str) -> Result<Units, &'static str> {
        let text = crate::domain::text::to_halfwidth_ascii(input).replace('．', ".");
        let text = text.trim();
        if text.is_empty() {
            return Err("単位数を入力してください。");
        }
        let value =
            Decimal::from_str(text).map_err(|_| "単位数は数字で入力してください（例：1.5）。")?;
        Units::new(value)
    }

    pub fn new(value: Decimal) -> Result<Units, &'static str> {
        if value <= Decimal::ZERO {
            return Err("単位数は0より大きくしてください。");
        }
        if value.normalize().scale() > 1 {
            return Err("単位数は小数第1位までで入力してください（例：1.5）。");
        }
        if value >= Decimal::from(100) {
            return Err("単位数が大きすぎます。");
        }
        Ok(Units(value.round_dp(1)))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl std::fmt::Display for Units {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_labels_parse() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
            assert_eq!(Category::parse(c.label()), Some(c));
            assert_eq!(Category::parse(c.short_label()), Some(c));
        }
        assert_eq!(Category::parse("生涯研修　更新"), Some(Category::LifelongRenewal));
        assert_eq!(Category::parse("なにか"), None);
    }

    #[test]
    fn programmes_own_their_categories() {
        assert_eq!(Programme::Occupational.categories().len(), 13);
        assert_eq!(Programme::Sports.categories().len(), 3);
        assert_eq!(Category::ALL.iter().filter(|c| c.is_basic_early_item()).count(), 8);
    }

    #[test]
    fn web_never_grants_basic_or_lifelong_practical_units() {
        let web_ok: Vec<Category> =
            Category::ALL.into_iter().filter(|c| c.allowed_in(Format::Web)).collect();
        assert_eq!(
            web_ok,
            vec![
                Category::LifelongRenewal,
                Category::LifelongSpecialized,
                Category::SportsEarly,
                Category::SportsLate,
                Category::SportsRetraining
            ]
        );
        assert!(Category::ALL.iter().all(|c| c.allowed_in(Format::InPerson)));
    }

    #[test]
    fn units_parse() {
        assert_eq!(Units::parse("1.5").unwrap().to_string(), "1.5");
        assert_eq!(Units::parse("２").unwrap().to_string(), "2");
        assert_eq!(Units::parse("2.0").unwrap().to_string(), "2");
        for bad in ["", "0", "-1", "1.25", "abc", "100"] {
            assert!(Units::parse(bad).is_err(), "{bad}");
        }
    }
}
