import { R, Rat, approxFor, roundNum } from "../rat.js";
import type { Rng } from "../rng.js";
import type { Lang } from "../text.js";
import type { CategoryGenerator, Draft, Level } from "../types.js";
import type { Check } from "../verify.js";

type U = "m" | "cm";
const LEN: Record<U, { en: string; zh: string; area: { en: string; zh: string } }> = {
  m: { en: "m", zh: "米", area: { en: "square metres", zh: "平方米" } },
  cm: { en: "cm", zh: "厘米", area: { en: "square centimetres", zh: "平方厘米" } },
};

const RECTS: Array<{ en: string; zh: string; u: U }> = [
  { en: "rectangular garden", zh: "长方形花园", u: "m" },
  { en: "rectangular room", zh: "长方形房间", u: "m" },
  { en: "rectangular poster", zh: "长方形海报", u: "cm" },
  { en: "rectangular table top", zh: "长方形桌面", u: "cm" },
  { en: "rectangular swimming pool", zh: "长方形游泳池", u: "m" },
  { en: "rectangular playing field", zh: "长方形运动场", u: "m" },
  { en: "rectangular photo", zh: "长方形照片", u: "cm" },
  { en: "rectangular rug", zh: "长方形地毯", u: "cm" },
];
const CIRCLES: Array<{ en: string; zh: string; u: U }> = [
  { en: "circular pond", zh: "圆形池塘", u: "m" },
  { en: "round table", zh: "圆桌桌面", u: "cm" },
  { en: "pizza", zh: "披萨", u: "cm" },
  { en: "clock face", zh: "钟面", u: "cm" },
  { en: "circular flower bed", zh: "圆形花坛", u: "m" },
  { en: "trampoline", zh: "圆形蹦床", u: "m" },
  { en: "circular rug", zh: "圆形地毯", u: "cm" },
  { en: "circular fountain", zh: "圆形喷泉池", u: "m" },
];

const say = (lang: Lang, en: string, zh: string): string => (lang === "en" ? en : zh);
const ln = (v: Rat | number, u: U, lang: Lang): string =>
  lang === "en" ? `${v.toString()} ${LEN[u].en}` : `${v.toString()} ${LEN[u].zh}`;

function side(rng: Rng, decimals: boolean): Rat {
  return decimals && rng.chance(0.4) ? Rat.of(rng.int(15, 250), 10) : R(rng.int(2, 60));
}

interface Out {
  problem: string;
  steps: string[];
  answer: Rat;
  check: Check;
  key: string;
}

