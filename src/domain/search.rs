//! Staff search of physicians by name: what is typed and what is stored are both folded to one
//! form, so 高崎 finds 髙﨑, たかさき finds タカサキ (and ﾀｶｻｷ), and a space typed or not does
//! not matter. The stored form is a generated column (`physicians.search_key`, migration 0021)
//! computed by PostgreSQL's `translate` with the very tables below; a test holds the two equal.

use super::person::to_full_katakana;
use super::text::to_halfwidth_ascii;

/// Variant kanji and what they fold to (one character each, so `translate` can do it too).
pub const VARIANTS_FROM: &str = "髙﨑嵜碕齋齊斉邊邉濵濱澤櫻廣德眞冨國藏會惠槇檜龍瀨瀬籠條";
pub const VARIANTS_TO: &str = "高崎崎崎斎斎斎辺辺浜浜沢桜広徳真富国蔵会恵槙桧竜瀬瀬篭条";
/// Hiragana to katakana, one for one.
pub const HIRAGANA: &str = "ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔ";
pub const KATAKANA: &str = "ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴ";

/// The folded form of a name or a query: katakana for kana (half-width and hiragana too),
/// one form per variant kanji, half-width ASCII in lower case, no spaces.
pub fn fold(input: &str) -> String {
    let text = to_full_katakana(&to_halfwidth_ascii(input));
    text.chars()
        .filter(|c| !matches!(c, ' ' | '\u{3000}'))
        .map(|c| match VARIANTS_FROM.chars().position(|v| v == c) {
            Some(i) => VARIANTS_TO.chars().nth(i).unwrap_or(c),
            None => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A folded query as a LIKE pattern that matches it anywhere, with `%`, `_` and the escape
/// character itself taken literally.
pub fn contains_pattern(folded: &str) -> String {
    let mut out = String::from("%");
    for c in folded.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_to_one_form() {
        let table = [
            ("髙﨑", "高崎"),
            ("高崎", "高崎"),
            ("齋藤", "斎藤"),
            ("齊藤", "斎藤"),
            ("斉藤", "斎藤"),
            ("渡邊", "渡辺"),
            ("渡邉", "渡辺"),
            ("たかさき", "タカサキ"),
            ("ﾀｶｻｷ", "タカサキ"),
            ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"),
            ("山田　太郎", "山田太郎"),
            ("ＳＭＩＴＨ", "smith"),
        ];
        for (typed, folded) in table {
            assert_eq!(fold(typed), folded, "{typed}");
        }
    }

    #[test]
    fn attack_like_wildcards_are_taken_literally() {
        assert_eq!(contains_pattern("%"), "%\\%%");
        assert_eq!(contains_pattern("a_b\\"), "%a\\_b\\\\%");
    }

    #[test]
    fn the_tables_are_one_for_one_and_the_migration_uses_them() {
        assert_eq!(VARIANTS_FROM.chars().count(), VARIANTS_TO.chars().count());
        assert_eq!(HIRAGANA.chars().count(), KATAKANA.chars().count());
        for (h, k) in HIRAGANA.chars().zip(KATAKANA.chars()) {
            assert_eq!(to_full_katakana(&h.to_string()), k.to_string());
        }
        let sql = include_str!("../../migrations/0021_physician_search_key.sql");
        let from = format!("'{HIRAGANA}{VARIANTS_FROM}　 '");
        let to = format!("'{KATAKANA}{VARIANTS_TO}'");
        assert!(sql.contains(&from) && sql.contains(&to), "migration tables differ from fold()");
    }
}
