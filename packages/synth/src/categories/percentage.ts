import { R, Rat, Retry, roundNum } from "../rat.js";
import type { Rng } from "../rng.js";
import { CURRENCIES_EN, type Lang, amount, money, name } from "../text.js";
import type { CategoryGenerator, Draft, Level } from "../types.js";
import { gcd } from "@mathtune/core/internal";

const ITEMS: Array<[string, string, string]> = [
  ["jacket", "夹克", "件"],
  ["bicycle", "自行车", "辆"],
  ["desk lamp", "台灯", "盏"],
  ["backpack", "书包", "个"],
  ["pair of running shoes", "运动鞋", "双"],
  ["laptop", "笔记本电脑", "台"],
  ["guitar", "吉他", "把"],
  ["tent", "帐篷", "顶"],
  ["coffee machine", "咖啡机", "台"],
  ["watch", "手表", "块"],
  ["office chair", "办公椅", "把"],
  ["camera", "相机", "台"],
  ["sofa", "沙发", "张"],
  ["board game", "桌游", "盒"],
  ["kettle", "电水壶", "个"],
  ["winter coat", "冬季大衣", "件"],
  ["tablet", "平板电脑", "台"],
  ["set of paints", "颜料", "套"],
  ["microwave", "微波炉", "台"],
  ["scooter", "滑板车", "辆"],
];
const SHOPS_EN = [
  "A shop",
  "A department store",
  "An online store",
  "A market stall",
  "A discount outlet",
  "A local store",
];
const SHOPS_ZH = ["一家商店", "一家百货商场", "一家网店", "一个市场摊位", "一家折扣店", "一家社区商店"];

const pct = (p: Rat): string => `${p.toString()}%`;
const say = (lang: Lang, en: string, zh: string): string => (lang === "en" ? en : zh);

function ctxMoney(rng: Rng, lang: Lang) {
  const cur = rng.pick(CURRENCIES_EN);
  const item = rng.pick(ITEMS);
  return {
    cur,
    item: lang === "en" ? item[0] : item[1],
    cl: item[2],
    one: `一${item[2]}${item[1]}`,
    shop: lang === "en" ? rng.pick(SHOPS_EN) : rng.pick(SHOPS_ZH),
    m: (r: Rat) => amount(r, lang, cur),
  };
}

