import { R, Rat, Retry, approxFor, roundNum } from "../rat.js";
import type { Rng } from "../rng.js";
import type { Lang } from "../text.js";
import type { CategoryGenerator, Draft, Level } from "../types.js";

type Dim = "length" | "mass" | "volume" | "time" | "speed";

interface Unit {
  dim: Dim;
  /** Size in the dimension's base unit (m, kg, L, s, m/s), exact. */
  size: Rat;
  en: [string, string];
  zh: string;
  /** Kind of thing measured in it, for contexts: 0 small, 1 everyday, 2 large. */
  scale: 0 | 1 | 2;
}

const U: Record<string, Unit> = {
  mm: { dim: "length", size: R(1, 1000), en: ["millimetre", "millimetres"], zh: "毫米", scale: 0 },
  cm: { dim: "length", size: R(1, 100), en: ["centimetre", "centimetres"], zh: "厘米", scale: 0 },
  m: { dim: "length", size: R(1), en: ["metre", "metres"], zh: "米", scale: 1 },
  km: { dim: "length", size: R(1000), en: ["kilometre", "kilometres"], zh: "千米", scale: 2 },
  in: { dim: "length", size: Rat.dec("0.0254"), en: ["inch", "inches"], zh: "英寸", scale: 0 },
  ft: { dim: "length", size: Rat.dec("0.3048"), en: ["foot", "feet"], zh: "英尺", scale: 1 },
  yd: { dim: "length", size: Rat.dec("0.9144"), en: ["yard", "yards"], zh: "码", scale: 1 },
  mi: { dim: "length", size: Rat.dec("1609.344"), en: ["mile", "miles"], zh: "英里", scale: 2 },
  g: { dim: "mass", size: R(1, 1000), en: ["gram", "grams"], zh: "克", scale: 0 },
  kg: { dim: "mass", size: R(1), en: ["kilogram", "kilograms"], zh: "千克", scale: 1 },
  t: { dim: "mass", size: R(1000), en: ["tonne", "tonnes"], zh: "吨", scale: 2 },
  oz: { dim: "mass", size: Rat.dec("0.028349523125"), en: ["ounce", "ounces"], zh: "盎司", scale: 0 },
  lb: { dim: "mass", size: Rat.dec("0.45359237"), en: ["pound", "pounds"], zh: "磅", scale: 1 },
  mL: { dim: "volume", size: R(1, 1000), en: ["millilitre", "millilitres"], zh: "毫升", scale: 0 },
  L: { dim: "volume", size: R(1), en: ["litre", "litres"], zh: "升", scale: 1 },
  gal: { dim: "volume", size: Rat.dec("3.785411784"), en: ["US gallon", "US gallons"], zh: "美制加仑", scale: 1 },
  s: { dim: "time", size: R(1), en: ["second", "seconds"], zh: "秒", scale: 0 },
  min: { dim: "time", size: R(60), en: ["minute", "minutes"], zh: "分钟", scale: 1 },
  h: { dim: "time", size: R(3600), en: ["hour", "hours"], zh: "小时", scale: 1 },
  day: { dim: "time", size: R(86400), en: ["day", "days"], zh: "天", scale: 2 },
  week: { dim: "time", size: R(604800), en: ["week", "weeks"], zh: "周", scale: 2 },
  "m/s": { dim: "speed", size: R(1), en: ["metre per second", "metres per second"], zh: "米/秒", scale: 1 },
  "km/h": { dim: "speed", size: R(5, 18), en: ["kilometre per hour", "kilometres per hour"], zh: "千米/时", scale: 1 },
  mph: { dim: "speed", size: Rat.dec("0.44704"), en: ["mile per hour", "miles per hour"], zh: "英里/时", scale: 1 },
};

/** Metric and time pairs with a whole-number ratio (exact answers). */
const EXACT_PAIRS: Array<[string, string]> = [
  ["km", "m"],
  ["m", "cm"],
  ["cm", "mm"],
  ["m", "mm"],
  ["kg", "g"],
  ["t", "kg"],
  ["L", "mL"],
  ["h", "min"],
  ["min", "s"],
  ["h", "s"],
  ["day", "h"],
  ["week", "day"],
];

