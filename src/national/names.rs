//! The word lists the generated people are made of: common surnames and given names (both
//! sexes) with their katakana readings, the 47 prefectures with their 2020 census population,
//! a few cities or wards each and a postal-code prefix, and town names for addresses.

/// A name and its reading (フリガナ).
pub type Name = (&'static str, &'static str);

/// Common surnames, most frequent first (the generator draws them with a Zipf-like weight).
pub const SURNAMES: [Name; 100] = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
    ("前田", "マエダ"),
    ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"),
    ("藤田", "フジタ"),
    ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"),
    ("村上", "ムラカミ"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("坂本", "サカモト"),
    ("斉藤", "サイトウ"),
    ("福田", "フクダ"),
    ("太田", "オオタ"),
    ("西村", "ニシムラ"),
    ("藤井", "フジイ"),
    ("金子", "カネコ"),
    ("岡本", "オカモト"),
    ("藤原", "フジワラ"),
    ("中野", "ナカノ"),
    ("三浦", "ミウラ"),
    ("原田", "ハラダ"),
    ("中川", "ナカガワ"),
    ("松田", "マツダ"),
    ("竹内", "タケウチ"),
    ("小野", "オノ"),
    ("田村", "タムラ"),
    ("中山", "ナカヤマ"),
    ("和田", "ワダ"),
    ("石田", "イシダ"),
    ("森田", "モリタ"),
    ("上田", "ウエダ"),
    ("原", "ハラ"),
    ("内田", "ウチダ"),
    ("柴田", "シバタ"),
    ("酒井", "サカイ"),
    ("宮崎", "ミヤザキ"),
    ("横山", "ヨコヤマ"),
    ("高木", "タカギ"),
    ("安藤", "アンドウ"),
    ("宮本", "ミヤモト"),
    ("大野", "オオノ"),
    ("小島", "コジマ"),
    ("谷口", "タニグチ"),
    ("工藤", "クドウ"),
    ("今井", "イマイ"),
    ("高田", "タカダ"),
    ("増田", "マスダ"),
    ("丸山", "マルヤマ"),
    ("杉山", "スギヤマ"),
    ("村田", "ムラタ"),
    ("大塚", "オオツカ"),
    ("新井", "アライ"),
    ("小山", "コヤマ"),
    ("平野", "ヒラノ"),
    ("藤本", "フジモト"),
    ("河野", "コウノ"),
    ("上野", "ウエノ"),
    ("野口", "ノグチ"),
    ("武田", "タケダ"),
    ("松井", "マツイ"),
    ("千葉", "チバ"),
    ("岩崎", "イワサキ"),
    ("菅原", "スガワラ"),
    ("木下", "キノシタ"),
    ("久保", "クボ"),
    ("佐野", "サノ"),
    ("野村", "ノムラ"),
    ("松尾", "マツオ"),
    ("市川", "イチカワ"),
    ("菊地", "キクチ"),
];

pub const MALE_GIVEN: [Name; 40] = [
    ("大輔", "ダイスケ"),
    ("健太", "ケンタ"),
    ("翔太", "ショウタ"),
    ("拓也", "タクヤ"),
    ("直樹", "ナオキ"),
    ("誠", "マコト"),
    ("浩", "ヒロシ"),
    ("隆", "タカシ"),
    ("修", "オサム"),
    ("茂", "シゲル"),
    ("博", "ヒロシ"),
    ("健一", "ケンイチ"),
    ("和夫", "カズオ"),
    ("正樹", "マサキ"),
    ("達也", "タツヤ"),
    ("大介", "ダイスケ"),
    ("哲也", "テツヤ"),
    ("学", "マナブ"),
    ("剛", "ツヨシ"),
    ("聡", "サトシ"),
    ("亮", "リョウ"),
    ("悠人", "ユウト"),
    ("陽介", "ヨウスケ"),
    ("雄一", "ユウイチ"),
    ("秀樹", "ヒデキ"),
    ("康弘", "ヤスヒロ"),
    ("信也", "シンヤ"),
    ("一郎", "イチロウ"),
    ("太郎", "タロウ"),
    ("健二", "ケンジ"),
    ("浩二", "コウジ"),
    ("英樹", "ヒデキ"),
    ("俊介", "シュンスケ"),
    ("良太", "リョウタ"),
    ("翔", "ショウ"),
    ("慎一", "シンイチ"),
    ("裕之", "ヒロユキ"),
    ("昌弘", "マサヒロ"),
    ("克也", "カツヤ"),
    ("光男", "ミツオ"),
];