/** Counting contexts where p% of N must be a whole number: a group, and what part of it. */
const COUNT_CTX: Array<{
  en: Array<[string, string, string]>;
  zh: Array<[string, string, string]>;
  total: { en: (n: string) => string; zh: (n: string) => string };
}> = [
  {
    total: { en: (n) => `A school has ${n} students`, zh: (n) => `一所学校有 ${n} 名学生` },
    en: [
      ["walk to school", "walk to school", "students"],
      ["cycle to school", "cycle to school", "students"],
      ["take the bus", "take the bus", "students"],
      ["play an instrument", "play an instrument", "students"],
      ["have a pet at home", "have a pet", "students"],
    ],
    zh: [
      ["步行上学", "步行上学的学生", "名"],
      ["骑车上学", "骑车上学的学生", "名"],
      ["坐校车", "坐校车的学生", "名"],
      ["会演奏乐器", "会演奏乐器的学生", "名"],
      ["家里养宠物", "家里养宠物的学生", "名"],
    ],
  },
  {
    total: { en: (n) => `An orchard has ${n} trees`, zh: (n) => `果园里有 ${n} 棵树` },
    en: [
      ["are apple trees", "apple trees", ""],
      ["are pear trees", "pear trees", ""],
      ["are plum trees", "plum trees", ""],
      ["are cherry trees", "cherry trees", ""],
    ],
    zh: [
      ["是苹果树", "苹果树", "棵"],
      ["是梨树", "梨树", "棵"],
      ["是李子树", "李子树", "棵"],
      ["是樱桃树", "樱桃树", "棵"],
    ],
  },
  {
    total: { en: (n) => `A survey asked ${n} people`, zh: (n) => `一项调查询问了 ${n} 个人` },
    en: [
      ["prefer tea to coffee", "prefer tea", "people"],
      ["own a bicycle", "own a bicycle", "people"],
      ["read the news online", "read the news online", "people"],
      ["work from home", "work from home", "people"],
    ],
    zh: [
      ["更喜欢喝茶", "更喜欢喝茶的人", "人"],
      ["有自行车", "有自行车的人", "人"],
      ["在网上看新闻", "在网上看新闻的人", "人"],
      ["在家办公", "在家办公的人", "人"],
    ],
  },
  {
    total: { en: (n) => `A bag holds ${n} marbles`, zh: (n) => `袋子里有 ${n} 颗弹珠` },
    en: [
      ["are red", "red marbles", ""],
      ["are blue", "blue marbles", ""],
      ["are green", "green marbles", ""],
      ["are striped", "striped marbles", ""],
    ],
    zh: [
      ["是红色的", "红色弹珠", "颗"],
      ["是蓝色的", "蓝色弹珠", "颗"],
      ["是绿色的", "绿色弹珠", "颗"],
      ["带条纹", "带条纹的弹珠", "颗"],
    ],
  },
  {
    total: { en: (n) => `A library has ${n} books`, zh: (n) => `图书馆有 ${n} 本书` },
    en: [
      ["are novels", "novels", ""],
      ["are picture books", "picture books", ""],
      ["were borrowed last month", "", "books"],
      ["are in a foreign language", "foreign-language books", ""],
    ],
    zh: [
      ["是小说", "小说", "本"],
      ["是绘本", "绘本", "本"],
      ["上个月被借出过", "被借出过的书", "本"],
      ["是外文书", "外文书", "本"],
    ],
  },
  {
    total: { en: (n) => `A factory made ${n} toys`, zh: (n) => `一家工厂生产了 ${n} 个玩具` },
    en: [
      ["failed the safety check", "", "toys"],
      ["were painted blue", "blue toys", ""],
      ["were sent abroad", "", "toys"],
    ],
    zh: [
      ["没有通过安全检查", "没通过检查的玩具", "个"],
      ["被涂成蓝色", "蓝色玩具", "个"],
      ["出口到国外", "出口的玩具", "个"],
    ],
  },
];

const COUNT_Q_EN = [
  (part: string, unit: string) => `How many ${unit ? `${unit} ${part}` : part}?`,
  (part: string, unit: string) =>
    `Find the number of ${unit ? `${unit} ${unit === "students" || unit === "people" ? "who" : "that"} ${part}` : part}.`,
];

const PLAIN_OF: Array<{ en: (n: string, p: string) => string; zh: (n: string, p: string) => string }> = [
  { en: (n, p) => `What is ${p} of ${n}?`, zh: (n, p) => `${n} 的 ${p} 是多少？` },
  { en: (n, p) => `Find ${p} of ${n}.`, zh: (n, p) => `求 ${n} 的 ${p}。` },
  { en: (n, p) => `Calculate ${p} of ${n}.`, zh: (n, p) => `计算 ${n} 的 ${p}。` },
  { en: (n, p) => `How much is ${p} of ${n}?`, zh: (n, p) => `${n} 的 ${p} 等于多少？` },
  { en: (n, p) => `Work out ${p} of ${n} exactly.`, zh: (n, p) => `算出 ${n} 的 ${p}，写出准确结果。` },
  { en: (n, p) => `Take ${p} of ${n}. What do you get?`, zh: (n, p) => `取 ${n} 的 ${p}，得多少？` },
];