function rectangle(rng: Rng, lang: Lang, level: Level): Out {
  const s = rng.pick(RECTS);
  let l = side(rng, level > 1);
  let w = side(rng, level > 1);
  if (l.cmp(w) < 0) [l, w] = [w, l];
  if (l.eq(w)) l = l.add(R(1));
  const area = rng.chance(0.5);
  const un = LEN[s.u];
  const intro = rng.int(0, 4);
  const what = [
    say(
      lang,
      `The floor plan shows a ${s.en} of ${ln(l, s.u, lang)} by ${ln(w, s.u, lang)}.`,
      `平面图上画着一个长 ${ln(l, s.u, lang)}、宽 ${ln(w, s.u, lang)} 的${s.zh}。`,
    ),
    say(
      lang,
      `A ${s.en} has a length of ${ln(l, s.u, lang)} and a width of ${ln(w, s.u, lang)}.`,
      `已知一个${s.zh}的长为 ${ln(l, s.u, lang)}，宽为 ${ln(w, s.u, lang)}。`,
    ),
    say(
      lang,
      `A ${s.en} is ${ln(l, s.u, lang)} long and ${ln(w, s.u, lang)} wide.`,
      `一个${s.zh}长 ${ln(l, s.u, lang)}，宽 ${ln(w, s.u, lang)}。`,
    ),
    say(
      lang,
      `A ${s.en} measures ${ln(l, s.u, lang)} by ${ln(w, s.u, lang)}.`,
      `一个${s.zh}的长和宽分别是 ${ln(l, s.u, lang)} 和 ${ln(w, s.u, lang)}。`,
    ),
    say(
      lang,
      `The length of a ${s.en} is ${ln(l, s.u, lang)} and its width is ${ln(w, s.u, lang)}.`,
      `${s.zh}的长是 ${ln(l, s.u, lang)}，宽是 ${ln(w, s.u, lang)}。`,
    ),
  ][intro]!;
  if (area) {
    const a = l.mul(w);
    const q = rng.pick(
      lang === "en"
        ? [
            `What is its area in ${un.area.en}?`,
            `Find its area in ${un.area.en}.`,
            `How many ${un.area.en} does it cover?`,
            `How much surface does it have, in ${un.area.en}?`,
            `Calculate the area it covers in ${un.area.en}.`,
          ]
        : [
            `它的面积是多少${un.area.zh}？`,
            `求它的面积（单位：${un.area.zh}）。`,
            `它占地多少${un.area.zh}？`,
            `它的面积有多大？（单位：${un.area.zh}）`,
            `算一算它的面积是多少${un.area.zh}。`,
          ],
    );
    const steps = [
      say(
        lang,
        `Area = length × width: $${l} \\times ${w} = ${a}$ ${un.area.en}.`,
        `面积 = 长 × 宽：$${l} \\times ${w} = ${a}$ ${un.area.zh}。`,
      ),
    ];
    return {
      problem: `${what}${lang === "en" ? " " : ""}${q}`,
      steps,
      answer: a,
      check: { type: "value", expr: `${l}*${w}` },
      key: `rect-area/${intro}`,
    };
  }
  const p = l.add(w).mul(R(2));
  const q = rng.pick(
    lang === "en"
      ? [
          `What is its perimeter?`,
          `How much edging is needed to go all the way around it?`,
          `How long is its boundary?`,
          `How far is it all the way around the edge?`,
          `Find the total length of its four sides.`,
        ]
      : [
          `它的周长是多少？`,
          `沿着它的边缘围一圈需要多长的围边？`,
          `它一周的长度是多少？`,
          `绕它的边走一圈是多长？`,
          `求它四条边的总长度。`,
        ],
  );
  const steps = [
    say(
      lang,
      `Perimeter = 2 × (length + width): $2 \\times (${l} + ${w}) = 2 \\times ${l.add(w)} = ${p}$ ${un.en}.`,
      `周长 = 2 ×（长 + 宽）：$2 \\times (${l} + ${w}) = 2 \\times ${l.add(w)} = ${p}$ ${un.zh}。`,
    ),
  ];
  return {
    problem: `${what}${lang === "en" ? " " : ""}${q}`,
    steps,
    answer: p,
    check: { type: "value", expr: `2*(${l}+${w})`, constants: ["2"] },
    key: `rect-perim/${intro}`,
  };
}

