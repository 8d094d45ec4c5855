// gongfu dashboard: one app for a monitoring release, in two modes.
//
// - embedded (the offline report of `gongfu report`): the release is the text
//   of the JSON script element with id "release";
// - served (`gongfu serve`): the release comes from the HTTP API
//   (GET /api/v1/releases, GET /api/v1/releases/{id}) with the bearer token
//   given once in the URL fragment (#token=…) and kept in sessionStorage.
//
// Plain JavaScript, no build step; charts by the vendored ECharts (global
// `echarts`). Every figure with a standard error is drawn with its
// confidence interval (bands on lines, error bars on bars and points).
'use strict';

(function () {
  // ---------------------------------------------------------------- strings

  const I18N = {
    en: {
      title: 'Common prosperity monitor',
      skip: 'Skip to content',
      page_overview: 'Overview',
      page_distribution: 'Income distribution',
      page_counties: 'Counties',
      page_convergence: 'Convergence',
      page_schools: 'School balance',
      page_county: 'County',
      release: 'Release',
      latest: 'latest',
      current: 'current',
      headline: 'Headline indicators',
      overview_note: 'Province, {y1} against {y0}; ± one standard error. Badges: progress towards the {targets} targets.',
      target_path: 'Path to the target',
      targets_table: 'Targets and progress',
      region: 'Region',
      year: 'Year',
      indicator: 'Indicator',
      level: 'Level',
      regime: 'Standard',
      lorenz: 'Lorenz curve',
      quintiles: 'Mean income by quintile',
      middle_share: 'Middle-income households',
      urban_rural: 'Urban–rural income ratio',
      show_pairs: 'Show all pairings',
      tile_map: 'Counties by city',
      ranking: 'Composite index: rank and 5–95% band',
      ranking_indicator: '{name}: counties ranked, with {level}% CI',
      rank_by: 'Rank by',
      rank_index: 'composite index',
      rank_indicator: 'chosen indicator',
      tile_help: 'Each square is a county, grouped by city. Outlined: the mountainous counties of the chosen year; hover to see a county\u2019s paired counties, click to open it.',
      sigma: 'σ-convergence: dispersion across counties',
      group_gap: 'Mountainous counties / province',
      theil: 'Theil index: between and within',
      beta_scatter: 'β-convergence: growth against initial level',
      school_pass: 'Counties meeting the standard',
      school_coef: 'Difference coefficient by county',
      school_help: 'Basic balance (2012): the composite coefficient at most 0.65 (primary) or 0.55 (junior). High-quality balance (2017): every indicator\u2019s coefficient at most 0.50 (primary) or 0.45 (junior).',
      back: '← Counties',
      county_schools: 'School balance',
      county_rank: 'Composite index',
      county_indicators: 'Indicators over time',
      se_note: 'Bands and error bars are confidence intervals from the standard errors of the release.',
      class_achieved: 'Achieved',
      class_on_track: 'On track',
      class_acceleration_needed: 'Acceleration needed',
      class_limited_progress: 'Limited progress',
      class_moving_away: 'Moving away',
      class_none: 'Not assessed',
      observed: 'Observed',
      ci: '{level}% CI',
      required_path: 'Required path to {year}',
      target: 'Target',
      target_year: 'Target {year}',
      at_observed_rate: 'At the observed rate',
      equality: 'Equality',
      population_share: 'Cumulative population share',
      income_share: 'Cumulative income share',
      quintile: 'Q{n}',
      province: 'Province',
      sd_log: 'SD of log income',
      cv: 'Coefficient of variation',
      williamson: 'Williamson CV (population-weighted)',
      between: 'Between',
      within: 'Within',
      pass: 'Meets the standard',
      fail: 'Does not meet it',
      threshold: 'Threshold',
      primary: 'Primary',
      junior: 'Junior secondary',
      basic: 'Basic balance (2012)',
      high_quality: 'High-quality balance (2017)',
      composite: 'Composite coefficient',
      max_indicator: 'Largest indicator coefficient',
      failing: 'Above the threshold',
      rank: 'Rank',
      median_rank: 'Median rank',
      band: '5–95% band',
      score: 'Score',
      city: 'City',
      groups: 'Groups',
      mountain26: '26 mountainous counties',
      assisted_by: 'Paired strong counties',
      assists: 'Paired mountainous counties',
      none: 'none',
      no_data: 'no data',
      population: 'Population',
      sample: 'Households in the sample',
      of_n: '{k} of {n}',
      from_year: 'since {year}',
      card_from: '{y1}; {y0}: {v}',
      change: 'change',
      lower_better: 'lower is better',
      higher_better: 'higher is better',
      scope: 'Scope',
      latest_value: 'Latest',
      ratio: 'Ratio',
      class: 'Progress',
      target_head: '{year}: {cls}.',
      rates: 'Observed {obs} a year since {base}; required {req} a year to reach {target} by {year}.',
      rates_ratio: 'Ratio observed ÷ required: {ratio}.',
      gap_left: 'Still to go: {gap}.',
      gap_met: 'The target is met (by {gap}).',
      beta_text: 'β-convergence {from}–{to}: β = {beta} (SE {se}, p {p}), R² = {r2}. {meaning}',
      beta_conv: 'Counties that started lower grew faster: speed {speed} a year, half-life {half} years.',
      beta_conv_nohalf: 'Counties that started lower grew faster.',
      beta_div: 'Counties that started higher grew faster (divergence).',
      growth: 'Annual growth',
      initial: 'Initial level (log scale)',
      fit: 'Fitted line',
      other_counties: 'Other counties',
      counties_passing: 'Counties passing',
      pillar: 'Pillar',
      composite_score: 'Composite',
      rank_of: 'rank {rank} of {n}',
      band_text: 'median {median}, 5–95% band {p05}–{p95}',
      band_short: '{p05}–{p95} (median {median})',
      loading: 'Loading…',
      err_401: 'Not signed in (401): the access token is missing or no longer valid. Open the link that gongfu serve prints (it ends in #token=…).',
      err_403: 'Forbidden (403): this access token may not read releases.',
      err_no_release: 'No release has been published yet.',
      err_api: 'The server answered {status} for {url}.',
      err_network: 'The server could not be reached: {message}',
      err_no_data: 'This page has no release to show: open it through gongfu serve, or make a report with gongfu report.',
      err_bad_release: 'The release could not be read: {message}',
      err_no_echarts: 'The chart library did not load.',
      mode_embedded: 'Offline report · release {id}',
      mode_api: 'Release {id}',
      provenance: '{program} {version} · release {id} · computed {created} · province {province} · {y0}–{y1} · confidence level {level}%',
      pairs: 'Pairs',
      pp: 'pp',
      per_year: 'a year',
      na: '—',
      pillar_prosperity: 'Prosperity',
      pillar_sharing: 'Sharing',
      pillar_services: 'Public services',
      mountain_member: 'Mountainous county',
      open_county: 'Open {name}',
      lang_button: '中文',
      lang_label: 'Switch to Chinese',
    },
    zh: {
      title: '共同富裕监测',
      skip: '跳到正文',
      page_overview: '总览',
      page_distribution: '收入分配',
      page_counties: '县域',
      page_convergence: '区域收敛',
      page_schools: '义务教育均衡',
      page_county: '县（市、区）',
      release: '发布版本',
      latest: '最新',
      current: '现行',
      headline: '主要指标',
      overview_note: '全省，{y1}年与{y0}年对比；±为一个标准误。标签：{targets}年目标进展。',
      target_path: '目标路径',
      targets_table: '目标与进展',
      region: '地区',
      year: '年份',
      indicator: '指标',
      level: '学段',
      regime: '标准',
      lorenz: '洛伦兹曲线',
      quintiles: '五等份收入组人均收入',
      middle_share: '中等收入群体比例',
      urban_rural: '城乡居民收入倍差',
      show_pairs: '显示全部结对关系',
      tile_map: '各设区市的县（市、区）',
      ranking: '综合指数：排名及5%–95%区间',
      ranking_indicator: '{name}：各县排序及{level}%置信区间',
      rank_by: '排序依据',
      rank_index: '综合指数',
      rank_indicator: '所选指标',
      tile_help: '每个方块代表一个县（市、区），按设区市分组。粗框：所选年份的山区26县；悬停查看结对县，点击打开县页面。',
      sigma: 'σ收敛：县域间离散程度',
      group_gap: '山区26县与全省之比',
      theil: '泰尔指数：组间与组内',
      beta_scatter: 'β收敛：年均增长率与初始水平',
      school_pass: '达标县（市、区）数',
      school_coef: '各县校际差异系数',
      school_help: '基本均衡（2012年）：综合差异系数小学不高于0.65、初中不高于0.55。优质均衡（2017年）：每项指标差异系数小学不高于0.50、初中不高于0.45。',
      back: '← 县域',
      county_schools: '义务教育均衡',
      county_rank: '综合指数',
      county_indicators: '指标历年变化',
      se_note: '阴影带和误差线为依据标准误计算的置信区间。',
      class_achieved: '已实现',
      class_on_track: '进度符合',
      class_acceleration_needed: '需加快推进',
      class_limited_progress: '进展有限',
      class_moving_away: '偏离目标',
      class_none: '未评估',
      observed: '实际值',
      ci: '{level}%置信区间',
      required_path: '{year}年目标所需路径',
      target: '目标',
      target_year: '{year}年目标',
      at_observed_rate: '按实际增速推算',
      equality: '绝对平等线',
      population_share: '累计人口比例',
      income_share: '累计收入比例',
      quintile: '第{n}组',
      province: '全省',
      sd_log: '对数收入标准差',
      cv: '变异系数',
      williamson: '威廉姆森系数（人口加权）',
      between: '组间',
      within: '组内',
      pass: '达标',
      fail: '未达标',
      threshold: '标准',
      primary: '小学',
      junior: '初中',
      basic: '基本均衡（2012年）',
      high_quality: '优质均衡（2017年）',
      composite: '综合差异系数',
      max_indicator: '最大单项差异系数',
      failing: '超标指标',
      rank: '排名',
      median_rank: '排名中位数',
      band: '5%–95%区间',
      score: '得分',
      city: '所属设区市',
      groups: '所属县组',
      mountain26: '山区26县',
      assisted_by: '结对帮扶强县',
      assists: '结对山区县',
      none: '无',
      no_data: '无数据',
      population: '人口',
      sample: '样本户数',
      of_n: '{n}个中{k}个',
      from_year: '{year}年起',
      card_from: '{y1}年；{y0}年：{v}',
      change: '变化',
      lower_better: '越低越好',
      higher_better: '越高越好',
      scope: '范围',
      latest_value: '最新值',
      ratio: '比率',
      class: '进展',
      target_head: '{year}年：{cls}。',
      rates: '{base}年以来实际年均{obs}；{year}年达到{target}所需年均{req}。',
      rates_ratio: '实际与所需之比：{ratio}。',
      gap_left: '距目标：{gap}。',
      gap_met: '已达到目标（超出{gap}）。',
      beta_text: 'β收敛 {from}–{to}年：β = {beta}（标准误 {se}，p {p}），R² = {r2}。{meaning}',
      beta_conv: '初始水平较低的县增长更快：收敛速度每年{speed}，半衰期{half}年。',
      beta_conv_nohalf: '初始水平较低的县增长更快。',
      beta_div: '初始水平较高的县增长更快（发散）。',
      growth: '年均增长率',
      initial: '初始水平（对数刻度）',
      fit: '拟合线',
      other_counties: '其他县（市、区）',
      counties_passing: '达标县数',
      pillar: '维度',
      composite_score: '综合',
      rank_of: '{n}个中第{rank}名',
      band_text: '中位数{median}，5%–95%区间{p05}–{p95}',
      band_short: '{p05}–{p95}（中位数{median}）',
      loading: '正在加载…',
      err_401: '未登录（401）：访问令牌缺失或已失效。请打开 gongfu serve 输出的链接（以 #token=… 结尾）。',
      err_403: '无权访问（403）：此访问令牌不能读取发布版本。',
      err_no_release: '尚未发布任何版本。',
      err_api: '服务器对 {url} 返回 {status}。',
      err_network: '无法连接服务器：{message}',
      err_no_data: '此页面没有可显示的发布版本：请通过 gongfu serve 打开，或用 gongfu report 生成报告。',
      err_bad_release: '无法读取发布版本：{message}',
      err_no_echarts: '图表库未能加载。',
      mode_embedded: '离线报告 · 版本 {id}',
      mode_api: '版本 {id}',
      provenance: '{program} {version} · 版本 {id} · 计算于 {created} · 省份 {province} · {y0}–{y1}年 · 置信水平 {level}%',
      pairs: '结对',
      pp: '个百分点',
      per_year: '每年',
      na: '—',
      pillar_prosperity: '富裕',
      pillar_sharing: '共享',
      pillar_services: '公共服务',
      mountain_member: '山区县',
      open_county: '打开{name}',
      lang_button: 'English',
      lang_label: '切换到英文',
    },
  };

  const CLASSES = ['achieved', 'on_track', 'acceleration_needed', 'limited_progress', 'moving_away'];
  const CLASS_ICON = {
    achieved: '✓', on_track: '↗', acceleration_needed: '⚠', limited_progress: '…', moving_away: '↘', none: '·',
  };
  const CLASS_COLOR = {
    achieved: '#1a7f37', on_track: '#5a9e1b', acceleration_needed: '#c98a00',
    limited_progress: '#d9530f', moving_away: '#b3261e', none: '#6b737d',
  };
  // Colour-blind-safe categorical colours (Okabe–Ito, darkened for contrast on white).
  const C = {
    main: '#0b5cad', second: '#d55e00', third: '#009e73', fourth: '#a0468f',
    grey: '#6b737d', mountain: '#b3261e', light: '#9aa3ad',
  };
  const RAMP = ['#f0f9e8', '#ccebc5', '#a8ddb5', '#7bccc4', '#4eb3d3', '#2b8cbe', '#0868ac', '#084081'];

  // Zhejiang's eleven cities as blocks of a tile grid, roughly where they lie:
  // [city code, column, row, counties per row].
  const LAYOUT_330000 = [
    ['330500', 3, 0, 3], ['330400', 7, 0, 4], ['330900', 15, 2, 2],
    ['330100', 0, 3, 5], ['330600', 6, 3, 3], ['330200', 10, 3, 4],
    ['330800', 0, 7, 3], ['330700', 4, 6, 3], ['331000', 9, 7, 3],
    ['331100', 2, 10, 3], ['330300', 6, 11, 4],
  ];

  // ------------------------------------------------------------------ state

  const S = {
    lang: initialLang(),
    page: 'overview',
    county: null,
    mode: null, // 'embedded' | 'api'
    token: null,
    releaseId: 'latest',
    targetKey: null,
    distRegion: null,
    distYear: null,
    mapIndicator: null,
    mapYear: null,
    mapPairs: false,
    rankBy: 'index',
    theilPartition: null,
    schoolYear: null,
    schoolLevel: 'primary',
    schoolRegime: 'basic',
  };
  let R = null; // the indexed release
  const charts = new WeakMap();

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function initialLang() {
    try {
      const saved = localStorage.getItem('gongfu.lang');
      if (saved === 'en' || saved === 'zh') return saved;
    } catch (_) { /* storage unavailable */ }
    return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  }

  function t(key, args) {
    let s = I18N[S.lang][key];
    if (s === undefined) s = I18N.en[key];
    if (s === undefined) return key;
    if (args) s = s.replace(/\{(\w+)\}/g, (m, k) => (args[k] === undefined ? m : String(args[k])));
    return s;
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  // ---------------------------------------------------------------- numbers

  function locale() { return S.lang === 'zh' ? 'zh-CN' : 'en-GB'; }

  function num(v, digits) {
    return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  }

  function unitOf(id) {
    const i = R && R.indicator.get(id);
    return i ? i.unit : '';
  }

  // A value in its unit, for reading: yuan with thousands, shares as percent.
  function fmt(v, unit) {
    if (v === null || v === undefined || !Number.isFinite(v)) return t('na');
    switch (unit) {
      case 'yuan': return num(v, 0) + (S.lang === 'zh' ? ' 元' : ' yuan');
      case 'share': return num(100 * v, 1) + '%';
      case 'workshops': return num(v, 0);
      case '10,000 yuan': return num(v, 1) + (S.lang === 'zh' ? ' 万元' : ' × 10k yuan');
      case 'ratio': case 'index': case 'coefficient': return num(v, 3);
      default: return Math.abs(v) >= 100 ? num(v, 0) : Math.abs(v) >= 10 ? num(v, 1) : num(v, 3);
    }
  }

  // A standard error or a difference in the value's unit.
  function fmtDiff(v, unit) {
    if (v === null || v === undefined || !Number.isFinite(v)) return t('na');
    switch (unit) {
      case 'yuan': return num(v, 0);
      case 'share': return num(100 * v, Math.abs(100 * v) < 0.095 ? 2 : 1) + ' ' + t('pp');
      case 'workshops': return num(v, 0);
      case '10,000 yuan': return num(v, 1);
      case 'ratio': case 'index': case 'coefficient': return num(v, 3);
      default: return Math.abs(v) >= 100 ? num(v, 0) : Math.abs(v) >= 10 ? num(v, 1) : num(v, 3);
    }
  }

  // A rate of change per year: percent for compound growth, units otherwise.
  function fmtRate(v, growth, unit) {
    if (v === null || v === undefined || !Number.isFinite(v)) return t('na');
    if (growth === 'compound') return num(100 * v, 2) + '%';
    return fmtDiff(v, unit);
  }

  // Short axis labels.
  function axisFmt(unit) {
    // As many decimals as the tick needs (ticks are round numbers).
    const dec = (x) => {
      for (let d = 0; d < 4; d++) if (Math.abs(x * 10 ** d - Math.round(x * 10 ** d)) < 1e-6) return d;
      return 4;
    };
    return (v) => {
      switch (unit) {
        case 'yuan': return Math.abs(v) >= 10000 ? num(v / 1000, dec(v / 1000)) + 'k' : num(v, 0);
        case 'share': return num(100 * v, dec(100 * v)) + '%';
        default: return Math.abs(v) >= 1000 ? num(v, 0) : num(v, dec(v));
      }
    };
  }

  // The normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
  function qnorm(p) {
    const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
    const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    const lo = 0.02425;
    if (p < lo) {
      const q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - lo) return -qnorm(1 - p);
    const q = p - 0.5;
    const r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }

  // The confidence interval of a value row: its own, else normal from the SE.
  function interval(v) {
    if (!v) return null;
    if (Array.isArray(v.ci) && v.ci.length === 2 && v.ci.every(Number.isFinite)) return v.ci;
    if (Number.isFinite(v.se)) return [v.value - R.z * v.se, v.value + R.z * v.se];
    return null;
  }

  function seInterval(value, se) {
    return Number.isFinite(se) ? [value - R.z * se, value + R.z * se] : null;
  }

  // ---------------------------------------------------------------- release

  function indexRelease(doc) {
    if (!doc || typeof doc !== 'object' || !doc.meta) throw new Error('no "meta"');
    const reg = doc.regions || {};
    const regions = reg.regions || [];
    const r = {
      doc,
      meta: doc.meta,
      province: doc.meta.province,
      years: [],
      region: new Map(regions.map((x) => [x.code, x])),
      cities: regions.filter((x) => x.level === 'city'),
      counties: regions.filter((x) => x.level === 'county'),
      groups: reg.groups || [],
      pairings: reg.pairings || [],
      indicators: doc.indicators || [],
      indicator: new Map((doc.indicators || []).map((i) => [i.id, i])),
      values: new Map(),
      series: new Map(),
      progress: doc.progress || [],
      schools: new Map(),
      schoolRows: doc.schools || [],
      distributions: new Map(),
      index: doc.index || null,
      unit: new Map(),
      convergence: doc.convergence || null,
      level: Number.isFinite(doc.meta.level) ? doc.meta.level : 0.95,
    };
    r.z = qnorm(0.5 + r.level / 2);
    const [y0, y1] = doc.meta.years || [0, -1];
    for (let y = y0; y <= y1; y++) r.years.push(y);
    for (const v of doc.values || []) {
      if (!Number.isFinite(v.value)) continue;
      r.values.set(v.indicator + '|' + v.region + '|' + v.year, v);
      const k = v.indicator + '|' + v.region;
      if (!r.series.has(k)) r.series.set(k, []);
      r.series.get(k).push(v);
    }
    for (const s of r.series.values()) s.sort((a, b) => a.year - b.year);
    for (const s of r.schoolRows) r.schools.set([s.county, s.year, s.level, s.regime].join('|'), s);
    for (const d of doc.distributions || []) r.distributions.set(d.region + '|' + d.year, d);
    if (r.index && r.index.result) {
      const res = r.index.result;
      const units = r.index.units || res.units || [];
      units.forEach((u, i) => {
        r.unit.set(u, {
          score: res.scores ? res.scores[i] : null,
          rank: res.ranks ? res.ranks[i] : null,
          pillars: res.pillar_scores ? res.pillar_scores[i] : null,
          band: r.index.bands ? r.index.bands[i] : null,
        });
      });
    }
    r.countyCity = new Map(r.counties.map((c) => [c.code, c.parent]));
    return r;
  }

  function regionName(code) {
    const x = R.region.get(code);
    if (x) return S.lang === 'zh' ? x.name_zh : x.name_en;
    if (code === 'mountain26') return t('mountain26');
    return code;
  }

  function indicatorName(id) {
    const i = R.indicator.get(id);
    if (!i) return id;
    return S.lang === 'zh' ? i.name_zh : i.name_en;
  }

  function value(ind, region, year) { return R.values.get(ind + '|' + region + '|' + year); }
  function series(ind, region) { return R.series.get(ind + '|' + region) || []; }

  function isMember(group, county, year) {
    return R.groups.some((g) => g.group === group && g.county === county && g.from_year <= year &&
      (g.to_year === null || g.to_year === undefined || year <= g.to_year));
  }

  function groupIds() { return Array.from(new Set(R.groups.map((g) => g.group))); }

  function groupName(id) { return id === 'mountain26' ? t('mountain26') : id; }

  function partnersOf(code, year) {
    const strong = R.pairings.filter((p) => p.assisted === code && p.from_year <= year).map((p) => p.strong);
    const assisted = R.pairings.filter((p) => p.strong === code && p.from_year <= year).map((p) => p.assisted);
    return { strong, assisted };
  }

  function className(c) { return t('class_' + (c || 'none')); }

  function badge(c, text) {
    const k = c || 'none';
    return `<span class="badge ${k}" title="${esc(className(c))}"><span aria-hidden="true">${CLASS_ICON[k]}</span>${esc(text || className(c))}</span>`;
  }

  // ----------------------------------------------------------------- charts

  // One chart per container, in the current language (ECharts' own texts and
  // the description it gives screen readers follow its locale).
  function chartFor(el) {
    if (!el) return null;
    let c = charts.get(el);
    if (c && c.gongfuLang !== S.lang) {
      c.dispose();
      c = null;
    }
    if (!c) {
      c = echarts.init(el, null, { renderer: 'canvas', locale: S.lang === 'zh' ? 'ZH' : 'EN' });
      c.gongfuLang = S.lang;
      charts.set(el, c);
      if (!el.gongfuObserved && typeof ResizeObserver === 'function') {
        el.gongfuObserved = true;
        new ResizeObserver(() => { const x = charts.get(el); if (x && !x.isDisposed()) x.resize(); }).observe(el);
      }
    }
    return c;
  }

  function draw(el, option) {
    const c = chartFor(el);
    if (!c) return;
    c.setOption(Object.assign({
      animation: false,
      aria: { enabled: true },
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
    }, option), true);
    c.resize();
  }

  // A confidence band: one polygon through the upper ends and back along the
  // lower ends. pts: [[x, lo, hi], ...] in x order.
  function bandSeries(name, pts, color, opacity) {
    const data = pts.filter((p) => p.every(Number.isFinite));
    return {
      type: 'custom', name, data, silent: true, z: 1, clip: true,
      encode: { x: 0, y: [1, 2] }, tooltip: { show: false },
      itemStyle: { color },
      renderItem(params, api) {
        if (params.dataIndex !== 0 || data.length < 2) return null;
        const upper = data.map((p) => api.coord([p[0], p[2]]));
        const lower = data.map((p) => api.coord([p[0], p[1]])).reverse();
        return {
          type: 'polygon', shape: { points: upper.concat(lower) },
          style: { fill: color, opacity: opacity === undefined ? 0.2 : opacity },
        };
      },
    };
  }

  // Error bars: a vertical (or, with horizontal, horizontal) line with caps.
  // pts: [[x, lo, hi], ...]; x may be a category index.
  function errorBarSeries(name, pts, color, horizontal) {
    const data = pts.filter((p) => p.every(Number.isFinite));
    return {
      type: 'custom', name, data, z: 3, silent: true, tooltip: { show: false },
      encode: horizontal ? { y: 0, x: [1, 2] } : { x: 0, y: [1, 2] },
      itemStyle: { color },
      renderItem(params, api) {
        const x = api.value(0);
        const a = horizontal ? api.coord([api.value(1), x]) : api.coord([x, api.value(1)]);
        const b = horizontal ? api.coord([api.value(2), x]) : api.coord([x, api.value(2)]);
        const band = horizontal ? api.size([0, 1])[1] : api.size([1, 0])[0];
        const w = Math.max(2, Math.min(6, (band || 12) * 0.25));
        const style = { stroke: color, lineWidth: 1.4 };
        const cap = horizontal
          ? (p) => ({ type: 'line', shape: { x1: p[0], y1: p[1] - w, x2: p[0], y2: p[1] + w }, style })
          : (p) => ({ type: 'line', shape: { x1: p[0] - w, y1: p[1], x2: p[0] + w, y2: p[1] }, style });
        return {
          type: 'group',
          children: [{ type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style }, cap(a), cap(b)],
        };
      },
    };
  }

  // A line over years from value rows, with its band; the rows' SEs travel in
  // the data for the tooltip.
  function lineWithBand(name, rows, color, opts) {
    const o = opts || {};
    const line = {
      type: 'line', name, z: 4, color, symbolSize: 6, showSymbol: true,
      lineStyle: { width: o.width || 2.2, type: o.dashed ? 'dashed' : 'solid', color },
      itemStyle: { color },
      data: rows.map((v) => ({ value: [v.year, v.value], se: v.se, ci: interval(v), unit: o.unit })),
    };
    const out = [line];
    if (o.band !== false) {
      // The band has the line's name: one legend entry shows or hides both.
      const pts = rows.map((v) => { const ci = interval(v); return ci ? [v.year, ci[0], ci[1]] : null; }).filter(Boolean);
      if (pts.length >= 2) out.push(bandSeries(name, pts, color, o.opacity));
    }
    return out;
  }

  function pct(level) { return +(100 * level).toFixed(1); }

  // The tooltip of a line chart over years: each named value with ± SE and CI.
  function axisTooltip(unitDefault) {
    return {
      trigger: 'axis', confine: true,
      formatter(params) {
        const ps = (Array.isArray(params) ? params : [params]).filter((p) => p.seriesType !== 'custom' && p.data);
        if (!ps.length) return '';
        const x = Array.isArray(ps[0].value) ? ps[0].value[0] : ps[0].axisValue;
        let h = `<b>${esc(x)}</b>`;
        for (const p of ps) {
          const d = p.data;
          const unit = d.unit || unitDefault;
          const y = Array.isArray(d.value) ? d.value[1] : d.value;
          let line = `${p.marker}${esc(p.seriesName)}: <b>${esc(fmt(y, unit))}</b>`;
          if (Number.isFinite(d.se)) line += ` ± ${esc(fmtDiff(d.se, unit))}`;
          if (d.ci) line += ` <span style="color:#4d5560">[${esc(fmt(d.ci[0], unit))}, ${esc(fmt(d.ci[1], unit))}]</span>`;
          h += '<br>' + line;
        }
        return h;
      },
    };
  }

  function yearAxis(years) {
    let ys = years.filter(Number.isFinite);
    if (!ys.length) ys = R.years;
    return {
      type: 'value', min: Math.min(...ys), max: Math.max(...ys), minInterval: 1,
      axisLabel: { formatter: (v) => (Number.isInteger(v) ? String(v) : '') },
      splitLine: { show: false },
    };
  }

  function valueAxis(unit, name) {
    return {
      type: 'value', scale: true, name: name || '', nameTextStyle: { color: '#4d5560', align: 'left' },
      axisLabel: { formatter: axisFmt(unit), color: '#3a4149' },
      splitLine: { lineStyle: { color: '#e4e7eb' } },
    };
  }

  function baseGrid(extra) {
    return Object.assign({ left: 12, right: 24, top: 48, bottom: 12, containLabel: true }, extra || {});
  }

  function legend(extra) {
    return Object.assign({ top: 0, left: 'center', type: 'plain', textStyle: { color: '#1b1f24' } }, extra || {});
  }

  // ------------------------------------------------------------------- i18n

  function applyLang() {
    document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
    for (const el of $$('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    const b = $('#lang-toggle');
    b.textContent = t('lang_button');
    b.setAttribute('aria-label', t('lang_label'));
    b.title = t('lang_label');
    if (R) {
      $('#subtitle').textContent = (S.mode === 'embedded' ? t('mode_embedded', { id: R.meta.release_id }) : t('mode_api', { id: R.meta.release_id })) +
        ' · ' + regionName(R.province);
      const m = R.meta;
      $('#provenance').textContent = t('provenance', {
        program: m.program || 'gongfu', version: m.version || '', id: m.release_id, created: m.created || '',
        province: regionName(m.province) + ' (' + m.province + ')', y0: R.years[0], y1: R.years[R.years.length - 1],
        level: pct(R.level),
      });
      document.title = 'gongfu · ' + regionName(R.province) + ' · ' + R.meta.release_id;
    }
  }

  function setLang(lang) {
    S.lang = lang;
    try { localStorage.setItem('gongfu.lang', lang); } catch (_) { /* storage unavailable */ }
    applyLang();
    if (R) {
      fillPickers();
      render();
    }
  }

  // ---------------------------------------------------------------- pickers

  function options(sel, items, current) {
    // items: [{value, label, group?}]
    const groups = new Map();
    for (const it of items) {
      const g = it.group || '';
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(it);
    }
    let h = '';
    for (const [g, its] of groups) {
      const opts = its.map((it) => `<option value="${esc(it.value)}"${String(it.value) === String(current) ? ' selected' : ''}>${esc(it.label)}</option>`).join('');
      h += g ? `<optgroup label="${esc(g)}">${opts}</optgroup>` : opts;
    }
    sel.innerHTML = h;
  }

  function regionItems() {
    const items = [{ value: R.province, label: regionName(R.province), group: t('province') }];
    for (const g of groupIds()) items.push({ value: g, label: groupName(g), group: t('groups') });
    for (const c of R.cities) items.push({ value: c.code, label: regionName(c.code), group: t('city') });
    for (const c of R.cities) {
      for (const k of R.counties.filter((x) => x.parent === c.code)) {
        items.push({ value: k.code, label: regionName(k.code), group: regionName(c.code) });
      }
    }
    return items;
  }

  function targetKeys() {
    const seen = new Map();
    for (const p of R.progress) {
      const k = p.indicator + '|' + p.scope;
      if (!seen.has(k)) seen.set(k, p);
    }
    return Array.from(seen.keys());
  }

  function countyIndicators() {
    return R.indicators.filter((i) => R.counties.some((c) => series(i.id, c.code).length > 0)).map((i) => i.id);
  }

  function fillPickers() {
    // Overview: targets.
    const tk = targetKeys();
    if (!S.targetKey || !tk.includes(S.targetKey)) S.targetKey = tk[0] || null;
    options($('#target-indicator'), tk.map((k) => {
      const [ind, scope] = k.split('|');
      return { value: k, label: indicatorName(ind) + (scope === R.province ? '' : ' · ' + regionName(scope)) };
    }), S.targetKey);

    // Distribution.
    if (!S.distRegion) S.distRegion = R.province;
    const distYears = R.years.filter((y) => R.distributions.has(S.distRegion + '|' + y));
    if (!S.distYear || !distYears.includes(S.distYear)) S.distYear = distYears[distYears.length - 1] || R.years[R.years.length - 1];
    options($('#dist-region'), regionItems(), S.distRegion);
    options($('#dist-year'), (distYears.length ? distYears : R.years).map((y) => ({ value: y, label: String(y) })), S.distYear);

    // Counties.
    const ci = countyIndicators();
    if (!S.mapIndicator || !ci.includes(S.mapIndicator)) S.mapIndicator = ci.includes('income_pc') ? 'income_pc' : ci[0];
    options($('#map-indicator'), ci.map((id) => ({ value: id, label: indicatorName(id) })), S.mapIndicator);
    const mapYears = R.years.filter((y) => R.counties.some((c) => value(S.mapIndicator, c.code, y)));
    if (!S.mapYear || !mapYears.includes(S.mapYear)) S.mapYear = mapYears[mapYears.length - 1] || R.years[R.years.length - 1];
    options($('#map-year'), mapYears.map((y) => ({ value: y, label: String(y) })), S.mapYear);
    $('#map-pairs').checked = S.mapPairs;
    const rk = $('#rank-by');
    if (rk) options(rk, [{ value: 'index', label: t('rank_index') }, { value: 'indicator', label: t('rank_indicator') }], S.rankBy);

    // Convergence.
    const parts = R.convergence ? Array.from(new Set(R.convergence.theil.map((x) => x.partition))) : [];
    if (!S.theilPartition || !parts.includes(S.theilPartition)) S.theilPartition = parts[0] || null;
    options($('#theil-partition'), parts.map((p) => ({ value: p, label: p === 'city' ? t('city') : groupName(p) })), S.theilPartition);

    // Schools.
    const sy = Array.from(new Set(R.schoolRows.map((s) => s.year))).sort();
    if (!S.schoolYear || !sy.includes(S.schoolYear)) S.schoolYear = sy[sy.length - 1];
    options($('#school-year'), sy.map((y) => ({ value: y, label: String(y) })), S.schoolYear);
    options($('#school-level'), ['primary', 'junior'].map((l) => ({ value: l, label: t(l) })), S.schoolLevel);
    options($('#school-regime'), ['basic', 'high_quality'].map((l) => ({ value: l, label: t(l) })), S.schoolRegime);
  }

  // --------------------------------------------------------------- overview

  function provinceIndicators() {
    return R.indicators.filter((i) => series(i.id, R.province).length > 0);
  }

  function renderOverview() {
    const y0 = R.years[0];
    const y1 = R.years[R.years.length - 1];
    const years = Array.from(new Set(R.progress.map((p) => p.target_year))).sort();
    const list = S.lang === 'zh' ? years.join('、') : years.length > 1 ? years.slice(0, -1).join(', ') + ' and ' + years[years.length - 1] : String(years[0] || '');
    $('#overview-note').textContent = t('overview_note', { y0, y1, targets: list });
    const cards = [];
    for (const i of provinceIndicators()) {
      const s = series(i.id, R.province);
      const last = s[s.length - 1];
      const first = s[0];
      const badges = R.progress.filter((p) => p.indicator === i.id && p.scope === R.province)
        .sort((a, b) => a.target_year - b.target_year)
        .map((p) => badge(p.assessment && p.assessment.class, `${p.target_year} ${className(p.assessment && p.assessment.class)}`))
        .join('');
      const key = i.id + '|' + R.province;
      const hasTarget = targetKeys().includes(key);
      const delta = last.value - first.value;
      const arrow = delta === 0 ? '→' : delta > 0 ? '▲' : '▼';
      const good = (delta > 0) === (i.direction === 'higher');
      cards.push(`<button type="button" class="card" data-indicator="${esc(i.id)}" aria-pressed="${S.targetKey === key}" ${hasTarget ? '' : 'data-no-target="1"'}>
        <span class="name">${esc(indicatorName(i.id))}</span>
        <span class="value">${esc(fmt(last.value, i.unit))}${Number.isFinite(last.se) ? ` <span class="se">± ${esc(fmtDiff(last.se, i.unit))}</span>` : ''}</span>
        <span class="from">${esc(t('card_from', { y1: last.year, y0: first.year, v: fmt(first.value, i.unit) }))}
          <span style="color:${good ? '#1a7f37' : '#b3261e'}" title="${esc(t(i.direction === 'higher' ? 'higher_better' : 'lower_better'))}">${arrow} ${esc(fmtDiff(Math.abs(delta), i.unit))}</span></span>
        <span class="badges">${badges}</span>
      </button>`);
    }
    const cardsEl = $('#cards');
    cardsEl.innerHTML = cards.join('');
    for (const b of $$('.card', cardsEl)) {
      b.addEventListener('click', () => {
        const key = b.dataset.indicator + '|' + R.province;
        if (targetKeys().includes(key)) {
          S.targetKey = key;
          $('#target-indicator').value = key;
          renderOverview();
        } else {
          S.distRegion = R.province;
          location.hash = '#/distribution';
        }
      });
    }
    renderTargetChart();
    renderTargetsTable();
    $('#class-legend').innerHTML = CLASSES.map((c) => badge(c)).join('');
  }

  function renderTargetChart() {
    const el = $('#chart-target');
    if (!S.targetKey) { draw(el, { title: { text: t('no_data'), left: 'center', top: 'middle' } }); return; }
    const [ind, scope] = S.targetKey.split('|');
    const unit = unitOf(ind);
    const rows = R.progress.filter((p) => p.indicator === ind && p.scope === scope).sort((a, b) => a.target_year - b.target_year);
    const obs = series(ind, scope);
    const out = [];
    const yearsAll = obs.map((v) => v.year);
    out.push(...lineWithBand(t('observed'), obs.length ? obs : (rows[0] ? rows[0].observed.map(([y, v]) => ({ year: y, value: v })) : []), C.main, { unit }));
    const palette = [C.second, C.fourth, C.third];
    const texts = [];
    rows.forEach((p, k) => {
      const color = palette[k % palette.length];
      const a = p.assessment;
      yearsAll.push(p.target_year, p.base_year);
      if (a && a.required_path) {
        out.push({
          type: 'line', name: t('required_path', { year: p.target_year }), color, showSymbol: false,
          lineStyle: { type: 'dashed', width: 1.8, color },
          data: a.required_path.map(([y, v]) => ({ value: [y, v], unit })),
        });
        // The observed rate continued from the base year to the target year.
        const pts = [];
        for (let y = p.base_year; y <= p.target_year; y++) {
          const dy = y - p.base_year;
          const v = p.growth === 'compound' ? a.base_value * Math.pow(1 + a.observed_rate, dy) : a.base_value + a.observed_rate * dy;
          if (y >= a.latest_year) pts.push({ value: [y, v], unit });
        }
        if (pts.length > 1) {
          out.push({
            type: 'line', name: t('at_observed_rate') + ' (' + p.target_year + ')', color: C.grey, showSymbol: false,
            lineStyle: { type: 'dotted', width: 1.6, color: C.grey }, data: pts,
          });
        }
        texts.push(t('target_head', { year: p.target_year, cls: className(a.class) }) + ' ' + t('rates', {
          obs: fmtRate(a.observed_rate, p.growth, unit), base: p.base_year, req: fmtRate(a.required_rate, p.growth, unit),
          target: fmt(p.target, unit), year: p.target_year,
        }) + (Number.isFinite(a.ratio) ? ' ' + t('rates_ratio', { ratio: num(a.ratio, 2) }) : '') + ' ' +
          (a.gap > 0 ? t('gap_left', { gap: fmtDiff(a.gap, unit) }) : t('gap_met', { gap: fmtDiff(-a.gap, unit) })));
      } else if (p.note) {
        texts.push(`${p.target_year}: ${p.note}`);
      }
      out.push({
        type: 'scatter', name: t('target_year', { year: p.target_year }), color, symbol: 'diamond', symbolSize: 14, z: 5,
        itemStyle: { color: (a && CLASS_COLOR[a.class]) || color, borderColor: '#1b1f24', borderWidth: 1 },
        data: [{ value: [p.target_year, p.target], unit }],
        label: { show: true, position: 'top', formatter: () => fmt(p.target, unit), color: '#1b1f24' },
      });
    });
    draw(el, {
      legend: legend(),
      grid: baseGrid({ top: 64, right: 56 }),
      tooltip: axisTooltip(unit),
      xAxis: yearAxis(yearsAll),
      yAxis: valueAxis(unit),
      series: out,
    });
    $('#target-text').textContent = texts.join(' ');
  }

  function renderTargetsTable() {
    const th = [t('indicator'), t('scope'), t('target'), t('latest_value'), t('ratio'), t('class')];
    const rows = R.progress.map((p) => {
      const unit = unitOf(p.indicator);
      const a = p.assessment;
      const cmp = p.direction === 'lower' ? '≤' : '≥';
      return `<tr class="clickable" data-key="${esc(p.indicator + '|' + p.scope)}">
        <td>${esc(indicatorName(p.indicator))}</td>
        <td class="nowrap">${esc(regionName(p.scope))}</td>
        <td class="num">${cmp} ${esc(fmt(p.target, unit))} (${p.target_year})</td>
        <td class="num">${a ? esc(fmt(a.latest_value, unit)) + ' (' + a.latest_year + ')' : esc(t('na'))}</td>
        <td class="num">${a && Number.isFinite(a.ratio) ? esc(num(a.ratio, 2)) : esc(t('na'))}</td>
        <td>${badge(a && a.class)}${!a && p.note ? ' <span class="small muted">' + esc(p.note) + '</span>' : ''}</td></tr>`;
    });
    const table = $('#targets-table');
    table.innerHTML = `<thead><tr>${th.map((h, i) => `<th${i >= 2 && i <= 4 ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody>`;
    for (const tr of $$('tr.clickable', table)) {
      tr.addEventListener('click', () => {
        S.targetKey = tr.dataset.key;
        $('#target-indicator').value = S.targetKey;
        renderOverview();
      });
    }
  }

  // ----------------------------------------------------------- distribution

  function renderDistribution() {
    const region = S.distRegion;
    const year = S.distYear;
    const d = R.distributions.get(region + '|' + year);
    const prov = region === R.province ? null : R.distributions.get(R.province + '|' + year);
    const name = regionName(region);

    // Lorenz curve with its band, the equality line and the province for reference.
    const lorenzPts = (dist) => [[0, 0, 0]].concat(dist.lorenz.map((p) => {
      const ci = seInterval(p.value, p.se);
      return [p.at, ci ? Math.max(0, ci[0]) : p.value, ci ? Math.min(1, ci[1]) : p.value];
    }), [[1, 1, 1]]);
    const lorenzSeries = [{
      type: 'line', name: t('equality'), color: C.light, showSymbol: false, silent: true,
      lineStyle: { color: C.light, width: 1, type: 'dashed' }, data: [[0, 0], [1, 1]],
    }];
    if (prov) {
      lorenzSeries.push({
        type: 'line', name: regionName(R.province), color: C.grey, showSymbol: false,
        lineStyle: { color: C.grey, width: 1.4, type: 'dotted' },
        data: [{ value: [0, 0] }].concat(prov.lorenz.map((p) => ({ value: [p.at, p.value], se: p.se, unit: 'share' })), [{ value: [1, 1] }]),
      });
    }
    if (d) {
      lorenzSeries.push({
        type: 'line', name, color: C.main, symbolSize: 5, lineStyle: { width: 2.2, color: C.main }, z: 4,
        data: [{ value: [0, 0] }].concat(d.lorenz.map((p) => ({ value: [p.at, p.value], se: p.se, ci: seInterval(p.value, p.se), unit: 'share' })), [{ value: [1, 1] }]),
      });
      lorenzSeries.push(bandSeries(name, lorenzPts(d), C.main, 0.3));
    }
    const shareAxis = (nm) => ({
      type: 'value', min: 0, max: 1, name: nm, nameLocation: 'middle', nameGap: 28, nameTextStyle: { color: '#4d5560' },
      axisLabel: { formatter: axisFmt('share') }, splitLine: { lineStyle: { color: '#e4e7eb' } },
    });
    draw($('#chart-lorenz'), {
      title: d ? undefined : { text: t('no_data'), left: 'center', top: 'middle' },
      legend: legend(),
      grid: baseGrid({ left: 24, bottom: 24 }),
      tooltip: axisTooltip('share'),
      xAxis: shareAxis(t('population_share')),
      yAxis: Object.assign(shareAxis(t('income_share')), { nameGap: 40 }),
      series: lorenzSeries,
    });

    // Quintile means: bars with error bars; the province beside for reference.
    const cats = [1, 2, 3, 4, 5].map((n) => t('quintile', { n }));
    const qSeries = [];
    const qBars = (dist, nm, color) => {
      const pts = dist.quintile_means.map((p) => ({ value: p.value, se: p.se, ci: seInterval(p.value, p.se), unit: 'yuan' }));
      return { type: 'bar', name: nm, color, itemStyle: { color }, data: pts, barGap: '15%', barMaxWidth: 48 };
    };
    if (d) qSeries.push(qBars(d, name, C.main));
    if (prov) qSeries.push(qBars(prov, regionName(R.province), C.light));
    // Error bars sit on the bars: offset by the bar's position in its category.
    const nBars = qSeries.length;
    const errSeries = qSeries.map((s, k) => {
      const color = '#1b1f24';
      return {
        type: 'custom', name: s.name, z: 5, silent: true, tooltip: { show: false },
        encode: { x: 0, y: [1, 2] }, itemStyle: { color },
        data: s.data.map((p, i) => (p.ci ? [i, p.ci[0], p.ci[1]] : null)).filter(Boolean),
        renderItem(params, api) {
          const i = api.value(0);
          const a = api.coord([i, api.value(1)]);
          const b = api.coord([i, api.value(2)]);
          const bandW = api.size([1, 0])[0];
          const gap = 0.15;
          const barW = Math.min(48, bandW * 0.8 / (nBars + gap * (nBars - 1)));
          const total = nBars * barW + (nBars - 1) * gap * barW;
          const x = a[0] - total / 2 + k * barW * (1 + gap) + barW / 2;
          const w = Math.min(6, barW * 0.25);
          const style = { stroke: color, lineWidth: 1.4 };
          return {
            type: 'group', children: [
              { type: 'line', shape: { x1: x, y1: a[1], x2: x, y2: b[1] }, style },
              { type: 'line', shape: { x1: x - w, y1: a[1], x2: x + w, y2: a[1] }, style },
              { type: 'line', shape: { x1: x - w, y1: b[1], x2: x + w, y2: b[1] }, style },
            ],
          };
        },
      };
    });
    draw($('#chart-quintiles'), {
      title: d ? undefined : { text: t('no_data'), left: 'center', top: 'middle' },
      legend: legend(),
      grid: baseGrid(),
      tooltip: Object.assign(axisTooltip('yuan'), { axisPointer: { type: 'shadow' } }),
      xAxis: { type: 'category', data: cats },
      yAxis: Object.assign(valueAxis('yuan'), { scale: false, min: 0 }),
      series: qSeries.concat(errSeries),
    });

    // The middle-income shares over the years, with targets.
    const mids = ['middle_100_500', 'middle_200_600'].filter((id) => R.indicator.has(id));
    const midSeries = [];
    const midColors = [C.main, C.second];
    const midMarks = [];
    mids.forEach((id, k) => {
      midSeries.push(...lineWithBand(indicatorName(id), series(id, region), midColors[k], { unit: 'share' }));
      for (const p of R.progress.filter((q) => q.indicator === id && q.scope === region)) {
        midMarks.push({ yAxis: p.target, name: t('target_year', { year: p.target_year }) + ' ' + fmt(p.target, 'share'), lineStyle: { color: midColors[k] } });
      }
    });
    if (midMarks.length && midSeries.length) {
      const line = midSeries.find((s) => s.type === 'line');
      line.markLine = {
        symbol: 'none', silent: true, data: midMarks,
        label: { formatter: (p) => p.name, position: 'insideEndTop', color: '#1b1f24' }, lineStyle: { type: 'dashed' },
      };
    }
    draw($('#chart-middle'), {
      legend: legend(),
      grid: baseGrid(),
      tooltip: axisTooltip('share'),
      xAxis: yearAxis(R.years),
      yAxis: Object.assign(valueAxis('share'), { min: 0, max: (v) => Math.min(1, Math.max(v.max, ...midMarks.map((m) => m.yAxis)) + 0.05) }),
      series: midSeries,
    });

    // The urban–rural ratio of the region, the province for reference, targets.
    const ur = 'urban_rural_ratio';
    const urSeries = lineWithBand(name, series(ur, region), C.main, { unit: 'ratio' });
    if (region !== R.province) urSeries.push(...lineWithBand(regionName(R.province), series(ur, R.province), C.grey, { unit: 'ratio', dashed: true, opacity: 0.12 }));
    const urMarks = R.progress.filter((q) => q.indicator === ur && q.scope === R.province)
      .map((p) => ({ yAxis: p.target, name: t('target_year', { year: p.target_year }) + ' ' + (p.direction === 'lower' ? '≤ ' : '≥ ') + fmt(p.target, 'ratio') }));
    const urLine = urSeries.find((s) => s.type === 'line');
    if (urLine && urMarks.length) {
      urLine.markLine = {
        symbol: 'none', silent: true, data: urMarks, lineStyle: { type: 'dashed', color: C.second },
        label: { formatter: (p) => p.name, position: 'insideEndTop', color: '#1b1f24' },
      };
    }
    draw($('#chart-urban-rural'), {
      title: series(ur, region).length ? undefined : { text: t('no_data'), left: 'center', top: 'middle' },
      legend: legend(),
      grid: baseGrid(),
      tooltip: axisTooltip('ratio'),
      xAxis: yearAxis(R.years),
      yAxis: Object.assign(valueAxis('ratio'), urMarks.length ? {
        min: (v) => Math.floor(10 * Math.min(v.min, ...urMarks.map((m) => m.yAxis)) - 0.5) / 10,
        max: (v) => Math.ceil(10 * Math.max(v.max, ...urMarks.map((m) => m.yAxis)) + 0.5) / 10,
      } : {}),
      series: urSeries,
    });
  }

  // --------------------------------------------------------------- counties

  // Tile positions: [code] → {x, y}; city blocks → label positions.
  function tileLayout() {
    const cities = R.cities.map((c) => c.code);
    const known = R.province === '330000' && cities.length === LAYOUT_330000.length &&
      LAYOUT_330000.every(([code]) => cities.includes(code));
    const blocks = [];
    if (known) {
      for (const [code, x, y, w] of LAYOUT_330000) blocks.push({ code, x, y, w });
    } else {
      // Blocks of about square shape packed left to right, 17 columns wide.
      let x = 0;
      let y = 0;
      let rowH = 0;
      for (const code of cities) {
        const n = R.counties.filter((k) => k.parent === code).length || 1;
        const w = Math.max(2, Math.ceil(Math.sqrt(n)));
        const h = Math.ceil(n / w);
        if (x + w > 17 && x > 0) { x = 0; y += rowH + 1; rowH = 0; }
        blocks.push({ code, x, y, w });
        x += w + 1;
        rowH = Math.max(rowH, h);
      }
    }
    const pos = new Map();
    let maxX = 0;
    let maxY = 0;
    for (const b of blocks) {
      const ks = R.counties.filter((k) => k.parent === b.code).sort((p, q) => (p.code < q.code ? -1 : 1));
      ks.forEach((k, i) => {
        const x = b.x + (i % b.w);
        const y = b.y + Math.floor(i / b.w);
        pos.set(k.code, { x, y, city: b.code });
        maxX = Math.max(maxX, x);
        maxY = Math.max(maxY, y);
      });
    }
    return { blocks, pos, cols: maxX + 1, rows: maxY + 1 };
  }

  function rampColor(f) {
    const x = Math.max(0, Math.min(1, f)) * (RAMP.length - 1);
    const i = Math.min(RAMP.length - 2, Math.floor(x));
    const u = x - i;
    const a = hex(RAMP[i]);
    const b = hex(RAMP[i + 1]);
    return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * u)).join(',')})`;
  }

  function hex(h) { return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)); }

  function inkFor(rgb) {
    const [r, g, b] = rgb.match(/\d+/g).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return lum > 0.2 ? '#1b1f24' : '#ffffff';
  }

  function shortName(code) {
    const x = R.region.get(code);
    if (!x) return code;
    if (S.lang === 'en') return x.name_en;
    const n = x.name_zh;
    if (n.length > 2) {
      const m = n.replace(/(畲族自治县|自治县|区|县|市)$/, '');
      return m.length >= 2 ? m : n;
    }
    return n;
  }

  function renderCounties() {
    const ind = S.mapIndicator;
    const year = S.mapYear;
    const info = R.indicator.get(ind);
    const unit = info ? info.unit : '';
    const L = tileLayout();
    // Tiles wider than high leave room for names in Latin letters.
    const cw = 58;
    const cell = 46;
    const gap = 4;
    const top = 18;
    const W = L.cols * cw;
    const H = L.rows * cell + top;
    const vals = R.counties.map((c) => value(ind, c.code, year)).filter(Boolean).map((v) => v.value);
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    const colorOf = (v) => (v ? rampColor(hi > lo ? (v.value - lo) / (hi - lo) : 0.5) : '#e4e7eb');

    let svg = `<svg viewBox="-2 -2 ${W + 4} ${H + 4}" role="group" aria-label="${esc(t('tile_map'))}">`;
    for (const b of L.blocks) {
      svg += `<text class="city-label" x="${b.x * cw + 1}" y="${b.y * cell + top - 5}">${esc(regionName(b.code))}</text>`;
    }
    svg += '<g class="pairs"></g>';
    for (const c of R.counties) {
      const p = L.pos.get(c.code);
      if (!p) continue;
      const v = value(ind, c.code, year);
      const fill = colorOf(v);
      const ink = v ? inkFor(fill) : '#3a4149';
      const m26 = isMember('mountain26', c.code, year);
      const x = p.x * cw;
      const y = p.y * cell + top;
      const s = cell - gap;
      const sw = cw - gap;
      const short = shortName(c.code);
      const font = S.lang === 'zh' ? Math.min(12, (sw - 6) / short.length) : Math.min(10.5, (sw - 4) / (0.56 * short.length));
      const label = `${regionName(c.code)}: ${v ? fmt(v.value, unit) : t('no_data')}`;
      svg += `<g class="tile${m26 ? ' m26' : ''}" data-county="${esc(c.code)}" data-name="${esc(regionName(c.code))}" tabindex="0" role="link" aria-label="${esc(t('open_county', { name: label }))}">
        <rect class="fill" x="${x}" y="${y}" width="${sw}" height="${s}" rx="4" fill="${fill}"/>
        ${m26 ? `<rect class="frame" x="${x + 2}" y="${y + 2}" width="${sw - 4}" height="${s - 4}" rx="3"/>` : ''}
        <text x="${x + sw / 2}" y="${y + s / 2 + font * 0.35}" text-anchor="middle" fill="${ink}" style="font-size:${font.toFixed(1)}px">${esc(short)}</text>
      </g>`;
    }
    svg += '</svg>';
    const host = $('#tilemap');
    host.style.aspectRatio = `${W + 4} / ${H + 4}`;
    host.innerHTML = svg;
    let tip = $('#tile-tip');
    if (!tip) {
      tip = document.createElement('div');
      tip.id = 'tile-tip';
      tip.setAttribute('role', 'tooltip');
      tip.style.cssText = 'position:fixed;z-index:20;pointer-events:none;background:#fff;border:1px solid #8a929c;border-radius:4px;padding:6px 8px;font-size:13px;box-shadow:0 2px 8px rgba(0,0,0,.15);max-width:22rem';
      tip.hidden = true;
      document.body.appendChild(tip);
    }
    const svgEl = $('svg', host);
    const center = (code) => { const p = L.pos.get(code); return p ? [p.x * cw + (cw - gap) / 2, p.y * cell + top + (cell - gap) / 2] : null; };
    const linesFor = (codes, faint) => {
      const out = [];
      for (const pr of R.pairings.filter((q) => q.from_year <= year)) {
        if (codes && !codes.includes(pr.strong) && !codes.includes(pr.assisted)) continue;
        const a = center(pr.strong);
        const b = center(pr.assisted);
        if (!a || !b) continue;
        const mx = (a[0] + b[0]) / 2;
        const my = (a[1] + b[1]) / 2 - Math.hypot(b[0] - a[0], b[1] - a[1]) * 0.15;
        out.push(`<path class="pair-line${faint ? ' faint' : ''}" d="M${a[0]},${a[1]} Q${mx},${my} ${b[0]},${b[1]}"/>`);
      }
      return out.join('');
    };
    const pairsG = $('g.pairs', svgEl);
    const showAll = () => { pairsG.innerHTML = S.mapPairs ? linesFor(null, true) : ''; };
    showAll();
    const highlight = (code) => {
      for (const g of $$('.tile', svgEl)) g.classList.remove('hl', 'dim');
      if (!code) { showAll(); return; }
      const pr = partnersOf(code, year);
      const linked = pr.strong.concat(pr.assisted);
      if (linked.length) {
        pairsG.innerHTML = (S.mapPairs ? linesFor(null, true) : '') + linesFor([code], false);
        for (const g of $$('.tile', svgEl)) {
          const k = g.dataset.county;
          if (k === code || linked.includes(k)) g.classList.add('hl'); else g.classList.add('dim');
        }
      } else {
        showAll();
        const g = $(`.tile[data-county="${code}"]`, svgEl);
        if (g) g.classList.add('hl');
      }
    };
    const tipHtml = (code) => {
      const v = value(ind, code, year);
      const pr = partnersOf(code, year);
      const ci = interval(v);
      let h = `<b>${esc(regionName(code))}</b> <span style="color:#4d5560">${esc(regionName(R.countyCity.get(code)))}</span><br>`;
      h += `${esc(indicatorName(ind))} ${year}: <b>${esc(v ? fmt(v.value, unit) : t('no_data'))}</b>`;
      if (v && Number.isFinite(v.se)) h += ` ± ${esc(fmtDiff(v.se, unit))}`;
      if (ci) h += `<br><span style="color:#4d5560">${esc(t('ci', { level: pct(R.level) }))}: ${esc(fmt(ci[0], unit))} – ${esc(fmt(ci[1], unit))}</span>`;
      if (isMember('mountain26', code, year)) h += `<br>${esc(t('mountain_member'))}`;
      if (pr.strong.length) h += `<br>${esc(t('assisted_by'))}: ${esc(pr.strong.map(regionName).join(', '))}`;
      if (pr.assisted.length) h += `<br>${esc(t('assists'))}: ${esc(pr.assisted.map(regionName).join(', '))}`;
      const u = R.unit.get(code);
      if (u && u.rank) h += `<br>${esc(t('county_rank'))}: ${esc(t('rank_of', { rank: u.rank, n: R.unit.size }))}`;
      return h;
    };
    for (const g of $$('.tile', svgEl)) {
      const code = g.dataset.county;
      g.addEventListener('mouseenter', () => { highlight(code); tip.innerHTML = tipHtml(code); tip.hidden = false; });
      g.addEventListener('mousemove', (e) => {
        const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
        const y = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
        tip.style.left = x + 'px';
        tip.style.top = y + 'px';
      });
      g.addEventListener('mouseleave', () => { highlight(null); tip.hidden = true; });
      g.addEventListener('focus', () => highlight(code));
      g.addEventListener('blur', () => highlight(null));
      g.addEventListener('click', () => { tip.hidden = true; openCounty(code); });
      g.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openCounty(code); } });
    }
    S.highlightTile = highlight;

    // The legend: the colour ramp, its ends and the direction.
    const ramp = `linear-gradient(to right, ${RAMP.join(',')})`;
    $('#map-legend').innerHTML = vals.length
      ? `<span>${esc(fmt(lo, unit))}</span><span class="ramp" style="background:${ramp}"></span><span>${esc(fmt(hi, unit))}</span>
         <span class="muted">(${esc(t(info && info.direction === 'lower' ? 'lower_better' : 'higher_better'))})</span>
         <span><span class="swatch" aria-hidden="true"></span> ${esc(t('mountain26'))} ${year}</span>
         <span><span class="swatch" style="border:0;background:#e4e7eb" aria-hidden="true"></span> ${esc(t('no_data'))}</span>`
      : esc(t('no_data'));

    renderRanking();
  }

  function renderRanking() {
    const el = $('#chart-ranking');
    const year = S.mapYear;
    const isM = (code) => isMember('mountain26', code, R.index && S.rankBy === 'index' ? R.index.year : year);
    if (S.rankBy === 'index' && R.index && R.unit.size) {
      $('#ranking-title').textContent = t('ranking') + ' · ' + R.index.year;
      const units = Array.from(R.unit.keys()).sort((a, b) => R.unit.get(a).rank - R.unit.get(b).rank);
      const n = units.length;
      const names = units.map(regionName);
      const rankPts = units.map((u, i) => ({ value: [i, R.unit.get(u).rank], code: u }));
      const medPts = units.map((u, i) => { const b = R.unit.get(u).band; return b ? [i, b.median] : null; }).filter(Boolean);
      const bands = units.map((u, i) => { const b = R.unit.get(u).band; return b ? [i, b.p05, b.p95] : null; }).filter(Boolean);
      draw(el, {
        legend: legend({ data: [t('rank'), t('mountain26'), t('median_rank'), t('band')] }),
        grid: baseGrid({ bottom: 8, top: 40 }),
        tooltip: {
          trigger: 'item', confine: true,
          formatter(p) {
            const u = units[p.data.value ? p.data.value[0] : p.data[0]];
            const x = R.unit.get(u);
            const b = x.band;
            return `<b>${esc(regionName(u))}</b> · ${esc(regionName(R.countyCity.get(u)))}<br>${esc(t('score'))}: ${esc(num(x.score, 1))}<br>` +
              `${esc(t('rank'))}: ${x.rank}` + (b ? `<br>${esc(t('band_text', { median: num(b.median, 0), p05: num(b.p05, 0), p95: num(b.p95, 0) }))}` : '') +
              (isM(u) ? `<br>${esc(t('mountain_member'))}` : '');
          },
        },
        xAxis: {
          type: 'category', data: names,
          axisLabel: { rotate: 90, fontSize: 9, interval: 'auto', color: '#3a4149', formatter: (v) => v },
          axisTick: { alignWithLabel: true },
        },
        yAxis: { type: 'value', inverse: true, min: 1, max: n, name: t('rank'), nameLocation: 'start', nameTextStyle: { color: '#4d5560', align: 'left' }, splitLine: { lineStyle: { color: '#e4e7eb' } } },
        series: [
          Object.assign(errorBarSeries(t('band'), bands, '#4d5560'), { silent: true }),
          { type: 'scatter', name: t('median_rank'), symbol: 'rect', symbolSize: [8, 2], color: '#1b1f24', data: medPts, z: 4, tooltip: { show: false }, silent: true },
          { type: 'scatter', name: t('rank'), symbolSize: 7, color: C.main, data: rankPts.filter((p) => !isM(p.code)), z: 5 },
          { type: 'scatter', name: t('mountain26'), symbol: 'triangle', symbolSize: 9, color: C.mountain, data: rankPts.filter((p) => isM(p.code)), z: 5 },
        ],
      });
    } else {
      // The chosen indicator's values by county with their intervals.
      const ind = S.mapIndicator;
      const info = R.indicator.get(ind);
      const unit = info ? info.unit : '';
      $('#ranking-title').textContent = t('ranking_indicator', { name: indicatorName(ind), level: pct(R.level) }) + ' · ' + year;
      const rows = R.counties.map((c) => value(ind, c.code, year)).filter(Boolean)
        .sort((a, b) => (info && info.direction === 'lower' ? a.value - b.value : b.value - a.value));
      const names = rows.map((v) => regionName(v.region));
      draw(el, {
        grid: baseGrid({ bottom: 8, top: 24 }),
        tooltip: {
          trigger: 'item', confine: true,
          formatter(p) {
            const v = rows[p.dataIndex];
            const ci = interval(v);
            return `<b>${esc(regionName(v.region))}</b><br>${esc(fmt(v.value, unit))}` + (Number.isFinite(v.se) ? ` ± ${esc(fmtDiff(v.se, unit))}` : '') +
              (ci ? `<br>${esc(t('ci', { level: pct(R.level) }))}: ${esc(fmt(ci[0], unit))} – ${esc(fmt(ci[1], unit))}` : '');
          },
        },
        xAxis: { type: 'category', data: names, axisLabel: { rotate: 90, fontSize: 9, color: '#3a4149' } },
        yAxis: valueAxis(unit),
        series: [
          {
            type: 'bar', name: indicatorName(ind), barMaxWidth: 14, color: C.main,
            data: rows.map((v) => ({ value: v.value, code: v.region, itemStyle: { color: isM(v.region) ? C.mountain : C.main } })),
          },
          errorBarSeries(t('ci', { level: pct(R.level) }), rows.map((v, i) => { const ci = interval(v); return ci ? [i, ci[0], ci[1]] : null; }).filter(Boolean), '#1b1f24'),
        ],
      });
    }
    const c = chartFor(el);
    c.off('click');
    c.off('mouseover');
    c.off('mouseout');
    c.on('click', (p) => { const code = p.data && p.data.code; if (code) openCounty(code); });
    c.on('mouseover', (p) => { const code = p.data && p.data.code; if (code && S.highlightTile) S.highlightTile(code); });
    c.on('mouseout', () => { if (S.highlightTile) S.highlightTile(null); });
  }

  // ------------------------------------------------------------ convergence

  function renderConvergence() {
    const cv = R.convergence;
    if (!cv) {
      $('#beta-text').textContent = t('no_data');
      for (const id of ['#chart-sigma', '#chart-gap', '#chart-theil', '#chart-beta']) draw($(id), { title: { text: t('no_data'), left: 'center', top: 'middle' } });
      return;
    }
    const b = cv.beta;
    if (b) {
      const bb = b.beta;
      const p = bb.p_value < 0.001 ? '< 0.001' : '= ' + num(bb.p_value, 3);
      const meaning = bb.beta < 0
        ? (Number.isFinite(bb.half_life) ? t('beta_conv', { speed: num(100 * bb.speed, 2) + '%', half: num(bb.half_life, 1) }) : t('beta_conv_nohalf'))
        : t('beta_div');
      $('#beta-text').textContent = indicatorName(cv.indicator) + '. ' + t('beta_text', {
        from: b.from, to: b.to, beta: num(bb.beta, 4), se: num(bb.se_beta, 4), p, r2: num(bb.r_squared, 2), meaning,
      });
    } else {
      $('#beta-text').textContent = indicatorName(cv.indicator) + '.';
    }

    // σ over years: three dispersion measures (no SEs: the counties are the population).
    const sig = (key) => cv.sigma.filter((s) => Number.isFinite(s.sigma[key])).map((s) => ({ value: [s.year, s.sigma[key]], unit: 'index' }));
    draw($('#chart-sigma'), {
      legend: legend(),
      grid: baseGrid(),
      tooltip: axisTooltip('index'),
      xAxis: yearAxis(cv.sigma.map((s) => s.year)),
      yAxis: valueAxis('index'),
      series: [
        { type: 'line', name: t('sd_log'), color: C.main, data: sig('sd_log'), lineStyle: { width: 2.2 } },
        { type: 'line', name: t('cv'), color: C.second, data: sig('cv'), lineStyle: { width: 2.2, type: 'dashed' } },
        { type: 'line', name: t('williamson'), color: C.third, data: sig('williamson'), lineStyle: { width: 2.2, type: 'dotted' } },
      ],
    });

    // Each group relative to the province with its interval; targets as lines.
    const gapSeries = [];
    const gcols = [C.mountain, C.fourth, C.third];
    const groups = Array.from(new Set(cv.group_gaps.map((g) => g.group)));
    groups.forEach((g, k) => {
      const rows = cv.group_gaps.filter((x) => x.group === g).sort((a, b2) => a.year - b2.year)
        .map((x) => ({ year: x.year, value: x.ratio, se: x.ratio_se, ci: null }));
      gapSeries.push(...lineWithBand(groupName(g) + ' / ' + regionName(R.province), rows, gcols[k % gcols.length], { unit: 'ratio', opacity: 0.25 }));
    });
    const gapTargets = R.progress.filter((p) => p.indicator === 'mountain26_relative');
    const gapLine = gapSeries.find((s) => s.type === 'line');
    if (gapLine && gapTargets.length) {
      gapLine.markLine = {
        symbol: 'none', silent: true, lineStyle: { type: 'dashed', color: C.grey },
        label: { formatter: (p) => p.name, position: 'insideEndTop', color: '#1b1f24' },
        data: gapTargets.map((p) => ({ yAxis: p.target, name: t('target_year', { year: p.target_year }) + ' ' + fmt(p.target, 'ratio') })),
      };
    }
    draw($('#chart-gap'), {
      title: groups.length ? undefined : { text: t('no_data'), left: 'center', top: 'middle' },
      legend: legend(),
      grid: baseGrid(),
      tooltip: axisTooltip('ratio'),
      xAxis: yearAxis(R.years),
      yAxis: Object.assign(valueAxis('ratio'), gapTargets.length ? { max: (v) => Math.max(v.max, ...gapTargets.map((p) => p.target)) + 0.02 } : {}),
      series: gapSeries,
    });

    // Theil: between + within stacked per year.
    const th = cv.theil.filter((x) => x.partition === S.theilPartition).sort((a, b2) => a.year - b2.year);
    draw($('#chart-theil'), {
      legend: legend(),
      grid: baseGrid(),
      tooltip: Object.assign(axisTooltip('index'), { axisPointer: { type: 'shadow' } }),
      xAxis: { type: 'category', data: th.map((x) => String(x.year)) },
      yAxis: valueAxis('index'),
      series: [
        { type: 'bar', stack: 'theil', name: t('between'), color: C.main, data: th.map((x) => ({ value: x.theil.between, unit: 'index' })) },
        { type: 'bar', stack: 'theil', name: t('within'), color: C.light, data: th.map((x) => ({ value: x.theil.within, unit: 'index' })) },
      ],
    });

    // β: each county's annual log growth against its initial level.
    const ind = cv.indicator;
    const pts = [];
    if (b) {
      for (const c of R.counties) {
        const a = value(ind, c.code, b.from);
        const z = value(ind, c.code, b.to);
        if (!a || !z || a.value <= 0 || z.value <= 0) continue;
        const g = Math.log(z.value / a.value) / (b.to - b.from);
        pts.push({ value: [a.value, g], code: c.code, m: isMember('mountain26', c.code, b.to) });
      }
    }
    const xs = pts.map((p) => p.value[0]);
    const fitLine = b && xs.length ? [Math.min(...xs), Math.max(...xs)].map((x) => [x, b.beta.alpha + b.beta.beta * Math.log(x)]) : [];
    const unit = unitOf(ind);
    const c = chartFor($('#chart-beta'));
    draw($('#chart-beta'), {
      legend: legend(),
      grid: baseGrid({ bottom: 24 }),
      tooltip: {
        trigger: 'item', confine: true,
        formatter: (p) => (p.data && p.data.code
          ? `<b>${esc(regionName(p.data.code))}</b><br>${b.from}: ${esc(fmt(p.data.value[0], unit))}<br>${esc(t('growth'))}: ${esc(num(100 * p.data.value[1], 2))}%`
          : ''),
      },
      xAxis: {
        type: 'log', logBase: 10, scale: true, name: t('initial') + (b ? ` (${b.from})` : ''), nameLocation: 'middle', nameGap: 28,
        nameTextStyle: { color: '#4d5560' }, axisLabel: { formatter: axisFmt(unit) }, splitLine: { show: false },
        min: (v) => v.min * 0.95, max: (v) => v.max * 1.05,
      },
      yAxis: Object.assign(valueAxis('share', t('growth')), {}),
      series: [
        { type: 'scatter', name: t('other_counties'), color: C.main, symbolSize: 7, data: pts.filter((p) => !p.m) },
        { type: 'scatter', name: t('mountain26'), color: C.mountain, symbol: 'triangle', symbolSize: 9, data: pts.filter((p) => p.m) },
        { type: 'line', name: t('fit'), color: '#1b1f24', showSymbol: false, silent: true, lineStyle: { width: 1.5, type: 'dashed' }, data: fitLine, tooltip: { show: false } },
      ],
    });
    c.off('click');
    c.on('click', (p) => { if (p.data && p.data.code) openCounty(p.data.code); });
  }

  // ---------------------------------------------------------------- schools

  function worstIndicator(s) { return s.per_indicator && s.per_indicator.length ? Math.max(...s.per_indicator) : null; }

  function renderSchools() {
    const years = Array.from(new Set(R.schoolRows.map((s) => s.year))).sort();
    const combos = [['primary', 'basic'], ['junior', 'basic'], ['primary', 'high_quality'], ['junior', 'high_quality']];
    const colors = [C.main, C.second, C.third, C.fourth];
    const total = (y) => new Set(R.schoolRows.filter((s) => s.year === y).map((s) => s.county)).size;
    draw($('#chart-school-pass'), {
      legend: legend(),
      grid: baseGrid({ top: 64 }),
      tooltip: {
        trigger: 'axis', confine: true, axisPointer: { type: 'shadow' },
        formatter: (ps) => `<b>${esc(ps[0].axisValue)}</b>` + ps.map((p) => `<br>${p.marker}${esc(p.seriesName)}: ${esc(t('of_n', { k: p.value, n: total(+p.axisValue) }))}`).join(''),
      },
      xAxis: { type: 'category', data: years.map(String) },
      yAxis: { type: 'value', min: 0, max: Math.max(1, ...years.map(total)), name: t('counties_passing'), nameTextStyle: { color: '#4d5560', align: 'left' }, splitLine: { lineStyle: { color: '#e4e7eb' } } },
      series: combos.map(([lv, rg], k) => ({
        type: 'bar', name: `${t(lv)} · ${t(rg)}`, color: colors[k],
        data: years.map((y) => R.schoolRows.filter((s) => s.year === y && s.level === lv && s.regime === rg && s.pass).length),
      })),
    });

    const rows = R.schoolRows.filter((s) => s.year === S.schoolYear && s.level === S.schoolLevel && s.regime === S.schoolRegime)
      .sort((a, b) => a.composite - b.composite);
    const threshold = rows.length ? rows[0].threshold : null;
    const hq = S.schoolRegime === 'high_quality';
    const names = rows.map((s) => regionName(s.county));
    const chart = chartFor($('#chart-school-coef'));
    draw($('#chart-school-coef'), {
      title: rows.length ? undefined : { text: t('no_data'), left: 'center', top: 'middle' },
      legend: legend({ data: [t('composite'), t('max_indicator')].slice(0, hq ? 2 : 1) }),
      grid: baseGrid({ bottom: 8 }),
      tooltip: {
        trigger: 'axis', confine: true, axisPointer: { type: 'shadow' },
        formatter(ps) {
          const s = rows[ps[0].dataIndex];
          return `<b>${esc(regionName(s.county))}</b> · ${esc(s.pass ? t('pass') : t('fail'))}<br>${esc(t('composite'))}: ${num(s.composite, 3)}` +
            `<br>${esc(t('max_indicator'))}: ${num(worstIndicator(s), 3)}<br>${esc(t('threshold'))}: ${num(s.threshold, 2)}` +
            (s.failing && s.failing.length ? `<br>${esc(t('failing'))}: ${esc(s.failing.join(', '))}` : '');
        },
      },
      xAxis: { type: 'category', data: names, axisLabel: { rotate: 90, fontSize: 9, color: '#3a4149' } },
      yAxis: { type: 'value', min: 0, name: t(S.schoolLevel) + ' · ' + t(S.schoolRegime), nameTextStyle: { color: '#4d5560', align: 'left' }, splitLine: { lineStyle: { color: '#e4e7eb' } } },
      series: [
        {
          type: 'bar', name: t('composite'), color: C.main, barMaxWidth: 14,
          data: rows.map((s) => ({ value: s.composite, code: s.county, itemStyle: { color: s.pass ? C.main : C.second } })),
          markLine: threshold === null ? undefined : {
            symbol: 'none', silent: true, lineStyle: { color: '#b3261e', type: 'dashed', width: 1.5 },
            label: { formatter: `${t('threshold')} ${num(threshold, 2)}`, position: 'insideEndTop', color: '#1b1f24' },
            data: [{ yAxis: threshold }],
          },
        },
      ].concat(hq ? [{
        type: 'scatter', name: t('max_indicator'), color: '#1b1f24', symbol: 'diamond', symbolSize: 7,
        data: rows.map((s) => ({ value: worstIndicator(s), code: s.county })),
      }] : []),
    });
    chart.off('click');
    chart.on('click', (p) => { if (p.data && p.data.code) openCounty(p.data.code); });
  }

  // ----------------------------------------------------------------- county

  function renderCounty() {
    const code = S.county;
    const c = R.region.get(code);
    if (!c) { $('#county-name').textContent = code + ' — ' + t('no_data'); return; }
    const other = S.lang === 'zh' ? c.name_en : c.name_zh;
    $('#county-name').innerHTML = `${esc(regionName(code))} <span class="muted" lang="${S.lang === 'zh' ? 'en' : 'zh-CN'}">${esc(other)}</span> <span class="muted small">${esc(code)}</span>`;
    const lastYear = R.years[R.years.length - 1];
    const pr = partnersOf(code, lastYear);
    const link = (k) => `<a href="#/county/${esc(k)}">${esc(regionName(k))}</a>`;
    const memberships = R.groups.filter((g) => g.county === code)
      .map((g) => `${esc(groupName(g.group))} (${g.from_year}–${g.to_year === null || g.to_year === undefined ? '' : g.to_year})`);
    const u = R.unit.get(code);
    const pop = series('income_pc', code);
    const lastPop = pop.length ? pop[pop.length - 1] : null;
    const facts = [
      [t('city'), esc(regionName(c.parent))],
      [t('groups'), memberships.length ? memberships.join('; ') : esc(t('none'))],
      [t('assisted_by'), pr.strong.length ? pr.strong.map(link).join(', ') : esc(t('none'))],
      [t('assists'), pr.assisted.length ? pr.assisted.map(link).join(', ') : esc(t('none'))],
    ];
    if (u) {
      facts.push([t('county_rank') + (R.index ? ` ${R.index.year}` : ''), esc(t('rank_of', { rank: u.rank, n: R.unit.size })) + ` · ${esc(t('score'))} ${esc(num(u.score, 1))}`]);
      if (u.band) facts.push([t('band'), esc(t('band_short', { median: num(u.band.median, 0), p05: num(u.band.p05, 0), p95: num(u.band.p95, 0) }))]);
    }
    if (lastPop && Number.isFinite(lastPop.population)) facts.push([t('population') + ` ${lastPop.year}`, esc(num(lastPop.population, 0))]);
    if (lastPop && Number.isFinite(lastPop.n)) facts.push([t('sample') + ` ${lastPop.year}`, esc(num(lastPop.n, 0))]);
    $('#county-facts').innerHTML = facts.map(([k, v]) => `<dl><dt>${esc(k)}</dt><dd>${v}</dd></dl>`).join('');

    // School balance over the years: composite (basic) and largest indicator
    // coefficient (high quality), with the thresholds of each.
    const years = Array.from(new Set(R.schoolRows.filter((s) => s.county === code).map((s) => s.year))).sort();
    const sc = [];
    const marks = [];
    [['primary', C.main], ['junior', C.second]].forEach(([lv, color]) => {
      const basic = years.map((y) => R.schools.get([code, y, lv, 'basic'].join('|'))).filter(Boolean);
      const hq = years.map((y) => R.schools.get([code, y, lv, 'high_quality'].join('|'))).filter(Boolean);
      sc.push({
        type: 'line', name: `${t(lv)} · ${t('composite')}`, color, lineStyle: { width: 2.2, color },
        data: basic.map((s) => ({ value: [s.year, s.composite], unit: 'coefficient' })),
      });
      sc.push({
        type: 'line', name: `${t(lv)} · ${t('max_indicator')}`, color, symbol: 'diamond', lineStyle: { width: 1.6, type: 'dashed', color },
        data: hq.map((s) => ({ value: [s.year, worstIndicator(s)], unit: 'coefficient' })),
      });
      if (basic[0]) marks.push({ yAxis: basic[0].threshold, name: `${t(lv)} ${t('basic')} ${num(basic[0].threshold, 2)}`, lineStyle: { color } });
      if (hq[0]) marks.push({ yAxis: hq[0].threshold, name: `${t(lv)} ${t('high_quality')} ${num(hq[0].threshold, 2)}`, lineStyle: { color, type: 'dotted' } });
    });
    if (sc.length && marks.length) {
      sc[0].markLine = { symbol: 'none', silent: true, data: marks, lineStyle: { type: 'dashed', width: 1 }, label: { formatter: (p) => p.name, position: 'insideEndTop', fontSize: 10, color: '#1b1f24' } };
    }
    draw($('#chart-county-schools'), {
      title: years.length ? undefined : { text: t('no_data'), left: 'center', top: 'middle' },
      legend: legend(),
      grid: baseGrid({ top: 64 }),
      tooltip: axisTooltip('coefficient'),
      xAxis: yearAxis(years.length ? years : R.years),
      yAxis: { type: 'value', min: 0, max: (v) => Math.max(0.7, v.max + 0.05), splitLine: { lineStyle: { color: '#e4e7eb' } } },
      series: sc,
    });

    // The composite index: pillar scores and the composite, with the rank band in the title.
    const res = R.index && R.index.result;
    if (u && res) {
      const pillars = res.pillars || [];
      const cats = pillars.map((p) => t('pillar_' + p) === 'pillar_' + p ? p : t('pillar_' + p)).concat([t('composite_score')]);
      const vals = (u.pillars || []).concat([u.score]);
      draw($('#chart-county-pillars'), {
        title: {
          text: t('rank_of', { rank: u.rank, n: R.unit.size }) + (u.band ? ' · ' + t('band_text', { median: num(u.band.median, 0), p05: num(u.band.p05, 0), p95: num(u.band.p95, 0) }) : ''),
          left: 'center', top: 0, textStyle: { fontSize: 13, fontWeight: 'normal', color: '#1b1f24' },
        },
        grid: baseGrid({ top: 40 }),
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => num(v, 1) },
        xAxis: { type: 'category', data: cats },
        yAxis: { type: 'value', min: 0, name: t('score'), nameTextStyle: { color: '#4d5560', align: 'left' }, splitLine: { lineStyle: { color: '#e4e7eb' } } },
        series: [{
          type: 'bar', name: t('score'), barMaxWidth: 56,
          data: vals.map((v, i) => ({ value: v, itemStyle: { color: i === vals.length - 1 ? C.mountain : C.main } })),
          label: { show: true, position: 'top', formatter: (p) => num(p.value, 1), color: '#1b1f24' },
        }],
      });
    } else {
      draw($('#chart-county-pillars'), { title: { text: t('no_data'), left: 'center', top: 'middle' } });
    }

    // Every indicator with county figures: the county with its band, its city and the province.
    const host = $('#county-charts');
    for (const el of $$('.chart', host)) { const x = charts.get(el); if (x) x.dispose(); }
    const ids = R.indicators.filter((i) => series(i.id, code).length > 0).map((i) => i.id);
    host.innerHTML = ids.map((id) => `<figure class="panel"><figcaption><span>${esc(indicatorName(id))}</span></figcaption>
      <div class="chart small" id="chart-county-${esc(id)}" data-chart="county-${esc(id)}"></div></figure>`).join('');
    for (const id of ids) {
      const unit = unitOf(id);
      const s = lineWithBand(regionName(code), series(id, code), C.main, { unit });
      const city = series(id, c.parent);
      if (city.length) s.push({ type: 'line', name: regionName(c.parent), color: C.second, showSymbol: false, lineStyle: { width: 1.4, type: 'dashed' }, data: city.map((v) => ({ value: [v.year, v.value], se: v.se, ci: interval(v), unit })) });
      const prov = series(id, R.province);
      if (prov.length) s.push({ type: 'line', name: regionName(R.province), color: C.grey, showSymbol: false, lineStyle: { width: 1.4, type: 'dotted' }, data: prov.map((v) => ({ value: [v.year, v.value], se: v.se, ci: interval(v), unit })) });
      draw($('#chart-county-' + CSS.escape(id)), {
        legend: legend({ textStyle: { fontSize: 11 }, itemWidth: 16, itemHeight: 8 }),
        grid: baseGrid({ top: 32, right: 20 }),
        tooltip: axisTooltip(unit),
        xAxis: yearAxis(R.years),
        yAxis: valueAxis(unit),
        series: s,
      });
    }
  }

  // ----------------------------------------------------------------- routing

  function openCounty(code) { location.hash = '#/county/' + encodeURIComponent(code); }

  function route() {
    const h = location.hash.replace(/^#\/?/, '');
    const parts = h.split('/').filter(Boolean);
    const pages = ['overview', 'distribution', 'counties', 'convergence', 'schools'];
    if (parts[0] === 'county' && parts[1]) {
      S.page = 'county';
      S.county = decodeURIComponent(parts[1]);
    } else if (pages.includes(parts[0])) {
      S.page = parts[0];
    } else {
      S.page = 'overview';
    }
  }

  function render() {
    if (!R) return;
    document.body.dataset.state = 'rendering';
    for (const sec of $$('section.page')) sec.hidden = sec.dataset.page !== S.page;
    for (const a of $$('#tabs a')) {
      const cur = a.dataset.page === S.page || (S.page === 'county' && a.dataset.page === 'counties');
      if (cur) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    const renderers = {
      overview: renderOverview, distribution: renderDistribution, counties: renderCounties,
      convergence: renderConvergence, schools: renderSchools, county: renderCounty,
    };
    try {
      renderers[S.page]();
      document.body.dataset.page = S.page;
      document.body.dataset.state = 'ready';
    } catch (e) {
      showMessage(t('err_bad_release', { message: e.message }));
      document.body.dataset.state = 'error';
      throw e;
    }
  }

  // ------------------------------------------------------------ data source

  function showMessage(text, info) {
    const m = $('#message');
    m.textContent = text;
    m.classList.toggle('info', !!info);
    m.hidden = !text;
  }

  class HttpError extends Error {
    constructor(status, url) {
      super(`HTTP ${status}`);
      this.status = status;
      this.url = url;
    }
  }

  // The token arrives once in the fragment (#token=…): kept for the session,
  // then removed from the visible URL and the history.
  function takeToken() {
    const h = location.hash.replace(/^#\/?/, '');
    const params = new URLSearchParams(h.includes('=') ? h : '');
    const tok = params.get('token');
    if (tok) {
      try { sessionStorage.setItem('gongfu.token', tok); } catch (_) { /* storage unavailable */ }
      history.replaceState(null, '', location.pathname + location.search + '#/overview');
      return tok;
    }
    try { return sessionStorage.getItem('gongfu.token'); } catch (_) { return null; }
  }

  async function api(path) {
    const headers = { Accept: 'application/json' };
    if (S.token) headers.Authorization = 'Bearer ' + S.token;
    let r;
    try {
      r = await fetch(path, { headers, cache: 'no-store' });
    } catch (e) {
      throw Object.assign(new Error(t('err_network', { message: e.message })), { network: true });
    }
    if (!r.ok) throw new HttpError(r.status, path);
    return r.json();
  }

  function apiError(e) {
    if (e instanceof HttpError) {
      if (e.status === 401) return t('err_401');
      if (e.status === 403) return t('err_403');
      if (e.status === 404) return t('err_no_release');
      return t('err_api', { status: e.status, url: e.url });
    }
    return e.message;
  }

  function releaseList(body) {
    const list = Array.isArray(body) ? body : (body && (body.releases || body.items || body.data)) || [];
    return list.map((x) => (typeof x === 'string' ? { id: x } : x)).map((x) => Object.assign({}, x, { id: x.id || x.release_id }))
      .filter((x) => x.id);
  }

  function unwrapRelease(body) {
    if (body && body.meta) return body;
    for (const k of ['release', 'document', 'data']) if (body && body[k] && body[k].meta) return body[k];
    return body;
  }

  async function loadFromApi() {
    S.token = takeToken();
    try { S.releaseId = sessionStorage.getItem('gongfu.release') || 'latest'; } catch (_) { S.releaseId = 'latest'; }
    showMessage(t('loading'), true);
    let list = [];
    try {
      list = releaseList(await api('/api/v1/releases'));
    } catch (e) {
      if (e instanceof HttpError && (e.status === 401 || e.status === 403)) throw e;
      // A server without a listing still serves the release itself.
    }
    const picker = $('#release-picker');
    if (list.length) {
      if (S.releaseId !== 'latest' && !list.some((x) => x.id === S.releaseId)) S.releaseId = 'latest';
      const label = (x) => [x.id, (x.created || x.published_at || '').slice(0, 10), x.province, x.superseded_by === null ? '(' + t('current') + ')' : '']
        .filter(Boolean).join(' · ');
      options(picker, [{ value: 'latest', label: t('latest') }].concat(list.map((x) => ({ value: x.id, label: label(x) }))), S.releaseId);
      $('#release-picker-label').hidden = false;
    }
    await loadRelease(S.releaseId);
  }

  async function loadRelease(id) {
    document.body.dataset.state = 'loading';
    const doc = unwrapRelease(await api('/api/v1/releases/' + encodeURIComponent(id)));
    R = indexRelease(doc);
    showMessage('');
  }

  function loadEmbedded() {
    const el = document.getElementById('release');
    R = indexRelease(JSON.parse(el.textContent));
  }

  // ------------------------------------------------------------------ wiring

  function wire() {
    $('#lang-toggle').addEventListener('click', () => setLang(S.lang === 'zh' ? 'en' : 'zh'));
    window.addEventListener('hashchange', () => {
      if (/(^|[#&/])token=/.test(location.hash)) { S.token = takeToken(); }
      route();
      render();
      if (S.page === 'county') window.scrollTo(0, 0);
    });
    const on = (sel, fn) => $(sel).addEventListener('change', (e) => { fn(e.target); render(); });
    on('#target-indicator', (el) => { S.targetKey = el.value; });
    on('#dist-region', (el) => { S.distRegion = el.value; fillPickers(); });
    on('#dist-year', (el) => { S.distYear = +el.value; });
    on('#map-indicator', (el) => { S.mapIndicator = el.value; fillPickers(); });
    on('#map-year', (el) => { S.mapYear = +el.value; });
    on('#map-pairs', (el) => { S.mapPairs = el.checked; });
    on('#theil-partition', (el) => { S.theilPartition = el.value; });
    on('#school-year', (el) => { S.schoolYear = +el.value; });
    on('#school-level', (el) => { S.schoolLevel = el.value; });
    on('#school-regime', (el) => { S.schoolRegime = el.value; });
    $('#release-picker').addEventListener('change', async (e) => {
      S.releaseId = e.target.value;
      try { sessionStorage.setItem('gongfu.release', S.releaseId); } catch (_) { /* storage unavailable */ }
      try {
        await loadRelease(S.releaseId);
        applyLang();
        fillPickers();
        render();
      } catch (err) {
        showMessage(apiError(err));
        document.body.dataset.state = 'error';
      }
    });
    on('#rank-by', (el) => { S.rankBy = el.value; });
  }

  async function start() {
    wire();
    applyLang();
    route();
    if (typeof echarts === 'undefined') {
      showMessage(t('err_no_echarts'));
      document.body.dataset.state = 'error';
      return;
    }
    try {
      if (document.getElementById('release')) {
        S.mode = 'embedded';
        loadEmbedded();
      } else if (location.protocol === 'http:' || location.protocol === 'https:') {
        S.mode = 'api';
        await loadFromApi();
      } else {
        showMessage(t('err_no_data'));
        document.body.dataset.state = 'error';
        return;
      }
    } catch (e) {
      showMessage(S.mode === 'api' ? apiError(e) : t('err_bad_release', { message: e.message }));
      document.body.dataset.state = (e instanceof HttpError && (e.status === 401 || e.status === 403)) ? 'auth' : 'error';
      return;
    }
    applyLang();
    fillPickers();
    route();
    render();
  }

  // For the browser test and the console: the release and the current state.
  window.gongfu = {
    get release() { return R ? R.doc : null; },
    get state() { return Object.assign({}, S, { token: S.token ? '…' : null }); },
    regionName: (code) => (R ? regionName(code) : code),
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