function percentOf(rng: Rng, lang: Lang): Draft {
  const p = R(rng.pick([2, 4, 5, 8, 10, 12, 15, 20, 25, 30, 35, 40, 45, 55, 60, 65, 75, 80, 85, 90]));
  const counting = rng.chance(0.5);
  const unit = 100 / gcd(p.n, 100);
  const n = counting ? R(unit * rng.int(1, Math.max(2, Math.floor(2000 / unit)))) : R(rng.int(12, 2400));
  if (n.n < 10) throw new Retry("too small");
  const ans = n.mul(p).div(R(100));
  let problem: string;
  let key: string;
  if (counting) {
    const c = rng.int(0, COUNT_CTX.length - 1);
    const ctx = COUNT_CTX[c]!;
    const j = rng.int(0, ctx.en.length - 1);
    if (lang === "en") {
      const [verb, part, unit] = ctx.en[j]!;
      const q = rng.int(0, COUNT_Q_EN.length - 1);
      const head = ctx.total.en(n.toString());
      problem = rng.chance(0.5)
        ? `${head}, and ${pct(p)} of them ${verb}. ${COUNT_Q_EN[q]!(unit ? verb : part, unit)}`
        : `${head}. ${pct(p)} of them ${verb}. ${COUNT_Q_EN[q]!(unit ? verb : part, unit)}`;
      key = `ctx${c}-${j}-${q}-${problem.includes(", and") ? 1 : 0}`;
    } else {
      const [verb, part, cl] = ctx.zh[j]!;
      const q = rng.int(0, 1);
      problem = `${ctx.total.zh(n.toString())}，其中 ${pct(p)} ${verb}。${q === 0 ? `${part}有多少${cl}？` : `求${part}的数量。`}`;
      key = `ctx${c}-${j}-${q}`;
    }
  } else {
    const i = rng.int(0, PLAIN_OF.length - 1);
    problem = PLAIN_OF[i]![lang](n.toString(), pct(p));
    key = `plain${i}`;
  }
  const steps = [
    say(
      lang,
      `${pct(p)} means ${p} hundredths: $${n} \\times ${p} \\div 100 = ${ans.tex()}$.`,
      `${pct(p)} 就是百分之 ${p}：$${n} \\times ${p} \\div 100 = ${ans.tex()}$。`,
    ),
  ];
  return {
    problem,
    steps,
    answer: ans,
    check: { type: "value", expr: `${n}*${p}/100`, constants: ["100"] },
    template: `percentage/of/${key}`,
  };
}

function whatPercent(rng: Rng, lang: Lang): Draft {
  const p = Rat.of(
    rng.pick([50, 100, 125, 150, 200, 250, 300, 375, 400, 450, 500, 600, 625, 700, 750, 800, 875, 900, 950]),
    10,
  );
  // The whole is a multiple of the smallest b for which b * p / 100 is whole.
  const step = R(100).div(p).n;
  const b = R(step * rng.int(1, Math.max(1, Math.floor(400 / step))));
  const a = b.mul(p).div(R(100));
  if (!a.isInt() || a.n < 1 || b.n < 4) throw new Retry("not whole");
  const who = name(rng, lang);
  const forms: Array<{ en: string; zh: string }> = [
    { en: `What percent of ${b} is ${a}?`, zh: `${a} 是 ${b} 的百分之几？` },
    { en: `${a} is what percentage of ${b}?`, zh: `${a} 占 ${b} 的百分之多少？` },
    {
      en: `${who} answered ${a} of ${b} quiz questions correctly. What percentage of the questions did ${who} get right?`,
      zh: `${who}在测验的 ${b} 道题中答对了 ${a} 道。答对的题目占百分之几？`,
    },
    {
      en: `A basket holds ${b} pieces of fruit, ${a} of which are oranges. What percentage of the fruit are oranges?`,
      zh: `篮子里有 ${b} 个水果，其中 ${a} 个是橙子。橙子占水果总数的百分之几？`,
    },
    {
      en: `${who} has read ${a} pages of a ${b}-page book. What percentage of the book has ${who} read?`,
      zh: `一本书共 ${b} 页，${who}已经读了 ${a} 页。读了全书的百分之几？`,
    },
    { en: `Express ${a} out of ${b} as a percentage.`, zh: `把 ${b} 中的 ${a} 用百分数表示。` },
    {
      en: `In a class of ${b} pupils, ${a} wear glasses. What percentage of the class wear glasses?`,
      zh: `一个班有 ${b} 名学生，其中 ${a} 名戴眼镜。戴眼镜的学生占全班的百分之几？`,
    },
    {
      en: `A team won ${a} of its ${b} matches this season. What percentage of its matches did it win?`,
      zh: `一支球队本赛季打了 ${b} 场比赛，赢了 ${a} 场。胜率是百分之几？`,
    },
    {
      en: `${who} scored ${a} points out of a possible ${b}. What is that as a percentage?`,
      zh: `${who}在满分 ${b} 分的考试中得了 ${a} 分。得分率是百分之几？`,
    },
    {
      en: `Of ${b} seeds planted in a garden, ${a} came up. What percentage of the seeds came up?`,
      zh: `花园里种了 ${b} 粒种子，出苗 ${a} 粒。出苗率是百分之几？`,
    },
  ];
  const i = rng.int(0, forms.length - 1);
  const problem = say(lang, forms[i]!.en, forms[i]!.zh);
  const steps = [
    say(
      lang,
      `Divide the part by the whole and multiply by 100: $${a} \\div ${b} \\times 100 = ${p.tex()}$.`,
      `用部分除以整体再乘以 100：$${a} \\div ${b} \\times 100 = ${p.tex()}$。`,
    ),
    say(lang, `So it is ${pct(p)}.`, `所以是 ${pct(p)}。`),
  ];
  return {
    problem,
    steps,
    answer: p,
    check: { type: "value", expr: `${a}/${b}*100`, constants: ["100"] },
    template: `percentage/what/${i}`,
  };
}