function square(rng: Rng, lang: Lang): Out {
  const a = R(rng.int(2, 40));
  const u: U = rng.pick(["m", "cm"]);
  const [thingEn, thingZh, cl] = rng.pick([
    ["square tile", "正方形瓷砖", "块"],
    ["square patio", "正方形露台", "个"],
    ["square notepad", "正方形便签纸", "张"],
    ["square sandpit", "正方形沙坑", "个"],
    ["square window", "正方形窗户", "扇"],
  ] as const);
  const thing = lang === "en" ? thingEn : thingZh;
  const area = rng.chance(0.5);
  const problem = area
    ? say(
        lang,
        rng.pick([
          `A ${thing} has sides of ${ln(a, u, lang)}. What is its area in ${LEN[u].area.en}?`,
          `Find the area, in ${LEN[u].area.en}, of a ${thing} whose sides are ${ln(a, u, lang)} long.`,
          `Each edge of a ${thing} measures ${ln(a, u, lang)}. How many ${LEN[u].area.en} does it cover?`,
        ]),
        rng.pick([
          `一${cl}${thing}的边长是 ${ln(a, u, lang)}，它的面积是多少${LEN[u].area.zh}？`,
          `边长为 ${ln(a, u, lang)} 的${thing}，面积是多少${LEN[u].area.zh}？`,
          `一${cl}${thing}每条边长 ${ln(a, u, lang)}，求它的面积（单位：${LEN[u].area.zh}）。`,
        ]),
      )
    : say(
        lang,
        rng.pick([
          `Each side of a ${thing} is ${ln(a, u, lang)}. What is its perimeter?`,
          `A ${thing} has sides of ${ln(a, u, lang)}. How long is its edge all the way round?`,
          `What is the perimeter of a ${thing} with ${ln(a, u, lang)} sides?`,
        ]),
        rng.pick([
          `一${cl}${thing}每条边长 ${ln(a, u, lang)}，它的周长是多少？`,
          `边长为 ${ln(a, u, lang)} 的${thing}，周长是多少？`,
          `一${cl}${thing}的边长是 ${ln(a, u, lang)}，绕它一周有多长？`,
        ]),
      );
  const v = area ? a.mul(a) : a.mul(R(4));
  const steps = area
    ? [
        say(
          lang,
          `Area = side × side: $${a} \\times ${a} = ${v}$ ${LEN[u].area.en}.`,
          `面积 = 边长 × 边长：$${a} \\times ${a} = ${v}$ ${LEN[u].area.zh}。`,
        ),
      ]
    : [
        say(
          lang,
          `A square has 4 equal sides: $4 \\times ${a} = ${v}$ ${LEN[u].en}.`,
          `正方形有 4 条相等的边：$4 \\times ${a} = ${v}$ ${LEN[u].zh}。`,
        ),
      ];
  return {
    problem,
    steps,
    answer: v,
    check: { type: "value", expr: area ? `${a}*${a}` : `4*${a}`, ...(area ? {} : { constants: ["4"] }) },
    key: `square/${area}`,
  };
}

function triangle(rng: Rng, lang: Lang): Out {
  const b = R(rng.int(3, 40));
  const h = R(rng.int(2, 30));
  const u: U = rng.pick(["m", "cm"]);
  const a = b.mul(h).div(R(2));
  const form = rng.int(0, 5);
  const problem = [
    say(
      lang,
      `A flower bed is a triangle with a base of ${ln(b, u, lang)} and a height of ${ln(h, u, lang)}. How many ${LEN[u].area.en} of soil does it cover?`,
      `一个三角形花圃的底是 ${ln(b, u, lang)}，高是 ${ln(h, u, lang)}。它的面积是多少${LEN[u].area.zh}？`,
    ),
    say(
      lang,
      `The gable end of a roof is a triangle ${ln(b, u, lang)} wide and ${ln(h, u, lang)} tall. What is its area in ${LEN[u].area.en}?`,
      `屋顶的山墙是一个三角形，底宽 ${ln(b, u, lang)}，高 ${ln(h, u, lang)}。山墙的面积是多少${LEN[u].area.zh}？`,
    ),
    say(
      lang,
      `A triangular flag has a base of ${ln(b, u, lang)} and a height of ${ln(h, u, lang)}. How much fabric does it use, in ${LEN[u].area.en}?`,
      `一面三角形小旗的底是 ${ln(b, u, lang)}，高是 ${ln(h, u, lang)}。做这面旗需要多少${LEN[u].area.zh}的布？`,
    ),
    say(
      lang,
      `A triangle has a base of ${ln(b, u, lang)} and a height of ${ln(h, u, lang)}. What is its area in ${LEN[u].area.en}?`,
      `一个三角形的底是 ${ln(b, u, lang)}，高是 ${ln(h, u, lang)}。它的面积是多少${LEN[u].area.zh}？`,
    ),
    say(
      lang,
      `A triangular sail is ${ln(b, u, lang)} along the bottom and ${ln(h, u, lang)} high. How many ${LEN[u].area.en} of cloth is it?`,
      `一面三角形的帆底边长 ${ln(b, u, lang)}，高 ${ln(h, u, lang)}。这面帆的面积是多少${LEN[u].area.zh}？`,
    ),
    say(
      lang,
      `Find the area of a triangle with base ${ln(b, u, lang)} and perpendicular height ${ln(h, u, lang)}.`,
      `求底为 ${ln(b, u, lang)}、高为 ${ln(h, u, lang)} 的三角形的面积。`,
    ),
  ][form]!;
  const steps = [
    say(
      lang,
      `Area = base × height ÷ 2: $${b} \\times ${h} \\div 2 = ${a}$ ${LEN[u].area.en}.`,
      `面积 = 底 × 高 ÷ 2：$${b} \\times ${h} \\div 2 = ${a}$ ${LEN[u].area.zh}。`,
    ),
  ];
  return {
    problem,
    steps,
    answer: a,
    check: { type: "value", expr: `${b}*${h}/2`, constants: ["2"] },
    key: `triangle/${form}`,
  };
}

