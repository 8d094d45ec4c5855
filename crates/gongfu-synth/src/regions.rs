//! The region registry of the demo province: Zhejiang's 11 prefecture-level
//! cities and 90 county-level units, the `mountain26` county group and the
//! strong-county pairings.
//!
//! Names and GB/T 2260 codes are those in force in the early 2020s (after the
//! 2021 reorganisation of Hangzhou's districts and the creation of Longgang
//! city in 2019). The model parameters attached to each county (population,
//! urban share, income index) are *synthetic* approximations chosen for the
//! demo; they are not official statistics.

use std::sync::LazyLock;

/// The administrative level of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The province (330000).
    Province,
    /// A prefecture-level city (3301xx … 3311xx, code ending in `00`).
    City,
    /// A county-level unit: district, county-level city or county.
    County,
}

impl Level {
    /// The lower-case name of the level (`"province"`, `"city"`, `"county"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
        }
    }
}

/// One region of the registry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    /// Six-digit GB/T 2260 code, e.g. `"330102"`.
    pub code: &'static str,
    /// Chinese name, e.g. `"上城区"`.
    pub name_zh: &'static str,
    /// English (pinyin) name, e.g. `"Shangcheng"`.
    pub name_en: &'static str,
    /// Administrative level.
    pub level: Level,
    /// Code of the parent region (`None` for the province).
    pub parent: Option<&'static str>,
}

/// Membership of a county in a named county group over a span of years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupMembership {
    /// Group id, e.g. `"mountain26"`.
    pub group: &'static str,
    /// County code.
    pub county: &'static str,
    /// First year of membership (inclusive).
    pub from_year: u16,
    /// Last year of membership (inclusive); `None` while still a member.
    pub to_year: Option<u16>,
}

impl GroupMembership {
    /// Whether the membership is valid in `year`.
    pub fn contains_year(&self, year: u16) -> bool {
        year >= self.from_year && self.to_year.is_none_or(|to| year <= to)
    }
}

/// A pairing of a strong (economically developed) county with an assisted
/// county of the `mountain26` group ("山海协作" / paired assistance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pairing {
    /// Code of the strong county.
    pub strong: &'static str,
    /// Code of the assisted (mountainous) county.
    pub assisted: &'static str,
    /// First year of the pairing.
    pub from_year: u16,
}

/// The province code.
pub const PROVINCE_CODE: &str = "330000";

/// The id of the mountainous-county group.
pub const MOUNTAIN_GROUP: &str = "mountain26";

/// Model parameters of one county (synthetic).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CountyParams {
    pub code: &'static str,
    pub city: &'static str,
    /// Resident population around 2020, in units of 10,000 persons
    /// (approximate; only the relative sizes matter).
    pub pop_wan: f64,
    /// Share of the county's persons living in urban households.
    pub urban_share: f64,
    /// Relative income level of the county (province ≈ 1).
    pub income_index: f64,
}

static CITIES: [(&str, &str, &str); 11] = [
    ("330100", "杭州市", "Hangzhou"),
    ("330200", "宁波市", "Ningbo"),
    ("330300", "温州市", "Wenzhou"),
    ("330400", "嘉兴市", "Jiaxing"),
    ("330500", "湖州市", "Huzhou"),
    ("330600", "绍兴市", "Shaoxing"),
    ("330700", "金华市", "Jinhua"),
    ("330800", "衢州市", "Quzhou"),
    ("330900", "舟山市", "Zhoushan"),
    ("331000", "台州市", "Taizhou"),
    ("331100", "丽水市", "Lishui"),
];

