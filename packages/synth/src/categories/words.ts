import { R, type Rat, Retry } from "../rat.js";
import type { Rng } from "../rng.js";
import { CURRENCIES_EN, type Lang, name, twoNames } from "../text.js";
import type { CategoryGenerator, Draft, Level } from "../types.js";

/** A quantity: its exact value and the ASCII expression it came from (for the verifier). */
interface Q {
  v: Rat;
  a: string;
}
type Op = "+" | "-" | "*" | "/";
const TEX: Record<Op, string> = { "+": "+", "-": "-", "*": "\\times", "/": "\\div" };

const lit = (n: number): Q => ({ v: R(n), a: String(n) });

/** Writes the solution one computed operation at a time; every intermediate must be a positive whole number. */
class Work {
  readonly steps: string[] = [];
  constructor(readonly lang: Lang) {}

  op(en: string, zh: string, x: Q, o: Op, y: Q, unitEn = "", unitZh = ""): Q {
    const v = o === "+" ? x.v.add(y.v) : o === "-" ? x.v.sub(y.v) : o === "*" ? x.v.mul(y.v) : x.v.div(y.v);
    if (!v.isInt() || v.sign() <= 0) throw new Retry("intermediate not a positive whole number");
    const tex = `${x.v} ${TEX[o]} ${y.v} = ${v}`;
    this.steps.push(
      this.lang === "en" ? `${en}: $${tex}$${unitEn ? ` ${unitEn}` : ""}.` : `${zh}：$${tex}$${unitZh}。`,
    );
    return { v, a: `(${x.a} ${o} ${y.a})` };
  }
}

interface Scene {
  problem: string;
  steps: string[];
  res: Q;
  constants?: string[];
  key: string;
}

const pick = <T>(rng: Rng, en: T[], zh: T[], lang: Lang): [T, number] => {
  const list = lang === "en" ? en : zh;
  const i = rng.int(0, list.length - 1);
  return [list[i]!, i];
};

const join = (lang: Lang, parts: string[]): string => parts.filter(Boolean).join(lang === "en" ? " " : "");

// ---- shopping --------------------------------------------------------------------------------

const GOODS: Array<{ en: string; one: string; zh: string; cl: string; lo: number; hi: number }> = [
  { en: "notebooks", one: "notebook", zh: "笔记本", cl: "本", lo: 2, hi: 9 },
  { en: "pens", one: "pen", zh: "钢笔", cl: "支", lo: 2, hi: 6 },
  { en: "sandwiches", one: "sandwich", zh: "三明治", cl: "个", lo: 3, hi: 9 },
  { en: "cinema tickets", one: "cinema ticket", zh: "电影票", cl: "张", lo: 6, hi: 15 },
  { en: "paperback books", one: "paperback book", zh: "平装书", cl: "本", lo: 8, hi: 25 },
  { en: "T-shirts", one: "T-shirt", zh: "T恤", cl: "件", lo: 8, hi: 25 },
  { en: "toy cars", one: "toy car", zh: "玩具车", cl: "辆", lo: 3, hi: 15 },
  { en: "cupcakes", one: "cupcake", zh: "纸杯蛋糕", cl: "个", lo: 2, hi: 6 },
  { en: "potted plants", one: "potted plant", zh: "盆栽", cl: "盆", lo: 4, hi: 20 },
  { en: "bottles of water", one: "bottle of water", zh: "瓶装水", cl: "瓶", lo: 1, hi: 4 },
  { en: "comic books", one: "comic book", zh: "漫画书", cl: "本", lo: 3, hi: 12 },
  { en: "tennis balls", one: "tennis ball", zh: "网球", cl: "个", lo: 2, hi: 5 },
];