const TRIPLES: Array<[number, number, number]> = [
  [3, 4, 5],
  [5, 12, 13],
  [8, 15, 17],
  [7, 24, 25],
  [20, 21, 29],
  [9, 40, 41],
];

function rightTriangle(rng: Rng, lang: Lang): Out {
  const [p, q, r] = rng.pick(TRIPLES);
  const k = rng.int(1, Math.max(1, Math.floor(60 / r)));
  const [a, b, c] = [p * k, q * k, r * k];
  const u: U = rng.pick(["m", "cm"]);
  const ladder = rng.chance(0.4);
  const problem = ladder
    ? say(
        lang,
        rng.pick([
          `The foot of a ladder is ${ln(a, u, lang)} from a wall, and the top of the ladder reaches ${ln(b, u, lang)} up the wall. How long is the ladder?`,
          `A kite string is pegged ${ln(a, u, lang)} from a point directly below the kite, which flies ${ln(b, u, lang)} high. How long is the taut string?`,
          `A rectangular screen is ${ln(a, u, lang)} wide and ${ln(b, u, lang)} tall. How long is its diagonal?`,
        ]),
        rng.pick([
          `一架梯子的底端离墙 ${ln(a, u, lang)}，顶端靠在墙上离地 ${ln(b, u, lang)}。梯子有多长？`,
          `风筝飞在离地 ${ln(b, u, lang)} 的高处，拉紧的线固定在风筝正下方 ${ln(a, u, lang)} 远的地方。风筝线有多长？`,
          `一块长方形屏幕宽 ${ln(a, u, lang)}，高 ${ln(b, u, lang)}，它的对角线有多长？`,
        ]),
      )
    : say(
        lang,
        rng.pick([
          `A right-angled triangle has legs of ${ln(a, u, lang)} and ${ln(b, u, lang)}. How long is the hypotenuse?`,
          `The two shorter sides of a right triangle are ${ln(a, u, lang)} and ${ln(b, u, lang)}. Find the longest side.`,
        ]),
        rng.pick([
          `一个直角三角形的两条直角边分别是 ${ln(a, u, lang)} 和 ${ln(b, u, lang)}，斜边有多长？`,
          `直角三角形的两条直角边长 ${ln(a, u, lang)} 和 ${ln(b, u, lang)}，求斜边的长。`,
        ]),
      );
  const steps = [
    say(
      lang,
      `By Pythagoras, the square of the longest side is $${a}^2 + ${b}^2 = ${a * a} + ${b * b} = ${c * c}$.`,
      `根据勾股定理，斜边的平方是 $${a}^2 + ${b}^2 = ${a * a} + ${b * b} = ${c * c}$。`,
    ),
    say(
      lang,
      `Since $${c}^2 = ${c * c}$, the length is ${ln(c, u, lang)}.`,
      `因为 $${c}^2 = ${c * c}$，所以长度是 ${ln(c, u, lang)}。`,
    ),
  ];
  return {
    problem,
    steps,
    answer: R(c),
    check: { type: "value", expr: `sqrt(${a}^2+${b}^2)`, constants: ["2", "2"] },
    key: `pythagoras/${ladder}`,
  };
}

