/**
 * A matching hold-out that shares nothing with the rules or with the main generator: its own
 * random source, name lists, nickname table (written apart from bots/matching/nicknames.ts),
 * birth-date errors (a year off by one, a few days off, an unknown birthday entered as 1 January,
 * a century slip), record styles, and look-alikes (namesakes with the same birth date and ZIP,
 * twins from its own name list, fathers and sons at realistic ages). The true matches carry one or
 * two of its errors; so do the people who are not in the pool. Evaluated over 20 seeds: the gates
 * hold on the worst seed, not a chosen one.
 */
import type { Address, ContactPoint, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import type { Evaluation, LookalikeFigures } from './matcher-evaluation';
import { evaluateQueries } from './matcher-evaluation';
import type { LabeledQuery } from './patient-generator';

export const HOLDOUT_SEEDS = Array.from({ length: 20 }, (_, i) => 9001 + i * 7919);
export const HOLDOUT_QUERIES = 400;
export const HOLDOUT_POOL = 20;

/** Given names, each with the forms people use for it (the hold-out's own nickname source). */
const GIVEN: [string, ...string[]][] = [
  ['Alexander', 'Sasha', 'Alec', 'Lex'],
  ['Anne', 'Nan', 'Annie', 'Nancy'],
  ['Charles', 'Chuck', 'Chaz', 'Carl'],
  ['Dorothy', 'Dot', 'Dolly', 'Dora'],
  ['Edward', 'Ned', 'Teddy', 'Eddie'],
  ['Eleanor', 'Nell', 'Ellie', 'Nora'],
  ['Francis', 'Frank', 'Frankie'],
  ['Gabriel', 'Gabe'],
  ['Harold', 'Hal', 'Harry'],
  ['Henry', 'Hank', 'Hal'],
  ['Isaac', 'Ike'],
  ['Jacqueline', 'Jackie'],
  ['John', 'Jack', 'Johnny'],
  ['Josephine', 'Jo', 'Josie'],
  ['Katherine', 'Kit', 'Kay', 'Kathy'],
  ['Lawrence', 'Larry', 'Laurie'],
  ['Margaret', 'Daisy', 'Madge', 'Maggie', 'Peg'],
  ['Mary', 'Polly', 'Molly', 'Mae'],
  ['Matilda', 'Tilly', 'Mattie'],
  ['Nathaniel', 'Nate', 'Nat'],
  ['Patrick', 'Paddy', 'Rick'],
  ['Penelope', 'Penny'],
  ['Rebecca', 'Becky', 'Reba'],
  ['Richard', 'Dick', 'Rich'],
  ['Sarah', 'Sally', 'Sadie'],
  ['Theodore', 'Theo', 'Ted'],
  ['Veronica', 'Ronnie', 'Nica'],
  ['Wilhelmina', 'Mina', 'Willa'],
  ['Zachary', 'Zach', 'Zack'],
  ['Adaeze'],
  ['Aiko'],
  ['Bjorn'],
  ['Carmen'],
  ['Dmitri'],
  ['Esperanza'],
  ['Farida'],
  ['Giovanni'],
  ['Hyun-woo'],
  ['Ingrid'],
  ['Jamal'],
  ['Kwame'],
  ['Leilani'],
  ['Malik'],
  ['Niamh'],
  ['Olga'],
  ['Pedro'],
  ['Qiu'],
  ['Rania'],
  ['Soren'],
  ['Tariq'],
  ['Uma'],
  ['Wei'],
  ['Ximena'],
  ['Yusuf'],
  ['Zainab'],
  ['Ann'],
  ['Ana'],
  ['Ella'],
  ['Emma'],
  ['Noah'],
  ['Liam'],
];
const FAMILY = [
  'Abernathy',
  'Bergström',
  'Castillo',
  'Delacroix',
  'Eze',
  'Fernández',
  'Goldberg',
  'Hakimi',
  'Ishikawa',
  'Jablonski',
  'Kowalczyk',
  "N'Diaye",
  'Lindqvist',
  'Mbeki',
  'Novak',
  "O'Brien",
  'Petrov',
  'Quispe',
  'Rahman',
  'Sato',
  'Tanaka',
  'Umarov',
  'Van der Berg',
  'Wójcik',
  'Xu',
  'Yilmaz',
  'Zhang',
  'Park',
  'Cho',
  'Ali',
  'Diaz',
  'Baker',
  'Cooper',
  'Hughes',
  'Price',
  'Reed',
  'Ward',
  'Brooks',
  'Bennett',
  'Sullivan',
];
const ROADS = ['Birch', 'Harbor', 'Quarry', 'Orchard', 'Mill', 'Beacon', 'Prospect', 'Juniper', 'Willow', 'Summit'];
const ROAD_KINDS = [
  ['Road', 'Rd'],
  ['Avenue', 'Ave'],
  ['Street', 'St'],
  ['Terrace', 'Ter'],
  ['Place', 'Pl'],
];
const TOWNS: [string, string, string][] = [
  ['Providence', 'RI', '029'],
  ['Tucson', 'AZ', '857'],
  ['Madison', 'WI', '537'],
  ['Albany', 'NY', '122'],
  ['Raleigh', 'NC', '276'],
  ['Boise', 'ID', '837'],
];

/** sfc32: a seeded random source of its own. */
function sfc32(seed: number): () => number {
  let [a, b, c, d] = [0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0];
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) {
    next();
  }
  return next;
}