function price(rng: Rng): Rat {
  return rng.chance(0.7) ? R(rng.int(12, 900)) : Rat.of(rng.int(1000, 60000), 100);
}

function salePrice(rng: Rng, lang: Lang): Draft {
  const c = ctxMoney(rng, lang);
  const p = price(rng);
  const d = R(rng.pick([5, 10, 15, 20, 25, 30, 35, 40, 50, 60, 70]));
  const off = p.mul(d).div(R(100));
  const sale = p.sub(off);
  const round = off.places() > 2;
  const ans = round ? roundNum(sale.toNumber(), 2) : sale;
  const who = name(rng, lang);
  const forms: Array<{ en: string; zh: string }> = [
    {
      en: `${c.shop} sells ${article(c.item)} for ${c.m(p)}. It is on sale at ${pct(d)} off. What is the sale price?`,
      zh: `${c.shop}的${c.one}售价 ${c.m(p)}，现在打折优惠 ${pct(d)}。折后价是多少元？`,
    },
    {
      en: `${article(c.item, true)} costs ${c.m(p)}. During a sale the price is cut by ${pct(d)}. How much does it cost in the sale?`,
      zh: `${c.one}原价 ${c.m(p)}，促销时降价 ${pct(d)}。促销价是多少元？`,
    },
    {
      en: `${who} wants ${article(c.item)} priced at ${c.m(p)}. With a ${pct(d)} discount, how much will ${who} pay?`,
      zh: `${who}想买一${c.cl}标价 ${c.m(p)} 的${c.item}，可以享受 ${pct(d)} 的折扣。${who}需要付多少元？`,
    },
    {
      en: `The price of ${article(c.item)} is ${c.m(p)}. What is the price after a ${pct(d)} reduction?`,
      zh: `${c.item}的价格是 ${c.m(p)}，降价 ${pct(d)} 后是多少元？`,
    },
  ];
  const i = rng.int(0, forms.length - 1);
  const problem =
    say(lang, forms[i]!.en, forms[i]!.zh) +
    (round ? say(lang, " Round to two decimal places.", "结果保留两位小数。") : "");
  const steps = [
    say(
      lang,
      `The discount is $${p.tex()} \\times ${d} \\div 100 = ${off.tex()}$.`,
      `优惠金额：$${p.tex()} \\times ${d} \\div 100 = ${off.tex()}$。`,
    ),
    say(
      lang,
      `The sale price is $${p.tex()} - ${off.tex()} = ${sale.tex()}$${round ? `, or ${money(ans)} to two decimal places` : ""}.`,
      `折后价：$${p.tex()} - ${off.tex()} = ${sale.tex()}$${round ? `，保留两位小数为 ${money(ans)}` : ""}。`,
    ),
  ];
  return {
    problem,
    steps,
    answer: ans,
    check: { type: "value", expr: `${p}-${p}*${d}/100`, constants: ["100"], ...(round ? { round: 2 } : {}) },
    template: `percentage/sale/${i}`,
  };
}