function trapezoid(rng: Rng, lang: Lang): Out {
  const a = rng.int(3, 30);
  const b = a + rng.int(1, 20);
  const h = rng.int(2, 25);
  const u: U = rng.pick(["m", "cm"]);
  const area = R(a + b)
    .mul(R(h))
    .div(R(2));
  const problem = say(
    lang,
    rng.pick([
      `A trapezium has parallel sides of ${ln(a, u, lang)} and ${ln(b, u, lang)}, and its height is ${ln(h, u, lang)}. What is its area in ${LEN[u].area.en}?`,
      `A field is shaped like a trapezoid with parallel sides ${ln(a, u, lang)} and ${ln(b, u, lang)} and a distance of ${ln(h, u, lang)} between them. Find its area in ${LEN[u].area.en}.`,
      `The side wall of a shed is a trapezoid: ${ln(a, u, lang)} along the top, ${ln(b, u, lang)} along the bottom and ${ln(h, u, lang)} high. How many ${LEN[u].area.en} of paint cover does it need?`,
      `A table top is a trapezium whose parallel edges are ${ln(a, u, lang)} and ${ln(b, u, lang)}, ${ln(h, u, lang)} apart. What is its area in ${LEN[u].area.en}?`,
    ]),
    rng.pick([
      `一个梯形的上底是 ${ln(a, u, lang)}，下底是 ${ln(b, u, lang)}，高是 ${ln(h, u, lang)}。它的面积是多少${LEN[u].area.zh}？`,
      `一块梯形田地的上底 ${ln(a, u, lang)}，下底 ${ln(b, u, lang)}，高 ${ln(h, u, lang)}。求它的面积（单位：${LEN[u].area.zh}）。`,
      `一面梯形的墙，上边长 ${ln(a, u, lang)}，下边长 ${ln(b, u, lang)}，高 ${ln(h, u, lang)}。要粉刷的面积是多少${LEN[u].area.zh}？`,
      `一张梯形桌面的两条平行边分别长 ${ln(a, u, lang)} 和 ${ln(b, u, lang)}，相距 ${ln(h, u, lang)}。桌面的面积是多少${LEN[u].area.zh}？`,
    ]),
  );
  const steps = [
    say(
      lang,
      `Area = (sum of the parallel sides) × height ÷ 2: $(${a} + ${b}) \\times ${h} \\div 2 = ${a + b} \\times ${h} \\div 2 = ${area}$ ${LEN[u].area.en}.`,
      `面积 =（上底 + 下底）× 高 ÷ 2：$(${a} + ${b}) \\times ${h} \\div 2 = ${a + b} \\times ${h} \\div 2 = ${area}$ ${LEN[u].area.zh}。`,
    ),
  ];
  return {
    problem,
    steps,
    answer: area,
    check: { type: "value", expr: `(${a}+${b})*${h}/2`, constants: ["2"] },
    key: `trapezoid/${problem.length % 2}`,
  };
}

