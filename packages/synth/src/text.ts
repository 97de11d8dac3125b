import type { Rat } from "./rat.js";
import type { Rng } from "./rng.js";

/** A language the generator writes. */
export type Lang = "en" | "zh";

export const NAMES_EN = [
  "Ava",
  "Liam",
  "Noah",
  "Emma",
  "Olivia",
  "Mia",
  "Lucas",
  "Ethan",
  "Sofia",
  "Amir",
  "Priya",
  "Kenji",
  "Chloe",
  "Diego",
  "Fatima",
  "Hannah",
  "Jack",
  "Leila",
  "Mateo",
  "Nora",
  "Omar",
  "Ruby",
  "Samir",
  "Tariq",
  "Uma",
  "Victor",
  "Wen",
  "Yusuf",
  "Zoe",
  "Grace",
  "Isaac",
  "Julia",
  "Kofi",
  "Lena",
  "Maya",
  "Nikhil",
  "Oscar",
  "Paula",
  "Rosa",
  "Theo",
  "Aisha",
  "Ben",
  "Carmen",
  "Daniel",
  "Elena",
  "Felix",
  "Gabriel",
  "Ines",
  "Jonas",
] as const;

export const NAMES_ZH = [
  "小明",
  "小红",
  "小华",
  "小丽",
  "小刚",
  "小芳",
  "王阿姨",
  "李叔叔",
  "张老师",
  "陈晨",
  "刘洋",
  "赵磊",
  "孙悦",
  "周婷",
  "吴昊",
  "郑爽",
  "林林",
  "何佳",
  "马可",
  "高远",
  "杨帆",
  "黄蕾",
  "朱琳",
  "胡斌",
  "郭敏",
  "罗杰",
  "梁静",
  "宋雨",
  "唐宁",
  "许诺",
  "韩梅",
  "冯涛",
  "邓超",
  "曹阳",
  "彭飞",
  "曾琪",
  "萧然",
  "田甜",
  "董浩",
] as const;

export function name(rng: Rng, lang: Lang): string {
  return rng.pick(lang === "en" ? NAMES_EN : NAMES_ZH);
}

export function twoNames(rng: Rng, lang: Lang): [string, string] {
  return rng.pickTwo(lang === "en" ? NAMES_EN : NAMES_ZH);
}

/** Number as written in prose. */
export const num = (r: Rat): string => r.toString();

/** Money in prose: whole amounts plain, otherwise two decimals. */
export function money(r: Rat): string {
  if (r.isInt()) return r.toString();
  const k = r.places();
  return k === 1 ? `${r.toString()}0` : r.toString();
}

export interface Currency {
  en: string;
  zh: string;
}
export const CURRENCIES_EN = ["dollars", "euros", "pounds", "francs"] as const;

/** `amount unit` in the language: "12.50 dollars" / "12.50元". */
export function amount(r: Rat, lang: Lang, cur: string): string {
  return lang === "en" ? `${money(r)} ${cur}` : `${money(r)}元`;
}

const NAME_RE = new RegExp(
  [...NAMES_ZH, ...NAMES_EN]
    .sort((a, b) => b.length - a.length)
    .map((n) => (/^[A-Za-z]/.test(n) ? `\\b${n}\\b` : n))
    .join("|"),
  "g",
);

/**
 * A problem's skeleton: its text with numbers and names masked. Two problems with the same skeleton
 * differ only in their numbers and names.
 */
export function skeleton(problem: string): string {
  return problem.replace(NAME_RE, "§").replace(/\d+(?:\.\d+)?/g, "#");
}

/** `a` or `an` for an English noun phrase. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

/** English plural for the nouns used here ("box" -> "boxes", "strawberry" -> "strawberries"). */
export function plural(noun: string, n: number | Rat): string {
  const one = typeof n === "number" ? n === 1 : n.isInt() && n.n === 1;
  if (one) return noun;
  if (/(s|x|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}