/** Imperial to metric, with the definition the problem states (`1 from = k to`). */
const DEFINED: Array<{ from: string; to: string; k: string }> = [
  { from: "ft", to: "m", k: "0.3048" },
  { from: "in", to: "cm", k: "2.54" },
  { from: "yd", to: "m", k: "0.9144" },
  { from: "mi", to: "km", k: "1.609344" },
  { from: "lb", to: "kg", k: "0.45359237" },
  { from: "oz", to: "g", k: "28.349523125" },
  { from: "gal", to: "L", k: "3.785411784" },
];

function unitName(u: string, v: Rat, lang: Lang): string {
  const unit = U[u]!;
  if (lang === "zh") return unit.zh;
  return v.eq(R(1)) ? unit.en[0] : unit.en[1];
}

/** `3.5 kilometres` / `3.5千米`. */
function qty(v: Rat, u: string, lang: Lang): string {
  return lang === "en" ? `${v.toString()} ${unitName(u, v, lang)}` : `${v.toString()}${U[u]!.zh}`;
}

const CONTEXTS_EN: Record<Dim, Array<Array<(q: string) => string>>> = {
  length: [
    [
      (q) => `A screw is ${q} long.`,
      (q) => `A pencil measures ${q}.`,
      (q) => `A phone screen is ${q} wide.`,
      (q) => `A leaf is ${q} long.`,
    ],
    [
      (q) => `A rope is ${q} long.`,
      (q) => `A shelf is ${q} long.`,
      (q) => `A sailboat is ${q} long.`,
      (q) => `A garden fence runs for ${q}.`,
      (q) => `A swimming pool is ${q} long.`,
    ],
    [
      (q) => `A hiking trail is ${q} long.`,
      (q) => `The distance between two villages is ${q}.`,
      (q) => `A marathon route covers ${q}.`,
      (q) => `A river tour travels ${q}.`,
    ],
  ],
  mass: [
    [(q) => `A letter weighs ${q}.`, (q) => `A bar of chocolate weighs ${q}.`, (q) => `A bag of tea weighs ${q}.`],
    [
      (q) => `A bag of flour weighs ${q}.`,
      (q) => `A suitcase weighs ${q}.`,
      (q) => `A watermelon weighs ${q}.`,
      (q) => `A dog weighs ${q}.`,
    ],
    [
      (q) => `A truck carries ${q} of sand.`,
      (q) => `A boat is loaded with ${q} of rice.`,
      (q) => `A farm harvested ${q} of potatoes.`,
    ],
  ],
  volume: [
    [
      (q) => `A cup holds ${q} of tea.`,
      (q) => `A bottle of medicine contains ${q}.`,
      (q) => `A can holds ${q} of soup.`,
    ],
    [
      (q) => `A jug contains ${q} of juice.`,
      (q) => `A fish tank holds ${q} of water.`,
      (q) => `A car's fuel tank holds ${q}.`,
      (q) => `A bucket holds ${q} of paint.`,
    ],
    [(q) => `A water tower holds ${q}.`, (q) => `A pool needs ${q} of water.`],
  ],
  time: [
    [(q) => `A sprint race lasts ${q}.`, (q) => `An advert runs for ${q}.`, (q) => `A kettle takes ${q} to boil.`],
    [
      (q) => `A train journey takes ${q}.`,
      (q) => `A film lasts ${q}.`,
      (q) => `A cake bakes for ${q}.`,
      (q) => `A football training session lasts ${q}.`,
    ],
    [(q) => `A school trip lasts ${q}.`, (q) => `A building project took ${q}.`, (q) => `A festival runs for ${q}.`],
  ],
  speed: [
    [(q) => `A snail moves at ${q}.`],
    [
      (q) => `A car travels at ${q}.`,
      (q) => `A cyclist rides at ${q}.`,
      (q) => `The wind blows at ${q}.`,
      (q) => `A train moves at ${q}.`,
      (q) => `A runner keeps a pace of ${q}.`,
    ],
    [(q) => `A plane cruises at ${q}.`],
  ],
};