/** Circle with π = 3.14 (exact decimals). */
function circle314(rng: Rng, lang: Lang): Out {
  const s = rng.pick(CIRCLES);
  const r = R(rng.int(1, 30));
  const byDiameter = rng.chance(0.4);
  const area = rng.chance(0.55);
  const pi = Rat.dec("3.14");
  const given = byDiameter
    ? say(lang, `has a diameter of ${ln(r.mul(R(2)), s.u, lang)}`, `的直径是 ${ln(r.mul(R(2)), s.u, lang)}`)
    : say(lang, `has a radius of ${ln(r, s.u, lang)}`, `的半径是 ${ln(r, s.u, lang)}`);
  const usePi = rng.pick(
    lang === "en"
      ? ["Use π = 3.14.", "Take π as 3.14.", "(Use 3.14 for π.)"]
      : ["（π取3.14）", "π 按 3.14 计算。", "（π 取 3.14）"],
  );
  const q = area
    ? say(
        lang,
        rng.pick([
          `What is its area in ${LEN[s.u].area.en}?`,
          `How many ${LEN[s.u].area.en} does it cover?`,
          `Find its area in ${LEN[s.u].area.en}.`,
        ]),
        rng.pick([
          `它的面积是多少${LEN[s.u].area.zh}？`,
          `它占地多少${LEN[s.u].area.zh}？`,
          `求它的面积（单位：${LEN[s.u].area.zh}）。`,
        ]),
      )
    : say(
        lang,
        rng.pick([
          `What is its circumference?`,
          `How long is its edge all the way round?`,
          `Find the distance around it.`,
        ]),
        rng.pick([
          `它的周长是多少${LEN[s.u].zh}？`,
          `沿它的边缘走一圈是多少${LEN[s.u].zh}？`,
          `求它一周的长度（单位：${LEN[s.u].zh}）。`,
        ]),
      );
  const problem = lang === "en" ? `A ${s.en} ${given}. ${q} ${usePi}` : `一个${s.zh}${given}，${q}${usePi}`;
  const steps: string[] = [];
  if (byDiameter)
    steps.push(
      say(
        lang,
        `The radius is half the diameter: $${r.mul(R(2))} \\div 2 = ${r}$ ${LEN[s.u].en}.`,
        `半径是直径的一半：$${r.mul(R(2))} \\div 2 = ${r}$ ${LEN[s.u].zh}。`,
      ),
    );
  let v: Rat;
  let expr: string;
  if (area) {
    v = pi.mul(r).mul(r);
    steps.push(
      say(
        lang,
        `Area = π × radius²: $3.14 \\times ${r}^2 = 3.14 \\times ${r.mul(r)} = ${v.tex()}$ ${LEN[s.u].area.en}.`,
        `面积 = π × 半径²：$3.14 \\times ${r}^2 = 3.14 \\times ${r.mul(r)} = ${v.tex()}$ ${LEN[s.u].area.zh}。`,
      ),
    );
    expr = byDiameter ? `3.14*(${r.mul(R(2))}/2)^2` : `3.14*${r}^2`;
  } else {
    v = pi.mul(r).mul(R(2));
    steps.push(
      say(
        lang,
        `Circumference = 2 × π × radius: $2 \\times 3.14 \\times ${r} = ${v.tex()}$ ${LEN[s.u].en}.`,
        `周长 = 2 × π × 半径：$2 \\times 3.14 \\times ${r} = ${v.tex()}$ ${LEN[s.u].zh}。`,
      ),
    );
    expr = byDiameter ? `3.14*${r.mul(R(2))}` : `2*3.14*${r}`;
  }
  const twos = area ? (byDiameter ? 2 : 1) : byDiameter ? 0 : 1;
  return {
    problem,
    steps,
    answer: v,
    check: { type: "value", expr, constants: Array<string>(twos).fill("2") },
    key: `circle314/${area ? "a" : "c"}/${byDiameter ? "d" : "r"}`,
  };
}

function roundWords(lang: Lang, rng: Rng): string {
  return lang === "en"
    ? rng.pick([
        "Round to two decimal places.",
        "Give your answer to two decimal places.",
        "Use the π button on a calculator and round to 2 decimal places.",
      ])
    : rng.pick(["结果保留两位小数。", "π 取准确值，结果保留两位小数。"]);
}