function shopping(rng: Rng, lang: Lang, level: Level): Scene {
  const who = name(rng, lang);
  const cur = rng.pick(CURRENCIES_EN);
  const m = lang === "en" ? cur : "元";
  const [g1, g2] = rng.pickTwo(GOODS);
  const n1 = rng.int(2, 9);
  const p1 = rng.int(g1.lo, g1.hi);
  const n2 = rng.int(2, 9);
  const p2 = rng.int(g2.lo, g2.hi);
  const w = new Work(lang);
  const [buy1] = pick(
    rng,
    [
      `${who} buys ${n1} ${g1.en} at ${p1} ${cur} each`,
      `${who} buys ${n1} ${g1.en} that cost ${p1} ${cur} apiece`,
      `At the market, ${who} picks up ${n1} ${g1.en} for ${p1} ${cur} each`,
    ],
    [
      `${who}买了 ${n1} ${g1.cl}${g1.zh}，每${g1.cl} ${p1} 元`,
      `${who}以每${g1.cl} ${p1} 元的价格买了 ${n1} ${g1.cl}${g1.zh}`,
      `${who}在集市上买了 ${n1} ${g1.cl}${g1.zh}，单价 ${p1} 元`,
    ],
    lang,
  );
  const c1 = w.op(`Cost of the ${g1.en}`, `${g1.zh}的花费`, lit(n1), "*", lit(p1), m, m);
  let total = c1;
  let text: string;
  let key = "1";
  if (level === 1) {
    const bill = (Math.floor(c1.v.n / 10) + rng.int(1, 5)) * 10;
    const [q] = pick(
      rng,
      [
        `and pays with a ${bill}-${cur.replace(/s$/, "")} note. How much change does ${who} get?`,
        `and hands over ${bill} ${cur}. How much money does ${who} get back?`,
      ],
      [`，付了 ${bill} 元。应找回多少元？`, `，给了收银员 ${bill} 元。能找回多少元？`],
      lang,
    );
    text = lang === "en" ? `${buy1} ${q}` : `${buy1}${q}`;
    total = w.op("Change", "找回的钱", lit(bill), "-", c1, m, m);
    key = "change";
  } else {
    const c2 = w.op(`Cost of the ${g2.en}`, `${g2.zh}的花费`, lit(n2), "*", lit(p2), m, m);
    total = w.op("Total cost", "一共花费", c1, "+", c2, m, m);
    const buy2 =
      lang === "en"
        ? ` and ${n2} ${g2.en} at ${p2} ${cur} each.`
        : `，又买了 ${n2} ${g2.cl}${g2.zh}，每${g2.cl} ${p2} 元。`;
    if (level === 2) {
      const [q, i] = pick(
        rng,
        [
          `How much does ${who} spend altogether?`,
          `What is the total cost?`,
          `How much money does ${who} spend in all?`,
        ],
        [`${who}一共花了多少元？`, `总共需要多少元？`, `${who}共花费多少元？`],
        lang,
      );
      text = join(lang, [buy1 + buy2, q]);
      key = `total${i}`;
    } else if (rng.chance(0.5)) {
      const bill = (Math.floor(total.v.n / 50) + rng.int(1, 3)) * 50;
      const [q, i] = pick(
        rng,
        [
          `${who} pays with ${bill} ${cur}. How much change should ${who} receive?`,
          `If ${who} hands the cashier ${bill} ${cur}, how much change is due?`,
        ],
        [`${who}付了 ${bill} 元，应找回多少元？`, `如果${who}给收银员 ${bill} 元，应该找回多少元？`],
        lang,
      );
      text = join(lang, [buy1 + buy2, q]);
      total = w.op("Change", "找回的钱", lit(bill), "-", total, m, m);
      key = `change2-${i}`;
    } else {
      const off = rng.int(2, Math.max(3, Math.floor(total.v.n / 3)));
      const people = rng.int(2, 5);
      const [q, i] = pick(
        rng,
        [
          `A coupon takes ${off} ${cur} off the total, and the ${people} people in ${who}'s group split the rest equally. How much does each person pay?`,
          `After a ${off}-${cur.replace(/s$/, "")} discount, the bill is shared equally by ${people} people. What is each share?`,
        ],
        [
          `用一张优惠券减去 ${off} 元后，${who}这一组 ${people} 个人平均分摊剩下的钱。每人付多少元？`,
          `优惠 ${off} 元后，账单由 ${people} 个人平均分摊。每人要付多少元？`,
        ],
        lang,
      );
      text = join(lang, [buy1 + buy2, q]);
      const after = w.op("After the coupon", "用优惠券后", total, "-", lit(off), m, m);
      total = w.op("Each person pays", "每人付", after, "/", lit(people), m, m);
      return { problem: text, steps: w.steps, res: total, key: `coupon${i}` };
    }
  }
  return { problem: text, steps: w.steps, res: total, key };
}

// ---- baking ----------------------------------------------------------------------------------

const BAKES = [
  { en: "cookies", zh: "饼干", cl: "块" },
  { en: "muffins", zh: "松饼", cl: "个" },
  { en: "bread rolls", zh: "面包卷", cl: "个" },
  { en: "dumplings", zh: "饺子", cl: "个" },
  { en: "tarts", zh: "蛋挞", cl: "个" },
];