function article(item: string, cap = false): string {
  const a = /^[aeiou]/.test(item) ? "an" : "a";
  return `${cap ? a[0]!.toUpperCase() + a.slice(1) : a} ${item}`;
}

function withTax(rng: Rng, lang: Lang): Draft {
  const c = ctxMoney(rng, lang);
  const p = price(rng);
  const t = Rat.dec(rng.pick(["5", "6", "7", "7.5", "8", "9", "10", "12", "13", "15", "20"]));
  const tax = p.mul(t).div(R(100));
  const total = p.add(tax);
  const round = total.places() > 2;
  const ans = round ? roundNum(total.toNumber(), 2) : total;
  const forms: Array<{ en: string; zh: string }> = [
    {
      en: `${article(c.item, true)} costs ${c.m(p)} before tax. Sales tax is ${pct(t)}. What is the total price?`,
      zh: `${c.one}税前价格是 ${c.m(p)}，税率是 ${pct(t)}。含税总价是多少元？`,
    },
    {
      en: `${c.shop} adds ${pct(t)} tax to every price. How much do you pay for ${article(c.item)} marked ${c.m(p)}?`,
      zh: `${c.shop}在所有标价上加收 ${pct(t)} 的税。标价 ${c.m(p)} 的${c.item}实际要付多少元？`,
    },
    {
      en: `The marked price of ${article(c.item)} is ${c.m(p)}, and ${pct(t)} tax is added at the till. What is the final cost?`,
      zh: `${c.item}标价 ${c.m(p)}，结账时另加 ${pct(t)} 的税。最终花费是多少元？`,
    },
  ];
  const i = rng.int(0, forms.length - 1);
  const problem =
    say(lang, forms[i]!.en, forms[i]!.zh) +
    (round ? say(lang, " Round to two decimal places.", "结果保留两位小数。") : "");
  const steps = [
    say(
      lang,
      `The tax is $${p.tex()} \\times ${t.tex()} \\div 100 = ${tax.tex()}$.`,
      `税额：$${p.tex()} \\times ${t.tex()} \\div 100 = ${tax.tex()}$。`,
    ),
    say(
      lang,
      `The total is $${p.tex()} + ${tax.tex()} = ${total.tex()}$${round ? `, or ${money(ans)} to two decimal places` : ""}.`,
      `总价：$${p.tex()} + ${tax.tex()} = ${total.tex()}$${round ? `，保留两位小数为 ${money(ans)}` : ""}。`,
    ),
  ];
  return {
    problem,
    steps,
    answer: ans,
    check: { type: "value", expr: `${p}+${p}*${t}/100`, constants: ["100"], ...(round ? { round: 2 } : {}) },
    template: `percentage/tax/${i}`,
  };
}

