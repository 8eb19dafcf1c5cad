/** The demo links of local mode: realistic, generated content on the local sender. */
import type { Bundle, Observation, Resource } from '@medplum/fhirtypes';
import { shcCodes, startCardIssuer, vaccinationCard } from './health-card-issuer';
import type { ShlSender } from './shl-sender';

export interface DemoLink {
  title: string;
  description: string;
  /** The link as text (a health card's QR code text, `shc:/…`, for a bare card). */
  shl: string;
  /** A health card printed in several QR codes: the text of each, in order (`shl` is the first). */
  parts?: string[];
  passcode?: string;
  /** The sender can add content to this link (the long-lived one), to try following it. */
  changeable?: boolean;
}

export interface DemoLinks {
  links: DemoLink[];
  /** The health-card issuer the demo cards are signed by. */
  issuer: string;
  /** Its name, as a trusted-issuer directory would give it. */
  issuerName: string;
  /** The sender adds a new lab result to the long-lived link, as a patient's app would. */
  addResult: () => void;
}

const FHIR = 'application/fhir+json';

function bundle(type: Bundle['type'], resources: Resource[]): string {
  return JSON.stringify({
    resourceType: 'Bundle',
    type,
    timestamp: new Date().toISOString(),
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id ?? ''}`, resource })),
  });
}

function summary(patient: { id: string; given: string; family: string; birthDate: string; phone: string }): Resource[] {
  const subject = { reference: `Patient/${patient.id}` };
  return [
    {
      resourceType: 'Patient',
      id: patient.id,
      name: [{ given: [patient.given], family: patient.family }],
      birthDate: patient.birthDate,
      telecom: [{ system: 'phone', value: patient.phone }],
    },
    {
      resourceType: 'Condition',
      id: `${patient.id}-c1`,
      subject,
      code: { coding: [{ system: 'http://snomed.info/sct', code: '195967001', display: 'Asthma' }] },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      onsetDateTime: '2015-06-01',
    },
    {
      resourceType: 'Condition',
      id: `${patient.id}-c2`,
      subject,
      code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' }] },
      onsetDateTime: '2019-03-12',
    },
    {
      resourceType: 'AllergyIntolerance',
      id: `${patient.id}-a1`,
      patient: subject,
      code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }] },
      recordedDate: '2016-02-01',
    },
    {
      resourceType: 'MedicationStatement',
      id: `${patient.id}-m1`,
      subject,
      status: 'active',
      medicationCodeableConcept: {
        coding: [
          {
            system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
            code: '197361',
            display: 'Amlodipine 5 MG Oral Tablet',
          },
        ],
      },
    },
    {
      resourceType: 'Immunization',
      id: `${patient.id}-i1`,
      patient: subject,
      status: 'completed',
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208', display: 'COVID-19, mRNA' }] },
      occurrenceDateTime: '2021-04-10',
    },
    {
      resourceType: 'Observation',
      id: `${patient.id}-o1`,
      subject,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
      effectiveDateTime: '2026-10-01T09:30:00Z',
      valueQuantity: { value: 128, unit: 'mmHg' },
    },
    {
      resourceType: 'Observation',
      id: `${patient.id}-o2`,
      subject,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
      effectiveDateTime: '2026-10-01T09:30:00Z',
      valueQuantity: { value: 5.9, unit: '%' },
    },
  ] as Resource[];
}

/** A small C-CDA (a Continuity of Care Document with one problem) for a demo patient. */
function ccd(patient: { given: string; family: string; birthDate: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>
  <id root="2.16.840.1.113883.19.5.99999.1" extension="demo-ccd-1"/>
  <code code="34133-9" codeSystem="2.16.840.1.113883.6.1" displayName="Summary of episode note"/>
  <title>Continuity of Care Document</title>
  <effectiveTime value="20261101093000-0500"/>
  <recordTarget><patientRole><patient>
    <name><given>${patient.given}</given><family>${patient.family}</family></name>
    <birthTime value="${patient.birthDate.replace(/-/g, '')}"/>
  </patient></patientRole></recordTarget>
  <component><structuredBody><component><section>
    <templateId root="2.16.840.1.113883.10.20.22.2.5.1" extension="2015-08-01"/>
    <code code="11450-4" codeSystem="2.16.840.1.113883.6.1" displayName="Problem list"/>
    <title>Problems</title>
    <text>Seasonal allergic rhinitis, active</text>
    <entry><act classCode="ACT" moodCode="EVN">
      <templateId root="2.16.840.1.113883.10.20.22.4.3" extension="2015-08-01"/>
      <statusCode code="active"/>
      <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
        <templateId root="2.16.840.1.113883.10.20.22.4.4" extension="2015-08-01"/>
        <effectiveTime><low value="20200401"/></effectiveTime>
        <value xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CD" code="367498001" codeSystem="2.16.840.1.113883.6.96" displayName="Seasonal allergic rhinitis"/>
      </observation></entryRelationship>
    </act></entry>
  </section></component></structuredBody></component>
</ClinicalDocument>
`;
}

/** A new glucose result, as a long-lived link's sender would add one. */
function laterResult(patientId: string, n: number): Observation {
  return {
    resourceType: 'Observation',
    id: `${patientId}-later-${n}`,
    subject: { reference: `Patient/${patientId}` },
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }] },
    effectiveDateTime: new Date(Date.UTC(2026, 10, 1 + n, 8)).toISOString(),
    valueQuantity: { value: 95 + n, unit: 'mg/dL' },
  };
}