const CONTEXTS_ZH: Record<Dim, Array<Array<(q: string) => string>>> = {
  length: [
    [
      (q) => `一颗螺丝长 ${q}。`,
      (q) => `一支铅笔长 ${q}。`,
      (q) => `一块手机屏幕宽 ${q}。`,
      (q) => `一片树叶长 ${q}。`,
    ],
    [
      (q) => `一根绳子长 ${q}。`,
      (q) => `一个书架长 ${q}。`,
      (q) => `一艘帆船长 ${q}。`,
      (q) => `花园的篱笆长 ${q}。`,
      (q) => `一个游泳池长 ${q}。`,
    ],
    [
      (q) => `一条登山步道长 ${q}。`,
      (q) => `两个村庄之间相距 ${q}。`,
      (q) => `一条马拉松路线长 ${q}。`,
      (q) => `一段河道游览路线长 ${q}。`,
    ],
  ],
  mass: [
    [(q) => `一封信重 ${q}。`, (q) => `一块巧克力重 ${q}。`, (q) => `一包茶叶重 ${q}。`],
    [(q) => `一袋面粉重 ${q}。`, (q) => `一个行李箱重 ${q}。`, (q) => `一个西瓜重 ${q}。`, (q) => `一只狗重 ${q}。`],
    [(q) => `一辆卡车运了 ${q} 沙子。`, (q) => `一条船装了 ${q} 大米。`, (q) => `一个农场收获了 ${q} 土豆。`],
  ],
  volume: [
    [(q) => `一杯茶有 ${q}。`, (q) => `一瓶药水有 ${q}。`, (q) => `一罐汤有 ${q}。`],
    [
      (q) => `一壶果汁有 ${q}。`,
      (q) => `一个鱼缸能装 ${q} 水。`,
      (q) => `一辆汽车的油箱能装 ${q}。`,
      (q) => `一桶油漆有 ${q}。`,
    ],
    [(q) => `一座水塔能装 ${q} 水。`, (q) => `注满一个水池需要 ${q} 水。`],
  ],
  time: [
    [(q) => `一场短跑比赛用时 ${q}。`, (q) => `一段广告播放 ${q}。`, (q) => `烧开一壶水需要 ${q}。`],
    [
      (q) => `一趟火车行程需要 ${q}。`,
      (q) => `一部电影放映 ${q}。`,
      (q) => `一个蛋糕要烤 ${q}。`,
      (q) => `一次足球训练持续 ${q}。`,
    ],
    [(q) => `一次研学旅行持续 ${q}。`, (q) => `一项建筑工程用了 ${q}。`, (q) => `一个节日活动持续 ${q}。`],
  ],
  speed: [
    [(q) => `一只蜗牛的速度是 ${q}。`],
    [
      (q) => `一辆汽车以 ${q} 的速度行驶。`,
      (q) => `一位骑车人的速度是 ${q}。`,
      (q) => `风速是 ${q}。`,
      (q) => `一列火车的速度是 ${q}。`,
      (q) => `一名跑步者的速度是 ${q}。`,
    ],
    [(q) => `一架飞机的巡航速度是 ${q}。`],
  ],
};

/** Sentences joined: spaces in English, none in Chinese. */
function join(lang: Lang, ...parts: string[]): string {
  return parts.filter(Boolean).join(lang === "en" ? " " : "");
}

function roundingText(dp: number, lang: Lang, rng: Rng): string {
  if (lang === "en") {
    const w =
      dp === 0
        ? "the nearest whole number"
        : dp === 1
          ? "one decimal place"
          : dp === 2
            ? "two decimal places"
            : "three decimal places";
    return rng.pick([`Round to ${w}.`, `Give your answer to ${w}.`, `Round your answer to ${w}.`, `Answer to ${w}.`]);
  }
  const w = dp === 0 ? "整数" : dp === 1 ? "一位小数" : dp === 2 ? "两位小数" : "三位小数";
  return dp === 0
    ? rng.pick(["结果精确到整数。", "结果四舍五入到整数。"])
    : rng.pick([`结果保留${w}。`, `答案四舍五入保留${w}。`]);
}