function baking(rng: Rng, lang: Lang, level: Level): Scene {
  const who = name(rng, lang);
  const b = rng.pick(BAKES);
  const trays = rng.int(2, 8);
  const per = rng.int(6, 24);
  const w = new Work(lang);
  const made = w.op(`${b.en[0]!.toUpperCase()}${b.en.slice(1)} made`, `做好的${b.zh}`, lit(trays), "*", lit(per));
  const gone = rng.int(1, Math.max(2, Math.floor(made.v.n / 4)));
  const [open, oi] = pick(
    rng,
    [
      `${who} bakes ${trays} trays of ${b.en} with ${per} on each tray.`,
      `${who} makes ${trays} batches of ${b.en}, and each batch has ${per}.`,
      `For a school fair, ${who} bakes ${trays} trays of ${b.en}, ${per} per tray.`,
    ],
    [
      `${who}烤了 ${trays} 盘${b.zh}，每盘 ${per} ${b.cl}。`,
      `${who}做了 ${trays} 批${b.zh}，每批 ${per} ${b.cl}。`,
      `为了学校义卖，${who}烤了 ${trays} 盘${b.zh}，每盘 ${per} ${b.cl}。`,
    ],
    lang,
  );
  const eaten =
    lang === "en"
      ? rng.pick([
          `The family eats ${gone} of them.`,
          `${gone} of them are given to the neighbours.`,
          `${gone} of them break and are thrown away.`,
        ])
      : rng.pick([
          `家人吃掉了 ${gone} ${b.cl}。`,
          `送给邻居 ${gone} ${b.cl}。`,
          `有 ${gone} ${b.cl}烤坏了，只好扔掉。`,
        ]);
  const left = w.op("Left", "剩下", made, "-", lit(gone));
  if (level === 1) {
    const q =
      lang === "en"
        ? rng.pick([`How many ${b.en} are left?`, `How many ${b.en} remain?`])
        : rng.pick([`还剩多少${b.cl}${b.zh}？`, `剩下的${b.zh}有多少${b.cl}？`]);
    return { problem: join(lang, [open, eaten, q]), steps: w.steps, res: left, key: `bake1-${oi}` };
  }
  const box = rng.pick([2, 3, 4, 5, 6, 8, 10, 12].filter((k) => left.v.n % k === 0 && left.v.n / k >= 2));
  if (box === undefined) throw new Retry("no box size divides");
  const pack = lang === "en" ? `The rest are packed into boxes of ${box}.` : `剩下的每 ${box} ${b.cl}装一盒。`;
  const boxes = w.op("Boxes", "盒数", left, "/", lit(box));
  if (level === 2) {
    const q =
      lang === "en"
        ? rng.pick(["How many boxes are filled?", "How many full boxes are there?"])
        : rng.pick(["能装满多少盒？", "一共装了多少盒？"]);
    return { problem: join(lang, [open, eaten, pack, q]), steps: w.steps, res: boxes, key: `bake2-${oi}` };
  }
  const price = rng.int(3, 15);
  const cur = rng.pick(CURRENCIES_EN);
  const m = lang === "en" ? cur : "元";
  const income = w.op("Money from the boxes", "卖盒子的收入", boxes, "*", lit(price), m, m);
  if (rng.chance(0.5)) {
    const q =
      lang === "en"
        ? rng.pick([
            `Each box sells for ${price} ${cur}. How much money does ${who} collect?`,
            `${who} sells every box for ${price} ${cur}. How much is made from the boxes?`,
            `If each box is sold at ${price} ${cur}, what is the total income?`,
          ])
        : rng.pick([
            `每盒卖 ${price} 元。${who}一共收入多少元？`,
            `${who}每盒卖 ${price} 元，卖完能收入多少元？`,
            `如果每盒售价 ${price} 元，总收入是多少元？`,
          ]);
    return { problem: join(lang, [open, eaten, pack, q]), steps: w.steps, res: income, key: `bake3-${oi}` };
  }
  const cost = rng.int(5, Math.max(6, income.v.n - 1));
  const q =
    lang === "en"
      ? rng.pick([
          `Each box sells for ${price} ${cur}, and the ingredients cost ${cost} ${cur}. What is the profit?`,
          `The ingredients cost ${cost} ${cur}, and every box is sold for ${price} ${cur}. How much profit does ${who} make?`,
        ])
      : rng.pick([
          `每盒卖 ${price} 元，原料花了 ${cost} 元。利润是多少元？`,
          `原料一共花了 ${cost} 元，每盒卖 ${price} 元。${who}赚了多少元？`,
        ]);
  const profit = w.op("Profit", "利润", income, "-", lit(cost), m, m);
  return { problem: join(lang, [open, eaten, pack, q]), steps: w.steps, res: profit, key: `bake4-${oi}` };
}

// ---- savings ---------------------------------------------------------------------------------

function savings(rng: Rng, lang: Lang, level: Level): Scene {
  const who = name(rng, lang);
  const cur = rng.pick(CURRENCIES_EN);
  const m = lang === "en" ? cur : "元";
  const start = rng.int(5, 200);
  const per = rng.int(3, 40);
  const weeks = rng.int(3, 20);
  const w = new Work(lang);
  const [open, oi] = pick(
    rng,
    [
      `${who} has ${start} ${cur} and saves ${per} ${cur} every week for ${weeks} weeks.`,
      `${who} already has ${start} ${cur} in a piggy bank. For the next ${weeks} weeks, ${who} adds ${per} ${cur} each week.`,
      `${who} starts with ${start} ${cur} of savings and puts away ${per} ${cur} a week for ${weeks} weeks.`,
    ],
    [
      `${who}有 ${start} 元，之后 ${weeks} 周每周存 ${per} 元。`,
      `${who}的存钱罐里已经有 ${start} 元，接下来 ${weeks} 周每周再存入 ${per} 元。`,
      `${who}原有积蓄 ${start} 元，连续 ${weeks} 周每周存 ${per} 元。`,
    ],
    lang,
  );
  const saved = w.op("Saved over the weeks", "这几周存的钱", lit(per), "*", lit(weeks), m, m);
  const total = w.op("Total", "总共", lit(start), "+", saved, m, m);
  if (level === 1) {
    const q =
      lang === "en"
        ? rng.pick([`How much money does ${who} have at the end?`, `How much has ${who} got after the ${weeks} weeks?`])
        : rng.pick([`最后${who}有多少元？`, `${weeks} 周后${who}一共有多少元？`]);
    return { problem: join(lang, [open, q]), steps: w.steps, res: total, key: `save1-${oi}` };
  }
  const spend = rng.int(5, total.v.n - 5);
  const thing =
    lang === "en"
      ? rng.pick(["a bike helmet", "a video game", "concert tickets", "a new pair of trainers", "a telescope"])
      : rng.pick(["一个自行车头盔", "一款电子游戏", "几张音乐会门票", "一双新运动鞋", "一架望远镜"]);
  const spent =
    lang === "en" ? `Then ${who} spends ${spend} ${cur} on ${thing}.` : `然后${who}花 ${spend} 元买了${thing}。`;
  const left = w.op("Left after buying", "买完后剩下", total, "-", lit(spend), m, m);
  if (level === 2) {
    const q =
      lang === "en"
        ? rng.pick([`How much money is left?`, `How much does ${who} have now?`, `What is left in ${who}'s savings?`])
        : rng.pick([`还剩多少元？`, `${who}现在还有多少元？`, `${who}的积蓄还剩多少元？`]);
    return { problem: join(lang, [open, spent, q]), steps: w.steps, res: left, key: `save2-${oi}` };
  }
  const k = rng.pick([2, 3, 4, 5].filter((x) => left.v.n % x === 0));
  if (k === undefined) throw new Retry("not divisible");
  const q =
    lang === "en"
      ? rng.pick([
          `${who} shares what is left equally among ${k} charities. How much does each charity get?`,
          `The rest is split equally between ${k} siblings. How much does each sibling receive?`,
        ])
      : rng.pick([
          `${who}把剩下的钱平均捐给 ${k} 个慈善机构。每个机构得到多少元？`,
          `剩下的钱平均分给 ${k} 个兄弟姐妹，每人分到多少元？`,
        ]);
  const each = w.op("Each share", "每份", left, "/", lit(k), m, m);
  return { problem: join(lang, [open, spent, q]), steps: w.steps, res: each, key: `save3-${oi}` };
}