/// (code, Chinese name, pinyin, parent city, population in 10k, urban share,
/// income index). Codes ascending.
#[rustfmt::skip]
static COUNTIES: [(&str, &str, &str, &str, f64, f64, f64); 90] = [
    // Hangzhou
    ("330102", "上城区", "Shangcheng", "330100", 132.0, 1.00, 1.32),
    ("330105", "拱墅区", "Gongshu", "330100", 118.0, 1.00, 1.28),
    ("330106", "西湖区", "Xihu", "330100", 114.0, 0.92, 1.36),
    ("330108", "滨江区", "Binjiang", "330100", 50.0, 1.00, 1.40),
    ("330109", "萧山区", "Xiaoshan", "330100", 201.0, 0.70, 1.25),
    ("330110", "余杭区", "Yuhang", "330100", 123.0, 0.78, 1.30),
    ("330111", "富阳区", "Fuyang", "330100", 83.0, 0.60, 1.10),
    ("330112", "临安区", "Lin'an", "330100", 64.0, 0.58, 1.05),
    ("330113", "临平区", "Linping", "330100", 117.0, 0.80, 1.20),
    ("330114", "钱塘区", "Qiantang", "330100", 77.0, 0.82, 1.18),
    ("330122", "桐庐县", "Tonglu", "330100", 45.0, 0.55, 1.00),
    ("330127", "淳安县", "Chun'an", "330100", 33.0, 0.44, 0.78),
    ("330182", "建德市", "Jiande", "330100", 44.0, 0.54, 0.92),
    // Ningbo
    ("330203", "海曙区", "Haishu", "330200", 104.0, 0.90, 1.22),
    ("330205", "江北区", "Jiangbei", "330200", 49.0, 0.86, 1.20),
    ("330206", "北仑区", "Beilun", "330200", 83.0, 0.78, 1.20),
    ("330211", "镇海区", "Zhenhai", "330200", 54.0, 0.78, 1.22),
    ("330212", "鄞州区", "Yinzhou", "330200", 161.0, 0.83, 1.28),
    ("330213", "奉化区", "Fenghua", "330200", 58.0, 0.60, 1.05),
    ("330225", "象山县", "Xiangshan", "330200", 58.0, 0.53, 1.00),
    ("330226", "宁海县", "Ninghai", "330200", 70.0, 0.54, 1.00),
    ("330281", "余姚市", "Yuyao", "330200", 126.0, 0.62, 1.12),
    ("330282", "慈溪市", "Cixi", "330200", 183.0, 0.64, 1.15),
    // Wenzhou
    ("330302", "鹿城区", "Lucheng", "330300", 118.0, 0.93, 1.18),
    ("330303", "龙湾区", "Longwan", "330300", 77.0, 0.83, 1.10),
    ("330304", "瓯海区", "Ouhai", "330300", 96.0, 0.78, 1.08),
    ("330305", "洞头区", "Dongtou", "330300", 15.0, 0.58, 0.92),
    ("330324", "永嘉县", "Yongjia", "330300", 87.0, 0.50, 0.80),
    ("330326", "平阳县", "Pingyang", "330300", 86.0, 0.53, 0.81),
    ("330327", "苍南县", "Cangnan", "330300", 84.0, 0.48, 0.78),
    ("330328", "文成县", "Wencheng", "330300", 29.0, 0.40, 0.72),
    ("330329", "泰顺县", "Taishun", "330300", 27.0, 0.40, 0.70),
    ("330381", "瑞安市", "Rui'an", "330300", 152.0, 0.64, 1.02),
    ("330382", "乐清市", "Yueqing", "330300", 145.0, 0.64, 1.06),
    ("330383", "龙港市", "Longgang", "330300", 47.0, 0.68, 0.95),
    // Jiaxing
    ("330402", "南湖区", "Nanhu", "330400", 65.0, 0.78, 1.15),
    ("330411", "秀洲区", "Xiuzhou", "330400", 69.0, 0.60, 1.10),
    ("330421", "嘉善县", "Jiashan", "330400", 65.0, 0.58, 1.10),
    ("330424", "海盐县", "Haiyan", "330400", 51.0, 0.56, 1.08),
    ("330481", "海宁市", "Haining", "330400", 108.0, 0.62, 1.12),
    ("330482", "平湖市", "Pinghu", "330400", 69.0, 0.60, 1.10),
    ("330483", "桐乡市", "Tongxiang", "330400", 103.0, 0.60, 1.10),
    // Huzhou
    ("330502", "吴兴区", "Wuxing", "330500", 90.0, 0.76, 1.10),
    ("330503", "南浔区", "Nanxun", "330500", 55.0, 0.54, 1.02),
    ("330521", "德清县", "Deqing", "330500", 55.0, 0.56, 1.05),
    ("330522", "长兴县", "Changxing", "330500", 68.0, 0.56, 1.02),
    ("330523", "安吉县", "Anji", "330500", 59.0, 0.54, 1.02),
    // Shaoxing
    ("330602", "越城区", "Yuecheng", "330600", 96.0, 0.83, 1.15),
    ("330603", "柯桥区", "Keqiao", "330600", 110.0, 0.68, 1.18),
    ("330604", "上虞区", "Shangyu", "330600", 83.0, 0.60, 1.08),
    ("330624", "新昌县", "Xinchang", "330600", 43.0, 0.54, 1.00),
    ("330681", "诸暨市", "Zhuji", "330600", 122.0, 0.60, 1.08),
    ("330683", "嵊州市", "Shengzhou", "330600", 68.0, 0.54, 0.95),
    // Jinhua
    ("330702", "婺城区", "Wucheng", "330700", 91.0, 0.76, 1.00),
    ("330703", "金东区", "Jindong", "330700", 50.0, 0.58, 0.95),
    ("330723", "武义县", "Wuyi", "330700", 46.0, 0.48, 0.78),
    ("330726", "浦江县", "Pujiang", "330700", 46.0, 0.50, 0.88),
    ("330727", "磐安县", "Pan'an", "330700", 18.0, 0.43, 0.74),
    ("330781", "兰溪市", "Lanxi", "330700", 58.0, 0.53, 0.88),
    ("330782", "义乌市", "Yiwu", "330700", 186.0, 0.78, 1.15),
    ("330783", "东阳市", "Dongyang", "330700", 109.0, 0.60, 1.00),
    ("330784", "永康市", "Yongkang", "330700", 96.0, 0.62, 1.02),
    // Quzhou
    ("330802", "柯城区", "Kecheng", "330800", 53.0, 0.78, 0.89),
    ("330803", "衢江区", "Qujiang", "330800", 39.0, 0.43, 0.74),
    ("330822", "常山县", "Changshan", "330800", 26.0, 0.43, 0.72),
    ("330824", "开化县", "Kaihua", "330800", 25.0, 0.40, 0.71),
    ("330825", "龙游县", "Longyou", "330800", 36.0, 0.46, 0.78),
    ("330881", "江山市", "Jiangshan", "330800", 49.0, 0.50, 0.78),
    // Zhoushan
    ("330902", "定海区", "Dinghai", "330900", 52.0, 0.78, 1.10),
    ("330903", "普陀区", "Putuo", "330900", 38.0, 0.76, 1.08),
    ("330921", "岱山县", "Daishan", "330900", 20.0, 0.56, 1.00),
    ("330922", "嵊泗县", "Shengsi", "330900", 7.0, 0.58, 1.02),
    // Taizhou
    ("331002", "椒江区", "Jiaojiang", "331000", 84.0, 0.83, 1.08),
    ("331003", "黄岩区", "Huangyan", "331000", 68.0, 0.64, 1.00),
    ("331004", "路桥区", "Luqiao", "331000", 69.0, 0.70, 1.05),
    ("331022", "三门县", "Sanmen", "331000", 38.0, 0.48, 0.80),
    ("331023", "天台县", "Tiantai", "331000", 45.0, 0.48, 0.78),
    ("331024", "仙居县", "Xianju", "331000", 43.0, 0.46, 0.76),
    ("331081", "温岭市", "Wenling", "331000", 142.0, 0.62, 1.05),
    ("331082", "临海市", "Linhai", "331000", 111.0, 0.58, 0.98),
    ("331083", "玉环市", "Yuhuan", "331000", 64.0, 0.64, 1.05),
    // Lishui
    ("331102", "莲都区", "Liandu", "331100", 60.0, 0.73, 0.87),
    ("331121", "青田县", "Qingtian", "331100", 50.0, 0.48, 0.80),
    ("331122", "缙云县", "Jinyun", "331100", 38.0, 0.46, 0.76),
    ("331123", "遂昌县", "Suichang", "331100", 19.0, 0.46, 0.74),
    ("331124", "松阳县", "Songyang", "331100", 20.0, 0.43, 0.72),
    ("331125", "云和县", "Yunhe", "331100", 12.0, 0.53, 0.76),
    ("331126", "庆元县", "Qingyuan", "331100", 14.0, 0.46, 0.70),
    ("331127", "景宁畲族自治县", "Jingning", "331100", 11.0, 0.46, 0.68),
    ("331181", "龙泉市", "Longquan", "331100", 25.0, 0.50, 0.76),
];