function percentChange(rng: Rng, lang: Lang): Draft {
  const a = R(rng.int(20, 2000));
  let b: Rat;
  let exact = rng.chance(0.5);
  if (exact) {
    const p = R(rng.pick([-60, -50, -40, -25, -20, -15, -10, -5, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150]));
    b = a.mul(R(100).add(p)).div(R(100));
    if (!b.isInt()) throw new Retry("not whole");
  } else {
    b = R(Math.max(1, a.n + rng.int(-Math.floor(a.n * 0.6), Math.floor(a.n * 0.8))));
    if (b.eq(a)) throw new Retry("no change");
  }
  const up = b.cmp(a) > 0;
  const diff = up ? b.sub(a) : a.sub(b);
  const change = diff.div(a).mul(R(100));
  exact = change.places() >= 0 && change.places() <= 1;
  const ans = exact ? change : roundNum(change.toNumber(), 1);
  const what = rng.int(0, 3);
  const w = [
    { en: `The price of a train ticket changed from ${a} to ${b} cents.`, zh: `火车票价从 ${a} 分变成了 ${b} 分。` },
    { en: `A town's population went from ${a} to ${b}.`, zh: `一个小镇的人口从 ${a} 人变成了 ${b} 人。` },
    {
      en: `A website had ${a} visitors on Monday and ${b} on Tuesday.`,
      zh: `一个网站周一有 ${a} 位访客，周二有 ${b} 位。`,
    },
    { en: `A value changes from ${a} to ${b}.`, zh: `一个数从 ${a} 变为 ${b}。` },
  ][what]!;
  const q = up
    ? say(lang, "By what percentage did it increase?", "增加了百分之几？")
    : say(lang, "By what percentage did it decrease?", "减少了百分之几？");
  const problem = `${say(lang, w.en, w.zh)}${lang === "en" ? " " : ""}${q}${exact ? "" : say(lang, " Round to one decimal place.", "结果保留一位小数。")}`;
  const steps = [
    say(
      lang,
      `The change is $${up ? `${b} - ${a}` : `${a} - ${b}`} = ${diff}$.`,
      `变化量：$${up ? `${b} - ${a}` : `${a} - ${b}`} = ${diff}$。`,
    ),
    say(
      lang,
      `Divide by the original value and multiply by 100: $${diff} \\div ${a} \\times 100 ${exact ? "=" : "\\approx"} ${exact ? change.tex() : roundNum(change.toNumber(), 4).tex()}$${exact ? "" : `, which is ${ans} to one decimal place`}.`,
      `除以原来的数再乘以 100：$${diff} \\div ${a} \\times 100 ${exact ? "=" : "\\approx"} ${exact ? change.tex() : roundNum(change.toNumber(), 4).tex()}$${exact ? "" : `，保留一位小数为 ${ans}`}。`,
    ),
    say(lang, `So it ${up ? "increased" : "decreased"} by ${pct(ans)}.`, `所以${up ? "增加" : "减少"}了 ${pct(ans)}。`),
  ];
  return {
    problem,
    steps,
    answer: ans,
    check: {
      type: "value",
      expr: up ? `(${b}-${a})/${a}*100` : `(${a}-${b})/${a}*100`,
      constants: ["100"],
      ...(exact ? {} : { round: 1 }),
    },
    template: `percentage/change/${what}/${up ? "up" : "down"}`,
  };
}