/** Circle computations with the true π, rounded to two decimal places. */
function circlePi(rng: Rng, lang: Lang): Out {
  const s = rng.pick(CIRCLES);
  const r = R(rng.int(2, 40));
  const kind = rng.int(0, 2); // area, circumference, semicircle area
  const byDiameter = rng.chance(0.4);
  const d = r.mul(R(2));
  const given = byDiameter
    ? say(lang, `has a diameter of ${ln(d, s.u, lang)}`, `的直径是 ${ln(d, s.u, lang)}`)
    : say(lang, `has a radius of ${ln(r, s.u, lang)}`, `的半径是 ${ln(r, s.u, lang)}`);
  const steps: string[] = [];
  if (byDiameter)
    steps.push(
      say(
        lang,
        `The radius is half the diameter: $${d} \\div 2 = ${r}$ ${LEN[s.u].en}.`,
        `半径是直径的一半：$${d} \\div 2 = ${r}$ ${LEN[s.u].zh}。`,
      ),
    );
  const r2 = r.mul(r);
  let q: string;
  let exact: number;
  let work: string;
  let expr: string;
  const rr = byDiameter ? `(${d}/2)` : `${r}`;
  if (kind === 0) {
    q = say(
      lang,
      rng.pick([`What is its area in ${LEN[s.u].area.en}?`, `How many ${LEN[s.u].area.en} does it cover?`]),
      rng.pick([`它的面积是多少${LEN[s.u].area.zh}？`, `它占地多少${LEN[s.u].area.zh}？`]),
    );
    exact = Math.PI * r2.toNumber();
    work = `\\pi \\times ${r}^2 = ${r2}\\pi`;
    expr = `pi*${rr}^2`;
  } else if (kind === 1) {
    q = say(
      lang,
      rng.pick([`How long is its circumference?`, `How far is it around the edge?`]),
      rng.pick([`它的周长是多少${LEN[s.u].zh}？`, `沿边缘一圈有多少${LEN[s.u].zh}？`]),
    );
    exact = 2 * Math.PI * r.toNumber();
    work = `2 \\times \\pi \\times ${r} = ${d}\\pi`;
    expr = `2*pi*${rr}`;
  } else {
    q = say(
      lang,
      `It is cut exactly in half. What is the area of one half in ${LEN[s.u].area.en}?`,
      `把它沿直径切成两半，每一半的面积是多少${LEN[s.u].area.zh}？`,
    );
    exact = (Math.PI * r2.toNumber()) / 2;
    work = `\\pi \\times ${r}^2 \\div 2 = ${r2.div(R(2)).toString()}\\pi`;
    expr = `pi*${rr}^2/2`;
  }
  const ans = roundNum(exact, 2);
  const shown = approxFor(exact, 4, 2);
  const formula =
    kind === 1
      ? say(lang, "Circumference = 2πr", "周长 = 2πr")
      : kind === 0
        ? say(lang, "Area = πr²", "面积 = πr²")
        : say(lang, "Half of πr²", "半圆面积 = πr² ÷ 2");
  steps.push(
    say(lang, `${formula}: $${work} \\approx ${shown.tex()}$.`, `${formula}：$${work} \\approx ${shown.tex()}$。`),
  );
  steps.push(say(lang, `Rounded to two decimal places: ${ans}.`, `保留两位小数：${ans}。`));
  const problem =
    lang === "en"
      ? `A ${s.en} ${given}. ${q} ${roundWords(lang, rng)}`
      : `一个${s.zh}${given}，${q}${roundWords(lang, rng)}`;
  // Implied 2s: the square and the 2 of 2πr, one more for a diameter halved or a semicircle.
  const twos = (kind === 2 ? 2 : 1) + (byDiameter ? 1 : 0);
  return {
    problem,
    steps,
    answer: ans,
    check: { type: "value", expr, round: 2, constants: Array<string>(twos).fill("2") },
    key: `circlepi/${kind}/${byDiameter}`,
  };
}