static REGIONS: LazyLock<Vec<Region>> = LazyLock::new(|| {
    let mut v = Vec::with_capacity(1 + CITIES.len() + COUNTIES.len());
    v.push(Region {
        code: PROVINCE_CODE,
        name_zh: "浙江省",
        name_en: "Zhejiang",
        level: Level::Province,
        parent: None,
    });
    for &(code, zh, en) in &CITIES {
        v.push(Region {
            code,
            name_zh: zh,
            name_en: en,
            level: Level::City,
            parent: Some(PROVINCE_CODE),
        });
    }
    for &(code, zh, en, parent, ..) in &COUNTIES {
        v.push(Region {
            code,
            name_zh: zh,
            name_en: en,
            level: Level::County,
            parent: Some(parent),
        });
    }
    v
});

pub(crate) static COUNTY_PARAMS: LazyLock<Vec<CountyParams>> = LazyLock::new(|| {
    COUNTIES
        .iter()
        .map(
            |&(code, _, _, city, pop_wan, urban_share, income_index)| CountyParams {
                code,
                city,
                pop_wan,
                urban_share,
                income_index,
            },
        )
        .collect()
});

/// All regions: the province first, then the 11 cities, then the 90
/// county-level units, each block in ascending code order.
pub fn regions() -> &'static [Region] {
    &REGIONS
}