/** Creates the demo links on the sender; the health cards' issuer JWKS is served there too. */
export async function createDemoLinks(sender: ShlSender): Promise<DemoLinks> {
  const maria = { id: 'maria', given: 'Maria', family: 'López', birthDate: '1979-08-21', phone: '(617) 555-0134' };
  const jessica = {
    id: 'jessica',
    given: 'Jessica',
    family: 'Argonaut',
    birthDate: '1985-03-15',
    phone: '555-234-5678',
  };
  const ips = bundle('document', summary(maria));

  const cardIssuer = await startCardIssuer(sender);
  const issuer = cardIssuer.iss;
  const card = await cardIssuer.sign(vaccinationCard('141', '2025-10-15'));
  const healthCard = JSON.stringify({ verifiableCredential: [card] });

  const make = async (
    title: string,
    description: string,
    options: Parameters<ShlSender['createLink']>[0]
  ): Promise<DemoLink> => {
    const link = await sender.createLink({ label: title, ...options });
    ids.set(title, link.id);
    return {
      title,
      description,
      shl: link.shl,
      ...(options.passcode && { passcode: options.passcode }),
      ...(options.flag === 'L' && { changeable: true }),
    };
  };
  const ids = new Map<string, string>();
  const longLived = (results: Resource[]): Parameters<ShlSender['setFiles']>[1] => [
    { content: bundle('document', [...summary(maria), ...results]), contentType: FHIR, status: 'can-change' },
  ];
  const added: Resource[] = [];
  const links = [
    await make('IPS patient summary', 'A document Bundle for a new patient (zip, served by location).', {
      files: [{ content: ips, contentType: FHIR, zip: true, delivery: 'location' }],
      exp: Math.floor(Date.now() / 1000) + 7 * 86400,
    }),
    await make('Passcode-protected summary', 'Needs the passcode 2468 (5 tries).', {
      files: [{ content: ips, contentType: FHIR }],
      flag: 'P',
      passcode: '2468',
    }),
    await make('Direct file (U)', 'A single encrypted file, no manifest, as Kill the Clipboard apps share.', {
      files: [{ content: ips, contentType: FHIR, cty: FHIR }],
      flag: 'U',
      exp: Math.floor(Date.now() / 1000) + 3600,
    }),
    await make('Vaccination health card', 'A SMART Health Card signed by the local demo issuer.', {
      files: [{ content: healthCard, contentType: 'application/smart-health-card' }],
    }),
    await make('Several files', 'A FHIR bundle and a health card in one link.', {
      files: [
        { content: ips, contentType: FHIR, delivery: 'location' },
        { content: healthCard, contentType: 'application/smart-health-card' },
      ],
    }),
    await make('Long-lived link', 'An L link whose content may change: import it, follow it, then add a result.', {
      files: longLived(added),
      flag: 'L',
    }),
    await make('C-CDA visit summary', 'A DocumentReference holding a C-CDA: import it as a document, or convert it.', {
      files: [
        {
          content: bundle('collection', [
            summary(maria)[0] as Resource,
            {
              resourceType: 'DocumentReference',
              id: 'maria-ccd',
              status: 'current',
              subject: { reference: `Patient/${maria.id}` },
              description: 'Visit summary (C-CDA)',
              type: { coding: [{ system: 'http://loinc.org', code: '34133-9', display: 'Summary of episode note' }] },
              content: [
                {
                  attachment: {
                    contentType: 'application/cda+xml',
                    data: Buffer.from(ccd(maria)).toString('base64'),
                    title: 'Continuity of Care Document',
                  },
                },
              ],
            },
          ]),
          contentType: FHIR,
        },
      ],
    }),
    await make('Existing patient', 'Jessica Argonaut, who is already on this server.', {
      files: [{ content: bundle('collection', summary(jessica)), contentType: FHIR }],
    }),
    {
      title: 'Health card QR code',
      description: "A bare SMART Health Card (shc:/…), as a vaccination app shows it: Maria López's flu shot.",
      shl: shcCodes(card)[0] ?? '',
    },
    {
      title: 'Health card in 3 QR codes',
      description: 'The same card printed in three parts (shc:/1/3/…), as older cards are: scan each part.',
      shl: shcCodes(card, 3)[0] ?? '',
      parts: shcCodes(card, 3),
    },
  ];
  return {
    links,
    issuer,
    issuerName: 'Demo Health Department',
    addResult: () => {
      added.push(laterResult(maria.id, added.length + 1));
      sender.setFiles(ids.get('Long-lived link') ?? '', longLived(added));
    },
  };
}
