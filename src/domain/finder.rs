//! The public seminar finder's search (issue 14): what the visitor asked for, read from the
//! query string into typed filters, with an error beside each field that could not be read.
//! The SQL that applies the filters lives in `db::finder`.

use chrono::NaiveDate;

use super::category::{Category, Format, Programme};
use super::era::parse_typed_date;
use super::field_errors::FieldErrors;

/// The category choices the finder offers: the three 生涯研修 categories, 基礎研修 前期 (its
/// eight items together), 実地 and 後期, 再研修 and the sports courses (前期・後期 together).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CategoryChoice {
    LifelongRenewal,
    LifelongPractical,
    LifelongSpecialized,
    BasicEarly,
    BasicPractical,
    BasicLate,
    SportsRetraining,
    SportsCourse,
}

impl CategoryChoice {
    pub const ALL: [CategoryChoice; 8] = [
        CategoryChoice::LifelongRenewal,
        CategoryChoice::LifelongPractical,
        CategoryChoice::LifelongSpecialized,
        CategoryChoice::BasicEarly,
        CategoryChoice::BasicPractical,
        CategoryChoice::BasicLate,
        CategoryChoice::SportsRetraining,
        CategoryChoice::SportsCourse,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CategoryChoice::LifelongRenewal => "lifelong_renewal",
            CategoryChoice::LifelongPractical => "lifelong_practical",
            CategoryChoice::LifelongSpecialized => "lifelong_specialized",
            CategoryChoice::BasicEarly => "basic_early",
            CategoryChoice::BasicPractical => "basic_practical",
            CategoryChoice::BasicLate => "basic_late",
            CategoryChoice::SportsRetraining => "sports_retraining",
            CategoryChoice::SportsCourse => "sports_course",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            CategoryChoice::LifelongRenewal => "生涯研修 更新",
            CategoryChoice::LifelongPractical => "生涯研修 実地",
            CategoryChoice::LifelongSpecialized => "生涯研修 専門",
            CategoryChoice::BasicEarly => "基礎研修 前期",
            CategoryChoice::BasicPractical => "基礎研修 実地",
            CategoryChoice::BasicLate => "基礎研修 後期",
            CategoryChoice::SportsRetraining => "健康スポーツ医学再研修",
            CategoryChoice::SportsCourse => "健康スポーツ医学講習会（前期・後期）",
        }
    }

    /// The stored categories a seminar grants for this choice.
    pub fn categories(self) -> Vec<Category> {
        match self {
            CategoryChoice::LifelongRenewal => vec![Category::LifelongRenewal],
            CategoryChoice::LifelongPractical => vec![Category::LifelongPractical],
            CategoryChoice::LifelongSpecialized => vec![Category::LifelongSpecialized],
            CategoryChoice::BasicEarly => {
                Category::ALL.into_iter().filter(|c| c.is_basic_early_item()).collect()
            }
            CategoryChoice::BasicPractical => vec![Category::BasicPractical],
            CategoryChoice::BasicLate => vec![Category::BasicLate],
            CategoryChoice::SportsRetraining => vec![Category::SportsRetraining],
            CategoryChoice::SportsCourse => vec![Category::SportsEarly, Category::SportsLate],
        }
    }

    pub fn programme(self) -> Programme {
        self.categories()[0].programme()
    }
}

/// The query string as typed (every field optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct FinderQuery {
    #[serde(default)]
    pub programme: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub prefecture: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub page: Option<String>,
}

/// What the finder narrows to; None matches every seminar.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub programme: Option<Programme>,
    pub category: Option<CategoryChoice>,
    pub prefecture: Option<i16>,
    /// Seminars starting on or after this day (never before today).
    pub from: Option<NaiveDate>,
    /// Seminars starting on or before this day.
    pub until: Option<NaiveDate>,
    pub format: Option<Format>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// The stored category codes a seminar must grant one of (None: any).
    pub fn category_codes(&self) -> Option<Vec<&'static str>> {
        self.category.map(|c| c.categories().into_iter().map(Category::code).collect())
    }
}