/// Looks a region up by its code.
pub fn region(code: &str) -> Option<&'static Region> {
    regions().iter().find(|r| r.code == code)
}

/// The 90 county-level units in ascending code order.
pub fn counties() -> &'static [Region] {
    &regions()[1 + CITIES.len()..]
}

/// The 11 prefecture-level cities in ascending code order.
pub fn cities() -> &'static [Region] {
    &regions()[1..1 + CITIES.len()]
}

/// The 26 mountainous counties (山区26县) in ascending code order.
pub(crate) const MOUNTAIN26: [&str; 26] = [
    "330127", // 淳安
    "330324", // 永嘉
    "330326", // 平阳
    "330327", // 苍南
    "330328", // 文成
    "330329", // 泰顺
    "330723", // 武义
    "330727", // 磐安
    "330802", // 柯城
    "330803", // 衢江
    "330822", // 常山
    "330824", // 开化
    "330825", // 龙游
    "330881", // 江山
    "331022", // 三门
    "331023", // 天台
    "331024", // 仙居
    "331102", // 莲都
    "331121", // 青田
    "331122", // 缙云
    "331123", // 遂昌
    "331124", // 松阳
    "331125", // 云和
    "331126", // 庆元
    "331127", // 景宁
    "331181", // 龙泉
];

/// The two counties that, in the demo province, graduate from the group and
/// leave it from 2025 (synthetic assumption; see [`group_memberships`]).
pub(crate) const MOUNTAIN26_GRADUATES: [&str; 2] = ["330802", "331102"];

