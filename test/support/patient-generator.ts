/**
 * A seeded generator of labeled patient pairs for evaluating the matcher: real-looking US (and
 * some foreign) demographics, households (spouses, siblings, twins, Jr/Sr, shared phones, emails
 * and household account numbers) and the same person as another system recorded them, one error
 * class per query (typos, nicknames, swapped name order, a missing first name, birth-date digit
 * errors, street words run together, foreign addresses, …) plus sometimes a second, everyday
 * change (a move, a new phone). Deterministic for a seed; nothing is downloaded.
 */
import type { Identifier, Patient } from '@medplum/fhirtypes';

export interface LabeledQuery {
  /** What the SHL brings. */
  incoming: Patient;
  /** Existing Patients the search would surface (the true record, if any, among them). */
  pool: Patient[];
  /** The id of the same person in the pool, or undefined when the person is not there. */
  matchId?: string;
  /** The id of the look-alike in the pool (twin, spouse, Jr/Sr, …): a hard negative. */
  lookalikeId: string;
  /** The error class of a true match (one of ERROR_CLASSES), or `absent` when the person is not in the pool. */
  category: string;
  /** Every change applied, e.g. `dob-digit+moved`. */
  changes: string;
  /** The kind of look-alike (one of LOOKALIKES). */
  lookalike: string;
  /**
   * The data cannot decide the label: the change removed the only field that tells the person
   * from the look-alike (a missing first name with a twin in the pool). Counted apart in recall.
   */
  undecidable?: boolean;
}

/** Error classes the matcher had before issue 15. */
export const BASE_ERROR_CLASSES = [
  'first-typo',
  'last-typo',
  'nickname',
  'dob-swap',
  'moved',
  'new-phone',
  'married-name',
  'no-email',
  'formatting',
  'middle-name',
  'hyphenated-part',
] as const;

/** Error classes real registration data has that the matcher once missed (issue 15). */
export const NEW_ERROR_CLASSES = [
  'name-swap',
  'first-missing',
  'short-first-typo',
  'dob-digit',
  'dob-transposed',
  'street-run-together',
  'foreign-address',
  'identifier-with-errors',
] as const;

export const ERROR_CLASSES = [...BASE_ERROR_CLASSES, ...NEW_ERROR_CLASSES] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export const LOOKALIKES = [
  'twin',
  'twin-household-id',
  'sibling',
  'spouse',
  'jr-sr',
  'same-name-other-dob',
  'same-zip-and-dob',
  'stranger',
] as const;
type Lookalike = (typeof LOOKALIKES)[number];

/** Second changes that come on top of an error class, as everyday life makes them. */
const EVERYDAY: ErrorClass[] = ['moved', 'new-phone', 'no-email', 'formatting', 'middle-name'];
/** Classes whose given names a middle name added afterwards would turn into another first name. */
const NO_NEW_GIVEN: ErrorClass[] = ['first-missing', 'name-swap'];

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
  'Amy',
  'Ian',
  'Eva',
  'Leo',
  'Omar',
  'Rosa',
  'Kai',
  'Zara',
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
  'Okafor-Bello',
  'Ruiz-Díaz',
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

