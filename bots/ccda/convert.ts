/**
 * Converting a C-CDA document from a link into FHIR resources that join the review set, with
 * `@medplum/ccda` as the Medplum runtime provides it (the bot Lambda layer, the Fission package,
 * and the server's own modules for vmcontext all ship it). The document's Composition and Patient
 * are left out: the link's patient is the subject, and every reference to the document's patient
 * points to it. Every resource gets a fresh id and a tag saying it was converted, so staff can
 * tell converted data from data the sender wrote as FHIR. Isomorphic.
 */
import { deepClone } from '@medplum/core';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { ConvertedDocument } from '../contract';
import { compare } from '../matching/compare';
import { demographicsOf } from '../matching/demographics';
import { isResource } from '../fhir/resource';
import { CONVERTED_FROM_CCDA } from '../fhir/systems';
import { ShlError } from '../shl/errors';
import { formatMb } from '../shl/jwe';
import { literalReference, visitObjects } from '../fhir/json-walk';
import { typeIdTail } from '../fhir/type-id';
import { ccdaXml } from './document';

/** The part of `@medplum/ccda` used here. */
export interface CcdaConverter {
  convertXmlToCcda: (xml: string) => unknown;
  convertCcdaToFhir: (ccda: unknown, options?: { ignoreUnsupportedSections?: boolean }) => Bundle;
}

/**
 * The bot's `convert-ccda` operation: `document` is the DocumentReference or Binary from the
 * review set, `patient` the link's patient. `converter` is undefined where the runtime lacks it.
 */
export function convertCcdaInput(
  input: Record<string, unknown>,
  converter: CcdaConverter | undefined,
  maxBytes: number,
  randomId: () => string
): ConvertedDocument {
  const document = input.document;
  const xml = isResource(document) ? ccdaXml(document) : undefined;
  if (xml === undefined) {
    throw new ShlError(
      'invalid-input',
      '"document" must be a DocumentReference or Binary that holds a C-CDA document inline.'
    );
  }
  if (!converter) {
    throw new ShlError(
      'not-configured',
      'C-CDA conversion needs @medplum/ccda, which this Medplum runtime does not provide. The document can still be imported as a document.'
    );
  }
  // Characters, a lower bound on the bytes: close enough for a cap, without encoding it again.
  if (xml.length > maxBytes) {
    throw new ShlError('too-large', `The C-CDA document is over ${formatMb(maxBytes)}; import it as a document.`);
  }
  // C-CDA needs no DTD; entity declarations only serve expansion attacks on the parser.
  if (/<!(?:DOCTYPE|ENTITY)/i.test(xml)) {
    throw new ShlError(
      'invalid-input',
      'The C-CDA document declares a DOCTYPE or entities, which C-CDA does not use; it is not converted. It can still be imported as a document.'
    );
  }
  const patient = isResource(input.patient) && input.patient.resourceType === 'Patient' ? input.patient : undefined;
  return convertCcdaDocument(
    converter,
    xml,
    typeof patient?.id === 'string' ? `Patient/${patient.id}` : undefined,
    patient,
    randomId
  );
}

/**
 * Converts `xml`; `subject` is the link's patient (`Patient/id`) the results are about, and
 * `patient` its demographics, compared with the document's to warn about a mismatch.
 */
export function convertCcdaDocument(
  converter: CcdaConverter,
  xml: string,
  subject: string | undefined,
  patient: Patient | undefined,
  randomId: () => string
): ConvertedDocument {
  let bundle: Bundle;
  try {
    bundle = converter.convertCcdaToFhir(converter.convertXmlToCcda(xml), { ignoreUnsupportedSections: true });
  } catch {
    throw new ShlError(
      'invalid-input',
      'The C-CDA document could not be converted. It can still be imported as a document.'
    );
  }
  // A copy: the converter's resources may share objects (one subject reference for all), and
  // references are rewritten in place here and again at import.
  const copy = deepClone(bundle);
  const all = (copy.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const documentPatient = all.find((r): r is Patient => r.resourceType === 'Patient');
  const resources = all.filter((r) => r.resourceType !== 'Patient' && r.resourceType !== 'Composition');

  // Fresh ids; references among the results follow them, the document's patient becomes the subject.
  const renamed = new Map<string, string | undefined>();
  if (documentPatient?.id) {
    renamed.set(`Patient/${documentPatient.id}`, subject);
  }
  for (const resource of resources) {
    const id = randomId();
    if (resource.id) {
      renamed.set(`${resource.resourceType}/${resource.id}`, `${resource.resourceType}/${id}`);
    }
    resource.id = id;
  }
  for (const resource of resources) {
    visitObjects(resource, (object) => {
      const reference = literalReference(object);
      const tail = reference === undefined ? undefined : typeIdTail(reference);
      const key = tail && `${tail.type}/${tail.id}`;
      if (key !== undefined && renamed.has(key)) {
        const target = renamed.get(key);
        if (target === undefined) {
          delete object.reference;
        } else {
          object.reference = target;
        }
      }
    });
    resource.meta = { ...resource.meta, tag: [...(resource.meta?.tag ?? []), CONVERTED_FROM_CCDA] };
  }

  const warnings: string[] = [];
  if (resources.length === 0) {
    warnings.push('The C-CDA document holds no entries this converter reads; import it as a document.');
  }
  const conflicts = documentPatient && patient ? conflictingFields(patient, documentPatient) : [];
  if (conflicts.length > 0) {
    warnings.push(
      `The C-CDA document's patient has another ${conflicts.join(' and ')} than the link's patient: check it is the same person.`
    );
  }
  return { resources, warnings };
}

/** The fields on which two patients disagree (both present, not even a near match). */
function conflictingFields(a: Patient, b: Patient): string[] {
  const { fields } = compare(demographicsOf(a), demographicsOf(b));
  return [
    fields.first === 'none' && 'given name',
    fields.last === 'none' && 'family name',
    fields.dob === 'none' && 'birth date',
  ].filter((f): f is string => typeof f === 'string');
}