function successive(rng: Rng, lang: Lang): Draft {
  const c = ctxMoney(rng, lang);
  const p = price(rng);
  const [d1, d2] = rng.pickTwo([10, 15, 20, 25, 30, 40, 50]).map((x) => R(x)) as [Rat, Rat];
  const single = rng.chance(0.35);
  const after1 = p.mul(R(100).sub(d1)).div(R(100));
  const after2 = after1.mul(R(100).sub(d2)).div(R(100));
  const equiv = R(100).sub(R(100).sub(d1).mul(R(100).sub(d2)).div(R(100)));
  if (single) {
    const problem = say(
      lang,
      rng.pick([
        `${c.shop} takes ${pct(d1)} off all prices, and then a further ${pct(d2)} off the reduced price. What single percentage discount is this equivalent to?`,
        `A price is reduced by ${pct(d1)} and the new price is then reduced by ${pct(d2)}. By what percentage has the original price been reduced in total?`,
      ]),
      rng.pick([
        `${c.shop}先全场打折 ${pct(d1)}，再在折后价的基础上优惠 ${pct(d2)}。这相当于一次性优惠百分之几？`,
        `一个价格先降低 ${pct(d1)}，然后在新价格上再降低 ${pct(d2)}。总共降低了百分之几？`,
      ]),
    );
    const k1 = R(100).sub(d1);
    const k2 = R(100).sub(d2);
    const keep = k1.mul(k2).div(R(100));
    const steps = [
      say(
        lang,
        `After the first discount ${k1}% of the price is left; after the second, $${k1} \\times ${k2} \\div 100 = ${keep.tex()}$ percent is left.`,
        `第一次打折后剩下原价的 ${k1}%；第二次后剩下 $${k1} \\times ${k2} \\div 100 = ${keep.tex()}$%。`,
      ),
      say(
        lang,
        `The total reduction is $100 - ${keep.tex()} = ${equiv.tex()}$ percent.`,
        `总共降低了 $100 - ${keep.tex()} = ${equiv.tex()}$%。`,
      ),
    ];
    return {
      problem,
      steps,
      answer: equiv,
      check: { type: "value", expr: `100-(100-${d1})*(100-${d2})/100`, constants: ["100", "100", "100", "100"] },
      template: `percentage/successive-single/${problem.length % 2}`,
    };
  }
  const round = after2.places() > 2;
  const ans = round ? roundNum(after2.toNumber(), 2) : after2;
  const forms = [
    {
      en: `${article(c.item, true)} costs ${c.m(p)}. It is discounted by ${pct(d1)}, and then the sale price is cut by another ${pct(d2)}. What is the final price?`,
      zh: `${c.one}原价 ${c.m(p)}，先打折 ${pct(d1)}，然后在折后价上再降 ${pct(d2)}。最终价格是多少元？`,
    },
    {
      en: `${c.shop} marks down ${article(c.item)} from ${c.m(p)} by ${pct(d1)}. A week later it takes a further ${pct(d2)} off the new price. How much does the ${c.item} cost now?`,
      zh: `${c.shop}把${c.one.slice(0, 2)}原价 ${c.m(p)} 的${c.item}降价 ${pct(d1)}，一周后又在新价格上降价 ${pct(d2)}。现在这${c.cl}${c.item}多少元？`,
    },
  ];
  const i = rng.int(0, forms.length - 1);
  const problem =
    say(lang, forms[i]!.en, forms[i]!.zh) +
    (round ? say(lang, " Round to two decimal places.", "结果保留两位小数。") : "");
  const steps = [
    say(
      lang,
      `After the first discount: $${p.tex()} \\times \\frac{${R(100).sub(d1)}}{100} = ${after1.tex()}$.`,
      `第一次打折后：$${p.tex()} \\times \\frac{${R(100).sub(d1)}}{100} = ${after1.tex()}$。`,
    ),
    say(
      lang,
      `After the second discount: $${after1.tex()} \\times \\frac{${R(100).sub(d2)}}{100} = ${after2.tex()}$${round ? `, or ${money(ans)} to two decimal places` : ""}.`,
      `第二次打折后：$${after1.tex()} \\times \\frac{${R(100).sub(d2)}}{100} = ${after2.tex()}$${round ? `，保留两位小数为 ${money(ans)}` : ""}。`,
    ),
  ];
  return {
    problem,
    steps,
    answer: ans,
    check: {
      type: "value",
      expr: `${p}*(100-${d1})/100*(100-${d2})/100`,
      constants: ["100", "100", "100", "100"],
      ...(round ? { round: 2 } : {}),
    },
    template: `percentage/successive/${i}`,
  };
}

function reverse(rng: Rng, lang: Lang): Draft {
  const c = ctxMoney(rng, lang);
  const p = price(rng);
  const tax = rng.chance(0.4);
  const r = R(rng.pick(tax ? [5, 8, 10, 15, 20, 25] : [10, 15, 20, 25, 30, 40, 50, 60]));
  const factor = tax ? R(100).add(r) : R(100).sub(r);
  const shown = p.mul(factor).div(R(100));
  if (shown.places() > 2 || shown.places() < 0) throw new Retry("price not in cents");
  const problem = tax
    ? say(
        lang,
        `After ${pct(r)} tax is added, ${article(c.item)} costs ${c.m(shown)}. What was the price before tax?`,
        `${c.one}加上 ${pct(r)} 的税后是 ${c.m(shown)}，税前价格是多少元？`,
      )
    : say(
        lang,
        rng.pick([
          `In a ${pct(r)} off sale, ${article(c.item)} costs ${c.m(shown)}. What was the original price?`,
          `${c.shop} sells ${article(c.item)} for ${c.m(shown)} after a ${pct(r)} discount. What did it cost before the discount?`,
        ]),
        rng.pick([
          `商品打折 ${pct(r)} 后，${c.one}卖 ${c.m(shown)}。原价是多少元？`,
          `${c.shop}的${c.item}优惠 ${pct(r)} 后售价 ${c.m(shown)}，优惠前的价格是多少元？`,
        ]),
      );
  const steps = [
    say(
      lang,
      `The price paid is ${tax ? `$100 + ${r} = ${factor}$` : `$100 - ${r} = ${factor}$`} percent of the original price.`,
      `现价是原价的 ${tax ? `$100 + ${r} = ${factor}$` : `$100 - ${r} = ${factor}$`}%。`,
    ),
    say(
      lang,
      `So the original price is $${shown.tex()} \\div ${factor} \\times 100 = ${p.tex()}$.`,
      `所以原价是 $${shown.tex()} \\div ${factor} \\times 100 = ${p.tex()}$。`,
    ),
  ];
  return {
    problem,
    steps,
    answer: p,
    check: {
      type: "value",
      expr: tax ? `${shown}/(100+${r})*100` : `${shown}/(100-${r})*100`,
      constants: ["100", "100"],
    },
    template: `percentage/reverse/${tax ? "tax" : "sale"}/${problem.length % 3}`,
  };
}