// ---- reading ---------------------------------------------------------------------------------

function reading(rng: Rng, lang: Lang, level: Level): Scene {
  const who = name(rng, lang);
  const r1 = rng.int(8, 40);
  const d1 = rng.int(2, 9);
  const w = new Work(lang);
  const what =
    lang === "en"
      ? rng.pick(["novel", "history book", "comic collection", "science book", "mystery story"])
      : rng.pick(["小说", "历史书", "漫画合集", "科普书", "侦探故事"]);
  if (level === 1) {
    const pages = r1 * d1 + rng.int(10, 300);
    const [t, i] = pick(
      rng,
      [
        `A ${what} has ${pages} pages. ${who} reads ${r1} pages a day for ${d1} days. How many pages are still unread?`,
        `${who} is reading a ${pages}-page ${what} and gets through ${r1} pages each day. After ${d1} days, how many pages are left?`,
      ],
      [
        `一本${what}有 ${pages} 页。${who}每天读 ${r1} 页，读了 ${d1} 天。还有多少页没读？`,
        `${who}在读一本 ${pages} 页的${what}，每天读 ${r1} 页。${d1} 天后还剩多少页？`,
      ],
      lang,
    );
    const read = w.op("Pages read", "已读页数", lit(r1), "*", lit(d1));
    const left = w.op("Pages left", "剩下的页数", lit(pages), "-", read);
    return { problem: t, steps: w.steps, res: left, key: `read1-${i}` };
  }
  const r3 = rng.int(10, 50);
  const days3 = rng.int(2, 8);
  if (level === 2) {
    const pages = r1 * d1 + r3 * days3;
    const [t, i] = pick(
      rng,
      [
        `A ${what} has ${pages} pages. ${who} reads ${r1} pages a day for ${d1} days, then speeds up to ${r3} pages a day. How many more days does ${who} need to finish?`,
        `${who} has been reading a ${pages}-page ${what} at ${r1} pages a day for ${d1} days. Reading ${r3} pages a day from now on, how many more days will it take to finish?`,
      ],
      [
        `一本${what}有 ${pages} 页。${who}先每天读 ${r1} 页，读了 ${d1} 天，之后每天读 ${r3} 页。还要几天读完？`,
        `${who}读一本 ${pages} 页的${what}，前 ${d1} 天每天读 ${r1} 页。如果以后每天读 ${r3} 页，还需要多少天读完？`,
      ],
      lang,
    );
    const read = w.op("Pages read so far", "已读页数", lit(r1), "*", lit(d1));
    const left = w.op("Pages left", "剩下的页数", lit(pages), "-", read);
    const days = w.op("Days needed", "还需要的天数", left, "/", lit(r3));
    return { problem: t, steps: w.steps, res: days, key: `read2-${i}` };
  }
  const r2 = rng.int(8, 40);
  const d2 = rng.int(2, 6);
  const pages = r1 * d1 + r2 * d2 + r3 * days3;
  const [t, i] = pick(
    rng,
    [
      `A ${what} has ${pages} pages. ${who} reads ${r1} pages a day for ${d1} days and then ${r2} pages a day for ${d2} days. If ${who} reads ${r3} pages a day after that, how many more days will it take to finish the book?`,
    ],
    [
      `一本${what}有 ${pages} 页。${who}先每天读 ${r1} 页，读了 ${d1} 天；又每天读 ${r2} 页，读了 ${d2} 天。之后每天读 ${r3} 页，还要多少天才能读完？`,
    ],
    lang,
  );
  const a = w.op("First part", "第一阶段", lit(r1), "*", lit(d1));
  const b = w.op("Second part", "第二阶段", lit(r2), "*", lit(d2));
  const read = w.op("Pages read so far", "已读页数", a, "+", b);
  const left = w.op("Pages left", "剩下的页数", lit(pages), "-", read);
  const days = w.op("Days needed", "还需要的天数", left, "/", lit(r3));
  return { problem: t, steps: w.steps, res: days, key: `read3-${i}` };
}