/// First year of the `mountain26` group in the demo.
pub const MOUNTAIN_GROUP_FROM: u16 = 2021;

/// Year from which the graduates are no longer members.
pub const MOUNTAIN_GRADUATION_YEAR: u16 = 2025;

static MEMBERSHIPS: LazyLock<Vec<GroupMembership>> = LazyLock::new(|| {
    MOUNTAIN26
        .iter()
        .map(|&county| GroupMembership {
            group: MOUNTAIN_GROUP,
            county,
            from_year: MOUNTAIN_GROUP_FROM,
            to_year: MOUNTAIN26_GRADUATES
                .contains(&county)
                .then_some(MOUNTAIN_GRADUATION_YEAR - 1),
        })
        .collect()
});

/// County-group memberships with their validity years.
///
/// One group is defined, [`MOUNTAIN_GROUP`] (`"mountain26"`): the 26
/// mountainous counties (淳安, 永嘉, 平阳, 苍南, 文成, 泰顺, 武义, 磐安,
/// 柯城, 衢江, 江山, 常山, 开化, 龙游, 三门, 天台, 仙居, 莲都, 龙泉, 青田,
/// 云和, 庆元, 缙云, 遂昌, 松阳, 景宁), members from 2021.
///
/// **Synthetic assumption:** the group's membership changes in 2025; in the
/// demo province the two city districts of the group, 柯城区 (Kecheng,
/// 330802) and 莲都区 (Liandu, 331102), "graduate" and leave the group from
/// 2025 (their memberships end in 2024), so the group has 24 members in 2025.
/// This models a membership change; it is not a statement about the actual
/// 2025 list.
pub fn group_memberships() -> &'static [GroupMembership] {
    &MEMBERSHIPS
}

/// Whether `county` is a member of `group` in `year`.
pub fn is_member(group: &str, county: &str, year: u16) -> bool {
    group_memberships()
        .iter()
        .any(|m| m.group == group && m.county == county && m.contains_year(year))
}

/// First year of the pairings.
pub const PAIRING_FROM: u16 = 2021;

/// (strong, assisted) pairs: 50 pairs, every mountainous county has two strong
/// partners except 柯城 and 莲都, which have one each. Synthetic but plausible
/// (industrialised districts and county-level cities of Hangzhou, Ningbo,
/// Wenzhou, Jiaxing, Huzhou, Shaoxing, Jinhua, Zhoushan and Taizhou).
#[rustfmt::skip]
static PAIRS: [(&str, &str); 50] = [
    ("330109", "330127"), ("330110", "330127"), // 萧山, 余杭 → 淳安
    ("330203", "330324"), ("330304", "330324"), // 海曙, 瓯海 → 永嘉
    ("330212", "330326"), ("330303", "330326"), // 鄞州, 龙湾 → 平阳
    ("330281", "330327"), ("330302", "330327"), // 余姚, 鹿城 → 苍南
    ("330381", "330328"), ("330402", "330328"), // 瑞安, 南湖 → 文成
    ("330382", "330329"), ("330282", "330329"), // 乐清, 慈溪 → 泰顺
    ("330782", "330723"), ("330481", "330723"), // 义乌, 海宁 → 武义
    ("330783", "330727"), ("330114", "330727"), // 东阳, 钱塘 → 磐安
    ("330102", "330802"),                       // 上城 → 柯城
    ("330113", "330803"), ("330211", "330803"), // 临平, 镇海 → 衢江
    ("330105", "330822"), ("330421", "330822"), // 拱墅, 嘉善 → 常山
    ("330106", "330824"), ("330482", "330824"), // 西湖, 平湖 → 开化
    ("330108", "330825"), ("330206", "330825"), // 滨江, 北仑 → 龙游
    ("330603", "330881"), ("330483", "330881"), // 柯桥, 桐乡 → 江山
    ("331002", "331022"), ("330205", "331022"), // 椒江, 江北 → 三门
    ("331004", "331023"), ("330602", "331023"), // 路桥, 越城 → 天台
    ("331081", "331024"), ("330411", "331024"), // 温岭, 秀洲 → 仙居
    ("330681", "331102"),                       // 诸暨 → 莲都
    ("331083", "331121"), ("330213", "331121"), // 玉环, 奉化 → 青田
    ("330784", "331122"), ("330424", "331122"), // 永康, 海盐 → 缙云
    ("330523", "331123"), ("330109", "331123"), // 安吉, 萧山 → 遂昌
    ("330503", "331124"), ("330110", "331124"), // 南浔, 余杭 → 松阳
    ("330502", "331125"), ("330902", "331125"), // 吴兴, 定海 → 云和
    ("330522", "331126"), ("330111", "331126"), // 长兴, 富阳 → 庆元
    ("330212", "331127"), ("330108", "331127"), // 鄞州, 滨江 → 景宁
    ("330604", "331181"), ("330521", "331181"), // 上虞, 德清 → 龙泉
];

