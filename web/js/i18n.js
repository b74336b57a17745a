// Every UI string, in Chinese (default) and English. `t(key, vars)` looks a key up in the
// current language and fills `{name}` placeholders; `applyI18n(root)` fills elements marked
// with `data-i18n` (text), `data-i18n-title` and `data-i18n-aria` (attributes).

const STRINGS = {
  zh: {
    app_title: '相城家庭友好地图',
    app_subtitle: '母婴室 · 儿童友好社区 · 口袋公园 · 暖新驿站 · 通学专线',
    lang_switch: 'English',
    tab_parent: '找母婴室',
    tab_shell: '图层',
    tab_planner: '规划',
    tab_routes: '通学专线',
    loading: '加载中…',
    error_prefix: '出错了：',
    attribution: '© OpenStreetMap contributors (ODbL); GSHHG (LGPL); NBS; 设施为虚构示例',
    synthetic_note: '设施均为虚构示例数据',
    // layers panel
    layers_heading: '图层',
    layer_count: '{n} 个',
    popup_close: '关闭',
    prop_name: '名称',
    yes: '是',
    no: '否',
    // parent view
    parent_heading: '附近的设施',
    locate_me: '定位我',
    pick_on_map: '在地图上选点',
    locating: '正在定位…',
    geo_denied: '无法获取位置（{reason}）。请点击地图设定您的位置。',
    geo_unavailable: '此浏览器不支持定位。请点击地图设定您的位置。',
    tap_map_hint: '点击地图设定您的位置',
    your_position: '您的位置：{lon}, {lat}',
    kind_nursing_rooms: '母婴室',
    kind_service_stations: '暖新驿站',
    kind_pocket_parks: '口袋公园',
    filter_open_now: '正在开放',
    filter_changing_table: '尿布台',
    filter_step_free: '无障碍',
    filter_nursing_chair: '哺乳椅',
    no_results: '没有符合条件的设施。',
    distance_m: '{d} 米',
    distance_km: '{d} 公里',
    walk_min: '步行 {m} 分钟',
    open_now: '开放中',
    closed_now: '已关闭',
    open_unknown: '开放时间未知',
    navigate: '高德导航',
    indoor_hint: '室内位置：{where}',
    start_hint: '点击“定位我”查找最近的 5 个设施。',
    amenity_changing_table: '尿布台',
    amenity_nursing_chair: '哺乳椅',
    amenity_lockable_door: '可上锁',
    amenity_sink: '洗手池',
    amenity_hot_water: '热水',
    amenity_fridge: '冰箱',
    amenity_power_outlet: '电源',
    amenity_step_free: '无障碍通行',
    // planner
    planner_heading: '服务覆盖分析',
    planner_layers: '设施图层',
    planner_profile: '服务半径',
    profile_walk5: '步行 5 分钟（300 米）',
    profile_walk10: '步行 10 分钟（500 米）',
    profile_walk15: '步行 15 分钟（1000 米）',
    profile_park: '公园 500 米（500米见园）',
    profile_green: '绿地 300 米（300米见绿）',
    profile_layer: '图层默认半径',
    planner_radius: '或自定义半径（米）',
    planner_run: '计算覆盖',
    planner_running: '计算中…',
    totals_heading: '全区合计',
    share_population: '人口覆盖率',
    share_children: '儿童覆盖率',
    share_area: '面积覆盖率',
    gaps_count: '{n} 处服务空白',
    table_township: '街道/镇',
    table_population: '人口',
    table_children: '儿童',
    table_area: '面积',
    suggestions_heading: '建议选址',
    suggestion_gain: '新增覆盖 {pop} 人（儿童 {children}）',
    add_site: '添加此选址',
    site_added: '已添加',
    whatif_heading: '假设新增 {n} 处后',
    whatif_line: '{label}：{before} → {after}',
    download_csv: '下载 CSV（各街道）',
    download_geojson: '下载服务空白 GeoJSON',
    // routes
    routes_heading: '通学专线',
    routes_none: '暂无线路。',
    route_meta: '{school} · {km} 公里 · {stops} 站',
    review_heading: '线路评估',
    review_length: '全长',
    review_stops: '站点数',
    review_spacing: '站距（最小/平均/最大）',
    review_run_time: '单程时间',
    review_last_stop: '末站至学校',
    review_served: '服务儿童',
    review_unserved: '未服务儿童',
    review_shared: '与其他线路共线',
    findings_heading: '发现的问题',
    findings_none: '未发现问题。',
    severity_error: '错误',
    severity_warning: '警告',
    severity_info: '提示',
    unserved_heading: '未覆盖的村/社区（按儿童数）',
    served_legend: '已覆盖',
    unserved_legend: '未覆盖',
    draft_load: '载入线路草案（GeoJSON）',
    draft_heading: '草案评估：{name}',
    diff_heading: '与 {against} 对比',
    diff_children_gained: '新增服务儿童',
    diff_children_lost: '减少服务儿童',
    diff_villages_gained: '新增村/社区',
    diff_villages_lost: '失去村/社区',
    diff_length: '长度变化',
    diff_run_time: '时间变化',
    draft_bad_file: '文件不是有效的 GeoJSON：{reason}',
    select_route_first: '请先选择一条线路。',
    minutes: '{m} 分钟',
    metres: '{m} 米',
  },
  en: {
    app_title: 'Xiangcheng family map',
    app_subtitle: 'Nursing rooms · child-friendly communities · pocket parks · rider stations · school lines',
    lang_switch: '中文',
    tab_parent: 'Find a room',
    tab_shell: 'Layers',
    tab_planner: 'Planner',
    tab_routes: 'School lines',
    loading: 'Loading…',
    error_prefix: 'Error: ',
    attribution: '© OpenStreetMap contributors (ODbL); GSHHG (LGPL); NBS; facilities are synthetic samples',
    synthetic_note: 'All facilities are synthetic samples',
    layers_heading: 'Layers',
    layer_count: '{n}',
    popup_close: 'Close',
    prop_name: 'Name',
    yes: 'yes',
    no: 'no',
    parent_heading: 'Nearby',
    locate_me: 'Locate me',
    pick_on_map: 'Pick on the map',
    locating: 'Locating…',
    geo_denied: 'No position ({reason}). Tap the map to set where you are.',
    geo_unavailable: 'This browser cannot locate you. Tap the map to set where you are.',
    tap_map_hint: 'Tap the map to set your position',
    your_position: 'You: {lon}, {lat}',
    kind_nursing_rooms: 'Nursing rooms',
    kind_service_stations: 'Rider stations',
    kind_pocket_parks: 'Pocket parks',
    filter_open_now: 'Open now',
    filter_changing_table: 'Changing table',
    filter_step_free: 'Step-free',
    filter_nursing_chair: 'Nursing chair',
    no_results: 'Nothing matches these filters.',
    distance_m: '{d} m',
    distance_km: '{d} km',
    walk_min: '{m} min walk',
    open_now: 'Open',
    closed_now: 'Closed',
    open_unknown: 'Hours unknown',
    navigate: 'Navigate (AMap)',
    indoor_hint: 'Inside: {where}',
    start_hint: 'Press “Locate me” to find the 5 nearest.',
    amenity_changing_table: 'Changing table',
    amenity_nursing_chair: 'Nursing chair',
    amenity_lockable_door: 'Lockable door',
    amenity_sink: 'Sink',
    amenity_hot_water: 'Hot water',
    amenity_fridge: 'Fridge',
    amenity_power_outlet: 'Power outlet',
    amenity_step_free: 'Step-free',
    planner_heading: 'Service coverage',
    planner_layers: 'Facility layers',
    planner_profile: 'Catchment',
    profile_walk5: '5-minute walk (300 m)',
    profile_walk10: '10-minute walk (500 m)',
    profile_walk15: '15-minute walk (1000 m)',
    profile_park: 'Park within 500 m',
    profile_green: 'Green space within 300 m',
    profile_layer: "Each layer's own radius",
    planner_radius: 'or a radius (m)',
    planner_run: 'Compute coverage',
    planner_running: 'Computing…',
    totals_heading: 'District totals',
    share_population: 'Population covered',
    share_children: 'Children covered',
    share_area: 'Area covered',
    gaps_count: '{n} gaps',
    table_township: 'Township',
    table_population: 'Population',
    table_children: 'Children',
    table_area: 'Area',
    suggestions_heading: 'Suggested sites',
    suggestion_gain: '+{pop} people ({children} children)',
    add_site: 'Add this site',
    site_added: 'Added',
    whatif_heading: 'With {n} new site(s)',
    whatif_line: '{label}: {before} → {after}',
    download_csv: 'Download CSV (townships)',
    download_geojson: 'Download gaps GeoJSON',
    routes_heading: 'School lines',
    routes_none: 'No lines.',
    route_meta: '{school} · {km} km · {stops} stops',
    review_heading: 'Line review',
    review_length: 'Length',
    review_stops: 'Stops',
    review_spacing: 'Stop spacing (min/mean/max)',
    review_run_time: 'Run time',
    review_last_stop: 'Last stop to school',
    review_served: 'Children served',
    review_unserved: 'Children not served',
    review_shared: 'Shared with other lines',
    findings_heading: 'Findings',
    findings_none: 'No findings.',
    severity_error: 'error',
    severity_warning: 'warning',
    severity_info: 'info',
    unserved_heading: 'Villages not served (by children)',
    served_legend: 'served',
    unserved_legend: 'not served',
    draft_load: 'Load a draft line (GeoJSON)',
    draft_heading: 'Draft review: {name}',
    diff_heading: 'Compared with {against}',
    diff_children_gained: 'Children gained',
    diff_children_lost: 'Children lost',
    diff_villages_gained: 'Villages gained',
    diff_villages_lost: 'Villages lost',
    diff_length: 'Length change',
    diff_run_time: 'Run time change',
    draft_bad_file: 'The file is not valid GeoJSON: {reason}',
    select_route_first: 'Select a line first.',
    minutes: '{m} min',
    metres: '{m} m',
  },
};

let lang = 'zh';

export const LANGS = Object.keys(STRINGS);

export function setLang(l) {
  if (!STRINGS[l]) throw new Error(`unknown language ${l}`);
  lang = l;
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

export function getLang() {
  return lang;
}

export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.zh[key];
  if (s === undefined) {
    console.warn(`i18n: no string "${key}"`);
    return key;
  }
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** A feature's or layer's name in the current language (`name_en`/`title_en` when English). */
export function localName(props, zhKey = 'name', enKey = 'name_en') {
  if (!props) return '';
  if (lang === 'en' && props[enKey]) return props[enKey];
  return props[zhKey] ?? props[enKey] ?? '';
}

export function formatNumber(n, digits = 0) {
  return Number(n).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

export function formatShare(x) {
  return `${(x * 100).toFixed(1)}%`;
}

export function formatDistance(m) {
  if (m >= 1000) return t('distance_km', { d: (m / 1000).toFixed(m >= 10000 ? 0 : 1) });
  return t('distance_m', { d: Math.round(m) });
}

export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}