interface Someone {
  given: number;
  /** The form of the given name used (0 = the full name). */
  form: number;
  middle?: number;
  family: string;
  formerFamily?: string;
  suffix?: string;
  birth?: { y: number; m: number; d: number };
  phone: string;
  email?: string;
  house: number;
  road: string;
  town: number;
  zip: string;
  initialOnly?: boolean;
  shout?: boolean;
  mrn?: string;
}

const ERRORS = [
  'nickname',
  'year-off-by-one',
  'days-off',
  'unknown-birthday',
  'century-slip',
  'name-typo',
  'moved',
  'new-phone',
  'married',
  'initial-only',
  'no-birth-date',
  'shouting',
  'no-email',
] as const;
type HoldoutError = (typeof ERRORS)[number];

const KINDS = [
  'namesake-same-birth-date-and-zip',
  'namesake-same-birth-date',
  'namesake-same-zip',
  'twin',
  'father-son',
  'spouse',
  'sibling',
  'roommate',
] as const;
type Kind = (typeof KINDS)[number];

class Holdout {
  private readonly r: () => number;
  private serial = 0;

  constructor(seed: number) {
    this.r = sfc32(seed);
  }

  private int(n: number): number {
    return Math.floor(this.r() * n);
  }

  private one<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  private nDigits(n: number): string {
    return Array.from({ length: n }, () => this.int(10)).join('');
  }

  private birth(): { y: number; m: number; d: number } {
    return { y: 1930 + this.int(90), m: 1 + this.int(12), d: 1 + this.int(28) };
  }

  private home(): Pick<Someone, 'house' | 'road' | 'town' | 'zip'> {
    const town = this.int(TOWNS.length);
    return {
      house: 10 + this.int(4000),
      road: `${this.one(ROADS)}|${this.int(ROAD_KINDS.length)}`,
      town,
      zip: `${(TOWNS[town] as [string, string, string])[2]}${this.nDigits(2)}`,
    };
  }

  someone(over: Partial<Someone> = {}): Someone {
    const given = this.int(GIVEN.length);
    const family = this.one(FAMILY);
    return {
      given,
      form: 0,
      ...(this.r() < 0.3 && { middle: this.int(GIVEN.length) }),
      family,
      birth: this.birth(),
      phone: `${2 + this.int(8)}${this.nDigits(9)}`,
      ...(this.r() < 0.7 && { email: `${this.nDigits(3)}.${family.replace(/[^A-Za-z]/g, '')}@mail.example` }),
      ...this.home(),
      ...(this.r() < 0.25 && { mrn: this.nDigits(8) }),
      ...over,
    };
  }