// ---- bus -------------------------------------------------------------------------------------

function bus(rng: Rng, lang: Lang, level: Level): Scene {
  const vehicle =
    lang === "en" ? rng.pick(["bus", "tram", "train", "ferry"]) : rng.pick(["公交车", "有轨电车", "火车", "渡轮"]);
  const start = rng.int(10, 60);
  const w = new Work(lang);
  let cur: Q = lit(start);
  const parts: string[] = [
    lang === "en"
      ? `A ${vehicle} leaves the first stop with ${start} passengers.`
      : `一辆${vehicle}从起点站出发时载有 ${start} 名乘客。`,
  ];
  const stops = level === 1 ? 1 : level === 2 ? 2 : 3;
  let ops = 0;
  for (let s = 1; s <= stops; s++) {
    const off = rng.int(1, Math.max(1, cur.v.n - 2));
    const on = rng.int(1, 25);
    const onlyOn = level === 2 && s === 2;
    const onlyOff = level === 3 && s === 3;
    const ord = lang === "en" ? ["first", "second", "third"][s - 1]! : ["第一", "第二", "第三"][s - 1]!;
    if (onlyOff) {
      const off3 = rng.int(1, Math.max(1, cur.v.n - 1));
      parts.push(
        lang === "en"
          ? `At the ${ord} stop, ${off3} people get off and nobody gets on.`
          : `在${ord}站，下去 ${off3} 人，没有人上车。`,
      );
      cur = w.op(`After the ${ord} stop`, `${ord}站之后`, cur, "-", lit(off3));
      ops++;
    } else if (onlyOn) {
      parts.push(
        lang === "en"
          ? `At the ${ord} stop, ${on} people get on and nobody gets off.`
          : `在${ord}站，上来 ${on} 人，没有人下车。`,
      );
      cur = w.op(`After the ${ord} stop`, `${ord}站之后`, cur, "+", lit(on));
      ops++;
    } else {
      parts.push(
        lang === "en"
          ? rng.pick([
              `At the ${ord} stop, ${off} get off and ${on} get on.`,
              `At stop ${s}, ${off} passengers leave and ${on} board.`,
            ])
          : rng.pick([
              `在${ord}站，下去 ${off} 人，上来 ${on} 人。`,
              `到第 ${s} 站时，有 ${off} 人下车，${on} 人上车。`,
            ]),
      );
      cur = w.op(`After ${off} get off at stop ${s}`, `第 ${s} 站下车后`, cur, "-", lit(off));
      cur = w.op(`After ${on} get on at stop ${s}`, `第 ${s} 站上车后`, cur, "+", lit(on));
      ops += 2;
    }
  }
  parts.push(
    lang === "en"
      ? rng.pick([`How many passengers are on the ${vehicle} now?`, `How many people are on board after that?`])
      : rng.pick([`现在车上有多少名乘客？`, `这时${vehicle}上有多少人？`]),
  );
  return { problem: join(lang, parts), steps: w.steps, res: cur, key: `bus${level}-${ops}` };
}

// ---- animals and legs ------------------------------------------------------------------------

function legs(rng: Rng, lang: Lang, level: Level): Scene {
  const who = name(rng, lang);
  const w = new Work(lang);
  const place =
    lang === "en"
      ? rng.pick(["a farm", "a petting zoo", "a smallholding", "an animal sanctuary"])
      : rng.pick(["一个农场", "一个动物乐园", "一个小牧场", "一个动物收容所"]);
  const unit = lang === "en" ? "legs" : "条腿";
  if (level === 1) {
    const c = rng.int(3, 40);
    const d = rng.int(3, 40);
    const t =
      lang === "en"
        ? rng.pick([
            `${who} keeps ${c} chickens and ${d} ducks on ${place}. Each bird has 2 legs. How many legs do the birds have in total?`,
            `There are ${c} hens and ${d} geese on ${place}, and every bird stands on 2 legs. How many bird legs are there?`,
          ])
        : rng.pick([
            `${who}在${place}养了 ${c} 只鸡和 ${d} 只鸭，每只鸟有 2 条腿。这些鸟一共有多少条腿？`,
            `${place}有 ${c} 只母鸡和 ${d} 只鹅，每只有 2 条腿。一共有多少条腿？`,
          ]);
    const birds = w.op("Birds", "鸟的只数", lit(c), "+", lit(d));
    const l = w.op("Legs", "腿数", birds, "*", lit(2), unit, unit);
    return { problem: t, steps: w.steps, res: l, key: "legs1" };
  }
  const c = rng.int(3, 40);
  const k = rng.int(2, 30);
  if (level === 2) {
    const animal = rng.pick([
      ["goats", "山羊", "只"],
      ["cows", "奶牛", "头"],
      ["pigs", "猪", "头"],
      ["rabbits", "兔子", "只"],
    ] as const);
    const t =
      lang === "en"
        ? `On ${place} there are ${c} chickens and ${k} ${animal[0]}. How many legs are there altogether? (A chicken has 2 legs and each of the ${animal[0]} has 4.)`
        : `${place}有 ${c} 只鸡和 ${k} ${animal[2]}${animal[1]}。一共有多少条腿？（鸡有 2 条腿，${animal[1]}有 4 条腿）`;
    const a = w.op("Chicken legs", "鸡腿数", lit(c), "*", lit(2), unit, unit);
    const b = w.op("Goat legs", "山羊腿数", lit(k), "*", lit(4), unit, unit);
    const s = w.op("Total", "总共", a, "+", b, unit, unit);
    return { problem: t, steps: w.steps, res: s, key: "legs2" };
  }
  const h = rng.int(2, 15);
  const t =
    lang === "en"
      ? `${who} counts the animals on ${place}: ${c} chickens, ${k} sheep and ${h} horses. Chickens have 2 legs; sheep and horses have 4. How many legs are there in total?`
      : `${who}数了数${place}的动物：${c} 只鸡、${k} 只羊和 ${h} 匹马。鸡有 2 条腿，羊和马各有 4 条腿。一共有多少条腿？`;
  const a = w.op("Chicken legs", "鸡腿数", lit(c), "*", lit(2), unit, unit);
  const four = w.op("Sheep and horses", "羊和马的数量", lit(k), "+", lit(h));
  const b = w.op("Their legs", "它们的腿数", four, "*", lit(4), unit, unit);
  const s = w.op("Total", "总共", a, "+", b, unit, unit);
  return { problem: t, steps: w.steps, res: s, key: "legs3" };
}