/// The query string read into a filter and a page number. A field that cannot be read is left
/// out of the filter and explained in `FieldErrors` (the rest of the search still runs).
pub fn parse(query: &FinderQuery) -> (Filter, u32, FieldErrors) {
    let mut errors = FieldErrors::default();
    let given = |text: &str| -> Option<String> {
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    };
    let programme = given(&query.programme);
    let category = given(&query.category);
    let prefecture = given(&query.prefecture);
    let format = given(&query.format);
    let mut filter = Filter {
        programme: programme.as_deref().and_then(Programme::from_code),
        category: category.as_deref().and_then(CategoryChoice::from_code),
        prefecture: prefecture.as_deref().and_then(super::prefecture::parse),
        format: format.as_deref().and_then(Format::from_code),
        ..Filter::default()
    };
    for (given, read, field, message) in [
        (programme, filter.programme.is_some(), "programme", "制度を選び直してください。"),
        (category, filter.category.is_some(), "category", "単位の区分を選び直してください。"),
        (prefecture, filter.prefecture.is_some(), "prefecture", "都道府県を選び直してください。"),
        (format, filter.format.is_some(), "format", "形式を選び直してください。"),
    ] {
        if given.is_some() && !read {
            errors.add(field, message);
        }
    }
    let mut date = |text: &str, field: &'static str| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let parsed = parse_typed_date(text);
        if parsed.is_none() {
            errors.add(
                field,
                "日付を「2025-06-01」または「令和7年6月1日」のように入力してください。",
            );
        }
        parsed
    };
    filter.from = date(&query.from, "from");
    filter.until = date(&query.until, "until");
    if let (Some(from), Some(until)) = (filter.from, filter.until) {
        if until < from {
            errors.add("until", "終わりの日は、始まりの日より後にしてください。");
            filter.until = None;
        }
    }
    // A category belongs to one programme: asking for both that do not agree finds nothing,
    // so the category decides and the page says so.
    if let (Some(p), Some(c)) = (filter.programme, filter.category) {
        if c.programme() != p {
            errors.add("category", "この区分は、選んだ制度の研修会にはありません。");
            filter.category = None;
        }
    }
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    (filter, page, errors)
}

/// The first day of the search: the later of today and the visitor's 「この日から」 (the finder
/// lists only seminars still to come).
pub fn first_day(filter: &Filter, today: NaiveDate) -> NaiveDate {
    filter.from.map_or(today, |f| f.max(today))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> FinderQuery {
        let encoded = serde_urlencoded::to_string(pairs).unwrap();
        serde_urlencoded::from_str(&encoded).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_field_reads_into_its_filter() {
        let (filter, page, errors) = parse(&q(&[
            ("programme", "occupational"),
            ("category", "lifelong_practical"),
            ("prefecture", "13"),
            ("from", "2025-06-01"),
            ("until", "令和7年6月30日"),
            ("format", "in_person"),
            ("page", "3"),
        ]));
        assert!(errors.is_empty());
        assert_eq!(page, 3);
        assert_eq!(
            filter,
            Filter {
                programme: Some(Programme::Occupational),
                category: Some(CategoryChoice::LifelongPractical),
                prefecture: Some(13),
                from: Some(date(2025, 6, 1)),
                until: Some(date(2025, 6, 30)),
                format: Some(Format::InPerson),
            }
        );
        assert_eq!(filter.category_codes(), Some(vec!["lifelong_practical"]));
    }

    #[test]
    fn an_empty_query_filters_nothing() {
        let (filter, page, errors) = parse(&FinderQuery::default());
        assert!(filter.is_empty() && errors.is_empty());
        assert_eq!(page, 1);
    }

    #[test]
    fn unreadable_fields_are_explained_and_left_out() {
        for (field, value) in [
            ("programme", "dentist"),
            ("category", "lifelong"),
            ("prefecture", "99"),
            ("format", "radio"),
            ("from", "いつか"),
            ("until", "2025-13-40"),
        ] {
            let (filter, _, errors) = parse(&q(&[(field, value)]));
            assert!(errors.has(field), "{field}={value}");
            assert!(filter.is_empty(), "{field}={value}");
        }
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused() {
        let (filter, _, errors) = parse(&q(&[("from", "2025-07-01"), ("until", "2025-06-01")]));
        assert!(errors.has("until"));
        assert_eq!(filter.until, None);
        assert_eq!(filter.from, Some(date(2025, 7, 1)));
    }

    #[test]
    fn a_category_of_the_other_programme_is_refused() {
        let (filter, _, errors) =
            parse(&q(&[("programme", "sports"), ("category", "lifelong_renewal")]));
        assert!(errors.has("category"));
        assert_eq!(filter.category, None);
        assert_eq!(filter.programme, Some(Programme::Sports));
    }

    #[test]
    fn bad_pages_fall_back_to_the_first() {
        for bad in ["0", "-2", "x", ""] {
            assert_eq!(parse(&q(&[("page", bad)])).1, 1, "{bad}");
        }
    }

    #[test]
    fn choices_cover_the_categories_the_brief_names() {
        assert_eq!(CategoryChoice::BasicEarly.categories().len(), 8);
        assert_eq!(
            CategoryChoice::SportsCourse.categories(),
            vec![Category::SportsEarly, Category::SportsLate]
        );
        for c in CategoryChoice::ALL {
            assert_eq!(CategoryChoice::from_code(c.code()), Some(c));
        }
        // Every stored category is reachable through exactly one choice.
        for category in Category::ALL {
            let n = CategoryChoice::ALL.iter().filter(|c| c.categories().contains(&category));
            assert_eq!(n.count(), 1, "{category:?}");
        }
    }

    #[test]
    fn the_search_never_starts_before_today() {
        let today = date(2025, 5, 20);
        assert_eq!(first_day(&Filter::default(), today), today);
        let past = Filter { from: Some(date(2025, 1, 1)), ..Filter::default() };
        assert_eq!(first_day(&past, today), today);
        let later = Filter { from: Some(date(2025, 8, 1)), ..Filter::default() };
        assert_eq!(first_day(&later, today), date(2025, 8, 1));
    }
}