  /** A FHIR Patient in this hold-out's own style: official names with text, E.164 or dotted phones, two-line addresses. */
  patient(s: Someone, id: boolean): Patient {
    const forms = GIVEN[s.given] as [string, ...string[]];
    let first = forms[s.form] ?? forms[0];
    if (s.initialOnly) {
      first = `${first.charAt(0)}.`;
    }
    const names: HumanName[] = [
      {
        use: 'official',
        family: s.shout ? s.family.toUpperCase() : s.family,
        given: [
          s.shout ? first.toUpperCase() : first,
          ...(s.middle !== undefined ? [(GIVEN[s.middle] as [string])[0]] : []),
        ],
        ...(s.suffix && { suffix: [s.suffix] }),
      },
    ];
    if (s.formerFamily) {
      names.push({ use: 'maiden', family: s.formerFamily, given: [forms[0]] });
    }
    const telecom: ContactPoint[] = [
      {
        system: 'phone',
        use: 'mobile',
        value: this.r() < 0.5 ? `+1${s.phone}` : `${s.phone.slice(0, 3)}.${s.phone.slice(3, 6)}.${s.phone.slice(6)}`,
      },
      ...(s.email ? [{ system: 'email' as const, value: this.r() < 0.5 ? s.email.toUpperCase() : s.email }] : []),
    ];
    const [road, kind] = s.road.split('|') as [string, string];
    const [long, short] = ROAD_KINDS[Number(kind)] as [string, string];
    const [city, state] = TOWNS[s.town] as [string, string, string];
    const address: Address = {
      use: 'home',
      line: [`${s.house} ${road} ${this.r() < 0.5 ? long : `${short}.`}`, ...(this.r() < 0.2 ? ['Unit 2'] : [])],
      city,
      state,
      postalCode: this.r() < 0.3 ? `${s.zip}-${this.nDigits(4)}` : s.zip,
    };
    const identifier: Identifier[] = s.mrn
      ? [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: s.mrn, type: { coding: [{ code: 'MR' }] } }]
      : [];
    const b = s.birth;
    return {
      resourceType: 'Patient',
      ...(id && { id: `holdout-${++this.serial}` }),
      name: names,
      ...(b && { birthDate: `${b.y}-${String(b.m).padStart(2, '0')}-${String(b.d).padStart(2, '0')}` }),
      telecom,
      address: [address],
      ...(identifier.length > 0 && { identifier }),
    };
  }

  /** The same person with one of this hold-out's errors. */
  private err(s: Someone, e: HoldoutError): Someone {
    const b = s.birth;
    switch (e) {
      case 'nickname': {
        const forms = GIVEN[s.given] as string[];
        return forms.length > 1 ? { ...s, form: 1 + this.int(forms.length - 1) } : s;
      }
      case 'year-off-by-one':
        return b ? { ...s, birth: { ...b, y: b.y + (this.r() < 0.5 ? 1 : -1) } } : s;
      case 'days-off':
        return b ? { ...s, birth: { ...b, d: Math.min(28, Math.max(1, b.d + this.one([-3, -2, 2, 3]))) } } : s;
      case 'unknown-birthday':
        return b ? { ...s, birth: { ...b, m: 1, d: 1 } } : s;
      case 'century-slip':
        return b && b.y < 2000 ? { ...s, birth: { ...b, y: b.y + 100 } } : s;
      case 'name-typo': {
        const family = s.family;
        const at = 1 + this.int(Math.max(1, family.length - 1));
        return { ...s, family: family.slice(0, at) + 'eiaou'.charAt(this.int(5)) + family.slice(at + 1) };
      }
      case 'moved':
        return { ...s, ...this.home() };
      case 'new-phone':
        return { ...s, phone: `${2 + this.int(8)}${this.nDigits(9)}` };
      case 'married':
        return { ...s, formerFamily: s.family, family: this.one(FAMILY) };
      case 'initial-only':
        return { ...s, initialOnly: true };
      case 'no-birth-date': {
        const rest = { ...s };
        delete rest.birth;
        return rest;
      }
      case 'shouting':
        return { ...s, shout: true };
      case 'no-email': {
        const rest = { ...s };
        delete rest.email;
        return rest;
      }
    }
  }

  private withErrors(s: Someone): [Someone, string] {
    const count = 1 + this.int(2);
    let out = s;
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const e = this.one(ERRORS);
      out = this.err(out, e);
      names.push(e);
    }
    return [out, names.join('+')];
  }

  private otherGiven(given: number): number {
    for (;;) {
      const other = this.int(GIVEN.length);
      if (other !== given) {
        return other;
      }
    }
  }

  private lookalike(s: Someone, kind: Kind): Someone {
    const shared = { family: s.family, house: s.house, road: s.road, town: s.town, zip: s.zip };
    const b = s.birth ?? this.birth();
    switch (kind) {
      case 'namesake-same-birth-date-and-zip':
        return this.someone({ given: s.given, family: s.family, birth: b, town: s.town, zip: s.zip });
      case 'namesake-same-birth-date':
        return this.someone({ given: s.given, family: s.family, birth: b });
      case 'namesake-same-zip':
        return this.someone({ given: s.given, family: s.family, town: s.town, zip: s.zip });
      case 'twin':
        return {
          ...this.someone({ ...shared, birth: b, phone: s.phone }),
          ...(s.email && { email: s.email }),
          given: this.otherGiven(s.given),
        };
      case 'father-son': {
        // Realistic ages and birthdays; a suffix on both, one or neither side.
        const gap = 18 + this.int(28);
        const older = b.y + gap > 2024 || (b.y - gap >= 1910 && this.r() < 0.5);
        const other: Someone = this.someone({
          ...shared,
          given: s.given,
          phone: s.phone,
          birth:
            this.r() < 0.05
              ? { ...b, y: b.y + (older ? -gap : gap) }
              : { ...this.birth(), y: b.y + (older ? -gap : gap) },
        });
        const mark = this.r();
        if (mark < 0.5) {
          other.suffix = older ? 'Sr.' : 'Jr.';
        }
        if (mark < 0.25) {
          s.suffix = older ? 'Jr.' : 'Sr.';
        }
        return other;
      }
      case 'spouse':
        return {
          ...this.someone({ ...shared, phone: s.phone, given: this.otherGiven(s.given) }),
          ...(s.email && { email: s.email }),
        };
      case 'sibling':
        return this.someone({ ...shared, given: this.otherGiven(s.given), birth: { ...this.birth(), y: b.y + 2 } });
      case 'roommate':
        return this.someone({ house: s.house, road: s.road, town: s.town, zip: s.zip, phone: s.phone });
    }
  }

  queries(count: number, poolSize: number): LabeledQuery[] {
    const out: LabeledQuery[] = [];
    for (let i = 0; i < count; i++) {
      const s = this.someone();
      const kind = this.one(KINDS);
      const look = this.lookalike(s, kind);
      const lookPatient = this.patient(look, true);
      const crowd = Array.from({ length: poolSize - 2 }, () => this.patient(this.someone(), true));
      const [changed, changes] = this.withErrors(s);
      const incoming = this.patient(changed, false);
      if (i % 2 === 0) {
        const stored = this.patient(s, true);
        out.push({
          incoming,
          pool: [lookPatient, stored, ...crowd].sort(() => this.r() - 0.5),
          matchId: stored.id,
          lookalikeId: lookPatient.id as string,
          category: changes.split('+')[0] as string,
          changes,
          lookalike: kind,
        });
      } else {
        out.push({
          incoming,
          pool: [lookPatient, ...crowd],
          lookalikeId: lookPatient.id as string,
          category: 'absent',
          changes,
          lookalike: kind,
        });
      }
    }
    return out;
  }
}