/** The question, with or without a context sentence. */
/** The question, with or without a context sentence fitting the size of the quantity (judged by `sizeUnit`). */
function ask(rng: Rng, lang: Lang, v: Rat, from: string, to: string, sizeUnit = from): { text: string; key: string } {
  const dim = U[from]!.dim;
  const q = qty(v, from, lang);
  const toName = lang === "en" ? U[to]!.en[1] : U[to]!.zh;
  if (rng.chance(0.5)) {
    const plain =
      lang === "en"
        ? [
            `Convert ${q} to ${toName}.`,
            `How many ${toName} are there in ${q}?`,
            `Express ${q} in ${toName}.`,
            `What is ${q} in ${toName}?`,
            `Write ${q} in ${toName}.`,
          ]
        : [
            `把 ${q} 换算成${toName}。`,
            `${q} 等于多少${toName}？`,
            `${q} 合多少${toName}？`,
            `${q} 是多少${toName}？`,
            `将 ${q} 用${toName}表示。`,
          ];
    const i = rng.int(0, plain.length - 1);
    return { text: plain[i]!, key: `plain${i}` };
  }
  const ctx = (lang === "en" ? CONTEXTS_EN : CONTEXTS_ZH)[dim][U[sizeUnit]!.scale]!;
  const c = rng.int(0, ctx.length - 1);
  const qs =
    lang === "en"
      ? [
          `How much is that in ${toName}?`,
          `What is this in ${toName}?`,
          `Write this measurement in ${toName}.`,
          `Convert it to ${toName}.`,
        ]
      : [`合多少${toName}？`, `换算成${toName}是多少？`, `用${toName}表示是多少？`, `等于多少${toName}？`];
  const k = rng.int(0, qs.length - 1);
  const first = ctx[c]!(q);
  return { text: lang === "en" ? `${first} ${qs[k]}` : `${first.replace(/。$/, "，")}${qs[k]}`, key: `ctx${c}-${k}` };
}

function definition(rng: Rng, lang: Lang, from: string, to: string, k: string): string {
  const one = lang === "en" ? `1 ${U[from]!.en[0]}` : `1${U[from]!.zh}`;
  const rhs = lang === "en" ? `${k} ${U[to]!.en[1]}` : `${k}${U[to]!.zh}`;
  return lang === "en"
    ? rng.pick([`Use ${one} = ${rhs}.`, `(${one} = ${rhs} exactly.)`, `Use the fact that ${one} is exactly ${rhs}.`])
    : rng.pick([`（${one} = ${rhs}）`, `已知 ${one} = ${rhs}。`, `（按 ${one} 等于 ${rhs} 计算）`]);
}

function roundedLine(lang: Lang, dp: number, ans: Rat, u: string): string {
  const w =
    lang === "en"
      ? dp === 0
        ? "to the nearest whole number"
        : `to ${dp === 1 ? "one decimal place" : dp === 2 ? "two decimal places" : "three decimal places"}`
      : dp === 0
        ? "精确到整数"
        : `保留${dp === 1 ? "一" : dp === 2 ? "两" : "三"}位小数`;
  return lang === "en" ? `Rounded ${w}, that is ${qty(ans, u, lang)}.` : `${w}，得 ${qty(ans, u, lang)}。`;
}

