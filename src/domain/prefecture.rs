//! The 47 prefectures by JIS X 0401 code (the same list the first migration seeds).

pub const NAMES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

pub fn name(code: i16) -> Option<&'static str> {
    usize::try_from(code).ok().and_then(|c| c.checked_sub(1)).and_then(|i| NAMES.get(i)).copied()
}

/// A code from a form value ("13") or a name ("東京都", "東京").
pub fn parse(input: &str) -> Option<i16> {
    let text = crate::domain::text::to_halfwidth_ascii(input);
    let text = text.trim();
    if let Ok(code) = text.parse::<i16>() {
        return name(code).map(|_| code);
    }
    NAMES
        .iter()
        .position(|n| *n == text || n.trim_end_matches(['都', '府', '県']) == text)
        .map(|i| i as i16 + 1)
}

/// The address as it goes on paper (postcards, labels, letters): from the prefecture on.
/// Addresses are stored as the physician typed them, often without the prefecture (the form
/// asks for it separately); it is put in front here, once, unless already there.
pub fn full_address(code: Option<i16>, address: Option<&str>) -> String {
    let address = address.unwrap_or("").trim();
    match code.and_then(name) {
        Some(name) if !address.starts_with(name) => format!("{name}{address}"),
        _ => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_on_paper_start_with_the_prefecture_once() {
        let table = [
            (Some(13), Some("千代田区千代田1-1"), "東京都千代田区千代田1-1"),
            (Some(13), Some("東京都千代田区2-2"), "東京都千代田区2-2"),
            (Some(27), Some(" 大阪市北区1 "), "大阪府大阪市北区1"),
            (None, Some("千代田区3"), "千代田区3"),
            (Some(13), None, "東京都"),
            (Some(99), Some("どこか1"), "どこか1"),
        ];
        for (code, address, expected) in table {
            assert_eq!(full_address(code, address), expected, "{code:?} {address:?}");
        }
    }

    #[test]
    fn codes_and_names() {
        assert_eq!(name(1), Some("北海道"));
        assert_eq!(name(13), Some("東京都"));
        assert_eq!(name(47), Some("沖縄県"));
        assert_eq!(name(0), None);
        assert_eq!(name(48), None);
        assert_eq!(parse("13"), Some(13));
        assert_eq!(parse("１３"), Some(13));
        assert_eq!(parse("東京都"), Some(13));
        assert_eq!(parse("大阪"), Some(27));
        assert_eq!(parse("北海道"), Some(1));
        assert_eq!(parse("99"), None);
    }
}