// ---- wages -----------------------------------------------------------------------------------

function wages(rng: Rng, lang: Lang, level: Level): Scene {
  const who = name(rng, lang);
  const cur = rng.pick(CURRENCIES_EN);
  const m = lang === "en" ? cur : "元";
  const rate = rng.int(8, 30);
  const hours = rng.int(2, 8);
  const days = rng.int(2, 6);
  const job =
    lang === "en"
      ? rng.pick(["at a café", "at a bike shop", "as a tutor", "at the library", "at a garden centre"])
      : rng.pick(["在咖啡馆", "在自行车店", "做家教", "在图书馆", "在园艺中心"]);
  const w = new Work(lang);
  const [open, oi] = pick(
    rng,
    [
      `${who} works ${job} for ${rate} ${cur} an hour, ${hours} hours a day, ${days} days this week.`,
      `${who} earns ${rate} ${cur} per hour working ${job}. This week ${who} works ${days} days of ${hours} hours each.`,
    ],
    [
      `${who}${job}打工，每小时 ${rate} 元，这周工作了 ${days} 天，每天 ${hours} 小时。`,
      `${who}${job}工作，时薪 ${rate} 元。这周上了 ${days} 天班，每天 ${hours} 小时。`,
    ],
    lang,
  );
  const total = w.op(
    "Hours worked",
    "工作小时数",
    lit(hours),
    "*",
    lit(days),
    lang === "en" ? "hours" : "小时",
    "小时",
  );
  const pay = w.op("Pay", "工资", total, "*", lit(rate), m, m);
  if (level === 1) {
    const q =
      lang === "en"
        ? rng.pick([
            `How much does ${who} earn this week?`,
            `What is ${who}'s pay for the week?`,
            `How much money does ${who} make this week?`,
          ])
        : rng.pick([`${who}这周挣了多少元？`, `${who}这一周的工资是多少元？`, `这周${who}能拿到多少元？`]);
    return { problem: join(lang, [open, q]), steps: w.steps, res: pay, key: `wage1-${oi}` };
  }
  const bonus = rng.int(5, 60);
  if (level === 2) {
    const q =
      lang === "en"
        ? rng.pick([
            `${who} also gets a ${bonus}-${cur.replace(/s$/, "")} bonus. How much does ${who} receive in total?`,
            `On top of that, ${who} receives ${bonus} ${cur} in tips. What are ${who}'s total earnings?`,
          ])
        : rng.pick([
            `${who}还得到 ${bonus} 元奖金。${who}一共收到多少元？`,
            `另外${who}还收到 ${bonus} 元小费。${who}一共挣了多少元？`,
          ]);
    const t = w.op("With the bonus", "加上奖金", pay, "+", lit(bonus), m, m);
    return { problem: join(lang, [open, q]), steps: w.steps, res: t, key: `wage2-${oi}` };
  }
  const ot = rng.int(1, 6);
  const otRate = rate + rng.int(2, 10);
  const q =
    lang === "en"
      ? `On Saturday ${who} also works ${ot} hours of overtime at ${otRate} ${cur} an hour, and pays ${bonus} ${cur} for the bus all week. How much money does ${who} have left from this week's work?`
      : `周六${who}又加班 ${ot} 小时，加班时薪 ${otRate} 元；这一周的车费共 ${bonus} 元。${who}这周工作后净剩多少元？`;
  const o = w.op("Overtime pay", "加班工资", lit(ot), "*", lit(otRate), m, m);
  const all = w.op("All pay", "全部工资", pay, "+", o, m, m);
  const net = w.op("After bus fares", "减去车费", all, "-", lit(bonus), m, m);
  return { problem: join(lang, [open, q]), steps: w.steps, res: net, key: `wage3-${oi}` };
}

// ---- sharing ---------------------------------------------------------------------------------