pub const FEMALE_GIVEN: [Name; 40] = [
    ("陽子", "ヨウコ"),
    ("恵子", "ケイコ"),
    ("京子", "キョウコ"),
    ("幸子", "サチコ"),
    ("洋子", "ヨウコ"),
    ("美穂", "ミホ"),
    ("智子", "トモコ"),
    ("久美子", "クミコ"),
    ("由美", "ユミ"),
    ("真由美", "マユミ"),
    ("裕子", "ユウコ"),
    ("直美", "ナオミ"),
    ("明美", "アケミ"),
    ("恵美", "エミ"),
    ("香織", "カオリ"),
    ("綾", "アヤ"),
    ("彩", "アヤ"),
    ("麻衣", "マイ"),
    ("愛", "アイ"),
    ("美咲", "ミサキ"),
    ("由紀", "ユキ"),
    ("奈緒", "ナオ"),
    ("舞", "マイ"),
    ("千尋", "チヒロ"),
    ("沙織", "サオリ"),
    ("理恵", "リエ"),
    ("亜希子", "アキコ"),
    ("早紀", "サキ"),
    ("瞳", "ヒトミ"),
    ("友美", "トモミ"),
    ("典子", "ノリコ"),
    ("純子", "ジュンコ"),
    ("紀子", "ノリコ"),
    ("由香", "ユカ"),
    ("晴美", "ハルミ"),
    ("美紀", "ミキ"),
    ("加奈子", "カナコ"),
    ("春香", "ハルカ"),
    ("葵", "アオイ"),
    ("結衣", "ユイ"),
];

/// Town names (町名) for addresses.
pub const TOWNS: [&str; 20] = [
    "本町",
    "中央",
    "栄町",
    "緑町",
    "旭町",
    "幸町",
    "桜町",
    "東町",
    "西町",
    "南町",
    "北町",
    "新町",
    "末広町",
    "大手町",
    "元町",
    "錦町",
    "松原",
    "若葉",
    "青葉町",
    "泉町",
];

pub const WORKPLACE_SUFFIXES: [&str; 7] = [
    "病院",
    "クリニック",
    "内科クリニック",
    "産業保健センター",
    "健康管理センター",
    "総合病院",
    "診療所",
];

/// A prefecture: JIS code, 2020 census population (thousands), postal-code prefix (3
/// digits) and a few cities or wards, the first being the seat of the prefectural government.
pub struct Prefecture {
    pub code: u8,
    pub population_k: u32,
    pub postal_prefix: &'static str,
    pub cities: &'static [&'static str],
}

const fn p(
    code: u8,
    population_k: u32,
    postal_prefix: &'static str,
    cities: &'static [&'static str],
) -> Prefecture {
    Prefecture { code, population_k, postal_prefix, cities }
}

pub const PREFECTURES: [Prefecture; 47] = [
    p(1, 5225, "060", &["札幌市中央区", "旭川市", "函館市"]),
    p(2, 1238, "030", &["青森市", "弘前市", "八戸市"]),
    p(3, 1211, "020", &["盛岡市", "一関市", "奥州市"]),
    p(4, 2302, "980", &["仙台市青葉区", "石巻市", "大崎市"]),
    p(5, 960, "010", &["秋田市", "横手市", "大仙市"]),
    p(6, 1068, "990", &["山形市", "鶴岡市", "酒田市"]),
    p(7, 1833, "960", &["福島市", "郡山市", "いわき市"]),
    p(8, 2867, "310", &["水戸市", "つくば市", "日立市"]),
    p(9, 1933, "320", &["宇都宮市", "小山市", "栃木市"]),
    p(10, 1939, "371", &["前橋市", "高崎市", "太田市"]),
    p(11, 7345, "330", &["さいたま市浦和区", "川口市", "川越市"]),
    p(12, 6284, "260", &["千葉市中央区", "船橋市", "柏市"]),
    p(13, 14048, "100", &["千代田区", "新宿区", "世田谷区", "八王子市"]),
    p(14, 9237, "231", &["横浜市中区", "川崎市川崎区", "相模原市中央区"]),
    p(15, 2201, "950", &["新潟市中央区", "長岡市", "上越市"]),
    p(16, 1035, "930", &["富山市", "高岡市", "射水市"]),
    p(17, 1133, "920", &["金沢市", "白山市", "小松市"]),
    p(18, 767, "910", &["福井市", "坂井市", "越前市"]),
    p(19, 810, "400", &["甲府市", "甲斐市", "南アルプス市"]),
    p(20, 2048, "380", &["長野市", "松本市", "上田市"]),
    p(21, 1979, "500", &["岐阜市", "大垣市", "各務原市"]),
    p(22, 3633, "420", &["静岡市葵区", "浜松市中区", "富士市"]),
    p(23, 7542, "460", &["名古屋市中区", "豊田市", "岡崎市"]),
    p(24, 1770, "514", &["津市", "四日市市", "鈴鹿市"]),
    p(25, 1414, "520", &["大津市", "草津市", "長浜市"]),
    p(26, 2578, "604", &["京都市中京区", "宇治市", "亀岡市"]),
    p(27, 8838, "530", &["大阪市北区", "堺市堺区", "東大阪市"]),
    p(28, 5465, "650", &["神戸市中央区", "姫路市", "西宮市"]),
    p(29, 1324, "630", &["奈良市", "橿原市", "生駒市"]),
    p(30, 923, "640", &["和歌山市", "田辺市", "橋本市"]),
    p(31, 553, "680", &["鳥取市", "米子市", "倉吉市"]),
    p(32, 671, "690", &["松江市", "出雲市", "浜田市"]),
    p(33, 1888, "700", &["岡山市北区", "倉敷市", "津山市"]),
    p(34, 2800, "730", &["広島市中区", "福山市", "呉市"]),
    p(35, 1342, "753", &["山口市", "下関市", "宇部市"]),
    p(36, 720, "770", &["徳島市", "阿南市", "鳴門市"]),
    p(37, 950, "760", &["高松市", "丸亀市", "観音寺市"]),
    p(38, 1335, "790", &["松山市", "今治市", "新居浜市"]),
    p(39, 692, "780", &["高知市", "南国市", "四万十市"]),
    p(40, 5135, "810", &["福岡市中央区", "北九州市小倉北区", "久留米市"]),
    p(41, 811, "840", &["佐賀市", "唐津市", "鳥栖市"]),
    p(42, 1312, "850", &["長崎市", "佐世保市", "諫早市"]),
    p(43, 1738, "860", &["熊本市中央区", "八代市", "天草市"]),
    p(44, 1124, "870", &["大分市", "別府市", "中津市"]),
    p(45, 1070, "880", &["宮崎市", "都城市", "延岡市"]),
    p(46, 1588, "890", &["鹿児島市", "霧島市", "鹿屋市"]),
    p(47, 1467, "900", &["那覇市", "沖縄市", "うるま市"]),
];