export const unitConversion: CategoryGenerator = (rng, level: Level, lang): Draft => {
  if (level === 1) {
    const [big, small] = rng.pick(EXACT_PAIRS);
    const ratio = U[big]!.size.div(U[small]!.size);
    const down = rng.chance(0.5); // big -> small multiplies
    const from = down ? big : small;
    const to = down ? small : big;
    const pleasant = rng.chance(0.5) ? R(rng.int(2, 30)) : Rat.of(rng.int(11, 119), rng.pick([2, 4, 10]));
    // Going up, the given amount is a pleasant number of the larger unit, or a whole number of the smaller.
    const v = down ? pleasant : rng.chance(0.6) ? pleasant.mul(ratio) : R(rng.int(2, 199) * rng.pick([1, 5, 10]));
    if (v.places() < 0 || v.places() > 2) throw new Retry("unpleasant amount");
    const ans = down ? v.mul(ratio) : v.div(ratio);
    if (ans.places() < 0 || ans.places() > 3) throw new Retry("inexact");
    // Going up (say seconds to hours), the amount is large in the smaller unit: the context follows the larger.
    const { text, key } = ask(rng, lang, v, from, to, big);
    const rel =
      lang === "en"
        ? `1 ${U[big]!.en[0]} = ${ratio.toString()} ${U[small]!.en[1]}`
        : `1${U[big]!.zh} = ${ratio.toString()}${U[small]!.zh}`;
    const work = down
      ? `${v.tex()} \\times ${ratio.tex()} = ${ans.tex()}`
      : `${v.tex()} \\div ${ratio.tex()} = ${ans.tex()}`;
    const steps = [
      lang === "en"
        ? `${rel}, so ${down ? "multiply" : "divide"} by ${ratio.toString()}: $${work}$.`
        : `${rel}，所以${down ? "乘以" : "除以"} ${ratio.toString()}：$${work}$。`,
      lang === "en"
        ? `So ${qty(v, from, lang)} is ${qty(ans, to, lang)}.`
        : `所以 ${qty(v, from, lang)} = ${qty(ans, to, lang)}。`,
    ];
    const ks = ratio.toString();
    return {
      problem: text,
      steps,
      answer: ans,
      check: { type: "value", expr: down ? `${v}*${ks}` : `${v}/${ks}`, constants: [ks] },
      template: `unit_conversion/exact/${key}`,
    };
  }
  if (level === 2) {
    const d = rng.pick(DEFINED);
    const forward = rng.chance(0.5);
    const from = forward ? d.from : d.to;
    const to = forward ? d.to : d.from;
    const k = Rat.dec(d.k);
    const v = rng.chance(0.6) ? R(rng.int(2, 250)) : Rat.of(rng.int(11, 999), 10);
    const dp = rng.pick([0, 1, 2, 2, 2]);
    const exact = forward ? v.mul(k) : v.div(k);
    const ans = roundNum(exact.toNumber(), dp);
    const { text, key } = ask(rng, lang, v, from, to);
    const problem = join(lang, text, definition(rng, lang, d.from, d.to, d.k), roundingText(dp, lang, rng));
    const steps: string[] = [];
    let work: string;
    if (forward) work = `${v.tex()} \\times ${d.k} = ${exact.tex()}`;
    else {
      const shown = exact.places() >= 0 && exact.places() <= 4 ? exact : approxFor(exact.toNumber(), 4, dp);
      work = `${v.tex()} \\div ${d.k} ${shown === exact ? "=" : "\\approx"} ${shown.tex()}`;
    }
    steps.push(
      lang === "en"
        ? `Each ${U[d.from]!.en[0]} is ${d.k} ${U[d.to]!.en[1]}, so ${forward ? "multiply" : "divide"} by ${d.k}: $${work}$.`
        : `每 1${U[d.from]!.zh} 等于 ${d.k}${U[d.to]!.zh}，所以${forward ? "乘以" : "除以"} ${d.k}：$${work}$。`,
    );
    steps.push(roundedLine(lang, dp, ans, to));
    return {
      problem,
      steps,
      answer: ans,
      check: { type: "value", expr: forward ? `${v}*${d.k}` : `${v}/${d.k}`, round: dp },
      template: `unit_conversion/defined/${forward ? "f" : "r"}/${key}`,
    };
  }
  return hard(rng, lang);
};