function sharing(rng: Rng, lang: Lang, level: Level): Scene {
  const [who, other] = twoNames(rng, lang);
  const thing = rng.pick([
    { en: "stickers", zh: "贴纸", cl: "张", box: "packs", boxZh: "包" },
    { en: "marbles", zh: "弹珠", cl: "颗", box: "bags", boxZh: "袋" },
    { en: "candies", zh: "糖果", cl: "颗", box: "packets", boxZh: "包" },
    { en: "trading cards", zh: "卡片", cl: "张", box: "boxes", boxZh: "盒" },
    { en: "crayons", zh: "蜡笔", cl: "支", box: "boxes", boxZh: "盒" },
  ]);
  const packs = rng.int(2, 9);
  const per = rng.int(6, 30);
  const kids = rng.pick([2, 3, 4, 5, 6]);
  const w = new Work(lang);
  const all = w.op(`All the ${thing.en}`, `${thing.zh}总数`, lit(packs), "*", lit(per));
  const open =
    lang === "en"
      ? `${who} buys ${packs} ${thing.box} of ${thing.en} with ${per} ${thing.en} in each.`
      : `${who}买了 ${packs} ${thing.boxZh}${thing.zh}，每${thing.boxZh} ${per} ${thing.cl}。`;
  if (level === 1) {
    const q =
      lang === "en"
        ? rng.pick([
            `${who} shares them equally among ${kids} children. How many ${thing.en} does each child get?`,
            `They are split evenly between ${kids} classmates. How many does each classmate receive?`,
          ])
        : rng.pick([
            `${who}把它们平均分给 ${kids} 个孩子。每个孩子分到多少${thing.cl}？`,
            `这些${thing.zh}平均分给 ${kids} 个同学，每个同学分到多少${thing.cl}？`,
          ]);
    const each = w.op("Each child", "每个孩子", all, "/", lit(kids));
    return { problem: join(lang, [open, q]), steps: w.steps, res: each, key: "share1" };
  }
  const keep = rng.int(1, 20);
  const keepText =
    lang === "en"
      ? `${who} keeps ${keep} and gives the rest equally to ${kids} friends.`
      : `${who}自己留下 ${keep} ${thing.cl}，其余的平均分给 ${kids} 个朋友。`;
  const rest = w.op("Given away", "分出去的", all, "-", lit(keep));
  const each = w.op("Each friend", "每个朋友", rest, "/", lit(kids));
  if (level === 2) {
    const q =
      lang === "en"
        ? rng.pick([`How many ${thing.en} does each friend get?`, `How many does each friend receive?`])
        : rng.pick([`每个朋友分到多少${thing.cl}？`, `每个朋友能得到几${thing.cl}？`]);
    return { problem: join(lang, [open, keepText, q]), steps: w.steps, res: each, key: "share2" };
  }
  const gift = rng.int(1, 15);
  const q =
    lang === "en"
      ? `${other}, one of the friends, already had ${gift} ${thing.en} and then gives half of the new total to a younger cousin. How many ${thing.en} does ${other} have now?`
      : `${other}是其中一个朋友，原来有 ${gift} ${thing.cl}，后来把现有总数的一半送给了表弟。${other}现在有多少${thing.cl}？`;
  const tot = w.op(`${other}'s total`, `${other}的总数`, each, "+", lit(gift));
  const half = w.op("After giving half away", "送出一半后", tot, "/", lit(2));
  return { problem: join(lang, [open, keepText, q]), steps: w.steps, res: half, constants: ["2"], key: "share3" };
}

// ---- travel ----------------------------------------------------------------------------------

function travel(rng: Rng, lang: Lang, level: Level): Scene {
  const who = name(rng, lang);
  const v1 = rng.int(4, 24) * 5;
  const t1 = rng.int(1, 5);
  const w = new Work(lang);
  const mode =
    lang === "en"
      ? rng.pick(["drives", "rides a motorbike", "travels by coach"])
      : rng.pick(["开车", "骑摩托车", "坐大巴"]);
  const d1 = w.op("First part", "第一段路程", lit(v1), "*", lit(t1), "km", "千米");
  if (level === 1) {
    const total = d1.v.n + rng.int(10, 300);
    const t =
      lang === "en"
        ? rng.pick([
            `${who} ${mode} ${v1} km per hour for ${t1} hours on a trip of ${total} km. How many kilometres are left?`,
            `On a ${total} km journey, ${who} ${mode} for ${t1} hours at ${v1} km/h. How far is there still to go?`,
          ])
        : rng.pick([
            `${who}${mode}去一个 ${total} 千米外的地方，以每小时 ${v1} 千米的速度走了 ${t1} 小时。还剩多少千米？`,
            `全程 ${total} 千米，${who}${mode}以每小时 ${v1} 千米的速度行驶了 ${t1} 小时。还有多少千米没走？`,
          ]);
    const left = w.op("Distance left", "剩下的路程", lit(total), "-", d1, "km", "千米");
    return { problem: t, steps: w.steps, res: left, key: "travel1" };
  }
  const v2 = rng.int(4, 24) * 5;
  const t2 = rng.int(1, 4);
  const d2 = w.op("Second part", "第二段路程", lit(v2), "*", lit(t2), "km", "千米");
  const both = w.op("Total distance", "总路程", d1, "+", d2, "km", "千米");
  if (level === 2) {
    const t =
      lang === "en"
        ? rng.pick([
            `${who} ${mode} at ${v1} km/h for ${t1} hours, then at ${v2} km/h for ${t2} hours. How far does ${who} travel in total?`,
            `For the first ${t1} hours of a trip ${who} ${mode} at ${v1} km/h; for the next ${t2} hours the speed is ${v2} km/h. What is the total distance?`,
          ])
        : rng.pick([
            `${who}${mode}，先以每小时 ${v1} 千米的速度走了 ${t1} 小时，又以每小时 ${v2} 千米的速度走了 ${t2} 小时。一共走了多少千米？`,
            `${who}${mode}出行，前 ${t1} 小时每小时行 ${v1} 千米，后 ${t2} 小时每小时行 ${v2} 千米。总路程是多少千米？`,
          ]);
    return { problem: t, steps: w.steps, res: both, key: "travel2" };
  }
  const v3 = rng.int(4, 20) * 5;
  const t3 = rng.int(1, 4);
  const dest = both.v.n + v3 * t3;
  const t =
    lang === "en"
      ? `A town is ${dest} km away. ${who} ${mode} at ${v1} km/h for ${t1} hours and then at ${v2} km/h for ${t2} hours. If ${who} covers the rest at ${v3} km/h, how many more hours does it take?`
      : `一个小镇在 ${dest} 千米外。${who}${mode}，先以每小时 ${v1} 千米走了 ${t1} 小时，又以每小时 ${v2} 千米走了 ${t2} 小时。剩下的路以每小时 ${v3} 千米的速度走，还要几小时？`;
  const rest = w.op("Distance left", "剩下的路程", lit(dest), "-", both, "km", "千米");
  const hrs = w.op("Hours needed", "还需要的时间", rest, "/", lit(v3), lang === "en" ? "hours" : "小时", "小时");
  return { problem: t, steps: w.steps, res: hrs, key: "travel3" };
}

