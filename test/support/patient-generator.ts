/**
 * A seeded generator of labeled patient pairs for evaluating the matcher: real-looking US
 * demographics, households (spouses, siblings, twins, Jr/Sr, shared phones and emails) and
 * mutations of the same person (typos, nicknames, swapped day and month, moves, new phones,
 * married names, missing fields, formatting). Deterministic for a seed; nothing is downloaded.
 */
import type { Patient } from '@medplum/fhirtypes';

export interface LabeledQuery {
  /** What the SHL brings. */
  incoming: Patient;
  /** Existing Patients the search would surface (the true record, if any, among them). */
  pool: Patient[];
  /** The id of the same person in the pool, or undefined when the person is not there. */
  matchId?: string;
  /** The id of the look-alike in the pool (twin, spouse, Jr/Sr, …): a hard negative. */
  lookalikeId: string;
  /** The mutations applied (true matches) and the kind of look-alike. */
  category: string;
  lookalike: string;
}

const FIRST = [
  'James',
  'Robert',
  'John',
  'Michael',
  'William',
  'David',
  'Richard',
  'Joseph',
  'Thomas',
  'Christopher',
  'Daniel',
  'Matthew',
  'Anthony',
  'Steven',
  'Andrew',
  'Joshua',
  'Kenneth',
  'Timothy',
  'Jonathan',
  'Benjamin',
  'Samuel',
  'Mary',
  'Patricia',
  'Jennifer',
  'Linda',
  'Elizabeth',
  'Barbara',
  'Susan',
  'Jessica',
  'Sarah',
  'Karen',
  'Margaret',
  'Nancy',
  'Lisa',
  'Betty',
  'Sandra',
  'Ashley',
  'Kimberly',
  'Emily',
  'Donna',
  'Michelle',
  'Carol',
  'Amanda',
  'Melissa',
  'Deborah',
  'Stephanie',
  'Rebecca',
  'Katherine',
  'Zoë',
  'José',
  'María',
  'Min-jun',
  'Min-seo',
  'Aaliyah',
  'Mateo',
  'Santiago',
  'Valentina',
  'Camila',
  'Nguyen',
  'Priya',
  'Arjun',
  'Oluwaseun',
  'Chidi',
  'Siobhan',
  'Renée',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Thompson',
  'White',
  'Harris',
  'Sanchez',
  'Clark',
  'Ramirez',
  'Lewis',
  'Robinson',
  'Walker',
  'Young',
  "O'Connor",
  'García-López',
  'Nguyen',
  'Kim',
  'Patel',
  'Okafor',
  'Müller',
  'St. John',
  'MacDonald',
  'De la Cruz',
  'Washington',
  'Fitzgerald',
  'Kowalski',
  'Yamamoto',
  'Schmidt',
  'Rossi',
  'Ivanova',
  'Haddad',
];
const STREETS = [
  'Main Street',
  'Oak Avenue',
  'Maple Drive',
  'Cedar Lane',
  'Elm Street',
  'Park Road',
  'Pine Court',
  'Washington Boulevard',
  'Lake Street',
  'Hill Road',
  'North Broadway',
  'Sunset Boulevard',
];
const PLACES: [string, string, string][] = [
  ['Boston', 'MA', '021'],
  ['Springfield', 'IL', '627'],
  ['Austin', 'TX', '787'],
  ['Denver', 'CO', '802'],
  ['Seattle', 'WA', '981'],
  ['Miami', 'FL', '331'],
  ['Columbus', 'OH', '432'],
  ['Portland', 'OR', '972'],
];
const NICKNAMES: Record<string, string> = {
  Robert: 'Bob',
  William: 'Bill',
  Richard: 'Rick',
  James: 'Jim',
  Michael: 'Mike',
  Elizabeth: 'Liz',
  Katherine: 'Kate',
  Jennifer: 'Jenny',
  Margaret: 'Peggy',
  Thomas: 'Tom',
  Joseph: 'Joe',
  Christopher: 'Chris',
  Daniel: 'Dan',
  Matthew: 'Matt',
  Anthony: 'Tony',
  Steven: 'Steve',
  Kenneth: 'Ken',
  Timothy: 'Tim',
  Benjamin: 'Ben',
  Samuel: 'Sam',
  Patricia: 'Patty',
  Susan: 'Sue',
  Jessica: 'Jess',
  Rebecca: 'Becky',
  Deborah: 'Debbie',
  Andrew: 'Andy',
  Jonathan: 'Jon',
};

