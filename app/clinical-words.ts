/**
 * Clinical words for what the pages show staff: resource types as plain English ("2 conditions",
 * "Vaccinations"), status codes as words, dates with their time when they have one, and the
 * patient as a name and birth date.
 */
import { formatHumanName } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';

interface TypeWords {
  /** One item: "allergy". */
  one: string;
  /** Several: "allergies". */
  many: string;
  /** A group's title: "Allergies". */
  title?: string;
}

/** Resource types in the order clinicians read a chart (the review's groups, the chart page). */
export const CHART_ORDER = [
  'AllergyIntolerance',
  'Condition',
  'MedicationStatement',
  'MedicationRequest',
  'Immunization',
  'Observation',
  'DiagnosticReport',
  'Procedure',
  'Encounter',
  'DocumentReference',
] as const;

const TYPES: Record<string, TypeWords> = {
  AllergyIntolerance: { one: 'allergy', many: 'allergies' },
  Condition: { one: 'condition', many: 'conditions', title: 'Conditions and problems' },
  MedicationStatement: { one: 'medication', many: 'medications' },
  MedicationRequest: { one: 'prescription', many: 'prescriptions' },
  MedicationAdministration: { one: 'medication given', many: 'medications given' },
  MedicationDispense: { one: 'medication dispensed', many: 'medications dispensed' },
  Medication: { one: 'medication product', many: 'medication products' },
  Immunization: { one: 'vaccination', many: 'vaccinations' },
  Observation: { one: 'result', many: 'results', title: 'Results and measurements' },
  DiagnosticReport: { one: 'report', many: 'reports' },
  Procedure: { one: 'procedure', many: 'procedures' },
  Encounter: { one: 'visit', many: 'visits' },
  DocumentReference: { one: 'document', many: 'documents' },
  Composition: { one: 'summary document', many: 'summary documents' },
  Binary: { one: 'file', many: 'files' },
  CarePlan: { one: 'care plan', many: 'care plans' },
  CareTeam: { one: 'care team', many: 'care teams' },
  Goal: { one: 'goal', many: 'goals' },
  Device: { one: 'device', many: 'devices' },
  DeviceUseStatement: { one: 'device in use', many: 'devices in use' },
  FamilyMemberHistory: { one: 'family history entry', many: 'family history entries', title: 'Family history' },
  ClinicalImpression: { one: 'assessment', many: 'assessments' },
  Coverage: { one: 'insurance card', many: 'insurance cards', title: 'Insurance' },
  Practitioner: { one: 'clinician', many: 'clinicians' },
  PractitionerRole: { one: 'clinician role', many: 'clinician roles' },
  Organization: { one: 'organization', many: 'organizations' },
  Location: { one: 'place', many: 'places' },
  RelatedPerson: { one: 'related person', many: 'related people' },
  Specimen: { one: 'specimen', many: 'specimens' },
  ServiceRequest: { one: 'order', many: 'orders' },
  Endpoint: { one: 'connection offered by the sender', many: 'connections offered by the sender' },
  Patient: { one: 'patient record', many: 'patient records' },
  Provenance: { one: 'record of origin', many: 'records of origin' },
};

/** "allergies" for `AllergyIntolerance`; an unknown type in words ("risk assessments"). */
function wordsOf(type: string): TypeWords {
  const known = TYPES[type];
  if (known) {
    return known;
  }
  const one = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return { one, many: one.endsWith('s') ? one : `${one}s` };
}

/** "1 allergy", "2 conditions". */
export function countOf(type: string, count: number): string {
  const words = wordsOf(type);
  return `${count.toLocaleString()} ${count === 1 ? words.one : words.many}`;
}

/** A review group's title: "Allergies", "Results and measurements". */
export function groupTitle(type: string): string {
  const words = wordsOf(type);
  return words.title ?? words.many.charAt(0).toUpperCase() + words.many.slice(1);
}

/** "2 conditions, 1 allergy and 3 results": the count of each type, most frequent first. */
export function countsInWords(references: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const reference of references) {
    const type = reference.split('/')[0] ?? '';
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([type, count]) => countOf(type, count));
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1) ?? ''}`;
}

const STATUS_WORDS: Record<string, string> = {
  active: 'Active',
  inactive: 'Inactive',
  resolved: 'Resolved',
  remission: 'In remission',
  recurrence: 'Came back',
  relapse: 'Relapsed',
  final: 'Final',
  preliminary: 'Preliminary',
  registered: 'Registered, no result yet',
  amended: 'Amended',
  corrected: 'Corrected',
  cancelled: 'Cancelled',
  'entered-in-error': 'Entered in error',
  completed: 'Completed',
  'not-done': 'Not done',
  'in-progress': 'In progress',
  'on-hold': 'On hold',
  stopped: 'Stopped',
  intended: 'Intended',
  'not-taken': 'Not taken',
  current: 'Current',
  superseded: 'Replaced by a newer version',
  draft: 'Draft',
  unknown: 'Status unknown',
  confirmed: 'Confirmed',
  unconfirmed: 'Not confirmed',
  refuted: 'Ruled out',
};

/** Words for a status code, by resource type where the words differ ("Given" for a vaccination). */
export function statusWords(code: string, type?: string): string {
  if (type === 'Immunization' && (code === 'completed' || code === 'not-done')) {
    return code === 'completed' ? 'Given' : 'Not given';
  }
  const known = STATUS_WORDS[code];
  if (known) {
    return known;
  }
  const words = code.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const MONTH = { year: 'numeric', month: 'short' } as const;
const DAY = { year: 'numeric', month: 'short', day: 'numeric' } as const;

/**
 * A FHIR date or dateTime for people: "2015", "Jun 2015", "Jun 1, 2015", and with its time when
 * it has one ("Jan 1, 2026, 9:30 AM", in the reader's time zone). Anything else as it is.
 */
export function clinicalDate(value: string): string {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (match) {
    const [, year, month, day] = match;
    if (!month) {
      return year ?? value;
    }
    // A date without a time is the same day everywhere: format it in UTC.
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day ?? 1)));
    return date.toLocaleDateString(undefined, { ...(day ? DAY : MONTH), timeZone: 'UTC' });
  }
  const time = Date.parse(value);
  return Number.isNaN(time)
    ? value
    : new Date(time).toLocaleString(undefined, { ...DAY, hour: 'numeric', minute: '2-digit' });
}

/** "Maria López", or "Unnamed patient". */
export function patientName(patient: Patient | undefined): string {
  const name = patient?.name?.[0];
  return (name && (name.text ?? formatHumanName(name))) || 'Unnamed patient';
}

/** "Maria López, born 1979-08-21": the birth date as ID documents and charts write it. */
export function patientLine(patient: Patient | undefined): string {
  const born = patient?.birthDate ? `, born ${patient.birthDate}` : '';
  return `${patientName(patient)}${born}`;
}

/** "Maria López's". */
export function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}