// ---- tickets ---------------------------------------------------------------------------------

function tickets(rng: Rng, lang: Lang, level: Level): Scene {
  const cur = rng.pick(CURRENCIES_EN);
  const m = lang === "en" ? cur : "元";
  const event =
    lang === "en"
      ? rng.pick(["school play", "charity concert", "football match", "science fair", "puppet show"])
      : rng.pick(["学校话剧", "慈善音乐会", "足球比赛", "科学展览", "木偶剧"]);
  const a = rng.int(10, 200);
  const pa = rng.int(5, 20);
  const c = rng.int(10, 200);
  const pc = rng.int(2, pa - 1);
  const w = new Work(lang);
  const ra = w.op("Adult tickets", "成人票收入", lit(a), "*", lit(pa), m, m);
  if (level === 1) {
    const t =
      lang === "en"
        ? `A ${event} sells ${a} tickets at ${pa} ${cur} each and has to pay ${c} ${cur} for the hall. How much money is left after paying for the hall?`
        : `一场${event}卖出 ${a} 张票，每张 ${pa} 元，场地费要付 ${c} 元。付完场地费后还剩多少元？`;
    const left = w.op("After the hall", "付场地费后", ra, "-", lit(c), m, m);
    return { problem: t, steps: w.steps, res: left, key: "tickets1" };
  }
  const rc = w.op("Child tickets", "儿童票收入", lit(c), "*", lit(pc), m, m);
  const all = w.op("Ticket money", "门票总收入", ra, "+", rc, m, m);
  const open =
    lang === "en"
      ? `A ${event} sells ${a} adult tickets at ${pa} ${cur} and ${c} child tickets at ${pc} ${cur}.`
      : `一场${event}卖出成人票 ${a} 张，每张 ${pa} 元；儿童票 ${c} 张，每张 ${pc} 元。`;
  if (level === 2) {
    const q =
      lang === "en"
        ? rng.pick([
            `How much money is collected?`,
            `What is the total ticket income?`,
            `How much do the tickets raise altogether?`,
          ])
        : rng.pick([`一共收入多少元？`, `门票总收入是多少元？`, `卖票一共得到多少元？`]);
    return { problem: join(lang, [open, q]), steps: w.steps, res: all, key: "tickets2" };
  }
  const cost = rng.int(10, Math.max(11, all.v.n - 10));
  const k = rng.pick([2, 3, 4, 5]);
  const q =
    lang === "en"
      ? rng.pick([
          `After paying ${cost} ${cur} in costs, the rest is split equally between ${k} charities. How much does each charity receive?`,
          `Costs come to ${cost} ${cur}; the remaining money is shared equally by ${k} school clubs. How much does each club get?`,
        ])
      : rng.pick([
          `扣除 ${cost} 元成本后，剩下的钱平均捐给 ${k} 个慈善机构。每个机构得到多少元？`,
          `成本共 ${cost} 元，其余的钱平均分给 ${k} 个学校社团。每个社团分到多少元？`,
        ]);
  const net = w.op("After costs", "扣除成本后", all, "-", lit(cost), m, m);
  const each = w.op("Each share", "每份", net, "/", lit(k), m, m);
  return { problem: join(lang, [open, q]), steps: w.steps, res: each, key: "tickets3" };
}

const SCENES = [shopping, baking, savings, reading, bus, legs, wages, sharing, travel, tickets];

export const wordProblem: CategoryGenerator = (rng, level: Level, lang): Draft => {
  const scene = rng.pick(SCENES);
  const s = scene(rng, lang, level);
  const steps = [...s.steps];
  return {
    problem: s.problem,
    steps,
    answer: s.res.v,
    check: { type: "value", expr: s.res.a, ...(s.constants?.length ? { constants: s.constants } : {}) },
    template: `word_problem/${scene.name}/${s.key}`,
  };
};