export interface HoldoutResult {
  seeds: (Evaluation & { seed: number })[];
  worstSeed: number;
  worstCertainPrecision: number;
  worstHardNegativeFpr: number;
  worstRecall: number;
  /** Look-alike figures summed over all seeds. */
  byLookalike: Record<string, LookalikeFigures>;
  /** Recall by the first error of the true match, summed over all seeds. */
  byError: Record<string, { positives: number; found: number; recall: number }>;
}

/** The hold-out's labeled queries for one seed. */
export function holdoutQueries(seed: number, count = HOLDOUT_QUERIES, poolSize = HOLDOUT_POOL): LabeledQuery[] {
  return new Holdout(seed).queries(count, poolSize);
}

/** The matcher on every hold-out seed, with the worst figures. */
export function evaluateHoldout(seeds = HOLDOUT_SEEDS): HoldoutResult {
  const results = seeds.map((seed) => ({ seed, ...evaluateQueries(holdoutQueries(seed)) }));
  const worst = results.reduce((w, e) => (e.hardNegativeFpr > w.hardNegativeFpr ? e : w));
  const byLookalike: Record<string, LookalikeFigures> = {};
  for (const e of results) {
    for (const [kind, l] of Object.entries(e.byLookalike)) {
      const sum = (byLookalike[kind] ??= { count: 0, falsePositives: 0, rate: 0 });
      sum.count += l.count;
      sum.falsePositives += l.falsePositives;
      sum.rate = sum.falsePositives / sum.count;
    }
  }
  const byError: HoldoutResult['byError'] = {};
  for (const e of results) {
    for (const [error, c] of Object.entries(e.byClass)) {
      const sum = (byError[error] ??= { positives: 0, found: 0, recall: 0 });
      sum.positives += c.positives;
      sum.found += c.found;
      sum.recall = sum.found / sum.positives;
    }
  }
  return {
    byError,
    seeds: results,
    worstSeed: worst.seed,
    worstCertainPrecision: Math.min(...results.map((e) => e.certainPrecision)),
    worstHardNegativeFpr: worst.hardNegativeFpr,
    worstRecall: Math.min(...results.map((e) => e.recall)),
    byLookalike,
  };
}
