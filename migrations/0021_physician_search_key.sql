-- Issue 12: staff search folds kana and variant kanji. search_key is the folded kanji name and
-- furigana (hiragana to katakana, 髙→高, 﨑→崎, 齋/齊/斉→斎, 邊/邉→辺 …, spaces removed), kept
-- by PostgreSQL itself; src/domain/search.rs folds the query with the same tables (a unit test
-- checks that this file and that module agree).
ALTER TABLE physicians ADD COLUMN search_key TEXT GENERATED ALWAYS AS (
    translate(lower(kanji_name), 'ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔ髙﨑嵜碕齋齊斉邊邉濵濱澤櫻廣德眞冨國藏會惠槇檜龍瀨瀬籠條　 ', 'ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴ高崎崎崎斎斎斎辺辺浜浜沢桜広徳真富国蔵会恵槙桧竜瀬瀬篭条') || '|' ||
    translate(lower(furigana), 'ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔ髙﨑嵜碕齋齊斉邊邉濵濱澤櫻廣德眞冨國藏會惠槇檜龍瀨瀬籠條　 ', 'ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴ高崎崎崎斎斎斎辺辺浜浜沢桜広徳真富国蔵会恵槙桧竜瀬瀬篭条')
) STORED;