/** Foreign places: city, ISO country, a postcode maker, the local phone prefix, its international form, subscriber digits. */
const ABROAD: [
  string,
  string,
  (digits: (n: number) => string, letter: () => string) => string,
  string,
  string,
  number,
][] = [
  ['Dordrecht', 'NL', (d, l) => `${d(4).replace(/^0/, '3')} ${l()}${l()}`, '078', '+31 78', 7],
  ['London', 'GB', (d, l) => `SW${d(1)}${l()} ${d(1)}${l()}${l()}`, '020', '+44 20', 8],
  ['Canberra', 'AU', (d) => `26${d(2)}`, '02', '+61 2', 8],
  ['Berlin', 'DE', (d) => `10${d(3)}`, '030', '+49 30', 8],
];
const FOREIGN_STREETS = ['Voorstraat', 'Baker Street', 'Lambrigg Street', 'Friedrichstraße', 'Rue de Rivoli'];
const REGISTRY_SYSTEM = 'https://registry.example/person-id';
const ACCOUNT_SYSTEM = 'https://clinic.example/family-account';
const SUBSCRIBER_SYSTEM = 'https://payer.example/subscriber';

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
  /** Empty when the record has no first name. */
  first: string;
  middle?: string;
  last: string;
  suffix?: string;
  dob: string;
  phone: string;
  /** The phone as written, when it is not a US number in one of the usual formats. */
  phoneAsWritten?: string;
  email?: string;
  street?: string;
  city: string;
  state?: string;
  zip: string;
  country?: string;
  ssn4?: string;
  /** An identifier of no declared type in a registry's system (as a national registry number). */
  registryId?: string;
  /** A household's account and subscriber number: shared by the family. */
  householdId?: string;
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

  private letter(): string {
    return 'ABCDEFGHJKLMNPRSTUWXYZ'.charAt(Math.floor(this.random() * 22));
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

  private abroad(): Pick<Person, 'street' | 'city' | 'zip' | 'country' | 'phone' | 'phoneAsWritten'> {
    const [city, country, postcode, local, international, length] = this.pick(ABROAD);
    const number = `${2 + Math.floor(this.random() * 8)}${this.digits(length - 1)}`;
    const street = this.pick(FOREIGN_STREETS);
    const house = 1 + Math.floor(this.random() * 200);
    return {
      street: country === 'NL' || country === 'DE' ? `${street} ${house}` : `${house} ${street}`,
      city,
      country,
      zip: postcode(
        (n) => this.digits(n),
        () => this.letter()
      ),
      phone: `${international} ${number.slice(0, 3)} ${number.slice(3)}`,
      phoneAsWritten: `${local} ${number.slice(0, 3)} ${number.slice(3)}`,
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
      ...(this.random() < 0.2 && { registryId: this.digits(7) }),
      ...(this.random() < 0.3 && { householdId: `H-${this.digits(8)}` }),
      ...overrides,
    };
  }

  /** A Patient as a server (or a sender) would hold it; phone formats vary. */
  patient(p: Person, withId = true): Patient {
    const phone =
      p.phoneAsWritten ??
      this.pick([
        p.phone,
        `(${p.phone.slice(0, 3)}) ${p.phone.slice(3, 6)}-${p.phone.slice(6)}`,
        `+1 ${p.phone.slice(0, 3)} ${p.phone.slice(3, 6)} ${p.phone.slice(6)}`,
        `${p.phone.slice(0, 3)}-${p.phone.slice(3, 6)}-${p.phone.slice(6)}`,
      ]);
    const given = [p.first, p.middle ?? ''].filter(Boolean);
    const identifier: Identifier[] = [
      ...(p.ssn4 ? [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: `000-00-${p.ssn4}` }] : []),
      ...(p.registryId ? [{ system: REGISTRY_SYSTEM, value: p.registryId }] : []),
      ...(p.householdId
        ? [
            { system: ACCOUNT_SYSTEM, value: p.householdId },
            { system: SUBSCRIBER_SYSTEM, value: p.householdId, type: { coding: [{ code: 'SN' }] } },
          ]
        : []),
    ];
    return {
      resourceType: 'Patient',
      ...(withId && { id: `gen-${this.nextId++}` }),
      name: [
        {
          family: p.last,
          ...(given.length > 0 && { given }),
          ...(p.suffix && { suffix: [p.suffix] }),
        },
      ],
      birthDate: p.dob,
      telecom: [{ system: 'phone', value: phone }, ...(p.email ? [{ system: 'email' as const, value: p.email }] : [])],
      address: [
        {
          ...(p.street && { line: [p.street] }),
          city: p.city,
          ...(p.state && { state: p.state }),
          postalCode: p.zip,
          ...(p.country && { country: p.country }),
        },
      ],
      ...(identifier.length > 0 && { identifier }),
    };
  }

  /** A person for whom `errorClass` can happen (a short first name for `short-first-typo`, …). */
  private personFor(errorClass: ErrorClass): Person {
    for (;;) {
      const p = this.person();
      switch (errorClass) {
        case 'short-first-typo':
          return { ...p, first: this.pick(FIRST.filter((f) => f.length <= 4)) };
        case 'first-typo':
          if (p.first.length >= 5) {
            return p;
          }
          break;
        case 'last-typo':
          if (p.last.length >= 5) {
            return p;
          }
          break;
        case 'nickname':
          return { ...p, first: this.pick(Object.keys(NICKNAMES)) };
        case 'dob-swap': {
          const [y, m, d] = p.dob.split('-');
          if (Number(d) <= 12 && m !== d) {
            return { ...p, dob: `${y}-${m}-${d}` };
          }
          break;
        }
        case 'hyphenated-part':
          return { ...p, last: this.pick(LAST.filter((l) => l.includes('-'))) };
        case 'foreign-address': {
          const rest = { ...p, ...this.abroad() };
          delete rest.state;
          return rest;
        }
        case 'identifier-with-errors':
          return { ...p, registryId: this.digits(7) };
        case 'dob-transposed':
          if (dobTypo(p.dob, this.random, 'transposed')) {
            return p;
          }
          break;
        default:
          return p;
      }
    }
  }

  /** The same person as a different system recorded them: the error class, sometimes an everyday change too. */
  private recordedElsewhere(p: Person, errorClass: ErrorClass): [Person, string] {
    let q = this.change(p, errorClass);
    const changes: string[] = [errorClass];
    if (this.random() < 0.4) {
      const second = this.pick(
        EVERYDAY.filter((c) => c !== errorClass && !(c === 'middle-name' && NO_NEW_GIVEN.includes(errorClass)))
      );
      q = this.change(q, second);
      changes.push(second);
    }
    return [q, changes.join('+')];
  }

  private change(p: Person, errorClass: ErrorClass): Person {
    switch (errorClass) {
      case 'first-typo':
        return { ...p, first: typo(p.first, this.random) };
      case 'last-typo':
        return { ...p, last: typo(p.last, this.random) };
      case 'nickname':
        return { ...p, first: NICKNAMES[p.first] ?? p.first };
      case 'dob-swap': {
        const [y, m, d] = p.dob.split('-');
        return { ...p, dob: `${y}-${d}-${m}` };
      }
      case 'moved':
        return { ...p, ...this.address() };
      case 'new-phone': {
        const rest = { ...p, phone: this.phone() };
        delete rest.phoneAsWritten;
        return rest;
      }
      case 'married-name':
        return { ...p, last: this.pick(LAST) };
      case 'no-email': {
        const rest = { ...p };
        delete rest.email;
        return rest;
      }
      case 'formatting':
        return { ...p, first: p.first.toUpperCase(), last: p.last.toUpperCase().replace(/[^A-Z ]/g, '') };
      case 'middle-name': {
        const rest = { ...p };
        delete rest.middle;
        return p.middle ? rest : { ...p, middle: this.pick(FIRST) };
      }
      case 'hyphenated-part':
        return { ...p, last: p.last.split('-')[0] as string };
      case 'name-swap': {
        const rest = { ...p, first: p.last, last: p.first };
        delete rest.middle;
        return rest;
      }
      case 'first-missing': {
        const rest = { ...p, first: '' };
        delete rest.middle;
        return rest;
      }
      case 'short-first-typo':
        return { ...p, first: shortTypo(p.first, this.random) };
      case 'dob-digit':
        return { ...p, dob: dobTypo(p.dob, this.random, 'digit') ?? p.dob };
      case 'dob-transposed':
        return { ...p, dob: dobTypo(p.dob, this.random, 'transposed') ?? p.dob };
      case 'street-run-together': {
        const words = (p.street ?? '').split(' ');
        const at = 1 + Math.floor(this.random() * (words.length - 1));
        return { ...p, street: `${words.slice(0, at).join(' ')}${words.slice(at).join(' ')}`.toLowerCase() };
      }
      case 'foreign-address': {
        // The sender writes the phone internationally and the postcode its own way, and may leave out the street.
        const rest = { ...p, zip: p.zip.replace(' ', '').toLowerCase(), phoneAsWritten: p.phone };
        if (this.random() < 0.5) {
          delete rest.street;
        }
        return rest;
      }
      case 'identifier-with-errors': {
        // Typos in both names, moved, a new phone, no email: only the identifier still ties them.
        const rest = {
          ...p,
          ...this.address(),
          first: typo(p.first, this.random),
          last: typo(p.last, this.random),
          phone: this.phone(),
        };
        delete rest.email;
        delete rest.phoneAsWritten;
        delete rest.country;
        return rest;
      }
    }
  }

  /** Someone else the search would also find for `p`: a household member or a look-alike. */
  hardNegative(p: Person, kind: Lookalike): Person {
    const household = {
      last: p.last,
      street: p.street,
      city: p.city,
      state: p.state,
      zip: p.zip,
      ...(p.country && { country: p.country }),
      ...(p.householdId && { householdId: p.householdId }),
    };
    const twin = (): Person => ({
      ...this.person({ ...household, dob: p.dob, phone: p.phone }),
      ...(p.phoneAsWritten && { phoneAsWritten: p.phoneAsWritten }),
      ...(p.email && { email: p.email }),
      first: this.otherFirst(p.first),
    });
    switch (kind) {
      case 'twin':
        return twin();
      case 'twin-household-id':
        return { ...twin(), householdId: p.householdId ?? `H-${this.digits(8)}` };
      case 'sibling':
        return this.person({ ...household, phone: p.phone, first: this.otherFirst(p.first) });
      case 'spouse':
        return {
          ...this.person({ ...household, phone: p.phone, first: this.otherFirst(p.first) }),
          ...(p.email && { email: p.email }),
        };
      case 'jr-sr':
        return this.person({
          ...household,
          phone: p.phone,
          first: p.first,
          dob: shiftYears(p.dob, Number(p.dob.slice(0, 4)) > 1995 ? -25 : 25),
          suffix: this.random() < 0.5 ? 'Jr' : 'Sr',
        });
      case 'same-name-other-dob':
        return this.person({ first: p.first, last: p.last });
      case 'same-zip-and-dob':
        return this.person({
          dob: p.dob,
          zip: p.zip,
          city: p.city,
          ...(p.state && { state: p.state }),
          first: this.otherFirst(p.first),
        });
      case 'stranger':
        return this.person();
    }
  }

  private otherFirst(first: string): string {
    for (;;) {
      const other = this.pick(FIRST);
      if (other !== first && NICKNAMES[other] !== first && NICKNAMES[first] !== other) {
        return other;
      }
    }
  }

  /**
   * `count` labeled queries with pools of `poolSize`: half true matches, the error classes taken
   * in turn, half people who are not in the pool; every pool holds one look-alike.
   */
  queries(count: number, poolSize = 40): LabeledQuery[] {
    const out: LabeledQuery[] = [];
    for (let i = 0; i < count; i++) {
      const positive = i % 2 === 0;
      const errorClass = ERROR_CLASSES[(i / 2) % ERROR_CLASSES.length] as ErrorClass;
      const person = positive ? this.personFor(errorClass) : this.person();
      const lookalike = this.pick(LOOKALIKES);
      if (lookalike === 'twin-household-id' && !person.householdId) {
        person.householdId = `H-${this.digits(8)}`;
      }
      const others = Array.from({ length: poolSize - 2 }, () => this.patient(this.person()));
      const lookalikePatient = this.patient(this.hardNegative(person, lookalike));
      const lookalikeId = lookalikePatient.id as string;
      if (positive) {
        const stored = this.patient(person);
        const [changed, changes] = this.recordedElsewhere(person, errorClass);
        out.push({
          incoming: this.patient(changed, false),
          pool: shuffle([stored, lookalikePatient, ...others], this.random),
          matchId: stored.id,
          lookalikeId,
          category: errorClass,
          changes,
          lookalike,
          ...(errorClass === 'first-missing' && lookalike.startsWith('twin') && { undecidable: true }),
        });
      } else {
        out.push({
          incoming: this.patient(person, false),
          pool: shuffle([lookalikePatient, ...others], this.random),
          lookalikeId,
          category: 'absent',
          changes: '',
          lookalike,
        });
      }
    }
    return out;
  }
}

