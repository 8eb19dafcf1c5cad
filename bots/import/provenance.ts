/**
 * The Provenance of an import: what it created, who ran it, and which link it came from (the
 * link's id, never its key). It is written in the import's last request, so it exists exactly
 * when the import does.
 */
import type { Provenance, ProvenanceAgent, Reference } from '@medplum/fhirtypes';
import type { ImportSource } from '../contract';
import { LINK_ID_SYSTEM, URL_SYSTEM } from '../fhir/systems';

export interface ProvenanceSettings {
  /** Who runs the import (the bot event's requester), when known. */
  requester?: Reference;
  now: () => number;
}

/** The Provenance of an import: what it created, who ran it, and which link it came from. */
export function provenanceFor(source: ImportSource, targets: string[], settings: ProvenanceSettings): Provenance {
  const participant = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
  const sender = source.label ? `${source.label} (${source.origin})` : source.origin;
  return {
    resourceType: 'Provenance',
    target: targets.map((reference) => ({ reference })),
    recorded: new Date(settings.now()).toISOString(),
    activity: { text: 'Imported from a SMART Health Link' },
    agent: [
      ...(settings.requester
        ? [
            {
              type: { coding: [{ system: participant, code: 'enterer', display: 'Enterer' }] },
              who: agentReference(settings.requester),
            },
          ]
        : []),
      {
        type: { coding: [{ system: participant, code: 'informant', display: 'Informant' }] },
        who: { display: sender, identifier: { system: URL_SYSTEM, value: source.origin } },
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: { system: LINK_ID_SYSTEM, value: source.linkId },
          display: source.label ?? 'SMART Health Link',
        },
      },
    ],
  };
}

/** A Provenance agent may only name people, devices and organizations; others keep a display. */
function agentReference(requester: Reference): ProvenanceAgent['who'] {
  const type = requester.reference?.split('/')[0] ?? '';
  return AGENT_TYPES.has(type)
    ? (requester as ProvenanceAgent['who'])
    : { display: requester.display ?? requester.reference ?? 'Unknown user' };
}

const AGENT_TYPES = new Set(['Practitioner', 'PractitionerRole', 'RelatedPerson', 'Patient', 'Device', 'Organization']);