/// The municipal association (郡市区医師会) of a city or ward: a designated city's ward
/// belongs to the city's association (「札幌市中央区」→「札幌市医師会」).
pub fn municipal_association_name(city: &str) -> String {
    match city.find('市') {
        Some(i) if city.ends_with('区') && i + '市'.len_utf8() < city.len() => {
            format!("{}医師会", &city[..i + '市'.len_utf8()])
        }
        _ => format!("{city}医師会"),
    }
}

/// Splits `total` over the prefectures in proportion to their population (largest
/// remainder, so the parts add up to `total` exactly). Indexed like `PREFECTURES`.
pub fn apportion(total: u32) -> [u32; 47] {
    let population: u64 = PREFECTURES.iter().map(|p| u64::from(p.population_k)).sum();
    let mut parts = [0u32; 47];
    let mut remainders: Vec<(u64, usize)> = Vec::with_capacity(47);
    for (i, pref) in PREFECTURES.iter().enumerate() {
        let exact = u64::from(total) * u64::from(pref.population_k);
        parts[i] = (exact / population) as u32;
        remainders.push((exact % population, i));
    }
    let assigned: u32 = parts.iter().sum();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take((total - assigned) as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefecture_shares_add_up_to_the_total_and_follow_population() {
        let parts = apportion(100_000);
        assert_eq!(parts.iter().sum::<u32>(), 100_000);
        // 東京都 holds about 11% of Japan's population, 鳥取県 under half a percent.
        assert!((11_000..11_300).contains(&parts[12]), "{}", parts[12]);
        assert!((400..460).contains(&parts[30]), "{}", parts[30]);
        assert_eq!(apportion(7).iter().sum::<u32>(), 7);
    }

    #[test]
    fn prefectures_are_the_47_in_jis_order_with_cities() {
        for (i, pref) in PREFECTURES.iter().enumerate() {
            assert_eq!(usize::from(pref.code), i + 1);
            assert!(!pref.cities.is_empty());
            assert_eq!(pref.postal_prefix.len(), 3);
            assert!(crate::domain::prefecture::name(i16::from(pref.code)).is_some());
        }
    }

    #[test]
    fn readings_are_katakana() {
        let all = SURNAMES.iter().chain(MALE_GIVEN.iter()).chain(FEMALE_GIVEN.iter());
        for (_, kana) in all {
            assert!(kana.chars().all(|c| ('\u{30A1}'..='\u{30FC}').contains(&c)), "{kana}");
        }
    }

    #[test]
    fn a_ward_belongs_to_its_citys_association() {
        assert_eq!(municipal_association_name("札幌市中央区"), "札幌市医師会");
        assert_eq!(municipal_association_name("千代田区"), "千代田区医師会");
        assert_eq!(municipal_association_name("旭川市"), "旭川市医師会");
    }
}