static PAIRINGS: LazyLock<Vec<Pairing>> = LazyLock::new(|| {
    PAIRS
        .iter()
        .map(|&(strong, assisted)| Pairing {
            strong,
            assisted,
            from_year: PAIRING_FROM,
        })
        .collect()
});

/// Strong-county → mountainous-county pairings (50 pairs from 2021; each of
/// the 26 counties has one or two strong partners). The list is a plausible
/// synthetic arrangement, not the official one.
pub fn pairings() -> &'static [Pairing] {
    &PAIRINGS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn registry_shape() {
        let r = regions();
        assert_eq!(r.len(), 102);
        assert_eq!(cities().len(), 11);
        assert_eq!(counties().len(), 90);
        let codes: HashSet<_> = r.iter().map(|x| x.code).collect();
        assert_eq!(codes.len(), 102);
        for c in counties() {
            assert_eq!(c.level, Level::County);
            let p = region(c.parent.unwrap()).unwrap();
            assert_eq!(p.level, Level::City);
            assert_eq!(&c.code[..4], &p.code[..4]);
            assert_eq!(c.code.len(), 6);
        }
        for c in cities() {
            assert_eq!(c.parent, Some(PROVINCE_CODE));
        }
        assert_eq!(region("330102").unwrap().name_zh, "上城区");
        let mut sorted: Vec<_> = counties().iter().map(|c| c.code).collect();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            counties().iter().map(|c| c.code).collect::<Vec<_>>()
        );
    }

    #[test]
    fn params_align_with_regions() {
        for (p, r) in COUNTY_PARAMS.iter().zip(counties()) {
            assert_eq!(p.code, r.code);
            assert!(p.urban_share > 0.0 && p.urban_share <= 1.0);
            assert!(p.income_index > 0.5 && p.income_index < 1.6);
        }
    }

    #[test]
    fn mountain_group_and_pairings() {
        let members = |y| {
            counties()
                .iter()
                .filter(|c| is_member(MOUNTAIN_GROUP, c.code, y))
                .count()
        };
        assert_eq!(members(2020), 0);
        assert_eq!(members(2021), 26);
        assert_eq!(members(2024), 26);
        assert_eq!(members(2025), 24);
        let m: HashSet<_> = MOUNTAIN26.iter().collect();
        assert_eq!(m.len(), 26);
        for code in MOUNTAIN26 {
            assert!(region(code).is_some(), "{code}");
            let n = pairings().iter().filter(|p| p.assisted == code).count();
            assert!((1..=3).contains(&n), "{code}: {n}");
        }
        let pairs: HashSet<_> = pairings().iter().map(|p| (p.strong, p.assisted)).collect();
        assert_eq!(pairs.len(), 50);
        for p in pairings() {
            assert!(!m.contains(&p.strong), "{}", p.strong);
            assert_eq!(region(p.strong).unwrap().level, Level::County);
        }
    }
}