/** mulberry32: a small, fast, seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Person {
  first: string;
  middle?: string;
  last: string;
  suffix?: string;
  dob: string;
  phone: string;
  email?: string;
  street: string;
  city: string;
  state: string;
  zip: string;
  ssn4?: string;
}

export class PatientGenerator {
  private readonly random: () => number;
  private nextId = 1;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  private digits(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) {
      out += Math.floor(this.random() * 10).toString();
    }
    return out;
  }

  private date(fromYear: number, toYear: number): string {
    const y = fromYear + Math.floor(this.random() * (toYear - fromYear));
    const m = 1 + Math.floor(this.random() * 12);
    const d = 1 + Math.floor(this.random() * 28);
    return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }

  private phone(): string {
    return `${this.pick(['617', '312', '512', '303', '206', '305', '614', '503'])}${2 + Math.floor(this.random() * 8)}${this.digits(6)}`;
  }

  private address(): Pick<Person, 'street' | 'city' | 'state' | 'zip'> {
    const [city, state, zip3] = this.pick(PLACES);
    return {
      street: `${1 + Math.floor(this.random() * 9000)} ${this.pick(STREETS)}`,
      city,
      state,
      zip: zip3 + this.digits(2),
    };
  }

  person(overrides: Partial<Person> = {}): Person {
    const first = this.pick(FIRST);
    const last = this.pick(LAST);
    return {
      first,
      ...(this.random() < 0.4 && { middle: this.pick(FIRST) }),
      last,
      dob: this.date(1935, 2020),
      phone: this.phone(),
      ...(this.random() < 0.8 && {
        email: `${first}.${last}${this.digits(2)}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
      }),
      ...this.address(),
      ...(this.random() < 0.3 && { ssn4: this.digits(4) }),
      ...overrides,
    };
  }

  /** A Patient as a server (or a sender) would hold it; phone formats vary. */
  patient(p: Person, withId = true): Patient {
    const phone = this.pick([
      p.phone,
      `(${p.phone.slice(0, 3)}) ${p.phone.slice(3, 6)}-${p.phone.slice(6)}`,
      `+1 ${p.phone.slice(0, 3)} ${p.phone.slice(3, 6)} ${p.phone.slice(6)}`,
      `${p.phone.slice(0, 3)}-${p.phone.slice(3, 6)}-${p.phone.slice(6)}`,
    ]);
    return {
      resourceType: 'Patient',
      ...(withId && { id: `gen-${this.nextId++}` }),
      name: [
        { family: p.last, given: p.middle ? [p.first, p.middle] : [p.first], ...(p.suffix && { suffix: [p.suffix] }) },
      ],
      birthDate: p.dob,
      telecom: [{ system: 'phone', value: phone }, ...(p.email ? [{ system: 'email' as const, value: p.email }] : [])],
      address: [{ line: [p.street], city: p.city, state: p.state, postalCode: p.zip }],
      ...(p.ssn4 && { identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: `000-00-${p.ssn4}` }] }),
    };
  }

  /** The same person as a different system recorded them: one or two realistic changes. */
  mutate(p: Person): [Person, string] {
    const changes: string[] = [];
    let q: Person = { ...p };
    const count = this.random() < 0.6 ? 1 : 2;
    for (let i = 0; i < count; i++) {
      const [next, name] = this.mutation(q);
      q = next;
      changes.push(name);
    }
    return [q, changes.join('+')];
  }

  private mutation(p: Person): [Person, string] {
    const options: (() => [Person, string] | undefined)[] = [
      () => (p.first.length >= 5 ? [{ ...p, first: typo(p.first, this.random) }, 'first-typo'] : undefined),
      () => (p.last.length >= 5 ? [{ ...p, last: typo(p.last, this.random) }, 'last-typo'] : undefined),
      () => (NICKNAMES[p.first] ? [{ ...p, first: NICKNAMES[p.first] as string }, 'nickname'] : undefined),
      () => {
        const [y, m, d] = p.dob.split('-');
        return Number(d) <= 12 && m !== d ? [{ ...p, dob: `${y}-${d}-${m}` }, 'dob-swap'] : undefined;
      },
      () => [{ ...p, ...this.address() }, 'moved'],
      () => [{ ...p, phone: this.phone() }, 'new-phone'],
      () => [{ ...p, last: this.pick(LAST) }, 'married-name'],
      () => {
        if (!p.email) {
          return undefined;
        }
        const rest = { ...p };
        delete rest.email;
        return [rest, 'no-email'];
      },
      () => [{ ...p, first: p.first.toUpperCase(), last: p.last.toUpperCase().replace(/[^A-Z ]/g, '') }, 'formatting'],
      () => {
        const rest = { ...p };
        delete rest.middle;
        return [p.middle ? rest : { ...p, middle: this.pick(FIRST) }, 'middle-name'];
      },
      () => (p.last.includes('-') ? [{ ...p, last: p.last.split('-')[0] as string }, 'hyphenated-part'] : undefined),
    ];
    for (;;) {
      const result = this.pick(options)();
      if (result) {
        return result;
      }
    }
  }

  /** Someone else the search would also find for `p`: a household member or a look-alike. */
  hardNegative(p: Person): [Person, string] {
    const household = { last: p.last, street: p.street, city: p.city, state: p.state, zip: p.zip };
    const options: [string, () => Person][] = [
      [
        'twin',
        () => ({
          ...this.person({ ...household, dob: p.dob, phone: p.phone }),
          ...(p.email && { email: p.email }),
          first: this.otherFirst(p.first),
        }),
      ],
      ['sibling', () => this.person({ ...household, phone: p.phone, first: this.otherFirst(p.first) })],
      [
        'spouse',
        () => ({
          ...this.person({ ...household, phone: p.phone, first: this.otherFirst(p.first) }),
          ...(p.email && { email: p.email }),
        }),
      ],
      [
        'jr-sr',
        () =>
          this.person({
            ...household,
            phone: p.phone,
            first: p.first,
            dob: shiftYears(p.dob, Number(p.dob.slice(0, 4)) > 1995 ? -25 : 25),
            suffix: this.random() < 0.5 ? 'Jr' : 'Sr',
          }),
      ],
      ['same-name-other-dob', () => this.person({ first: p.first, last: p.last })],
      [
        'same-zip-and-dob',
        () => this.person({ dob: p.dob, zip: p.zip, city: p.city, state: p.state, first: this.otherFirst(p.first) }),
      ],
      ['stranger', () => this.person()],
    ];
    const [category, make] = this.pick(options);
    return [make(), category];
  }

  private otherFirst(first: string): string {
    for (;;) {
      const other = this.pick(FIRST);
      if (other !== first && NICKNAMES[other] !== first && NICKNAMES[first] !== other) {
        return other;
      }
    }
  }

  /** `count` labeled queries, half true matches and half hard negatives, with pools of `poolSize`. */
  queries(count: number, poolSize = 40): LabeledQuery[] {
    const out: LabeledQuery[] = [];
    for (let i = 0; i < count; i++) {
      const person = this.person();
      const others = Array.from({ length: poolSize - 2 }, () => this.patient(this.person()));
      const [other, lookalike] = this.hardNegative(person);
      const lookalikePatient = this.patient(other);
      const lookalikeId = lookalikePatient.id as string;
      if (i % 2 === 0) {
        const stored = this.patient(person);
        const [changed, category] = this.mutate(person);
        out.push({
          incoming: this.patient(changed, false),
          pool: shuffle([stored, lookalikePatient, ...others], this.random),
          matchId: stored.id,
          lookalikeId,
          category,
          lookalike,
        });
      } else {
        out.push({
          incoming: this.patient(person, false),
          pool: shuffle([lookalikePatient, ...others], this.random),
          lookalikeId,
          category: 'absent',
          lookalike,
        });
      }
    }
    return out;
  }
}

function typo(name: string, random: () => number): string {
  const i = 1 + Math.floor(random() * (name.length - 2));
  switch (Math.floor(random() * 3)) {
    case 0:
      return name.slice(0, i) + name.charAt(i + 1) + name.charAt(i) + name.slice(i + 2);
    case 1:
      return name.slice(0, i) + name.slice(i + 1);
    default:
      return name.slice(0, i) + 'aeiou'.charAt(Math.floor(random() * 5)) + name.slice(i + 1);
  }
}

function shiftYears(date: string, years: number): string {
  return `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