function compound(rng: Rng, lang: Lang): Draft {
  const c = ctxMoney(rng, lang);
  const p = R(rng.int(5, 200) * 50);
  const r = R(rng.pick([2, 3, 4, 5, 6, 8, 10]));
  const n = rng.int(2, 3);
  const who = name(rng, lang);
  const values: Rat[] = [p];
  for (let i = 0; i < n; i++) values.push(values[i]!.mul(R(100).add(r)).div(R(100)));
  const final = values[n]!;
  const round = final.places() > 2;
  const ans = round ? roundNum(final.toNumber(), 2) : final;
  const where =
    lang === "en"
      ? rng.pick(["a savings account", "a bank deposit", "a building society account", "a savings bond"])
      : rng.pick(["储蓄账户", "银行定期存款", "理财账户", "教育储蓄"]);
  const problem = say(
    lang,
    rng.pick([
      `${who} puts ${c.m(p)} in ${where} that pays ${pct(r)} interest per year, added at the end of each year. How much is in the account after ${n} years?`,
      `${who} invests ${c.m(p)} in ${where} at ${pct(r)} a year, compounded yearly. What is it worth after ${n} years?`,
      `${c.m(p)} is left in ${where} for ${n} years. Interest of ${pct(r)} is added at the end of every year, including on earlier interest. What is the final amount?`,
    ]) + (round ? " Round to two decimal places." : ""),
    rng.pick([
      `${who}把 ${c.m(p)} 存入${where}，年利率为 ${pct(r)}，利息每年年底计入本金（复利）。${n} 年后有多少元？`,
      `${who}用 ${c.m(p)} 购买了${where}，年利率 ${pct(r)}，按年复利计算。${n} 年后本息合计多少元？`,
      `把 ${c.m(p)} 放在${where}里 ${n} 年，每年年底按 ${pct(r)} 计息，利息也计入本金。最后一共有多少元？`,
    ]) + (round ? "结果保留两位小数。" : ""),
  );
  const steps = values
    .slice(1)
    .map((v, i) =>
      say(
        lang,
        `After year ${i + 1}: $${values[i]!.tex()} \\times ${R(100).add(r).div(R(100)).tex()} = ${v.tex()}$.`,
        `第 ${i + 1} 年后：$${values[i]!.tex()} \\times ${R(100).add(r).div(R(100)).tex()} = ${v.tex()}$。`,
      ),
    );
  if (round) steps.push(say(lang, `Rounded to two decimal places: ${money(ans)}.`, `保留两位小数：${money(ans)}。`));
  return {
    problem,
    steps,
    answer: ans,
    check: { type: "value", expr: `${p}*(1+${r}/100)^${n}`, constants: ["1", "100"], ...(round ? { round: 2 } : {}) },
    template: `percentage/compound`,
  };
}

export const percentage: CategoryGenerator = (rng, level: Level, lang): Draft => {
  if (level === 1) return rng.chance(0.6) ? percentOf(rng, lang) : whatPercent(rng, lang);
  if (level === 2) return rng.pick([salePrice, withTax, percentChange])(rng, lang);
  return rng.pick([successive, reverse, compound])(rng, lang);
};
