/**
 * A chinaz node label, `江苏宿迁[电信]`, read as province 江苏, city 宿迁, ISP 电信. Provinces are
 * matched against the list of China's provincial divisions (longest first, so 黑龙江 and 内蒙古
 * are not cut short); a place outside it (新加坡, 美国洛杉矶) is its own province, without city.
 */

const PROVINCES = [
  '黑龙江', '内蒙古',
  '北京', '天津', '上海', '重庆', '河北', '山西', '辽宁', '吉林', '江苏', '浙江', '安徽', '福建', '江西', '山东', '河南',
  '湖北', '湖南', '广东', '海南', '四川', '贵州', '云南', '陕西', '甘肃', '青海', '台湾', '广西', '西藏', '宁夏', '新疆',
  '香港', '澳门',
];
/** What may follow a province's short name in a long label: 广西壮族自治区南宁, 江苏省宿迁. */
const DIVISION_SUFFIX = /^(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)/;

export interface NodeLabel {
  province: string;
  city?: string;
  isp?: string;
}

/** `place[isp]` anywhere in a text; the place is letters or CJK, no spaces. */
export const LABEL_IN_TEXT = /([\p{L}\p{N}·]{2,30})\s*\[\s*([^[\]\s]{1,10})\s*\]/u;
/** A text that is exactly one label. */
export const LABEL_EXACT = /^([\p{L}\p{N}·]{2,30})\s*\[\s*([^[\]\s]{1,10})\s*\]$/u;

export function splitPlace(place: string): { province: string; city?: string } {
  const province = PROVINCES.find((p) => place.startsWith(p));
  if (!province) return { province: place };
  const city = place.slice(province.length).replace(DIVISION_SUFFIX, '').replace(/市$/, '');
  // Municipalities label themselves 北京 or 北京北京: the city is the province.
  return { province, city: city && city !== province ? city : province };
}

export function parseLabel(label: string): NodeLabel | undefined {
  const m = LABEL_EXACT.exec(label.trim());
  if (!m) return undefined;
  return { ...splitPlace(m[1]!), isp: m[2]! };
}