/** One typing error after the first letter: two letters swapped, one dropped, or a vowel changed. */
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

/** One keyboard error in a short name after its first letter: a letter added, doubled, dropped, swapped or replaced by any other. */
function shortTypo(name: string, random: () => number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const any = (): string => letters.charAt(Math.floor(random() * 26));
  for (;;) {
    const i = 1 + Math.floor(random() * (name.length - 1));
    let out: string;
    switch (Math.floor(random() * 5)) {
      case 0:
        out = name.slice(0, i) + any() + name.slice(i);
        break;
      case 1:
        out = name + name.charAt(name.length - 1);
        break;
      case 2:
        out = name.slice(0, i) + name.slice(i + 1);
        break;
      case 3:
        out = name.slice(0, i - 1) + name.charAt(i) + name.charAt(i - 1) + name.slice(i + 1);
        break;
      default:
        out = name.slice(0, i) + any() + name.slice(i + 1);
    }
    if (out.toLowerCase() !== name.toLowerCase() && out.charAt(0) === name.charAt(0)) {
      return out;
    }
  }
}

/** A birth date with one digit changed or two adjacent digits swapped, still a valid, plausible date; undefined when none is. */
function dobTypo(dob: string, random: () => number, kind: 'digit' | 'transposed'): string | undefined {
  const digits = dob.replace(/-/g, '');
  const candidates: string[] = [];
  for (let i = 0; i < 8; i++) {
    const variants =
      kind === 'digit'
        ? Array.from({ length: 10 }, (_, d) => digits.slice(0, i) + String(d) + digits.slice(i + 1))
        : [digits.slice(0, i) + digits.charAt(i + 1) + digits.charAt(i) + digits.slice(i + 2)];
    for (const s of variants) {
      const out = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
      const date = new Date(`${out}T00:00:00Z`);
      const year = Number(s.slice(0, 4));
      if (
        s.length === 8 &&
        out !== dob &&
        !Number.isNaN(date.getTime()) &&
        date.toISOString().startsWith(out) &&
        year >= 1910 &&
        year <= 2024
      ) {
        candidates.push(out);
      }
    }
  }
  return candidates.length > 0 ? candidates[Math.floor(random() * candidates.length)] : undefined;
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