function hard(rng: Rng, lang: Lang): Draft {
  const kind = rng.int(0, 4);
  if (kind === 0 || kind === 1) {
    // km/h <-> m/s with 1 m/s = 3.6 km/h; mph -> km/h with 1 mile = 1.609344 km.
    const toMs = kind === 0;
    const v = toMs ? R(rng.int(5, 300)) : rng.chance(0.5) ? R(rng.int(2, 60)) : Rat.of(rng.int(21, 399), 10);
    const exact = toMs ? v.div(Rat.dec("3.6")) : v.mul(Rat.dec("3.6"));
    const dp = exact.places() >= 0 && exact.places() <= 2 ? -1 : rng.pick([1, 2]);
    const ans = dp < 0 ? exact : roundNum(exact.toNumber(), dp);
    const from = toMs ? "km/h" : "m/s";
    const to = toMs ? "m/s" : "km/h";
    const { text, key } = ask(rng, lang, v, from, to);
    const def =
      lang === "en"
        ? rng.pick(["Use 1 m/s = 3.6 km/h.", "(1 metre per second is 3.6 kilometres per hour.)"])
        : rng.pick(["（1米/秒 = 3.6千米/时）", "已知 1米/秒 = 3.6千米/时。"]);
    const problem = join(lang, text, def, dp >= 0 ? roundingText(dp, lang, rng) : "");
    let work: string;
    if (toMs) {
      const shown =
        exact.places() >= 0 && exact.places() <= 4 ? exact : approxFor(exact.toNumber(), 4, Math.max(dp, 0));
      work = `${v.tex()} \\div 3.6 ${shown === exact ? "=" : "\\approx"} ${shown.tex()}`;
    } else work = `${v.tex()} \\times 3.6 = ${exact.tex()}`;
    const why =
      lang === "en"
        ? toMs
          ? "One metre per second is 3.6 km/h (3600 seconds in an hour, 1000 metres in a kilometre), so divide by 3.6"
          : "One metre per second is 3.6 km/h (3600 seconds in an hour, 1000 metres in a kilometre), so multiply by 3.6"
        : toMs
          ? "1米/秒 = 3.6千米/时（1小时有3600秒，1千米有1000米），所以除以 3.6"
          : "1米/秒 = 3.6千米/时（1小时有3600秒，1千米有1000米），所以乘以 3.6";
    const steps = [`${why}${lang === "en" ? ": " : "："}$${work}$${lang === "en" ? "." : "。"}`];
    steps.push(
      dp < 0
        ? lang === "en"
          ? `So the speed is ${qty(ans, to, lang)}.`
          : `所以速度是 ${qty(ans, to, lang)}。`
        : roundedLine(lang, dp, ans, to),
    );
    return {
      problem,
      steps,
      answer: ans,
      check: { type: "value", expr: toMs ? `${v}/3.6` : `${v}*3.6`, ...(dp >= 0 ? { round: dp } : {}) },
      template: `unit_conversion/speed/${toMs ? "kmh" : "ms"}/${key}`,
    };
  }
  if (kind === 2) {
    // Height in feet and inches to centimetres.
    const ft = rng.int(4, 6);
    const inch = rng.int(1, 11);
    const who =
      lang === "en"
        ? rng.pick(["A basketball player", "A teacher", "A climber", "A student", "A doorway"])
        : rng.pick(["一名篮球运动员", "一位老师", "一名登山者", "一名学生", "一扇门"]);
    const dp = rng.pick([0, 1]);
    const total = ft * 12 + inch;
    const exact = R(total).mul(Rat.dec("2.54"));
    const ans = roundNum(exact.toNumber(), dp);
    const tall = lang === "en" ? (who === "A doorway" ? "high" : "tall") : who === "一扇门" ? "高" : "身高";
    const problem =
      lang === "en"
        ? `${who} is ${ft} feet ${inch} ${inch === 1 ? "inch" : "inches"} ${tall}. How ${tall} is that in centimetres? Use 1 foot = 12 inches and 1 inch = 2.54 cm. ${roundingText(dp, lang, rng)}`
        : `${who}${tall} ${ft} 英尺 ${inch} 英寸，合多少厘米？（1英尺 = 12英寸，1英寸 = 2.54厘米）${roundingText(dp, lang, rng)}`;
    const steps =
      lang === "en"
        ? [
            `First in inches: $${ft} \\times 12 + ${inch} = ${total}$ inches.`,
            `Then in centimetres: $${total} \\times 2.54 = ${exact.tex()}$.`,
            roundedLine(lang, dp, ans, "cm"),
          ]
        : [
            `先换算成英寸：$${ft} \\times 12 + ${inch} = ${total}$ 英寸。`,
            `再换算成厘米：$${total} \\times 2.54 = ${exact.tex()}$。`,
            roundedLine(lang, dp, ans, "cm"),
          ];
    return {
      problem,
      steps,
      answer: ans,
      check: { type: "value", expr: `(${ft}*12+${inch})*2.54`, round: dp, constants: ["12"] },
      template: `unit_conversion/height/${dp}`,
    };
  }
  if (kind === 3) {
    // Hours and minutes to minutes or seconds.
    const h = rng.int(1, 9);
    const m = rng.int(1, 59);
    const toSec = rng.chance(0.5);
    const totalMin = h * 60 + m;
    const ans = R(toSec ? totalMin * 60 : totalMin);
    const what =
      lang === "en"
        ? rng.pick(["A flight lasts", "A hike takes", "A concert lasts", "A car journey takes", "A board game lasts"])
        : rng.pick(["一次航班飞行", "一次徒步用了", "一场音乐会持续", "一次自驾用了", "一局桌游玩了"]);
    const unit = toSec ? (lang === "en" ? "seconds" : "秒") : lang === "en" ? "minutes" : "分钟";
    const problem =
      lang === "en"
        ? `${what} ${h} ${h === 1 ? "hour" : "hours"} and ${m} ${m === 1 ? "minute" : "minutes"}. How many ${unit} is that?`
        : `${what} ${h} 小时 ${m} 分钟，一共是多少${unit}？`;
    const steps =
      lang === "en"
        ? [
            `In minutes: $${h} \\times 60 + ${m} = ${totalMin}$ minutes.`,
            ...(toSec ? [`In seconds: $${totalMin} \\times 60 = ${ans.n}$ seconds.`] : []),
          ]
        : [
            `换算成分钟：$${h} \\times 60 + ${m} = ${totalMin}$ 分钟。`,
            ...(toSec ? [`换算成秒：$${totalMin} \\times 60 = ${ans.n}$ 秒。`] : []),
          ];
    return {
      problem,
      steps,
      answer: ans,
      check: {
        type: "value",
        expr: toSec ? `(${h}*60+${m})*60` : `${h}*60+${m}`,
        constants: toSec ? ["60", "60"] : ["60"],
      },
      template: `unit_conversion/hm/${toSec ? "s" : "min"}`,
    };
  }
  // A run of d metres in t seconds, speed in km/h.
  const d = rng.pick([100, 200, 400, 800, 1500, 3000, 5000]);
  const t = Rat.of(rng.int(d / 10, d / 3) * 10 + rng.int(0, 9), 10);
  const ms = R(d).div(t);
  const exact = ms.mul(Rat.dec("3.6"));
  const dp = rng.pick([1, 2]);
  const ans = roundNum(exact.toNumber(), dp);
  const who =
    lang === "en"
      ? rng.pick(["An athlete", "A swimmer", "A cyclist", "A rower", "A skater"])
      : rng.pick(["一名运动员", "一名游泳运动员", "一名自行车手", "一名赛艇运动员", "一名滑冰运动员"]);
  const problem =
    lang === "en"
      ? `${who} covers ${d} metres in ${t.toString()} seconds. What is the average speed in kilometres per hour? (1 m/s = 3.6 km/h) ${roundingText(dp, lang, rng)}`
      : `${who}用 ${t.toString()} 秒完成了 ${d} 米。平均速度是多少千米/时？（1米/秒 = 3.6千米/时）${roundingText(dp, lang, rng)}`;
  const msShown = ms.places() >= 0 && ms.places() <= 4 ? ms : approxFor(ms.toNumber(), 4, 4);
  const steps =
    lang === "en"
      ? [
          `Speed in metres per second: $${d} \\div ${t.tex()} ${msShown === ms ? "=" : "\\approx"} ${msShown.tex()}$.`,
          `In km/h, multiply the exact value by 3.6: $${d} \\div ${t.tex()} \\times 3.6 ${exact.places() >= 0 && exact.places() <= 4 ? `= ${exact.tex()}` : `\\approx ${approxFor(exact.toNumber(), 4, dp).tex()}`}$.`,
          roundedLine(lang, dp, ans, "km/h"),
        ]
      : [
          `每秒的米数：$${d} \\div ${t.tex()} ${msShown === ms ? "=" : "\\approx"} ${msShown.tex()}$。`,
          `换算成千米/时，用准确值乘以 3.6：$${d} \\div ${t.tex()} \\times 3.6 ${exact.places() >= 0 && exact.places() <= 4 ? `= ${exact.tex()}` : `\\approx ${approxFor(exact.toNumber(), 4, dp).tex()}`}$。`,
          roundedLine(lang, dp, ans, "km/h"),
        ];
  return {
    problem,
    steps,
    answer: ans,
    check: { type: "value", expr: `${d}/${t}*3.6`, round: dp },
    template: `unit_conversion/pace/${dp}`,
  };
}