function composite(rng: Rng, lang: Lang): Out {
  const kind = rng.int(0, 2);
  const u: U = "m";
  let problem: string;
  let work: string;
  let exact: number;
  let expr: string;
  if (kind === 0) {
    const R1 = rng.int(4, 30);
    const r1 = rng.int(1, R1 - 1);
    problem = say(
      lang,
      rng.pick([
        `A circular path runs around a round pond. The pond has a radius of ${ln(r1, u, lang)} and the outer edge of the path has a radius of ${ln(R1, u, lang)}. What is the area of the path in square metres?`,
        `A ring-shaped lawn lies between two circles with the same centre, of radius ${ln(r1, u, lang)} and ${ln(R1, u, lang)}. How many square metres of lawn are there?`,
        `A round plaza of radius ${ln(R1, u, lang)} has a round fountain of radius ${ln(r1, u, lang)} at its centre. What area of the plaza is paved, in square metres?`,
      ]),
      rng.pick([
        `一个圆形池塘的半径是 ${ln(r1, u, lang)}，池塘外围有一条环形小路，小路外圈的半径是 ${ln(R1, u, lang)}。小路的面积是多少平方米？`,
        `两个同心圆的半径分别是 ${ln(r1, u, lang)} 和 ${ln(R1, u, lang)}，它们之间是一块环形草坪。草坪的面积是多少平方米？`,
        `一个半径 ${ln(R1, u, lang)} 的圆形广场中央有一个半径 ${ln(r1, u, lang)} 的圆形喷泉，其余部分铺了地砖。铺地砖的面积是多少平方米？`,
      ]),
    );
    work = `\\pi \\times ${R1}^2 - \\pi \\times ${r1}^2 = ${R1 * R1}\\pi - ${r1 * r1}\\pi = ${R1 * R1 - r1 * r1}\\pi`;
    exact = Math.PI * (R1 * R1 - r1 * r1);
    expr = `pi*${R1}^2-pi*${r1}^2`;
  } else if (kind === 1) {
    const s = rng.int(6, 40);
    const r = rng.int(1, Math.floor(s / 2) - 1 || 1);
    problem = say(
      lang,
      rng.pick([
        `A square lawn has sides of ${ln(s, u, lang)}. In the middle is a circular pond with a radius of ${ln(r, u, lang)}. What area of grass is left, in square metres?`,
        `A square courtyard ${ln(s, u, lang)} on each side has a round flower bed of radius ${ln(r, u, lang)} in it. The rest is paved. What area is paved, in square metres?`,
      ]),
      rng.pick([
        `一块正方形草坪的边长是 ${ln(s, u, lang)}，中间有一个半径 ${ln(r, u, lang)} 的圆形水池。剩下的草地面积是多少平方米？`,
        `一个边长 ${ln(s, u, lang)} 的正方形院子里有一个半径 ${ln(r, u, lang)} 的圆形花坛，其余地方铺了石板。铺石板的面积是多少平方米？`,
      ]),
    );
    work = `${s}^2 - \\pi \\times ${r}^2 = ${s * s} - ${r * r}\\pi`;
    exact = s * s - Math.PI * r * r;
    expr = `${s}^2-pi*${r}^2`;
  } else {
    const l = rng.int(10, 120);
    const r = rng.int(5, 40);
    problem = say(
      lang,
      rng.pick([
        `A running track has two straight sides of ${ln(l, u, lang)} each, joined at both ends by semicircles with a radius of ${ln(r, u, lang)}. How long is one lap of the track, in metres?`,
        `A garden pond is shaped like a stadium: two straight edges of ${ln(l, u, lang)} with a semicircle of radius ${ln(r, u, lang)} at each end. How many metres of edging go around it?`,
      ]),
      rng.pick([
        `一条跑道由两条各长 ${ln(l, u, lang)} 的直道和两端半径为 ${ln(r, u, lang)} 的半圆组成。跑一圈是多少米？`,
        `一个水池的形状像操场：两条直边各长 ${ln(l, u, lang)}，两端各是一个半径 ${ln(r, u, lang)} 的半圆。沿水池边缘围一圈需要多少米护栏？`,
      ]),
    );
    work = `2 \\times ${l} + 2 \\times \\pi \\times ${r} = ${2 * l} + ${2 * r}\\pi`;
    exact = 2 * l + 2 * Math.PI * r;
    expr = `2*${l}+2*pi*${r}`;
  }
  const ans = roundNum(exact, 2);
  const shown = approxFor(exact, 4, 2);
  const steps = [
    say(
      lang,
      kind === 0
        ? "Ring area = big circle − small circle"
        : kind === 1
          ? "Remaining area = square − circle"
          : "Distance around = two straight edges + one full circle (the two semicircles)",
      kind === 0
        ? "环形面积 = 大圆面积 − 小圆面积"
        : kind === 1
          ? "剩余面积 = 正方形面积 − 圆面积"
          : "一圈 = 两条直边 + 一个整圆的周长（两个半圆）",
    ) + `${lang === "en" ? ": " : "："}$${work} \\approx ${shown.tex()}$${lang === "en" ? "." : "。"}`,
    say(lang, `Rounded to two decimal places: ${ans}.`, `保留两位小数：${ans}。`),
  ];
  return {
    problem: `${problem}${lang === "en" ? " " : ""}${roundWords(lang, rng)}`,
    steps,
    answer: ans,
    check: { type: "value", expr, round: 2, constants: ["2", "2"] },
    key: `composite/${kind}`,
  };
}

export const geometry: CategoryGenerator = (rng, level: Level, lang): Draft => {
  let o: Out;
  if (level === 1)
    o = rng.chance(0.5) ? rectangle(rng, lang, 1) : rng.chance(0.5) ? square(rng, lang) : triangle(rng, lang);
  else if (level === 2)
    o = rng.pick([circle314, circle314, rightTriangle, trapezoid, (g: Rng, l: Lang) => rectangle(g, l, 2)])(rng, lang);
  else o = rng.chance(0.6) ? circlePi(rng, lang) : composite(rng, lang);
  return { problem: o.problem, steps: o.steps, answer: o.answer, check: o.check, template: `geometry/${o.key}` };
};
